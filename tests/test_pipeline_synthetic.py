"""The whole `unibench run` on small synthetic corpora in the upstream layouts, scores worked out by hand."""

from __future__ import annotations

import json

from unibench.store import sample_rows

import pytest

from tests.synth import make_lexicon, make_run, save_label_npz

RUN = "myrun_2025"


@pytest.fixture
def world(tmp_path):
    """A MER2023-shaped corpus (411 samples), a MOSI-shaped one (686) and model outputs at two epochs."""
    data, out = tmp_path / "data", tmp_path / "output"
    lex = make_lexicon(tmp_path / "emotion_wheel")
    mer = {f"sample_{i:08d}": {"emo": ["happy", "sad", "neutral", "surprise"][i % 4], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"train_corpus": {}, "test1_corpus": mer})
    mosi = {f"vid{i // 10}_{i % 10}": {"emo": 0, "val": [1.5, -2.0, 0.0][i % 3]} for i in range(686)}
    save_label_npz(data / "cmumosi-process/label.npz", {"test_corpus": mosi})
    # epoch 10: always "[glad]"; epoch 20: always "[unhappy, startled]" (a synonym of sad; 'startled' -> surprised)
    for epoch, labels in ((10, "[glad]"), (20, "[Unhappy, startled]")):
        ck = f"checkpoint_{epoch:06d}_loss_0.5"
        make_run(out, "mer2023", RUN, ck, {k: f"text {labels}" for k in mer}, {k: labels for k in mer})
    # MOSI: epoch 10 says positive for every sample, epoch 20 says 'neutral' (counts as negative)
    for epoch, word in ((10, "positive"), (20, "neutral")):
        ck = f"checkpoint_{epoch:06d}_loss_0.5"
        make_run(out, "cmumosi", RUN, ck, {k: "t" for k in mosi}, {k: "[x]" for k in mosi}, {k: word for k in mosi})
    return {"data": data, "out": out, "lex": lex, "res": tmp_path / "results", "mer": mer, "mosi": mosi}


def run(cli, w, *extra):
    code, out, err = cli("run", "--model", f"affectgpt-npz:{w['out']}", "--data-root", w["data"], "--lexicon", w["lex"],
                         "--results-dir", w["res"], "--name", "toy", "--format", "json", *extra)
    return code, (json.loads(out) if code == 0 else None), err


def test_hit_rate_and_best_checkpoint_by_hand(cli, world):
    code, doc, err = run(cli, world, "--dataset", "mer2023")
    assert code == 0, err
    (r,) = doc["results"]
    # gold: happy/sad/neutral/surprise in turn; neutral is on no wheel; surprise is not on wheel5.
    # epoch 10 '[glad]' hits the happy samples only; epoch 20 '[unhappy, startled]' hits sad and surprise samples.
    n_happy, n_sad, n_surprise = 103, 103, 102
    per_wheel_20 = {w: (n_sad + n_surprise) / (n_happy + n_sad + n_surprise) for w in ("wheel1", "wheel2", "wheel3", "wheel4")}
    per_wheel_20["wheel5"] = n_sad / (n_happy + n_sad)
    assert r["checkpoint"] == "checkpoint_000020_loss_0.5" and r["selection"] == "best of 2 on test"
    assert r["score"] == pytest.approx(100 * sum(per_wheel_20.values()) / 5)
    assert {w: v["n"] for w, v in r["per_wheel"].items()} == {"wheel1": 308, "wheel2": 308, "wheel3": 308,
                                                             "wheel4": 308, "wheel5": 206}
    stored = json.loads((world["res"] / "toy" / "mer2023.json").read_text())
    assert stored["provenance"]["run_spec"]["checkpoint_policy"] == "best"
    rows = sample_rows(world["res"] / "toy" / "mer2023.json", stored)
    assert len(stored["checkpoints"]) == 2 and len(rows) == 2 * 411  # every checkpoint's samples are stored
    rec = sample_rows(world["res"] / "toy" / "mer2023.json", stored, "checkpoint_000020_loss_0.5")[1]
    assert rec["gold"] == "sad" and rec["hit"]["wheel1"] == 1 and rec["response"].startswith("text")


def test_checkpoint_policies(cli, world):
    _, doc, _ = run(cli, world, "--dataset", "mer2023", "--checkpoint", "10")
    assert doc["results"][0]["checkpoint"] == "checkpoint_000010_loss_0.5"
    assert doc["results"][0]["score"] == pytest.approx(100 * (4 * 103 / 308 + 103 / 206) / 5)
    _, doc, _ = run(cli, world, "--dataset", "mer2023", "--checkpoint", "last")
    assert doc["results"][0]["epoch"] == 20 and "last" in doc["results"][0]["selection"]
    _, doc, _ = run(cli, world, "--dataset", "mer2023", "--checkpoint", "all")
    assert [r["epoch"] for r in doc["results"]] == [10, 20] and doc["mean"] is None
    code, _, err = run(cli, world, "--dataset", "mer2023", "--checkpoint", "99")
    assert code == 2 and "no such checkpoint" in err


def test_sentiment_by_hand(cli, world):
    code, doc, err = run(cli, world, "--dataset", "cmumosi", "--checkpoint", "all")
    assert code == 0, err
    by_epoch = {r["epoch"]: r for r in doc["results"]}
    n_pos, n_neg = 229, 229  # valences cycle 1.5, -2.0, 0.0 over 686 samples
    assert by_epoch[10]["n"] == n_pos + n_neg and by_epoch[10]["secondary"]["n_zero_gold_dropped"] == 228
    # all predicted positive: F1(pos) = 2*229/(229+458), F1(neg) = 0 -> weighted by support
    assert by_epoch[10]["score"] == pytest.approx(100 * (n_pos * (2 * 229 / 687)) / 458)
    assert by_epoch[10]["secondary"]["acc"] == pytest.approx(50.0)
    # 'neutral' counts as negative: the mirror image
    assert by_epoch[20]["score"] == pytest.approx(by_epoch[10]["score"])
    assert by_epoch[20]["secondary"]["n_nonstandard_sentiment"] == 0


def test_partial_corpus_is_refused_unless_allowed_and_kept_apart(cli, world):
    mer = dict(list(world["mer"].items())[:400])
    save_label_npz(world["data"] / "mer2023-dataset-process/label-6way.npz", {"test1_corpus": mer})
    code, _, err = run(cli, world, "--dataset", "mer2023")
    assert code == 2 and "400 test samples" in err and "--allow-partial" in err
    assert not world["res"].exists()
    code, doc, err = run(cli, world, "--dataset", "mer2023", "--allow-partial")
    assert code == 0, err
    r = doc["results"][0]
    assert r["partial"] is True and r["n_extra_ignored"] == 11 and r["results_file"].endswith("mer2023.partial.json")
    assert not (world["res"] / "toy" / "mer2023.json").exists()


def test_dataset_all_scores_what_exists_and_reports_the_rest(cli, world):
    code, doc, err = run(cli, world, "--dataset", "all")
    assert code == 0
    assert {r["dataset"] for r in doc["results"]} == {"mer2023", "mosi"}
    assert {s["dataset"] for s in doc["skipped"]} == {"mer2024", "meld", "iemocap", "mosei", "sims", "simsv2", "ovmerdplus"}
    assert doc["mean"] is None and doc["mean_scored"]["over"] == ["mer2023", "mosi"]
    assert "skipped meld" in err


def test_table_output_labels_the_selection(cli, world):
    code, out, _ = cli("run", "--model", f"affectgpt-npz:{world['out']}", "--dataset", "mer2023", "--data-root",
                       world["data"], "--lexicon", world["lex"], "--results-dir", world["res"])
    assert code == 0 and "best of 2 on test" in out and "HIT" in out
