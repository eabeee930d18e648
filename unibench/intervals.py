"""Per-sample records -> the task's corpus statistic -> a bootstrap confidence interval (issue 5).

The records are exactly what `unibench.scoring` stores, so an interval can be computed at scoring time (runner
hook) or later from a stored result file (`unibench compare`), and both give the same statistic:

* discrete (HIT): mean over wheels of the per-wheel hit rate; a sample with `hit[w] is None` is not scored on w;
* open_vocab (EW-F): mean over wheels of F of the mean precision / recall; `pr[w] is None` = not scored on w;
* sentiment (WAF): binary weighted F1 of (gold > 0) vs (polarity > 0) over samples with gold != 0.

Wheels with no scored sample on the full data are left out, as the scorer leaves them out of its mean.
Resampling is clustered (whole dialogues / sessions / source videos) whenever the corpus card names clusters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from unibench.stats import (VectorStatistic, bootstrap_ci, hit_rate_statistic, ov_f_statistic,
                            weighted_f1_statistic)

LEVEL = 0.95


@dataclass(frozen=True)
class TaskStatistic:
    """A vectorised statistic over the samples it scores, with the record ids (and their order) it uses."""

    statistic: VectorStatistic
    ids: list[str]


def _wheels(records: list[dict], key: str) -> list[str]:
    """Wheels in stored order that score at least one sample (the scorer's mean skips the others)."""
    if not records:
        return []
    return [w for w in records[0][key] if any(r[key].get(w) is not None for r in records)]


def task_statistic(task: str, records: list[dict]) -> TaskStatistic | None:
    """The MER-UniBench main metric (as a fraction) over `records`; None when nothing is scored."""
    if task == "discrete":
        wheels = _wheels(records, "hit")
        if not wheels:
            return None
        hits = np.array([[r["hit"][w] or 0 for r in records] for w in wheels], dtype=np.float64)
        masks = np.array([[r["hit"][w] is not None for r in records] for w in wheels])
        return TaskStatistic(hit_rate_statistic(hits, masks), [r["id"] for r in records])
    if task == "open_vocab":
        wheels = _wheels(records, "pr")
        if not wheels:
            return None
        pr = [[r["pr"][w] or (0.0, 0.0) for r in records] for w in wheels]
        p = np.array([[x[0] for x in row] for row in pr], dtype=np.float64)
        rr = np.array([[x[1] for x in row] for row in pr], dtype=np.float64)
        masks = np.array([[r["pr"][w] is not None for r in records] for w in wheels])
        return TaskStatistic(ov_f_statistic(p, rr, masks), [r["id"] for r in records])
    if task == "sentiment":
        kept = [r for r in records if r["gold"] != 0]  # exact-zero gold is dropped, as in the metric
        if not kept:
            return None
        y = np.array([r["gold"] > 0 for r in kept])
        yhat = np.array([r["polarity"] > 0 for r in kept])
        return TaskStatistic(weighted_f1_statistic(y, yhat), [r["id"] for r in kept])
    raise ValueError(f"unknown task {task!r}")


def cluster_labels(pattern: str | None, ids: Sequence[str]) -> list[str] | None:
    """One cluster id per sample from the card's `cluster_pattern` (group 1); unmatched ids are their own
    cluster. None when the card names no clusters (plain sample bootstrap)."""
    if not pattern:
        return None
    rx = re.compile(pattern)
    out = []
    for i in ids:
        m = rx.match(i)
        out.append(m.group(1) if m else f"\0{i}")  # \0 keeps a singleton apart from any real cluster id
    return out


def interval(task: str, records: list[dict], clusters: dict[str, str | None] | None, *, n_resamples: int,
             seed: int, expected: float | None = None) -> dict:
    """The `ci` entry of a result: bounds in score points (x100), like the scores themselves.

    `clusters` maps sample id -> cluster id (None = own cluster); None means unclustered. A statistic that the
    data cannot support (e.g. a wheel with no scored sample in some resample) gives `{"error": ...}` rather than
    failing the run: the score stands, only its interval is missing.
    """
    ts = task_statistic(task, records)
    if ts is None:
        return {"error": "no scored sample"}
    labels = None
    if clusters is not None:
        labels = [clusters.get(i) or f"\0{i}" for i in ts.ids]
    try:
        ci = bootstrap_ci(ts.statistic, len(ts.ids), clusters=labels, n_resamples=n_resamples, seed=seed,
                          alpha=1 - LEVEL)
    except ValueError as err:
        return {"error": str(err)}
    if expected is not None and abs(ci.point * 100 - expected) > 1e-6:
        # the interval would describe another statistic than the reported score: a bug, never a silent CI
        raise RuntimeError(f"interval statistic {ci.point * 100} disagrees with the score {expected}")
    return {"low": ci.low * 100, "high": ci.high * 100, "level": LEVEL, "n_resamples": n_resamples, "seed": seed,
            "clustered": ci.clustered, "n_units": len(set(labels)) if labels is not None else len(ts.ids),
            "method": ci.method}


def dataset_interval(card, corpus, rows: list[dict], expected: float, n_resamples: int, seed: int) -> dict:
    """The `ci` of one kept checkpoint's score, from its per-sample rows (clustered when the card names clusters)."""
    clusters = {g.id: g.cluster for g in corpus.gold} if getattr(card, "cluster_pattern", None) else None
    return interval(card.task, rows, clusters, n_resamples=n_resamples, seed=seed, expected=expected)
