"""Pick a lexicon from a --lexicon value: a path to upstream resources (more named variants join here)."""

from __future__ import annotations

from unibench.lexicon.base import Lexicon


def load_lexicon(arg: str) -> Lexicon:
    from unibench.lexicon.upstream import load_upstream

    return load_upstream(arg)
