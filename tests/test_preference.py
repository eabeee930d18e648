import csv

import pytest

from unibench.metrics.preference import (length_baseline, postprocess_preference, swap_consistency, three_class,
                                         two_class)

sk = pytest.importorskip("sklearn.metrics")


@pytest.mark.parametrize("reply, expected", [
    ("a1", "a1"), ("A2.", "a2"), ("Same", "same"), ("same as a1", "same"),
    ("I think A2 is better than a1", "a2"),          # earliest occurrence
    ("Answer: a1", "a1"), ("both are the same", "same"),
    ("", "same"), ("no idea", "same"),              # undecidable -> same
])
def test_postprocess_preference(reply, expected):
    assert postprocess_preference(reply) == expected


def test_two_class_drops_gt_same_and_maps_pred_same_to_a1():
    gt = ["a1", "a2", "same", "a2", "a1"]
    pred = ["same", "a2", "a2", "a1", "a1"]
    s = two_class(gt, pred)
    g2, p2 = ["a1", "a2", "a2", "a1"], ["a1", "a2", "a1", "a1"]
    assert s.n == 4
    assert s.acc == pytest.approx(0.75)
    assert s.waf == pytest.approx(sk.f1_score(g2, p2, average="weighted"))


def test_three_class_matches_sklearn():
    gt = ["a1", "a2", "same", "a2", "a1", "same"]
    pred = ["same", "a2", "a2", "a1", "a1", "same"]
    s = three_class(gt, pred)
    assert (s.waf, s.acc, s.n) == (pytest.approx(sk.f1_score(gt, pred, average="weighted")),
                                   pytest.approx(sk.accuracy_score(gt, pred)), 6)


def test_bad_labels_and_lengths():
    with pytest.raises(ValueError, match="A1"):
        two_class(["A1"], ["a1"])
    with pytest.raises(ValueError):
        two_class(["a1"], ["a1", "a2"])
    with pytest.raises(ValueError, match="same"):
        two_class(["same"], ["a1"])


def test_swap_consistency_hand_made():
    pred = ["a1", "a2", "same", "a1"]
    # re-asked on swapped pairs: consistent answers are a2, a1, same; the last one flips to the same slot (a1)
    rev = ["a2", "a1", "same", "a1"]
    assert swap_consistency(pred, rev) == pytest.approx(0.75)
    assert swap_consistency(["a1"], ["a1"]) == 0.0  # always-a1 is a position bias, never consistent
    with pytest.raises(ValueError):
        swap_consistency(["a1"], [])


def test_length_baseline():
    assert length_baseline(["long text", "x", "ab"], ["short", "longer", "cd"]) == ["a1", "a2", "same"]


def _pairs(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_emoprefer_anchors(reference):
    rows = _pairs(reference / "emoprefer" / "preference_emoprefer.csv")
    gt = [r["preference"] for r in rows]
    assert len(rows) == 574 and gt.count("same") == 11

    def pct(x):
        return round(x * 100, 2)

    a1 = two_class(gt, ["a1"] * len(gt))
    assert (pct(a1.waf), pct(a1.acc), a1.n) == (32.06, 48.85, 563)
    assert pct(three_class(gt, ["a1"] * len(gt)).waf) == 31.04
    a2 = two_class(gt, ["a2"] * len(gt))
    assert (pct(a2.waf), pct(a2.acc)) == (34.62, 51.15)
    longer = two_class(gt, length_baseline([r["a1"] for r in rows], [r["a2"] for r in rows]))
    assert (pct(longer.waf), pct(longer.acc), longer.n) == (79.57, 79.57, 563)


def test_emoprefer_swap_consistency_of_length_baseline(reference):
    fwd = _pairs(reference / "emoprefer" / "preference_emoprefer.csv")
    rev = _pairs(reference / "emoprefer" / "preference_emoprefer_reverse.csv")
    assert [r["name"] for r in fwd] == [r["name"] for r in rev]
    pred = length_baseline([r["a1"] for r in fwd], [r["a2"] for r in fwd])
    pred_rev = length_baseline([r["a1"] for r in rev], [r["a2"] for r in rev])
    assert swap_consistency(pred, pred_rev) == 1.0
    # the reversed GT is the forward GT mapped a1<->a2, so the GT itself is perfectly consistent too
    assert swap_consistency([r["preference"] for r in fwd], [r["preference"] for r in rev]) == 1.0
