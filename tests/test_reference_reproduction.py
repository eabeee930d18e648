"""Every number of ../shared/reference/expected.json that the spine covers, reproduced through the real CLI."""

from __future__ import annotations

import csv
import json

import pytest

from unibench.lexicon.upstream import load_upstream
from unibench.scoring import score_open_vocab
from unibench.schema import Extraction, GoldLabel
from unibench.textlists import string_to_list

DATASETS = {"mer2023": "mer2023", "meld": "meld", "cmumosi": "mosi", "sims": "sims"}
OFF = 5e-5  # expected.json rounds to 4 decimals


@pytest.fixture(scope="module")
def all_checkpoints(reference, tmp_path_factory):
    from unibench.cli import main
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["run", "--model", f"affectgpt-npz:{reference / 'output'}", "--dataset", "mer2023,meld,mosi,sims",
                     "--data-root", str(reference / "dataset"), "--lexicon", str(reference / "AffectGPT/emotion_wheel"),
                     "--checkpoint", "all", "--results-dir", str(tmp_path_factory.mktemp("res")), "--format", "json"])
    assert code == 0
    return json.loads(out.getvalue())


def test_every_checkpoint_of_every_labelled_dataset(all_checkpoints, expected):
    got = {(r["dataset"], r["epoch"]): r for r in all_checkpoints["results"]}
    assert len(got) == 4 * 7
    for key, ours in DATASETS.items():
        for ck in expected["affectgpt"]["datasets"][key]["checkpoints"]:
            r = got[(ours, ck["epoch"])]
            assert r["checkpoint"] + ".npz" == ck["file"]
            if "hit" in ck:
                assert r["score"] == pytest.approx(ck["hit"], abs=OFF)
                for w, v in ck["per_wheel_hit"].items():
                    assert r["per_wheel"][w]["score"] == pytest.approx(v, abs=OFF)
            else:
                assert r["score"] == pytest.approx(ck["waf"], abs=OFF)
                assert r["secondary"]["acc"] == pytest.approx(ck["acc"], abs=OFF)


def test_best_checkpoint_row_matches_the_paper(cli, reference, expected, tmp_path):
    code, out, _ = cli("run", "--model", f"affectgpt-npz:{reference / 'output'}", "--dataset", "mer2023,meld,mosi,sims",
                       "--data-root", reference / "dataset", "--lexicon", reference / "AffectGPT/emotion_wheel",
                       "--results-dir", tmp_path, "--format", "json", "--name", "affectgpt")
    assert code == 0
    doc = json.loads(out)
    rows = {r["dataset"]: r for r in doc["results"]}
    for key, ours in DATASETS.items():
        exp = expected["affectgpt"]["datasets"][key]
        r = rows[ours]
        best = exp["best"]
        assert r["checkpoint"] + ".npz" == best["file"] and r["selection"] == "best of 7 on test"
        main = best.get("hit", best.get("waf"))
        assert r["score"] == pytest.approx(main, abs=OFF)
        assert round(r["score"], 2) == pytest.approx(exp["paper"])  # the paper's printed digits
        if "n_scored_per_wheel" in best:
            assert {w: v["n"] for w, v in r["per_wheel"].items()} == best["n_scored_per_wheel"]
        else:
            assert r["n"] == best["n_scored"]
        stored = json.loads((tmp_path / "affectgpt" / f"{ours}.json").read_text())
        assert stored["results"][0]["score"] == r["score"]
        assert stored["provenance"]["checksums"]["lexicon"] == doc["lexicon"]["checksum"]
    assert doc["mean"] is None  # five of the nine corpora are not public
    assert doc["mean_scored"]["value"] == pytest.approx(expected["affectgpt"]["mean_of_best_4_visible"], abs=OFF)


def test_word_to_cluster_table(reference, expected):
    lex = load_upstream(reference / "AffectGPT/emotion_wheel")
    assert (len(lex.forms), len(lex.synonyms)) == (7386, 1255)
    assert len({w for (wh, lv), t in lex.clusters.items() for w in t}) == 253
    table = expected["word_to_cluster"]
    for level in ("level1", "level2"):
        for word, wheels in table[f"lexicon2025_{level}"].items():
            for wheel, cluster in wheels.items():
                assert lex.map_word(word, wheel, level) == cluster, (word, wheel, level)
    for word, inside in table["in_format_mapping_2025"].items():
        assert lex.in_vocabulary(word) == inside
    for word, wheels in table["after_lower_strip_level1_2025"].items():
        for wheel, cluster in wheels.items():
            assert lex.encoder().clusters(f"[{word}]", "level1")[wheel] == [cluster]
    lex26 = load_upstream(reference / "MER2026/emotion_wheel/wheel_mapping.npz")
    assert lex26.id == "mer2026" and len(lex26.forms) == 7356
    for word, wheels in table["lexicon2026_level1_differences"].items():
        for wheel, cluster in wheels.items():
            assert lex26.map_word(word, wheel, "level1") == cluster


def _ov_score(lexicon, gold: dict, pred: dict):
    samples = [GoldLabel(id=k, gold=tuple(v)) for k, v in gold.items()]
    return score_open_vocab(samples, {k: Extraction(labels=pred[k]) for k in gold}, lexicon).score


def _read_openset(path):
    with open(path, newline="") as fh:
        return {r["name"]: r["openset"] for r in csv.DictReader(fh)}


def test_ov_store_example_level1_and_level2(reference, expected):
    store = reference / "ov-mer/ov_store"
    gold = {k: string_to_list(v) or ["neutral"] for k, v in _read_openset(store / "check-openset.csv").items()}
    pred = _read_openset(store / "predict-openset.csv")
    exp = expected["ov_store_mer2024_example"]
    s = _ov_score(load_upstream(reference / "AffectGPT/emotion_wheel"), gold, pred)
    assert s["score"] == pytest.approx(exp["ew_level1_lexicon2025"]["mean_F"], abs=OFF)
    assert s["secondary"]["ew_f_l2"] == pytest.approx(exp["ew_level2_lexicon2025"]["mean_F"], abs=OFF)
    for w, v in exp["ew_level1_lexicon2025"]["per_wheel"].items():
        got = s["per_wheel"][w]
        assert (got["f"], got["p"], got["r"]) == pytest.approx((v["F"], v["P"], v["R"]), abs=OFF)
        assert got["n"] == v["n_scored"]
    s26 = _ov_score(load_upstream(reference / "MER2026/emotion_wheel/wheel_mapping.npz"), gold, pred)
    assert s26["score"] == pytest.approx(exp["ew_level1_lexicon2026"]["mean_F"], abs=OFF)
    assert s26["secondary"]["ew_f_l2"] == pytest.approx(exp["ew_level2_lexicon2026_mean_F"], abs=OFF)


@pytest.mark.parametrize("lexicon_key", ["AffectGPT/emotion_wheel", "MER2026/emotion_wheel/wheel_mapping.npz"])
def test_ov_mer_baselines_through_the_cli(cli, reference, expected, tmp_path, lexicon_key):
    models = expected["ovmerd"]["models"]
    for model, variants in models.items():
        code, out, err = cli("run", "--model", f"affectgpt-npz:{reference / 'ov-mer/results-ovmerd' / model}",
                             "--dataset", "ovmerd", "--data-root", reference / "ov-mer", "--lexicon",
                             reference / lexicon_key, "--checkpoint", "all", "--results-dir", tmp_path, "--format", "json")
        assert code == 0, err
        rows = {r["checkpoint"]: r for r in json.loads(out)["results"]}
        assert len(rows) == 3
        for variant, exp in variants.items():
            r = rows[f"output-reason-7b-{variant}-eng"]
            if lexicon_key.startswith("AffectGPT"):
                assert r["score"] == pytest.approx(exp["level1"]["mean_F"], abs=OFF)
                assert r["secondary"]["ew_p"] == pytest.approx(exp["level1"]["mean_P"], abs=OFF)
                assert r["secondary"]["ew_f_l2"] == pytest.approx(exp["level2"]["mean_F"], abs=OFF)
                for w, v in exp["level1"]["per_wheel"].items():
                    assert r["per_wheel"][w]["f"] == pytest.approx(v["F"], abs=OFF)
                assert {w: v["n"] for w, v in r["per_wheel"].items()} == expected["ovmerd"]["n_scored_per_wheel_level1"]
            else:
                assert r["score"] == pytest.approx(exp["lexicon2026_level1"]["mean_F"], abs=OFF)
                assert r["secondary"]["ew_f_l2"] == pytest.approx(exp["lexicon2026_level2_mean_F"], abs=OFF)
    ex = expected["ovmerd"]["lexicon2026_example"]
    assert ex["model"] in models
