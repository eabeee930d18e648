"""Bootstrap confidence intervals and paired model comparison for corpus-level metrics.

Pure functions, numpy only, no I/O. Every metric here is a *corpus* statistic (HIT rate, WAF, set-level F), so we
resample samples (or whole clusters: dialogue, session, speaker) and recompute the statistic on each resample.

A statistic is any callable ``statistic(idx) -> float`` that scores the sample indices ``idx`` (with repetition).
The helpers (`mean_statistic`, `f_of_means_statistic`, `weighted_f1_statistic`, `multi_wheel_statistic`, ...) build
`VectorStatistic` objects that are also such callables, but are functions of a few resampled column sums: each has
a per-sample design matrix, and a block of resamples is scored from one matrix product of the block's draw counts
with the design. `bootstrap_ci`, `bootstrap_cis` and `paired_difference` use that fast path when every statistic
involved offers it (all statistics' columns in one product, per-cluster sums when resampling clusters); both paths
consume the same random draws, so they give the same interval up to floating-point rounding.

All statistics return fractions in [0, 1]; scaling to the paper's x100 is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Statistic = Callable[[NDArray[np.intp]], float]

# Resamples are drawn and scored in blocks of about this many bytes of draws (and as much again of counts), to bound
# memory at any n. numpy's Generator.integers yields the same stream whatever the block shape (tested), so the
# interval depends only on the seed, not on the block size.
_BLOCK_BYTES = 8 << 20
# From this many draws in all, the next block is drawn in a second thread while the current one is counted and
# multiplied: Generator.integers runs without the GIL, and only that thread touches the generator, so the stream
# (and the interval) is the one a single thread draws. Below it, a thread costs more than it saves.
_PIPELINE_DRAWS = 20_000_000


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CI:
    """A bootstrap confidence interval for one statistic. `point` is the statistic on the full sample."""

    low: float
    high: float
    point: float
    n_resamples: int
    seed: int
    method: str
    clustered: bool
    alpha: float = 0.05


@dataclass(frozen=True)
class PairedResult:
    """Paired bootstrap comparison of A and B on the same samples: diff = stat_a - stat_b on the full sample."""

    diff: float
    low: float
    high: float
    p_value: float
    n_resamples: int = 0
    seed: int = 0
    method: str = "paired-percentile"
    clustered: bool = False
    alpha: float = 0.05


# --------------------------------------------------------------------------------------------------------------
# Vectorised statistics
# --------------------------------------------------------------------------------------------------------------

class VectorStatistic:
    """A statistic over n samples that is a function of resampled column sums.

    Subclasses set `design`, an (n, m) float array of per-sample columns, and implement `from_sums(sums)`, which
    maps the (B, m) column sums of B resamples (sums[b] = counts[b] @ design, where counts[b, i] is how many
    times sample i occurs in resample b) to the B statistic values. `from_counts` and `__call__(idx)` derive
    from it, so statistics over the same samples can share one matrix product per block of resamples.
    """

    n: int
    design: NDArray[np.float64]

    def from_sums(self, sums: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def from_counts(self, counts: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.from_sums(counts @ self.design)

    def __call__(self, idx: NDArray[np.intp]) -> float:
        counts = np.bincount(np.asarray(idx, dtype=np.intp), minlength=self.n).astype(np.float64)
        return float(self.from_counts(counts[None, :])[0])


def _as_mask(mask: ArrayLike | None, n: int) -> NDArray[np.float64]:
    if mask is None:
        return np.ones(n)
    m = np.asarray(mask, dtype=bool)
    if m.shape != (n,):
        raise ValueError(f"mask has shape {m.shape}, expected ({n},)")
    return m.astype(np.float64)


def _as_values(values: ArrayLike, name: str) -> NDArray[np.float64]:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {v.shape}")
    return v


def _masked(values: NDArray[np.float64], mask: NDArray[np.float64]) -> NDArray[np.float64]:
    # Excluded samples get weight 0; NaN in an excluded slot must not leak through 0 * NaN.
    return np.where(mask > 0, values, 0.0)


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den  # NaN when a resample holds no scored sample


class MeanStatistic(VectorStatistic):
    """Mean of per-sample values over the scored samples (accuracy, one wheel's HIT rate)."""

    def __init__(self, values: ArrayLike, mask: ArrayLike | None = None):
        self.values = _as_values(values, "values")
        self.n = len(self.values)
        self.mask = _as_mask(mask, self.n)
        self.design = np.column_stack([_masked(self.values, self.mask), self.mask])

    def from_sums(self, sums: NDArray[np.float64]) -> NDArray[np.float64]:
        return _ratio(sums[:, 0], sums[:, 1])


class FOfMeansStatistic(VectorStatistic):
    """F = 2PR/(P+R) of the mean per-sample precision P and recall R (OV-MERD+ set-level F, one wheel).

    Upstream has no guard for P + R = 0; we return 0 there (as MER2026's code does) so a degenerate resample
    does not abort the bootstrap. It never occurs on the full sample of a real run.
    """

    def __init__(self, p: ArrayLike, r: ArrayLike, mask: ArrayLike | None = None):
        self.p = _as_values(p, "p")
        self.r = _as_values(r, "r")
        if self.p.shape != self.r.shape:
            raise ValueError(f"p and r differ in length: {len(self.p)} vs {len(self.r)}")
        self.n = len(self.p)
        self.mask = _as_mask(mask, self.n)
        self.design = np.column_stack([_masked(self.p, self.mask), _masked(self.r, self.mask), self.mask])

    def from_sums(self, sums: NDArray[np.float64]) -> NDArray[np.float64]:
        P, R = _ratio(sums[:, 0], sums[:, 2]), _ratio(sums[:, 1], sums[:, 2])
        with np.errstate(invalid="ignore", divide="ignore"):
            F = 2 * P * R / (P + R)
        return np.where((P + R) == 0, 0.0, F)


class WeightedF1Statistic(VectorStatistic):
    """sklearn's ``f1_score(y_true, y_pred, average='weighted')`` (binary or multiclass).

    Per class c: F1_c = 2 TP_c / (support_c + predicted_c), weighted by support_c. Classes with no support in a
    resample get weight 0, which matches sklearn's choice of labels (those present in either array).
    """

    def __init__(self, y_true: ArrayLike, y_pred: ArrayLike):
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        if yt.shape != yp.shape or yt.ndim != 1:
            raise ValueError(f"y_true and y_pred must be 1-D of equal length, got {yt.shape} and {yp.shape}")
        self.n = len(yt)
        classes = np.array(_sorted_unique(yt.tolist() + yp.tolist()))
        t = (yt[:, None] == classes[None, :]).astype(np.float64)  # (n, C) one-hot gold
        p = (yp[:, None] == classes[None, :]).astype(np.float64)  # (n, C) one-hot prediction
        self.design = np.hstack([t * p, t, p])
        self._c = len(classes)

    def from_sums(self, sums: NDArray[np.float64]) -> NDArray[np.float64]:
        tp, support, predicted = sums[:, : self._c], sums[:, self._c: 2 * self._c], sums[:, 2 * self._c:]
        denom = support + predicted
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(denom > 0, 2 * tp / denom, 0.0)
        return (f1 * support).sum(axis=1) / support.sum(axis=1)


class MultiWheelStatistic(VectorStatistic):
    """Unweighted mean over wheels of per-wheel statistics evaluated on the same resample.

    MER-UniBench HIT = mean over 5 wheels of per-wheel mean hits, and OV F = mean over wheels of F-of-means;
    each wheel scores its own subset of samples (its mask), but one resample applies to all wheels jointly.
    """

    def __init__(self, wheels: Sequence[VectorStatistic]):
        if not wheels:
            raise ValueError("multi_wheel_statistic needs at least one wheel")
        sizes = {w.n for w in wheels}
        if len(sizes) != 1:
            raise ValueError(f"wheels disagree on the number of samples: {sorted(sizes)}")
        self.wheels = list(wheels)
        self.n = sizes.pop()
        self.design = np.hstack([w.design for w in self.wheels])
        self._bounds = np.cumsum([0] + [w.design.shape[1] for w in self.wheels])

    def from_sums(self, sums: NDArray[np.float64]) -> NDArray[np.float64]:
        b = self._bounds
        return np.mean([w.from_sums(sums[:, b[j]: b[j + 1]]) for j, w in enumerate(self.wheels)], axis=0)


def mean_statistic(values: ArrayLike, mask: ArrayLike | None = None) -> MeanStatistic:
    """Mean of per-sample values (e.g. 0/1 correctness) over the samples where `mask` is True (default: all)."""
    return MeanStatistic(values, mask)


def f_of_means_statistic(p: ArrayLike, r: ArrayLike, mask: ArrayLike | None = None) -> FOfMeansStatistic:
    """F of mean precision and mean recall over the samples where `mask` is True (default: all)."""
    return FOfMeansStatistic(p, r, mask)


def weighted_f1_statistic(y_true: ArrayLike, y_pred: ArrayLike) -> WeightedF1Statistic:
    """Support-weighted F1, equal to sklearn's f1_score(average='weighted'); binary WAF for sentiment datasets."""
    return WeightedF1Statistic(y_true, y_pred)


def multi_wheel_statistic(wheels: Sequence[VectorStatistic]) -> MultiWheelStatistic:
    """Mean over wheels of the given per-wheel statistics (build each with its wheel's `mask`)."""
    return MultiWheelStatistic(wheels)


def hit_rate_statistic(hits: ArrayLike, masks: ArrayLike) -> MultiWheelStatistic:
    """MER-UniBench HIT: `hits` and `masks` of shape (wheels, n); masks[w, i] says sample i is scored on wheel w."""
    h, m = np.asarray(hits, dtype=np.float64), np.asarray(masks, dtype=bool)
    if h.shape != m.shape or h.ndim != 2:
        raise ValueError(f"hits and masks must both be (wheels, n), got {h.shape} and {m.shape}")
    return MultiWheelStatistic([MeanStatistic(h[w], m[w]) for w in range(h.shape[0])])


def ov_f_statistic(p: ArrayLike, r: ArrayLike, masks: ArrayLike) -> MultiWheelStatistic:
    """OV-MERD+ F: per-sample precision/recall and masks of shape (wheels, n); mean over wheels of F-of-means."""
    pp, rr, m = np.asarray(p, dtype=np.float64), np.asarray(r, dtype=np.float64), np.asarray(masks, dtype=bool)
    if not (pp.shape == rr.shape == m.shape) or pp.ndim != 2:
        raise ValueError(f"p, r and masks must all be (wheels, n), got {pp.shape}, {rr.shape}, {m.shape}")
    return MultiWheelStatistic([FOfMeansStatistic(pp[w], rr[w], m[w]) for w in range(pp.shape[0])])


# --------------------------------------------------------------------------------------------------------------
# Resampling
# --------------------------------------------------------------------------------------------------------------

class _Resampler:
    """Draws resamples as blocks of unit draws (samples, or clusters when clustered) from one seeded generator.

    Both the generic path (explicit index vectors) and the vectorised path (unit draw counts times the design
    summed per unit) are derived from the same draws, so they see identical resamples.
    """

    def __init__(self, n: int, clusters: Sequence[Hashable] | ArrayLike | None):
        if n <= 0:
            raise ValueError(f"need at least one sample, got n={n}")
        self.n = n
        self.clustered = clusters is not None
        if clusters is None:
            self.k = n
            return
        arr = np.asarray(clusters, dtype=object)
        if arr.shape != (n,):
            raise ValueError(f"clusters has shape {arr.shape}, expected ({n},)")
        labels = arr.tolist()
        index = {c: i for i, c in enumerate(_sorted_unique(labels))}  # cluster ids in sorted order, as np.unique
        self.cluster_of = np.fromiter((index[c] for c in labels), dtype=np.intp, count=n)
        self.k = int(self.cluster_of.max()) + 1
        # Members of each cluster as contiguous runs of `order`: cluster c is order[start[c] : start[c] + size[c]].
        self.order = np.argsort(self.cluster_of, kind="stable")
        self.size = np.bincount(self.cluster_of, minlength=self.k)
        self.start = np.concatenate([[0], np.cumsum(self.size)[:-1]])

    def blocks(self, rng: np.random.Generator, n_resamples: int) -> Iterator[NDArray[np.intp]]:
        """Blocks of shape (rows, k), about _BLOCK_BYTES each: each row draws k units with replacement."""
        per_block = max(1, _BLOCK_BYTES // (8 * self.k))
        sizes = [min(per_block, n_resamples - done) for done in range(0, n_resamples, per_block)]
        if len(sizes) == 1 or self.k * n_resamples < _PIPELINE_DRAWS:
            for rows in sizes:
                yield rng.integers(0, self.k, size=(rows, self.k))
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as drawer:
            ahead = drawer.submit(rng.integers, 0, self.k, size=(sizes[0], self.k))
            for following in sizes[1:] + [0]:
                block = ahead.result()
                if following:
                    ahead = drawer.submit(rng.integers, 0, self.k, size=(following, self.k))
                yield block

    def unit_counts(self, draws: NDArray[np.intp]) -> NDArray[np.float64]:
        """How often each unit occurs in each resample of a block: (rows, k). One bincount per row: its k counts
        stay in cache, which is twice as fast as one bincount over the whole block at large k."""
        out = np.empty(draws.shape, dtype=np.float64)
        for i, row in enumerate(draws):
            out[i] = np.bincount(row, minlength=self.k)
        return out

    def unit_design(self, design: NDArray[np.float64]) -> NDArray[np.float64]:
        """The design summed per unit (a drawn cluster adds all its members), so a resample's column sums are
        its unit counts times this (k, m) matrix."""
        if not self.clustered:
            return design
        return np.add.reduceat(design[self.order], self.start, axis=0)

    def indices(self, draw_row: NDArray[np.intp]) -> NDArray[np.intp]:
        """The sample indices of one resample; a drawn cluster contributes all its members, once per draw."""
        if not self.clustered:
            return draw_row
        sizes = self.size[draw_row]
        run_start = np.repeat(self.start[draw_row], sizes)
        within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return self.order[run_start + within]


def _check_args(n_resamples: int, alpha: float) -> None:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")


def _check_n(stat: Statistic, n: int) -> None:
    if isinstance(stat, VectorStatistic) and stat.n != n:
        raise ValueError(f"statistic was built over {stat.n} samples but n={n}")


def _replicates(stats: Sequence[Statistic], resampler: _Resampler, rng: np.random.Generator,
                n_resamples: int) -> NDArray[np.float64]:
    """Bootstrap replicates, shape (len(stats), n_resamples); all statistics see the same resamples. Vector
    statistics cost one matrix product per block over all their columns; non-finite replicates are left in."""
    out = np.empty((len(stats), n_resamples))
    vectorised = all(isinstance(s, VectorStatistic) for s in stats)
    if vectorised:
        designs = [s.design for s in stats]  # type: ignore[attr-defined]
        bounds = np.cumsum([0] + [d.shape[1] for d in designs])
        unit_design = resampler.unit_design(np.hstack(designs))
    b = 0
    for draws in resampler.blocks(rng, n_resamples):
        rows = draws.shape[0]
        if vectorised:
            sums = resampler.unit_counts(draws) @ unit_design
            for j, s in enumerate(stats):
                out[j, b: b + rows] = s.from_sums(sums[:, bounds[j]: bounds[j + 1]])  # type: ignore[attr-defined]
        else:
            for r in range(rows):
                idx = resampler.indices(draws[r])
                for j, s in enumerate(stats):
                    out[j, b + r] = s(idx)
        b += rows
    return out


def _sorted_unique(values: list) -> list:
    return sorted(set(values))


def _quantiles(values: NDArray[np.float64], qs: Sequence[float]) -> list[float]:
    """numpy.quantile's default (linear interpolation, its lerp included) without numpy.quantile, which imports
    numpy.ma (a tenth of a small run's start-up)."""
    x = np.sort(values)
    out = []
    for q in qs:
        pos = q * (len(x) - 1)
        lo = int(np.floor(pos))
        hi, t = min(lo + 1, len(x) - 1), pos - lo
        a, b = float(x[lo]), float(x[hi])
        out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return out


def _finite(reps: NDArray[np.float64]) -> NDArray[np.float64]:
    bad = ~np.isfinite(reps)
    if bad.any():
        # Typically a resample with no scored sample on some wheel (tiny data, few clusters): refuse rather than
        # silently narrow the interval.
        n_bad = int(bad.reshape(-1, reps.shape[-1]).any(axis=0).sum())
        raise ValueError(f"{n_bad} of {reps.shape[-1]} resamples gave a non-finite "
                         "statistic; the sample is too small (or too few clusters) for this bootstrap")
    return reps


def bootstrap_ci(statistic: Statistic, n: int, *, clusters: Sequence[Hashable] | ArrayLike | None = None,
                 n_resamples: int = 1000, seed: int = 0, alpha: float = 0.05) -> CI:
    """Percentile bootstrap interval for a corpus statistic over n samples.

    Each resample draws n sample indices with replacement, or, when `clusters` (one id per sample) is given,
    draws as many clusters as there are with replacement and keeps every member of each drawn cluster (a cluster
    drawn twice contributes its samples twice), so within-cluster correlation widens the interval as it should.
    The interval is the alpha/2 and 1 - alpha/2 quantiles (numpy's default linear interpolation) of the
    replicates; `point` is the statistic on all n samples. Same seed, same interval.
    """
    got = bootstrap_cis([statistic], n, clusters=clusters, n_resamples=n_resamples, seed=seed, alpha=alpha)[0]
    if isinstance(got, ValueError):
        raise got
    return got


def bootstrap_cis(statistics: Sequence[Statistic], n: int, *,
                  clusters: Sequence[Hashable] | ArrayLike | None = None, n_resamples: int = 1000, seed: int = 0,
                  alpha: float = 0.05) -> list[CI | ValueError]:
    """`bootstrap_ci` of several statistics over the same n samples (e.g. every checkpoint of a dataset) from one
    set of draws: each gets exactly the interval its own `bootstrap_ci` call with this seed gives (the draws
    depend only on n, the clusters and the seed), at the cost of one matrix product per block for all of them.
    A statistic the data cannot support (a non-finite replicate) gets its ValueError in place of a CI."""
    _check_args(n_resamples, alpha)
    for s in statistics:
        _check_n(s, n)
    resampler = _Resampler(n, clusters)
    everything = np.arange(n)
    reps = _replicates(statistics, resampler, np.random.default_rng(seed), n_resamples)
    out: list[CI | ValueError] = []
    for s, r in zip(statistics, reps):
        try:
            low, high = _quantiles(_finite(r), (alpha / 2, 1 - alpha / 2))
        except ValueError as err:
            out.append(err)
            continue
        out.append(CI(low=float(low), high=float(high), point=float(s(everything)), n_resamples=n_resamples,
                      seed=seed, method="percentile", clustered=resampler.clustered, alpha=alpha))
    return out


def paired_difference(stat_a: Statistic, stat_b: Statistic, n: int, *,
                      clusters: Sequence[Hashable] | ArrayLike | None = None, n_resamples: int = 1000,
                      seed: int = 0, alpha: float = 0.05) -> PairedResult:
    """Paired bootstrap of stat_a - stat_b: both models are scored on the very same resampled indices.

    * ``diff`` is stat_a - stat_b on the full sample; ``low``/``high`` the percentile interval of the replicate
      differences d_1..d_B (clustered exactly as in `bootstrap_ci`).
    * ``p_value`` (two-sided, H0: difference = 0) inverts the bootstrap distribution:
      ``p = min(1, 2 * min(#{d_b <= 0} + 1, #{d_b >= 0} + 1) / (B + 1))``.
      The +1 in numerator and denominator counts the observed sample as one more replicate, so p is never 0
      (smallest attainable value 2 / (B + 1), about 0.002 for B = 1000). Ties at 0 count on both sides, which is
      conservative: identical models give p = 1.
    """
    _check_args(n_resamples, alpha)
    _check_n(stat_a, n)
    _check_n(stat_b, n)
    resampler = _Resampler(n, clusters)
    everything = np.arange(n)
    diff = float(stat_a(everything)) - float(stat_b(everything))
    reps = _finite(_replicates([stat_a, stat_b], resampler, np.random.default_rng(seed), n_resamples))
    d = reps[0] - reps[1]
    low, high = _quantiles(d, (alpha / 2, 1 - alpha / 2))
    tail = min(int((d <= 0).sum()), int((d >= 0).sum())) + 1
    p_value = min(1.0, 2 * tail / (n_resamples + 1))
    return PairedResult(diff=diff, low=float(low), high=float(high), p_value=p_value, n_resamples=n_resamples,
                        seed=seed, method="paired-percentile", clustered=resampler.clustered, alpha=alpha)
