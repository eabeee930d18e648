"""Reading and validating challenge submission files (and GT files of the same shape).

Formats (challenge-tracks.md §2):
  * CSV `name,discrete[,valence]`: MER2023 MULTI/NOISE need valence; SEMI and MER2024-2026 Track 1 ignore it.
  * CSV `name,openset`: MER2024 OV, MER2026 FG (list strings such as "['happy', 'sad']").
  * npz `filenames,fileitems`: MER2025 FG (`*-openset.npz`).
  * CSV `name,preference` or `name,a1,a2,preference`: MER2026 Prefer / EmoPrefer.
Upstream scores over the GT names only: extra candidates are allowed and ignored (but counted), and a GT name
without a prediction is an error (upstream: KeyError). Every problem is a one-line UserError naming the file, the
sample and the fix. Values are kept verbatim (no stripping or lower-casing): upstream does not normalise them either.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from unibench.errors import UserError, preview
from unibench.metrics.preference import PREFERENCES
from unibench.parse import open_csv
from unibench.safe_npz import load_npz
from unibench.textlists import string_to_list_mer2024

__all__ = ["EMOS_MER", "CsvTable", "DiscreteSubmission", "Aligned", "read_csv_table", "read_discrete_csv",
           "read_openset_csv", "read_openset_npz", "read_preference_csv", "align", "check_same_pairs"]

# Class order of every MER 6-class track (`toolkit/globals.py::emos_mer`).
EMOS_MER = ("neutral", "angry", "happy", "sad", "worried", "surprise")

T = TypeVar("T")


@dataclass(frozen=True)
class CsvTable:
    """name -> {column: value} in file order; `line` gives each name's line number for messages."""

    path: Path
    columns: tuple[str, ...]
    rows: dict[str, dict[str, str]]
    line: dict[str, int]


@dataclass(frozen=True)
class DiscreteSubmission:
    path: Path
    discrete: dict[str, str]
    valence: dict[str, float] | None  # None when the track ignores valence


@dataclass(frozen=True)
class Aligned(Generic[T]):
    """Predictions in GT order, plus how many extra (ignored) names the file had."""

    names: list[str]
    values: list[T]
    n_extra: int
    extra_preview: str


def read_csv_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = ()) -> CsvTable:
    """A CSV with a `name` column (plus `required`) as a table keyed by name. Header cells are stripped; unknown
    columns are ignored. Raises UserError for a missing file or column, an empty or duplicate name, or a short row."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    need = ("name", *[c for c in required if c != "name"])
    with open_csv(path, dicts=False) as reader:
        header = next(reader, None)
        if header is None:
            raise UserError(f"{path}: empty file; expected a header line with columns {', '.join(need)}")
        header = [h.strip() for h in header]
        missing = [c for c in need if c not in header]
        if missing:
            raise UserError(f"{path}: missing column(s) {', '.join(missing)} (found {', '.join(header) or 'none'});"
                            f" the header must contain {', '.join(need)}")
        keep = [c for c in header if c in need or c in optional]
        twice = sorted(c for c, k in Counter(keep).items() if k > 1)
        if twice:
            raise UserError(f"{path}: column {', '.join(twice)} appears twice in the header; keep one")
        idx = {c: header.index(c) for c in keep}
        rows: dict[str, dict[str, str]] = {}
        line: dict[str, int] = {}
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            at = reader.line_num
            if len(cells) < len(header):
                raise UserError(f"{path}: line {at} has {len(cells)} fields but the header has {len(header)}; "
                                "quote values that contain commas")
            name = cells[idx["name"]]
            if not name.strip():
                raise UserError(f"{path}: line {at} has an empty name; every row needs a sample name")
            if name in rows:
                raise UserError(f"{path}: sample {name} appears twice (lines {line[name]} and {at}); "
                                "keep one row per sample")
            rows[name] = {c: cells[i] for c, i in idx.items()}
            line[name] = at
    return CsvTable(path, tuple(keep), rows, line)


def _label_hint(value: str, allowed: Sequence[str]) -> str:
    near = [a for a in allowed if a == value.strip().lower()]
    return f" (did you mean '{near[0]}'? labels are case- and space-sensitive)" if near else ""


def parse_valence(raw: str, where: str) -> float:
    """A finite float, or a one-line error naming the file, line and sample."""
    try:
        v = float(raw)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise UserError(f"{where}: valence {raw!r} is not a finite number; write a float such as -1.5")
    return v


def read_discrete_csv(path: str | Path, *, labels: Sequence[str] = EMOS_MER, valence: bool = False
                      ) -> DiscreteSubmission:
    """CSV `name,discrete[,valence]`. Every discrete value must be one of `labels`; with `valence=True` the
    column is required and must hold finite numbers, otherwise it is ignored."""
    table = read_csv_table(path, ["discrete", *(["valence"] if valence else [])])
    allowed = list(labels)
    discrete: dict[str, str] = {}
    vals: dict[str, float] = {}
    for name, row in table.rows.items():
        lab = row["discrete"]
        if lab not in allowed:
            raise UserError(f"{table.path}: line {table.line[name]}, sample {name}: unknown label {lab!r}"
                            f"{_label_hint(lab, allowed)}; allowed labels: {', '.join(allowed)}")
        discrete[name] = lab
        if valence:
            vals[name] = parse_valence(row["valence"], f"{table.path}: line {table.line[name]}, sample {name}")
    return DiscreteSubmission(table.path, discrete, vals if valence else None)


def read_openset_csv(path: str | Path, *, mer2024: bool = False) -> dict[str, str]:
    """CSV `name,openset` as name -> raw list string (parsing is the metric's job: the splitters differ by year).
    With `mer2024=True` each value must parse with the MER2024 quote-only splitter (needs '[' unless empty)."""
    table = read_csv_table(path, ["openset"])
    out = {name: row["openset"] for name, row in table.rows.items()}
    if mer2024:
        for name, value in out.items():
            try:
                string_to_list_mer2024(value)
            except ValueError:
                raise UserError(f"{table.path}: line {table.line[name]}, sample {name}: openset {value[:40]!r} is "
                                "not a list string; write it as \"['word1', 'word2']\"") from None
    return out


def read_openset_npz(path: str | Path) -> dict[str, str]:
    """MER2025 FG `*-openset.npz`: parallel 1-D arrays `filenames` and `fileitems` (list strings) as
    name -> raw list string."""
    path = Path(path)
    data = load_npz(path, keys=("filenames", "fileitems"))
    for key in ("filenames", "fileitems"):
        if key not in data:
            raise UserError(f"{path}: no '{key}' array (found {', '.join(data) or 'none'}); save with "
                            "np.savez(path, filenames=names, fileitems=label_strings)")
    names, items = (np.asarray(data[k], dtype=object).reshape(-1) for k in ("filenames", "fileitems"))
    if len(names) != len(items):
        raise UserError(f"{path}: {len(names)} filenames but {len(items)} fileitems; the arrays must be parallel")
    out: dict[str, str] = {}
    for i, (name, item) in enumerate(zip(names, items)):
        if not isinstance(name, str) or not name.strip():
            raise UserError(f"{path}: filenames[{i}] = {name!r} is not a sample name; store names as strings")
        if not isinstance(item, str):
            raise UserError(f"{path}: sample {name}: fileitems[{i}] is {type(item).__name__}, not a list string; "
                            "store e.g. \"['happy', 'sad']\"")
        if name in out:
            raise UserError(f"{path}: sample {name} appears twice in filenames; keep one entry per sample")
        out[name] = item
    return out


def read_preference_csv(path: str | Path) -> CsvTable:
    """CSV `name,preference` or `name,a1,a2,preference` (a1/a2 kept when present); every preference must be exactly
    a1, a2 or same. Reduce free-text model replies with `postprocess_preference` before writing the file."""
    table = read_csv_table(path, ["preference"], optional=("a1", "a2"))
    for name, row in table.rows.items():
        pref = row["preference"]
        if pref not in PREFERENCES:
            raise UserError(f"{table.path}: line {table.line[name]}, sample {name}: preference {pref!r}"
                            f"{_label_hint(pref, PREFERENCES)} is not one of a1, a2, same; "
                            "reduce model replies with postprocess_preference first")
    return table


def align(gt_names: Sequence[str], pred: Mapping[str, T], path: str | Path) -> Aligned[T]:
    """The predictions for `gt_names`, in GT order. Extra names are ignored but counted (upstream behaviour);
    a GT name without a prediction raises UserError naming how many are missing and a few of them."""
    missing = [n for n in gt_names if n not in pred]
    if missing:
        raise UserError(f"{path}: {len(missing)} of {len(gt_names)} ground-truth samples have no prediction "
                        f"({preview(missing)}); predict every sample of the test set")
    wanted = set(gt_names)
    extra = [n for n in pred if n not in wanted]
    return Aligned(list(gt_names), [pred[n] for n in gt_names], len(extra), preview(extra) if extra else "")


def check_same_pairs(gt: CsvTable, pred: CsvTable) -> None:
    """When both preference files carry a1/a2 texts, they must match per GT name: a swapped or different pair
    would silently invert the score."""
    if not {"a1", "a2"} <= set(pred.columns) or not {"a1", "a2"} <= set(gt.columns):
        return
    for name, row in gt.rows.items():
        other = pred.rows.get(name)
        if other is None or (other["a1"], other["a2"]) == (row["a1"], row["a2"]):
            continue
        swapped = (other["a1"], other["a2"]) == (row["a2"], row["a1"])
        raise UserError(f"{pred.path}: line {pred.line[name]}, sample {name}: the a1/a2 texts "
                        f"{'are swapped relative to' if swapped else 'differ from'} {gt.path}; "
                        "score predictions against the pair file they were made on")
