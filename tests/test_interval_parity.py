"""Intervals equal the base commit's (b08113d) to 1e-9 where the draws are the same by construction: the same
corpora, checkpoints, seed and resample count (tests/interval_fixture.py recorded them there), now computed
from the scorer's arrays with one set of draws per dataset, per-cluster sums and byte-bounded blocks. A plain
loop over explicit resamples (the definition) checks the statistics themselves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from interval_fixture import build, run_args, stored

RECORDED = Path(__file__).parent / "data" / "intervals_b08113d.json"


def test_intervals_equal_the_base_commit(cli, tmp_path):
    data, output = build(tmp_path)
    code, _, err = cli(*run_args(data, output, tmp_path / "results"))
    assert code == 0, err
    got, want = stored(tmp_path / "results"), json.loads(RECORDED.read_text())
    assert got.keys() == want.keys() == {"meld", "mer2023", "mosi", "ovmerdplus"}
    for ds, per in want.items():
        assert got[ds].keys() == per.keys() and len(per) == 3
        for ck, e in per.items():
            g = got[ds][ck]
            assert g["score"] == pytest.approx(e["score"], abs=1e-9)
            assert {k: v for k, v in g["ci"].items() if k not in ("low", "high")} == \
                {k: v for k, v in e["ci"].items() if k not in ("low", "high")}
            assert (g["ci"]["low"], g["ci"]["high"]) == pytest.approx((e["ci"]["low"], e["ci"]["high"]), abs=1e-9)
    assert got["meld"][next(iter(got["meld"]))]["ci"]["clustered"] is True


def _slow_interval(stat_of_indices, n: int, clusters, n_resamples: int, seed: int) -> tuple[float, float]:
    """The definition: one resample at a time, explicit member indices, the statistic recomputed from scratch."""
    rng = np.random.default_rng(seed)
    members = None
    if clusters is not None:
        names = sorted(set(clusters))
        members = [np.array([i for i, c in enumerate(clusters) if c == name]) for name in names]
    reps = []
    for _ in range(n_resamples):
        if members is None:
            idx = rng.integers(0, n, size=(1, n))[0]
        else:
            idx = np.concatenate([members[j] for j in rng.integers(0, len(members), size=(1, len(members)))[0]])
        reps.append(stat_of_indices(idx))
    low, high = np.quantile(reps, [0.025, 0.975])
    return float(low), float(high)


def test_shared_draws_match_the_definition_per_checkpoint():
    from unibench.intervals import dataset_intervals

    rng = np.random.default_rng(5)
    n, wheels = 240, 3
    ids = [f"d{i // 4}_u{i % 4}" for i in range(n)]
    clusters = [f"d{i // 4}" if i % 7 else None for i in range(n)]  # some samples are their own cluster
    arrays = {}
    for ck in ("a", "b", "c"):
        hit = (rng.random((wheels, n)) < 0.6).astype(np.int64)
        hit[rng.random((wheels, n)) < 0.2] = -1
        arrays[ck] = {"hit": hit}
    got = dataset_intervals("discrete", arrays, ids, clusters, n_resamples=200, seed=11)
    labels = [c or f"\0{i}" for c, i in zip(clusters, ids)]
    for ck, arr in arrays.items():
        hit = arr["hit"]

        def hit_rate(idx, hit=hit):
            h = hit[:, idx]
            return float(np.mean([(row[row >= 0]).mean() for row in h]))

        low, high = _slow_interval(hit_rate, n, labels, 200, 11)
        assert (got[ck]["low"], got[ck]["high"]) == pytest.approx((100 * low, 100 * high), abs=1e-9)
        assert got[ck]["n_units"] == len(set(labels)) and got[ck]["clustered"] is True


def test_open_vocab_and_sentiment_match_the_definition():
    from sklearn.metrics import f1_score

    from unibench.intervals import dataset_intervals

    rng = np.random.default_rng(6)
    n = 150
    p, r = rng.random((2, n)), rng.random((2, n))
    scored = rng.random((2, n)) < 0.9
    got = dataset_intervals("open_vocab", {"x": {"p": p, "r": r, "scored": scored}}, [str(i) for i in range(n)],
                            None, n_resamples=150, seed=2)["x"]

    def ew_f(idx):
        fs = []
        for w in range(2):
            m = scored[w, idx]
            P, R = p[w, idx][m].mean(), r[w, idx][m].mean()
            fs.append(2 * P * R / (P + R))
        return float(np.mean(fs))

    assert (got["low"], got["high"]) == pytest.approx(tuple(100 * x for x in _slow_interval(ew_f, n, None, 150, 2)),
                                                      abs=1e-9)
    gold = rng.choice([-1.0, 0.0, 0.5], size=n)
    pol = rng.choice([-1, 0, 1], size=n)
    got = dataset_intervals("sentiment", {"s": {"gold": gold, "polarity": pol}}, [str(i) for i in range(n)], None,
                            n_resamples=150, seed=4)["s"]
    keep = np.flatnonzero(gold != 0)
    y, yhat = gold[keep] > 0, pol[keep] > 0

    def waf(idx):
        return float(f1_score(y[idx], yhat[idx], average="weighted"))

    assert got["n_units"] == len(keep)
    assert (got["low"], got["high"]) == pytest.approx(
        tuple(100 * x for x in _slow_interval(waf, len(keep), None, 150, 4)), abs=1e-9)


def test_draws_do_not_depend_on_the_block_size(monkeypatch):
    import unibench.stats as stats

    values = (np.random.default_rng(1).random(3000) < 0.7).astype(float)
    a = stats.bootstrap_ci(stats.mean_statistic(values), 3000, n_resamples=300, seed=9)
    monkeypatch.setattr(stats, "_BLOCK_BYTES", 8 * 3000 * 7)  # 7 rows per block
    b = stats.bootstrap_ci(stats.mean_statistic(values), 3000, n_resamples=300, seed=9)
    assert (a.low, a.high) == pytest.approx((b.low, b.high), abs=1e-12)


def test_drawing_ahead_in_a_thread_gives_the_same_draws(monkeypatch):
    """Large draws come from a second thread one block ahead: the same stream, block by block, as one thread."""
    import unibench.stats as stats

    monkeypatch.setattr(stats, "_BLOCK_BYTES", 8 * 3000 * 7)  # 7 rows per block: 43 blocks for 300 resamples
    resampler = stats._Resampler(3000, None)
    monkeypatch.setattr(stats, "_PIPELINE_DRAWS", 10 ** 12)
    alone = list(resampler.blocks(np.random.default_rng(9), 300))
    monkeypatch.setattr(stats, "_PIPELINE_DRAWS", 0)
    ahead = list(resampler.blocks(np.random.default_rng(9), 300))
    assert [b.shape for b in ahead] == [b.shape for b in alone] and len(alone) == 43
    assert all(np.array_equal(a, b) for a, b in zip(alone, ahead))
    values = (np.random.default_rng(1).random(3000) < 0.7).astype(float)
    ci = stats.bootstrap_ci(stats.mean_statistic(values), 3000, n_resamples=300, seed=9)
    monkeypatch.setattr(stats, "_PIPELINE_DRAWS", 10 ** 12)
    assert ci == stats.bootstrap_ci(stats.mean_statistic(values), 3000, n_resamples=300, seed=9)
