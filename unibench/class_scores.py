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

import numpy as np

from unibench.metrics import fmean
from unibench.metrics.class_f1 import confusion_counts, macro_f1_sets

LEVEL = "level1"
NONE = "(none)"
OTHER = "(other)"
SENTIMENT_COLUMNS = ("positive", "negative", "neutral", OTHER)


def discrete_views(gold: list[str], pred: list[str], lexicon, segments=None) -> tuple[dict, dict]:
    """(secondary values, confusion) of a basic set: `gold` the class string per sample, `pred` the extracted
    label-list string per sample (`segments`: their encoder segments when the scorer has them already, so no
    string is split twice). Secondary: `macro_f1` (x100, mean over the wheels that score a sample) and
    `macro_f1_per_wheel`. Array arithmetic over the encoder's words: nothing per sample in Python."""
    enc = lexicon.encoder()
    if segments is None:
        segments = (enc.label_segments(gold), enc.label_segments(pred))
    (g_ids, g_starts), (p_ids, p_starts) = segments
    lv = enc.level(LEVEL)
    g_mask, p_mask = lv.masks(segments[0]), lv.masks(segments[1])  # (n, wheels, lanes)
    bits = lv.bit_array()  # (rows, wheels): each word's cluster bit, -1 none
    n = len(gold)
    # each answer word's sample, and its position (segments keep the answer's word order)
    owner = np.repeat(np.arange(n), np.diff(np.append(p_starts, len(p_ids))))
    pos = np.arange(len(p_ids))
    far = len(p_ids)
    codes, strings, first = enc.per_gold(gold, "codes", lambda: _codes(gold))
    per_wheel, tables = {}, {}
    for w, wheel in enumerate(lexicon.wheels):
        reaching = np.flatnonzero((g_mask[first, w] != 0).any(axis=1))  # codes whose gold reaches a cluster here
        if not len(reaching):
            continue
        order = sorted(reaching.tolist(), key=strings.__getitem__)
        classes = [strings[k] for k in order]
        names = {b: c for c, b in lv.bits[w].items()}
        remap = np.full(len(strings), -1, dtype=np.int64)
        remap[order] = np.arange(len(order))
        gi = remap[codes]
        class_mask = g_mask[first[order], w]  # (classes, lanes): each class's clusters
        predicted = ((p_mask[:, w, None, :] & class_mask[None]) != 0).any(axis=2)
        per_wheel[wheel] = macro_f1_sets(gi, predicted).value
        b = bits[p_ids, w]
        valid = b >= 0
        bb = np.where(valid, b, 0)
        in_gold = valid & ((g_mask[owner, w, bb // 64] >> (bb % 64).astype(np.uint64)) & np.uint64(1)).astype(bool)
        first_hit = np.minimum.reduceat(np.where(in_gold, pos, far), p_starts)
        first_any = np.minimum.reduceat(np.where(valid, pos, far), p_starts)
        at = np.where(first_hit < far, first_hit, first_any)
        chosen = np.where(at < far, b[np.minimum(at, far - 1)] if far else -1, -1)  # a cluster bit, -1: none
        reached = np.flatnonzero(np.bitwise_or.reduce(np.concatenate([class_mask, p_mask[:, w]]), axis=0)
                                 [:, None] >> np.arange(64, dtype=np.uint64) & np.uint64(1))
        columns = sorted(names[int(k)] for k in reached) + [NONE]
        col = {c: j for j, c in enumerate(columns)}
        bit_col = np.full(max(names, default=0) + 2, col[NONE], dtype=np.int64)  # bit -> column; [-1] -> none
        for k in reached.tolist():  # bits of clusters no sample here reaches are never chosen
            bit_col[k] = col[names[k]]
        cj = np.where(gi >= 0, bit_col[chosen], -1)
        counts = confusion_counts(gi, cj, len(classes), len(columns))
        row_clusters = {c: sorted(names[int(k)] for k in np.flatnonzero(
            class_mask[i][:, None] >> np.arange(64, dtype=np.uint64) & np.uint64(1))) for i, c in enumerate(classes)}
        tables[wheel] = {"rows": classes, "row_clusters": row_clusters, "columns": columns,
                         "counts": counts.tolist()}
    values = [v for v in per_wheel.values() if v is not None]
    secondary = {"macro_f1": fmean(values) * 100 if values else None,
                 "macro_f1_per_wheel": {w: (None if v is None else v * 100) for w, v in per_wheel.items()}}
    return secondary, {"kind": "gold class x predicted cluster", "level": LEVEL, "wheels": tables}


def _codes(gold: list[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Each sample's gold class as a code, the class strings by code, and a sample of each code (all of a code's
    samples reach the same clusters)."""
    code_of: dict[str, int] = {}
    codes = np.array([code_of.setdefault(g, len(code_of)) for g in gold], dtype=np.int64)
    return codes, list(code_of), np.unique(codes, return_index=True)[1]


def sentiment_confusion(gold: list[float], words: list[str]) -> dict:
    """Gold polarity (non-zero gold only) x extracted sentiment word."""
    rows = ["positive", "negative"]
    ri = np.array([0 if g > 0 else 1 if g < 0 else -1 for g in gold], dtype=np.int64)
    col = {c: j for j, c in enumerate(SENTIMENT_COLUMNS)}
    cj = np.array([col.get(w, col[OTHER]) for w in words], dtype=np.int64)
    counts = confusion_counts(ri, cj, len(rows), len(SENTIMENT_COLUMNS))
    return {"kind": "gold polarity x predicted sentiment", "rows": rows, "columns": list(SENTIMENT_COLUMNS),
            "counts": counts.tolist()}
