"""MERBench's classifier metrics beside the MER-UniBench metric, for structured predictions.

Basic-emotion sets: ACC and weighted F1 of the predicted class (a label, or the argmax of class scores) against the
gold label over the card's label space (MERBench `calculate_results`: argmax, accuracy_score, f1_score weighted).
Sentiment sets: MERBench's binary Non0 ACC-2 and WAF on the sign of the prediction, which is already the main metric;
stored under the same keys so every classifier result carries `secondary.merbench_acc` / `merbench_waf`.
Nothing is added for free text, lists of labels, failed samples, or open-vocabulary sets: MERBench has no
number for them.
"""

from __future__ import annotations

from unibench.extract.given import class_label, sentiment_word
from unibench.metrics.classify import accuracy, weighted_f1
from unibench.metrics.sentiment import binary_sentiment, polarity


def merbench_secondary(card, samples, responses: dict | None) -> dict:
    if not responses or card.task not in ("discrete", "sentiment"):
        return {}
    rs = []
    for s in samples:  # every sample must hold a structured prediction; free text stops at the first
        r = responses.get(s.id)
        if r is None or r.error is not None or not r.structured:
            return {}
        rs.append(r)
    if not rs:
        return {}
    if card.task == "discrete":
        pred = [class_label(r) for r in rs]
        if any(p is None for p in pred):  # lists of labels are not a single class
            return {}
        gold = [s.gold for s in samples]
        labels = list(card.label_space) or None  # explicit label set; same value as sklearn's sorted union
        return {"merbench_acc": 100.0 * accuracy(gold, pred),
                "merbench_waf": 100.0 * weighted_f1(gold, pred, labels=labels), "merbench_n": len(gold)}
    words = [w for r in rs if (w := sentiment_word(r)) is not None]
    if len(words) != len(rs):
        return {}
    m = binary_sentiment([s.gold for s in samples], [polarity(w) for w in words])
    if m.waf is None or m.acc is None:
        return {}
    return {"merbench_acc": 100.0 * m.acc, "merbench_waf": 100.0 * m.waf, "merbench_n": m.n}
