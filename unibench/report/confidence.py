"""Which samples a model got wrong, and how committed each wrong answer was (the report's "most confident errors").

* A structured prediction carries its own confidence (stored in the record as `confidence`): the highest class
  probability (softmax first when the scores are logits) or the absolute valence.
* Free text has none, so the ranking uses how committed the wrong answer is: for basic and open-vocabulary sets the
  fewest emotion words extracted first (one wrong emotion stated outright before a hedge of five), then the most
  wheels missed; for sentiment sets an explicit wrong polarity before neutral or unreadable, then the clearest gold
  (largest |valence|) first. Ties keep the sample-id order.

A basic or open-vocabulary sample is an error when it misses on every wheel that scores it; a sentiment sample when
its gold is non-zero and the predicted polarity is not the gold's (neutral counts as negative, as in the metric).
"""

from __future__ import annotations

import math

from unibench.textlists import normalise_words


def response_confidence(response) -> float | None:
    """Confidence of a structured response (None for free text or a failed call)."""
    if response is None or response.error is not None:
        return None
    if response.probs:
        vals = [float(v) for v in response.probs.values()]
        if all(v >= 0 for v in vals) and sum(vals) > 0:
            return max(vals) / sum(vals)
        top = max(vals)
        return 1.0 / sum(math.exp(v - top) for v in vals)  # softmax of the maximum
    if response.valence is not None:
        return abs(float(response.valence))
    return None


def _scored(values: dict) -> list:
    return [v for v in values.values() if v is not None]


def is_error(task: str, rec: dict) -> bool:
    if task == "discrete":
        got = _scored(rec.get("hit") or {})
        return bool(got) and all(v == 0 for v in got)
    if task == "open_vocab":
        got = _scored(rec.get("pr") or {})
        return bool(got) and all(pr[1] == 0 for pr in got)
    gold = rec.get("gold") or 0
    return gold != 0 and (rec.get("polarity", 0) > 0) != (gold > 0)


def _rank_key(task: str, rec: dict) -> tuple:
    conf = rec.get("confidence")
    stored = -float(conf) if isinstance(conf, (int, float)) else 0.0
    if task == "sentiment":
        explicit = 0 if rec.get("sentiment") in ("positive", "negative") else 1
        return (stored, explicit, -abs(rec.get("gold") or 0))
    n_words = len(normalise_words(rec.get("pred") or ""))
    missed = len(_scored(rec.get("hit") or rec.get("pr") or {}))
    return (stored, n_words == 0, n_words, -missed)


def confident_errors(task: str, records: list[dict], n: int) -> tuple[list[dict], int]:
    """The `n` most confident errors (records, best first) and how many errors there are in all."""
    errors = [r for r in records if is_error(task, r)]
    ranked = sorted(errors, key=lambda r: _rank_key(task, r))  # stable: ties keep the record order
    return ranked[:n], len(errors)
