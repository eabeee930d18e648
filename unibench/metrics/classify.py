"""Classification and regression scores with scikit-learn semantics, in numpy only.

Upstream scorers (MERBench, MER2023-2026) call `sklearn.metrics.accuracy_score`, `f1_score(average='weighted')` and
`mean_squared_error`; these reimplement exactly that arithmetic so the harness does not depend on scikit-learn.
Scores are fractions in [0, 1] (not x100), as upstream computes them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

__all__ = ["accuracy", "weighted_f1", "macro_f1", "mse", "mae", "mer2023_combined"]


def _check_pair(y_true: Sequence, y_pred: Sequence) -> tuple[list, list]:
    t, p = list(y_true), list(y_pred)
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} items but y_pred has {len(p)}")
    if not t:
        raise ValueError("cannot score zero samples")
    return t, p


def _sorted_labels(values: Sequence[Hashable]) -> list:
    # sklearn's unique_labels sorts; it refuses mixed str/number labels, and so do we.
    uniq = set(values)
    try:
        return sorted(uniq)
    except TypeError:
        raise ValueError(f"mix of label types: {sorted(map(repr, uniq))[:6]}") from None


def _per_class_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-label F1 and support (count in y_true) for `labels` (default: sorted union of both sequences)."""
    t, p = _check_pair(y_true, y_pred)
    labs = _sorted_labels(t + p) if labels is None else list(labels)
    if len(set(labs)) != len(labs):
        raise ValueError("labels contains duplicates")
    index = {lab: i for i, lab in enumerate(labs)}
    k = len(labs)
    ti = np.array([index.get(v, -1) for v in t])
    pi = np.array([index.get(v, -1) for v in p])
    true_count = np.bincount(ti[ti >= 0], minlength=k).astype(float)
    pred_count = np.bincount(pi[pi >= 0], minlength=k).astype(float)
    hit = (ti == pi) & (ti >= 0)
    tp = np.bincount(ti[hit], minlength=k).astype(float)
    denom = true_count + pred_count
    # F1 = 2TP / (2TP + FP + FN) = 2TP / (support + predicted); 0 when the label never occurs (sklearn zero_division=0)
    f1 = np.divide(2.0 * tp, denom, out=np.zeros(k), where=denom > 0)
    return f1, true_count


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    """Fraction of positions where `y_pred` equals `y_true` (sklearn `accuracy_score`)."""
    t, p = _check_pair(y_true, y_pred)
    return float(np.mean([a == b for a, b in zip(t, p)]))


def weighted_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence | None = None) -> float:
    """Support-weighted mean of per-label F1 (sklearn `f1_score(average='weighted')`).

    Labels default to the sorted union of `y_true` and `y_pred`. A label only predicted has support 0 and weight 0;
    a true label never predicted has F1 0. With `labels`, only those labels are averaged (others still count as
    errors for them). Returns 0.0 when the total support is 0, as sklearn does.
    """
    f1, support = _per_class_f1(y_true, y_pred, labels)
    total = support.sum()
    return float(np.dot(f1, support) / total) if total > 0 else 0.0


def macro_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence | None = None) -> float:
    """Unweighted mean of per-label F1 (sklearn `f1_score(average='macro')`).

    Harness extension: no upstream MER scorer reports it, so do not compare it with published tables.
    """
    f1, _ = _per_class_f1(y_true, y_pred, labels)
    return float(f1.mean()) if f1.size else 0.0


def mse(y_true: Sequence[float], y_pred: Sequence[float]) -> float:
    """Mean squared error (sklearn `mean_squared_error`); refuses NaN/inf like sklearn does."""
    t, p = _check_pair(y_true, y_pred)
    a, b = np.asarray(t, dtype=float), np.asarray(p, dtype=float)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("mse: inputs contain NaN or infinity")
    return float(np.mean((a - b) ** 2))


def mae(y_true: Sequence[float], y_pred: Sequence[float]) -> float:
    """Mean absolute error (sklearn `mean_absolute_error`); refuses NaN/inf like sklearn does."""
    t, p = _check_pair(y_true, y_pred)
    a, b = np.asarray(t, dtype=float), np.asarray(p, dtype=float)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("mae: inputs contain NaN or infinity")
    return float(np.mean(np.abs(a - b)))


def mer2023_combined(waf: float, mse: float) -> float:
    """MER2023 MULTI/NOISE final score: WAF - 0.25 * valence MSE (WAF as a fraction, MSE on the raw scale)."""
    return waf - 0.25 * mse
