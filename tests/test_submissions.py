import numpy as np
import pytest

from unibench.errors import UserError
from unibench.metrics.classify import accuracy, mer2023_combined, mse, weighted_f1
from unibench.tracks.submissions import (EMOS_MER, align, check_same_pairs, read_discrete_csv, read_openset_csv,
                                         read_openset_npz, read_preference_csv)


def write(tmp_path, text, name="sub.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def one_line(err):
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# --- discrete CSV ----------------------------------------------------------------------------------------------------

def test_discrete_with_valence(tmp_path):
    p = write(tmp_path, "\ufeffname,discrete,valence,extra\ns1,happy,1.5,x\n\n   \ns2,sad,-2,y\n")
    sub = read_discrete_csv(p, valence=True)
    assert sub.discrete == {"s1": "happy", "s2": "sad"}
    assert sub.valence == {"s1": 1.5, "s2": -2.0}


def test_header_cells_are_taken_as_written(tmp_path):
    """pandas (the official reader) keeps ' discrete ' as another column and the official scorer fails."""
    p = write(tmp_path, "name, discrete ,valence\ns1,happy,1.5\n")
    with pytest.raises(UserError) as err:
        read_discrete_csv(p, valence=True)
    assert "' discrete '" in one_line(err) and "write 'discrete'" in one_line(err)


def test_as_official_reads_what_pandas_reads(tmp_path):
    """Repeated name: the last row; short row: empty cells; empty name: one NaN key. Refused by default, with the
    flag named."""
    p = write(tmp_path, "name,discrete\ns1,happy\ns2,sad\ns1,angry\n")
    with pytest.raises(UserError) as err:
        read_discrete_csv(p)
    assert "keeps the last row" in one_line(err) and "--as-official" in one_line(err)
    assert read_discrete_csv(p, as_official=True).discrete == {"s1": "angry", "s2": "sad"}
    short = write(tmp_path, "name,openset\ns1\ns2,\"['a']\"\n,\"['b']\"\nNA,\"['c']\"\n", "short.csv")
    with pytest.raises(UserError, match="missing cells as empty.*--as-official"):
        read_openset_csv(short)
    assert read_openset_csv(short, as_official=True) == {"s1": "", "s2": "['a']", "<NaN>": "['c']"}
    with pytest.raises(UserError, match="3 fields but the header has 2"):
        read_discrete_csv(write(tmp_path, "name,discrete\ns1,happy,x\n", "long.csv"), as_official=True)


def test_semi_ignores_valence(tmp_path):
    p = write(tmp_path, "name,discrete,valence\ns1,happy,not-a-number\n")
    assert read_discrete_csv(p).valence is None


@pytest.mark.parametrize("text, needles", [
    ("name,valence\ns1,1\n", ["missing column", "discrete"]),
    ("name,discrete\n", ["missing column", "valence"]),
    ("name,discrete,valence\ns1,happy,1\ns1,sad,2\n", ["s1", "twice", "lines 2 and 3"]),
    ("name,discrete,valence\ns1,happy,1\ns2,joy,0\n", ["line 3", "s2", "'joy'", "neutral, angry, happy"]),
    ("name,discrete,valence\ns1,Happy,1\n", ["s1", "did you mean 'happy'"]),
    ("name,discrete,valence\ns1,happy,high\n", ["line 2", "s1", "'high'", "float"]),
    ("name,discrete,valence\ns1,happy,nan\n", ["s1", "finite"]),
    ("name,discrete,valence\ns1,happy,\n", ["s1", "valence"]),
    ("name,discrete,valence\n,happy,1\n", ["line 2", "empty name"]),
    ("name,discrete,valence\ns1,happy\n", ["line 2", "fields"]),
    ("", ["empty file"]),
])
def test_discrete_errors(tmp_path, text, needles):
    p = write(tmp_path, text)
    with pytest.raises(UserError) as err:
        read_discrete_csv(p, valence=True)
    msg = one_line(err)
    assert str(p) in msg
    for needle in needles:
        assert needle in msg


def test_not_utf8_and_missing_file(tmp_path):
    p = write(tmp_path, "name,discrete\ns1,happ\xe9\n", encoding="latin-1")
    with pytest.raises(UserError, match="UTF-8"):
        read_discrete_csv(p)
    with pytest.raises(UserError, match="not found"):
        read_discrete_csv(tmp_path / "nope.csv")


def test_custom_vocabulary(tmp_path):
    p = write(tmp_path, "name,discrete\ns1,joy\n")
    assert read_discrete_csv(p, labels=["joy", "anger"]).discrete == {"s1": "joy"}


# --- coverage ------------------------------------------------------------------------------------------------------

def test_align_counts_extras_and_keeps_gt_order():
    out = align(["b", "a"], {"a": 1, "b": 2, "c": 3, "d": 4}, "sub.csv")
    assert (out.names, out.values, out.n_extra, out.extra_preview) == (["b", "a"], [2, 1], 2, "c, d")


def test_align_missing_names():
    with pytest.raises(UserError) as err:
        align([f"s{i}" for i in range(10)], {"s0": 1}, "sub.csv")
    msg = one_line(err)
    assert "sub.csv" in msg and "9 of 10" in msg and "s1, s2, s3 (+6 more)" in msg


# --- openset -------------------------------------------------------------------------------------------------------

def test_openset_csv(tmp_path):
    p = write(tmp_path, "name,openset\ns1,\"['happy', 'sad']\"\ns2,\ns3,None\ns4,happy\n")
    # pandas' NaN tokens read as empty, as the official readers see them; other values stay raw
    assert read_openset_csv(p) == {"s1": "['happy', 'sad']", "s2": "", "s3": "", "s4": "happy"}
    with pytest.raises(UserError, match="no column openset.*--as-official"):
        read_openset_csv(write(tmp_path, "name,x\ns1,1\n", "nocol.csv"), missing_as_empty=("openset",))


def test_openset_npz(tmp_path):
    p = tmp_path / "x-openset.npz"
    np.savez(p, filenames=np.array(["s1", "s2"]), fileitems=np.array(["['happy']", "[]"], dtype=object))
    assert read_openset_npz(p) == {"s1": "['happy']", "s2": "[]"}
    items = np.empty(3, dtype=object)
    items[:] = [["happy", "sad"], None, np.array(["x"])]
    np.savez(p, filenames=np.array(["s1", "s2", "s3"]), fileitems=items)  # lists, as the official accepts
    assert read_openset_npz(p) == {"s1": ("happy", "sad"), "s2": "", "s3": ("x",)}
    np.savez(p, filenames=np.array(["s1", "s2", "s1"]), fileitems=np.array(["[a]", "[b]", "[c]"]))
    assert read_openset_npz(p, as_official=True) == {"s1": "[c]", "s2": "[b]"}


@pytest.mark.parametrize("arrays, needle", [
    ({"filenames": np.array(["s1"])}, "fileitems"),
    ({"filenames": np.array(["s1", "s2"]), "fileitems": np.array(["[]"])}, "parallel"),
    ({"filenames": np.array(["s1", "s1"]), "fileitems": np.array(["[]", "[]"])}, "twice"),
    ({"filenames": np.array(["s1"]), "fileitems": np.array([3])}, "s1"),
])
def test_openset_npz_errors(tmp_path, arrays, needle):
    p = tmp_path / "bad-openset.npz"
    np.savez(p, **arrays)
    with pytest.raises(UserError) as err:
        read_openset_npz(p)
    msg = one_line(err)
    assert str(p) in msg and needle in msg


# --- preference ------------------------------------------------------------------------------------------------------

def test_preference_csv(tmp_path):
    p = write(tmp_path, "name,preference\ns1,a1\ns2,same\n")
    assert {n: r["preference"] for n, r in read_preference_csv(p).rows.items()} == {"s1": "a1", "s2": "same"}
    bad = write(tmp_path, "name,preference\ns1,A1\n", "bad.csv")
    with pytest.raises(UserError) as err:
        read_preference_csv(bad)
    assert "did you mean 'a1'" in one_line(err)


def test_check_same_pairs(tmp_path):
    gt = read_preference_csv(write(tmp_path, "name,a1,a2,preference\ns1,x,y,a1\n", "gt.csv"))
    ok = read_preference_csv(write(tmp_path, "name,a1,a2,preference\ns1,x,y,a2\n", "ok.csv"))
    check_same_pairs(gt, ok)
    check_same_pairs(gt, read_preference_csv(write(tmp_path, "name,preference\ns1,a2\n", "bare.csv")))
    swapped = read_preference_csv(write(tmp_path, "name,a1,a2,preference\ns1,y,x,a2\n", "sw.csv"))
    with pytest.raises(UserError, match="swapped"):
        check_same_pairs(gt, swapped)


# --- end to end on a synthetic MER2023 MULTI submission built from the test1 labels --------------------------------

def test_mer2023_multi_end_to_end(reference, tmp_path):
    from unibench.safe_npz import load_npz

    corpus = load_npz(reference / "dataset" / "mer2023-dataset-process" / "label-6way.npz")["test1_corpus"]
    names = list(corpus)
    lines = ["name,discrete,valence"] + [f"{n},neutral,0" for n in names] + ["extra_candidate,happy,1"]
    sub = read_discrete_csv(write(tmp_path, "\n".join(lines) + "\n"), valence=True)
    disc, val = align(names, sub.discrete, "sub.csv"), align(names, sub.valence, "sub.csv")
    assert disc.n_extra == 1
    gt_emo = [corpus[n]["emo"] for n in names]
    assert set(gt_emo) <= set(EMOS_MER)
    waf = weighted_f1(gt_emo, disc.values)
    m = mse([corpus[n]["val"] for n in names], val.values)
    assert round(waf * 100, 2) == 7.55          # doc §1.4: train-majority 'neutral' on test1
    assert round(m, 4) == 3.7324                # doc §1.4: MSE of predicting valence 0
    assert mer2023_combined(waf, m) == pytest.approx(waf - 0.25 * m)
    assert 0 < accuracy(gt_emo, disc.values) < 1
