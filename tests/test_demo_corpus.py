"""The demo corpus (unibench/demo/corpus.yaml): counts, ids, label spaces and value ranges."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

import unibench

CORPUS = Path(unibench.__file__).parent / "demo" / "corpus.yaml"
BASIC = ["neutral", "angry", "happy", "sad", "worried", "surprise"]


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


def test_header(doc):
    assert doc["version"] == "1.0" and doc["license"] == "Apache-2.0"
    assert "unibench" in doc["citation"]
    assert doc["label_spaces"]["basic"] == BASIC
    assert set(doc["sets"]) == {"basic", "sentiment", "openvocab"}


def test_counts(doc):
    s = doc["sets"]
    assert len(s["basic"]) == 60 and len(s["sentiment"]) == 50 and len(s["openvocab"]) == 40
    assert Counter(x["emo"] for x in s["basic"]) == {e: 10 for e in BASIC}


def test_ids_unique_and_well_formed(doc):
    prefix = {"basic": "basic", "sentiment": "sent", "openvocab": "ov"}
    ids = []
    for name, items in doc["sets"].items():
        for n, x in enumerate(items, 1):
            assert x["id"] == f"demo_{prefix[name]}_{n:04d}"
            ids.append(x["id"])
    assert len(ids) == len(set(ids))


def test_subtitles(doc):
    subs = [x["subtitle"] for items in doc["sets"].values() for x in items]
    assert len(subs) == len(set(subs)), "no duplicate utterances"
    for s in subs:
        assert isinstance(s, str) and s == s.strip() and 1 <= len(s) <= 120 and "\n" not in s


def test_fields_and_hard_marks(doc):
    allowed = {"basic": {"id", "subtitle", "emo", "hard"}, "sentiment": {"id", "subtitle", "val", "hard"},
               "openvocab": {"id", "subtitle", "openset", "hard"}}
    hard = 0
    for name, items in doc["sets"].items():
        for x in items:
            assert set(x) <= allowed[name] and set(x) >= allowed[name] - {"hard"}
            if "hard" in x:
                assert x["hard"] in {"sarcasm", "negation", "implicit"}
                hard += 1
    assert 15 <= hard <= 50, "a minority of items are hard"


def test_sentiment_values(doc):
    vals = [x["val"] for x in doc["sets"]["sentiment"]]
    assert all(isinstance(v, float) and -3.0 <= v <= 3.0 for v in vals)
    assert 3 <= sum(v == 0.0 for v in vals) <= 8
    assert sum(v > 0 for v in vals) >= 15 and sum(v < 0 for v in vals) >= 15
    assert len({abs(v) for v in vals}) >= 8, "varied magnitudes"


def test_openvocab_sets(doc):
    sets = [x["openset"] for x in doc["sets"]["openvocab"]]
    assert 1 <= sum(not s for s in sets) <= 3, "one or two empty (neutral) items"
    for s in sets:
        assert len(s) <= 4 and len(s) == len(set(s))
        assert all(re.fullmatch(r"[a-z][a-z -]*", w) for w in s)
