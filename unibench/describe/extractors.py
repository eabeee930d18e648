"""Description -> label-list extractors, behind one registry so the official LLM route can plug in.

An extractor is a class built with the lexicon; `extract({name: text}) -> {name: "[w1, w2]"}` returns label-list
strings in the upstream format, so the emotion-wheel scorers treat them like any submitted list. `id`/`version`
are recorded in results. The official route (Qwen2.5 extraction, protocol section 3.1) comes with the extraction
engine and registers here under its own name; `keyword` is an offline stand-in and never the official number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from unibench.registry import Registry

DESCRIPTION_EXTRACTORS = Registry("description extractor", entry_point_group="unibench.description_extractors")
DESCRIPTION_EXTRACTORS.register("keyword", "unibench.describe.extractors:KeywordExtractor")

_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")


class KeywordExtractor:
    """Finds lexicon words (keys of the upstream word-form table that reach at least one wheel at level 1, so
    "person" or "facial" are not labels) in the lower-cased text, longest match first, in text order, each once. No negation or hedging handling: "not happy" yields happy. English only.
    Offline and deterministic; NOT the official (LLM) extraction route."""

    id = "keyword"
    version = "1"
    description = "emotion-wheel word forms found in the text (offline stand-in, not the official LLM route)"

    def __init__(self, lexicon) -> None:
        self.lexicon = lexicon
        self._phrases: dict[tuple[str, ...], str] = {}
        wheels = getattr(lexicon, "wheels", ())
        for form in lexicon.forms:
            word = form.lower().strip()
            if wheels and all(lexicon.map_word(word, w, "level1") is None for w in wheels):
                continue
            toks = tuple(_WORD.findall(form.lower().replace("-", " ")))
            if toks:  # multi-word and hyphenated forms match as token sequences
                self._phrases.setdefault(toks, word)
        self._longest = max((len(k) for k in self._phrases), default=1)

    def labels(self, text: str) -> list[str]:
        toks = _WORD.findall(str(text).lower().replace("-", " "))
        found: list[str] = []
        i = 0
        while i < len(toks):
            for size in range(min(self._longest, len(toks) - i), 0, -1):
                word = self._phrases.get(tuple(toks[i:i + size]))
                if word is not None:
                    if word not in found:
                        found.append(word)
                    i += size
                    break
            else:
                i += 1
        return found

    def extract(self, texts: Mapping[str, str]) -> dict[str, str]:
        return {name: "[" + ", ".join(self.labels(t)) + "]" for name, t in texts.items()}


def build_extractor(name: str, lexicon):
    return DESCRIPTION_EXTRACTORS.get(name)(lexicon)
