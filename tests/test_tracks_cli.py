"""Every track: a synthetic sample submission made here, scored through the CLI, and bad submissions that exit 2
with a one-line error and write nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth import make_lexicon
from unibench.metrics.classify import accuracy, weighted_f1

sk = pytest.importorskip("sklearn.metrics")


@pytest.fixture(scope="module")
def lexicons(tmp_path_factory):
    """The tiny synthetic wheel folder (AffectGPT variant) and the same tables as a MER2026 wheel_mapping.npz."""
    from unibench.lexicon.upstream import load_upstream

    folder = make_lexicon(tmp_path_factory.mktemp("lex") / "emotion_wheel")
    lex = load_upstream(folder)

    def obj(value):
        a = np.empty((), dtype=object)
        a[()] = value
        return a

    whole = {w: {lv: dict(lex.clusters[(w, lv)]) for lv in ("level1", "level2")} for w in lex.wheels}
    npz = folder.parent / "mer2026" / "wheel_mapping.npz"
    npz.parent.mkdir()
    np.savez(npz, format_mapping=obj({k: list(v) for k, v in lex.forms.items()}),
             raw_mapping=obj({k: list(v) for k, v in lex.synonyms.items()}), wheel_map_whole=obj(whole))
    return {"affectgpt": folder, "mer2026": npz}


def w(path, text):
    path.write_text(text, encoding="utf-8")
    return path


GOLD6 = "name,discrete\ns1,happy\ns2,sad\ns3,angry\ns4,happy\ns5,neutral\n"
SUB6 = "name,discrete\ns1,happy\ns2,happy\ns3,angry\ns4,sad\ns5,neutral\nextra1,worried\n"
G6 = ["happy", "sad", "angry", "happy", "neutral"]
P6 = ["happy", "happy", "angry", "sad", "neutral"]
OPEN_GOLD = "name,openset\ns1,\"['happy', 'lonely']\"\ns2,\"['furious']\"\ns3,\"['worried', 'glad']\"\n"
OPEN_SUB = "name,openset\ns1,\"['cheerful', 'sadness']\"\ns2,\"['mad']\"\ns3,\"['anxious']\"\n"

# track -> (gold text, submission text, extra CLI args (may name 'LEX' / files), bad submissions [(text, needle)])
CASES = {
    "merbench-discrete": ("name,discrete\na,joy\nb,anger\nc,joy\n", "name,discrete\na,joy\nb,joy\nc,anger\n", [],
                          [("name,discrete\na,joy\nb,fear\nc,joy\n", "'fear'"), ("name,label\na,joy\n", "discrete")]),
    "merbench-sentiment": ("name,valence\na,1.2\nb,-0.4\nc,0\nd,2\n", "name,valence\na,0.3\nb,0.1\nc,1\nd,-1\n", [],
                           [("name,valence\na,x\nb,1\nc,1\nd,1\n", "'x'"), ("name,valence\na,1\n", "no prediction")]),
    "mer2023-multi": ("name,discrete,valence\ns1,happy,1\ns2,sad,-2\ns3,angry,-1\n",
                      "name,discrete,valence\ns1,happy,0.5\ns2,happy,-1\ns3,angry,-1\n", [],
                      [("name,discrete\ns1,happy\ns2,sad\ns3,angry\n", "valence"),
                       ("name,discrete,valence\ns1,Happy,1\ns2,sad,1\ns3,sad,1\n", "did you mean 'happy'")]),
    "mer2023-semi": (GOLD6, SUB6, [], [("name,discrete\ns1,joy\n", "'joy'")]),
    "mer2024-semi": (GOLD6, SUB6, [], [("name,discrete\ns1,happy\n", "4 of 5")]),
    "mer2024-noise": (GOLD6, SUB6, [], [("name,discrete\ns1,happy\ns1,sad\n", "twice")]),
    "mer2025-semi": (GOLD6, SUB6 + "".join(f"c{i:05d},neutral\n" for i in range(20000 - 6)), [],
                     [("", "empty file"), (SUB6, "exactly 20,000")]),
    "mer2026-cross": (GOLD6, SUB6, [], [("name,openset\ns1,x\n", "discrete")]),
    "mer2025-fg": (OPEN_GOLD, "NPZ20000", ["--lexicon", "LEX:affectgpt"], [(OPEN_SUB, "*-openset.npz")]),
    "mer2026-fg": (OPEN_GOLD, OPEN_SUB, ["--lexicon", "LEX:mer2026"], [("name,openset\ns1,\"['happy']\"\n", "2 of 3")]),
    "ovmer-suite": (OPEN_GOLD, OPEN_SUB.replace("cheerful", "happyness"), ["--lexicon", "LEX:affectgpt"], [("name,openset\n", "3 of 3")]),
    "mer2025-des": (OPEN_GOLD, "name,description\ns1,She is cheerful but lonely.\ns2,He looks furious.\n"
                               "s3,\"Anxious, not glad.\"\n", ["--lexicon", "LEX:affectgpt", "--extractor", "lexicon"],
                    [("name,text\ns1,x\n", "description")]),
    "mer2026-ps": ("sample_id,valence,arousal\nt1,128,100\nt2,200.5,30\nt3,1,255\n",
                   "sample_id,valence,arousal\nt1,130,90\nt2,180,40\nt3,1,255\nt4,5,5\n", [],
                   [("sample_id,valence,arousal\nt1,128.5,1\nt2,1,1\nt3,1,1\n", "not an integer from 1 to 255"),
                    ("sample_id,valence,arousal\nt1,0,1\nt2,1,1\nt3,1,1\n", "'0'"),
                    ("sample_id,valence\nt1,1\n", "arousal")]),
    "mer2026-prefer": ("name,a1,a2,preference\np1,long text here,short,a1\np2,aa,bbbbbb,a2\np3,x,y,same\n"
                       "p4,hello there,hi,a2\n", "name,preference\np1,a1\np2,a2\np3,a1\np4,same\n", [],
                       [("name,preference\np1,A1\np2,a2\np3,a1\np4,a1\n", "did you mean 'a1'"),
                        ("name,a1,a2,preference\np1,short,long text here,a1\np2,aa,bbbbbb,a2\np3,x,y,a1\n"
                         "p4,hello there,hi,a2\n", "swapped")]),
}


def _args(extra, lexicons):
    return [lexicons[a.split(":")[1]] if a.startswith("LEX:") else a for a in extra]


@pytest.mark.parametrize("track", sorted(CASES))
def test_sample_submission_scores_and_writes(cli, tmp_path, lexicons, track):
    gold_text, sub_text, extra, _ = CASES[track]
    gold = w(tmp_path / "gold.csv", gold_text)
    if sub_text == "NPZ20000":  # MER2025-FG: the *-openset.npz of all 20,000 candidates
        names = ["s1", "s2", "s3"] + [f"c{i:05d}" for i in range(19997)]
        items = ["['cheerful', 'sadness']", "['mad']", "['anxious']"] + ["[]"] * 19997
        sub = tmp_path / "sample.npz"
        np.savez(sub, filenames=np.array(names), fileitems=np.array(items))
    else:
        sub = w(tmp_path / "sample.csv", sub_text)
    res = tmp_path / "results"
    code, out, err = cli("score-track", track, "--submission", sub, "--gold", gold, "--results-dir", res,
                         "--format", "json", *_args(extra, lexicons))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["track"]["id"] == track and doc["name"] == "sample"
    stored = json.loads((res / "sample" / f"{track}.json").read_text())
    assert stored["score"] == doc["score"] and isinstance(doc["score"], float)
    prov = stored["provenance"]
    assert prov["unibench_version"] and set(prov["checksums"]["submission"]) == {str(sub)}
    assert len(prov["checksums"]["gold"][str(gold)]) == 64
    if "--lexicon" in extra:
        assert len(prov["checksums"]["lexicon"]) == 64
    if track in ("mer2023-semi", "mer2024-semi", "mer2024-noise", "mer2025-semi", "mer2026-cross"):
        assert doc["score"] == pytest.approx(100 * sk.f1_score(G6, P6, average="weighted"))
        assert doc["values"]["acc"] == pytest.approx(100 * sk.accuracy_score(G6, P6))
        assert doc["n_extra_ignored"] == (19995 if track == "mer2025-semi" else 1)


@pytest.mark.parametrize("track, i", [(t, i) for t in sorted(CASES) for i in range(len(CASES[t][3]))])
def test_bad_submission_exit_2_one_line_nothing_written(cli, tmp_path, lexicons, track, i):
    gold_text, _, extra, bad = CASES[track]
    text, needle = bad[i]
    gold, sub = w(tmp_path / "gold.csv", gold_text), w(tmp_path / "bad.csv", text)
    res = tmp_path / "results"
    code, out, err = cli("score-track", track, "--submission", sub, "--gold", gold, "--results-dir", res,
                         *_args(extra, lexicons))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err, err
    assert not res.exists()


def test_mer2023_combined_value(tmp_path):
    from unibench.tracks import score

    gold_text, sub_text, _, _ = CASES["mer2023-multi"]
    doc = score("mer2023-multi", w(tmp_path / "s.csv", sub_text), w(tmp_path / "g.csv", gold_text))
    g, p = ["happy", "sad", "angry"], ["happy", "happy", "angry"]
    m = np.mean((np.array([1, -2, -1]) - np.array([0.5, -1, -1])) ** 2)
    assert doc["values"]["mse_raw"] == pytest.approx(m)
    assert doc["score"] == pytest.approx(100 * (weighted_f1(g, p) - 0.25 * m))
    assert doc["values"]["acc"] == pytest.approx(100 * accuracy(g, p))


def test_merbench_sentiment_drops_zero_gold(tmp_path):
    from unibench.tracks import score

    gold_text, sub_text, _, _ = CASES["merbench-sentiment"]
    doc = score("merbench-sentiment", w(tmp_path / "s.csv", sub_text), w(tmp_path / "g.csv", gold_text))
    y, yhat = [True, False, True], [True, True, False]
    assert doc["n"] == 3 and doc["values"]["n_zero_gold_dropped"] == 1
    assert doc["score"] == pytest.approx(100 * sk.f1_score(y, yhat, average="weighted"))


def test_prefer_length_baseline_and_swap(tmp_path):
    from unibench.tracks import score

    gold_text, sub_text, _, _ = CASES["mer2026-prefer"]
    rev = w(tmp_path / "rev.csv", "name,a1,a2,preference\np1,short,long text here,a2\np2,bbbbbb,aa,a2\n"
                                  "p3,y,x,same\np4,hi,hello there,a2\n")
    doc = score("mer2026-prefer", w(tmp_path / "s.csv", sub_text), w(tmp_path / "g.csv", gold_text), reversed=rev)
    v = doc["values"]
    assert v["two_class"]["n"] == 3 and v["three_class"]["n"] == 4
    # baseline: longer wins -> a1, a2, same, a1; 2-class: gold a1, a2, a2 vs a1, a2, a1
    assert v["length_baseline"]["two_class"]["acc"] == pytest.approx(100 * 2 / 3)
    # reversed a2, a2, same, a2 mapped back -> a1, a1, same, a1; vs a1, a2, a1, same: 1 of 4 agree
    assert v["swap_consistency"] == pytest.approx(25.0)
    assert doc["provenance"]["checksums"]["reversed"]


def test_prefer_needs_pair_texts(cli, tmp_path):
    gold = w(tmp_path / "g.csv", "name,preference\np1,a1\n")
    code, _, err = cli("score-track", "mer2026-prefer", "--submission", gold, "--gold", gold,
                       "--results-dir", tmp_path / "r")
    assert code == 2 and "length baseline" in err


def test_wrong_lexicon_variant_and_missing_lexicon(cli, tmp_path, lexicons):
    gold, sub = w(tmp_path / "g.csv", OPEN_GOLD), w(tmp_path / "s.csv", OPEN_SUB)
    code, _, err = cli("score-track", "mer2026-fg", "--submission", sub, "--gold", gold,
                       "--lexicon", lexicons["affectgpt"], "--results-dir", tmp_path / "r")
    assert code == 2 and "affectgpt variant" in err
    code, _, err = cli("score-track", "mer2025-fg", "--submission", sub, "--gold", gold, "--results-dir", tmp_path / "r")
    assert code == 2 and "--lexicon" in err
    code, _, err = cli("score-track", "mer2023-semi", "--submission", sub, "--gold", gold,
                       "--lexicon", lexicons["affectgpt"], "--results-dir", tmp_path / "r")
    assert code == 2 and "does not use --lexicon" in err
    assert not (tmp_path / "r").exists()


def test_des_without_labels_needs_an_extractor(cli, tmp_path, lexicons):
    gold = w(tmp_path / "g.csv", OPEN_GOLD)
    sub = w(tmp_path / "s.csv", "name,description\ns1,cheerful\ns2,mad\ns3,calm\n")
    code, _, err = cli("score-track", "mer2025-des", "--submission", sub, "--gold", gold,
                       "--lexicon", lexicons["affectgpt"], "--results-dir", tmp_path / "r")
    assert code == 2 and "--extractor" in err
    with_labels = w(tmp_path / "l.csv", "name,description,openset\ns1,x,\"['glad']\"\ns2,y,\"['mad']\"\ns3,z,[]\n")
    from unibench.tracks import score

    doc = score("mer2025-des", with_labels, gold, lexicon=lexicons["affectgpt"])
    assert doc["extractor"] is None and "openset column" in doc["notes"][0]


def test_mer2024_ov_without_groupings_asks_for_an_endpoint(cli, tmp_path):
    gold, sub = w(tmp_path / "g.csv", OPEN_GOLD), w(tmp_path / "s.csv", OPEN_SUB)
    code, _, err = cli("score-track", "mer2024-ov", "--submission", sub, "--gold", gold, "--results-dir", tmp_path)
    assert code == 2 and "--groupings" in err and "--grouping-base-url" in err


@pytest.mark.parametrize("track", ["mer2025-pr"])
def test_not_scorable_tracks(cli, tmp_path, track):
    f = w(tmp_path / "x.csv", "name,x\na,1\n")
    code, _, err = cli("score-track", track, "--submission", f, "--gold", f, "--results-dir", tmp_path / "r")
    assert code == 2 and "not scorable" in err and "UNVERIFIED" in err


def test_unknown_track_and_bad_name(cli, tmp_path):
    f = w(tmp_path / "x.csv", GOLD6)
    code, _, err = cli("score-track", "mer2025-semy", "--submission", f, "--gold", f, "--results-dir", tmp_path / "r")
    assert code == 2 and "did you mean 'mer2025-semi'" in err
    code, _, err = cli("score-track", "mer2025-semi", "--submission", f, "--gold", f, "--name", "../x",
                       "--results-dir", tmp_path / "r")
    assert code == 2 and "--name" in err and not (tmp_path / "r").exists()


def test_tracks_listing(cli):
    code, out, _ = cli("tracks", "--format", "json")
    assert code == 0
    tracks = {t["id"]: t for t in json.loads(out)["tracks"]}
    expected = {"merbench-discrete", "merbench-sentiment", "mer2023-multi", "mer2023-noise", "mer2023-semi",
                "mer2024-semi", "mer2024-noise", "mer2024-ov", "mer2025-semi", "mer2025-fg", "mer2025-des",
                "mer2025-pr", "mer2026-cross", "mer2026-fg", "mer2026-prefer", "mer2026-ps", "ovmer-suite",
                "emer-description"}
    assert expected <= set(tracks)
    for t in tracks.values():
        assert t["metric"] and t["citation"] and t["status"] in ("scorable", "not-scorable")
    assert {t for t, v in tracks.items() if v["status"] == "not-scorable"} == {"mer2025-pr"}
    assert tracks["mer2025-pr"]["reason"]
    # every format unibench defined itself is marked, with the reason; the organisers' formats are not
    ours = {"merbench-discrete", "merbench-sentiment", "mer2024-semi", "mer2024-noise", "mer2025-des", "mer2026-fg",
            "mer2026-prefer", "mer2026-ps", "ovmer-suite", "emer-description"}
    assert {t for t, v in tracks.items() if v["format_by"] == "unibench"} == ours
    assert all(tracks[t]["format_note"] for t in ours)
    assert tracks["mer2026-ps"]["direction"] == "lower"
    code, out, _ = cli("tracks")
    assert code == 0 and "NOT SCORABLE" in out and "mer2026-prefer" in out
    assert out.count("[format defined by unibench:") == len(ours)


def test_docs_cover_every_track():
    from pathlib import Path

    from unibench.tracks.registry import track_ids

    from unibench.tracks.registry import get_track

    text = (Path(__file__).resolve().parents[1] / "docs" / "tracks.md").read_text()
    for t in track_ids():
        assert f"`{t}`" in text, t
    # the table row of each track says whether its format is the organisers' or unibench's, as `unibench tracks`
    rows = {t: line for line in text.splitlines() for t in track_ids() if line.startswith("| ") and f"`{t}`" in
            line.split("|")[1]}
    for t, line in rows.items():
        assert ("**unibench" in line or "unibench**" in line) == (get_track(t).format_by == "unibench"), t
    assert "The file layouts and score (a) are unibench's" in text  # emer-description, described in prose


def test_mer2024_ov_groupings_from_an_llm_endpoint(cli, tmp_path, monkeypatch):
    """Without stored replies, the groupings are asked of an OpenAI-compatible server (here a real loopback one)."""
    import json as _json

    from tests.fake_server import FakeServer, Reply, completion_body

    gold = tmp_path / "gold.csv"
    sub = tmp_path / "sub.csv"
    gold.write_text("name,openset\na,\"['happy', 'sad']\"\nb,\"['angry']\"\n")
    sub.write_text("name,openset\na,\"['joyful']\"\nb,\"['furious', 'calm']\"\n")
    seen = []

    def script(prompt: str, nth: int) -> Reply:
        seen.append(prompt)
        reply = "[['happy', 'joyful'], ['sad']]" if "joyful" in prompt else "[['angry', 'furious'], ['calm']]"
        return Reply(body=completion_body(reply, "m"))

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    # calls are cached by model and prompt, not by server: another test's answers must not be served here
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    with FakeServer(script) as server:
        args = ("score-track", "mer2024-ov", "--submission", sub, "--gold", gold, "--grouping-base-url",
                server.base_url, "--grouping-model", "m", "--results-dir", tmp_path / "res", "--format", "json")
        code, out, err = cli(*args)
        assert code == 0, err
        doc = _json.loads(out)
        # a: G={happy,sad} P={happy}: precision 1, recall 1/2; b: G={angry} P={angry,calm}: precision 1/2, recall 1
        assert doc["values"]["precision"] == 75.0 and doc["values"]["recall"] == 75.0 and doc["score"] == 75.0
        assert all(p.startswith("Please assume the role of an expert in the field of emotions. We provide a set of "
                                "emotions. Please group the emotions") for p in seen)
        assert sorted(p.rsplit("Input: ", 1)[1] for p in seen) == ["['angry', 'calm', 'furious'] Output:",
                                                                 "['happy', 'joyful', 'sad'] Output:"]
        calls = len(seen)
        code, _, err = cli(*args)
        assert code == 0 and len(seen) == calls  # the second run is served from the call cache
    stored = "".join(p.read_text() for p in (tmp_path / "res").rglob("*.json"))
    assert stored and "sk-test-secret" not in stored



def test_mer2026_ps_mae_hand_worked(cli, tmp_path):
    gold_text, sub_text, _, _ = CASES["mer2026-ps"]
    gold, sub = w(tmp_path / "targets.csv", gold_text), w(tmp_path / "pred.csv", sub_text)
    code, out, err = cli("score-track", "mer2026-ps", "--submission", sub, "--gold", gold, "--results-dir",
                         tmp_path / "r", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    v = doc["values"]
    # valence errors 2, 20.5, 0; arousal 10, 10, 0 (t4 is not a target: ignored and counted)
    assert (v["mae_valence"], v["mae_arousal"]) == pytest.approx((22.5 / 3, 20 / 3))
    assert doc["score"] == v["mae"] == pytest.approx(42.5 / 6) == pytest.approx(
        sk.mean_absolute_error([128, 200.5, 1, 100, 30, 255], [130, 180, 1, 90, 40, 255]))
    assert v["centre_baseline_mae"] == pytest.approx((0 + 72.5 + 127 + 28 + 98 + 127) / 6)
    assert doc["direction"] == "lower" and doc["n"] == 3 and doc["n_extra_ignored"] == 1
    assert doc["track"]["format_by"] == "unibench"
    code, out, _ = cli("score-track", "mer2026-ps", "--submission", sub, "--gold", gold, "--results-dir",
                       tmp_path / "r")
    assert code == 0 and "lower is better" in out.splitlines()[0]


def test_undefined_score_is_reported_with_the_reason(cli, tmp_path, lexicons):
    """MER2025's scorer has no zero-division guard: all predictions empty -> NaN, reported as undefined."""
    gold = w(tmp_path / "g.csv", OPEN_GOLD)
    sub = tmp_path / "empty-openset.npz"
    names = ["s1", "s2", "s3"] + [f"c{i:05d}" for i in range(19997)]
    np.savez(sub, filenames=np.array(names), fileitems=np.array(["[]"] * 20000))
    code, out, err = cli("score-track", "mer2025-fg", "--submission", sub, "--gold", gold, "--lexicon",
                         lexicons["affectgpt"], "--results-dir", tmp_path / "r")
    assert code == 0, err
    assert "score undefined (level 1, wheel1: precision + recall = 0" in out
    stored = json.loads((tmp_path / "r" / "empty-openset" / "mer2025-fg.json").read_text())
    assert stored["score"] is None and "0 by 0" in stored["undefined"]
    # MER2026 guards it: F = 0
    code, out, err = cli("score-track", "mer2026-fg", "--submission", sub, "--gold", gold, "--lexicon",
                         lexicons["mer2026"], "--results-dir", tmp_path / "r", "--format", "json")
    assert code == 0 and json.loads(out)["score"] == 0.0 and json.loads(out)["undefined"] is None
