"""Result files of one model -> the report document that report.md and report.html are rendered from.

One section per dataset and kept checkpoint: the score and its interval, per-wheel values, secondary values (the
non-official macro F1 among them), the confusion table with per-class recall, failure counts, the extraction
diagnostics a result carries, and the most confident errors from the per-sample records.
"""

from __future__ import annotations

import json
from pathlib import Path

from unibench.errors import UserError
from unibench.store import SCHEMAS

EXCERPT = 160  # characters of a response shown beside an error


def model_folder(spec: str, results_dir: str | Path) -> Path:
    """A model folder given as a path, or as a model name under the results folder."""
    p = Path(spec)
    folder = p if p.is_dir() else Path(results_dir) / spec
    if not folder.is_dir():
        raise UserError(f"{spec}: neither a model folder nor a model under {results_dir}/ "
                        "(give RESULTS/<model>, e.g. results/affectgpt)")
    return folder


def _result_docs(folder: Path) -> list[tuple[Path, dict]]:
    from unibench.datasets import suite_names

    order = {d: i for i, d in enumerate(suite_names() + suite_names("demo"))}
    out = []
    for f in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UserError(f"{f}: not a readable result file ({err})") from None
        if isinstance(doc, dict) and doc.get("schema") in SCHEMAS:
            out.append((f, doc))  # challenge-track results and shards have other schemas: not run results
    if not out:
        raise UserError(f"{folder}: no result files (<dataset>.json written by `unibench run`)")
    return sorted(out, key=lambda fd: (order.get(fd[1]["dataset"]["name"], len(order)), fd[0].name))


def per_class(conf: dict) -> list[dict]:
    """Per-class recall from one confusion table: the count in the row's own cluster (basic sets) or polarity
    column (sentiment sets) over the row total."""
    out = []
    for i, row in enumerate(conf["rows"]):
        counts = conf["counts"][i]
        own = set(conf.get("row_clusters", {}).get(row, [row]))
        hits = sum(c for col, c in zip(conf["columns"], counts) if col in own)
        total = sum(counts)
        out.append({"class": row, "n": total, "hits": hits, "recall": hits / total * 100 if total else None})
    return out


def _excerpt(text) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= EXCERPT else t[:EXCERPT - 1] + "…"


def _error_row(rec: dict) -> dict:
    return {"id": rec["id"], "gold": rec.get("gold"), "prediction": rec.get("pred"),
            "sentiment": rec.get("sentiment"), "confidence": rec.get("confidence"),
            "response": _excerpt(rec.get("response")), "error": rec.get("error")}


def _section(path: Path, doc: dict, entry: dict, n_errors: int) -> dict:
    from unibench.report.confidence import confident_errors
    from unibench.report.records import sample_records

    task = doc["dataset"]["task"]
    conf = entry.get("confusion")
    tables = ({w: dict(t, per_class=per_class(t)) for w, t in conf["wheels"].items()} if conf and "wheels" in conf
              else {"": dict(conf, per_class=per_class(conf))} if conf else {})
    records = sample_records(path, doc, entry["checkpoint"])
    errors, n_err, n_empty = [], None, None
    if records is not None:
        top, n_err = confident_errors(task, records, n_errors)
        errors = [_error_row(r) for r in top]
        empty = [r for r in records if not (r.get("pred") or "").strip("[] ")
                 and (task != "sentiment" or not r.get("sentiment"))]
        n_empty = len(empty)
    failures = {k: entry[k] for k in ("n_failed", "n_failed_outputs", "n_failed_extractions") if k in entry}
    return {"dataset": doc["dataset"]["name"], "title": doc["dataset"].get("title"), "task": task,
            "file": path.name, "metric": entry.get("metric"), "score": entry.get("score"), "ci": entry.get("ci"),
            "n": entry.get("n"), "n_total": entry.get("n_total"), "partial": bool(entry.get("partial")),
            "checkpoint": entry.get("checkpoint"), "selection": entry.get("selection"),
            "per_wheel": entry.get("per_wheel") or {}, "secondary": entry.get("secondary") or {},
            "confusion": {"kind": conf.get("kind"), "level": conf.get("level"), "tables": tables} if conf else None,
            "failures": failures, "failure_examples": entry.get("failure_examples") or {},
            "diagnostics": entry.get("diagnostics"), "predictions": entry.get("predictions"),
            "records_stored": records is not None, "n_records": None if records is None else len(records),
            "n_empty_predictions": n_empty, "n_errors": n_err, "errors": errors,
            "setting": {"protocol": doc.get("protocol"), "lexicon": doc.get("provenance", {}).get("run_spec", {})
                        .get("lexicon"), "extractor": doc.get("provenance", {}).get("run_spec", {}).get("extractor")}}


def build_report(folder: Path, n_errors: int = 20) -> dict:
    docs = _result_docs(folder)
    model = docs[0][1].get("model", {})
    sections = [_section(p, d, e, n_errors) for p, d in docs for e in d.get("results", [])]
    return {"schema": "unibench.report/1", "model": model.get("name") or folder.name,
            "adapter": {k: model.get(k) for k in ("kind", "arg") if model.get(k)},
            "modalities": model.get("modalities"), "n_errors_shown": n_errors,
            "unibench_version": docs[0][1].get("provenance", {}).get("unibench_version"), "sections": sections}
