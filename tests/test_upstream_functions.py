"""Differential tests against upstream MER-UniBench's own functions (AffectGPT @ fffca79 in ../shared/upstream),
executed here: each function's source is taken from the upstream file (ast) and run in a namespace holding only
what it uses, so the heavy imports of its module (vllm, torch, ...) are never needed. They back the "as upstream"
claims of unibench.textlists.string_to_list and unibench.metrics.sentiment."""

from __future__ import annotations

import ast
import os
import random
import re
from pathlib import Path

import numpy as np
import pytest

UP = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "affectgpt-fffca79"
pytestmark = pytest.mark.skipif(not UP.is_dir(), reason="../shared/upstream (AffectGPT) not present")


def upstream_function(relpath: str, name: str, **namespace):
    """The top-level function `name` of an upstream file, compiled from its source into `namespace`."""
    path = UP / relpath
    tree = ast.parse(path.read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)
    return namespace[name]


def _random_label_string(rng: random.Random) -> str:
    parts = ["happy", "Sad", " calm ", "'worried'", '"angry"', "", " ", "very  tired", "惊讶", "[", "]", "don't"]
    seps = [", ", ",", "', '", '", "', " ; ", "'", '"', " and "]
    text = "".join(rng.choice(parts) + rng.choice(seps) for _ in range(rng.randint(0, 5)))
    return rng.choice(["[", "", " ["]) + text + rng.choice(["]", "", "] "])


def test_string_to_list_is_upstreams():
    import pandas as pd

    from unibench.textlists import string_to_list

    theirs = upstream_function("toolkit/utils/functions.py", "string_to_list", np=np, pd=pd, re=re)
    rng = random.Random(0)
    cases = [_random_label_string(rng) for _ in range(3000)] + ["", "[]", "[ ]", "[happy]", " [happy]", "happy]",
                                                                 "['a', 'b']", '["a","b"]', "[a, , b]", "]"]
    compared = 0
    for text in cases:
        if text == "[" or (text.startswith("[") and len(text) == 1):
            continue  # upstream raises IndexError on a lone "["; unibench returns []
        assert string_to_list(text) == theirs(text), text
        compared += 1
    assert compared > 2900
    assert string_to_list(["x", "y"]) == theirs(["x", "y"])  # a list is kept as it is
    assert string_to_list(float("nan")) == theirs(float("nan")) == []


@pytest.mark.parametrize("seed", range(4))
def test_sentiment_waf_and_acc_are_upstreams(tmp_path, seed):
    """calculate_dimension_zeroshot from the cached sentiment words: the word -> polarity mapping (exactly
    'positive' / 'negative', case-sensitive, anything else 0) and WAF / ACC over non-zero gold."""
    from sklearn.metrics import accuracy_score, f1_score

    from unibench.metrics.sentiment import binary_sentiment, polarity

    theirs = upstream_function("evaluation-scoreonly.py", "calculate_dimension_zeroshot", np=np, os=os,
                               accuracy_score=accuracy_score, f1_score=f1_score)
    rng = random.Random(seed)
    words = ["positive", "negative", "neutral", "Positive", "NEGATIVE", " positive", "", "mixed", "positive."]
    names = [f"s{i:04d}" for i in range(300)]
    gold = {n: rng.choice([-2.0, -0.4, 0.0, 0.0, 0.6, 1.8, 3.0]) for n in names}
    pred = {n: rng.choice(words) for n in names}
    ck = tmp_path / "checkpoint_000001.npz"
    np.savez(tmp_path / "checkpoint_000001-openset.npz", filenames=np.array(names), fileitems=np.array(["[x]"] * 300))
    np.savez(tmp_path / "checkpoint_000001-openset-sentiment.npz", filenames=np.array(names),
             fileitems=np.array([pred[n] for n in names]))
    fscore, acc = theirs(str(ck), gold, None, None, None, inter_print=False)
    ours = binary_sentiment([gold[n] for n in names], np.array([polarity(pred[n]) for n in names]))
    assert ours.waf == pytest.approx(fscore, abs=1e-12) and ours.acc == pytest.approx(acc, abs=1e-12)
    assert ours.n_zero_gold == sum(1 for v in gold.values() if v == 0)
