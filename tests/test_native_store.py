"""The native lexicon's on-disk memory: word vectors keyed by model and word, resolved pairs keyed by identity.

A fake model (deterministic vectors; two made-up words placed on wheel words) stands in for MiniLM, so these run without torch;
the last test checks, in a fresh process, that a warm store means no torch import with the real default backend.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from unibench.errors import UserError
from unibench.lexicon.native import NativeLexicon
from unibench.lexicon.native_embed import EmbeddingBackend

ALIAS = {"zorbish": "anger", "blimfy": "joy"}  # made-up words the fake model puts on a wheel word


class FakeModel:
    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, **_):
        self.calls.append(list(texts))
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(ALIAS.get(t, t).encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(384)
            out.append(v / np.linalg.norm(v))
        return np.array(out, dtype=np.float32)


def _lexicon(store: Path, loader):
    return NativeLexicon(embedding_fallback=True, backend=EmbeddingBackend(model_loader=loader, store=store))


def _refuse():
    raise AssertionError("the model must not be loaded: every word is remembered")


def _mapping(lx, words):
    return {(w, wid, lv): lx.map_word(w, wid, lv) for w in words for wid in lx.wheels for lv in lx.levels}


WORDS = ["zorbish", "blimfy", "table", "angry", "very zorbish", "not happy"]


def test_one_batch_then_nothing_to_embed(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    model = FakeModel()
    cold = _lexicon(tmp_path / "store.npz", lambda: model)
    cold.prepare(WORDS)
    assert len(model.calls) == 1  # the vocabulary and the new words, in one batch
    assert {"zorbish", "blimfy", "table"} <= set(model.calls[0]) and "angry" in model.calls[0]
    got = _mapping(cold, WORDS)
    assert got[("zorbish", "parrott", "level1")] == "anger" and cold.explain("zorbish", "parrott")["reason"] == "embedding"
    assert got[("very zorbish", "parrott", "level1")] == "anger"  # the core word, embedded in the same batch
    assert len(model.calls) == 1  # mapping after prepare embeds nothing more
    cold.prepare(["zorbish", "table"])
    assert len(model.calls) == 1

    warm = _lexicon(tmp_path / "store.npz", _refuse)  # a later run: the disk remembers it all
    warm.prepare(WORDS)
    assert _mapping(warm, WORDS) == got
    assert warm.version == cold.version and warm.checksum == cold.checksum and warm.identity() == cold.identity()
    assert warm.describe()["embedding_status"] in ("ok", "not-loaded")


def test_every_checkpoint_of_a_dataset_in_one_batch(tmp_path, monkeypatch):
    from unibench.schema import Extraction, GoldLabel
    from unibench.scoring import prepare, score_task

    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    model = FakeModel()
    lx = _lexicon(tmp_path / "store.npz", lambda: model)
    samples = [GoldLabel(id=f"s{i}", gold=("anger",) if i % 2 else ("joy",)) for i in range(6)]
    exts = [{s.id: Extraction(labels=f"[{w}, table]") for s in samples} for w in ("zorbish", "blimfy", "angry")]
    prepare(lx, "open_vocab", samples, exts)
    scores = [score_task("open_vocab", samples, ext, lx).score["score"] for ext in exts]
    assert len(model.calls) == 1 and {"zorbish", "blimfy"} <= set(model.calls[0])
    assert lx.map_word("zorbish", "parrott", "level1") == "anger" and scores[0] > 0 and len(model.calls) == 1


def test_store_alone_serves_vectors_and_the_pair_memo_is_keyed_by_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    model = FakeModel()
    _lexicon(tmp_path / "store.npz", lambda: model).prepare(WORDS)
    for f in (tmp_path / "cache" / "native-map").glob("*.json"):
        f.unlink()  # only the vector store is left
    warm = _lexicon(tmp_path / "store.npz", _refuse)
    warm.prepare(WORDS)
    assert warm.map_word("zorbish", "plutchik", "level1") == _lexicon(tmp_path / "store.npz", lambda: model) \
        .map_word("zorbish", "plutchik", "level1")
    # another identity (the fallback switched off) resolves afresh, never reading the first one's pairs
    other = NativeLexicon(embedding_fallback=False)
    other.prepare(["zorbish"])
    assert other.checksum != warm.checksum and other.map_word("zorbish", "parrott", "level1") is None
    assert len(list((tmp_path / "cache" / "native-map").glob("*.json"))) == 2


def test_model_failing_after_stored_vectors_were_used_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    _lexicon(tmp_path / "store.npz", FakeModel).prepare(["zorbish"])

    def broken():
        raise ImportError("No module named 'torch'")

    lx = _lexicon(tmp_path / "store.npz", broken)
    lx.prepare(["zorbish"])
    assert lx.map_word("zorbish", "parrott", "level1") == "anger"
    with pytest.raises(UserError, match="failed to load .* after stored word vectors were used"):
        lx.prepare(["frumious"])  # new, and the model is broken: never a run half with, half without the fallback


def test_without_the_embedding_stack_the_store_is_ignored(tmp_path, monkeypatch):
    """Identity 'unavailable' and no embedding results, even with every vector on disk."""
    import unibench.lexicon.native as native

    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    _lexicon(tmp_path / "store.npz", FakeModel).prepare(WORDS)
    monkeypatch.setattr(native, "_embedding_installed", lambda: False)
    lx = _lexicon(tmp_path / "store.npz", _refuse)
    lx.prepare(WORDS)
    assert lx.identity()["embedding"] == "unavailable"
    assert lx.map_word("zorbish", "parrott", "level1") is None
    assert lx.explain("zorbish", "parrott")["fallback"].startswith("embedding-unavailable")
    assert lx.map_word("angry", "parrott", "level1") == "anger"


def test_damaged_store_is_re_embedded(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "store.npz").write_bytes(b"not a zip")
    model = FakeModel()
    lx = _lexicon(tmp_path / "store.npz", lambda: model)
    lx.prepare(["zorbish"])
    assert lx.map_word("zorbish", "parrott", "level1") == "anger" and len(model.calls) == 1
    with np.load(tmp_path / "store.npz", allow_pickle=False) as z:
        assert "zorbish" in z["words"].tolist()


def test_warm_default_lexicon_imports_no_torch(tmp_path):
    """The real default backend, with every needed vector already in its store (fake vectors written under the
    installed stack's key): mapping words that need the fallback loads neither torch nor sentence-transformers."""
    import os

    env = {**os.environ, "UNIBENCH_CACHE_DIR": str(tmp_path / "cache")}
    code_store = "from unibench.lexicon.native_embed import store_path; p = store_path(); print(p or '')"
    root = Path(__file__).resolve().parents[1]
    got = subprocess.run([sys.executable, "-c", code_store], capture_output=True, text=True, env=env, cwd=root,
                         check=True).stdout.strip()
    if not got:
        pytest.skip("the embedding stack is not installed: there is no store to be warm")
    path = Path(got)
    lx = NativeLexicon(embedding_fallback=False)
    words = sorted(set(lx._vocab) | {"zorbish", "blimfy", "table"})
    path.parent.mkdir(parents=True)
    np.savez(path, words=np.array(words), vectors=FakeModel().encode(words))
    code = ("import sys; from unibench.lexicon.native import load_native; lx = load_native();"
            "lx.prepare(['zorbish', 'blimfy', 'table', 'angry']);"
            "assert lx.map_word('zorbish', 'parrott', 'level1') == 'anger', lx.explain('zorbish', 'parrott');"
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)


def test_two_writers_keep_each_others_words_and_pairs(tmp_path, monkeypatch):
    """Forked workers of one run (or two runs) start from the same cold cache and write in turn: the second write
    merges what the first stored, so a later run loads no model and resolves nothing again."""
    import json

    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    store = tmp_path / "store.npz"
    first, second = _lexicon(store, FakeModel), _lexicon(store, FakeModel)
    first._read_disk_memo(), second._read_disk_memo()  # both read the cold cache before either writes
    first._backend._read_store(), second._backend._read_store()
    first.prepare(["zorbish"])
    second.prepare(["blimfy"])
    with np.load(store, allow_pickle=False) as z:
        assert {"zorbish", "blimfy"} <= set(z["words"].tolist())
    (memo,) = (tmp_path / "cache" / "native-map").glob("*.json")
    pairs = {(w, wid) for w, wid, _ in json.loads(memo.read_text())["pairs"]}
    assert {("zorbish", "parrott"), ("blimfy", "parrott")} <= pairs

    warm = _lexicon(store, _refuse)
    warm.prepare(["zorbish", "blimfy"])
    assert (warm.map_word("zorbish", "parrott", "level1"), warm.map_word("blimfy", "parrott", "level1")) == \
        ("anger", "joy")
    assert not list(tmp_path.rglob("*.tmp*"))  # no temporary file left behind
