"""The `given` extractor: structured predictions (a label, a list of labels, class scores, a valence) become
Extractions directly, without any LLM, so classifier outputs are scored by the same metrics as MLLM text.

label -> "[label]"; labels -> "[a, b]"; probs -> "[argmax]" (first of equal maxima, in the order given);
valence -> sentiment word by sign (positive / negative, neutral at exactly 0). On sentiment sets a label or argmax
that is a polarity word is the sentiment word.
"""

from __future__ import annotations

from typing import Mapping

from unibench.errors import UserError
from unibench.extract.base import Extractor, label_string
from unibench.schema import Extraction, Response

SENTIMENT_WORDS = ("positive", "negative", "neutral")


def argmax_label(probs) -> str:
    best, best_p = None, None
    for label, p in probs.items():  # strict '>' keeps the first of equal maxima, like numpy.argmax
        if best_p is None or p > best_p:
            best, best_p = label, p
    return str(best)


def class_label(r: Response) -> str | None:
    """The single class a structured response predicts (a label or the argmax of its scores), else None."""
    if r.label is not None:
        return r.label
    if r.probs:
        return argmax_label(r.probs)
    return None


def sentiment_word(r: Response) -> str | None:
    if r.valence is not None:
        return "positive" if r.valence > 0 else "negative" if r.valence < 0 else "neutral"
    label = class_label(r)
    return label.strip().lower() if label is not None and label.strip().lower() in SENTIMENT_WORDS else None


class GivenExtractor(Extractor):
    id = "given"
    description = ("structured predictions taken as given: label -> [label], labels -> [a, b], probs -> argmax, "
                   "valence -> sentiment by sign (no LLM)")

    def extract(self, checkpoint, task: str, outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        if outputs is None:
            raise UserError(f"checkpoint {checkpoint.name}: the given extractor needs the model's outputs")
        out = {}
        for sid, r in outputs.items():
            if r.error is not None:  # a failed sample: no prediction, scored as wrong (never dropped)
                out[sid] = Extraction(labels="", sentiment="" if task == "sentiment" else None)
                continue
            if not r.structured:
                raise UserError(f"checkpoint {checkpoint.name}: sample {sid} is free text, not a structured "
                                "prediction; turn text into labels with --extractor lexicon or --extractor llm")
            label = class_label(r)
            labels = label_string(r.labels) if r.labels is not None else label_string([label] if label else [])
            if task != "sentiment":
                out[sid] = Extraction(labels=labels)
                continue
            word = sentiment_word(r)
            if word is None:
                raise UserError(f"checkpoint {checkpoint.name}: sample {sid}: a sentiment set needs a valence or a "
                                f"positive / negative / neutral label, got {labels or 'nothing'}")
            out[sid] = Extraction(labels=labels if r.valence is None else "", sentiment=word)
        return out
