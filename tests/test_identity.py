"""Identities are derived from content: a changed rule, data file, setting or fallback state moves them.

The pins below are the digests of what ships today. A change to a lexicon's data or rules, or to an extractor's
rules, fails here until the pin is updated in the same commit, so no result keeps an identity its numbers left.
"""

from __future__ import annotations

import shutil
import sys

import pytest

from unibench.extract.base import Extractor
from unibench.identity import _module_tokens, source_digest
from unibench.lexicon.native import DATA_DIR, NativeLexicon

PINS = {
    "native data": "6d4c88708747eabf611c7e968378ee1d3f28a2ab68de8b472097725774e3bab8",
    "native rules": "338dcf49598b914b21555b27ab00af5286776521480e4e2845ff0c4e180d9bc5",
    "lexicon extractor rules": "d1787a9bb746d96d040d60ee074bbdbde0c06a0886b68ec07382e691c3724f71",
    "llm extractor rules": "f3ed9ac9dd2e6ffe8c00458509a61665c9a8be2ee79604e9ca44a80386923aaa",
    "cache extractor version": "1ece35989ff6",
    "given extractor version": "b21f7e2d1062",
}


def test_pinned_identities():
    from unibench.extract.cache import CacheExtractor
    from unibench.extract.given import GivenExtractor
    from unibench.extract.lexicon import LexiconExtractor
    from unibench.extract.llm import LLMExtractor

    got = {
        "native data": NativeLexicon(embedding_fallback=False).data_checksum,
        "native rules": source_digest(NativeLexicon.rules),
        "lexicon extractor rules": source_digest(LexiconExtractor.rules),
        "llm extractor rules": source_digest(LLMExtractor.rules),
        "cache extractor version": CacheExtractor().version,
        "given extractor version": GivenExtractor().version,
    }
    assert got == PINS, "an identity moved: update PINS in the same commit as the change that moved it"


class _Backend:
    model_name = "toy-embedder"
    status = "not-loaded"

    def similarity(self, *a, **k):  # never reached: the identity is read, nothing is embedded
        raise AssertionError


def test_native_identity_follows_the_embedding_fallback(monkeypatch):
    import unibench.lexicon.native as native

    on = NativeLexicon(backend=_Backend())
    off = NativeLexicon(embedding_fallback=False)
    assert on.version != off.version and on.checksum != off.checksum
    assert on.identity()["embedding"] == {"model": "toy-embedder", "threshold": native.EMBEDDING_THRESHOLD}
    assert NativeLexicon(backend=_Backend(), threshold=0.6).version != on.version
    v_on = on.version
    monkeypatch.setattr(native, "_embedding_installed", lambda: False)  # the embed extra is not installed
    assert on.identity()["embedding"] == "unavailable" and on.version not in (off.version, v_on)
    monkeypatch.undo()
    on.embedding_status = "embedding-unavailable: the model failed to load"
    assert on.identity()["embedding"] == "unavailable"


def test_native_identity_follows_its_data_and_the_lemmatiser(tmp_path, monkeypatch):
    import unibench.lexicon.native as native

    base = NativeLexicon(embedding_fallback=False)
    shutil.copytree(DATA_DIR, tmp_path / "native")
    edited = tmp_path / "native" / "guards.yaml"
    edited.write_text(edited.read_text() + "\n# a comment is data too\n")
    assert NativeLexicon(embedding_fallback=False, data_dir=tmp_path / "native").version != base.version
    before = base.version
    monkeypatch.setattr(native, "_package_version", lambda name: "0.0-other")  # another simplemma release
    assert base.identity()["simplemma"] == "0.0-other" and base.version != before


def test_extractor_version_follows_its_rules_not_its_comments(tmp_path, monkeypatch):
    mod = tmp_path / "ub_rules_probe.py"
    mod.write_text("def rule(x):\n    return x.lower()\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    class Probe(Extractor):
        id = "probe"
        rules = ("ub_rules_probe",)

    def version() -> str:
        _module_tokens.cache_clear()
        return Probe().version

    v1 = version()
    mod.write_text("def rule(x):\n    # lower-case first\n\n    return x.lower()\n")
    assert version() == v1  # comments and blank lines are not rules
    mod.write_text("def rule(x):\n    return x.lower().strip()\n")
    v2 = version()
    assert v2 != v1
    sys.modules.pop("ub_rules_probe", None)


def test_extractor_version_follows_its_settings_not_its_endpoint():
    from unibench.extract.llm import LLMExtractor

    a = LLMExtractor(base_url="http://127.0.0.1:9/v1")
    b = LLMExtractor(base_url="http://127.0.0.1:10/v1")  # the same model served elsewhere answers the same
    greedy = LLMExtractor(base_url="http://127.0.0.1:9/v1", temperature=0)
    other = LLMExtractor(base_url="http://127.0.0.1:9/v1", model="Qwen2.5-72B-Instruct")
    assert a.version == b.version
    assert len({a.version, greedy.version, other.version}) == 3
    assert greedy.settings()["seed_policy"] == "none" and a.settings()["seed_policy"].startswith("sha256")


def test_llm_extractor_rebuilds_from_its_settings(monkeypatch):
    import types

    from unibench.extract.llm import LLMExtractor

    greedy = LLMExtractor(base_url="http://127.0.0.1:9/v1", temperature=0, model="m-7b")
    args = types.SimpleNamespace(extractor_base_url="http://127.0.0.1:11/v1", progress=False)
    again = LLMExtractor.from_settings(greedy.settings(), args)
    assert again.version == greedy.version and again.endpoint.base_url.startswith("http://127.0.0.1:11")


def test_a_run_without_the_fallback_is_another_setting(monkeypatch):
    """The motivating case: native with and without its embedding fallback must not share a table."""
    import unibench
    import unibench.lexicon.native as native

    with_fallback = unibench.evaluate("text-lexicon", ["demo-basic"], bootstrap=0)
    monkeypatch.setattr(native, "_embedding_installed", lambda: False)
    without = unibench.evaluate("text-lexicon", ["demo-basic"], bootstrap=0)
    a, b = with_fallback.results[0].spec, without.results[0].spec
    assert a.lexicon != b.lexicon and a.hash() != b.hash() and a.comparability != b.comparability


@pytest.mark.parametrize("field, value", [("checkpoint_policy", "last"), ("bootstrap", {"n_resamples": 10, "seed": 0}),
                                          ("extractor_settings", {"model": "x"}), ("model_options", {"run": "r"})])
def test_run_spec_hash_covers_what_shapes_a_number(field, value):
    from dataclasses import replace

    from unibench.schema import RunSpec

    base = RunSpec(protocol="mer-unibench", dataset="mosi", dataset_version="1.0", label_sha256="a" * 64,
                   model="m", adapter="preds", model_options={}, predictions_sha256="b" * 64,
                   extractor="given@1", extractor_settings={}, lexicon="native@x", lexicon_checksum="c" * 64,
                   checkpoint_policy="best", bootstrap={"n_resamples": 1000, "seed": 0},
                   locations={"model_spec": "preds:/here"})
    assert replace(base, **{field: value}).hash() != base.hash()
    assert replace(base, locations={"model_spec": "preds:/elsewhere"}).hash() == base.hash()
    assert RunSpec.from_dict(base.to_dict()) == base

