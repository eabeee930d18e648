"""Emotion-wheel metrics (protocol sections 4.2 and 4.4), on per-sample set sizes for ONE wheel at one level.

The arithmetic needs only, per sample, |G| (gold clusters), |P| (predicted clusters) and |G ∩ P|; the `*_counts`
functions take those as integer arrays (fast, used by the scorer), and `hit_rate` / `set_prf` take the sets
themselves. Samples with |G| = 0 (e.g. 'neutral', or a label on no wheel) are not scored, as upstream.
Values are fractions in [0, 1]; callers scale to x100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class HitRate:
    value: float | None  # None when no sample is scored
    n: int               # samples scored (gold non-empty)


@dataclass(frozen=True)
class SetPRF:
    precision: float | None
    recall: float | None
    f: float | None
    n: int


def _counts(gold: Sequence[frozenset], pred: Sequence[frozenset]):
    if len(gold) != len(pred):
        raise ValueError("gold and pred must have the same length")
    inter = np.array([len(g & p) for g, p in zip(gold, pred)], dtype=np.int64)
    return inter, np.array([len(g) for g in gold], dtype=np.int64), np.array([len(p) for p in pred], dtype=np.int64)


def hit_rate_counts(inter: np.ndarray, n_gold: np.ndarray) -> HitRate:
    """Mean of |P ∩ G| over samples with |G| > 0 (AffectGPT's `calculate_openset_onehot_hitrate`)."""
    scored = n_gold > 0
    n = int(scored.sum())
    return HitRate(float(inter[scored].mean()) if n else None, n)


def per_sample_pr(inter: np.ndarray, n_gold: np.ndarray, n_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample precision |G∩P|/|P| (0 when P is empty) and recall |G∩P|/|G| (NaN where G is empty)."""
    inter, n_gold, n_pred = (np.asarray(a, dtype=float) for a in (inter, n_gold, n_pred))
    p = np.divide(inter, n_pred, out=np.zeros_like(inter), where=n_pred > 0)
    r = np.divide(inter, n_gold, out=np.full_like(inter, np.nan), where=n_gold > 0)
    return np.where(n_gold > 0, p, np.nan), r


def set_prf_counts(inter: np.ndarray, n_gold: np.ndarray, n_pred: np.ndarray) -> SetPRF:
    """Set precision/recall averaged over samples with |G| > 0, and F = 2PR/(P+R) of the AVERAGES
    (AffectGPT's `calculate_openset_overlap_rate` + `wheel_metric_calculation`; not the mean of per-sample F).
    An empty prediction scores P = R = 0 for that sample. When P + R = 0 upstream divides by zero (NaN); here F = 0.
    """
    scored = np.asarray(n_gold) > 0
    n = int(scored.sum())
    if not n:
        return SetPRF(None, None, None, 0)
    p, r = per_sample_pr(inter, n_gold, n_pred)
    P, R = float(p[scored].mean()), float(r[scored].mean())
    return SetPRF(P, R, 2 * P * R / (P + R) if P + R > 0 else 0.0, n)


def hit_rate(gold: Sequence[frozenset], pred: Sequence[frozenset]) -> HitRate:
    """Hit rate from the sets themselves; extra predicted clusters are not penalised.

    >>> hit_rate([frozenset({"sad"}), frozenset(), frozenset({"mad"})], [frozenset({"sad", "mad"}), frozenset({"x"}), frozenset()])
    HitRate(value=0.5, n=2)
    """
    inter, n_gold, _ = _counts(gold, pred)
    return hit_rate_counts(inter, n_gold)


def set_prf(gold: Sequence[frozenset], pred: Sequence[frozenset]) -> SetPRF:
    """Set P/R/F from the sets themselves.

    >>> set_prf([frozenset({"a", "b"})], [frozenset({"a", "c", "d"})])
    SetPRF(precision=0.3333333333333333, recall=0.5, f=0.4, n=1)
    """
    return set_prf_counts(*_counts(gold, pred))


@dataclass(frozen=True)
class WheelMean:
    """The mean over wheels of the per-wheel set F (and P, R); f is None when `undefined` says why."""

    f: float | None
    precision: float | None
    recall: float | None
    undefined: str | None = None


def wheel_mean(per_wheel: dict[str, tuple[float | None, float | None, int]], guarded: bool) -> WheelMean:
    """Average per-wheel (P, R, n) the way one edition of the official `wheel_metric_calculation` does.

    guarded=False (AffectGPT / OV-MER / MER2025, no zero-division guard): a wheel that scores no sample has
    P = R = NaN (the mean of an empty list) and a wheel with P + R = 0 has F = 0/0 = NaN, so the mean F is NaN:
    returned as None with the reason (P and R likewise when a wheel scores no sample). guarded=True (MER2026):
    such a wheel has P = R = 0 and F = 0, and counts. P and R may be fractions or x100; F is on the same scale.
    """
    fs, ps, rs, why = [], [], [], None
    for wheel, (p, r, n) in per_wheel.items():
        if n == 0 or p is None or r is None:
            if not guarded:
                return WheelMean(None, None, None, f"{wheel}: no sample has a gold label on this wheel (the "
                                                   "official scorer averages an empty list: NaN)")
            p = r = 0.0
        if p + r == 0 and not guarded:
            why = why or f"{wheel}: precision + recall = 0 (the official scorer divides 0 by 0: NaN)"
        fs.append(0.0 if p + r == 0 else 2 * p * r / (p + r))
        ps.append(p)
        rs.append(r)
    if not fs:
        return WheelMean(None, None, None, "no wheel to average")
    return WheelMean(None if why else float(np.mean(fs)), float(np.mean(ps)), float(np.mean(rs)), why)
