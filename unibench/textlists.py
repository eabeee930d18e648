"""Turning a label-list string such as "[happy, sad]" into words, as the upstream scorers do (the MER2024, 2025 and
2026 splitters are compared with the official ones in tests/test_official_parity.py).

The variants differ and each is kept under its own name: mixing them silently changes scores.
"""

from __future__ import annotations

import re

_AFFECTGPT_SPLIT = re.compile(r"['\",]")


def string_to_list(value) -> list[str]:
    """AffectGPT / MER2025 / MER2026: drop one leading '[' and one trailing ']' (the very first and last
    characters: " [happy]" keeps its '[', so its word is "[happy"), split on quotes and commas, strip each token
    and drop empty ones. Semicolons, 'and' and '/' are not separators. None or NaN -> []; a list is kept as is."""
    if type(value) is str:  # the common case first: label files hold strings
        text = value
    elif value is None or (isinstance(value, float) and value != value):
        return []
    elif isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    else:
        text = str(value)
    if text[:1] == "[":
        text = text[1:]
    if text[-1:] == "]":
        text = text[:-1]
    return [t for tok in _AFFECTGPT_SPLIT.split(text) if (t := tok.strip())]


def normalise_words(value) -> list[str]:
    """string_to_list followed by the scorers' lower().strip() of every word (for a string, in one pass: the
    scorers split tens of thousands of them per run; tested equal to the two steps)."""
    if type(value) is not str:
        return [w.lower().strip() for w in string_to_list(value)]
    if value[:1] == "[":
        value = value[1:]
    if value[-1:] == "]":
        value = value[:-1]
    return [w for tok in _AFFECTGPT_SPLIT.split(value) if (w := tok.strip().lower().strip())]


_QUOTES = re.compile(r"['\"]")


def string_to_list_mer2024(value) -> list[str]:
    """MER2024 (MER-OV): keep the text between the first '[' and the next ']', split on quotes ONLY, and drop
    tokens that are empty or a bare comma once stripped. Tokens are not stripped, so "[happy, sad]" is the single
    token 'happy, sad' and "[\"don't\"]" gives 'don', 't'. '' / None / NaN -> [].

    Raises ValueError when a non-empty value has no '[' (upstream crashes with IndexError there).
    """
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return []
    text = str(value)
    if "[" not in text:
        raise ValueError(f"not a list string (no '['): {text[:60]!r}")
    inner = text.split("[")[1].split("]")[0]
    return [tok for tok in _QUOTES.split(inner) if tok.strip() not in ("", ",")]
