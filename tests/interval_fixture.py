"""A deterministic multi-checkpoint workload whose stored intervals were recorded at the base commit b08113d.

    PYTHONPATH=.:tests python tests/interval_fixture.py tests/data/intervals_b08113d.json

builds the corpora below in a temporary folder, runs `unibench run --checkpoint all`, and writes every result
entry's score and `ci`; tests/test_interval_parity.py rebuilds the same data and compares today's intervals with
those numbers (1e-9). Four task shapes, three checkpoints each (the draws are shared across checkpoints):
MELD (discrete, clustered by dialogue), MER2023 (discrete, plain), CMU-MOSI (sentiment, zero golds dropped) and
OV-MERD+ (open vocabulary, levels 1 and 2).
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from lb_synth import MELD_IDS, MOSI_IDS, make_data
from synth import TREE, make_run, save_label_npz

CHECKPOINTS = ("checkpoint_000010_loss_0.500", "checkpoint_000020_loss_0.400", "checkpoint_000030_loss_0.300")
WORDS = sorted({w for row in TREE for w in row}) + ["neutral", "tension", "calm"]
MER_LABELS = ("neutral", "angry", "happy", "sad", "worried", "surprise")
OV_IDS = [f"ov{i:04d}" for i in range(532)]
BOOTSTRAP, SEED = 300, 3


def _words(rng: random.Random, lo: int, hi: int) -> str:
    return "[" + ", ".join(rng.sample(WORDS, rng.randint(lo, hi))) + "]"


def build(root: Path) -> tuple[Path, Path]:
    """(data root, model output folder), the same bytes on every call."""
    data = make_data(root / "data")
    rng = random.Random(14)
    mer_gold = {f"sample_{i:05d}": rng.choice(MER_LABELS) for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process" / "label-6way.npz",
                   {"test1_corpus": {n: {"emo": g, "val": 0.0} for n, g in mer_gold.items()}})
    folder = data / "ovmerdplus-process"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "ovlabel.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "openset"])
        for n in OV_IDS:
            out.writerow([n, _words(rng, 0, 4)])
    output = root / "out"
    for ck in CHECKPOINTS:
        meld = {n: rng.choice(["[sad]", "[surprised]", "[happy]", "[sad, happy]", "[]"]) for n in MELD_IDS}
        make_run(output, "meld", "run1", ck, {n: "r" for n in meld}, meld)
        mer = {n: _words(rng, 0, 2) for n in mer_gold}
        make_run(output, "mer2023", "run1", ck, {n: "r" for n in mer}, mer)
        sent = {n: rng.choice(["positive", "negative", "neutral"]) for n in MOSI_IDS}
        make_run(output, "cmumosi", "run1", ck, {n: "r" for n in sent}, {n: "[calm]" for n in sent}, sent)
        ov = {n: _words(rng, 0, 5) for n in OV_IDS}
        make_run(output, "ovmerdplus", "run1", ck, {n: "r" for n in ov}, ov)
    return data, output


def run_args(data: Path, output: Path, results: Path) -> list[str]:
    return ["run", "--model", f"affectgpt-npz:{output}", "--dataset", "meld,mer2023,mosi,ovmerdplus",
            "--data-root", str(data), "--lexicon", str(data / "emotion_wheel"), "--name", "m", "--checkpoint", "all",
            "--bootstrap", str(BOOTSTRAP), "--seed", str(SEED), "--results-dir", str(results), "--format", "json"]


def stored(results: Path) -> dict:
    """dataset -> checkpoint -> {score, ci} from the written result files."""
    out = {}
    for path in sorted((results / "m").glob("*.json")):
        doc = json.loads(path.read_text())
        out[doc["dataset"]["name"]] = {e["checkpoint"]: {"score": e["score"], "ci": e["ci"]} for e in doc["results"]}
    return out


if __name__ == "__main__":
    import tempfile

    from unibench.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        data, output = build(Path(tmp))
        code = main([str(a) for a in run_args(data, output, Path(tmp) / "results")])
        assert code == 0, code
        Path(sys.argv[1]).write_text(json.dumps(stored(Path(tmp) / "results"), indent=1, sort_keys=True) + "\n")
