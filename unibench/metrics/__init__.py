"""Metrics: pure functions over plain data (sequences in, numbers out). No I/O, no lexicon lookups."""
