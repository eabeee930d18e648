"""`--extractor answer-tag` (not an official MER-UniBench route): the answer inside a response's last
<answer>...</answer> tag, as RL-trained emotion models (R1-Omni, AffectGPT-R1, MER-R1 style) write it.

Rules: the text of the LAST <TAG>...</TAG> of the response (TAG is `answer` unless `--answer-tag NAME`; case
ignored; the tag may span lines), split into labels on commas, semicolons, 、, ， and the word "and"; each label is
stripped of spaces, quotes, brackets and a final full stop, and kept as written (the scorer's lexicon maps it).
A response without the tag is a failed extraction (`Extraction.error`, counted in `n_failed` like a failed model
call, and `--max-failed` applies); an empty tag is an empty answer, not a failure. For sentiment sets the
sentiment word is the answer itself when it is positive / negative / neutral, the sign of a number, and otherwise
the native valence rule of unibench.extract.wordfind on the labels.

Results carry the extractor id `answer-tag`, its version and the tag, so they never share a leaderboard column
with the Qwen2.5 extraction (`cache`, `llm`).
"""

from __future__ import annotations

from typing import Mapping

import re

from unibench.errors import UserError
from unibench.extract.base import Extractor, label_string
from unibench.schema import Extraction, Response

DEFAULT_TAG = "answer"
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
_SPLIT = re.compile(r"\s*(?:[,;、，；]|\band\b)\s*")
_STRIP = " \t\r\n\"'`“”‘’[](){}。."
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
SENTIMENT_WORDS = ("positive", "negative", "neutral")


def answer_text(text: str | None, tag: str = DEFAULT_TAG) -> str | None:
    """The content of the last <tag>...</tag>, or None when the response has no such tag."""
    found = re.findall(rf"<{tag}\s*>(.*?)</{tag}\s*>", text or "", flags=re.IGNORECASE | re.DOTALL)
    return found[-1].strip() if found else None


def answer_labels(answer: str) -> list[str]:
    out: dict[str, None] = {}
    for item in _SPLIT.split(answer):
        item = item.strip(_STRIP)
        if item:
            out.setdefault(item)
    return list(out)


class AnswerTagExtractor(Extractor):
    id = "answer-tag"
    rules = ("unibench.extract.answer_tag", "unibench.extract.wordfind")
    description = ("non-official: the labels inside the response's last <answer>...</answer> tag (RL-trained "
                   "models); a response without the tag is a failed extraction")

    def __init__(self, tag: str = DEFAULT_TAG):
        if not _TAG_NAME.fullmatch(str(tag)):
            raise UserError(f"--answer-tag {tag}: a tag name is a letter then letters, digits, '-' or '_' "
                            "(e.g. answer, emotion)")
        self.tag = str(tag)
        self._native = None

    @classmethod
    def from_args(cls, args) -> "AnswerTagExtractor":
        return cls(tag=getattr(args, "answer_tag", None) or DEFAULT_TAG)

    @classmethod
    def from_settings(cls, settings, args=None) -> "AnswerTagExtractor":
        return cls(tag=settings.get("tag", DEFAULT_TAG))

    def settings(self) -> dict:
        """The tag, and the native lexicon whose valences give the sentiment word of a label answer."""
        return {"tag": self.tag, "native_lexicon": self._native_lexicon().version}

    def _native_lexicon(self):
        if self._native is None:
            from unibench.lexicon.native import load_native

            self._native = load_native()
        return self._native

    def _sentiment(self, answer: str, labels: list[str]) -> str:
        word = answer.strip(_STRIP).lower()
        if word in SENTIMENT_WORDS:
            return word
        if _NUMBER.fullmatch(word):
            value = float(word)
            return "positive" if value > 0 else "negative" if value < 0 else "neutral"
        from unibench.extract.wordfind import sentiment_of

        return sentiment_of([w.lower() for w in labels], self._native_lexicon())

    def one(self, r: Response, task: str) -> Extraction:
        answer = answer_text(r.text, self.tag)
        if answer is None:
            return Extraction(labels="[]", error=f"no <{self.tag}>...</{self.tag}> in the response")
        labels = answer_labels(answer)
        return Extraction(labels=label_string(labels),
                          sentiment=self._sentiment(answer, labels) if task == "sentiment" else None)

    def extract(self, checkpoint, task: str, outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        if outputs is None:
            raise ValueError("the answer-tag extractor needs the model outputs")
        return {k: self.one(r if isinstance(r, Response) else Response(text=str(r)), task)
                for k, r in outputs.items()}
