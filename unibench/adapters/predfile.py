"""Read a prediction file (CSV, JSONL, JSON or npz) into plain rows: sample id -> {field: value}.

This layer only parses; what the fields mean (text, label, labels, valence, probabilities) is decided by
`unibench.adapters.preds`. Values keep their JSON/numpy types (CSV cells are coerced to numbers when they parse as
numbers) so the kind can be inferred from them. npz files go through the restricted loader only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unibench.errors import UserError

SUFFIXES = (".csv", ".jsonl", ".json", ".npz")
ID_FIELDS = ("name", "names", "id", "ids", "sample", "sample_id", "filename", "filenames")
# Columns such as prob_neutral / logit_angry hold one class's score each.
PROB_COLUMN = re.compile(r"^(prob|probs|logit|logits)[_:](.+)$", re.IGNORECASE)
WRAPPER_KEYS = ("predictions",)  # {"labels": [order], "predictions": {...} | [...]}


@dataclass
class Table:
    path: Path
    format: str
    ids: list[str] | None            # None: the file has no sample names (rows follow the test split's order)
    rows: list[dict[str, Any]]
    labels: list[str] | None = None  # a label order stated in the file itself
    notes: list[str] = field(default_factory=list)


def _cell(value: str) -> Any:
    """A CSV cell: '' -> None, numbers -> int/float, anything else stays a string."""
    v = value.strip()
    if v == "":
        return None
    try:
        return int(v)
    except ValueError:
        pass
    try:
        x = float(v)
        return x if math.isfinite(x) else v
    except ValueError:
        return v


def _id_field(path: Path, keys, what: str = "columns") -> str:
    keys = [str(k) for k in keys]
    found = [k for k in keys if k.lower() in ID_FIELDS]
    if len(found) != 1:
        got = "no" if not found else f"several ({', '.join(found)})"
        raise UserError(f"{path}: {got} sample-name field among the {what} found ({', '.join(keys) or 'none'}); "
                        f"fix: name exactly one of them {' / '.join(ID_FIELDS)} (e.g. a header 'name,label')")
    return found[0]


def _from_records(path: Path, fmt: str, records: list, labels=None) -> Table:
    if not records:
        raise UserError(f"{path}: no predictions in the file")
    ids, rows = [], []
    seen: set[str] = set()
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise UserError(f"{path}: record {i + 1} is a {type(rec).__name__}, expected an object "
                            "{\"name\": ..., \"label\": ...}")
        key = _id_field(path, rec.keys(), f"fields of record {i + 1}")
        name = str(rec[key])
        if name in seen:
            raise UserError(f"{path}: sample {name} appears twice; keep one prediction per sample")
        seen.add(name)
        ids.append(name)
        rows.append({k: v for k, v in rec.items() if k != key})
    return Table(path, fmt, ids, rows, labels)


def _from_mapping(path: Path, fmt: str, mapping: dict, field_name: str = "value", labels=None) -> Table:
    """{name: value}: a value is a record (a dict with known field names), or one prediction under `field_name`."""
    from unibench.adapters.preds import FIELD_KIND  # the field vocabulary lives with the kinds

    ids, rows = [], []
    for name, value in mapping.items():
        ids.append(str(name))
        if isinstance(value, dict) and value and any(str(k).lower() in FIELD_KIND for k in value):
            rows.append(dict(value))
        else:
            rows.append({field_name: value})
    if not ids:
        raise UserError(f"{path}: no predictions in the file")
    return Table(path, fmt, ids, rows, labels)


def _read_csv(path: Path) -> Table:
    from unibench.parse import open_csv

    with open_csv(path) as reader:
        cols = [c for c in reader.fieldnames or [] if c is not None]
        key = _id_field(path, cols, "header columns")
        probs = [c for c in cols if PROB_COLUMN.match(c)]
        ids, rows, seen = [], [], set()
        for n, row in enumerate(reader, start=2):
            name = (row.get(key) or "").strip()
            if not name:
                raise UserError(f"{path}: line {n} has no sample name in column '{key}'")
            if name in seen:
                raise UserError(f"{path}: sample {name} appears twice (line {n}); keep one prediction per sample")
            seen.add(name)
            rec: dict[str, Any] = {c: _cell(row.get(c) or "") for c in cols if c != key and c not in probs}
            if probs:  # one dict per row, keyed by the class named in each column
                heads = {c: m for c in probs if (m := PROB_COLUMN.match(c)) is not None}  # probs were matched
                logits = heads[probs[0]].group(1).lower().startswith("logit")
                rec["logits" if logits else "probs"] = {heads[c].group(2): _cell(row.get(c) or "") for c in probs}
            ids.append(name)
            rows.append(rec)
    if not rows:
        raise UserError(f"{path}: no predictions in the file")
    return Table(path, "csv", ids, rows)


def _refused(path: Path, err, record=lambda i: f"record {i + 1}") -> UserError:
    """What the strict JSON reader refused (a duplicate key, NaN, a number that does not fit), as a message naming
    the sample: a sample name given twice in a name -> prediction object, or a bad field inside one sample."""
    raw, where = err.doc, list(err.path)
    if isinstance(raw, dict) and where and where[0] in WRAPPER_KEYS:  # {"labels": [...], "predictions": ...}
        raw, where = raw[where[0]], where[1:]
    elif isinstance(raw, dict) and any(k in raw for k in WRAPPER_KEYS) and not where:
        return UserError(f"{path}: top-level {err.problem}")
    if not where and isinstance(raw, dict) and err.key is not None:
        return UserError(f"{path}: sample {err.key} appears twice; keep one prediction per sample")
    sample = where[0] if where else None
    if isinstance(sample, int) and isinstance(raw, list):  # a list of records: name the record's sample
        rec = raw[sample] if sample < len(raw) else None
        ids = [rec[k] for k in rec if str(k).lower() in ID_FIELDS] if isinstance(rec, dict) else []
        sample = f"{ids[0]} ({record(sample)})" if ids and isinstance(ids[0], (str, int)) else f"in {record(sample)}"
    who = f"sample {sample}: " if sample is not None else ""
    field = f"field '{where[1]}': " if len(where) > 1 and err.key is None else ""
    return UserError(f"{path}: {who}{field}{err.problem}")


def _read_jsonl(path: Path) -> Table:
    from unibench.parse import JsonProblem, load_json

    records = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(load_json(line, f"{path}: line {n}"))
            except JsonProblem as err:
                err.doc, err.path = [err.doc], [0, *err.path]  # this line as a one-record list
                raise _refused(path, err, lambda _: f"line {n}") from None
    return _from_records(path, "jsonl", records)


def _read_json(path: Path) -> Table:
    from unibench.parse import JsonProblem, load_json

    text = path.read_text(encoding="utf-8")
    try:
        doc = load_json(text, str(path))
    except JsonProblem as err:
        raise _refused(path, err) from None
    labels = None
    if isinstance(doc, dict) and any(k in doc for k in WRAPPER_KEYS):
        labels = doc.get("labels")
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise UserError(f"{path}: top-level 'labels' must be a list of class names (the order of 'probs')")
        doc = doc[next(k for k in WRAPPER_KEYS if k in doc)]
    if isinstance(doc, list):
        return _from_records(path, "json", doc, labels)
    if isinstance(doc, dict):
        return _from_mapping(path, "json", doc, labels=labels)
    raise UserError(f"{path}: expected an object name -> prediction or a list of records")


def _plain(value):
    return value.tolist() if hasattr(value, "tolist") else value


def _read_npz(path: Path) -> Table:
    from unibench.safe_npz import load_npz

    data = load_npz(path)
    labels = None
    if "labels" in data:  # a class order (C plain names), unless it is a per-sample field (N label lists)
        cand = _plain(data["labels"])
        n_names = next((len(_plain(data[k])) for k in data if k.lower() in ID_FIELDS), None)
        if (isinstance(cand, list) and all(isinstance(x, str) and "[" not in x for x in cand)
                and len(cand) != n_names):
            labels = cand
            del data["labels"]
    dicts = {k: v for k, v in data.items() if isinstance(v, dict)}
    if dicts:
        if len(dicts) > 1:
            raise UserError(f"{path}: several dicts ({', '.join(sorted(dicts))}); keep one name -> prediction dict")
        (key, mapping), = dicts.items()
        # AffectGPT's name2reason (and MER2023's name2preds) style: the key names the field
        field_name = key[len("name2"):] if key.lower().startswith("name2") else key
        return _from_mapping(path, "npz", mapping, field_name, labels)
    arrays = {k: _plain(v) for k, v in data.items()}
    names = [k for k in arrays if k.lower() in ID_FIELDS]
    if len(names) > 1:
        raise UserError(f"{path}: several sample-name arrays ({', '.join(names)}); keep one")
    ids = [str(x) for x in arrays.pop(names[0])] if names else None
    if not arrays:
        raise UserError(f"{path}: no prediction arrays besides the sample names")
    sizes = {k: len(v) if isinstance(v, list) else -1 for k, v in arrays.items()}
    n = len(ids) if ids is not None else next(iter(sizes.values()))
    bad = [k for k, s in sizes.items() if s != n]
    if bad:
        raise UserError(f"{path}: arrays {', '.join(bad)} do not have one row per sample ({n})")
    rows = [{k: arrays[k][i] for k in arrays} for i in range(n)]
    if ids is not None and len(set(ids)) != len(ids):
        raise UserError(f"{path}: {len(ids) - len(set(ids))} duplicate sample names")
    return Table(path, "npz", ids, rows, labels)


READERS = {".csv": _read_csv, ".jsonl": _read_jsonl, ".json": _read_json, ".npz": _read_npz}


def read_table(path: Path) -> Table:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UserError(f"{path}: unsupported prediction file type '{path.suffix}'; use {', '.join(SUFFIXES)}")
    try:
        return reader(path)
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: unreadable ({type(err).__name__}: {err})") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply to read; predictions need a few levels at most") from None
