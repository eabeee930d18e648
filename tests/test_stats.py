"""Tests for unibench.stats: determinism, clustered resampling, degenerate cases, paired comparison, sklearn parity."""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pytest

from unibench.stats import (
    CI,
    bootstrap_ci,
    f_of_means_statistic,
    hit_rate_statistic,
    mean_statistic,
    multi_wheel_statistic,
    ov_f_statistic,
    paired_difference,
    weighted_f1_statistic,
)


def _correct(n: int, rate: float, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < rate).astype(float)


# ---------------------------------------------------------------------------------------------------- determinism

def test_fixed_seed_gives_fixed_interval():
    values = _correct(500, 0.7, seed=1)
    stat = mean_statistic(values)
    a = bootstrap_ci(stat, 500, seed=123)
    b = bootstrap_ci(stat, 500, seed=123)
    assert a == b
    assert isinstance(a, CI) and a.method == "percentile" and not a.clustered
    assert a.n_resamples == 1000 and a.seed == 123
    # A stored tuple, computed here by hand from the same seeded draws: percentile of the replicate means.
    rng = np.random.default_rng(123)
    reps = np.concatenate([values[rng.integers(0, 500, size=(rows, 500))].mean(axis=1)
                           for rows in (128,) * 7 + (104,)])
    stored = tuple(float(q) for q in np.quantile(reps, [0.025, 0.975]))
    assert (a.low, a.high) == pytest.approx(stored, abs=1e-12)
    assert (a.low, a.point, a.high) == pytest.approx((0.67, 0.712, 0.752), abs=1e-12)  # literal regression guard
    assert bootstrap_ci(stat, 500, seed=124) != a


def test_generic_and_vectorised_paths_agree():
    values = _correct(300, 0.6, seed=2)
    fast = mean_statistic(values)
    slow = lambda idx: float(values[idx].mean())  # noqa: E731 -- a plain callable forces the generic path
    clusters = np.repeat(np.arange(60), 5)
    for cl in (None, clusters):
        a = bootstrap_ci(fast, 300, clusters=cl, seed=7, n_resamples=300)
        b = bootstrap_ci(slow, 300, clusters=cl, seed=7, n_resamples=300)
        assert (a.low, a.high, a.point) == pytest.approx((b.low, b.high, b.point), abs=1e-12)


# ------------------------------------------------------------------------------------------------------ clusters

def test_clustered_resampling_keeps_clusters_whole():
    rng = np.random.default_rng(0)
    clusters = rng.choice([f"dlg{k}" for k in range(25)], size=120)  # uneven cluster sizes, string ids
    members = {c: set(np.flatnonzero(clusters == c)) for c in set(clusters)}
    seen: list[np.ndarray] = []

    def record(idx: np.ndarray) -> float:
        seen.append(np.array(idx))
        return float(len(idx))

    ci = bootstrap_ci(record, 120, clusters=clusters, n_resamples=50, seed=3)
    assert ci.clustered
    resamples = seen[1:]  # the first call is the point estimate on all samples
    assert len(resamples) == 50
    sizes = set()
    for idx in resamples:
        counts = Counter(idx.tolist())
        sizes.add(len(idx))
        for c, mem in members.items():
            drawn = {counts[i] for i in mem}
            assert len(drawn) == 1, f"cluster {c} split within a resample: {drawn}"
        # Number of cluster draws equals the number of clusters.
        n_draws = sum(counts[next(iter(mem))] for mem in members.values())
        assert n_draws == len(members)
    assert len(sizes) > 1  # resample size varies with the drawn clusters


def test_clustering_widens_interval_for_correlated_samples():
    # Whole dialogues right or wrong: the clustered interval must be much wider than the i.i.d. one.
    clusters = np.repeat(np.arange(40), 25)
    values = np.repeat(_correct(40, 0.5, seed=5), 25)
    stat = mean_statistic(values)
    iid = bootstrap_ci(stat, 1000, seed=0)
    clu = bootstrap_ci(stat, 1000, clusters=clusters, seed=0)
    assert (clu.high - clu.low) > 3 * (iid.high - iid.low)


# ---------------------------------------------------------------------------------------------------- degenerate

def test_always_correct_gives_degenerate_interval():
    ci = bootstrap_ci(mean_statistic(np.ones(200)), 200, seed=0)
    assert (ci.low, ci.point, ci.high) == (1.0, 1.0, 1.0)
    ci = bootstrap_ci(mean_statistic(np.ones(200)), 200, clusters=np.arange(200) // 10, seed=0)
    assert (ci.low, ci.point, ci.high) == (1.0, 1.0, 1.0)


def test_constant_predictor_interval_contains_point():
    y = (np.random.default_rng(4).random(400) < 0.35).astype(int)
    correct = (y == 0).astype(float)  # always predicts the majority class 0
    ci = bootstrap_ci(mean_statistic(correct), 400, seed=0)
    assert ci.low <= ci.point <= ci.high
    assert ci.point == pytest.approx(1 - y.mean())
    waf = bootstrap_ci(weighted_f1_statistic(y, np.zeros_like(y)), 400, seed=0)
    assert waf.low <= waf.point <= waf.high


def test_non_finite_replicates_are_refused():
    # Wheel scores only sample 0: most resamples miss it and the per-wheel mean is undefined.
    stat = mean_statistic(np.ones(20), mask=np.arange(20) == 0)
    with pytest.raises(ValueError, match="non-finite"):
        bootstrap_ci(stat, 20, seed=0)


def test_bad_arguments():
    stat = mean_statistic(np.ones(10))
    with pytest.raises(ValueError):
        bootstrap_ci(stat, 11)
    with pytest.raises(ValueError):
        bootstrap_ci(stat, 10, clusters=[0] * 9)
    with pytest.raises(ValueError):
        bootstrap_ci(stat, 10, alpha=1.5)
    with pytest.raises(ValueError):
        bootstrap_ci(stat, 10, n_resamples=0)


# ---------------------------------------------------------------------------------------------------- paired

def test_paired_difference_detects_known_gap():
    n = 2000
    rng = np.random.default_rng(11)
    a = np.zeros(n)
    a[rng.permutation(n)[:1600]] = 1  # A correct on exactly 80%
    b = a.copy()
    b[rng.choice(np.flatnonzero(a == 1), size=200, replace=False)] = 0  # B correct on exactly 70%, nested in A
    res = paired_difference(mean_statistic(a), mean_statistic(b), n, seed=0)
    assert res.diff == pytest.approx(0.10)
    assert res.low > 0 and res.low < res.diff < res.high
    assert res.p_value < 0.01
    assert res.p_value == pytest.approx(2 / 1001)  # no replicate reaches 0: the smallest attainable p


def test_paired_difference_unnested_gap_and_symmetry():
    n = 2000
    a, b = _correct(n, 0.8, seed=21), _correct(n, 0.7, seed=22)
    ab = paired_difference(mean_statistic(a), mean_statistic(b), n, seed=5)
    ba = paired_difference(mean_statistic(b), mean_statistic(a), n, seed=5)
    assert 0.06 < ab.diff < 0.14 and ab.low > 0 and ab.p_value < 0.01
    assert ba.diff == pytest.approx(-ab.diff)
    assert (ba.low, ba.high) == pytest.approx((-ab.high, -ab.low))
    assert ba.p_value == ab.p_value


def test_paired_difference_identical_models():
    v = _correct(1000, 0.6, seed=8)
    res = paired_difference(mean_statistic(v), mean_statistic(v.copy()), 1000, seed=0)
    assert (res.diff, res.low, res.high, res.p_value) == (0.0, 0.0, 0.0, 1.0)
    clustered = paired_difference(mean_statistic(v), mean_statistic(v), 1000, clusters=np.arange(1000) // 4)
    assert clustered.p_value == 1.0 and clustered.clustered


def test_paired_difference_small_noisy_gap_is_not_significant():
    n = 200
    a = _correct(n, 0.62, seed=31)
    b = a.copy()
    b[:3] = 1 - b[:3]  # flip three samples
    res = paired_difference(mean_statistic(a), mean_statistic(b), n, seed=0)
    assert res.low <= 0 <= res.high and res.p_value > 0.5


# ---------------------------------------------------------------------------------------------------- metrics

@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_weighted_f1_matches_sklearn(n_classes: int):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(n_classes)
    for trial in range(20):
        n = int(rng.integers(5, 300))
        y = rng.integers(0, n_classes, size=n)
        yhat = np.where(rng.random(n) < 0.6, y, rng.integers(0, n_classes, size=n))
        stat = weighted_f1_statistic(y, yhat)
        assert stat(np.arange(n)) == pytest.approx(sk.f1_score(y, yhat, average="weighted"), abs=1e-12)
        idx = rng.integers(0, n, size=n)  # a resample: some classes may vanish from y or yhat
        assert stat(idx) == pytest.approx(sk.f1_score(y[idx], yhat[idx], average="weighted"), abs=1e-12)


def test_weighted_f1_binary_booleans_and_strings():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(9)
    y = rng.random(500) > 0.4
    yhat = rng.random(500) > 0.5
    assert weighted_f1_statistic(y, yhat)(np.arange(500)) == pytest.approx(
        sk.f1_score(y, yhat, average="weighted"), abs=1e-12)
    labels = np.array(["pos", "neg", "neu"])
    ys, ps = labels[rng.integers(0, 3, 200)], labels[rng.integers(0, 2, 200)]  # 'neu' never predicted
    assert weighted_f1_statistic(ys, ps)(np.arange(200)) == pytest.approx(
        sk.f1_score(ys, ps, average="weighted", zero_division=0), abs=1e-12)


def test_f_of_means_is_f_of_means_not_mean_of_f():
    p = np.array([1.0, 0.0, 0.5])
    r = np.array([0.5, 0.0, 1.0])
    stat = f_of_means_statistic(p, r)
    P, R = p.mean(), r.mean()
    assert stat(np.arange(3)) == pytest.approx(2 * P * R / (P + R))
    assert f_of_means_statistic(np.zeros(3), np.zeros(3))(np.arange(3)) == 0.0  # guarded P + R = 0


def test_multi_wheel_hit_rate_matches_direct_computation():
    rng = np.random.default_rng(12)
    wheels, n = 5, 411
    hits = (rng.random((wheels, n)) < 0.75).astype(float)
    masks = rng.random((wheels, n)) < 0.8
    masks[4] &= rng.random(n) < 0.9  # wheel 5 drops more samples, like 'surprise' on W5
    hits[~masks] = np.nan  # unscored slots must be ignored, whatever they hold
    stat = hit_rate_statistic(hits, masks)
    direct = lambda idx: float(np.mean([hits[w, idx][masks[w, idx]].mean() for w in range(wheels)]))  # noqa: E731
    assert stat(np.arange(n)) == pytest.approx(direct(np.arange(n)), abs=1e-12)
    idx = rng.integers(0, n, size=n)
    assert stat(idx) == pytest.approx(direct(idx), abs=1e-12)
    same = multi_wheel_statistic([mean_statistic(hits[w], masks[w]) for w in range(wheels)])
    assert bootstrap_ci(stat, n, seed=1) == bootstrap_ci(same, n, seed=1)
    a = bootstrap_ci(stat, n, seed=1, n_resamples=200)
    b = bootstrap_ci(direct, n, seed=1, n_resamples=200)
    assert (a.low, a.high) == pytest.approx((b.low, b.high), abs=1e-12)


def test_ov_f_statistic_matches_direct_computation():
    rng = np.random.default_rng(13)
    wheels, n = 5, 200
    p, r = rng.random((wheels, n)), rng.random((wheels, n))
    masks = rng.random((wheels, n)) < 0.9

    def direct(idx: np.ndarray) -> float:
        fs = []
        for w in range(wheels):
            sel = idx[masks[w, idx]]
            P, R = p[w, sel].mean(), r[w, sel].mean()
            fs.append(2 * P * R / (P + R))
        return float(np.mean(fs))

    stat = ov_f_statistic(p, r, masks)
    idx = rng.integers(0, n, size=n)
    assert stat(idx) == pytest.approx(direct(idx), abs=1e-12)


def test_multi_wheel_rejects_mismatched_wheels():
    with pytest.raises(ValueError):
        multi_wheel_statistic([mean_statistic(np.ones(3)), mean_statistic(np.ones(4))])
    with pytest.raises(ValueError):
        multi_wheel_statistic([])


# ---------------------------------------------------------------------------------------------------- speed

def test_speed_sanity(capsys):
    n = 5000
    rng = np.random.default_rng(0)
    y = rng.random(n) > 0.5
    yhat = np.where(rng.random(n) < 0.8, y, ~y)
    hits = (rng.random((5, n)) < 0.7).astype(float)
    masks = rng.random((5, n)) < 0.8
    cases = {
        "mean": mean_statistic((y == yhat).astype(float)),
        "weighted_f1": weighted_f1_statistic(y, yhat),
        "hit_rate_5_wheels": hit_rate_statistic(hits, masks),
        "ov_f_5_wheels": ov_f_statistic(rng.random((5, n)), rng.random((5, n)), masks),
    }
    with capsys.disabled():
        for name, stat in cases.items():
            t0 = time.perf_counter()
            bootstrap_ci(stat, n, n_resamples=1000, seed=0)
            t1 = time.perf_counter()
            bootstrap_ci(stat, n, clusters=np.arange(n) // 5, n_resamples=1000, seed=0)
            t2 = time.perf_counter()
            print(f"\n[speed] {name}: 1000 resamples x {n} samples: {t1 - t0:.3f}s iid, {t2 - t1:.3f}s clustered")
