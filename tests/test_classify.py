import math
import random

import pytest

from unibench.metrics.classify import accuracy, macro_f1, mer2023_combined, mse, weighted_f1

sk = pytest.importorskip("sklearn.metrics")


def test_hand_worked_weighted_f1():
    # a: tp 1, support 2, predicted 1 -> F1 2/3; b: tp 1, support 1, predicted 2 -> F1 2/3; c: support 0.
    y_true = ["a", "a", "b"]
    y_pred = ["a", "b", "b"]
    assert weighted_f1(y_true, y_pred) == pytest.approx(2 / 3)
    assert accuracy(y_true, y_pred) == pytest.approx(2 / 3)


def test_true_label_never_predicted_scores_zero():
    # class b (support 2) is never predicted: F1_b = 0; F1_a = 2*2/(2+4) = 2/3; weighted = (2/3*2 + 0*2)/4
    assert weighted_f1(["a", "a", "b", "b"], ["a"] * 4) == pytest.approx(1 / 3)


def test_only_predicted_label_has_no_weight():
    assert weighted_f1(["a", "a"], ["a", "z"]) == pytest.approx(2 / 3)  # z: support 0 -> weight 0


def test_labels_argument_restricts_average():
    y_true, y_pred = ["a", "b", "c", "c"], ["a", "c", "c", "b"]
    for labels in (["a", "b"], ["c"], ["a", "b", "c", "d"]):
        assert weighted_f1(y_true, y_pred, labels) == pytest.approx(
            sk.f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0), abs=1e-15)


def test_zero_support_is_zero():
    assert weighted_f1(["a"], ["a"], labels=["b"]) == 0.0


@pytest.mark.parametrize("seed", range(20))
def test_matches_sklearn_random(seed):
    rng = random.Random(seed)
    classes = ["neutral", "angry", "happy", "sad", "worried", "surprise"][: rng.randint(2, 6)]
    n = rng.randint(1, 300)
    y_true = [rng.choice(classes) for _ in range(n)]
    y_pred = [rng.choice(classes + ["extra"]) for _ in range(n)]
    assert weighted_f1(y_true, y_pred) == pytest.approx(
        sk.f1_score(y_true, y_pred, average="weighted", zero_division=0), abs=1e-12)
    assert macro_f1(y_true, y_pred) == pytest.approx(
        sk.f1_score(y_true, y_pred, average="macro", zero_division=0), abs=1e-12)
    assert accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred), abs=1e-15)


def test_integer_labels():
    y_true, y_pred = [0, 1, 2, 2, 1], [0, 2, 2, 2, 0]
    assert weighted_f1(y_true, y_pred) == pytest.approx(sk.f1_score(y_true, y_pred, average="weighted"))


@pytest.mark.parametrize("bad", [([], []), (["a"], ["a", "b"]), (["a", 1], ["a", "a"])])
def test_bad_inputs(bad):
    with pytest.raises(ValueError):
        weighted_f1(*bad)


def test_mse_and_combined():
    assert mse([1.0, -1.0, 0.5], [0.0, 1.0, 0.5]) == pytest.approx(5 / 3)
    assert mse([1, 2, 3], [1.5, 2, 2]) == pytest.approx(sk.mean_squared_error([1, 2, 3], [1.5, 2, 2]))
    with pytest.raises(ValueError):
        mse([math.nan], [0.0])
    # the MER2023 baseline quoted in the doc: WAF 77.57 %, MSE 0.82 -> 0.5707
    assert mer2023_combined(0.7757, 0.82) == pytest.approx(0.5707)
