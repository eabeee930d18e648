"""Corpora: cards (datasets_registry/*.yaml) and the loaders for the upstream '*-process' layouts."""

from unibench.datasets.cards import DATASETS, DatasetCard, get_card, suite_names
from unibench.datasets.loader import load_corpus, locate

__all__ = ["DATASETS", "DatasetCard", "get_card", "suite_names", "load_corpus", "locate"]
