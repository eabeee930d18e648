"""OV-MER M1/M2/M3 on the tiny synthetic lexicon, worked by hand."""

from __future__ import annotations

import pytest

from synth import make_lexicon
from unibench.tracks.ovmer import map_case, ovmer_suite, suite_metrics


@pytest.fixture(scope="module")
def lex(tmp_path_factory):
    from unibench.lexicon.upstream import load_upstream

    return load_upstream(make_lexicon(tmp_path_factory.mktemp("lex") / "emotion_wheel"))


def test_metric_names(lex):
    names = suite_metrics(lex.wheels)
    assert names[:4] == ["M1", "M2", "M3-W1-L1", "M3-W1-L2"] and names[-1] == "M3-W5-L2" and len(names) == 12


def test_cases(lex):
    # the synthetic "happyness" is a form of 'happy' (case1); 'cheerful' is a GPT synonym of the wheel word 'happy' (case2)
    assert map_case(lex, "happyness", "M1") == "happy"
    assert map_case(lex, "cheerful", "M1") == "cheerful"
    assert map_case(lex, "cheerful", "M2") == "happy"
    assert map_case(lex, "glad", "M3-W1-L1") == "happy" and map_case(lex, "glad", "M3-W1-L2") == "joyful"
    assert map_case(lex, "zzz", "M1") is None and map_case(lex, "zzz", "M3-W2-L1") is None
    assert map_case(lex, "startled", "M3-W5-L1") is None  # wheel5 has no 'surprised'


def test_suite_by_hand(lex):
    gold = {"a": "['happy', 'lonely']", "b": "['zzz']"}
    pred = {"a": "['cheerful']", "b": "['happy']"}
    out = ovmer_suite(gold, pred, lex)
    s = out["metrics"]
    # sample b: gold maps to nothing under every metric -> not scored
    # M1: G={happy, lonely}, P={cheerful} -> P=R=0: F = 0/0, NaN in the official code -> None, and M-avg undefined
    assert (s["M1"]["f"], s["M1"]["p"], s["M1"]["n"]) == (None, 0.0, 1)
    assert out["m_avg"] is None and out["undefined"].startswith("M1: precision + recall = 0")
    # M2: G={happy, lonely}, P={happy} -> precision 1, recall 1/2, F = 2/3
    assert (s["M2"]["p"], s["M2"]["r"]) == (100.0, 50.0) and s["M2"]["f"] == pytest.approx(200 / 3)
    # M3 level 1: lonely -> sad, happy -> happy: G={happy, sad}, P={happy}: same as M2
    assert s["M3-W1-L1"]["f"] == pytest.approx(200 / 3)
    # level 2: happy (a root) -> its first child 'content', cheerful -> happy -> 'content'; lonely -> 'lonely'
    assert s["M3-W3-L2"]["f"] == pytest.approx(200 / 3)
