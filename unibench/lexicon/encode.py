"""Fast set arithmetic for scoring: each sample's clusters on every wheel as bitmasks, from its words.

Words are mapped once per encoder (lexicon and level) and remembered, and so is each label string's list of
word rows (`label_segments`): the checkpoints of a corpus repeat many answers (40% of AffectGPT's), and a repeat
then costs one dict lookup instead of a split. A table holds one row of bitmask lanes per known word (row 0:
no cluster); a sample's set is the OR of its words' rows (`numpy.bitwise_or.reduceat`), and the set sizes |G|,
|P| and |G ∩ P| for every sample and wheel are popcounts.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from unibench.textlists import normalise_words


def _popcount(a: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a).sum(axis=-1, dtype=np.int64)
    return np.unpackbits(a.view(np.uint8), axis=-1).sum(axis=-1, dtype=np.int64)


class ClusterEncoder:
    """Word lists -> packed cluster sets for one lexicon, at each of its levels.

    `segments` turns word lists into row ids once; `counts` reads them at any level, so a label string is split
    and looked up once for both levels.
    """

    def __init__(self, lexicon) -> None:
        self.lexicon = lexicon
        self.wheels = tuple(lexicon.wheels)
        self._words: list[str] = [""]  # row -> word; row 0 is no word (the empty set)
        self._index: dict[str, int] = {}
        self._prepared = 1  # rows handed to lexicon.prepare so far
        self._levels: dict[str, _Level] = {}
        self._strings: dict[str, tuple[int, ...]] = {}  # label string -> its words' rows
        self._per_gold: dict[str, tuple[object, object]] = {}  # key -> (the gold list, what was derived from it)

    def per_gold(self, gold: object, key: str, make):
        """`make()`, once per gold list: a dataset's checkpoints are scored against the same list object (held
        here, so its id is never reused), and what depends on the gold alone is derived once, not per checkpoint."""
        got = self._per_gold.get(key)
        if got is None or got[0] is not gold:
            got = self._per_gold[key] = (gold, make())
        return got[1]

    def segments(self, word_lists: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Row ids with a leading row 0 per sample (so an empty list ORs to nothing), and each sample's start.
        `word_lists` may be a generator: only each word's first occurrence is kept (as a table row)."""
        index, words = self._index, self._words
        ids: list[int] = []
        starts: list[int] = []
        for ws in word_lists:
            starts.append(len(ids))
            ids.append(0)
            for w in ws:
                i = index.get(w)
                if i is None:
                    i = index[w] = len(words)
                    words.append(w)
                ids.append(i)
        return np.array(ids, dtype=np.intp), np.array(starts, dtype=np.intp)

    def label_segments(self, labels: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """`segments` of label-list strings (split as the scorers split them: textlists.normalise_words), each
        distinct string split and looked up once per encoder."""
        memo, index, words = self._strings, self._index, self._words
        ids: list[int] = []
        starts: list[int] = []
        for labels_ in labels:
            rows = memo.get(labels_)
            if rows is None:
                got = []
                for w in normalise_words(labels_):
                    i = index.get(w)
                    if i is None:
                        i = index[w] = len(words)
                        words.append(w)
                    got.append(i)
                rows = memo[labels_] = tuple(got)
            starts.append(len(ids))
            ids.append(0)
            ids.extend(rows)
        return np.array(ids, dtype=np.intp), np.array(starts, dtype=np.intp)

    def prepare(self) -> None:
        """Hand the lexicon every word it has not seen yet, at once (the native lexicon embeds its unknown words
        in one batch), before any of them is mapped."""
        if self._prepared < len(self._words):
            self.lexicon.prepare(self._words[max(1, self._prepared):])
            self._prepared = len(self._words)

    def level(self, level: str) -> "_Level":
        got = self._levels.get(level)
        if got is None:
            got = self._levels[level] = _Level(self, level)
        return got

    def counts(self, gold: tuple[np.ndarray, np.ndarray], pred: tuple[np.ndarray, np.ndarray], level: str
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """|G ∩ P|, |G|, |P| as (n, wheels) int arrays from the segments of gold and predicted words."""
        lv = self.level(level)
        g, p = lv.masks(gold), lv.masks(pred)
        return _popcount(g & p), _popcount(g), _popcount(p)

    def clusters(self, labels: str, level: str = "level1") -> dict[str, list[str]]:
        """The cluster names of one label string per wheel (for audits)."""
        lv = self.level(level)
        mask = lv.masks(self.segments([normalise_words(labels)]))[0]
        out = {}
        for i, wheel in enumerate(self.wheels):
            names = {b: c for c, b in lv.bits[i].items()}
            out[wheel] = sorted(names[b] for b in names if int(mask[i, b // 64]) >> (b % 64) & 1)
        return out


class _Level:
    """The encoder's words mapped at one level: a cluster bit per wheel, and the lanes table."""

    def __init__(self, encoder: ClusterEncoder, level: str) -> None:
        self.encoder, self.level = encoder, level
        self.bits: list[dict[str, int]] = [{} for _ in encoder.wheels]  # cluster -> bit, per wheel
        self._rows: list[tuple[int, ...]] = []  # bit per wheel for each mapped row, -1: no cluster
        self._table: np.ndarray | None = None
        self._bits = np.zeros((0, len(self.bits)), dtype=np.int64)

    def _map(self, word: str) -> tuple[int, ...]:
        if not word:
            return (-1,) * len(self.bits)
        out = []
        for i, wheel in enumerate(self.encoder.wheels):
            cluster = self.encoder.lexicon.map_word(word, wheel, self.level)
            out.append(-1 if cluster is None else self.bits[i].setdefault(cluster, len(self.bits[i])))
        return tuple(out)

    def table(self) -> np.ndarray:
        """(rows, wheels, lanes) uint64: each known word's cluster bit on every wheel (64 clusters a lane)."""
        words = self.encoder._words
        if self._table is None or len(self._rows) < len(words):
            self.encoder.prepare()
            self._rows += [self._map(w) for w in words[len(self._rows):]]
            bits = np.array(self._rows, dtype=np.int64).reshape(len(self._rows), len(self.bits))
            lanes = max(1, -(-max(len(b) for b in self.bits) // 64))
            table = np.zeros((*bits.shape, lanes), dtype=np.uint64)
            row, wheel = np.nonzero(bits >= 0)
            b = bits[row, wheel]
            table[row, wheel, b // 64] = np.left_shift(np.uint64(1), (b % 64).astype(np.uint64))
            self._table, self._bits = table, bits
        return self._table

    def bit_array(self) -> np.ndarray:
        """(rows, wheels) int64: each known word's cluster bit on every wheel, -1 where it has none."""
        self.table()
        return self._bits

    def masks(self, segments: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        ids, starts = segments
        table = self.table()
        if not len(starts):
            return np.zeros((0, *table.shape[1:]), dtype=np.uint64)
        return np.bitwise_or.reduceat(table[ids], starts, axis=0)
