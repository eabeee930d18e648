"""The MER-UniBench metrics on hand-worked cases and against sklearn."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from unibench.metrics.classify import accuracy, weighted_f1
from unibench.metrics.sentiment import binary_sentiment, polarity
from unibench.metrics.wheel import hit_rate, set_prf

F = frozenset


def test_hit_rate_skips_empty_gold_and_ignores_extra_predictions():
    gold = [F({"happy"}), F(), F({"sad"}), F({"mad"})]
    pred = [F({"happy", "sad", "mad"}), F({"happy"}), F(), F({"happy"})]
    h = hit_rate(gold, pred)
    assert h.n == 3 and h.value == pytest.approx(1 / 3)


def test_hit_rate_with_no_scored_sample_is_none():
    assert hit_rate([F()], [F({"x"})]).value is None


def test_set_prf_is_f_of_the_averages_not_the_average_f():
    gold = [F({"a", "b"}), F({"c"}), F()]
    pred = [F({"a"}), F({"c", "d", "e", "f"}), F({"a"})]
    m = set_prf(gold, pred)
    # sample 1: P=1, R=1/2; sample 2: P=1/4, R=1; sample 3 skipped (empty gold)
    P, R = (1 + 0.25) / 2, (0.5 + 1) / 2
    assert m.n == 2 and m.precision == pytest.approx(P) and m.recall == pytest.approx(R)
    assert m.f == pytest.approx(2 * P * R / (P + R))
    mean_of_f = (2 * 1 * 0.5 / 1.5 + 2 * 0.25 * 1 / 1.25) / 2
    assert m.f != pytest.approx(mean_of_f)


def test_set_prf_empty_prediction_scores_zero_and_zero_f_is_guarded():
    m = set_prf([F({"a"})], [F()])
    assert (m.precision, m.recall, m.f, m.n) == (0.0, 0.0, 0.0, 1)


def test_polarity_is_exact_and_case_sensitive():
    assert [polarity(w) for w in ("positive", "negative", "neutral", "mixed", "", "Positive")] == [1, -1, 0, 0, 0, 0]


def test_binary_sentiment_drops_zero_gold_and_counts_neutral_as_negative():
    m = binary_sentiment([2.0, -1.0, 0.0, 0.4, -0.2], [1, 0, 1, 0, -1])
    # kept: (T,T) (F,F) (T,F) (F,F) -> acc 3/4
    assert (m.n, m.n_zero_gold) == (4, 1)
    assert m.acc == pytest.approx(0.75)
    assert m.waf == pytest.approx(f1_score([1, 0, 1, 0], [1, 0, 0, 0], average="weighted"))


@pytest.mark.parametrize("seed", range(5))
def test_weighted_f1_and_accuracy_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 200)
    p = np.where(rng.random(200) < 0.6, y, rng.integers(0, 5, 200))  # class 4 only predicted
    assert weighted_f1(y, p) == pytest.approx(f1_score(y, p, average="weighted", zero_division=0), abs=1e-12)
    assert accuracy(y, p) == pytest.approx(accuracy_score(y, p), abs=1e-12)


def test_all_zero_gold_gives_no_score():
    assert binary_sentiment([0.0, 0.0], [1, -1]).waf is None
