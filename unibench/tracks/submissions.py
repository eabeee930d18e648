"""Reading and validating challenge submission files (and GT files of the same shape).

Formats (challenge-tracks.md §2; `unibench tracks` marks the ones unibench defined itself):
  * CSV `name,discrete[,valence]`: MER2023 MULTI/NOISE need valence; SEMI and MER2024-2026 Track 1 ignore it.
  * CSV `name,openset`: MER2024 OV, MER2026 FG (list strings such as "['happy', 'sad']").
  * npz `filenames,fileitems`: MER2025 FG (`*-openset.npz`), MER2026 FG.
  * CSV `name,preference` or `name,a1,a2,preference`: MER2026 Prefer / EmoPrefer.

The official scorers read CSVs with pandas into a dict keyed by name; `read_csv_table` accepts exactly what they
accept or refuses with a one-line UserError naming the file, the line and the fix. Where pandas would guess (a
short row, a repeated name, an empty name), the default is to refuse and say what the official scorer would do;
`as_official=True` (`--as-official`) reads the file that way instead (missing cells empty, the last row of a name
kept, an empty name one NaN key). tests/test_official_parity.py runs both readers on the same files.
"""

from __future__ import annotations

import csv
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

__all__ = ["EMOS_MER", "PANDAS_NA", "NAN_NAME", "CsvTable", "DiscreteSubmission", "Aligned", "read_csv_table",
           "read_discrete_csv", "read_openset_csv", "read_openset_npz", "read_preference_csv", "align",
           "check_same_pairs", "check_count"]

# Class order of every MER 6-class track (`toolkit/globals.py::emos_mer`).
EMOS_MER = ("neutral", "angry", "happy", "sad", "worried", "surprise")

# Cells pandas.read_csv reads as NaN by default (its `na_values`); the official readers turn NaN into "".
PANDAS_NA = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
NAN_NAME = "<NaN>"  # --as-official: the one key pandas' NaN name becomes (every empty name row lands on it)
AS_OFFICIAL = "pass --as-official to score it that way"

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


def read_csv_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = (), *, key: str = "name",
                   as_official: bool = False, missing_as_empty: Sequence[str] = ()) -> CsvTable:
    """A CSV with a `key` column (plus `required`) as a table keyed by name, read as pandas reads it for the
    official scorers. Unknown columns are ignored; header cells are taken as written (pandas does not strip them).

    Refused in any mode (the official scorer fails too): a missing file or column, a header cell with surrounding
    spaces, a row longer than the header. Refused unless `as_official` (the official scorer guesses): a short row
    (official: missing cells are NaN, i.e. empty), a repeated name (official: the last row wins), an empty name
    (official: NaN, one key for all such rows). `missing_as_empty`: columns whose absence the official reader
    turns into empty values (`func_read_key_from_csv`); refused unless `as_official`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    need = (key, *[c for c in required if c != key])
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise UserError(f"{path}: empty file; expected a header line with columns {', '.join(need)}")
            for cell in header:
                if cell != cell.strip() and cell.strip() in (*need, *optional):
                    raise UserError(f"{path}: header cell {cell!r} has surrounding spaces; the official scorer "
                                    f"(pandas) reads it as another column and fails; write '{cell.strip()}'")
            missing = [c for c in need if c not in header]
            absent_empty = [c for c in missing if c in missing_as_empty]
            if absent_empty and not as_official:
                raise UserError(f"{path}: no column {', '.join(absent_empty)} (found {', '.join(header) or 'none'}); "
                                "the official scorer reads every value of a missing column as empty; add the "
                                f"column, or {AS_OFFICIAL}")
            missing = [c for c in missing if c not in absent_empty]
            if missing:
                raise UserError(f"{path}: missing column(s) {', '.join(missing)} (found {', '.join(header) or 'none'});"
                                f" the header must contain {', '.join(need)}")
            keep = [c for c in header if c in need or c in optional]
            idx = {c: header.index(c) for c in dict.fromkeys(keep)}  # a repeated column: the first, as pandas
            rows: dict[str, dict[str, str]] = {}
            line: dict[str, int] = {}
            for cells in reader:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line, which pandas skips
                at = reader.line_num
                if len(cells) > len(header):
                    raise UserError(f"{path}: line {at} has {len(cells)} fields but the header has {len(header)}; "
                                    "quote values that contain commas (pandas, which the official scorer uses, "
                                    "would fail or shift the columns)")
                if len(cells) < len(header):
                    if not as_official:
                        raise UserError(f"{path}: line {at} has {len(cells)} fields but the header has "
                                        f"{len(header)}; the official scorer reads the missing cells as empty; "
                                        f"complete the row (quote values that contain commas), or {AS_OFFICIAL}")
                    cells = cells + [""] * (len(header) - len(cells))
                name = cells[idx[key]]
                if name in PANDAS_NA:
                    if not as_official:
                        raise UserError(f"{path}: line {at} has an empty name ({name!r}); the official scorer "
                                        f"(pandas) reads it as NaN, one key for all such rows; name every row, or "
                                        f"{AS_OFFICIAL}")
                    name = NAN_NAME
                if name in rows and not as_official:
                    raise UserError(f"{path}: sample {name} appears twice (lines {line[name]} and {at}); the "
                                    f"official scorer keeps the last row; keep one row per sample, or {AS_OFFICIAL}")
                rows[name] = {c: cells[i] for c, i in idx.items()}
                for c in absent_empty:
                    rows[name][c] = ""
                line[name] = at
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the file as UTF-8") from None
    except csv.Error as err:
        raise UserError(f"{path}: malformed CSV ({err}); check the quoting") from None
    return CsvTable(path, tuple(dict.fromkeys([*keep, *absent_empty])), rows, line)


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


def read_discrete_csv(path: str | Path, *, labels: Sequence[str] = EMOS_MER, valence: bool = False,
                      as_official: bool = False, only: Sequence[str] | None = None) -> DiscreteSubmission:
    """CSV `name,discrete[,valence]`. Every discrete value must be one of `labels`; with `valence=True` the
    column is required and must hold finite numbers, otherwise it is ignored. `only`: check (and keep) just these
    names, for scorers that read the labels of the gold names only (MER2025/2026 Track 1)."""
    table = read_csv_table(path, ["discrete", *(["valence"] if valence else [])], as_official=as_official)
    allowed = list(labels)
    wanted = None if only is None else set(only)
    discrete: dict[str, str] = {}
    vals: dict[str, float] = {}
    for name, row in table.rows.items():
        if wanted is not None and name not in wanted:
            discrete[name] = row["discrete"]  # counted, never scored or checked (as the official scorer)
            continue
        lab = row["discrete"]
        if lab not in allowed:
            raise UserError(f"{table.path}: line {table.line[name]}, sample {name}: unknown label {lab!r}"
                            f"{_label_hint(lab, allowed)}; allowed labels: {', '.join(allowed)}")
        discrete[name] = lab
        if valence:
            vals[name] = parse_valence(row["valence"], f"{table.path}: line {table.line[name]}, sample {name}")
    return DiscreteSubmission(table.path, discrete, vals if valence else None)


def openset_cell(value: str) -> str:
    """A CSV openset cell as the official readers see it: pandas' NaN tokens ("", "NA", "None", ...) are empty."""
    return "" if value in PANDAS_NA else value


def read_openset_csv(path: str | Path, *, as_official: bool = False, missing_as_empty: Sequence[str] = ()
                     ) -> dict[str, str]:
    """CSV `name,openset` as name -> raw list string (parsing is the metric's job: the splitters differ by year)."""
    table = read_csv_table(path, ["openset"], as_official=as_official, missing_as_empty=missing_as_empty)
    return {name: openset_cell(row["openset"]) for name, row in table.rows.items()}


def _npz_item(path: Path, name: str, i: int, item):
    """One `fileitems` entry as the 2025/2026 `string_to_list` takes it: a list string, a list (or array row) of
    strings, or empty (None / NaN / ''). Lists come back as tuples, which the word splitter never re-splits."""
    if isinstance(item, np.ndarray):
        item = item.tolist()
    if item is None or (isinstance(item, float) and math.isnan(item)):
        return ""
    if isinstance(item, (list, tuple)):
        if not all(isinstance(w, str) for w in item):
            raise UserError(f"{path}: sample {name}: fileitems[{i}] is a list with non-string items; store label "
                            "strings, e.g. ['happy', 'sad']")
        return tuple(item)
    if not isinstance(item, str):
        raise UserError(f"{path}: sample {name}: fileitems[{i}] is {type(item).__name__}, not a list string or a "
                        "list of strings; store e.g. \"['happy', 'sad']\"")
    return item


def read_openset_npz(path: str | Path, *, as_official: bool = False) -> dict[str, str | tuple[str, ...]]:
    """MER2025 FG `*-openset.npz`: parallel arrays `filenames` and `fileitems` (label-list strings, or lists of
    labels) as name -> list string (or tuple of labels)."""
    path = Path(path)
    data = load_npz(path, keys=("filenames", "fileitems"))
    for key in ("filenames", "fileitems"):
        if key not in data:
            raise UserError(f"{path}: no '{key}' array (found {', '.join(data) or 'none'}); save with "
                            "np.savez(path, filenames=names, fileitems=label_strings)")
    names = np.asarray(data["filenames"], dtype=object).reshape(-1)
    items = data["fileitems"]
    items = list(items) if isinstance(items, (np.ndarray, list, tuple)) and np.ndim(items) > 0 else [items]
    if len(names) != len(items):
        if not as_official:
            raise UserError(f"{path}: {len(names)} filenames but {len(items)} fileitems; the official scorer pairs "
                            f"them up to the shorter array; make them parallel, or {AS_OFFICIAL}")
    out: dict[str, str | tuple[str, ...]] = {}
    for i, (name, item) in enumerate(zip(names, items)):
        if not isinstance(name, str) or not name.strip():
            raise UserError(f"{path}: filenames[{i}] = {name!r} is not a sample name; store names as strings")
        if name in out and not as_official:
            raise UserError(f"{path}: sample {name} appears twice in filenames; the official scorer keeps the last "
                            f"entry; keep one entry per sample, or {AS_OFFICIAL}")
        out[str(name)] = _npz_item(path, name, i, item)
    return out


def read_preference_csv(path: str | Path, *, as_official: bool = False) -> CsvTable:
    """CSV `name,preference` or `name,a1,a2,preference` (a1/a2 kept when present); every preference must be exactly
    a1, a2 or same. Reduce free-text model replies with `postprocess_preference` before writing the file."""
    table = read_csv_table(path, ["preference"], optional=("a1", "a2"), as_official=as_official)
    for name, row in table.rows.items():
        pref = row["preference"]
        if pref not in PREFERENCES:
            raise UserError(f"{table.path}: line {table.line[name]}, sample {name}: preference {pref!r}"
                            f"{_label_hint(pref, PREFERENCES)} is not one of a1, a2, same; "
                            "reduce model replies with postprocess_preference first")
    return table


def align(gt_names: Sequence[str], pred: Mapping[str, T], path: str | Path) -> Aligned[T]:
    """The predictions for `gt_names`, in GT order. Extra names are ignored but counted (every official scorer
    reads the gold names only); a GT name without a prediction raises UserError naming how many are missing and a
    few of them (the official scorers fail with KeyError)."""
    missing = [n for n in gt_names if n not in pred]
    if missing:
        raise UserError(f"{path}: {len(missing)} of {len(gt_names)} ground-truth samples have no prediction "
                        f"({preview(missing)}); predict every sample of the test set")
    wanted = set(gt_names)
    extra = [n for n in pred if n not in wanted]
    return Aligned(list(gt_names), [pred[n] for n in gt_names], len(extra), preview(extra) if extra else "")


def check_count(track, n_pred: int, n_gold: int, path: str | Path) -> None:
    """The official count assertions: `count` = "equal" (MER2023 MULTI/NOISE: as many predictions as gold
    names) or a number (MER2025 SEMI/FG: the 20,000 candidates). Refused in any mode, as the official refuses."""
    rule = track.kwargs.get("count")
    if rule == "equal" and n_pred != n_gold:
        raise UserError(f"{path}: {n_pred} predictions for {n_gold} gold samples; the official {track.id} scorer "
                        "asserts equal counts (predict exactly the test set, no extra rows)")
    if isinstance(rule, int) and n_pred != rule:
        raise UserError(f"{path}: {n_pred} predictions; the official {track.id} scorer asserts exactly {rule:,} "
                        "(every candidate of the test pool)")


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
