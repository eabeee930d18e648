"""The task's corpus statistic over per-sample arrays -> a bootstrap confidence interval (issue 5).

The arrays are the scorer's (`unibench.scoring.Scored.arrays`), so intervals are computed at scoring time from
what was scored (runner hook, records kept or not), or later from a stored result's records (`unibench compare`),
which hold the same values; both give the same statistic:

* discrete (HIT): mean over wheels of the per-wheel hit rate; hit = -1 (a None in records) = not scored on w;
* open_vocab (EW-F): mean over wheels of F of the mean precision / recall; samples not scored on w are left out;
* sentiment (WAF): binary weighted F1 of (gold > 0) vs (polarity > 0) over samples with gold != 0.

Wheels with no scored sample on the full data are left out, as the scorer leaves them out of its mean.
Resampling is clustered (whole dialogues / sessions / source videos) whenever the corpus card names clusters.
Every checkpoint of a dataset scores the same samples, so one set of draws (same n, same clusters, same seed:
the draws each checkpoint's own bootstrap would make) serves them all, in one matrix product per block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from unibench.stats import (CI, VectorStatistic, bootstrap_cis, hit_rate_statistic, ov_f_statistic,
                            weighted_f1_statistic)

LEVEL = 0.95


@dataclass(frozen=True)
class TaskStatistic:
    """A vectorised statistic over the samples it scores, with the record ids (and their order) it uses."""

    statistic: VectorStatistic
    ids: list[str]


def statistic_from_arrays(task: str, arrays: dict) -> tuple[VectorStatistic, np.ndarray] | None:
    """The MER-UniBench main metric (as a fraction) over a scorer's arrays, and the indices of the samples it
    scores; None when nothing is scored."""
    if task == "discrete":
        hits = np.asarray(arrays["hit"])
        masks = hits >= 0
        keep = masks.any(axis=1)  # wheels the scorer's mean counts
        if not keep.any():
            return None
        return hit_rate_statistic(np.where(masks, hits, 0)[keep], masks[keep]), np.arange(hits.shape[1])
    if task == "open_vocab":
        masks = np.asarray(arrays["scored"], dtype=bool)
        keep = masks.any(axis=1)
        if not keep.any():
            return None
        p, r = (np.where(masks, arrays[k], 0.0)[keep] for k in ("p", "r"))
        return ov_f_statistic(p, r, masks[keep]), np.arange(masks.shape[1])
    if task == "sentiment":
        gold = np.asarray(arrays["gold"], dtype=np.float64)
        kept = np.flatnonzero(gold != 0)  # exact-zero gold is dropped, as in the metric
        if not len(kept):
            return None
        return weighted_f1_statistic(gold[kept] > 0, np.asarray(arrays["polarity"])[kept] > 0), kept
    raise ValueError(f"unknown task {task!r}")


def _arrays_from_records(task: str, records: list[dict]) -> dict:
    """The scorer's arrays, rebuilt from stored per-sample records (None = not scored)."""
    if task == "sentiment":
        return {"gold": [r["gold"] for r in records], "polarity": [r["polarity"] for r in records]}
    key = "hit" if task == "discrete" else "pr"
    wheels = list(records[0][key]) if records else []
    if task == "discrete":
        return {"hit": np.array([[-1 if r["hit"][w] is None else r["hit"][w] for r in records] for w in wheels],
                                dtype=np.int64).reshape(len(wheels), len(records))}
    pr = [[r["pr"][w] for r in records] for w in wheels]
    return {"p": np.array([[x[0] if x else 0.0 for x in row] for row in pr]).reshape(len(wheels), -1),
            "r": np.array([[x[1] if x else 0.0 for x in row] for row in pr]).reshape(len(wheels), -1),
            "scored": np.array([[x is not None for x in row] for row in pr], dtype=bool).reshape(len(wheels), -1)}


def task_statistic(task: str, records: list[dict]) -> TaskStatistic | None:
    """The main metric over stored records (what `compare` resamples); None when nothing is scored."""
    if not records:
        return None
    got = statistic_from_arrays(task, _arrays_from_records(task, records))
    if got is None:
        return None
    stat, kept = got
    return TaskStatistic(stat, [records[i]["id"] for i in kept])


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


def _entry(ci: CI | ValueError, labels: list[str] | None, n: int, n_resamples: int, seed: int,
           expected: float | None) -> dict:
    """The `ci` entry of a result: bounds in score points (x100), like the scores themselves. A statistic the
    data cannot support (e.g. a wheel with no scored sample in some resample) gives `{"error": ...}`: the score
    stands, only its interval is missing."""
    if isinstance(ci, ValueError):
        return {"error": str(ci)}
    if expected is not None and abs(ci.point * 100 - expected) > 1e-6:
        # the interval would describe another statistic than the reported score: a bug, never a silent CI
        raise RuntimeError(f"interval statistic {ci.point * 100} disagrees with the score {expected}")
    return {"low": ci.low * 100, "high": ci.high * 100, "level": LEVEL, "n_resamples": n_resamples, "seed": seed,
            "clustered": ci.clustered, "n_units": len(set(labels)) if labels is not None else n,
            "method": ci.method}


def interval(task: str, records: list[dict], clusters: dict[str, str | None] | None, *, n_resamples: int,
             seed: int, expected: float | None = None) -> dict:
    """The `ci` entry for one checkpoint's stored records. `clusters` maps sample id -> cluster id (None = own
    cluster); None means unclustered."""
    ts = task_statistic(task, records)
    if ts is None:
        return {"error": "no scored sample"}
    labels = None if clusters is None else [clusters.get(i) or f"\0{i}" for i in ts.ids]
    ci = bootstrap_cis([ts.statistic], len(ts.ids), clusters=labels, n_resamples=n_resamples, seed=seed,
                       alpha=1 - LEVEL)[0]
    return _entry(ci, labels, len(ts.ids), n_resamples, seed, expected)


def dataset_intervals(task: str, arrays: dict[str, dict], ids: Sequence[str],
                      clusters: Sequence[str | None] | None, *, n_resamples: int, seed: int,
                      expected: dict[str, float | None] | None = None) -> dict[str, dict]:
    """The `ci` entry of each checkpoint (name -> scorer arrays over the samples `ids`, in that order).

    `clusters` gives each sample's cluster id (None = its own cluster), or is None for a plain bootstrap.
    Checkpoints whose statistic scores the same samples (all of them, in practice) share one set of draws.
    """
    out: dict[str, dict] = {}
    groups: dict[bytes, list[tuple[str, VectorStatistic]]] = {}
    kept_of: dict[bytes, np.ndarray] = {}
    for name, arr in arrays.items():
        got = statistic_from_arrays(task, arr)
        if got is None:
            out[name] = {"error": "no scored sample"}
            continue
        stat, kept = got
        key = kept.tobytes()
        groups.setdefault(key, []).append((name, stat))
        kept_of[key] = kept
    for key, members in groups.items():
        kept = kept_of[key]
        labels = None if clusters is None else [clusters[i] or f"\0{ids[i]}" for i in kept]
        cis = bootstrap_cis([s for _, s in members], len(kept), clusters=labels, n_resamples=n_resamples,
                            seed=seed, alpha=1 - LEVEL)
        for (name, _), ci in zip(members, cis):
            out[name] = _entry(ci, labels, len(kept), n_resamples, seed, (expected or {}).get(name))
    return {name: out[name] for name in arrays}


def checkpoint_intervals(card, corpus, scored: dict, expected: dict[str, float | None], n_resamples: int,
                         seed: int) -> dict[str, dict]:
    """Runner hook: the `ci` of each kept checkpoint (name -> its score in `expected`) from the scorer's arrays
    (`scored`: checkpoint name -> Scored), so --no-records still gets intervals."""
    clusters = [g.cluster for g in corpus.gold] if getattr(card, "cluster_pattern", None) else None
    return dataset_intervals(card.task, {name: scored[name].arrays for name in expected}, [g.id for g in corpus.gold],
                             clusters, n_resamples=n_resamples, seed=seed, expected=expected)
