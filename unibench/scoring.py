"""Score one checkpoint's extractions against a corpus: the MER-UniBench metric of each task kind.

Gold labels and extracted label strings become cluster sets through the lexicon (upstream normalisation:
string_to_list, then lower().strip() per word; each string is split once, for both levels); the pure metrics do
the arithmetic. Each scorer returns the score
entry and per-sample arrays; `records()` turns those into per-sample rows (what each sample contributed) only for
the checkpoints that are kept, so intervals and audits need no re-run. Basic sets also carry the non-official
macro F1 (`secondary.macro_f1`) and, like sentiment sets, a `confusion` table (unibench.class_scores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from unibench.class_scores import discrete_views, sentiment_confusion
from unibench.metrics import fmean
from unibench.metrics.sentiment import binary_sentiment, polarity
from unibench.metrics.wheel import hit_rate_counts, per_sample_pr, set_prf_counts
from unibench.schema import Extraction, GoldLabel
from unibench.textlists import normalise_words

STANDARD_SENTIMENT = ("positive", "negative", "neutral")


@dataclass
class Scored:
    score: dict
    arrays: dict = field(default_factory=dict)  # per-sample values, (wheels, n) arrays or (n,) for sentiment
    n_labels: list[int] | None = None  # each sample's extracted label count, when the scorer split them


def _counts(segments: tuple[np.ndarray, np.ndarray]) -> list[int]:
    ids, starts = segments
    return (np.diff(np.append(starts, len(ids))) - 1).tolist()  # less each sample's leading row 0


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100.0


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return fmean(vals) if vals else None


def gold_words(samples: Sequence[GoldLabel]):
    """Each sample's gold as normalised words, lazily: the open-vocabulary words split at loading (only
    lower().strip() here), a basic label through the scorer's normalisation (memoised: a corpus has a handful)."""
    memo: dict[str, list[str]] = {}
    for s in samples:
        g = s.gold
        if isinstance(g, str):
            words = memo.get(g)
            if words is None:
                words = memo[g] = normalise_words(g)
            yield words
        else:
            yield [w.lower().strip() for w in g]


def gold_segments(enc, samples: Sequence[GoldLabel]):
    """The encoder segments of every sample's gold: basic labels as label strings (memoised), open-vocabulary
    gold as the words split at loading."""
    def make():
        if all(isinstance(s.gold, str) for s in samples):
            return enc.label_segments(s.gold for s in samples)  # type: ignore[misc]  # all strings, checked
        return enc.segments(gold_words(samples))

    return enc.per_gold(samples, "segments", make)


def pred_labels(samples: Sequence[GoldLabel], ext: dict[str, Extraction]) -> list[str]:
    return [ext[s.id].labels for s in samples]


def pred_segments(enc, labels: list[str]):
    """The encoder segments of each sample's extracted label string (upstream string_to_list +
    lower().strip()), every distinct string split once."""
    return enc.label_segments(labels)


def _gold_strings(enc, samples: Sequence[GoldLabel]) -> list[str]:
    # open-vocabulary gold is stored upstream as a comma-joined string; a basic label is its own string
    return enc.per_gold(samples, "strings", lambda: [s.gold if isinstance(s.gold, str) else ", ".join(s.gold)
                                                    for s in samples])


def prepare(lexicon, task: str, samples: Sequence[GoldLabel], exts: list[dict[str, Extraction]]) -> None:
    """Hand a lexicon that batches its lookups (`prepare` overridden: the native lexicon's embeddings) every word
    of these checkpoints at once, before any of them is scored; other lexicons skip the extra split."""
    from unibench.lexicon.base import Lexicon

    if task == "sentiment" or type(lexicon).prepare is Lexicon.prepare:
        return
    enc = lexicon.encoder()
    gold_segments(enc, samples)
    for ext in exts:  # tolerant of a missing id: the scorer's id check reports it
        enc.label_segments(ext[s.id].labels for s in samples if s.id in ext)
    enc.prepare()


def score_discrete(samples: Sequence[GoldLabel], ext: dict[str, Extraction], lexicon) -> Scored:
    enc = lexicon.encoder()
    pred = pred_labels(samples, ext)
    segments = gold_segments(enc, samples), pred_segments(enc, pred)
    inter, n_gold, _ = enc.counts(*segments, "level1")
    per_wheel = {}
    for i, wheel in enumerate(lexicon.wheels):
        h = hit_rate_counts(inter[:, i], n_gold[:, i])
        per_wheel[wheel] = {"score": _pct(h.value), "n": h.n}
    hits = np.where(n_gold > 0, inter, -1).T  # (wheels, n); -1 = not scored on that wheel
    f1, confusion = discrete_views(_gold_strings(enc, samples), pred, lexicon, segments)
    score = {"metric": "hit", "score": _mean(v["score"] for v in per_wheel.values()),
             "n": int((n_gold > 0).any(axis=1).sum()), "n_total": len(samples), "per_wheel": per_wheel,
             "secondary": f1, "confusion": confusion}
    return Scored(score, {"hit": hits}, _counts(segments[1]))


def score_open_vocab(samples: Sequence[GoldLabel], ext: dict[str, Extraction], lexicon) -> Scored:
    enc = lexicon.encoder()
    gold, pred = gold_segments(enc, samples), pred_segments(enc, pred_labels(samples, ext))  # once, both levels
    levels, arrays = {}, {}
    for level in lexicon.levels:
        inter, n_gold, n_pred = enc.counts(gold, pred, level)
        per_wheel = {}
        for i, wheel in enumerate(lexicon.wheels):
            m = set_prf_counts(inter[:, i], n_gold[:, i], n_pred[:, i])
            per_wheel[wheel] = {"f": _pct(m.f), "p": _pct(m.precision), "r": _pct(m.recall), "n": m.n}
        levels[level] = per_wheel
        if level == "level1":
            arrays["p"], arrays["r"] = (a.T for a in per_sample_pr(inter, n_gold, n_pred))
            arrays["scored"] = (n_gold > 0).T
    l1 = levels["level1"]
    secondary = {"ew_p": _mean(v["p"] for v in l1.values()), "ew_r": _mean(v["r"] for v in l1.values())}
    if "level2" in levels:
        l2 = levels["level2"]
        secondary.update({"ew_f_l2": _mean(v["f"] for v in l2.values()), "ew_p_l2": _mean(v["p"] for v in l2.values()),
                          "ew_r_l2": _mean(v["r"] for v in l2.values())})
    score = {"metric": "ew_f", "score": _mean(v["f"] for v in l1.values()),
             "n": int(arrays["scored"].any(axis=0).sum()), "n_total": len(samples), "per_wheel": l1,
             "secondary": secondary, **({"per_wheel_level2": levels["level2"]} if "level2" in levels else {})}
    return Scored(score, arrays, _counts(pred))


def score_sentiment(samples: Sequence[GoldLabel], ext: dict[str, Extraction], lexicon=None) -> Scored:
    words = [ext[s.id].sentiment or "" for s in samples]
    pol = np.array([polarity(w) for w in words], dtype=np.int8)
    m = binary_sentiment([s.gold for s in samples], pol)
    nonstandard = sum(1 for s, w in zip(samples, words) if s.gold != 0 and w not in STANDARD_SENTIMENT)
    score = {"metric": "waf", "score": _pct(m.waf), "n": m.n, "n_total": len(samples), "per_wheel": {},
             "secondary": {"acc": _pct(m.acc), "n_zero_gold_dropped": m.n_zero_gold,
                           "n_nonstandard_sentiment": nonstandard},
             "confusion": sentiment_confusion([s.gold for s in samples], words)}
    return Scored(score, {"polarity": pol, "gold": np.array([s.gold for s in samples], dtype=np.float64)})


SCORERS = {"discrete": score_discrete, "sentiment": score_sentiment, "open_vocab": score_open_vocab}


def score_task(task: str, samples: Sequence[GoldLabel], ext: dict[str, Extraction], lexicon) -> Scored:
    return SCORERS[task](samples, ext, lexicon)


def columns(task: str, samples: Sequence[GoldLabel], ext: dict[str, Extraction], scored: Scored, wheels) -> dict:
    """Per-sample columns (unibench.store.SampleColumns): id, gold, the extracted labels (and sentiment word), and
    what each sample contributed to each wheel (None: not scored on that wheel), built from the scorer's arrays in
    whole lists, not sample by sample."""
    a = scored.arrays
    es = [ext[s.id] for s in samples]
    cols: dict = {"id": [s.id for s in samples],
                  "gold": [list(s.gold) if task == "open_vocab" else s.gold for s in samples],
                  "pred": [e.labels for e in es]}
    wheels = list(wheels)
    if task == "discrete":
        cols["hit"] = {w: [None if h < 0 else h for h in row] for w, row in zip(wheels, a["hit"].tolist())}
    elif task == "open_vocab":
        cols["pr"] = {}
        for w, p, r, ok in zip(wheels, a["p"], a["r"], a["scored"]):
            ps, rs = p.tolist(), r.tolist()
            for i in np.flatnonzero(~ok).tolist():
                ps[i] = rs[i] = None  # not scored on this wheel
            cols["pr"][w] = [ps, rs]  # a precision and a recall column, not a pair per sample
    else:
        cols["polarity"] = a["polarity"].tolist()
    sentiment = [e.sentiment for e in es]
    if any(v is not None for v in sentiment):
        cols["sentiment"] = sentiment
    cluster = [s.cluster for s in samples]
    if any(v is not None for v in cluster):
        cols["cluster"] = cluster
    return cols


def records(task: str, samples: Sequence[GoldLabel], ext: dict[str, Extraction], scored: Scored, wheels) -> list[dict]:
    """The same as rows: one dict per sample (id, gold, pred, hit / pr / polarity, ...)."""
    from unibench.store import SampleColumns

    rows = list(SampleColumns("", len(samples), columns(task, samples, ext, scored, wheels)).rows())
    for r in rows:
        del r["checkpoint"]
    return rows
