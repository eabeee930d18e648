"""MER2026 Track 4 MER-PS: valence/arousal regression from EEG/fNIRS, scored by mean absolute error.

The organisers' Codabench page (challenge-tracks.md, MER-PS) states the rule: one `valence` and one `arousal`
prediction per 1 Hz sample, raw integers on the [1, 255] scale, ranked by the overall mean absolute error across
valence and arousal, lower is better. There is no published scorer code or upload file (Codabench runs the
submitted code), so the files are unibench's: CSV `sample_id,valence,arousal` for the predictions and for the
targets (`targets.csv` joined with `sample_ids.csv`). Every target sample needs a prediction with both values, so
the overall MAE (pooled over the 2N absolute errors) equals the mean of the two per-dimension MAEs. A constant
prediction of the scale centre (128, 128) is reported beside it, as the reference point of a regression score.
"""

from __future__ import annotations

from pathlib import Path

from unibench.errors import UserError
from unibench.metrics.classify import mae
from unibench.tracks.scorers import TrackScore, official, require_samples, result
from unibench.tracks.submissions import align, read_csv_table

KEY = "sample_id"
DIMS = ("valence", "arousal")
LOW, HIGH, CENTRE = 1, 255, 128


def _value(raw: str, where: str, integers: bool) -> float:
    """A prediction: an integer literal from 1 to 255. A target: any finite number."""
    try:
        v = float(int(raw)) if integers else float(raw)
    except ValueError:
        v = float("nan")
    if integers and not LOW <= v <= HIGH:  # NaN fails the comparison too
        raise UserError(f"{where}: {raw!r} is not an integer from {LOW} to {HIGH}; the organisers score raw "
                        "integers on the 1..255 scale (round your predictions)")
    if not abs(v) < float("inf"):
        raise UserError(f"{where}: {raw!r} is not a finite number")
    return v


def read_va(path: Path, opts: dict, integers: bool) -> dict[str, tuple[float, float]]:
    table = read_csv_table(path, DIMS, key=KEY, as_official=official(opts))
    def pair(n: str, r: dict) -> tuple[float, float]:
        v, a = (_value(r[d], f"{path}: line {table.line[n]}, sample {n}, {d}", integers) for d in DIMS)
        return v, a

    return {n: pair(n, r) for n, r in table.rows.items()}


def score_ps(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    targets = read_va(gold, opts, integers=False)
    require_samples(len(targets), gold)
    al = align(list(targets), read_va(submission, opts, integers=True), submission)
    values: dict = {}
    for i, d in enumerate(DIMS):
        t, p = [targets[n][i] for n in al.names], [v[i] for v in al.values]
        values[f"mae_{d}"] = mae(t, p)
        values[f"centre_baseline_mae_{d}"] = mae(t, [CENTRE] * len(t))
    every_t = [targets[n][i] for n in al.names for i in range(2)]
    values["mae"] = mae(every_t, [v[i] for v in al.values for i in range(2)])
    values["centre_baseline_mae"] = mae(every_t, [CENTRE] * len(every_t))
    records = [{"name": n, "gold": list(targets[n]), "pred": list(v)} for n, v in zip(al.names, al.values)]
    return result(values["mae"], values, len(al.names), al, records, {"submission": submission, "gold": gold},
                  ["score = overall MAE over valence and arousal on the raw 1..255 scale; lower is better",
                   f"centre_baseline = predicting ({CENTRE}, {CENTRE}) for every sample"])
