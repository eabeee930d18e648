"""Non-official macro F1 via the wheel clusters and the confusion tables (unibench.metrics.class_f1,
unibench.class_scores): against sklearn, and hand-worked cases on the synthetic lexicon."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from unibench.class_scores import NONE, discrete_views, sentiment_confusion
from unibench.metrics.class_f1 import confusion_counts, macro_f1_sets


@pytest.mark.parametrize("seed", range(5))
def test_macro_f1_sets_is_sklearn_multilabel_macro_over_gold_classes(seed):
    rng = np.random.default_rng(seed)
    n, k = 200, 6
    gold = rng.integers(-1, k - 1, size=n)  # class k-1 never gold: left out of the mean; -1 = not scored
    pred = rng.random((n, k)) < 0.3
    got = macro_f1_sets(gold, pred)
    scored = gold >= 0
    truth = np.zeros((scored.sum(), k), dtype=int)
    truth[np.arange(scored.sum()), gold[scored]] = 1
    present = sorted(set(gold[scored].tolist()))
    want = f1_score(truth, pred[scored].astype(int), labels=present, average="macro", zero_division=0)
    assert got.value == pytest.approx(want, abs=1e-12)
    assert got.n == scored.sum() and got.support[k - 1] == 0


def test_single_prediction_is_sklearn_macro_f1():
    gold = np.array([0, 0, 1, 1, 2, 2, 2])
    yhat = np.array([0, 1, 1, -1, 2, 0, 2])  # -1: the answer reached no gold class
    pred = np.zeros((7, 3), dtype=bool)
    pred[np.arange(7)[yhat >= 0], yhat[yhat >= 0]] = True
    want = f1_score(gold, np.where(yhat < 0, 99, yhat), labels=[0, 1, 2], average="macro")
    assert macro_f1_sets(gold, pred).value == pytest.approx(want)


def test_hand_worked_macro_f1_and_no_scored_sample():
    # class 0: TP 1, FN 1, FP 1 -> 2/4; class 1: TP 1, FN 0, FP 1 -> 2/3
    got = macro_f1_sets(np.array([0, 0, 1]), np.array([[True, True], [False, False], [True, True]]))
    assert got.per_class == pytest.approx((0.5, 2 / 3)) and got.value == pytest.approx((0.5 + 2 / 3) / 2)
    assert macro_f1_sets(np.array([-1, -1]), np.zeros((2, 2), dtype=bool)).value is None
    with pytest.raises(ValueError):
        macro_f1_sets(np.array([0, 3]), np.zeros((2, 2), dtype=bool))
    assert confusion_counts(np.array([0, 1, 1]), np.array([2, 0, 0]), 2, 3).tolist() == [[0, 0, 1], [2, 0, 0]]


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    from synth import make_lexicon
    from unibench.lexicon.registry import load_lexicon

    return load_lexicon(str(make_lexicon(tmp_path_factory.mktemp("wheel"))))


def test_discrete_views_hand_worked(lexicon):
    gold = ["happy", "happy", "sad", "sad", "surprised", "neutral"]
    pred = ["[glad]", "[lonely, joyful]", "[furious]", "[]", "[amazed]", "[sad]"]
    secondary, conf = discrete_views(gold, pred, lexicon)
    w1 = conf["wheels"]["wheel1"]
    assert w1["rows"] == ["happy", "sad", "surprised"]  # 'neutral' reaches no cluster: not scored, as in HIT
    cols = w1["columns"]
    assert cols[-1] == NONE and set(cols) == {"angry", "happy", "sad", "surprised", NONE}
    cell = {(r, c): w1["counts"][i][j] for i, r in enumerate(w1["rows"]) for j, c in enumerate(cols)}
    # happy: both hit (the second lists sad first, but reaches happy); sad: one angry, one empty answer
    assert cell[("happy", "happy")] == 2 and cell[("sad", "angry")] == 1 and cell[("sad", NONE)] == 1
    assert cell[("surprised", "surprised")] == 1
    assert sum(map(sum, w1["counts"])) == 5
    # wheel1 F1: happy TP2 FP0 FN0 -> 1; sad TP0 FP1 (from "lonely, joyful") FN2 -> 0; surprised -> 1
    assert secondary["macro_f1_per_wheel"]["wheel1"] == pytest.approx(200 / 3)
    # wheel5 has no 'surprised': that row is not scored there
    assert conf["wheels"]["wheel5"]["rows"] == ["happy", "sad"]
    assert sum(map(sum, conf["wheels"]["wheel5"]["counts"])) == 4
    assert secondary["macro_f1"] == pytest.approx(np.mean(list(secondary["macro_f1_per_wheel"].values())))


def test_sentiment_confusion_counts_scored_samples_only():
    conf = sentiment_confusion([1.0, -2.0, 0.0, 0.5, -0.1], ["positive", "neutral", "negative", "Positive", ""])
    assert conf["columns"] == ["positive", "negative", "neutral", "(other)"]
    assert conf["counts"] == [[1, 0, 0, 1], [0, 0, 1, 1]]  # 'Positive' is not 'positive' (case-sensitive)
    assert sum(map(sum, conf["counts"])) == 4  # the zero-gold sample is dropped, as the metric drops it


@pytest.mark.parametrize("seed", range(3))
def test_fmean_is_statistics_fmean(seed):
    import statistics

    from unibench.metrics import fmean

    rng = np.random.default_rng(seed)
    for n in (1, 2, 7, 1000):
        xs = (rng.random(n) * 10.0 ** rng.integers(-8, 8, n)).tolist()
        assert fmean(xs) == statistics.fmean(xs)  # bit for bit
    with pytest.raises(ValueError):
        fmean([])


def _views_by_hand(gold, pred, lexicon):
    """The confusion tables and per-wheel macro F1 the module docstring defines, sample by sample."""
    from unibench.textlists import normalise_words

    def clusters(labels, wheel):
        seen = {}
        for w in normalise_words(labels):
            c = lexicon.map_word(w, wheel, "level1")
            if c is not None:
                seen.setdefault(c)
        return tuple(seen)

    tables, f1 = {}, {}
    for wheel in lexicon.wheels:
        classes = sorted({g for g in gold if clusters(g, wheel)})
        if not classes:
            continue
        sets = {c: set(clusters(c, wheel)) for c in classes}
        answers = [clusters(p, wheel) for p in pred]
        columns = sorted(set().union(*sets.values(), *map(set, answers))) + [NONE]
        counts = [[0] * len(columns) for _ in classes]
        for g, a in zip(gold, answers):
            if g not in sets:
                continue
            hit = next((c for c in a if c in sets[g]), None)
            counts[classes.index(g)][columns.index(hit or (a[0] if a else NONE))] += 1
        tables[wheel] = {"rows": classes, "columns": columns, "counts": counts}
        gi = np.array([classes.index(g) if g in sets else -1 for g in gold])
        predicted = np.array([[bool(sets[c] & set(a)) for c in classes] for a in answers]).reshape(len(gold), -1)
        f1[wheel] = macro_f1_sets(gi, predicted).value
    return tables, f1


@pytest.mark.parametrize("seed", range(6))
def test_discrete_views_equal_the_sample_by_sample_definition(lexicon, seed):
    rng = np.random.default_rng(seed)
    words = ["happy", "glad", "joyful", "sad", "lonely", "furious", "angry", "amazed", "surprised", "neutral",
             "calm", "xyz"]
    gold = [str(rng.choice(["happy", "sad", "angry", "surprised", "neutral", "worried"])) for _ in range(300)]
    pred = ["[" + ", ".join(rng.choice(words, size=rng.integers(0, 4))) + "]" for _ in gold]
    secondary, conf = discrete_views(gold, pred, lexicon)
    tables, f1 = _views_by_hand(gold, pred, lexicon)
    assert {w: {k: t[k] for k in ("rows", "columns", "counts")} for w, t in conf["wheels"].items()} == tables
    assert secondary["macro_f1_per_wheel"] == pytest.approx({w: None if v is None else v * 100 for w, v in f1.items()})


def test_label_segments_equal_segments_of_the_split_words(lexicon):
    """The encoder's memoised label-string path gives the rows the word path gives (repeats included)."""
    from unibench.textlists import normalise_words

    rng = np.random.default_rng(0)
    pool = ["[happy, sad]", "[]", "['Glad', \"calm\"]", " [happy]", "sad", "[furious,,angry ]", "[惊讶]"]
    strings = [str(rng.choice(pool)) for _ in range(200)]
    a, b = lexicon.encoder().label_segments(strings), lexicon.encoder().segments(map(normalise_words, strings))
    assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
