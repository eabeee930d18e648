"""Out of the box: named lexicons, the lexicon extractor's word finder, the text baselines, the demo corpus and
`unibench demo` (scores computed by hand on tiny corpora)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from synth import make_lexicon, save_label_npz
from unibench.datasets.cards import DatasetCard
from unibench.errors import UserError
from unibench.lexicon.native import load_native


@pytest.fixture(scope="module")
def native():
    return load_native(embedding_fallback=False)


# ---- named lexicons --------------------------------------------------------------------------------------------

def test_lexicon_names(tmp_path, reference):
    from unibench.lexicon.registry import load_lexicon

    assert load_lexicon(None).id == "native" and load_lexicon("native").id == "native"
    folder = make_lexicon(tmp_path / "wheel")
    assert load_lexicon(f"affectgpt:{folder}").id == "affectgpt"
    assert load_lexicon(str(folder)).id == "affectgpt"  # a bare path, as before
    with pytest.raises(UserError, match="holds the 'affectgpt' lexicon"):
        load_lexicon(f"mer2026:{folder}")
    with pytest.raises(UserError, match="takes no path"):
        load_lexicon(f"native:{folder}")
    with pytest.raises(UserError, match="not shipped"):
        load_lexicon("affectgpt")
    npz = reference / "MER2026" / "emotion_wheel" / "wheel_mapping.npz"
    assert load_lexicon(f"mer2026:{npz}").id == "mer2026"


def test_run_defaults_to_native(tmp_path, cli):
    code, out, err = cli("run", "--model", "text-lexicon", "--dataset", "demo-basic", "--results-dir", tmp_path,
                         "--format", "json", "--bootstrap", "0")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["lexicon"]["id"] == "native" and doc["extractor"]["id"] == "lexicon"
    stored = json.loads((tmp_path / "text-lexicon" / "demo-basic.json").read_text())
    assert stored["provenance"]["run_spec"]["extractor"].startswith("lexicon@")  # the resolved default is recorded
    assert stored["provenance"]["run_spec"]["lexicon"].startswith("native@")


# ---- word finder -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("I am not happy about it.", ["not happy"]),        # a listed negated phrase: its pivots, never happy
    ("He was not angry at all.", []),
    ("She doesn't seem angry, just tired.", ["tired"]),
    ("never afraid", []),
    ("I felt let down and very angry!", ["let down", "angry"]),  # phrases win over their words; modifiers go
    ("The character's emotional state is angry, sad, anxious.", ["angry", "sad", "anxious"]),
    ("happy, happy, sad", ["happy", "sad"]),
])
def test_word_finder(native, text, want):
    from unibench.extract.wordfind import WordFinder

    assert WordFinder(native).find(text) == want


def test_negated_phrase_never_reaches_the_word(native):
    from unibench.extract.wordfind import WordFinder

    for wheel in native.wheels:
        for w in WordFinder(native).find("not happy"):
            assert native.map_word(w, wheel, "level1") != native.map_word("happy", wheel, "level1")


def test_word_finder_upstream_lexicon(tmp_path):
    from unibench.extract.wordfind import WordFinder
    from unibench.lexicon.registry import load_lexicon

    lex = load_lexicon(str(make_lexicon(tmp_path / "wheel")))
    assert WordFinder(lex).find("Cheerful but not merry, and a little nervous.") == ["cheerful", "nervous"]


@pytest.mark.parametrize("text,want", [
    ("happy and calm", "positive"),
    ("angry, sad, but relieved", "negative"),           # majority
    ("sad and happy", "positive"),                      # tie: the last polar word decides
    ("happy and sad", "negative"),
    ("happy, sad and angry", "negative"),               # more negative than positive words
    ("The character's emotional state is neutral, calm.", "neutral"),  # says "neutral" first
    ("The meeting is at three.", "neutral"),            # no polar word
    ("overall positive", "positive"),                   # explicit polarity words count
    ("not positive at all", "neutral"),                 # ... unless negated
    ("I am not happy", "negative"),                     # the negated phrase's pivots carry the valence
])
def test_sentiment_rule(native, text, want):
    from unibench.extract.wordfind import SentimentFinder

    assert SentimentFinder(native).sentiment(text) == want


def test_lexicon_extractor_text_and_structured(native):
    from unibench.extract.lexicon import LexiconExtractor
    from unibench.schema import Response

    ex = LexiconExtractor(native)
    got = ex.extract(None, "sentiment", {"a": Response(text="The speaker is not happy, rather anxious."),
                                         "b": Response(labels=("joy",), valence=-0.5),
                                         "c": Response(label="happy")})
    # a list answer is copied item by item; the degree word goes, as an LLM extractor drops it
    assert got["a"].labels == "[not happy, anxious]" and got["a"].sentiment == "negative"
    assert got["b"].labels == "[joy]" and got["b"].sentiment == "negative"  # a given valence wins
    assert got["c"].labels == "[happy]" and got["c"].sentiment == "positive"
    assert ex.extract(None, "discrete", {"x": Response(text="")})["x"].labels == "[]"


# ---- text baselines on a hand-made 3-4 sample corpus -----------------------------------------------------------

def _card(tmp_path: Path, task: str, rows: list[tuple[str, str, object]]) -> DatasetCard:
    folder = tmp_path / f"tiny-{task}-process"
    folder.mkdir(parents=True)
    key = "test1_corpus" if task == "discrete" else "test_corpus"
    save_label_npz(folder / "label.npz", {key: {n: ({"emo": g, "val": 0.0} if task == "discrete" else
                                                    {"emo": 0, "val": g}) for n, _, g in rows}})
    with open(folder / "subs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "chinese", "english"])
        w.writerows([n, "", s] for n, s, _ in rows)
    return DatasetCard(name=f"tiny-{task}", version="1", title="tiny", task=task, folder=folder.name,
                       label_file="label.npz", split=key, n_test=len(rows), metric="x", citation="",
                       label_space=("neutral", "angry", "happy", "sad") if task == "discrete" else (),
                       subtitles={"file": "subs.csv", "column": "english"})


def _score(card, root, model, native):
    from unibench.adapters import build_adapter
    from unibench.datasets import load_corpus
    from unibench.extract.lexicon import LexiconExtractor
    from unibench.runner import RunOptions, evaluate_dataset

    corpus = load_corpus(card, root)
    return evaluate_dataset(card, corpus, build_adapter(model), LexiconExtractor(), native,
                            RunOptions(model_name=model, model_spec=model, bootstrap=0))


def test_text_lexicon_hit_by_hand(tmp_path, native):
    rows = [("s1", "I am so angry right now!", "angry"),       # "so angry" -> angry: hit on every wheel
            ("s2", "He was not angry at all.", "angry"),      # negated: nothing found, 0 on every wheel
            ("s3", "The bus leaves at noon.", "neutral")]     # neutral gold: on no wheel, not scored
    assert all(native.map_word("angry", w, "level1") for w in native.wheels)
    o = _score(_card(tmp_path, "discrete", rows), tmp_path, "text-lexicon", native)
    e = o.selected[0]
    assert e.n == 2 and e.score == pytest.approx(50.0)  # (1 + 0) / 2 on each of the 4 wheels
    assert [r["pred"] for r in o.rows] == ["[angry]", "[]", "[]"]


def test_text_lexicon_waf_by_hand(tmp_path, native):
    rows = [("p1", "I love this, it is wonderful.", 2.0),    # positive, right
            ("n1", "This is awful and I hate it.", -2.0),    # negative, right
            ("n2", "I am not happy.", -1.0),                 # "not happy" -> sad pivots: negative, right
            ("n3", "I was happy until it broke.", -1.0),     # happy: positive, wrong
            ("z0", "It is Tuesday.", 0.0)]                   # zero gold: dropped
    e = _score(_card(tmp_path, "sentiment", rows), tmp_path, "text-lexicon", native).selected[0]
    # y = [1, 0, 0, 0], yhat = [1, 0, 0, 1]: ACC 3/4; F1(pos) = 2/3 (support 1), F1(neg) = 0.8 (support 3)
    assert e.n == 4 and e.secondary["acc"] == pytest.approx(75.0)
    assert e.score == pytest.approx(100 * (1 * 2 / 3 + 3 * 0.8) / 4)


def test_text_embed_basic(tmp_path, native):
    from unibench.lexicon.native_embed import EmbeddingBackend

    if not EmbeddingBackend().available:
        pytest.skip("all-MiniLM-L6-v2 not installed")
    rows = [("a", "I am furious, this makes me so angry!", "angry"),
            ("b", "I am so happy, what a joyful day!", "happy")]
    o = _score(_card(tmp_path, "discrete", rows), tmp_path, "text-embed", native)
    assert [r["pred"] for r in o.rows] == ["[angry]", "[happy]"]
    assert o.selected[0].score == pytest.approx(100.0)


def test_text_baseline_needs_subtitles(tmp_path, native):
    card = _card(tmp_path, "discrete", [("a", "I am sad.", "sad")])
    (tmp_path / card.folder / "subs.csv").unlink()
    with pytest.raises(UserError, match="reads subtitles"):
        _score(card, tmp_path, "text-lexicon", native)


def test_bare_and_pathed_model_specs():
    from unibench.adapters import build_adapter

    assert build_adapter("text-embed").default_name == "text-embed"
    with pytest.raises(UserError, match="expected KIND:ARG"):
        build_adapter("affectgpt-npz")


# ---- demo corpus and `unibench demo` ---------------------------------------------------------------------------

def test_builtin_root_layout():
    from unibench.datasets import get_card, load_corpus
    from unibench.demo import builtin_root

    root = builtin_root()
    assert builtin_root() == root and (root / ".complete").is_file()
    sizes = {}
    for name in ("demo-basic", "demo-sentiment", "demo-openvocab"):
        corpus = load_corpus(get_card(name), None, subtitles=True)
        assert not corpus.partial and all(s.subtitle for s in corpus.samples)
        sizes[name] = len(corpus.samples)
    assert sizes == {"demo-basic": 60, "demo-sentiment": 50, "demo-openvocab": 40}


def test_demo_end_to_end(tmp_path, cli):
    code, out, err = cli("demo", "--results-dir", tmp_path, "--format", "json", "--bootstrap", "50")
    assert code == 0, err
    doc = json.loads(out)
    assert [m["model"] for m in doc["models"]] == ["text-lexicon", "text-embed"]
    for m in doc["models"]:
        assert m["lexicon"]["id"] == "native" and m["extractor"]["id"] == "lexicon"
        assert {r["dataset"]: r["metric"] for r in m["results"]} == {
            "demo-basic": "hit", "demo-sentiment": "waf", "demo-openvocab": "ew_f"}
        assert m["mean"] is not None and "demo" in m["mean_note"]
    board = json.loads((tmp_path / "leaderboard.json").read_text())
    runs = [s for s in board["settings"] if s["kind"] == "runs"]
    assert runs and all(s["suite"] == "demo" and s["datasets"][:3] == ["demo-basic", "demo-sentiment",
                                                                        "demo-openvocab"] for s in runs)
    md = (tmp_path / "LEADERBOARD.md").read_text()
    assert "demo suite (not MER-UniBench)" in md


def test_demo_rows_never_in_mer_unibench_tables(tmp_path, cli, monkeypatch):
    """By default the demo writes into a scratch folder, never the clone's results/. A demo result and a
    MER-UniBench result under the same lexicon and extractor: two tables."""
    from unibench.leaderboard.collect import build
    from unibench.paths import cache_dir

    monkeypatch.chdir(tmp_path)
    code, out, err = cli("demo", "--bootstrap", "0", "--no-leaderboard")
    assert code == 0, err
    scratch = cache_dir() / "demo" / "results"
    assert f"results in {scratch}" in out and not (tmp_path / "results").exists()
    import shutil

    res = tmp_path / "r"
    shutil.copytree(scratch, res)
    src = json.loads((res / "text-lexicon" / "demo-basic.json").read_text())
    fake = dict(src, dataset=dict(src["dataset"], name="mer2023"))
    (res / "other").mkdir()
    (res / "other" / "mer2023.json").write_text(json.dumps(dict(fake, model={"name": "other"})))
    settings = [s for s in build(res)["settings"] if s["kind"] == "runs"]
    assert sorted(s["suite"] for s in settings) == ["demo", "mer-unibench"]
    main = next(s for s in settings if s["suite"] == "mer-unibench")
    assert [r["model"] for r in main["rows"]] == ["other"]
    assert all(not d.startswith("demo") for r in main["rows"] for d in r["cells"])


def test_meta_words_are_not_emotions(native):
    from unibench.extract.wordfind import SentimentFinder, WordFinder

    text = "The character's emotional state is positive emotions, joy, emotionally detached."
    assert WordFinder(native).find(text) == ["joy", "emotionally detached"]  # a listed phrase stays whole
    finder = SentimentFinder(native)
    assert "positive emotions" in finder.words(text)  # the valence phrase still counts for sentiment
    assert finder.sentiment(text) == "positive"
