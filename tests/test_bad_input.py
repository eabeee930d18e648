"""Bad input: a one-line error naming the file/sample and the fix, exit code 2, nothing written."""

from __future__ import annotations

import shutil

import pytest

from tests.synth import make_lexicon, make_run, save_label_npz


@pytest.fixture
def world(tmp_path):
    data, out = tmp_path / "data", tmp_path / "output"
    gold = {f"s{i:04d}": {"emo": "happy", "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"test1_corpus": gold})
    make_run(out, "mer2023", "run1", "checkpoint_000001_loss_1", {k: "x" for k in gold}, {k: "[glad]" for k in gold})
    return {"data": data, "out": out, "lex": make_lexicon(tmp_path / "ew"), "res": tmp_path / "res", "gold": gold,
            "run": out / "results-mer2023" / "run1"}


def fails(cli, w, *args, match: str):
    code, out, err = cli("run", "--model", f"affectgpt-npz:{w['out']}", "--data-root", w["data"], "--lexicon", w["lex"],
                         "--results-dir", w["res"], *args)
    assert code == 2, (out, err)
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert match in line, line
    assert out == "" and not w["res"].exists()
    return line


def test_unknown_dataset_suggests_the_closest(cli, world):
    fails(cli, world, "--dataset", "mer-2023", match="did you mean 'mer2023'")


def test_missing_folder_and_label_file_name_the_path(cli, world, tmp_path):
    line = fails(cli, world, "--dataset", "meld", match="meld-process")
    assert str(world["data"]) in line
    (world["data"] / "mer2023-dataset-process/label-6way.npz").unlink()
    fails(cli, world, "--dataset", "mer2023", match="label file not found")


def test_truncated_prediction_npz(cli, world):
    f = world["run"] / "checkpoint_000001_loss_1-openset.npz"
    f.write_bytes(f.read_bytes()[:100])
    fails(cli, world, "--dataset", "mer2023", match="unreadable or truncated npz")


def test_predictions_missing_samples_or_holding_unknown_ids(cli, world):
    from tests.synth import save_pairs_npz

    f = world["run"] / "checkpoint_000001_loss_1-openset.npz"
    labels = {k: "[glad]" for k in list(world["gold"])[:-5]}
    save_pairs_npz(f, labels)
    line = fails(cli, world, "--dataset", "mer2023", match="predictions miss 5 of 411 test samples")
    assert "s0406" in line
    save_pairs_npz(f, {**{k: "[glad]" for k in world["gold"]}, "intruder_1": "[x]"})
    fails(cli, world, "--dataset", "mer2023", match="1 sample ids are not in the test split (intruder_1)")


def test_empty_run_folder_and_missing_cache(cli, world):
    (world["run"] / "checkpoint_000001_loss_1-openset.npz").unlink()
    fails(cli, world, "--dataset", "mer2023", match="an LLM or lexicon extractor is needed")
    shutil.rmtree(world["run"])
    world["run"].mkdir()
    fails(cli, world, "--dataset", "mer2023", match="empty run folder")


def test_lexicon_folder_missing_a_file(cli, world):
    (world["lex"] / "synonym.xlsx").unlink()
    fails(cli, world, "--dataset", "mer2023", match="missing synonym.xlsx")


def test_several_runs_need_a_choice(cli, world):
    shutil.copytree(world["run"], world["run"].parent / "run2")
    fails(cli, world, "--dataset", "mer2023", match="choose one with -M run=NAME")
    code, _, err = cli("run", "--model", f"affectgpt-npz:{world['out']}", "-M", "run=run2", "--dataset", "mer2023",
                       "--data-root", world["data"], "--lexicon", world["lex"], "--results-dir", world["res"])
    assert code == 0, err


def test_bad_model_spec(cli, world):
    fails(cli, world, "--dataset", "mer2023", "--model", "nonsense", match="expected KIND:ARG")
