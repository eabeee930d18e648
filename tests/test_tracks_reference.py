"""Track scores on the reference files reproduce expected.json and the challenge-tracks.md anchors."""

from __future__ import annotations

import json

import pytest

OFF = 5e-5  # expected.json rounds to 4 decimals


@pytest.fixture(scope="module")
def store(reference):
    s = reference / "ov-mer" / "ov_store"
    return {"sub": s / "predict-openset.csv", "gold": s / "check-openset.csv", "zip": s / "openset-synonym.zip"}


def _run(cli, *args):
    code, out, err = cli(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_mer2024_ov_gpt_synonym_metric(cli, store, expected, tmp_path):
    exp = expected["ov_store_mer2024_example"]["mer2024_gpt_synonym_metric"]
    doc = _run(cli, "score-track", "mer2024-ov", "--submission", store["sub"], "--gold", store["gold"],
               "--groupings", store["zip"], "--results-dir", tmp_path)
    v = doc["values"]
    assert (v["precision"], v["recall"], v["avg"]) == pytest.approx((exp["accuracy"], exp["recall"], exp["avg"]),
                                                                    abs=OFF)
    assert (round(v["precision"] / 100, 4), round(v["recall"] / 100, 4)) == (0.5818, 0.4978)
    assert round(doc["score"] / 100, 4) == 0.5398 and v["n_scored"] == exp["n"]
    assert "groupings" in json.loads((tmp_path / "predict-openset" / "mer2024-ov.json").read_text())[
        "provenance"]["checksums"]


def _padded_npz(store, path, as_lists=False):
    """predict-openset.csv as the Codalab upload: an npz of all 20,000 candidates (the rest predicted empty)."""
    import csv

    import numpy as np

    with open(store["sub"], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pad = 20000 - len(rows)
    items = np.empty(20000, dtype=object)
    for i, r in enumerate(rows):
        items[i] = [w.strip(" '") for w in r["openset"].strip("[]").split(",") if w.strip(" '")] if as_lists \
            else r["openset"]
    for i in range(len(rows), 20000):
        items[i] = [] if as_lists else "[]"
    np.savez(path, filenames=np.array([r["name"] for r in rows] + [f"c{i:05d}" for i in range(pad)]), fileitems=items)
    return path


def test_mer2025_fg_and_mer2026_fg(cli, store, reference, expected, tmp_path):
    exp = expected["ov_store_mer2024_example"]
    npz = _padded_npz(store, tmp_path / "predict-openset.npz")
    d25 = _run(cli, "score-track", "mer2025-fg", "--submission", npz, "--gold", store["gold"],
               "--lexicon", reference / "AffectGPT/emotion_wheel", "--results-dir", tmp_path)
    assert d25["score"] == pytest.approx(exp["mer2025_track2_style_mean_L1F_L2F"], abs=OFF)
    assert round(d25["score"], 2) == 48.91 and d25["n_extra_ignored"] == 20000 - 332
    assert d25["values"]["ew_f_l1"] == pytest.approx(exp["ew_level1_lexicon2025"]["mean_F"], abs=OFF)
    assert d25["values"]["ew_f_l2"] == pytest.approx(exp["ew_level2_lexicon2025"]["mean_F"], abs=OFF)
    d26 = _run(cli, "score-track", "mer2026-fg", "--submission", store["sub"], "--gold", store["gold"],
               "--lexicon", reference / "MER2026/emotion_wheel/wheel_mapping.npz", "--results-dir", tmp_path)
    l1 = exp["ew_level1_lexicon2026"]
    assert d26["score"] == pytest.approx(l1["mean_F"], abs=OFF) and round(d26["score"], 2) == 55.46
    assert (d26["values"]["ew_p_l1"], d26["values"]["ew_r_l1"]) == pytest.approx((l1["mean_P"], l1["mean_R"]), abs=OFF)
    for wheel, v in l1["per_wheel"].items():
        assert d26["values"]["per_wheel_l1"][wheel]["f"] == pytest.approx(v["F"], abs=OFF)
    assert d26["values"]["ew_f_l2"] == pytest.approx(exp["ew_level2_lexicon2026_mean_F"], abs=OFF)


def test_mer2025_fg_takes_the_openset_npz_only(store, reference, tmp_path):
    from unibench.errors import UserError
    from unibench.tracks import score

    lex = reference / "AffectGPT/emotion_wheel"
    strings = score("mer2025-fg", _padded_npz(store, tmp_path / "a-openset.npz"), store["gold"], lexicon=lex)
    lists = score("mer2025-fg", _padded_npz(store, tmp_path / "b-openset.npz", as_lists=True), store["gold"],
                  lexicon=lex)
    assert strings["score"] == lists["score"]  # fileitems stored as lists of labels, as the official accepts
    with pytest.raises(UserError, match="openset.npz"):
        score("mer2025-fg", store["sub"], store["gold"], lexicon=lex)


def test_ovmer_suite_m3_equals_the_wheel_metrics(store, reference, expected):
    from unibench.tracks import score

    exp = expected["ov_store_mer2024_example"]
    doc = score("ovmer-suite", store["sub"], store["gold"], lexicon=reference / "AffectGPT/emotion_wheel")
    m = doc["values"]["metrics"]
    assert list(m)[:3] == ["M1", "M2", "M3-W1-L1"] and len(m) == 12
    for level, key in (("1", "ew_level1_lexicon2025"), ("2", "ew_level2_lexicon2025")):
        for wheel, v in exp[key]["per_wheel"].items():
            got = m[f"M3-W{wheel[-1]}-L{level}"]
            assert (got["f"], got["p"], got["r"], got["n"]) == pytest.approx((v["F"], v["P"], v["R"], v["n_scored"]),
                                                                              abs=OFF)
    assert doc["score"] == pytest.approx(sum(x["f"] for x in m.values()) / 12)
    # coarser mapping merges more words, so M1 <= M2 <= the wheel metrics on this example
    assert m["M1"]["f"] < m["M2"]["f"] < m["M3-W1-L1"]["f"]


def test_emoprefer_length_baseline_and_swap(cli, reference, tmp_path):
    pref = reference / "emoprefer"
    doc = _run(cli, "score-track", "mer2026-prefer", "--submission", pref / "preference_emoprefer.csv",
               "--gold", pref / "preference_emoprefer.csv", "--reversed", pref / "preference_emoprefer_reverse.csv",
               "--results-dir", tmp_path, "--name", "gold-as-prediction")
    base = doc["values"]["length_baseline"]["two_class"]
    assert (round(base["waf"], 2), round(base["acc"], 2), base["n"]) == (79.57, 79.57, 563)
    assert doc["score"] == 100.0 and doc["values"]["swap_consistency"] == 100.0


def _write_csv(path, header, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def test_mer2023_multi_trivial_predictor_anchor(reference, tmp_path):
    """challenge-tracks.md §1.4: train-majority class + train-mean valence on test1 -> combined -0.6907."""
    from statistics import fmean

    from unibench.safe_npz import load_npz
    from unibench.tracks import score

    data = load_npz(reference / "dataset/mer2023-dataset-process/label-6way.npz")
    train, test1 = data["train_corpus"], data["test1_corpus"]
    mean_val = fmean(v["val"] for v in train.values())
    gold = _write_csv(tmp_path / "gold.csv", ["name", "discrete", "valence"],
                      [(n, v["emo"], v["val"]) for n, v in test1.items()])
    sub = _write_csv(tmp_path / "sub.csv", ["name", "discrete", "valence"],
                     [(n, "neutral", mean_val) for n in test1])
    doc = score("mer2023-multi", sub, gold)
    assert doc["n"] == 411 and round(doc["values"]["waf"], 2) == 7.55
    assert round(doc["values"]["mse_raw"], 4) == 3.0648 and round(doc["score"] / 100, 4) == -0.6907


def test_merbench_sentiment_mosi_constant_anchor(reference, tmp_path):
    from unibench.safe_npz import load_npz
    from unibench.tracks import score

    test = load_npz(reference / "dataset/cmumosi-process/label.npz")["test_corpus"]
    gold = _write_csv(tmp_path / "gold.csv", ["name", "valence"], [(n, v["val"]) for n, v in test.items()])
    sub = _write_csv(tmp_path / "sub.csv", ["name", "valence"], [(n, 1.0) for n in test])
    doc = score("merbench-sentiment", sub, gold)
    assert (round(doc["score"], 2), round(doc["values"]["acc"], 1), doc["n"]) == (25.07, 42.2, 656)
