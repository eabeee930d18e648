"""unibench check: did anything move? Re-runs what stored results describe, or compares two sets of results.

* `--baseline PATH` alone: rebuild each stored result's run from its RunSpec (model, extractor with its recorded
  settings, lexicon, checkpoint policy, bootstrap; `unibench.api.rebuild`) and compare the fresh result with the
  stored one. `--data-root`, `--model`, `--lexicon` and `--extractor-base-url` re-point the recorded locations.
* `--baseline PATH --against PATH`: compare two stored result sets, matched by (model, dataset).

Every stored number is compared: every checkpoint's scores and counts, per-wheel values and n, secondary metrics,
intervals, failure counts, the comparability fields and checksums of the run spec, and the per-sample rows when
both sides have them. Floats move when |now - baseline| > tolerance (score points x100), everything else when it
differs; a value present on one side only (an emptied or truncated result) has moved. Exit 0 nothing moved,
1 something moved (table), 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from unibench.cli import add_format, add_results_dir, print_json

EPS = 1e-9  # float noise must not turn "exactly at the tolerance" into a move
# where a result was made, not what it says: never compared
VOLATILE = {"provenance.created_at", "provenance.command", "provenance.merged_from", "provenance.unibench_version",
            "provenance.run_spec.locations", "provenance.run_spec.unibench_version", "model.arg", "samples",
            "extractor.base_url"}
# names that differ by design when two differently named result sets are compared (--against)
NAMES = {"model.name", "provenance.run_spec.model", "provenance.run_spec_hash"}


def add_arguments(p) -> None:
    p.add_argument("--baseline", required=True, metavar="PATH",
                   help="a result file, a model folder (results/<model>/), a results folder, or a model name")
    p.add_argument("--against", default=None, metavar="PATH", help="compare with these stored results instead of "
                   "re-running (same kinds of PATH as --baseline)")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="largest allowed change of a float, in score points x100 (default: 0.01)")
    p.add_argument("--data-root", default=None, metavar="DIR", help="re-running: this data root instead of the "
                   "recorded one")
    p.add_argument("--model", default=None, metavar="KIND:ARG", help="re-running: this model spec instead of the "
                   "recorded one (e.g. the same outputs in another folder)")
    p.add_argument("--lexicon", default=None, metavar="PATH", help="re-running: this lexicon path instead of the "
                   "recorded one (its checksum must match)")
    p.add_argument("--extractor-base-url", default=None, metavar="URL",
                   help="re-running --extractor llm results: this endpoint instead of the recorded one")
    add_results_dir(p)
    add_format(p)


def collect(spec: str, results_dir: str | Path) -> dict[tuple[str, str], tuple[Path, dict]]:
    """(model, dataset) -> (file, document) for every result PATH names (partial results only when named)."""
    from unibench.errors import UserError
    from unibench.store import iter_result_files, load_result

    p = Path(spec)
    if not p.exists() and (Path(results_dir) / spec).is_dir():
        p = Path(results_dir) / spec
    if p.is_file():
        files = [p]
    elif p.is_dir():
        if any(d.is_dir() and d.name != "published" and any(d.glob("*.json")) for d in p.iterdir()):
            files = [f for f in iter_result_files(p) if not f.name.endswith(".partial.json")]
        else:
            files = sorted(f for f in p.glob("*.json") if not f.name.endswith(".partial.json")
                           and ".shard-" not in f.name)
    else:
        raise UserError(f"{spec}: no such result file, folder or model under {results_dir}/")
    if not files:
        raise UserError(f"{spec}: no result files found")
    out = {}
    for f in files:
        doc = load_result(f)
        out[(doc["model"]["name"], doc["dataset"]["name"])] = (f, doc)
    return out


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf) pairs; score lists are keyed by checkpoint so a reordering is no move."""
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}" if path else str(k)
            if p not in VOLATILE:
                yield from _flatten(v, p)
        if not value:
            yield path, {}
    elif isinstance(value, list):
        keyed = all(isinstance(v, dict) and "checkpoint" in v for v in value) and value
        for i, v in enumerate(value):
            yield from _flatten(v, f"{path}[{v['checkpoint'] if keyed else i}]")
        if not value:
            yield path, []
    else:
        yield path, value


def _moved(x: Any, y: Any, tol: float) -> bool:
    if isinstance(x, bool) or isinstance(y, bool) or not (isinstance(x, (int, float)) and isinstance(y, (int, float))):
        return x != y
    if isinstance(x, int) and isinstance(y, int):
        return x != y
    return abs(float(y) - float(x)) > tol + EPS


def _where(path: str, doc: dict) -> tuple[str, str]:
    """(checkpoint, readable metric name) of a flattened path: 'results[ck].per_wheel.w.score' -> (ck, 'hit/w')."""
    if not (path.startswith("results[") or path.startswith("checkpoints[")):
        return "", path
    head, _, rest = path.partition("]")
    ck = head.split("[", 1)[1]
    rest = rest.lstrip(".")
    metric = next((e.get("metric") for e in doc.get(head.split("[")[0], []) if e.get("checkpoint") == ck), None)
    metric = metric or "score"
    if rest == "score":
        name = metric
    elif rest.startswith("per_wheel.") and rest.count(".") == 2 and rest.rsplit(".", 1)[1] in ("score", "f"):
        name = f"{metric}/{rest.split('.')[1]}"
    elif rest.startswith("secondary."):
        name = rest[len("secondary."):]
    else:
        name = rest
    return ("" if path.startswith("results[") else "checkpoints: ") + ck, name


def diff_docs(dataset: str, base: dict, now: dict | None, tol: float, ignore: set[str] = frozenset()) -> tuple[list[dict], int]:  # type: ignore[assignment]
    """Rows that moved, and how many values were compared."""
    if now is None:
        return [{"dataset": dataset, "checkpoint": "", "metric": "result", "baseline": "present", "now": "missing",
                 "delta": None}], 1
    a = {k: v for k, v in _flatten(base) if k not in ignore}
    b = {k: v for k, v in _flatten(now) if k not in ignore}
    moved = []
    for key in list(a) + [k for k in b if k not in a]:
        x, y = a.get(key, "absent"), b.get(key, "absent")
        if key in a and key in b and not _moved(x, y, tol):
            continue
        ck, metric = _where(key, base if key in a else now)
        delta = (y - x) if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)) else None
        moved.append({"dataset": dataset, "checkpoint": ck, "metric": metric, "baseline": x, "now": y,
                      "delta": delta})
    # a result's scores appear in `results` and again in `checkpoints`: name a kept checkpoint's move once
    kept = {(r["checkpoint"], r["metric"]) for r in moved if not r["checkpoint"].startswith("checkpoints: ")}
    moved = [r for r in moved if not (r["checkpoint"].startswith("checkpoints: ")
                                      and (r["checkpoint"][len("checkpoints: "):], r["metric"]) in kept)]
    return moved, len(a)


def diff_rows(dataset: str, base: list[dict] | None, now: list[dict] | None, tol: float) -> tuple[list[dict], int]:
    """Per-sample rows compared field by field (one table row per field that moved, with how many samples). A
    field stored as null and an absent one are the same (row-per-line stores wrote `"response": null` where the
    column store leaves the key out)."""
    if base is None or now is None:
        return [], 0
    a = {(r.get("checkpoint"), r["id"]): r for r in base}
    b = {(r.get("checkpoint"), r["id"]): r for r in now}
    counts: dict[str, list] = {}
    compared = 0
    for key in set(a) | set(b):
        if key not in a or key not in b:
            counts.setdefault("row", []).append(key)
            continue
        fa, fb = dict(_flatten(a[key])), dict(_flatten(b[key]))
        compared += len(fa)
        for f in set(fa) | set(fb):
            if _moved(fa.get(f), fb.get(f), tol):
                counts.setdefault(f, []).append(key)
    return [{"dataset": dataset, "checkpoint": "per-sample", "metric": f, "baseline": f"{len(keys)} rows",
             "now": f"e.g. {keys[0][1]} at {keys[0][0]}", "delta": None} for f, keys in sorted(counts.items())], compared


def rerun(path: Path, doc: dict, args) -> tuple[dict, list[dict] | None]:
    """The result document and per-sample rows a fresh run of the stored RunSpec gives."""
    from unibench import api
    from unibench.store import result_document

    spec = api.stored_spec(path, doc)
    ext_opts = {"base_url": args.extractor_base_url} if args.extractor_base_url else None
    run = api.rebuild(spec, model=args.model, data_root=args.data_root, lexicon=args.lexicon,
                      extractor_options=ext_opts, records=bool(doc.get("samples")))
    (result,) = run.results
    return result_document(result, ""), None if result.rows is None else list(result.rows)


def run(args) -> int:
    from unibench.errors import UserError
    from unibench.store import sample_rows

    if args.tolerance < 0:
        raise UserError(f"--tolerance {args.tolerance}: must be >= 0")
    baseline = collect(args.baseline, args.results_dir)
    now: dict[tuple[str, str], tuple[dict, list[dict] | None]] = {}
    ignore: set[str] = set()
    if args.against:
        against = collect(args.against, args.results_dir)
        pairs = {k: (doc, sample_rows(p, doc)) for k, (p, doc) in against.items()}
        models_a, models_b = {m for m, _ in baseline}, {m for m, _ in against}
        if len(models_a) == 1 and len(models_b) == 1:  # one model each: match by dataset, whatever the names
            name = next(iter(models_a))
            pairs = {(name, ds): v for (_, ds), v in pairs.items()}
            ignore = NAMES
        now, mode = pairs, "against"
    else:
        for key, (path, doc) in baseline.items():
            now[key] = rerun(path, doc, args)
        mode = "rerun"
    moved, compared = [], 0
    for (model, ds), (path, doc) in sorted(baseline.items()):
        fresh = now.get((model, ds))
        rows, n = diff_docs(ds, doc, None if fresh is None else fresh[0], args.tolerance, ignore)
        srows, sn = diff_rows(ds, sample_rows(path, doc), None if fresh is None else fresh[1], args.tolerance)
        moved += [dict(r, model=model) for r in rows + srows]
        compared += n + sn
    report = {"baseline": args.baseline, "mode": mode, "against": args.against, "tolerance": args.tolerance,
              "n_results": len(baseline), "n_values_compared": compared, "moved": moved, "ok": not moved}
    if args.format == "json":
        print_json(report)
    else:
        _print(report)
    return 0 if not moved else 1


def _fmt(x) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _print(report: dict) -> None:
    from unibench.report import render_table

    what = f"{report['n_results']} results, {report['n_values_compared']} values, tolerance {report['tolerance']}"
    if not report["moved"]:
        print(f"unibench check: nothing moved ({what}; {report['mode']})")
        return
    head = ("model", "dataset", "checkpoint", "metric", "baseline", "now", "delta")
    body = [(r["model"], r["dataset"], r["checkpoint"], r["metric"], _fmt(r["baseline"]), _fmt(r["now"]),
             "" if r["delta"] is None else f"{r['delta']:+.4f}") for r in report["moved"]]
    print(render_table(head, body))
    print(f"\nunibench check: {len(report['moved'])} moved beyond tolerance ({what}; {report['mode']})")
