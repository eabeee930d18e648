"""The per-sample store by column (unibench.samples/3): rows round-trip, old row-per-line stores still read, and a
damaged store is a one-line error."""

from __future__ import annotations

import hashlib
import json

import pytest

from unibench.errors import UserError
from unibench.store import SampleColumns, encode_samples, sample_rows, write_result

BLOCK = SampleColumns("ck1", 3, {"id": ["a", "b", "c"], "gold": ["happy", "sad", "happy"],
                                 "pred": ["[glad]", "[]", "[sad]"], "hit": {"w1": [1, None, 0], "w2": [1, 0, 0]},
                                 "response": ["glad", None, "sad"],
                                 "error": [None, {"output": "timeout"}, None]})


def test_columns_expand_to_rows_with_null_meaning_absent():
    rows = list(BLOCK.rows())
    assert rows[0] == {"checkpoint": "ck1", "id": "a", "gold": "happy", "pred": "[glad]", "response": "glad",
                       "hit": {"w1": 1, "w2": 1}}
    assert rows[1] == {"checkpoint": "ck1", "id": "b", "gold": "sad", "pred": "[]", "error": {"output": "timeout"},
                       "hit": {"w1": None, "w2": 0}}  # a wheel that does not score a sample keeps its None


def test_store_round_trips_and_filters_by_checkpoint(tmp_path):
    other = SampleColumns("ck2", 1, {"id": ["a"], "gold": ["happy"], "pred": ["[]"], "hit": {"w1": [0], "w2": [0]}})
    path = tmp_path / "m" / "d.json"
    path.parent.mkdir()
    write_result(path, {"schema": "unibench.result/2"}, [BLOCK, other])
    doc = json.loads(path.read_text())
    assert doc["samples"]["rows"] == 4 and doc["samples"]["format"] == "jsonl-columns"
    assert sample_rows(path, doc) == list(BLOCK.rows()) + list(other.rows())
    assert [r["id"] for r in sample_rows(path, doc, "ck2")] == ["a"]


def test_row_per_line_stores_still_read(tmp_path):
    rows = [{"checkpoint": "ck1", "id": "a", "gold": "happy", "pred": "[glad]", "hit": {"w1": 1}}]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (tmp_path / "d.samples.jsonl").write_text(text)
    doc = {"samples": {"file": "d.samples.jsonl", "format": "jsonl", "rows": 1,
                       "sha256": hashlib.sha256(text.encode()).hexdigest()}}
    assert sample_rows(tmp_path / "d.json", doc) == rows


@pytest.mark.parametrize("damage", [lambda b: b["columns"]["pred"].pop(), lambda b: b.pop("n"),
                                    lambda b: b["columns"]["hit"]["w1"].append(1)])
def test_a_column_of_the_wrong_length_is_refused(tmp_path, damage):
    block = json.loads(encode_samples([BLOCK]))
    damage(block)
    text = json.dumps(block) + "\n"
    (tmp_path / "d.samples.jsonl").write_text(text)
    doc = {"samples": {"file": "d.samples.jsonl", "format": "jsonl-columns", "rows": 3,
                       "sha256": hashlib.sha256(text.encode()).hexdigest()}}
    with pytest.raises(UserError, match="d.samples.jsonl: not a per-sample store"):
        sample_rows(tmp_path / "d.json", doc)


def test_bulk_constructors_equal_the_dataclass_ones():
    from dataclasses import FrozenInstanceError

    from unibench.schema import Response

    r = Response.of_text("he is happy")
    assert r == Response(text="he is happy") and hash(r) == hash(Response(text="he is happy"))
    assert repr(r) == repr(Response(text="he is happy")) and not r.structured
    with pytest.raises(FrozenInstanceError):
        r.text = "x"  # type: ignore[misc]


def test_extraction_init_written_by_hand_behaves_as_the_generated_one():
    import dataclasses
    import pickle
    from dataclasses import FrozenInstanceError

    from unibench.schema import Extraction

    @dataclasses.dataclass(frozen=True)
    class Generated:  # the dataclass Extraction would be with its generated __init__
        labels: str
        sentiment: str | None = None
        error: str | None = None

    for args, kwargs in ((("[happy]",), {}), (("[]", "neutral"), {}), (("",), {"error": "timeout"}),
                         ((), {"labels": "[sad]", "sentiment": "negative", "error": None})):
        e, g = Extraction(*args, **kwargs), Generated(*args, **kwargs)
        assert dataclasses.astuple(e) == dataclasses.astuple(g)
        assert repr(e).split("(", 1)[1] == repr(g).split("(", 1)[1]
        assert e == Extraction(*args, **kwargs) and hash(e) == hash(Extraction(*args, **kwargs))
        assert pickle.loads(pickle.dumps(e)) == e and dataclasses.replace(e, labels="x").labels == "x"
    assert [f.name for f in dataclasses.fields(Extraction)] == ["labels", "sentiment", "error"]
    with pytest.raises(FrozenInstanceError):
        Extraction("[happy]").labels = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Extraction()  # type: ignore[call-arg]


def test_a_corpus_cut_on_one_side_only_is_refused():
    import dataclasses

    from unibench.datasets import load_corpus
    from unibench.datasets.cards import get_card

    corpus = load_corpus(get_card("demo-basic"), None)
    with pytest.raises(ValueError, match="same ids"):
        dataclasses.replace(corpus, samples=corpus.samples[:3])
    assert len(dataclasses.replace(corpus, samples=corpus.samples[:3], gold=corpus.gold[:3]).ids) == 3
