"""Emotion-wheel lexicons: map a free emotion word to its cluster on each wheel at a given level.

Named variants (never mixed in one column): `affectgpt` (the upstream folder the paper used), `mer2026` (MER2026's
corrected table) and `native` (unibench's own, authored from published taxonomies).
"""

from unibench.lexicon.base import Lexicon, WheelTables

__all__ = ["Lexicon", "WheelTables"]
