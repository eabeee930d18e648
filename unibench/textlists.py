"""Turning a label-list string such as "[happy, sad]" into words, exactly as the upstream scorers do.

The variants differ and each is kept under its own name: mixing them silently changes scores.
"""

from __future__ import annotations

import re

_AFFECTGPT_SPLIT = re.compile(r"['\",]")


def string_to_list(value) -> list[str]:
    """AffectGPT / MER2025 / MER2026: strip one leading '[' and one trailing ']', split on quotes and commas,
    strip each token and drop empty ones. Semicolons, 'and' and '/' are not separators. None or NaN -> []."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        text = text[1:]
    if text.endswith("]"):
        text = text[:-1]
    return [tok.strip() for tok in _AFFECTGPT_SPLIT.split(text) if tok.strip()]


def normalise_words(value) -> list[str]:
    """string_to_list followed by the scorers' lower().strip() of every word."""
    return [w.lower().strip() for w in string_to_list(value)]
