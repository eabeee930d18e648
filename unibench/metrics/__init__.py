"""Metrics: pure functions over plain data (sequences in, numbers out). No I/O, no lexicon lookups.

wheel (emotion-wheel hit rate and set P/R/F), sentiment (binary WAF/ACC), classify (accuracy, weighted F1, MER2023
combined), synonym_groups (MER2024 GPT-synonym metric), preference (MER2026 MER-Prefer / EmoPrefer).
"""
