"""Stored results + published tables -> the leaderboard document (what `results/leaderboard.json` holds).

Rules (issue 5, harness-lessons section 5):
* one table per comparable setting: (protocol, lexicon id@version, extractor id@version); published tables form
  their own setting with their citation;
* a cell comes from `results/<model>/<dataset>.json` (never `*.partial.json`); with several selected entries
  (`--checkpoint all`) the cell is the best of them, and is then labelled "best of N on test" like `--checkpoint
  best`;
* the mean is the unweighted mean of the nine datasets only when all nine cells exist; otherwise the mean of the
  available cells is given separately and labelled;
* when a cell is best of N on test, the row also gets the mean of the single checkpoint that is best overall,
  when the per-checkpoint scores of every dataset in the row are stored;
* published tables ship inside the package (unibench/leaderboard/published/*.yaml; a results folder may add its own
  under published/); a table's `match` names the setting it was made in, and unibench runs in that setting are
  also listed in it (`runs`), marked as unibench runs; a row with `rerun` is a third-party re-run;
* basic-emotion cells carry the non-official macro F1 (`f1`), and rows its mean over the suite's basic sets.
* a cell whose result has failed samples (model call or extraction, scored as empty) carries `n_failed`, shown
  beside the score; a result with a larger failed fraction than the `--max-failed` its run recorded (0.05 when it
  recorded none) is not ranked: its cell carries `ranked: false` and stays out of the row's mean.
Numbers are rounded to 4 decimals here so the written files do not depend on float noise in the last bits.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import fmean

from unibench.errors import UserError
from unibench.store import load_result  # noqa: F401 (the one reader; re-exported)

SCHEMA = "unibench.leaderboard/1"
MAIN_SUITE = "mer-unibench"
MEAN_TOLERANCE = 0.005  # a printed mean further than half a unit of its last digit from its cells gets flagged
PACKAGE_TABLES = Path(__file__).resolve().parent / "published"
DEFAULT_MAX_FAILED = 0.05  # `unibench run --max-failed`'s default, for results that did not record theirs


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _modalities(value) -> dict | None:
    if isinstance(value, dict) and set(value) == {"A", "V", "T"}:
        return {k: bool(value[k]) for k in ("A", "V", "T")}
    return None


# ---- published tables ------------------------------------------------------------------------------------------

def published_tables(results_dir: Path) -> list[tuple[Path, str, bool]]:
    """(file, source as shown, shipped) of every published table: those shipped in the package, then the results
    folder's own published/*.yaml."""
    shipped = [(p, f"unibench/leaderboard/published/{p.name}", True) for p in sorted(PACKAGE_TABLES.glob("*.yaml"))]
    own = [(p, p.relative_to(results_dir).as_posix(), False)
           for p in sorted((results_dir / "published").glob("*.yaml"))]
    return shipped + own


def _published_row(r: dict, datasets: list[str]) -> dict:
    cells = {d: {"score": _r(r["scores"][d])} for d in datasets if r["scores"].get(d) is not None}
    of_cells = fmean(float(c["score"] or 0.0) for c in cells.values()) if cells else None  # never None here
    printed = r.get("mean")
    notes = []
    if printed is not None and of_cells is not None and abs(printed - of_cells) > MEAN_TOLERANCE:
        notes.append(f"printed mean {printed:.2f}; the mean of the printed cells is {of_cells:.4f} "
                     "(cells rounded after the mean was taken)")
    row = {"model": r["model"], "modalities": _modalities(r.get("modalities")), "cells": cells,
           "mean": {"value": printed, "kind": "printed", "of_cells": _r(of_cells), "n_cells": len(cells)},
           "notes": notes}
    if r.get("rerun"):  # a third-party re-run of another group's released model
        row["rerun"] = {"of": str(r["rerun"]["of"]), "by": str(r["rerun"]["by"])}
    return row


def _published_setting(path: Path, source: str, shipped: bool) -> dict:
    import yaml

    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        datasets = list(table["datasets"])
        cit = dict(table["citation"])
        rows = [_published_row(r, datasets) for r in table["rows"]]
        match = dict(table["match"]) if table.get("match") else None
        if match is not None:
            ext = match.get("extractor", [])
            match["extractor"] = [ext] if isinstance(ext, str) else list(ext)
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as err:
        raise UserError(f"{path}: not a published table ({type(err).__name__}: {err}); expected citation, "
                        "datasets and rows with model / modalities / scores / mean (rerun: {of, by} optional)"
                        ) from None
    short = str(cit.get("table", "table")).split(":")[0]
    return {"id": f"published-{path.stem}", "kind": "published", "title": f"published (paper {short})",
            "protocol": table.get("protocol"), "lexicon": table.get("lexicon"), "extractor": table.get("extractor"),
            "checkpoint_policy": table.get("checkpoint_policy"), "citation": cit, "match": match,
            "notes": list(table.get("notes") or []), "source": source, "shipped": shipped, "rows": rows,
            "runs": []}


def _matches(match: dict | None, s: dict) -> bool:
    """A unibench run setting is the paper's when protocol, lexicon id and extractor id are the table's."""
    if not match or s["kind"] != "runs" or s.get("suite") != MAIN_SUITE:
        return False
    return (s["protocol"] == match.get("protocol") and s["lexicon"].split("@")[0] == match.get("lexicon")
            and s["extractor"].split("@")[0] in match["extractor"])


def _place_runs(settings: list[dict]) -> None:
    """List the rows of unibench runs made in a published table's setting in that table too (marked)."""
    for pub in settings:
        if pub["kind"] != "published":
            continue
        for s in settings:
            if _matches(pub.get("match"), s):
                pub["runs"] += [dict(r, setting=s["id"], lexicon=s["lexicon"], extractor=s["extractor"])
                                for r in s["rows"]]


# ---- unibench results ------------------------------------------------------------------------------------------

def result_files(results_dir: Path) -> list[Path]:
    """results/<model>/<dataset>.json for known datasets: partial results (<dataset>.partial.json), shards and
    challenge-track results (results/<name>/<track>.json) are not leaderboard cells."""
    from unibench.datasets import DATASETS

    out = []
    for model_dir in sorted(p for p in results_dir.iterdir() if p.is_dir() and p.name != "published"):
        out += sorted(f for f in model_dir.glob("*.json") if f.stem in DATASETS)
    return out


def best_entry(doc: dict) -> dict | None:
    """The leaderboard cell of a result: its one selected entry, or the best of several (first of equals)."""
    scored = [e for e in doc.get("results", []) if e.get("score") is not None and not e.get("partial")]
    return max(scored, key=lambda e: e["score"]) if scored else None


def _selection(doc: dict, entry: dict) -> tuple[str, bool]:
    n = len(doc.get("checkpoints") or []) or len(doc.get("results", []))
    if len(doc.get("results", [])) > 1 or (entry.get("selection", "").startswith("best of") and n > 1):
        return f"best of {n} on test", n > 1
    return entry.get("selection", ""), False


def setting_key(doc: dict) -> tuple[str, str, str]:
    """(protocol, lexicon, extractor) of a stored result: the comparability key of its run spec (the one
    definition, unibench.schema.comparability), with the described lexicon/extractor for specs that lack them."""
    from unibench.schema import comparability

    spec = dict(doc.get("provenance", {}).get("run_spec", {}))
    lex, ext = doc.get("lexicon", {}), doc.get("extractor", {})
    spec.setdefault("protocol", doc.get("protocol", "?"))
    spec.setdefault("lexicon", f"{lex.get('id')}@{lex.get('version')}")
    spec.setdefault("extractor", f"{ext.get('id')}@{ext.get('version')}")
    c = comparability(spec)
    return (c["protocol"], c["lexicon"], c["extractor"])


def _cell(doc: dict, path: Path, results_dir: Path) -> dict | None:
    e = best_entry(doc)
    if e is None:
        return None
    selection, best_of = _selection(doc, e)
    ci = e.get("ci") if isinstance(e.get("ci"), dict) and "low" in e.get("ci", {}) else None
    return {"score": _r(e["score"]), **_failures(doc, e), "metric": e.get("metric"), "n": e.get("n"),
            "n_total": e.get("n_total"),
            "checkpoint": e.get("checkpoint"), "selection": selection, "best_of_n_on_test": best_of,
            "ci": None if ci is None else {"low": _r(ci["low"]), "high": _r(ci["high"]), "level": ci.get("level"),
                                           "n_resamples": ci.get("n_resamples"), "seed": ci.get("seed"),
                                           "clustered": ci.get("clustered"), "n_units": ci.get("n_units")},
            "f1": _r((e.get("secondary") or {}).get("macro_f1")),
            "file": path.relative_to(results_dir).as_posix()}


def _failures(doc: dict, entry: dict) -> dict:
    """`n_failed` when samples failed, and `ranked: false` when more failed than the run's --max-failed allowed
    (fields absent otherwise, so clean results keep their bytes)."""
    n_failed, n_total = entry.get("n_failed") or 0, entry.get("n_total") or 0
    if not n_failed:
        return {}
    prov = doc.get("provenance", {})
    recorded = ((prov.get("run_spec") or {}).get("labels") or {}).get("max_failed")  # result/2
    if recorded is None:
        recorded = (prov.get("invocation") or {}).get("max_failed")  # result/1
    limit = DEFAULT_MAX_FAILED if recorded is None else recorded
    over = not n_total or n_failed / n_total > float(limit)
    return {"n_failed": n_failed, **({"ranked": False, "max_failed": limit} if over else {})}


def ranked(cell: dict) -> bool:
    return cell.get("ranked", True)


def _single_checkpoint(docs: dict[str, dict], suite: list[str]) -> dict | None:
    """The one checkpoint with the best mean over the row's datasets, from the stored per-checkpoint scores."""
    per = {}
    for d, doc in docs.items():
        scores = {c["checkpoint"]: c["score"] for c in doc.get("checkpoints") or [] if c.get("score") is not None}
        if not scores:
            return None
        per[d] = scores
    common = sorted(set.intersection(*(set(s) for s in per.values())))
    if not common:
        return None
    means = {c: fmean(per[d][c] for d in per) for c in common}
    best = max(common, key=lambda c: means[c])  # first of equals in name order
    return {"checkpoint": best, "mean": _r(means[best]), "n_cells": len(per), "of": len(common),
            "per_dataset": {d: _r(per[d][best]) for d in suite if d in per}}


def suite_of(doc: dict) -> str:
    """The suite of a result's dataset card (demo, ov-mer, ...); unknown datasets count as MER-UniBench."""
    from unibench.datasets import get_card

    try:
        return get_card(doc.get("dataset", {}).get("name") or "").suite
    except UserError:
        return MAIN_SUITE


def basic_sets(columns: list[str]) -> list[str]:
    """The basic-emotion (discrete) datasets among a suite's columns: those with a macro F1 beside HIT."""
    from unibench.datasets import get_card

    out = []
    for d in columns:
        try:
            if get_card(d).task == "discrete":
                out.append(d)
        except UserError:
            continue
    return out


def _run_row(model: str, docs: dict[str, dict], cells: dict[str, dict], suite: list[str]) -> dict:
    mods = {json.dumps(doc.get("model", {}).get("modalities"), sort_keys=True) for doc in docs.values()}
    modalities = _modalities(json.loads(mods.pop())) if len(mods) == 1 else None
    repro = sorted({doc["model"]["reproduces"] for doc in docs.values() if doc.get("model", {}).get("reproduces")})
    ordered = {d: cells[d] for d in suite if d in cells}
    ordered.update({d: cells[d] for d in sorted(cells) if d not in ordered})  # datasets beyond the nine, last
    suite_scores = [ordered[d]["score"] for d in suite if d in ordered and ranked(ordered[d])]
    basic = basic_sets(suite)
    complete = len(suite_scores) == len(suite)
    kind = "all nine" if len(suite) == 9 else f"all {len(suite)}"
    mean = {"value": _r(fmean(suite_scores)) if complete else None, "kind": kind if complete else "incomplete",
            "available": _r(fmean(suite_scores)) if suite_scores else None, "n_cells": len(suite_scores)}
    best_of = any(c["best_of_n_on_test"] for c in ordered.values())
    single = _single_checkpoint({d: docs[d] for d in ordered if d in suite}, suite) if best_of else None
    notes = []
    if best_of:
        notes.append("cells marked * are the best of N checkpoints chosen on the test set itself (as the paper "
                     "does), so the row mixes checkpoints and is optimistic")
    f1 = [ordered[d]["f1"] for d in basic if d in ordered and ordered[d].get("f1") is not None]
    mean_f1 = ({"value": _r(fmean(f1)) if len(f1) == len(basic) else None,
                "available": _r(fmean(f1)), "n_cells": len(f1), "of": len(basic)} if f1 else None)
    for d, c in ordered.items():
        if not ranked(c):
            notes.append(f"{d}: {c['n_failed']} of {c['n_total']} samples failed, more than the run's --max-failed "
                         f"{c['max_failed']:g}: not ranked and left out of the mean")
    return {"model": model, "modalities": modalities, "reproduces": repro[0] if len(repro) == 1 else None,
            "cells": ordered, "mean": mean, "mean_f1": mean_f1, "best_of_n_on_test": best_of,
            "single_checkpoint": single, "notes": notes}


def _run_settings(results_dir: Path, suite: list[str]) -> list[dict]:
    """One setting per (suite, protocol, lexicon, extractor): results on other suites (the demo corpus, OV-MERD)
    form their own tables with their own columns and are never MER-UniBench cells."""
    from unibench.datasets import suite_names

    groups: dict[tuple, dict[str, dict]] = {}
    for path in result_files(results_dir):
        doc = load_result(path)
        model = doc.get("model", {}).get("name") or path.parent.name
        cell = _cell(doc, path, results_dir)
        if cell is None:
            continue
        ds = doc.get("dataset", {}).get("name") or path.stem
        groups.setdefault((suite_of(doc), *setting_key(doc)), {}).setdefault(model, {})[ds] = (doc, cell)
    settings = []
    for key in sorted(groups, key=lambda k: (k[0] != MAIN_SUITE, k)):
        name, key = key[0], key[1:]
        columns = suite if name == MAIN_SUITE else suite_names(name)
        present = sorted({d for by in groups[(name, *key)].values() for d in by} - set(columns))
        rows = [_run_row(m, {d: dc[0] for d, dc in by.items()}, {d: dc[1] for d, dc in by.items()}, columns)
                for m, by in groups[(name, *key)].items()]
        rows.sort(key=lambda r: (-(r["mean"]["value"] if r["mean"]["value"] is not None else -1.0),
                                 -(r["mean"]["available"] or 0.0), r["model"]))
        protocol, lexicon, extractor = key
        main = name == MAIN_SUITE
        settings.append({"id": "runs-" + "-".join(key if main else (name, *key)).replace("@", "-"), "kind": "runs",
                         "title": ("" if main else f"{name} suite (not MER-UniBench): ")
                         + f"unibench runs: protocol {protocol}, lexicon {lexicon}, extractor {extractor}",
                         "protocol": protocol, "lexicon": lexicon, "extractor": extractor, "suite": name,
                         **({} if main else {"datasets": columns + present}), "rows": rows})
    return settings


def _reproductions(settings: list[dict]) -> list[dict]:
    published = {r["model"]: r for s in settings if s["kind"] == "published" for r in s["rows"]}
    out = []
    for s in settings:
        for r in s["rows"] if s["kind"] == "runs" else []:
            target = published.get(r.get("reproduces") or "")
            if target is None:
                continue
            cells = {}
            for d, c in r["cells"].items():
                pub = target["cells"].get(d, {}).get("score")
                ci = c.get("ci")
                cells[d] = {"published": pub, "reproduced": c["score"],
                            "reproduced_rounded": round(c["score"], 2),
                            "delta": None if pub is None else _r(c["score"] - pub),
                            "matches_printed_digits": pub is not None and round(c["score"], 2) == pub,
                            "ci_covers_published": None if (ci is None or pub is None)
                            else ci["low"] <= pub <= ci["high"]}
            out.append({"model": r["model"], "setting": s["id"], "published_row": target["model"], "cells": cells})
    return out


def build(results_dir: str | Path) -> dict:
    from unibench.datasets import suite_names

    suite = suite_names()  # the nine MER-UniBench corpora in the paper's column order
    root = Path(results_dir)
    if not root.is_dir():
        raise UserError(f"--results-dir {root}: no such folder")
    settings = [_published_setting(*t) for t in published_tables(root)]
    ids = [s["id"] for s in settings]
    if len(set(ids)) != len(ids):
        raise UserError(f"{root}/published: a table has the name of one shipped with unibench "
                        f"({', '.join(sorted({i for i in ids if ids.count(i) > 1}))}); rename it")
    settings += _run_settings(root, suite)
    _place_runs(settings)
    return {"schema": SCHEMA, "datasets": suite, "settings": settings, "reproductions": _reproductions(settings)}
