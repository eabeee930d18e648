"""challenge-tracks.md §1.4: trivial predictors on the committed MERBench labels (x100, 2 decimals)."""

import pytest

from unibench.metrics.classify import accuracy, mer2023_combined, mse, weighted_f1
from unibench.safe_npz import load_npz

MELD_EMOS = ["anger", "joy", "sadness", "neutral", "disgust", "fear", "surprise"]  # toolkit/preprocess/meld.py


def pct(x):
    return round(x * 100, 2)


def corpus(reference, folder, file, split):
    return load_npz(reference / "dataset" / folder / file)[f"{split}_corpus"]


def test_meld_all_neutral(reference):
    test = corpus(reference, "meld-process", "label.npz", "test")
    assert len(test) == 2610
    gt = [MELD_EMOS[v["emo"]] for v in test.values()]
    pred = ["neutral"] * len(gt)
    assert (pct(weighted_f1(gt, pred)), pct(accuracy(gt, pred))) == (31.27, 48.12)


def nonzero_binary(values, constant_positive):
    # MERBench Non0 protocol: drop exact-zero GT, then positive (> 0) vs non-positive
    gt = [v > 0 for v in values if v != 0]
    return gt, [constant_positive] * len(gt)


@pytest.mark.parametrize("folder, n, pos, neg", [
    ("cmumosi-process", 656, (25.07, 42.2), (42.31, 57.8)),
    ("sims-process", 388, (19.13, None), (49.85, None)),
])
def test_sentiment_constant_predictors(reference, folder, n, pos, neg):
    values = [v["val"] for v in corpus(reference, folder, "label.npz", "test").values()]
    for constant, (want_waf, want_acc) in ((True, pos), (False, neg)):
        gt, pred = nonzero_binary(values, constant)
        assert len(gt) == n
        assert pct(weighted_f1(gt, pred)) == want_waf
        if want_acc is not None:
            assert round(accuracy(gt, pred) * 100, 1) == want_acc


def test_mer2023_test1(reference):
    train = corpus(reference, "mer2023-dataset-process", "label-6way.npz", "train")
    test1 = corpus(reference, "mer2023-dataset-process", "label-6way.npz", "test1")
    assert len(test1) == 411
    gt = [v["emo"] for v in test1.values()]
    angry = ["angry"] * len(gt)
    assert (pct(weighted_f1(gt, angry)), pct(accuracy(gt, angry))) == (10.40, 25.55)
    # train-majority class + train-mean valence
    emos = [v["emo"] for v in train.values()]
    majority = max(set(emos), key=emos.count)
    mean_val = sum(v["val"] for v in train.values()) / len(train)
    assert majority == "neutral" and round(mean_val, 3) == -0.691
    waf = weighted_f1(gt, [majority] * len(gt))
    m = mse([v["val"] for v in test1.values()], [mean_val] * len(gt))
    assert (pct(waf), round(m, 4), round(mer2023_combined(waf, m), 4)) == (7.55, 3.0648, -0.6907)


def test_mer2023_test2(reference):
    train = corpus(reference, "mer2023-dataset-process", "label-6way.npz", "train")
    test2 = corpus(reference, "mer2023-dataset-process", "label-6way.npz", "test2")
    assert len(test2) == 412
    mean_val = sum(v["val"] for v in train.values()) / len(train)
    gt = [v["emo"] for v in test2.values()]
    waf = weighted_f1(gt, ["neutral"] * len(gt))
    m = mse([v["val"] for v in test2.values()], [mean_val] * len(gt))
    assert (pct(waf), round(m, 4), round(mer2023_combined(waf, m), 4)) == (13.73, 2.4664, -0.4793)
