"""Differential tests: every track scorer against the official code itself (../shared/upstream/track-scorers).

Each case is a file pair built here (well-formed and edge cases: ties, empty predictions, unknown labels, repeated /
missing / extra rows, case and whitespace variants, wheels with nothing scorable), scored by the official function
and by `unibench.tracks.score`. The rule checked (`parity`): where the official code returns a number, unibench
with `as_official=True` returns the same number (to 1e-9 on the fraction) and without it either the same number or
a refusal naming `--as-official`; where the official code returns NaN, unibench reports the score as undefined with
the reason; where the official code fails, unibench refuses in both modes. Skipped when the oracles are absent.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from official import call, official
from synth import make_lexicon
from unibench.errors import UserError

EMOS = ("neutral", "angry", "happy", "sad", "worried", "surprise")


def ours(track, sub, gold, **opts):
    from unibench.tracks import score

    try:
        return score(track, sub, gold, **opts)
    except UserError as err:
        assert "\n" not in str(err)
        return err


def parity(off, track, sub, gold, pairs, **opts) -> str:
    """Check the rule for one case. `off` is the official result (or its exception); `pairs` lists
    (official getter, our getter) of fractions. Returns 'refused', 'nan', 'same' or 'flag' (scored with the flag)."""
    default = ours(track, sub, gold, **opts)
    strict = ours(track, sub, gold, as_official=True, **opts)
    if isinstance(off, Exception):
        assert isinstance(default, UserError) and isinstance(strict, UserError), \
            f"{track}: official fails ({type(off).__name__}: {off}) but unibench scores {sub.name}"
        return "refused"
    assert not isinstance(strict, UserError), f"{track}: official scores {sub.name}, unibench refuses: {strict}"
    nan = False
    for get_off, get_ours in pairs:
        want = float(get_off(off))
        if math.isnan(want):
            nan = True
            assert strict["score"] is None and strict["undefined"], f"{track}: official NaN, unibench {strict['score']}"
        else:
            assert get_ours(strict) == pytest.approx(want, abs=1e-9), f"{track} {sub.name}"
    if isinstance(default, UserError):
        assert "--as-official" in str(default), f"{track}: refusal without the flag: {default}"
        return "flag"
    assert default["score"] == strict["score"] and default["values"] == strict["values"]
    return "nan" if nan else "same"


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def csv_text(header: str, rows) -> str:
    import csv
    import io

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(header.split(","))
    out.writerows(rows)
    return buf.getvalue()


# --- discrete tracks: MER2023 MULTI / NOISE / SEMI, MER2025 SEMI, MER2026 Cross --------------------------------------

GOLD = [(f"n{i:02d}", EMOS[i % 6] if i != 7 else "happy", f"{(i % 9) - 4:.2f}") for i in range(13)]


def discrete_cases(valence: bool) -> dict[str, str]:
    """name -> submission text; each changes one thing of a well-formed file."""
    rng = random.Random(11)
    head = "name,discrete,valence" if valence else "name,discrete"
    base = [(n, rng.choice(EMOS), f"{rng.uniform(-4, 4):.3f}") for n, _, _ in GOLD]

    def text(rows, header=head):
        return csv_text(header, [r if valence else r[:2] for r in rows])

    def swap(i, **kw):
        rows = [list(r) for r in base]
        rows[i] = [kw.get("name", rows[i][0]), kw.get("label", rows[i][1]), kw.get("val", rows[i][2])]
        return rows

    other = next(e for e in EMOS if e != base[2][1])
    cases = {
        "well-formed": text(base),
        "perfect": text(GOLD),
        "one class for all (ties in F1)": text([(n, "happy", v) for n, _, v in base]),
        "a class never predicted": text([(n, "sad" if lab == "angry" else lab, v) for n, lab, v in GOLD]),
        "reordered": text(sorted(base, key=lambda r: r[1])),
        "unknown label": text(swap(3, label="joy")),
        "unknown label in an extra row": text(base + [("x1", "joy", "0")]),
        "case variant": text(swap(0, label=base[0][1].capitalize())),
        "whitespace variant": text(swap(0, label=" " + base[0][1])),
        "NA label": text(swap(1, label="NA")),
        "header with spaces": text(base, head.replace(",", ", ")),
        "repeated row": text(base + [base[2]]),
        "repeated name, other label": text(base + [(base[2][0], other, base[2][2])]),
        "missing row": text(base[1:]),
        "extra rows": text(base + [("x1", "sad", "1"), ("x2", "happy", "0")]),
        "BOM": "\ufeff" + text(base),
        "blank and whitespace lines": text(base).replace("\n", "\n\n   \n", 3),
        "short row": text(base) + "n99\n",
        "empty name": text(base + [("", "happy", "1")]),
    }
    if valence:
        cases |= {"valence empty": text(swap(4, val="")), "valence nan": text(swap(4, val="nan")),
                  "valence text": text(swap(4, val="high")), "valence inf": text(swap(4, val="inf")),
                  "no valence column": csv_text("name,discrete", [r[:2] for r in base])}
    return cases


def pad_to(text: str, count: int) -> str:
    """`text` plus empty-label-free candidate rows up to `count` distinct names, as pandas counts them (an empty
    or NA name is one NaN key)."""
    import csv
    import io

    from unibench.tracks.submissions import PANDAS_NA

    rows = list(csv.reader(io.StringIO(text)))[1:]
    names = {("<NaN>" if r[0] in PANDAS_NA else r[0]) for r in rows if r and (len(r) > 1 or r[0].strip())}
    return text + "".join(f"c{i:05d},neutral\n" for i in range(count - len(names)))


def _gold_csv(tmp_path, valence: bool):
    return write(tmp_path / "gold.csv", csv_text("name,discrete,valence" if valence else "name,discrete",
                                                 [r if valence else r[:2] for r in GOLD]))


def test_mer2023_multi_noise_and_semi(tmp_path):
    ns = official("o_mer2023")
    outcomes = {}
    for valence, tracks in ((True, ("mer2023-multi", "mer2023-noise")), (False, ("mer2023-semi",))):
        gold = _gold_csv(tmp_path, valence)
        for case, text in discrete_cases(valence).items():
            sub = write(tmp_path / f"sub-{len(outcomes)}.csv", text)
            for track in tracks:
                if valence:
                    off = call(ns["report_results_on_test1_test2"], gold, sub)
                    pairs = [(lambda o: o[2], lambda d: d["score"] / 100),
                             (lambda o: o[0], lambda d: d["values"]["waf"] / 100),
                             (lambda o: o[1], lambda d: d["values"]["mse_raw"])]
                else:
                    off = call(ns["report_results_on_test3"], gold, sub)
                    pairs = [(lambda o: o[0], lambda d: d["score"] / 100)]
                outcomes[(track, case)] = parity(off, track, sub, gold, pairs)
    # the rule is exercised both ways: files both score, files both refuse, files only the flag scores
    assert outcomes[("mer2023-multi", "well-formed")] == "same"
    assert outcomes[("mer2023-multi", "extra rows")] == "refused"      # the official asserts equal counts
    assert outcomes[("mer2023-semi", "extra rows")] == "same"          # test3 scores the gold names
    assert outcomes[("mer2023-semi", "unknown label in an extra row")] == "refused"  # it reads every row's label
    assert outcomes[("mer2023-multi", "header with spaces")] == "refused"
    assert outcomes[("mer2023-semi", "repeated name, other label")] == "flag"  # official: the last row wins
    assert outcomes[("mer2023-semi", "short row")] == "refused"        # NaN label: KeyError
    assert outcomes[("mer2023-multi", "valence empty")] == "refused"


@pytest.mark.parametrize("edition", ["o_track1_2025", "o_track1_2026"])
def test_mer2025_semi_and_mer2026_cross(tmp_path, edition):
    ns = official(edition)
    track = "mer2025-semi" if edition.endswith("2025") else "mer2026-cross"
    gold = _gold_csv(tmp_path, False)
    cases = discrete_cases(False)
    if track == "mer2025-semi":  # the official asserts 20,000 predictions: pad each file with candidates
        # (each padded file costs the official pandas reader about 2 s, so only the cases that tell something)
        keep = ("unknown label in an extra row", "repeated name, other label")
        cases = {k: pad_to(cases[k], 20000) for k in keep}
        cases["one candidate too many"] = pad_to(csv_text("name,discrete", [r[:2] for r in GOLD]), 20001)
        cases["without the candidates"] = csv_text("name,discrete", [r[:2] for r in GOLD])
    outcomes = {}
    for i, (case, text) in enumerate(cases.items()):
        sub = write(tmp_path / f"sub-{i}.csv", text)
        off = call(ns["score_calculation"], gold, sub)
        outcomes[case] = parity(off, track, sub, gold, [(lambda o: o, lambda d: d["score"] / 100)])
    assert outcomes["unknown label in an extra row"] == "same"  # only the gold names' labels are read
    assert outcomes["repeated name, other label"] == "flag"
    if track == "mer2025-semi":
        assert outcomes["one candidate too many"] == outcomes["without the candidates"] == "refused"
    else:
        assert outcomes["well-formed"] == outcomes["extra rows"] == "same" and outcomes["NA label"] == "refused"
        assert outcomes["short row"] == outcomes["empty name"] == "flag"  # an extra row's label is never read


# --- MERBench and MER2024 SEMI / NOISE: the official metric on the same labels ---------------------------------------

def _one_hot(labels, vocab):
    out = np.zeros((len(labels), len(vocab)))
    out[np.arange(len(labels)), [vocab.index(x) for x in labels]] = 1.0
    return out


@pytest.mark.parametrize("track, fn", [("merbench-discrete", "calculate_results_meld"),
                                       ("merbench-discrete", "calculate_results_iemocap"),
                                       ("merbench-discrete", "calculate_results_mer2023"),
                                       ("mer2024-semi", "calculate_results_mer2024"),
                                       ("mer2024-noise", "calculate_results_mer2024")])
def test_discrete_metric_matches_calculate_results(tmp_path, track, fn):
    """The official MERBench / MER2024 scorer takes logits in memory; ours reads a CSV of the argmax labels."""
    ns = official("o_merbench")
    vocab = list(EMOS)
    gold_rows = [(n, lab) for n, lab, _ in GOLD]
    gold = write(tmp_path / "g.csv", csv_text("name,discrete", gold_rows))
    rng = random.Random(3)
    gold_labels = [lab for _, lab in gold_rows]
    for k, preds in enumerate([[rng.choice(EMOS) for _ in GOLD], ["happy"] * len(GOLD), gold_labels,
                               ["sad" if lab == "angry" else lab for lab in gold_labels]]):
        sub = write(tmp_path / f"s{k}.csv", csv_text("name,discrete", zip([n for n, _ in gold_rows], preds)))
        kw = {"val_preds": np.zeros(len(preds)), "val_labels": np.zeros(len(preds))} if fn.endswith("mer2023") else {}
        off = call(ns[fn], None, _one_hot(preds, vocab), [vocab.index(x) for _, x in gold_rows], **kw)
        opts = {"labels": vocab} if track == "merbench-discrete" else {}
        parity(off, track, sub, gold, [(lambda o: o[0]["emofscore"], lambda d: d["values"]["waf"] / 100),
                                       (lambda o: o[0]["emoacc"], lambda d: d["values"]["acc"] / 100)], **opts)


@pytest.mark.parametrize("fn", ["calculate_results_cmudata", "calculate_results_sims", "calculate_results_simsv2"])
def test_sentiment_matches_calculate_results(tmp_path, fn):
    ns = official("o_merbench")
    rng = random.Random(5)
    gold_v = [0.0, 1.2, -0.4, 2.0, 0.0, -3.0, 0.6, -0.2, 1.0]
    cases = {"random": [round(rng.uniform(-3, 3), 2) for _ in gold_v], "exact zeros": [0.0] * len(gold_v),
             "all positive": [1.0] * len(gold_v)}
    for k, (case, pv) in enumerate(cases.items()):
        names = [f"v{i}" for i in range(len(gold_v))]
        gold = write(tmp_path / "g.csv", csv_text("name,valence", zip(names, gold_v)))
        sub = write(tmp_path / f"s{k}.csv", csv_text("name,valence", zip(names, pv)))
        off = call(ns[fn], None, val_preds=np.array(pv), val_labels=np.array(gold_v))
        parity(off, "merbench-sentiment", sub, gold, [(lambda o: o[0]["emofscore"], lambda d: d["score"] / 100),
                                                      (lambda o: o[0]["emoacc"], lambda d: d["values"]["acc"] / 100)])
    zero = write(tmp_path / "zero.csv", csv_text("name,valence", [("a", 0), ("b", 0)]))
    off = call(ns[fn], None, val_preds=np.array([1.0, 1.0]), val_labels=np.array([0.0, 0.0]))
    assert parity(off, "merbench-sentiment", zero, zero, []) == "refused"  # every gold valence is 0


# --- MER2026 Prefer / EmoPrefer -------------------------------------------------------------------------------------

def test_preference_metrics_and_postprocessing(tmp_path):
    from unibench.metrics.preference import postprocess_preference, swap_consistency

    ns = official("o_prefer")
    rng = random.Random(9)
    pairs = [(f"p{i}", "x" * rng.randint(1, 9), "y" * rng.randint(1, 9)) for i in range(15)]
    gold_pref = [rng.choice(("a1", "a2", "a2", "same")) for _ in pairs]
    gold = write(tmp_path / "g.csv", csv_text("name,a1,a2,preference", [(*p, g) for p, g in zip(pairs, gold_pref)]))
    for k, pred in enumerate([[rng.choice(("a1", "a2", "same")) for _ in pairs], ["same"] * len(pairs), gold_pref]):
        sub = write(tmp_path / f"s{k}.csv", csv_text("name,preference", zip([p[0] for p in pairs], pred)))
        two = call(ns["func_preference_metric"], gt_labels=gold_pref, pred_labels=pred, metric="twoclass")
        three = call(ns["func_preference_metric"], gt_labels=gold_pref, pred_labels=pred, metric="threeclass")
        parity(two, "mer2026-prefer", sub, gold, [(lambda o: o[0], lambda d: d["score"] / 100),
                                                  (lambda o: o[1], lambda d: d["values"]["two_class"]["acc"] / 100)])
        parity(three, "mer2026-prefer", sub, gold, [
            (lambda o: o[0], lambda d: d["values"]["three_class"]["waf"] / 100),
            (lambda o: o[1], lambda d: d["values"]["three_class"]["acc"] / 100)])
    same = write(tmp_path / "same.csv", csv_text("name,a1,a2,preference", [(*p, "same") for p in pairs]))
    off = call(ns["func_preference_metric"], gt_labels=["same"] * len(pairs), pred_labels=["a1"] * len(pairs))
    assert parity(off, "mer2026-prefer", same, same, []) == "refused"  # nothing left in 2-class mode
    # swap consistency: the official reads npz files of gt_labels / pred_labels
    pred, rev = [rng.choice(("a1", "a2", "same")) for _ in pairs], [rng.choice(("a1", "a2", "same")) for _ in pairs]
    swapped = {"a1": "a2", "a2": "a1", "same": "same"}
    np.savez(tmp_path / "fwd.npz", gt_labels=np.array(gold_pref), pred_labels=np.array(pred))
    np.savez(tmp_path / "rev.npz", gt_labels=np.array([swapped[g] for g in gold_pref]), pred_labels=np.array(rev))
    mean, _ = call(ns["func_reverse_consistency"], [tmp_path / "fwd.npz"], [tmp_path / "rev.npz"])
    assert 100 * swap_consistency(pred, rev) == pytest.approx(mean, abs=1e-9)
    replies = ["A1 is better", "a2.", "Same", "I think a2, not a1", "both are same; a1", "neither", "", "the a1 one"]
    assert [postprocess_preference(r) for r in replies] == call(ns["func_postprocess_preference"], replies)


# --- emotion-wheel tracks: MER2025 FG (mean L1/L2, no guard), MER2026 FG (L1, guarded), OV-MER suite ------------------

@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """The synthetic wheel folder (wheel5 lacks 'surprised') and the MER2026 wheel_mapping.npz built from it by
    the official MER2025 functions (the way the real npz was made)."""
    folder = make_lexicon(tmp_path_factory.mktemp("lex") / "emotion_wheel")
    ns = official("o_fg2025", UB_WHEEL_2025=str(folder))

    def obj(value):
        a = np.empty((), dtype=object)
        a[()] = value
        return a

    whole = {w: {lv: call(ns["func_get_wheel_cluster"], w, lv) for lv in ("level1", "level2")}
             for w in ("wheel1", "wheel2", "wheel3", "wheel4", "wheel5")}
    npz_dir = folder.parent / "mer2026"
    npz_dir.mkdir()
    np.savez(npz_dir / "wheel_mapping.npz", format_mapping=obj(ns["format_mapping"]),
             raw_mapping=obj(ns["raw_mapping"]), wheel_map_whole=obj(whole))
    return {"folder": folder, "npz": npz_dir / "wheel_mapping.npz", "o2025": ns,
            "o2026": official("o_fg2026", UB_WHEEL_2026=str(npz_dir))}


OV_GOLD = [("g1", "['happy', 'lonely']"), ("g2", "['furious']"), ("g3", "['worried', 'glad']"),
           ("g4", "['Surprised']"), ("g5", "[]"), ("g6", "['amazed', 'sad']"), ("g7", "['zzz']")]


def openset_cases() -> dict[str, tuple[list, list]]:
    """name -> (gold rows, prediction items): items are list strings, lists or None, as an npz may hold them."""
    names = [n for n, _ in OV_GOLD]
    good = ["['cheerful', 'sadness']", "['mad']", "['anxious']", "['startled']", "['happy']", "['astonished']", "[]"]
    return {
        "well-formed": (OV_GOLD, good),
        "labels stored as lists": (OV_GOLD, [["Cheerful ", "sadness"], ["mad"], [], ["startled"], ["x"],
                                             ["astonished", "sad"], []]),
        "empty and None items": (OV_GOLD, [None, "", "[]", float("nan"), "['happy']", "['sad']", None]),
        "unquoted and spaced items": (OV_GOLD, ["[cheerful, sadness ]", " ['mad' ,'irate']", "anxious", "[startled",
                                                "happy]", " [astonished]", "['amazed'], ['sad']"]),
        "case variants": (OV_GOLD, ["['CHEERFUL']", "['Mad']", "['Anxious', 'GLAD']", "['STARTLED']", "[]",
                                    "['Astonished']", "[]"]),
        "all predictions empty (P + R = 0)": (OV_GOLD, ["[]"] * len(names)),
        "a wheel with nothing scorable": ([("g1", "['surprised']"), ("g2", "['startled', 'zzz']")],
                                          ["['surprised']", "['amazed']"]),
        "no gold label on any wheel": ([("g1", "['zzz']"), ("g2", "[]")], ["['happy']", "['sad']"]),
    }


def _npz(path, names, items):
    arr = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        arr[i] = x
    np.savez(path, filenames=np.array(names), fileitems=arr)
    return path


def test_mer2025_fg_and_mer2026_fg(tmp_path, wheels):
    lex25, lex26 = wheels["folder"], wheels["npz"]
    outcomes = {}
    pad = [f"c{i:05d}" for i in range(20000)]
    for k, (case, (gold_rows, items)) in enumerate(openset_cases().items()):
        gold = write(tmp_path / f"g{k}.csv", csv_text("name,openset", gold_rows))
        names = [n for n, _ in gold_rows]
        sub26 = _npz(tmp_path / f"s{k}-openset.npz", names, items)
        off26 = call(wheels["o2026"]["evaluate"], gold, sub26)
        outcomes[("2026", case)] = parity(off26, "mer2026-fg", sub26, gold,
                                          [(lambda o: o, lambda d: d["score"] / 100)], lexicon=lex26)
        extra = pad[:20000 - len(names)]
        sub25 = _npz(tmp_path / f"s{k}-2025-openset.npz", names + extra, list(items) + ["[]"] * len(extra))
        off25 = call(wheels["o2025"]["evaluate"], gold, sub25, assert_20000=True)
        outcomes[("2025", case)] = parity(off25, "mer2025-fg", sub25, gold, [
            (lambda o: o[2], lambda d: d["score"] / 100 if d["score"] is not None else math.nan),
            (lambda o: o[0], lambda d: d["values"]["ew_f_l1"] / 100)],
            lexicon=lex25)
    assert outcomes[("2025", "well-formed")] == outcomes[("2026", "well-formed")] == "same"
    assert outcomes[("2025", "labels stored as lists")] == "same"
    assert outcomes[("2025", "a wheel with nothing scorable")] == "nan"           # wheel5 has no 'surprised'
    assert outcomes[("2025", "all predictions empty (P + R = 0)")] == "nan"      # 0/0
    assert outcomes[("2026", "a wheel with nothing scorable")] == "same"          # counted as F = 0
    assert outcomes[("2026", "no gold label on any wheel")] == "same"             # F = 0
    # what the official refuses: a CSV upload, another count than 20,000 (MER2025), a missing gold name
    gold = write(tmp_path / "g.csv", csv_text("name,openset", OV_GOLD))
    names, items = [n for n, _ in OV_GOLD], openset_cases()["well-formed"][1]
    short = _npz(tmp_path / "short-openset.npz", names, items)
    assert parity(call(wheels["o2025"]["evaluate"], gold, short, assert_20000=True), "mer2025-fg", short, gold, [],
                  lexicon=lex25) == "refused"
    as_csv = write(tmp_path / "sub.csv", csv_text("name,openset", zip(names, items)))
    assert parity(call(wheels["o2025"]["evaluate"], gold, as_csv), "mer2025-fg", as_csv, gold, [],
                  lexicon=lex25) == "refused"
    missing = _npz(tmp_path / "missing-openset.npz", names[1:], items[1:])
    assert parity(call(wheels["o2026"]["evaluate"], gold, missing), "mer2026-fg", missing, gold, [],
                  lexicon=lex26) == "refused"
    twice = _npz(tmp_path / "twice-openset.npz", names + names[:1], items + ["['sad']"])
    assert parity(call(wheels["o2026"]["evaluate"], gold, twice), "mer2026-fg", twice, gold,
                  [(lambda o: o, lambda d: d["score"] / 100)], lexicon=lex26) == "flag"  # the last entry wins


def test_mer2025_fg_on_the_shipped_fixture(tmp_path, reference, expected):
    """ov_store predictions, padded with empty candidates to the 20,000 the official scorer asserts."""
    import csv

    ns = official("o_fg2025")  # its default wheel folder is ../shared/reference/AffectGPT/emotion_wheel
    store = reference / "ov-mer" / "ov_store"
    with open(store / "predict-openset.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["name"] for r in rows] + [f"c{i:05d}" for i in range(20000 - len(rows))]
    sub = _npz(tmp_path / "sub-openset.npz", names, [r["openset"] for r in rows] + ["[]"] * (20000 - len(rows)))
    off = call(ns["evaluate"], store / "check-openset.csv", sub, assert_20000=True)
    assert parity(off, "mer2025-fg", sub, store / "check-openset.csv",
                  [(lambda o: o[2], lambda d: d["score"] / 100),
                   (lambda o: o[1], lambda d: d["values"]["ew_f_l2"] / 100)],
                  lexicon=reference / "AffectGPT/emotion_wheel") == "same"
    assert round(100 * off[2], 2) == 48.91
    assert 100 * off[2] == pytest.approx(expected["ov_store_mer2024_example"]["mer2025_track2_style_mean_L1F_L2F"],
                                         abs=5e-5)


def test_ovmer_suite_matches_calculate_openset_overlap_rate(tmp_path, wheels):
    from unibench.tracks.ovmer import suite_metrics

    ns = wheels["o2025"]
    official_name = {"M1": "case1", "M2": "case2"}
    for k, (case, (gold_rows, items)) in enumerate(openset_cases().items()):
        names = [n for n, _ in gold_rows]
        gold = write(tmp_path / f"g{k}.csv", csv_text("name,openset", gold_rows))
        sub = _npz(tmp_path / f"s{k}-openset.npz", names, items)
        doc = ours("ovmer-suite", sub, gold, lexicon=wheels["folder"])
        name2gt = {n: ", ".join(ns["string_to_list"](g)) for n, g in gold_rows}
        name2pred = dict(zip(names, items))
        fs = []
        for metric in suite_metrics(("wheel1", "wheel2", "wheel3", "wheel4", "wheel5")):
            up = official_name.get(metric) or "case3_wheel{}_level{}".format(metric[4], metric[-1])
            p, r = call(ns["calculate_openset_overlap_rate"], name2gt=name2gt, name2pred=name2pred, metric=up,
                        format_mapping=ns["format_mapping"], raw_mapping=ns["raw_mapping"], inter_print=False)
            got = doc["values"]["metrics"][metric]
            with np.errstate(invalid="ignore"):
                f = 2 * p * r / (p + r)  # the official wheel_metric_calculation's F, NaN included
            for want, mine in ((p, got["p"]), (r, got["r"]), (f, got["f"])):
                if math.isnan(want):
                    assert mine is None, (case, metric)
                else:
                    assert mine / 100 == pytest.approx(want, abs=1e-9), (case, metric)
            fs.append(f)
        if any(math.isnan(x) for x in fs):
            assert doc["score"] is None and doc["undefined"], case
        else:
            assert doc["score"] / 100 == pytest.approx(float(np.mean(fs)), abs=1e-9), case


# --- MER2024 MER-OV: groupings, the quote-only splitter, reply post-processing ---------------------------------------

def _synonym_store(tmp_path, replies: dict[str, str], tag: str):
    import zipfile

    root = tmp_path / f"syn-{tag}" / "openset-synonym"
    root.mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / f"syn-{tag}.zip", "w") as zf:
        for name, reply in replies.items():
            np.save(root / f"{name}.npy", reply)
            zf.write(root / f"{name}.npy", f"openset-synonym/{name}.npy")
    return root, tmp_path / f"syn-{tag}.zip"


def test_mer2024_ov_cases(tmp_path):
    ns = official("o_mer2024_ov")
    gold_rows = [("a", "['happy', 'sad']"), ("b", "['Angry']"), ("c", "[\"don't know\", 'calm']"), ("d", "[]"),
                 ("e", "['tired']")]
    replies = {"a": "[['happy', 'joyful', ' glad'], ['sad'], ['down', 'sad']]",  # 'sad' twice: the last group wins
               "b": "[[angry, furious], ['calm']]",
               "c": "[[\"don't know\", 'unsure'], ['calm', 'relaxed']]", "d": "[]"}  # e: no grouping, not scored
    root, zip_path = _synonym_store(tmp_path, replies, "main")
    cases = {
        "well-formed": [("a", "['joyful']"), ("b", "['angry', 'calm']"), ("c", "['unsure']"), ("d", "[]"), ("e", "[]")],
        "spaced items": [("a", "[' glad', 'sad ', 'down']"), ("b", "[' angry']"), ("c", "[]"), ("d", "[]"),
                         ("e", "[]")],
        "unquoted items": [("a", "[joyful, sad]"), ("b", "['furious']"), ("c", "[]"), ("d", "[]"), ("e", "x")],
        "names without grouping left out": [("a", "['joyful']"), ("b", "[]"), ("c", "['calm']"), ("d", "[]")],
        "NA cells": [("a", "NA"), ("b", "None"), ("c", "['calm']"), ("d", ""), ("e", "[]")],
        "no '[' in a scored row": [("a", "joyful"), ("b", "[]"), ("c", "[]"), ("d", "[]"), ("e", "[]")],
        "empty gold, non-empty prediction": [("a", "[]"), ("b", "[]"), ("c", "[]"), ("d", "['happy']"), ("e", "[]")],
        "a grouped name missing": [("a", "['joyful']"), ("c", "[]"), ("d", "[]")],
        "repeated name": [("a", "['sad']"), ("a", "['joyful']"), ("b", "[]"), ("c", "[]"), ("d", "[]")],
    }
    gold = write(tmp_path / "gold.csv", csv_text("name,openset", gold_rows))
    outcomes = {}
    for k, (case, rows) in enumerate(cases.items()):
        sub = write(tmp_path / f"s{k}.csv", csv_text("name,openset", rows))
        off = call(ns["main_metric_offline"], gold, sub, str(root))
        outcomes[case] = parity(off, "mer2024-ov", sub, gold, [
            (lambda o: o[0], lambda d: d["values"]["precision"] / 100),
            (lambda o: o[1], lambda d: d["values"]["recall"] / 100), (lambda o: o[2], lambda d: d["score"] / 100)],
            groupings=zip_path)
    no_column = write(tmp_path / "nocol.csv", csv_text("name,labels", [(n, "x") for n, _ in gold_rows]))
    outcomes["no openset column"] = parity(call(ns["main_metric_offline"], gold, no_column, str(root)), "mer2024-ov",
                                           no_column, gold, [(lambda o: o[2], lambda d: d["score"] / 100)],
                                           groupings=zip_path)
    assert outcomes["well-formed"] == outcomes["unquoted items"] == outcomes["spaced items"] == "same"
    assert outcomes["names without grouping left out"] == "same" and outcomes["NA cells"] == "same"
    assert outcomes["no '[' in a scored row"] == outcomes["empty gold, non-empty prediction"] == "refused"
    assert outcomes["a grouped name missing"] == "refused"
    assert outcomes["repeated name"] == outcomes["no openset column"] == "flag"


def test_mer2024_ov_on_the_shipped_fixture(tmp_path, reference):
    import zipfile

    ns = official("o_mer2024_ov")
    store = reference / "ov-mer" / "ov_store"
    with zipfile.ZipFile(store / "openset-synonym.zip") as zf:
        zf.extractall(tmp_path)
    root = next(p for p in tmp_path.rglob("openset-synonym") if p.is_dir())
    off = call(ns["main_metric_offline"], store / "check-openset.csv", store / "predict-openset.csv", str(root))
    assert parity(off, "mer2024-ov", store / "predict-openset.csv", store / "check-openset.csv",
                  [(lambda o: o[0], lambda d: d["values"]["precision"] / 100),
                   (lambda o: o[2], lambda d: d["score"] / 100)],
                  groupings=store / "openset-synonym.zip") == "same"


RAW_REPLIES = {  # what a chat model may answer; upstream post-processes, then splits
    "a": "Output: [['happy', 'joyful'], ['sad']].",
    "b": "[[angry, furious],\n ['calm']]",
    "c": "输出：[[\"don't know\", 'unsure'], ['calm']]",
    "d": "  Sure! Here: [['tired', 'exhausted']]  ",
}


def test_mer2024_ov_live_groupings_as_upstream(tmp_path, monkeypatch):
    """Raw replies from a real loopback server: unibench post-processes and splits them as the official code, and
    the prompt it sends is the official `get_openset_synonym` text for the word list."""
    from fake_server import FakeServer, Reply, completion_body
    from unibench.extract.llm_prompts import postprocess

    ns = official("o_mer2024_ov")
    gold_rows = [("a", "['happy', 'sad']"), ("b", "['angry']"), ("c", "[\"don't know\"]"), ("d", "['tired']")]
    pred_rows = [("a", "['joyful']"), ("b", "['furious', 'calm']"), ("c", "['unsure']"), ("d", "[exhausted, tired]")]
    gold = write(tmp_path / "gold.csv", csv_text("name,openset", gold_rows))
    sub = write(tmp_path / "sub.csv", csv_text("name,openset", pred_rows))
    import inspect

    from unibench.tracks.scorers_ov import DEFAULT_GROUPING_MODEL

    official_prompt = official("o_grouping_prompt")["get_openset_synonym"]
    assert inspect.signature(official_prompt).parameters["model"].default == DEFAULT_GROUPING_MODEL
    template = official_prompt(["\0"], [])  # the official prompt; its word list is a Python set's order
    by_words = {}
    for (n, g), (_, p) in zip(gold_rows, pred_rows):
        words = sorted({w.lower() for w in ns["string_to_list"](g) + ns["string_to_list"](p)})
        by_words[template.replace(repr(["\0"]), repr(words))] = n
    for raw in RAW_REPLIES.values():
        assert postprocess(raw) == ns["func_postprocess_chatgpt"](raw)
    root, _ = _synonym_store(tmp_path, {n: ns["func_postprocess_chatgpt"](r) for n, r in RAW_REPLIES.items()}, "live")
    off = call(ns["main_metric_offline"], gold, sub, str(root))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeServer(lambda prompt, nth: Reply(body=completion_body(RAW_REPLIES[by_words[prompt]], "m"))) as server:
        assert parity(off, "mer2024-ov", sub, gold, [(lambda o: o[0], lambda d: d["values"]["precision"] / 100),
                                                     (lambda o: o[1], lambda d: d["values"]["recall"] / 100)],
                      grouping_base_url=server.base_url, grouping_model="m") == "same"
        assert {p["messages"][0]["content"] for p in server.payloads} == set(by_words)
    doc = ours("mer2024-ov", sub, gold, grouping_base_url=server.base_url, grouping_model="m")
    assert any("not a clean list" in n for n in doc["notes"]) and any("unquoted" in n for n in doc["notes"])


def test_postprocess_is_both_official_post_processors():
    """`llm_prompts.postprocess` is MER2025's func_postprocess_qwen and MER2024's func_postprocess_chatgpt."""
    from unibench.extract.llm_prompts import postprocess

    chat, qwen = official("o_mer2024_ov")["func_postprocess_chatgpt"], official("mer2025_qwen")["func_postprocess_qwen"]
    texts = [*RAW_REPLIES.values(), "Output Output: x", "输出 : [a]\n", "Input：y", "让我们来翻译一下：z", ":", "",
             " output:[a,\nb] ", "翻译output: q"]
    for t in texts:
        assert postprocess(t) == chat(t) == qwen(t), t


# --- MER2025 DES: the Qwen route sends prompt A as the official MER2025 code builds it --------------------------------

def test_mer2025_des_llm_route_sends_official_prompt_a(tmp_path, wheels, monkeypatch):
    from fake_server import FakeServer, Reply, completion_body
    from official import captured_prompts
    from unibench.tracks import score

    descriptions = {"g1": "She smiles {warmly} but seems lonely.", "g2": "He shouts; he is furious.",
                    "g3": "Worried, yet glad.", "g4": "Nothing to see."}
    replies = {"g1": "Output: [cheerful, lonely]", "g2": "[mad]\n", "g3": "[anxious, glad].", "g4": "[]"}
    gold = write(tmp_path / "gold.csv", csv_text("name,openset", OV_GOLD[:4]))
    sub = write(tmp_path / "sub.csv", csv_text("name,description", descriptions.items()))
    expected = captured_prompts(official("mer2025_qwen"), "get_completion_qwen",
                                *[("reason_to_openset_qwen", None, None, None, None, t) for t in descriptions.values()])
    by_prompt = dict(zip(expected, descriptions))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeServer(lambda prompt, nth: Reply(body=completion_body(replies[by_prompt[prompt]], "qwen"))) as server:
        doc = score("mer2025-des", sub, gold, lexicon=wheels["folder"], extractor="llm",
                    extractor_base_url=server.base_url, extractor_model="qwen")
        sent = [p["messages"] for p in server.payloads]
    assert sorted(m[0]["content"] for m in sent) == sorted(expected) and all(len(m) == 1 for m in sent)
    assert doc["extractor"]["id"] == "llm" and doc["extractor"]["settings"]["model"] == "qwen"
    # the labels are the post-processed replies (func_postprocess_qwen), scored as given labels would be
    qwen = official("mer2025_qwen")["func_postprocess_qwen"]
    given = write(tmp_path / "given.csv", csv_text("name,description,openset",
                                                   [(n, t, qwen(replies[n])) for n, t in descriptions.items()]))
    assert [r["pred"] for r in doc["records"]] == [qwen(replies[n]) for n in descriptions]
    assert doc["values"] == score("mer2025-des", given, gold, lexicon=wheels["folder"])["values"]


# --- the shipped fixtures, scored by both -----------------------------------------------------------------------------

def test_shipped_label_files_and_pairs(tmp_path, reference):
    """MER2023 test1 (majority class + mean valence), MELD test (a constant), CMU-MOSI test (all positive) and the
    EmoPrefer pairs (the length baseline as the prediction), each through the official function."""
    from statistics import fmean

    from unibench.metrics.preference import length_baseline
    from unibench.safe_npz import load_npz

    data = load_npz(reference / "dataset/mer2023-dataset-process/label-6way.npz")
    test1, mean_val = data["test1_corpus"], fmean(v["val"] for v in data["train_corpus"].values())
    gold = write(tmp_path / "mer2023.csv", csv_text("name,discrete,valence",
                                                    [(n, v["emo"], v["val"]) for n, v in test1.items()]))
    sub = write(tmp_path / "mer2023-sub.csv",
                csv_text("name,discrete,valence", [(n, "neutral", mean_val) for n in test1]))
    off = call(official("o_mer2023")["report_results_on_test1_test2"], gold, sub)
    assert parity(off, "mer2023-multi", sub, gold, [(lambda o: o[2], lambda d: d["score"] / 100)]) == "same"

    ns = official("o_merbench")
    meld = load_npz(reference / "dataset/meld-process/label.npz")["test_corpus"]
    order = ["anger", "joy", "sadness", "neutral", "disgust", "fear", "surprise"]  # MELD's index order
    names = list(meld)
    gold = write(tmp_path / "meld.csv", csv_text("name,discrete", [(n, order[meld[n]["emo"]]) for n in names]))
    sub = write(tmp_path / "meld-sub.csv", csv_text("name,discrete", [(n, "neutral") for n in names]))
    off = call(ns["calculate_results_meld"], None, _one_hot(["neutral"] * len(names), order),
               [meld[n]["emo"] for n in names])
    assert parity(off, "merbench-discrete", sub, gold, [(lambda o: o[0]["emofscore"], lambda d: d["score"] / 100)],
                  labels=order) == "same"

    mosi = load_npz(reference / "dataset/cmumosi-process/label.npz")["test_corpus"]
    gold = write(tmp_path / "mosi.csv", csv_text("name,valence", [(n, v["val"]) for n, v in mosi.items()]))
    sub = write(tmp_path / "mosi-sub.csv", csv_text("name,valence", [(n, 1.0) for n in mosi]))
    off = call(ns["calculate_results_cmudata"], None, val_preds=np.ones(len(mosi)),
               val_labels=np.array([v["val"] for v in mosi.values()]))
    assert parity(off, "merbench-sentiment", sub, gold, [(lambda o: o[0]["emofscore"], lambda d: d["score"] / 100),
                                                         (lambda o: o[0]["emoacc"], lambda d: d["values"]["acc"] / 100)]
                  ) == "same"

    import csv

    pairs = reference / "emoprefer" / "preference_emoprefer.csv"
    with open(pairs, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    base = length_baseline([r["a1"] for r in rows], [r["a2"] for r in rows])
    sub = write(tmp_path / "prefer-sub.csv", csv_text("name,preference", zip([r["name"] for r in rows], base)))
    prefer = official("o_prefer")["func_preference_metric"]
    gt = [r["preference"] for r in rows]
    for metric, key in (("twoclass", "two_class"), ("threeclass", "three_class")):
        off = call(prefer, gt_labels=gt, pred_labels=base, metric=metric)
        assert parity(off, "mer2026-prefer", sub, pairs, [
            (lambda o: o[0], lambda d, k=key: d["values"][k]["waf"] / 100),
            (lambda o: o[1], lambda d, k=key: d["values"][k]["acc"] / 100)]) == "same"


def test_mer2026_fg_on_the_shipped_fixture(tmp_path, reference):
    import csv

    ns = official("o_fg2026")  # its default wheel_mapping.npz is ../shared/reference/MER2026/emotion_wheel's
    store = reference / "ov-mer" / "ov_store"
    with open(store / "predict-openset.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sub = _npz(tmp_path / "sub-openset.npz", [r["name"] for r in rows], [r["openset"] for r in rows])
    off = call(ns["evaluate"], store / "check-openset.csv", sub)
    lex = reference / "MER2026/emotion_wheel/wheel_mapping.npz"
    for submission in (sub, store / "predict-openset.csv"):  # the npz, and the same lists as unibench's CSV
        assert parity(off, "mer2026-fg", submission, store / "check-openset.csv",
                      [(lambda o: o, lambda d: d["score"] / 100)], lexicon=lex) == "same"
