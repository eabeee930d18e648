"""Per-class views of a basic-emotion set scored through an emotion wheel: macro F1 and a confusion table.

A model answers with any number of emotion words; through the wheel each answer reaches a set of clusters, and an
answer *predicts* every gold class whose cluster set it meets. So a sample has one gold class and zero or more
predicted classes, and per class c:

    TP_c = samples of class c that predict c        FN_c = samples of class c that do not
    FP_c = samples of another class that predict c  F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)

Macro F1 is the unweighted mean of F1_c over the classes that have gold samples. With one predicted class per
sample this is sklearn's `f1_score(average='macro', labels=<gold classes>)`; in general it is sklearn's macro F1
on the multilabel indicator matrices restricted to those columns. Unlike the hit rate it charges every extra
emotion listed (a false positive for the class it names). Not an official MER-UniBench metric.

Values are fractions in [0, 1]; callers scale to x100. Pure functions: arrays in, numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MacroF1:
    value: float | None          # None when no sample is scored
    per_class: tuple[float, ...]  # F1 of each class, in class-index order (0.0 for a class without gold samples)
    support: tuple[int, ...]      # gold samples per class
    n: int                        # samples scored


def macro_f1_sets(gold: np.ndarray, predicted: np.ndarray) -> MacroF1:
    """`gold`: (n,) class index per sample (-1 = not scored); `predicted`: (n, C) bool, True where the sample's
    answer predicts class c. Classes without gold samples are left out of the mean.

    >>> macro_f1_sets(np.array([0, 0, 1]), np.array([[True, False], [True, True], [False, False]])).value
    0.5
    """
    gold = np.asarray(gold, dtype=np.int64)
    pred = np.asarray(predicted, dtype=bool)
    if pred.ndim != 2 or pred.shape[0] != gold.shape[0]:
        raise ValueError(f"predicted must be (n, C) with n = {gold.shape[0]}, got {pred.shape}")
    k = pred.shape[1]
    if gold.size and gold.max(initial=-1) >= k:
        raise ValueError(f"gold class index {int(gold.max())} outside 0..{k - 1}")
    scored = gold >= 0
    g, p = gold[scored], pred[scored]
    truth = np.zeros_like(p)
    truth[np.arange(g.size), g] = True
    tp = (truth & p).sum(axis=0)
    support = truth.sum(axis=0)
    denom = support + p.sum(axis=0)  # 2TP + FP + FN = |gold c| + |predicted c|
    f1 = np.divide(2.0 * tp, denom, out=np.zeros(k), where=denom > 0)
    present = support > 0
    value = float(f1[present].mean()) if present.any() else None
    return MacroF1(value, tuple(float(x) for x in f1), tuple(int(x) for x in support), int(g.size))


def confusion_counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """(n_rows, n_cols) counts of (row, column) index pairs; pairs with a negative index are not counted.

    >>> confusion_counts(np.array([0, 0, 1, -1]), np.array([1, 1, 0, 0]), 2, 2).tolist()
    [[0, 2], [1, 0]]
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if rows.shape != cols.shape:
        raise ValueError("rows and cols must have the same length")
    keep = (rows >= 0) & (cols >= 0)
    if (rows[keep] >= n_rows).any() or (cols[keep] >= n_cols).any():
        raise ValueError("an index is outside the table")
    flat = np.bincount(rows[keep] * n_cols + cols[keep], minlength=n_rows * n_cols)
    return flat.reshape(n_rows, n_cols)
