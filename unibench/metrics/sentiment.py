"""Binary sentiment metrics (protocol section 4.3; MERBench's Non0 ACC-2 and WAF)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from unibench.metrics.classify import accuracy, weighted_f1

POLARITY = {"positive": 1, "negative": -1}


def polarity(word: str) -> int:
    """Upstream's mapping of an extracted sentiment word: exactly 'positive' -> 1, 'negative' -> -1, anything else
    (neutral, mixed, empty, 'Positive') -> 0. Case-sensitive, as upstream (tests/test_upstream_functions.py runs
    upstream's calculate_dimension_zeroshot against it)."""
    return POLARITY.get(word, 0)


@dataclass(frozen=True)
class BinarySentiment:
    waf: float | None
    acc: float | None
    n: int            # samples scored (non-zero gold)
    n_zero_gold: int  # samples dropped because the gold valence is exactly 0


def binary_sentiment(gold_valence: Sequence[float], pred_polarity: Sequence[float] | np.ndarray) -> BinarySentiment:
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
    y, yhat = (g[keep] > 0).tolist(), (p[keep] > 0).tolist()
    return BinarySentiment(weighted_f1(y, yhat), accuracy(y, yhat), int(keep.sum()), int((~keep).sum()))
