"""Fast set arithmetic for scoring: each label string's clusters on every wheel packed into bitmask lanes.

A string's clusters (one lane of LANE_BITS bits per wheel) are one Python int: the OR of its words' ints, each
memoised, so a string costs a split and a few dict lookups. Unpacked to a (n, wheels, words) uint64 array, the set
sizes |G|, |P| and |G ∩ P| for every sample and wheel are popcounts.
"""

from __future__ import annotations

import numpy as np

from unibench.textlists import normalise_words

LANE_BITS = 256  # clusters per wheel and level; the upstream wheels have at most 55


def _popcount(a: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a).sum(axis=-1, dtype=np.int64)
    return np.unpackbits(a.view(np.uint8), axis=-1).sum(axis=-1, dtype=np.int64)


class ClusterEncoder:
    """Label strings -> packed cluster sets for one lexicon at one level."""

    def __init__(self, lexicon, level: str):
        self.lexicon, self.level = lexicon, level
        self.wheels = tuple(lexicon.wheels)
        self._bits: list[dict[str, int]] = [{} for _ in self.wheels]
        self._words: dict[str, int] = {}
        self._strings: dict[str, bytes] = {}  # packed little-endian lanes, ready for numpy
        self._nbytes = len(self.wheels) * LANE_BITS // 8

    def _word(self, word: str) -> int:
        packed = 0
        for i, wheel in enumerate(self.wheels):
            cluster = self.lexicon.map_word(word, wheel, self.level)
            if cluster is not None:
                bit = self._bits[i].setdefault(cluster, len(self._bits[i]))
                if bit >= LANE_BITS:
                    raise ValueError(f"wheel {wheel} has more than {LANE_BITS} clusters at {self.level}")
                packed |= 1 << (i * LANE_BITS + bit)
        self._words[word] = packed
        return packed

    def _packed(self, labels: str) -> bytes:
        got = self._strings.get(labels)
        if got is None:
            mask = 0
            words = self._words
            for w in normalise_words(labels):
                mask |= words[w] if w in words else self._word(w)
            got = self._strings[labels] = mask.to_bytes(self._nbytes, "little")
        return got

    def encode(self, labels: str) -> int:
        return int.from_bytes(self._packed(labels), "little")

    def array(self, label_strings) -> np.ndarray:
        """(n, wheels, LANE_BITS // 64) uint64 masks of the given strings."""
        packed, get = self._strings, self._packed
        buf = b"".join([packed[s] if s in packed else get(s) for s in label_strings])
        return np.frombuffer(buf, dtype="<u8").reshape(-1, len(self.wheels), LANE_BITS // 64)

    def counts(self, gold_strings, pred_strings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """|G ∩ P|, |G|, |P| as (n, wheels) int arrays."""
        g, p = self.array(gold_strings), self.array(pred_strings)
        return _popcount(g & p), _popcount(g), _popcount(p)

    def clusters(self, labels: str) -> dict[str, list[str]]:
        """The cluster names of one string per wheel (for records and audits)."""
        packed = self.encode(labels)
        out = {}
        for i, wheel in enumerate(self.wheels):
            names = {b: c for c, b in self._bits[i].items()}
            lane = (packed >> (i * LANE_BITS)) & ((1 << LANE_BITS) - 1)
            out[wheel] = sorted(names[b] for b in range(lane.bit_length()) if lane >> b & 1)
        return out
