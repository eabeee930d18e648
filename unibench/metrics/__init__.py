"""Metrics: pure functions over plain data (sequences in, numbers out). No I/O, no lexicon lookups.

wheel (emotion-wheel hit rate and set P/R/F), sentiment (binary WAF/ACC), classify (accuracy, weighted F1, MER2023
combined), synonym_groups (MER2024 GPT-synonym metric), preference (MER2026 MER-Prefer / EmoPrefer).
"""

from math import fsum as _fsum


def fmean(values) -> float:
    """The arithmetic mean as statistics.fmean computes it (math.fsum / count; tested equal), without importing
    statistics, which pulls in random, fractions and decimal at start-up."""
    vals = list(values)
    if not vals:
        raise ValueError("fmean of no values")
    return _fsum(vals) / len(vals)
