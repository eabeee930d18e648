"""`unibench compare` on synthetic models with a known difference; `unibench check` on unchanged, perturbed and
bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from lb_synth import make_data, make_model, run_args


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two models: B is wrong on 40 more MELD dialogues and 10 more MOSI videos than A."""
    from unibench.cli import main
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("world")
    data = make_data(tmp / "data")
    results = tmp / "results"
    a = make_model(tmp / "out-a", wrong_dialogues=set(range(0, 40)), wrong_videos={0, 1})
    b = make_model(tmp / "out-b", wrong_dialogues=set(range(0, 80)), wrong_videos=set(range(0, 12)))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(run_args(data, a, "model-a", results)) == 0
        assert main(run_args(data, b, "model-b", results)) == 0
        assert main(run_args(data, a, "model-a-norec", results, "--no-records")) == 0
    return tmp, results


def _score(results, model, dataset):
    return json.loads((results / model / f"{dataset}.json").read_text())["results"][0]["score"]


def test_compare_known_difference(cli, world):
    _, results = world
    code, out, err = cli("compare", "model-a", "model-b", "--results-dir", results, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    rows = {r["dataset"]: r for r in doc["comparisons"]}
    assert list(rows) == ["meld", "mosi"]  # suite order
    for d in ("meld", "mosi"):
        r = rows[d]
        known = _score(results, "model-a", d) - _score(results, "model-b", d)
        assert known > 5
        assert r["diff"] == pytest.approx(known)
        assert r["a"] == pytest.approx(_score(results, "model-a", d))
        assert r["low"] > 0 and r["low"] < r["diff"] < r["high"]
        assert r["p_value"] < 0.01 and r["clustered"] is True
    assert rows["meld"]["n_shared"] == 2610
    code, out, _ = cli("compare", "model-a", "model-a", "--results-dir", results, "--dataset", "meld",
                       "--format", "json")
    same = json.loads(out)["comparisons"][0]
    assert same["diff"] == 0 and same["p_value"] == 1.0


def test_compare_table_and_errors(cli, world):
    _, results = world
    code, out, _ = cli("compare", "model-b", "model-a", "--results-dir", results)
    assert code == 0 and "meld" in out and "A-B" in out
    code, _, err = cli("compare", "model-a", "model-a-norec", "--results-dir", results)
    assert code == 2 and "no per-sample records" in err
    code, _, err = cli("compare", "model-a", "nobody", "--results-dir", results)
    assert code == 2
    code, _, err = cli("compare", "model-a", "model-b", "--results-dir", results, "--dataset", "iemocap")
    assert code == 2 and "not scored by both" in err


def test_compare_across_settings_prints_every_difference(cli, world):
    """Same outputs scored under another lexicon version: refused by default, compared with --across-settings,
    the lexicon difference printed above the table; a same-setting comparison prints none."""
    import shutil

    tmp, results = world
    shutil.copytree(tmp / "data" / "emotion_wheel", tmp / "wheel2", dirs_exist_ok=True)
    with open(tmp / "wheel2" / "format.csv", "a") as fh:
        fh.write("gleeful,gleeful\n")
    args = run_args(tmp / "data", tmp / "out-a", "model-a-lex2", results, "--bootstrap", "0")
    args[args.index("--lexicon") + 1] = str(tmp / "wheel2")
    assert cli(*args)[0] == 0
    code, _, err = cli("compare", "model-a", "model-a-lex2", "--results-dir", results)
    assert code == 2 and "--across-settings" in err and "lexicon" in err
    code, out, err = cli("compare", "model-a-lex2", "model-b", "--results-dir", results, "--across-settings")
    assert code == 0, err
    head, table = out.split("\ndataset", 1)
    lines = head.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("setting differs: lexicon: A ") and "(meld, mosi)" in lines[0]
    code, out, _ = cli("compare", "model-a-lex2", "model-b", "--results-dir", results, "--across-settings",
                       "--format", "json")
    rows = json.loads(out)["comparisons"]
    assert [d["what"] for d in rows[0]["setting_differences"]] == ["lexicon"]
    known = _score(results, "model-a-lex2", "meld") - _score(results, "model-b", "meld")
    assert rows[0]["diff"] == pytest.approx(known)
    code, out, _ = cli("compare", "model-a", "model-b", "--results-dir", results)
    assert "setting differs" not in out


def test_check_unchanged_rescore_exits_0(cli, world):
    _, results = world
    code, out, err = cli("check", "--baseline", results / "model-a", "--tolerance", "0.01")
    assert code == 0, err + out
    assert "nothing moved" in out
    code, out, _ = cli("check", "--baseline", results / "model-a-norec", "--format", "json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_check_perturbed_result_names_the_row(cli, world, tmp_path):
    _, results = world
    doc = json.loads((results / "model-a" / "meld.json").read_text())
    doc["results"][0]["score"] += 0.5
    doc["results"][0]["per_wheel"]["wheel3"]["score"] -= 0.005  # within tolerance: must not be named
    path = tmp_path / "meld.json"
    path.write_text(json.dumps(doc))
    shutil.copy(results / "model-a" / "meld.samples.jsonl", tmp_path)  # the per-sample store travels with it
    code, out, err = cli("check", "--baseline", path, "--tolerance", "0.01", "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert [(r["dataset"], r["metric"]) for r in report["moved"]] == [("meld", "hit")]
    assert report["moved"][0]["delta"] == pytest.approx(-0.5)
    code, out, _ = cli("check", "--baseline", path)
    assert code == 1 and "meld" in out and "hit" in out and "-0.5000" in out
    # two stored result sets: B against A moves on both datasets
    code, out, _ = cli("check", "--baseline", results / "model-a", "--against", results / "model-b",
                       "--format", "json")
    assert code == 1
    assert {r["dataset"] for r in json.loads(out)["moved"]} == {"meld", "mosi"}
    code, out, _ = cli("check", "--baseline", results / "model-a", "--against", results / "model-a-norec")
    assert code == 0


def test_check_bad_input_exits_2(cli, world, tmp_path):
    _, results = world
    assert cli("check", "--baseline", tmp_path / "nothing-here")[0] == 2
    assert cli("check", "--baseline", results / "model-a", "--tolerance", "-1")[0] == 2
    doc = json.loads((results / "model-a" / "mosi.json").read_text())
    doc["schema"] = "unibench.result/1"  # an older result: nothing to rebuild its run from
    (tmp_path / "old.json").write_text(json.dumps(doc))
    code, _, err = cli("check", "--baseline", tmp_path / "old.json")
    assert code == 2 and "--against" in err
    (tmp_path / "junk.json").write_text("{not json")
    assert cli("check", "--baseline", tmp_path / "junk.json")[0] == 2
    # recorded data root gone, and a wrong override: bad input, not a regression
    assert cli("check", "--baseline", results / "model-a", "--data-root", tmp_path / "no-data")[0] == 2
