"""The lexicon interface every variant implements, and the table-driven mapper shared by the upstream variants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

LEVELS = ("level1", "level2")


class Lexicon:
    """Maps an emotion word to a cluster name on a wheel at a level, or None when the word is dropped.

    Subclasses set `id`, `version`, `checksum` (of the files the tables came from), `wheels`, and implement
    `map_word`. `map_words` and the per-word memo are shared.
    """

    id: str = ""
    version: str = ""
    checksum: str = ""
    wheels: tuple[str, ...] = ()
    levels: tuple[str, ...] = LEVELS
    languages: tuple[str, ...] = ("en",)  # scripts whose words it maps (dataset cards' `language` codes)

    def map_word(self, word: str, wheel: str, level: str) -> str | None:
        raise NotImplementedError

    def map_words(self, words: Iterable[str], wheel: str, level: str) -> frozenset[str]:
        """The set of clusters the words reach (dropped words contribute nothing)."""
        out = set()
        for w in words:
            c = self.map_word(w, wheel, level)
            if c is not None:
                out.add(c)
        return frozenset(out)

    def prepare(self, words: Iterable[str]) -> None:
        """Called with words about to be mapped for the first time, all at once, so a lexicon with a costly
        fallback (the native lexicon's embeddings) can do it in one batch. Nothing to do by default."""

    @property
    def local(self) -> bool:
        """True: maps words without loading a model, so a run may score its datasets in forked processes (a
        lexicon that may load one would load it again in every worker)."""
        return True

    # True: the model it may load comes through unibench.lexicon.native_embed, whose deferred_load() turns a
    # load into ModelNeeded; a run then forks anyway and starts again in one process if a worker needs the model
    defers_model_load = False

    def encoder(self):
        """The (memoising) packed-bitmask encoder of word lists, one per lexicon."""
        enc = self.__dict__.get("_encoder")
        if enc is None:
            from unibench.lexicon.encode import ClusterEncoder

            enc = self.__dict__["_encoder"] = ClusterEncoder(self)
        return enc

    def describe(self) -> dict:
        return {"id": self.id, "version": self.version, "checksum": self.checksum}

    def in_vocabulary(self, word: str) -> bool:
        """Whether the word is known at all (used for out-of-vocabulary rates)."""
        raise NotImplementedError


@dataclass
class WheelTables(Lexicon):
    """The upstream three-table mapping (protocol section 4.1), quirks included.

    forms:    surface form -> base words (format.csv; every base also maps to itself)
    synonyms: base word -> wheel words it is a synonym of (synonym.xlsx, union of 8 runs)
    clusters: (wheel, level) -> {wheel word -> cluster}

    A word (already lower-cased and stripped by the caller, as upstream) maps to the cluster of the alphabetically
    first candidate found on the wheel; a word with no form entry or no candidate on the wheel is dropped.
    """

    forms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    clusters: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    id: str = "affectgpt"
    version: str = ""
    checksum: str = ""
    wheels: tuple[str, ...] = ()

    def __post_init__(self):
        self._candidates: dict[str, tuple[str, ...]] = {}
        self._memo: dict[tuple[str, str, str], str | None] = {}

    def in_vocabulary(self, word: str) -> bool:
        return word in self.forms

    def candidates(self, word: str) -> tuple[str, ...]:
        """Sorted wheel-word candidates of a word (its forms' synonyms); empty if out of vocabulary."""
        got = self._candidates.get(word)
        if got is None:
            bases = self.forms.get(word, ())
            got = tuple(sorted(s for b in bases for s in self.synonyms.get(b, ())))
            self._candidates[word] = got
        return got

    def map_word(self, word: str, wheel: str, level: str) -> str | None:
        key = (word, wheel, level)
        try:
            return self._memo[key]
        except KeyError:
            pass
        table = self.clusters[(wheel, level)]
        hit = None
        for cand in self.candidates(word):
            if cand in table:
                hit = table[cand]
                break
        self._memo[key] = hit
        return hit
