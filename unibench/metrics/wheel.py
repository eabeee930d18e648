"""Emotion-wheel metrics on already-mapped cluster sets (protocol sections 4.2 and 4.4).

Inputs are per-sample sets of cluster names, one gold set and one predicted set per sample, for ONE wheel at one
level. Samples whose gold set is empty (e.g. 'neutral', or a label that is on no wheel) are not scored, as upstream.
Values are fractions in [0, 1]; callers scale to x100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


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


def hit_rate(gold: Sequence[frozenset], pred: Sequence[frozenset]) -> HitRate:
    """Mean of |P ∩ G| over samples with non-empty G (AffectGPT's `calculate_openset_onehot_hitrate`).

    With one gold cluster per sample this is the share of samples whose gold cluster is among the predicted ones;
    extra predicted clusters are not penalised.

    >>> hit_rate([frozenset({"sad"}), frozenset(), frozenset({"mad"})], [frozenset({"sad", "mad"}), frozenset({"x"}), frozenset()])
    HitRate(value=0.5, n=2)
    """
    if len(gold) != len(pred):
        raise ValueError("gold and pred must have the same length")
    hits = [len(g & p) for g, p in zip(gold, pred) if g]
    return HitRate(sum(hits) / len(hits) if hits else None, len(hits))


def set_prf(gold: Sequence[frozenset], pred: Sequence[frozenset]) -> SetPRF:
    """Set precision/recall averaged over samples with non-empty G, and F = 2PR/(P+R) of the AVERAGES
    (AffectGPT's `calculate_openset_overlap_rate` + `wheel_metric_calculation`; not the mean of per-sample F).

    An empty prediction scores P = R = 0 for that sample. When P + R = 0 upstream divides by zero (NaN); here F = 0.

    >>> set_prf([frozenset({"a", "b"})], [frozenset({"a", "c", "d"})])
    SetPRF(precision=0.3333333333333333, recall=0.5, f=0.4, n=1)
    """
    if len(gold) != len(pred):
        raise ValueError("gold and pred must have the same length")
    ps, rs = [], []
    for g, p in zip(gold, pred):
        if not g:
            continue
        if not p:
            ps.append(0.0)
            rs.append(0.0)
        else:
            inter = len(g & p)
            ps.append(inter / len(p))
            rs.append(inter / len(g))
    if not ps:
        return SetPRF(None, None, None, 0)
    P, R = sum(ps) / len(ps), sum(rs) / len(rs)
    return SetPRF(P, R, 2 * P * R / (P + R) if P + R > 0 else 0.0, len(ps))
