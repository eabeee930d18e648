"""Synthetic full-size MELD / MOSI test splits and model outputs for the leaderboard, compare and check tests.

Full size (2,610 / 686 samples) so the real loaders accept them without --allow-partial. MELD golds are
'sadness' / 'surprise', which the tiny synthetic lexicon of tests/synth.py maps to 'sad' / 'surprised'.
"""

from __future__ import annotations

from pathlib import Path

from synth import make_lexicon, make_run, save_label_npz

MELD_IDS = [f"test_dia{d}_utt{u}" for d in range(261) for u in range(10)]  # 2,610 utterances in 261 dialogues
MOSI_IDS = [f"vid{v:03d}_{k}" for v in range(98) for k in range(7)]  # 686 segments of 98 videos
SAD, SURPRISE = 2, 6  # MELD label indices


def meld_gold(i: int) -> int:
    return SAD if i % 3 else SURPRISE


def mosi_gold(i: int) -> float:
    return [1.5, -2.0, 0.0, 0.8, -0.6][i % 5]


def make_data(root: Path) -> Path:
    save_label_npz(root / "meld-process" / "label.npz",
                   {"test_corpus": {n: {"emo": meld_gold(i), "val": -10} for i, n in enumerate(MELD_IDS)}})
    save_label_npz(root / "cmumosi-process" / "label.npz",
                   {"test_corpus": {n: {"emo": "", "val": mosi_gold(i)} for i, n in enumerate(MOSI_IDS)}})
    make_lexicon(root / "emotion_wheel")
    return root


def make_model(output: Path, wrong_dialogues: set[int], wrong_videos: set[int] = frozenset(),
               checkpoint: str = "checkpoint_000010_loss_0.500", constant: str | None = None) -> Path:
    """Outputs that are right except on whole dialogues / videos (so clustering matters).
    `constant` makes every MELD prediction that one label string instead."""
    opens, resp = {}, {}
    for i, n in enumerate(MELD_IDS):
        right = "[sad]" if meld_gold(i) == SAD else "[surprised]"
        wrong = "[happy]"
        opens[n] = constant if constant is not None else (wrong if i // 10 in wrong_dialogues else right)
        resp[n] = f"The speaker feels {opens[n]}."
    make_run(output, "meld", "run1", checkpoint, resp, opens)
    opens, sent, resp = {}, {}, {}
    for i, n in enumerate(MOSI_IDS):
        g = mosi_gold(i)
        right = "positive" if g > 0 else "negative"
        sent[n] = ("negative" if right == "positive" else "positive") if i // 7 in wrong_videos else right
        opens[n] = "[calm]"
        resp[n] = f"Overall {sent[n]}."
    make_run(output, "cmumosi", "run1", checkpoint, resp, opens, sent)
    return output


def run_args(data: Path, output: Path, name: str, results: Path, *extra: str) -> list[str]:
    return ["run", "--model", f"affectgpt-npz:{output}", "--dataset", "meld,mosi", "--data-root", str(data),
            "--lexicon", str(data / "emotion_wheel"), "--name", name, "--results-dir", str(results), *extra]
