import csv
import io
import json
import zipfile

import numpy as np
import pytest

from unibench.errors import UserError
from unibench.metrics.synonym_groups import (clean_grouping, load_grouping_zip, parse_grouping,
                                             sample_precision_recall, score_mer2024_ov, synonym_map)
from unibench.textlists import string_to_list, string_to_list_mer2024


# --- the MER2024 splitter ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("['happy', 'sad']", ["happy", "sad"]),
    ('["happy", "sad"]', ["happy", "sad"]),
    ("[happy, sad]", ["happy, sad"]),                       # quotes only: one token
    ("[\"don't believe\", 'doubt']", ["don", "t believe", "doubt"]),
    ("['a ', ' b']", ["a ", " b"]),                          # tokens are not stripped
    ("[]", []), ("", []), (None, []), (float("nan"), []),
    ("x ['a'] ['b']", ["a"]),                                # first bracket pair only
])
def test_string_to_list_mer2024(value, expected):
    assert string_to_list_mer2024(value) == expected


def test_string_to_list_mer2024_differs_from_2025():
    assert string_to_list("[happy, sad]") == ["happy", "sad"]
    with pytest.raises(ValueError):
        string_to_list_mer2024("happy, sad")


# --- grouping replies ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reply, groups", [
    ("[['joyful', 'happy'], ['sad']]", [["joyful", "happy"], ["sad"]]),
    ("[[happy, joyful], ['sad']]", [["happy, joyful"], ["sad"]]),            # unquoted: one word, as upstream
    (' [ ["don\'t"] , [] ] ', [["don", "t"]]),                                 # quote split: the apostrophe too
    ("[['a ', ' b']]", [["a ", " b"]]),                                       # tokens are not stripped
    ("[]", []), ("", []),
    ("Sure: [['a']].", [["Sure: "], ["a"], ["."]]),                          # prose around it becomes groups
])
def test_parse_grouping_splits_as_listlist_to_list(reply, groups):
    assert parse_grouping(reply) == groups


@pytest.mark.parametrize("reply, clean", [
    ("[['joyful', 'happy'], ['sad']]", True), ("[]", True), ('[["a"], []]', True),
    ("[[a]]", False), ("[['a' 'b']]", False), ("['a']", False), ("Output: [['a']]", False), ("[['a']].", False),
    ("[[['a']]]", False), ("__import__('os')", False),
])
def test_clean_grouping_is_the_strict_shape(reply, clean):
    assert clean_grouping(reply) is clean


def test_parse_grouping_rejects_non_string():
    with pytest.raises(ValueError):
        parse_grouping(["a"])  # type: ignore[arg-type]


def test_synonym_map_first_member_and_last_group_wins():
    assert synonym_map([["joyful", "happy"], ["sad"]]) == {"joyful": "joyful", "happy": "joyful", "sad": "sad"}
    assert synonym_map([["a", "x"], ["b", "x"]])["x"] == "b"


def test_sample_precision_recall_hand_worked():
    mapping = synonym_map([["joyful", "happy", "glad"], ["sad"], ["angry"]])
    # G = {joyful, sad}, P = {joyful (via Glad, lower-cased), angry}: 1 hit
    assert sample_precision_recall(["Happy", "sad"], ["Glad", "angry"], mapping) == (0.5, 0.5)
    # duplicates collapse after mapping: P = {joyful}
    assert sample_precision_recall(["happy", "sad", "angry"], ["happy", "joyful"], mapping) == (1.0, 1 / 3)
    assert sample_precision_recall(["happy"], [], mapping) == (0.0, 0.0)
    assert sample_precision_recall(["calm"], ["calm"], {}) == (1.0, 1.0)  # unmapped words stand for themselves
    with pytest.raises(ValueError):
        sample_precision_recall([], ["happy"], mapping)


def test_score_hand_worked():
    gt = {"s1": "['happy', 'sad']", "s2": "['angry']", "s3": "['calm']"}
    pred = {"s1": "['joyful']", "s2": "[]", "s3": "['calm']"}
    replies = {"s1": "[['happy', 'joyful'], ['sad']]", "s2": "[['angry']]"}  # s3 has no reply: not scored
    s = score_mer2024_ov(gt, pred, replies)
    assert (s.precision, s.recall, s.n) == (pytest.approx(0.5), pytest.approx(0.25), 2)
    assert s.score == pytest.approx(0.375)


def test_score_errors_name_the_sample():
    with pytest.raises(ValueError, match="s9"):
        score_mer2024_ov({}, {}, {"s9": "[['a']]"})
    with pytest.raises(ValueError, match="s1.*no '\\['"):
        score_mer2024_ov({"s1": "['a']"}, {"s1": "a"}, {"s1": "[['a']]"})
    assert score_mer2024_ov({}, {}, {}).score is None  # nothing scored: upstream's mean of an empty list


# --- the zip loader ------------------------------------------------------------------------------------------------

def _npy(value) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value)
    return buf.getvalue()


def test_load_grouping_zip(tmp_path):
    path = tmp_path / "g.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("openset-synonym/", "")
        zf.writestr("openset-synonym/s1.npy", _npy("[['a', 'b']]"))
        zf.writestr("openset-synonym/s2.npy", _npy(np.array("[['c']]", dtype=object)))
        zf.writestr("other/ignored.npy", _npy("[['x']]"))
    assert load_grouping_zip(path) == {"s1": "[['a', 'b']]", "s2": "[['c']]"}


def test_load_grouping_zip_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_grouping_zip(tmp_path / "missing.zip")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="bad.zip"):
        load_grouping_zip(tmp_path / "bad.zip")
    path = tmp_path / "num.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("openset-synonym/s1.npy", _npy(np.arange(3)))
    with pytest.raises(UserError, match="s1.npy"):
        load_grouping_zip(path)


# --- reference reproduction: MER2024/main-ov.py on the shipped ov_store ----------------------------------------------

def _openset(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["name"]: row["openset"] for row in csv.DictReader(fh)}


def test_reproduces_mer2024_ov_store(reference):
    store = reference / "ov-mer" / "ov_store"
    replies = load_grouping_zip(store / "openset-synonym.zip")
    score = score_mer2024_ov(_openset(store / "check-openset.csv"), _openset(store / "predict-openset.csv"), replies)
    expected = json.loads((reference / "expected.json").read_text())["ov_store_mer2024_example"][
        "mer2024_gpt_synonym_metric"]
    assert score.n == expected["n"] == 332
    for got, want in zip((score.precision, score.recall, score.score), expected["raw_fractions"]):
        assert got == pytest.approx(want, abs=1e-12)
    assert (round(score.precision * 100, 4), round(score.recall * 100, 4), round(score.score * 100, 4)) == (
        58.1777, 49.7791, 53.9784)
