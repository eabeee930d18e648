"""The preds: adapter on synthetic files of every format and kind, detection and ambiguity errors, the given
extractor, MERBench ACC/WAF vs sklearn, and parity with the cache route on AffectGPT's released extractions."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from tests.synth import make_lexicon, save_dict_npz, save_label_npz, save_pairs_npz

EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]
MELD = ["anger", "joy", "sadness", "neutral", "disgust", "fear", "surprise"]


@pytest.fixture
def world(tmp_path):
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    mer = {f"sample_{i:08d}": {"emo": EMOS[i % 6], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"test1_corpus": mer})
    meld = {f"dia{i // 10}_utt{i % 10}": {"emo": int(rng.integers(7)), "val": 0.0} for i in range(2610)}
    save_label_npz(data / "meld-process/label.npz", {"test_corpus": meld})
    mosi = {f"vid{i // 10}_{i % 10}": {"emo": 0, "val": [1.5, -2.0, 0.0, 0.4][i % 4]} for i in range(686)}
    save_label_npz(data / "cmumosi-process/label.npz", {"test_corpus": mosi})
    return {"data": data, "lex": make_lexicon(tmp_path / "ew"), "res": tmp_path / "res", "tmp": tmp_path,
            "mer": mer, "meld": meld, "mosi": mosi}


def run(cli, w, model, dataset, *extra):
    code, out, err = cli("run", "--model", model, "--dataset", dataset, "--data-root", w["data"], "--lexicon",
                         w["lex"], "--results-dir", w["res"], "--format", "json", *extra)
    return code, (json.loads(out) if code == 0 else None), err


def fails(cli, w, model, dataset, *extra, match):
    code, out, err = cli("run", "--model", model, "--dataset", dataset, "--data-root", w["data"], "--lexicon",
                         w["lex"], "--results-dir", w["res"], *extra)
    assert code == 2, (out, err)
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line and match in line, line
    assert out == "" and not w["res"].exists()
    return line


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def mer_pred(i: int, name: str, w) -> str:
    """A fixed imperfect classifier: right on every other sample, else 'angry'."""
    return w["mer"][name]["emo"] if i % 2 == 0 else "angry"


# ---- every format gives the same scores for the same predictions ------------------------------------------------

def _label_files(w):
    t = w["tmp"]
    names = list(w["mer"])
    labels = [mer_pred(i, n, w) for i, n in enumerate(names)]
    onehot = [[1.0 if e == lab else 0.0 for e in EMOS] for lab in labels]
    scrambled = EMOS[::-1]  # a different class order, stated explicitly
    files = {
        "csv-discrete": (write_csv(t / "a.csv", ["name", "discrete", "valence"],
                                   [(n, lab.upper(), 0.3) for n, lab in zip(names, labels)]), ()),
        "jsonl-label": (write_jsonl(t / "b.jsonl", [{"id": n, "label": lab} for n, lab in zip(names, labels)]), ()),
        "json-object-kind": ((t / "c.json"), ("-M", "kind=label")),
        "json-records-probs": (t / "d.json", ()),
        "csv-prob-columns": (write_csv(t / "e.csv", ["sample", *[f"prob_{e}" for e in EMOS]],
                                       [(n, *row) for n, row in zip(names, onehot)]), ()),
        "jsonl-probs-dict": (write_jsonl(t / "f.jsonl", [{"name": n, "probs": dict(zip(EMOS, row))}
                                                          for n, row in zip(names, onehot)]), ()),
        "jsonl-probs-vector": (write_jsonl(t / "g.jsonl", [{"name": n, "probs": [row[EMOS.index(e)] for e in scrambled]}
                                                            for n, row in zip(names, onehot)]),
                               ("-M", "labels=" + ",".join(scrambled))),
        "npz-emo-probs-named": (t / "h.npz", ()),
        "npz-emo-probs-order": (t / "i.npz", ("-M", "align=order")),
        "npz-name2preds": (t / "j.npz", ("-M", "kind=label")),
        "jsonl-int-label": (write_jsonl(t / "k.jsonl", [{"name": n, "emo": EMOS.index(lab)}
                                                         for n, lab in zip(names, labels)]), ()),
    }
    (t / "c.json").write_text(json.dumps(dict(zip(names, labels))))
    (t / "d.json").write_text(json.dumps({"labels": scrambled, "predictions": [
        {"name": n, "probs": [row[EMOS.index(e)] for e in scrambled]} for n, row in zip(names, onehot)]}))
    logits = np.array(onehot) * 5 - 2  # raw scores, as MER2024's emo_probs: argmax is what counts
    np.savez(t / "h.npz", names=np.array(names), emo_probs=logits)
    np.savez(t / "i.npz", emo_probs=logits)
    save_dict_npz(t / "j.npz", "name2preds", {n: {"emo": EMOS.index(lab), "val": 0.1, "emoprob": list(r)}
                                              for n, lab, r in zip(names, labels, logits.tolist())})
    return files, labels


def test_every_format_and_kind_scores_the_same(cli, world):
    from sklearn.metrics import accuracy_score, f1_score

    files, labels = _label_files(world)
    gold = [world["mer"][n]["emo"] for n in world["mer"]]
    want_acc, want_waf = 100 * accuracy_score(gold, labels), 100 * f1_score(gold, labels, average="weighted")
    scores = {}
    for case, (path, extra) in files.items():
        code, doc, err = run(cli, world, f"preds:{path}", "mer2023", *extra)
        assert code == 0, (case, err)
        r = doc["results"][0]
        assert doc["extractor"]["id"] == "given", case
        assert r["predictions"]["kind"] in ("label", "probs"), case
        assert r["secondary"]["merbench_acc"] == pytest.approx(want_acc), case
        assert r["secondary"]["merbench_waf"] == pytest.approx(want_waf), case
        scores[case] = r["score"]
    assert len(set(scores.values())) == 1, scores
    assert files["npz-emo-probs-named"][0].exists()


def test_detected_kind_is_reported_and_stored(cli, world):
    files, _ = _label_files(world)
    code, doc, err = run(cli, world, f"preds:{files['npz-emo-probs-named'][0]}", "mer2023", "--name", "clf")
    assert code == 0, err
    p = doc["results"][0]["predictions"]
    assert p == {"kind": "probs", "field": "emo_probs", "format": "npz", "label_order": EMOS, "logits": True,
                 "label_order_source": "default emos_mer (MER challenge class order)", "ids": "by name"}
    stored = json.loads((world["res"] / "clf" / "mer2023.json").read_text())
    assert stored["model"]["detected"]["h"]["kind"] == "probs" and stored["provenance"]["run_spec"]["extractor"].startswith("given@")
    code, out, _ = cli("run", "--model", f"preds:{files['jsonl-label'][0]}", "--dataset", "mer2023", "--data-root",
                       world["data"], "--lexicon", world["lex"], "--results-dir", world["res"])
    assert code == 0 and "[kind label]" in out and "MERBench ACC=" in out


def test_labels_lists_and_bracket_strings(cli, world):
    t, names = world["tmp"], list(world["mer"])
    gold = [world["mer"][n]["emo"] for n in names]
    write_jsonl(t / "l.jsonl", [{"name": n, "openset": [g, "glad"]} for n, g in zip(names, gold)])
    save_pairs_npz(t / "m.npz", {n: f"[{g}, glad]" for n, g in zip(names, gold)})  # the upstream cache layout
    write_csv(t / "n.csv", ["name", "labels"], [(n, f"{g}, glad") for n, g in zip(names, gold)])
    got = set()
    for f in ("l.jsonl", "m.npz", "n.csv"):
        code, doc, err = run(cli, world, f"preds:{t / f}", "mer2023")
        assert code == 0, (f, err)
        r = doc["results"][0]
        assert r["predictions"]["kind"] == "labels" and "merbench_acc" not in r["secondary"]  # not one class
        got.add(r["score"])
    assert len(got) == 1


def test_valence_and_sentiment_labels_on_a_sentiment_set(cli, world):
    from sklearn.metrics import accuracy_score, f1_score

    t, names = world["tmp"], list(world["mosi"])
    val = [(-1.0 if i % 3 == 0 else 0.5) * (1 if i % 5 else 0) for i in range(len(names))]
    write_csv(t / "v.csv", ["name", "val"], list(zip(names, val)))
    (t / "v.json").write_text(json.dumps(dict(zip(names, val))))  # generic floats -> valence
    words = ["positive" if v > 0 else "negative" if v < 0 else "neutral" for v in val]
    write_jsonl(t / "w.jsonl", [{"name": n, "label": wd.capitalize()} for n, wd in zip(names, words)])
    gold = [world["mosi"][n]["val"] for n in names]
    keep = [i for i, g in enumerate(gold) if g != 0]
    y, yhat = [gold[i] > 0 for i in keep], [val[i] > 0 for i in keep]
    for f, kind in (("v.csv", "valence"), ("v.json", "valence"), ("w.jsonl", "label")):
        code, doc, err = run(cli, world, f"preds:{t / f}", "mosi")
        assert code == 0, (f, err)
        r = doc["results"][0]
        assert r["predictions"]["kind"] == kind
        assert r["score"] == pytest.approx(100 * f1_score(y, yhat, average="weighted"))
        assert r["secondary"]["merbench_waf"] == pytest.approx(r["score"])
        assert r["secondary"]["merbench_acc"] == pytest.approx(100 * accuracy_score(y, yhat))


def test_merbench_on_meld_matches_sklearn(cli, world):
    """A random classifier on a MELD-shaped corpus (gold stored as class indices, loaded as strings)."""
    from sklearn.metrics import accuracy_score, f1_score

    rng = np.random.default_rng(1)
    names = list(world["meld"])
    probs = rng.random((len(names), 7))
    path = write_csv(world["tmp"] / "meld.csv", ["name", *[f"logit_{m}" for m in MELD]],
                     [(n, *row) for n, row in zip(names, probs.tolist())])
    code, doc, err = run(cli, world, f"preds:{path}", "meld")
    assert code == 0, err
    r = doc["results"][0]
    gold = [MELD[world["meld"][n]["emo"]] for n in names]
    pred = [MELD[i] for i in probs.argmax(axis=1)]
    assert r["predictions"]["logits"] is True
    assert r["secondary"]["merbench_acc"] == pytest.approx(100 * accuracy_score(gold, pred), abs=1e-9)
    assert r["secondary"]["merbench_waf"] == pytest.approx(100 * f1_score(gold, pred, average="weighted"), abs=1e-9)


def test_folder_is_one_checkpoint_per_file(cli, world):
    folder = world["tmp"] / "ckpts"
    folder.mkdir()
    names = list(world["mer"])
    write_jsonl(folder / "checkpoint_000010.jsonl", [{"name": n, "label": "angry"} for n in names])
    write_jsonl(folder / "checkpoint_000020.jsonl", [{"name": n, "label": world["mer"][n]["emo"]} for n in names])
    (folder / "notes.txt").write_text("ignored")
    code, doc, err = run(cli, world, f"preds:{folder}", "mer2023", "--checkpoint", "all")
    assert code == 0, err
    assert [(r["checkpoint"], r["epoch"]) for r in doc["results"]] == [("checkpoint_000010", 10), ("checkpoint_000020", 20)]
    assert doc["results"][1]["secondary"]["merbench_acc"] == pytest.approx(100.0)


# ---- ambiguity and bad input: one line, exit 2, nothing written -------------------------------------------------

def test_ambiguous_and_bad_files(cli, world):
    t, names = world["tmp"], list(world["mer"])
    w = world
    (t / "short.json").write_text(json.dumps({n: "happy" for n in names}))
    fails(cli, w, f"preds:{t / 'short.json'}", "mer2023", match="-M kind=label")
    write_jsonl(t / "both.jsonl", [{"name": n, "text": "I feel so happy today, yes", "label": "happy"} for n in names])
    fails(cli, w, f"preds:{t / 'both.jsonl'}", "mer2023", match="several predictions per sample")
    write_jsonl(t / "mixed.jsonl", [{"name": n, **({"label": "happy"} if i % 2 else {"text": "so very happy indeed"})}
                                    for i, n in enumerate(names)])
    fails(cli, w, f"preds:{t / 'mixed.jsonl'}", "mer2023", match="rows mix kinds")
    write_jsonl(t / "odd.jsonl", [{"name": n, "label": "joyful" if i == 7 else "happy"} for i, n in enumerate(names)])
    line = fails(cli, w, f"preds:{t / 'odd.jsonl'}", "mer2023", match="'joyful' is not in mer2023's label space")
    assert names[7] in line and "-M kind=labels" in line
    code, _, err = run(cli, w, f"preds:{t / 'odd.jsonl'}", "mer2023", "-M", "kind=labels")
    assert code == 0, err
    import shutil
    shutil.rmtree(w["res"])
    (t / "ints.json").write_text(json.dumps({n: i % 6 for i, n in enumerate(names)}))
    fails(cli, w, f"preds:{t / 'ints.json'}", "mer2023", match="-M kind=valence")
    write_jsonl(t / "vec.jsonl", [{"name": n, "probs": [0.1, 0.9, 0, 0, 0, 0]} for n in names])
    fails(cli, w, f"preds:{t / 'vec.jsonl'}", "mer2023", match="-M labels=")
    fails(cli, w, f"preds:{t / 'vec.jsonl'}", "mer2023", "-M", "labels=a,b", match="has 6 classes")
    np.savez(t / "rows.npz", emo_probs=np.zeros((411, 6)))
    fails(cli, w, f"preds:{t / 'rows.npz'}", "mer2023", match="-M align=order")
    write_jsonl(t / "blank.jsonl", [{"name": n, "label": "" if i == 3 else "happy"} for i, n in enumerate(names)])
    fails(cli, w, f"preds:{t / 'blank.jsonl'}", "mer2023", match=f"sample {names[3]} has no 'label' value")
    write_jsonl(t / "dup.jsonl", [{"name": names[0], "label": "happy"}] * 2)
    fails(cli, w, f"preds:{t / 'dup.jsonl'}", "mer2023", match="appears twice")
    write_jsonl(t / "nofield.jsonl", [{"name": n, "foo": 1} for n in names])
    fails(cli, w, f"preds:{t / 'nofield.jsonl'}", "mer2023", match="no prediction field")
    write_csv(t / "val.csv", ["name", "valence"], [(n, 0.5) for n in names])
    fails(cli, w, f"preds:{t / 'val.csv'}", "mer2023", match="nothing a discrete dataset can score")
    write_jsonl(t / "few.jsonl", [{"name": n, "label": "happy"} for n in names[:400]])
    fails(cli, w, f"preds:{t / 'few.jsonl'}", "mer2023", match="miss 11 of 411")
    fails(cli, w, f"preds:{t / 'short.json'}", "mer2023", "-M", "kind=labl", match="did you mean 'label'")
    fails(cli, w, f"preds:{t / 'nowhere.jsonl'}", "mer2023", match="no such file or folder")


def test_free_text_needs_a_text_extractor(cli, world):
    t, names = world["tmp"], list(world["mer"])
    save_dict_npz(t / "reasons.npz", "name2reason", {n: "The speaker sounds happy and relaxed here." for n in names})
    line = fails(cli, world, f"preds:{t / 'reasons.npz'}", "mer2023", match="free text")
    assert "--extractor" in line
    fails(cli, world, f"preds:{t / 'reasons.npz'}", "mer2023", "--extractor", "given", match="--extractor lexicon")


# ---- the given extractor and the MERBench hook, directly ---------------------------------------------------------

def test_given_extractor_mapping():
    from unibench.adapters.base import Checkpoint
    from unibench.extract.given import GivenExtractor
    from unibench.schema import Extraction, Response

    ck, g = Checkpoint("x"), GivenExtractor()
    out = g.extract(ck, "discrete", {"a": Response(label="happy"), "b": Response(labels=("sad", "lonely")),
                                     "c": Response(probs={"sad": 0.2, "happy": 0.5, "angry": 0.5}),
                                     "d": Response(error="timeout")})
    assert out == {"a": Extraction("[happy]"), "b": Extraction("[sad, lonely]"), "c": Extraction("[happy]"),
                   "d": Extraction("")}
    out = g.extract(ck, "sentiment", {"a": Response(valence=0.2), "b": Response(valence=-1), "c": Response(valence=0.0),
                                      "d": Response(label="positive"), "e": Response(probs={"negative": 2, "positive": 1})})
    assert [out[k].sentiment for k in "abcde"] == ["positive", "negative", "neutral", "positive", "negative"]
    from unibench.errors import UserError
    with pytest.raises(UserError, match="free text"):
        g.extract(ck, "discrete", {"a": Response(text="hello")})
    with pytest.raises(UserError, match="needs a valence"):
        g.extract(ck, "sentiment", {"a": Response(labels=("happy",))})


# ---- the reference: preds: on AffectGPT's exported label lists == the cache route ------------------------------

def test_exported_openset_labels_reproduce_the_cache_route(cli, reference, expected, tmp_path):
    from unibench.adapters.affectgpt_npz import _checkpoint_files
    from unibench.extract.cache import read_pairs

    best = expected["affectgpt"]["datasets"]["mer2023"]["best"]
    run_dir = next((reference / "output" / "results-mer2023").iterdir())
    ck = next(p for p in _checkpoint_files(run_dir) if p.name == best["file"])
    pairs = read_pairs(ck.with_name(ck.stem + "-openset.npz"))
    from unibench.textlists import string_to_list
    path = write_jsonl(tmp_path / f"{ck.stem}.jsonl", [{"name": n, "labels": string_to_list(v)} for n, v in pairs.items()])
    code, out, err = cli("run", "--model", f"preds:{path}", "--dataset", "mer2023", "--data-root", reference / "dataset",
                         "--lexicon", reference / "AffectGPT/emotion_wheel", "--results-dir", tmp_path / "res",
                         "--format", "json")
    assert code == 0, err
    r = json.loads(out)["results"][0]
    assert r["predictions"]["kind"] == "labels" and r["epoch"] == best["epoch"]
    assert r["score"] == pytest.approx(best["hit"], abs=5e-5)
    for wheel, v in best["per_wheel_hit"].items():
        assert r["per_wheel"][wheel]["score"] == pytest.approx(v, abs=5e-5)


def test_npz_label_order_array_versus_per_sample_labels(cli, world):
    t, names = world["tmp"], list(world["mer"])
    gold = [world["mer"][n]["emo"] for n in names]
    order = ["surprise", "worried", "sad", "happy", "angry", "neutral"]
    probs = np.array([[1.0 if o == g else 0.0 for o in order] for g in gold])
    np.savez(t / "ordered.npz", names=np.array(names), probs=probs, labels=np.array(order))
    code, doc, err = run(cli, world, f"preds:{t / 'ordered.npz'}", "mer2023")
    assert code == 0, err
    r = doc["results"][0]
    assert r["predictions"]["label_order_source"] == "file" and r["secondary"]["merbench_acc"] == pytest.approx(100)
    np.savez(t / "lists.npz", names=np.array(names), labels=np.array([f"[{g}]" for g in gold]))
    code, doc, err = run(cli, world, f"preds:{t / 'lists.npz'}", "mer2023")
    assert code == 0, err
    assert doc["results"][0]["predictions"]["kind"] == "labels"


def test_emotion_labels_on_a_sentiment_set_say_what_is_needed(cli, world):
    path = write_jsonl(world["tmp"] / "emo.jsonl", [{"name": n, "label": "happy"} for n in world["mosi"]])
    fails(cli, world, f"preds:{path}", "mosi", match="labels must be positive / negative / neutral")


def test_valence_as_numeric_strings_and_the_extractor_recorded(cli, world):
    """Valences exported as text ("0.5") are numbers; `-M kind=valence` reads them too; a text extractor named for
    structured predictions runs and is recorded as `given` (what actually ran), with a note."""
    t, names = world["tmp"], list(world["mosi"])
    val = [(-1.0 if i % 3 == 0 else 0.5) * (1 if i % 5 else 0) for i in range(len(names))]
    write_jsonl(t / "s.jsonl", [{"name": n, "valence": f"{v:.2f}"} for n, v in zip(names, val)])
    write_csv(t / "num.csv", ["name", "val"], list(zip(names, val)))
    code, ref, err = run(cli, world, f"preds:{t / 'num.csv'}", "mosi", "--name", "num")
    assert code == 0, err
    for extra in ((), ("-M", "kind=valence"), ("--extractor", "lexicon")):
        code, doc, err = run(cli, world, f"preds:{t / 's.jsonl'}", "mosi", "--name", "s", *extra)
        assert code == 0, (extra, err)
        assert doc["results"][0]["score"] == ref["results"][0]["score"]
        assert doc["extractor"]["id"] == "given"
        stored = json.loads((world["res"] / "s" / "mosi.json").read_text())
        assert stored["extractor"]["id"] == "given" and stored["provenance"]["run_spec"]["extractor"].startswith("given@")
    assert "recorded as extractor 'given'" in err


def test_prediction_file_messages_list_what_was_found(cli, world):
    t, names = world["tmp"], list(world["mer"])
    write_csv(t / "hdr.csv", ["sample_name", "prediction"], [(n, "happy") for n in names])
    line = fails(cli, world, f"preds:{t / 'hdr.csv'}", "mer2023", match="no sample-name field")
    assert "header columns found (sample_name, prediction)" in line and "fix: name exactly one" in line
    write_jsonl(t / "nofield2.jsonl", [{"name": n, "guess": "happy"} for n in names])
    line = fails(cli, world, f"preds:{t / 'nofield2.jsonl'}", "mer2023", match="fields found (guess)")
    assert "fix:" in line
    write_jsonl(t / "badval.jsonl", [{"name": n, "valence": "n/a" if i == 7 else "0.5"}
                                     for i, n in enumerate(world["mosi"])])
    line = fails(cli, world, f"preds:{t / 'badval.jsonl'}", "mosi", match="'valence' is 'n/a' (str), not a number")
    assert "fix: correct that row" in line
