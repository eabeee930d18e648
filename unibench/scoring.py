"""Score one checkpoint's extractions against a corpus: the MER-UniBench metric of each task kind.

Turns gold labels and extracted label strings into cluster sets through the lexicon (upstream normalisation:
string_to_list, then lower().strip() per word), calls the pure metrics, and keeps per-sample records (what each
sample contributed) so intervals and audits can be computed later without re-running anything.
"""

from __future__ import annotations

from statistics import fmean

from unibench.metrics.sentiment import binary_sentiment, polarity
from unibench.metrics.wheel import hit_rate, set_prf
from unibench.schema import Extraction, Sample

MAIN_METRIC = {"discrete": "hit", "sentiment": "waf", "open_vocab": "ew_f"}
STANDARD_SENTIMENT = ("positive", "negative", "neutral")


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100.0


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return fmean(vals) if vals else None


def _sets(lexicon, label_strings, level):
    """Per wheel, the list of per-sample cluster sets."""
    per_sample = [lexicon.clusters_of(s, level) for s in label_strings]
    return {w: [c[w] for c in per_sample] for w in lexicon.wheels}


def score_discrete(samples: list[Sample], ext: dict[str, Extraction], lexicon) -> tuple[dict, list[dict]]:
    gold_words = [s.gold for s in samples]
    pred_words = [ext[s.id].labels for s in samples]
    per_wheel, hits = {}, {}
    gold_sets, pred_sets = _sets(lexicon, gold_words, "level1"), _sets(lexicon, pred_words, "level1")
    for wheel in lexicon.wheels:
        g, p = gold_sets[wheel], pred_sets[wheel]
        h = hit_rate(g, p)
        per_wheel[wheel] = {"score": _pct(h.value), "n": h.n}
        hits[wheel] = [len(gi & pi) if gi else None for gi, pi in zip(g, p)]
    records = [{"id": s.id, "gold": s.gold, "pred": ext[s.id].labels,
                "hit": {w: hits[w][i] for w in lexicon.wheels}} for i, s in enumerate(samples)]
    n_any = sum(1 for r in records if any(v is not None for v in r["hit"].values()))
    score = {"metric": "hit", "score": _mean(v["score"] for v in per_wheel.values()), "n": n_any,
             "n_total": len(samples), "per_wheel": per_wheel, "secondary": {}}
    return score, records


def score_open_vocab(samples: list[Sample], ext: dict[str, Extraction], lexicon) -> tuple[dict, list[dict]]:
    gold_words = [", ".join(s.gold) for s in samples]  # as upstream stores OV gold: a comma-joined string
    pred_words = [ext[s.id].labels for s in samples]
    levels: dict[str, dict] = {}
    per_sample: dict[str, list] = {}
    for level in lexicon.levels:
        per_wheel = {}
        gold_sets, pred_sets = _sets(lexicon, gold_words, level), _sets(lexicon, pred_words, level)
        for wheel in lexicon.wheels:
            g, p = gold_sets[wheel], pred_sets[wheel]
            m = set_prf(g, p)
            per_wheel[wheel] = {"f": _pct(m.f), "p": _pct(m.precision), "r": _pct(m.recall), "n": m.n}
            if level == "level1":
                per_sample[wheel] = [None if not gi else ((len(gi & pi) / len(pi), len(gi & pi) / len(gi)) if pi
                                                          else (0.0, 0.0)) for gi, pi in zip(g, p)]
        levels[level] = per_wheel
    l1 = levels["level1"]
    secondary = {"ew_p": _mean(v["p"] for v in l1.values()), "ew_r": _mean(v["r"] for v in l1.values())}
    if "level2" in levels:
        l2 = levels["level2"]
        secondary.update({"ew_f_l2": _mean(v["f"] for v in l2.values()), "ew_p_l2": _mean(v["p"] for v in l2.values()),
                          "ew_r_l2": _mean(v["r"] for v in l2.values())})
    records = [{"id": s.id, "gold": list(s.gold), "pred": ext[s.id].labels,
                "pr": {w: per_sample[w][i] for w in lexicon.wheels}} for i, s in enumerate(samples)]
    n_any = sum(1 for r in records if any(v is not None for v in r["pr"].values()))
    score = {"metric": "ew_f", "score": _mean(v["f"] for v in l1.values()), "n": n_any, "n_total": len(samples),
             "per_wheel": l1, "secondary": secondary,
             **({"per_wheel_level2": levels["level2"]} if "level2" in levels else {})}
    return score, records


def score_sentiment(samples: list[Sample], ext: dict[str, Extraction], lexicon=None) -> tuple[dict, list[dict]]:
    words = [ext[s.id].sentiment or "" for s in samples]
    pol = [polarity(w) for w in words]
    m = binary_sentiment([s.gold for s in samples], pol)
    nonstandard = sum(1 for s, w in zip(samples, words) if s.gold != 0 and w not in STANDARD_SENTIMENT)
    records = [{"id": s.id, "gold": s.gold, "pred": ext[s.id].labels, "sentiment": w, "polarity": p}
               for s, w, p in zip(samples, words, pol)]
    score = {"metric": "waf", "score": _pct(m.waf), "n": m.n, "n_total": len(samples), "per_wheel": {},
             "secondary": {"acc": _pct(m.acc), "n_zero_gold_dropped": m.n_zero_gold,
                           "n_nonstandard_sentiment": nonstandard}}
    return score, records


SCORERS = {"discrete": score_discrete, "sentiment": score_sentiment, "open_vocab": score_open_vocab}


def score_task(task: str, samples: list[Sample], ext: dict[str, Extraction], lexicon) -> tuple[dict, list[dict]]:
    return SCORERS[task](samples, ext, lexicon)
