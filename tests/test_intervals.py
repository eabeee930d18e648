"""Confidence intervals stored at scoring time: seeded, clustered where the corpus has clusters, degenerate for a
constant predictor, and consistent with the reported score."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lb_synth import make_data, make_model, run_args
from unibench.intervals import cluster_labels, interval, task_statistic


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp("data"))


def _stored(results, name, dataset):
    return json.loads((results / name / f"{dataset}.json").read_text())


def test_fixed_seed_gives_fixed_intervals_in_stored_results(cli, data, tmp_path):
    out = make_model(tmp_path / "out", wrong_dialogues=set(range(0, 261, 4)), wrong_videos={1, 5, 9, 30})
    cis = []
    for k in range(2):
        code, _, err = cli(*run_args(data, out, "m", tmp_path / f"r{k}", "--seed", "7"))
        assert code == 0, err
        cis.append({d: _stored(tmp_path / f"r{k}", "m", d)["results"][0]["ci"] for d in ("meld", "mosi")})
    assert cis[0] == cis[1]
    meld = cis[0]["meld"]
    assert meld["seed"] == 7 and meld["n_resamples"] == 1000 and meld["level"] == 0.95
    assert meld["clustered"] is True and meld["n_units"] == 261 and meld["method"] == "percentile"
    score = _stored(tmp_path / "r0", "m", "meld")["results"][0]["score"]
    assert meld["low"] < score < meld["high"]
    code, _, _ = cli(*run_args(data, out, "m", tmp_path / "r2", "--seed", "8"))
    other = _stored(tmp_path / "r2", "m", "meld")["results"][0]["ci"]
    assert (other["low"], other["high"]) != (meld["low"], meld["high"])


def test_no_records_and_bootstrap_zero(cli, data, tmp_path):
    out = make_model(tmp_path / "out", wrong_dialogues={1, 2})
    code, _, err = cli(*run_args(data, out, "m", tmp_path / "r", "--no-records", "--bootstrap", "0"))
    assert code == 0, err
    doc = _stored(tmp_path / "r", "m", "meld")
    assert doc["samples"] is None and not (tmp_path / "r" / "m" / "meld.samples.jsonl").exists()
    assert doc["results"][0]["ci"] is None
    text = (tmp_path / "r" / "m" / "meld.json").read_text()
    assert "The speaker feels" not in text and "test_dia0_utt1" not in text  # no responses, no sample ids
    assert not any(k.startswith("/") for k in doc["provenance"]["checksums"]["label_file"])
    assert doc["provenance"]["checksums"]["label_file"] == {"meld-process/label.npz": doc["provenance"]["run_spec"]["label_sha256"]}
    code, _, err = cli(*run_args(data, out, "m", tmp_path / "r", "--no-records"))
    assert _stored(tmp_path / "r", "m", "meld")["results"][0]["ci"]["n_resamples"] == 1000  # CIs without records


def test_clustered_resampling_keeps_dialogues_whole(cli, data, tmp_path):
    """Errors come in whole dialogues, so the dialogue bootstrap must be clearly wider than the sample one."""
    out = make_model(tmp_path / "out", wrong_dialogues=set(range(0, 261, 3)))
    code, _, err = cli(*run_args(data, out, "m", tmp_path / "r", "--dataset", "meld"))
    assert code == 0, err
    doc = _stored(tmp_path / "r", "m", "meld")
    from unibench.store import sample_rows

    recs = sample_rows(tmp_path / "r" / "m" / "meld.json", doc, doc["results"][0]["checkpoint"])
    ids = [r["id"] for r in recs]
    clustered = interval("discrete", recs, dict(zip(ids, cluster_labels(r"^(.*_dia\d+)_utt\d+$", ids))),
                         n_resamples=500, seed=0)
    plain = interval("discrete", recs, None, n_resamples=500, seed=0)
    assert clustered["clustered"] and not plain["clustered"]
    assert clustered["n_units"] == 261 and plain["n_units"] == 2610
    assert (clustered["high"] - clustered["low"]) > 2 * (plain["high"] - plain["low"])
    stored = doc["results"][0]["ci"]
    assert stored["clustered"] is True


def test_constant_predictor_interval(cli, data, tmp_path):
    """A predictor that is always right has a zero-width interval at 100; one that always says 'sad' scores the
    share of sad golds, which varies between resamples, so its interval brackets the score."""
    out = make_model(tmp_path / "out", wrong_dialogues=set())
    code, _, err = cli(*run_args(data, out, "m", tmp_path / "r"))
    assert code == 0, err
    for d in ("meld", "mosi"):
        e = _stored(tmp_path / "r", "m", d)["results"][0]
        assert e["score"] == pytest.approx(100.0)
        assert e["ci"]["low"] == pytest.approx(100.0) and e["ci"]["high"] == pytest.approx(100.0)
    out = make_model(tmp_path / "out2", wrong_dialogues=set(), constant="[sad]")
    code, _, err = cli(*run_args(data, out, "c", tmp_path / "r", "--dataset", "meld"))
    e = _stored(tmp_path / "r", "c", "meld")["results"][0]
    # two thirds of the golds are 'sadness'; wheel5 has no 'surprised', so there only sad golds are scored
    assert e["score"] == pytest.approx((4 * 2 / 3 + 1) / 5 * 100)
    assert e["ci"]["low"] < e["score"] < e["ci"]["high"]


def test_sentiment_statistic_drops_zero_gold_and_matches_sklearn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(3)
    gold = rng.choice([-1.0, 0.0, 0.4, 2.0], size=200)
    pol = rng.choice([-1, 0, 1], size=200)
    recs = [{"id": f"v{i}", "gold": float(g), "polarity": int(p)} for i, (g, p) in enumerate(zip(gold, pol))]
    ts = task_statistic("sentiment", recs)
    keep = gold != 0
    assert len(ts.ids) == keep.sum()
    assert ts.statistic(np.arange(len(ts.ids))) == pytest.approx(
        f1_score(gold[keep] > 0, pol[keep] > 0, average="weighted"))


def test_interval_of_nothing_scored_is_an_error_entry():
    recs = [{"id": "a", "hit": {"wheel1": None}}, {"id": "b", "hit": {"wheel1": None}}]
    assert interval("discrete", recs, None, n_resamples=10, seed=0) == {"error": "no scored sample"}
