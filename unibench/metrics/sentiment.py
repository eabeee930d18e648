"""Binary sentiment metrics (protocol section 4.3; MERBench's Non0 ACC-2 and WAF)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

POLARITY = {"positive": 1, "negative": -1}


def polarity(word: str) -> int:
    """Upstream's mapping of an extracted sentiment word: exactly 'positive' -> 1, 'negative' -> -1, anything else
    (neutral, mixed, empty, 'Positive') -> 0. Case-sensitive, as upstream."""
    return POLARITY.get(word, 0)


def weighted_f1(y_true: Sequence, y_pred: Sequence) -> float:
    """Support-weighted mean of per-class F1 (sklearn `f1_score(average='weighted')`, zero_division=0).

    Classes are those appearing in y_true or y_pred; a class absent from y_true has weight 0.

    >>> weighted_f1([1, 1, 0, 0], [1, 0, 0, 0])
    0.7333333333333334
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape:
        raise ValueError("y_true and y_pred must have the same length")
    if t.size == 0:
        raise ValueError("no samples")
    total = 0.0
    for c in np.unique(np.concatenate([t, p])):
        tc, pc = t == c, p == c
        tp, support, predicted = np.sum(tc & pc), np.sum(tc), np.sum(pc)
        f1 = 2 * tp / (support + predicted) if support + predicted else 0.0
        total += support * f1
    return float(total / t.size)


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    """Share of exact matches.

    >>> accuracy([1, 0, 1], [1, 1, 1])
    0.6666666666666666
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or t.size == 0:
        raise ValueError("y_true and y_pred must be non-empty and of the same length")
    return float(np.mean(t == p))


@dataclass(frozen=True)
class BinarySentiment:
    waf: float | None
    acc: float | None
    n: int            # samples scored (non-zero gold)
    n_zero_gold: int  # samples dropped because the gold valence is exactly 0


def binary_sentiment(gold_valence: Sequence[float], pred_polarity: Sequence[int]) -> BinarySentiment:
    """WAF and ACC of (gold > 0) vs (pred > 0) over samples whose gold valence is not exactly 0.

    A non-positive prediction (neutral, unparseable) counts as negative, as in MERBench and AffectGPT.

    >>> binary_sentiment([1.2, -0.4, 0.0, 2.0], [1, 0, 1, -1])
    BinarySentiment(waf=0.6666666666666666, acc=0.6666666666666666, n=3, n_zero_gold=1)
    """
    g = np.asarray(gold_valence, dtype=float)
    p = np.asarray(pred_polarity, dtype=float)
    if g.shape != p.shape:
        raise ValueError("gold and predictions must have the same length")
    keep = g != 0
    if not keep.any():
        return BinarySentiment(None, None, 0, int(g.size))
    y, yhat = g[keep] > 0, p[keep] > 0
    return BinarySentiment(weighted_f1(y, yhat), accuracy(y, yhat), int(keep.sum()), int((~keep).sum()))
