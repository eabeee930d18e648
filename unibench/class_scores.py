"""Per-class views stored beside the official scores (issue 12): non-official macro F1 via the wheel clusters and
the confusion tables the run report shows. The arithmetic is in `unibench.metrics.class_f1`; this module maps
label strings to clusters through the run's lexicon.

Confusion of a basic set, per wheel at level 1: one row per gold class, one column per cluster, and every scored
sample (gold reaching a cluster on that wheel) counted once: in its gold cluster's column when its answer reaches
that cluster (a hit), else in the column of the first cluster its answer reaches (in the answer's word order),
else in `(none)`. The diagonal over a row is that class's hit rate (its recall), so the counts of a wheel sum to
the samples that wheel scores.

Confusion of a sentiment set: gold polarity (exact-zero gold dropped, as the metric drops it) x the extracted
sentiment word (positive / negative / neutral / `(other)` for anything else, empty included).
"""

from __future__ import annotations

from statistics import fmean

import numpy as np

from unibench.metrics.class_f1 import confusion_counts, macro_f1_sets
from unibench.textlists import normalise_words

LEVEL = "level1"
NONE = "(none)"
OTHER = "(other)"
SENTIMENT_COLUMNS = ("positive", "negative", "neutral", OTHER)


def _ordered_clusters(lexicon, wheel: str, labels: str, memo: dict) -> tuple[str, ...]:
    key = (wheel, labels)
    got = memo.get(key)
    if got is None:
        words = memo.get(labels)  # each label string is split once, whatever the wheel
        if words is None:
            words = memo[labels] = normalise_words(labels)
        seen: dict[str, None] = {}
        for w in words:
            c = lexicon.map_word(w, wheel, LEVEL)
            if c is not None:
                seen.setdefault(c)
        got = memo[key] = tuple(seen)
    return got


def discrete_views(gold: list[str], pred: list[str], lexicon) -> tuple[dict, dict]:
    """(secondary values, confusion) of a basic set: `gold` the class string per sample, `pred` the extracted
    label-list string per sample. Secondary: `macro_f1` (x100, mean over the wheels that score a sample) and
    `macro_f1_per_wheel`."""
    memo: dict = {}
    per_wheel, tables = {}, {}
    for wheel in lexicon.wheels:
        classes = sorted({g for g in gold if _ordered_clusters(lexicon, wheel, g, memo)})
        if not classes:
            continue
        index = {c: i for i, c in enumerate(classes)}
        gold_sets = [frozenset(_ordered_clusters(lexicon, wheel, c, memo)) for c in classes]
        of = {p: _ordered_clusters(lexicon, wheel, p, memo) for p in set(pred)}  # answers repeat: once each
        answers = [of[p] for p in pred]
        gi = np.array([index.get(g, -1) for g in gold], dtype=np.int64)
        rows: dict[tuple, list[bool]] = {}  # answers repeat: one row per distinct answer
        predicted = np.array([rows[a] if a in rows else rows.setdefault(a, [not gs.isdisjoint(a) for gs in gold_sets])
                              for a in answers], dtype=bool)
        per_wheel[wheel] = macro_f1_sets(gi, predicted.reshape(len(gold), len(classes))).value
        columns = sorted(set().union(*gold_sets, *(set(a) for a in answers))) + [NONE]
        col = {c: j for j, c in enumerate(columns)}
        cj = []
        for g, a in zip(gi, answers):
            if g < 0:
                cj.append(-1)
                continue
            hit = next((c for c in a if c in gold_sets[g]), None)
            cj.append(col[hit if hit is not None else (a[0] if a else NONE)])
        counts = confusion_counts(gi, np.array(cj, dtype=np.int64), len(classes), len(columns))
        tables[wheel] = {"rows": classes, "row_clusters": {c: sorted(s) for c, s in zip(classes, gold_sets)},
                         "columns": columns, "counts": counts.tolist()}
    values = [v for v in per_wheel.values() if v is not None]
    secondary = {"macro_f1": fmean(values) * 100 if values else None,
                 "macro_f1_per_wheel": {w: (None if v is None else v * 100) for w, v in per_wheel.items()}}
    return secondary, {"kind": "gold class x predicted cluster", "level": LEVEL, "wheels": tables}


def sentiment_confusion(gold: list[float], words: list[str]) -> dict:
    """Gold polarity (non-zero gold only) x extracted sentiment word."""
    rows = ["positive", "negative"]
    ri = np.array([0 if g > 0 else 1 if g < 0 else -1 for g in gold], dtype=np.int64)
    col = {c: j for j, c in enumerate(SENTIMENT_COLUMNS)}
    cj = np.array([col.get(w, col[OTHER]) for w in words], dtype=np.int64)
    counts = confusion_counts(ri, cj, len(rows), len(SENTIMENT_COLUMNS))
    return {"kind": "gold polarity x predicted sentiment", "rows": rows, "columns": list(SENTIMENT_COLUMNS),
            "counts": counts.tolist()}
