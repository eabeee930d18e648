"""MER2026 MER-Prefer / EmoPrefer: which of two descriptions (a1, a2) fits the clip better.

Follows `MER2026_Track3/utils/common.py` and EmoPrefer `statistic.py`: replies are reduced to 'a1' | 'a2' | 'same';
the primary score is the 2-class weighted F1 (GT 'same' rows dropped, predicted 'same' counted as 'a1'); the 3-class
variant keeps 'same'; swap consistency re-asks with a1/a2 swapped and counts identical decisions after mapping back.
Scores are fractions in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unibench.metrics.classify import accuracy, weighted_f1

__all__ = ["PREFERENCES", "PreferenceScore", "postprocess_preference", "two_class", "three_class",
           "swap_consistency", "length_baseline"]

PREFERENCES = ("a1", "a2", "same")
_SWAP = {"a1": "a2", "a2": "a1", "same": "same"}


@dataclass(frozen=True)
class PreferenceScore:
    """waf = weighted F1, acc = accuracy, n = pairs scored."""

    waf: float
    acc: float
    n: int


def postprocess_preference(reply: str) -> str:
    """A model reply as 'a1' | 'a2' | 'same': lower-case it; if it starts with one of the three, take that; else the
    one occurring earliest; else 'same' (upstream treats an undecidable reply as a tie)."""
    text = reply.lower()
    for key in PREFERENCES:
        if text.startswith(key):
            return key
    found = [(text.find(key), key) for key in PREFERENCES if key in text]
    return min(found)[1] if found else "same"


def _check(labels: Sequence[str], what: str) -> list[str]:
    out = list(labels)
    for i, lab in enumerate(out):
        if lab not in _SWAP:
            raise ValueError(f"{what}[{i}] = {lab!r}; expected one of a1, a2, same")
    return out


def two_class(gt: Sequence[str], pred: Sequence[str]) -> PreferenceScore:
    """MER-Prefer primary metric: drop pairs whose GT is 'same', count a predicted 'same' as 'a1', then weighted F1
    and accuracy over a1/a2."""
    g, p = _check(gt, "gt"), _check(pred, "pred")
    if len(g) != len(p):
        raise ValueError(f"gt has {len(g)} items but pred has {len(p)}")
    kept = [(a, "a1" if b == "same" else b) for a, b in zip(g, p) if a != "same"]
    if not kept:
        raise ValueError("every GT pair is 'same': nothing to score in 2-class mode")
    gk, pk = [a for a, _ in kept], [b for _, b in kept]
    return PreferenceScore(weighted_f1(gk, pk), accuracy(gk, pk), len(kept))


def three_class(gt: Sequence[str], pred: Sequence[str]) -> PreferenceScore:
    """Weighted F1 and accuracy over a1/a2/same, every pair kept."""
    g, p = _check(gt, "gt"), _check(pred, "pred")
    return PreferenceScore(weighted_f1(g, p), accuracy(g, p), len(g))


def swap_consistency(pred: Sequence[str], pred_on_reversed: Sequence[str]) -> float:
    """Share of pairs whose decision survives swapping a1 and a2: `pred_on_reversed` (made on the swapped pairs,
    e.g. `*_reverse.csv`) is mapped back a1<->a2 ('same' stays) and compared with `pred` position by position."""
    a, b = _check(pred, "pred"), _check(pred_on_reversed, "pred_on_reversed")
    if len(a) != len(b):
        raise ValueError(f"pred has {len(a)} items but pred_on_reversed has {len(b)}")
    if not a:
        raise ValueError("cannot score zero pairs")
    return sum(x == _SWAP[y] for x, y in zip(a, b)) / len(a)


def length_baseline(a1_texts: Sequence[str], a2_texts: Sequence[str]) -> list[str]:
    """Trivial reference predictor: the longer description (in characters) wins.

    A tie gives 'same': that keeps the baseline swap-symmetric (100 % consistent by construction), and in 2-class
    scoring 'same' counts as 'a1', exactly like an undecided model reply.
    """
    a1, a2 = list(a1_texts), list(a2_texts)
    if len(a1) != len(a2):
        raise ValueError(f"a1_texts has {len(a1)} items but a2_texts has {len(a2)}")
    return ["a1" if len(x) > len(y) else "a2" if len(y) > len(x) else "same" for x, y in zip(a1, a2)]
