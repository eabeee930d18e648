"""The upstream emotion-wheel tables: AffectGPT's `emotion_wheel/` folder and MER2026's `wheel_mapping.npz`.

Built exactly as upstream builds them (protocol section 4.1 and 10), quirks included: forward-filled wheel cells,
last-write-wins clusters, the union of the 8 GPT synonym runs, the sorted-first-candidate rule. The tables are
built once per process and cached on disk as JSON keyed by the source files' checksum, so repeated runs skip
openpyxl entirely.
"""

from __future__ import annotations

from typing import Any

import json
from pathlib import Path

from unibench.errors import UserError
from unibench.lexicon.base import LEVELS, WheelTables
from unibench.paths import cache_dir, sha256_files, write_atomic
from unibench.textlists import string_to_list

WHEELS = ("wheel1", "wheel2", "wheel3", "wheel4", "wheel5")
FOLDER_FILES = tuple(f"{w}.xlsx" for w in WHEELS) + ("synonym.xlsx", "format.csv")
TABLES_VERSION = 1  # bump when the cached JSON layout changes
_PROCESS_CACHE: dict[str, WheelTables] = {}


def _xlsx_rows(path: Path) -> list[dict]:
    """Rows of the first sheet as dicts keyed by the header row; empty cells are None (pandas' NaN)."""
    import zipfile

    import openpyxl

    from unibench.safe_npz import check_unzip_size

    try:
        with zipfile.ZipFile(path) as zf:  # an xlsx is a zip: cap what openpyxl may inflate
            check_unzip_size(path, zf.infolist())
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                raise UserError(f"{path}: the workbook has no sheet; restore the upstream file")
            rows = list(wb.worksheets[0].iter_rows(values_only=True))  # read_only parses lazily, here
        finally:
            wb.close()
    except UserError:
        raise
    except Exception as err:  # openpyxl raises anything from KeyError to lxml errors on a damaged file
        raise UserError(f"{path}: unreadable xlsx ({type(err).__name__}); restore the upstream file") from None
    if not rows:
        raise UserError(f"{path}: the first sheet is empty (no header row level1, level2, ...); restore the "
                        "upstream file")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if any(c is not None for c in r)]


def _wheel_structure(path: Path) -> dict[str, dict[str, list[str]]]:
    """level1 -> level2 -> [level3], forward-filling blank cells as upstream's read_wheel_to_map does."""
    tree: dict[str, dict[str, list[str]]] = {}
    cur = {"level1": "", "level2": "", "level3": ""}
    for row in _xlsx_rows(path):
        for col in cur:
            if row.get(col) is not None:
                cur[col] = str(row[col])
        l1, l2, l3 = (cur[c].lower().strip() for c in ("level1", "level2", "level3"))
        tree.setdefault(l1, {}).setdefault(l2, []).append(l3)
    return tree


def wheel_clusters(tree: dict[str, dict[str, list[str]]], level: str) -> dict[str, str]:
    """func_get_wheel_cluster: every wheel word -> its level-1 root, or -> its level-2 word (a root -> its
    alphabetically first level-2 child). Later entries overwrite earlier ones."""
    out: dict[str, str] = {}
    for l1, children in tree.items():
        out[l1] = l1 if level == "level1" else sorted(children)[0]
        for l2, l3s in children.items():
            out[l2] = l1 if level == "level1" else l2
            for l3 in l3s:
                out[l3] = l1 if level == "level1" else l2
    return out


def _synonyms(path: Path, wheel_words: set[str]) -> dict[str, list[str]]:
    """read_candidate_synonym_merge: each wheel word -> itself; each GPT synonym -> the wheel word (8 runs)."""
    rows = _xlsx_rows(path)
    merged: dict[str, set[str]] = {}
    for run in range(1, 9):
        for row in rows:
            raw = row.get(f"word_run{run}")
            if raw is None:
                continue
            raw = str(raw).strip().lower()
            if raw not in wheel_words:  # upstream asserts this; a corrupt file should not pass silently
                raise UserError(f"{path}: word_run{run} holds '{raw}', which is on no wheel; restore the upstream file")
            merged.setdefault(raw, set()).add(raw)
            for syn in string_to_list(row.get(f"synonym_run{run}")):
                merged.setdefault(syn.strip().lower(), set()).add(raw)
    return {k: sorted(v) for k, v in merged.items()}


def _forms(path: Path) -> dict[str, list[str]]:
    """read_format2raws: each listed word form -> its base words; each base -> itself. Case is kept as in the
    file (the scorers lower-case the query, not the table)."""
    from unibench.parse import open_csv

    out: dict[str, set[str]] = {}
    with open_csv(path, encoding="utf-8") as reader:
        if not {"name", "format"} <= set(reader.fieldnames or ()):
            raise UserError(f"{path}: expected columns 'name,format'; restore the upstream format.csv")
        for row in reader:
            raw = row["name"]
            if raw is None:
                raise UserError(f"{path}: line {reader.line_num} has no name; restore the upstream format.csv")
            for form in string_to_list(row["format"] or ""):
                out.setdefault(form, set()).add(raw)
            out.setdefault(raw, set()).add(raw)
    return {k: sorted(v) for k, v in out.items()}


def _build_from_folder(folder: Path) -> dict:
    trees = {w: _wheel_structure(folder / f"{w}.xlsx") for w in WHEELS}
    wheel_words = {word for tree in trees.values() for l1, ch in tree.items()
                   for word in [l1, *ch, *(x for l3 in ch.values() for x in l3)]}
    return {
        "forms": _forms(folder / "format.csv"),
        "synonyms": _synonyms(folder / "synonym.xlsx", wheel_words),
        "clusters": {f"{w}/{lv}": wheel_clusters(trees[w], lv) for w in WHEELS for lv in LEVELS},
    }


def _build_from_npz(path: Path) -> dict:
    from unibench.safe_npz import load_npz

    data: dict[str, Any] = load_npz(path)
    try:
        whole = data["wheel_map_whole"]
        tables: dict[str, dict[str, Any]] = {
            "forms": {k: sorted(set(v)) for k, v in data["format_mapping"].items()},
            "synonyms": {k: sorted(set(v)) for k, v in data["raw_mapping"].items()},
            "clusters": {f"{w}/{lv}": dict(whole[w][lv]) for w in WHEELS for lv in LEVELS},
        }
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise UserError(f"{path}: not a wheel_mapping.npz ({type(err).__name__}: {str(err)[:80]}); expected dicts "
                        "format_mapping, raw_mapping and wheel_map_whole[wheel][level]") from None
    plain = all(isinstance(k, str) and all(isinstance(x, str) for x in v)
                for part in ("forms", "synonyms") for k, v in tables[part].items())
    plain = plain and all(isinstance(k, str) and isinstance(v, str) for c in tables["clusters"].values()
                          for k, v in c.items())
    if not plain:
        raise UserError(f"{path}: the wheel_mapping tables must map words (strings) to words; restore the "
                        "upstream file")
    return tables


def resolve_sources(path: str | Path) -> tuple[str, list[Path]]:
    """('affectgpt', the 7 folder files) or ('mer2026', [wheel_mapping.npz]) for a --lexicon path."""
    p = Path(path)
    if p.is_file() and p.suffix == ".npz":
        return "mer2026", [p]
    if not p.is_dir():
        raise UserError(f"--lexicon {path}: no such folder or .npz; give the upstream emotion_wheel/ folder "
                        "or MER2026's wheel_mapping.npz")
    if (p / "wheel_mapping.npz").is_file() and not (p / "wheel1.xlsx").exists():
        return "mer2026", [p / "wheel_mapping.npz"]
    missing = [f for f in FOLDER_FILES if not (p / f).is_file()]
    if missing:
        raise UserError(f"--lexicon {p}: missing {', '.join(missing)}; the emotion_wheel folder needs "
                        f"{', '.join(FOLDER_FILES)} (or pass MER2026's wheel_mapping.npz)")
    return "affectgpt", [p / f for f in FOLDER_FILES]


def load_upstream(path: str | Path) -> WheelTables:
    """The upstream lexicon at `path` (folder or wheel_mapping.npz), built once per process and cached on disk."""
    variant, files = resolve_sources(path)
    checksum = sha256_files(files)
    if checksum in _PROCESS_CACHE:
        return _PROCESS_CACHE[checksum]
    cached = cache_dir() / "lexicon" / f"{variant}-{checksum[:24]}-v{TABLES_VERSION}.json"
    tables = None
    if cached.is_file():
        try:
            tables = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tables = None  # a damaged cache is rebuilt, never trusted
    if tables is None:
        tables = _build_from_folder(files[0].parent) if variant == "affectgpt" else _build_from_npz(files[0])
        try:
            write_atomic(cached, json.dumps(tables, sort_keys=True))
        except OSError:
            pass  # a read-only cache dir only costs speed
    lex = WheelTables(
        forms={k: tuple(v) for k, v in tables["forms"].items()},
        synonyms={k: tuple(v) for k, v in tables["synonyms"].items()},
        clusters={tuple(k.split("/")): v for k, v in tables["clusters"].items()},
        id=variant, version=f"upstream-{checksum[:12]}", checksum=checksum, wheels=WHEELS,
    )
    _PROCESS_CACHE[checksum] = lex
    return lex
