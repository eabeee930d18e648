"""Result names that do not collide: derived from the run folder or file (short, stable), overridable with --name,
checked before a path is built; describe-score names the OV-MER baselines apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from lb_synth import make_data, make_model
from unibench.adapters import build_adapter
from unibench.naming import MAX_LEN, from_path, shorten
from unibench.tracks.api import default_name

LONG_RUN = "emercoarse_highlevelfilter4_outputhybird_bestsetup_bestfusion_lz_20250110100"


def _output(root: Path, run: str) -> Path:
    out = make_model(root / "output", wrong_dialogues={1})
    for d in out.iterdir():
        (d / "run1").rename(d / run)
    return out


def test_two_users_output_folders_get_different_stable_names(tmp_path, cli):
    data = make_data(tmp_path / "data")
    a = _output(tmp_path / "alice", LONG_RUN)
    b = _output(tmp_path / "bob", LONG_RUN.replace("20250110100", "20250301120"))
    res = tmp_path / "results"
    for out in (a, b):
        code, _, err = cli("run", "--model", f"affectgpt-npz:{out}", "--dataset", "meld", "--data-root", data,
                           "--lexicon", data / "emotion_wheel", "--results-dir", res, "--bootstrap", "0")
        assert code == 0, err
    names = sorted(p.name for p in res.iterdir())
    assert len(names) == 2 and "output" not in names
    assert all(n.startswith("emercoarse-") and len(n) <= MAX_LEN for n in names)
    assert build_adapter(f"affectgpt-npz:{a}").default_name in names  # the same name on every call (stable)
    assert shorten(LONG_RUN) == shorten(LONG_RUN) != shorten(LONG_RUN + "x")
    assert build_adapter(f"affectgpt-npz:{a}", {"run": "my-run"}).default_name == "my-run"
    code, _, err = cli("run", "--model", f"affectgpt-npz:{a}", "--dataset", "meld", "--data-root", data,
                       "--lexicon", data / "emotion_wheel", "--results-dir", res, "--name", "../escape")
    assert code == 2 and "--name" in err and not (tmp_path / "escape").exists()


def test_generic_file_names_take_their_folder():
    ov = Path("ov-mer/results-ovmerd")
    names = {default_name(ov / m / f"output-reason-7b-{v}-eng.npz") for m in ("Chat-UniVi", "LLaMA-VID", "Otter")
             for v in ("subtitle", "nosubtitle", "nosubtitle-addsub")}
    assert len(names) == 9 and "LLaMA-VID-reason-7b-nosubtitle-addsub-eng" in names
    assert from_path(Path("team-x/predictions.csv"), "preds") == "team-x"
    assert from_path(Path("runs/gpt4o-mer2023.jsonl"), "preds") == "gpt4o-mer2023"
    assert build_adapter("preds:some/where/my-model.csv").default_name == "my-model"


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "-x", "x y"])
def test_bad_names_are_refused(bad):
    from unibench.errors import UserError
    from unibench.paths import safe_name as check

    with pytest.raises(UserError):
        check(bad)
