"""unibench check: did any score move? Re-scores what stored results describe, or compares two sets of results.

* `--baseline PATH` alone: re-run each baseline result's recorded invocation (model spec, data root, lexicon,
  extractor, checkpoint policy; `provenance.invocation`) and compare the fresh scores with the stored ones.
  `--data-root`, `--model` and `--lexicon` re-point the recorded paths (e.g. on another machine or in CI).
* `--baseline PATH --against PATH`: compare two stored result sets, matched by (model, dataset).

Compared per selected checkpoint: the main score, every per-wheel score and the numeric secondary metrics (all in
score points x100, moved when |now - baseline| > tolerance), plus the scored-sample count and the selected
checkpoint (moved when different). Exit 0 nothing moved, 1 something moved (table), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

from unibench.cli import add_format, add_results_dir, print_json

EPS = 1e-9  # float noise must not turn "exactly at the tolerance" into a move


def add_arguments(p) -> None:
    p.add_argument("--baseline", required=True, metavar="PATH",
                   help="a result file, a model folder (results/<model>/), a results folder, or a model name")
    p.add_argument("--against", default=None, metavar="PATH", help="compare with these stored results instead of "
                   "re-scoring (same kinds of PATH as --baseline)")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="largest allowed change in score points x100 (default: 0.01)")
    p.add_argument("--data-root", default=None, metavar="DIR", help="re-scoring: use this data root instead of "
                   "the recorded one")
    p.add_argument("--model", default=None, metavar="KIND:ARG", help="re-scoring: use this model spec instead of "
                   "the recorded one")
    p.add_argument("--lexicon", default=None, metavar="PATH", help="re-scoring: use this lexicon instead of the "
                   "recorded one")
    add_results_dir(p)
    add_format(p)


def collect(spec: str, results_dir: str | Path) -> dict[tuple[str, str], tuple[Path, dict]]:
    """(model, dataset) -> (file, document) for every result PATH names (partial results only when named)."""
    from unibench.errors import UserError
    from unibench.leaderboard.collect import load_result, result_files

    p = Path(spec)
    if not p.exists() and (Path(results_dir) / spec).is_dir():
        p = Path(results_dir) / spec
    if p.is_file():
        files = [p]
    elif p.is_dir():
        if any(d.is_dir() and d.name != "published" and any(d.glob("*.json")) for d in p.iterdir()):
            files = result_files(p)  # a results folder: one level of model folders
        else:
            files = sorted(f for f in p.glob("*.json") if not f.name.endswith(".partial.json"))
    else:
        raise UserError(f"{spec}: no such result file, folder or model under {results_dir}/")
    if not files:
        raise UserError(f"{spec}: no result files found")
    out = {}
    for f in files:
        doc = load_result(f)
        out[(doc["model"]["name"], doc["dataset"]["name"])] = (f, doc)
    return out


def _options(pairs: list[str]) -> dict[str, str]:
    return dict(p.split("=", 1) for p in pairs)


def rescore(docs: list[dict], args) -> dict[str, dict]:
    """Re-run the recorded invocation of result documents that share one; dataset -> {results, checkpoints}."""
    from unibench.adapters import build_adapter
    from unibench.commands.run import _load_lexicon
    from unibench.datasets import get_card, load_corpus
    from unibench.datasets.loader import data_root
    from unibench.extract.auto import resolve_extractor
    from unibench.runner import evaluate

    inv = docs[0]["provenance"]["invocation"]
    adapter = build_adapter(args.model or inv["model"], _options(inv.get("model_args", [])))
    extractor = resolve_extractor(inv.get("extractor", "auto"), adapter)
    root = data_root(args.data_root or inv.get("data_root"))
    cards = [get_card(doc["dataset"]["name"]) for doc in docs]
    lexicon, out = _load_lexicon(args.lexicon or inv.get("lexicon"), cards), {}
    for doc, card in zip(docs, cards):
        corpus = load_corpus(card, root, allow_partial=bool(inv.get("allow_partial")),
                             subtitles=getattr(adapter, "needs_subtitles", False))
        o = evaluate(card, corpus, adapter, extractor, lexicon, inv.get("checkpoint", "best"), doc["model"]["name"],
                     bootstrap=0)  # intervals are not compared: resample counts may differ by design
        out[card.name] = {"results": o.entries, "checkpoints": o.all_scores,
                          "provenance": {"run_spec": o.spec.to_dict()}}
    return out


def _values(entry: dict) -> dict[str, float]:
    """Every score-point value of one result entry, by metric name."""
    vals = {entry.get("metric", "score"): entry.get("score")}
    for w, v in (entry.get("per_wheel") or {}).items():
        vals[f"{entry.get('metric')}/{w}"] = v.get("score", v.get("f"))
    for k, v in (entry.get("secondary") or {}).items():
        if isinstance(v, float) or (isinstance(v, int) and not k.startswith("n_")):
            vals[k] = v
    return vals


def diff_docs(dataset: str, base: dict, now: dict | None, tol: float) -> tuple[list[dict], int]:
    """Rows that moved, and how many values were compared."""
    if now is None:
        return [{"dataset": dataset, "checkpoint": "", "metric": "result", "baseline": "present", "now": "missing",
                 "delta": None}], 1
    moved, compared = [], 0
    now_by_ck = {e["checkpoint"]: e for e in now["results"]}
    single = len(base["results"]) == 1 and len(now["results"]) == 1
    for b in base["results"]:
        n = now["results"][0] if single else now_by_ck.get(b["checkpoint"])
        if n is None:
            moved.append({"dataset": dataset, "checkpoint": b["checkpoint"], "metric": "result",
                          "baseline": "present", "now": "missing", "delta": None})
            continue
        if n["checkpoint"] != b["checkpoint"]:
            moved.append({"dataset": dataset, "checkpoint": b["checkpoint"], "metric": "selected checkpoint",
                          "baseline": b["checkpoint"], "now": n["checkpoint"], "delta": None})
        if n.get("n") != b.get("n"):
            moved.append({"dataset": dataset, "checkpoint": b["checkpoint"], "metric": "n scored",
                          "baseline": b.get("n"), "now": n.get("n"), "delta": None})
        bv, nv = _values(b), _values(n)
        for metric in bv:
            compared += 1
            x, y = bv[metric], nv.get(metric)
            if x is None and y is None:
                continue
            if x is None or y is None or abs(y - x) > tol + EPS:
                moved.append({"dataset": dataset, "checkpoint": b["checkpoint"], "metric": metric, "baseline": x,
                              "now": y, "delta": None if x is None or y is None else y - x})
    return moved, compared


def _provenance_notes(dataset: str, base: dict, now: dict | None) -> list[str]:
    if now is None:
        return []
    a, b = base.get("provenance", {}).get("run_spec", {}), now.get("provenance", {}).get("run_spec", {})
    return [f"{dataset}: {k} changed" for k in ("label_sha256", "predictions_sha256", "lexicon_checksum")
            if a.get(k) and b.get(k) and a[k] != b[k]]


def run(args) -> int:
    from unibench.errors import UserError

    if args.tolerance < 0:
        raise UserError(f"--tolerance {args.tolerance}: must be >= 0")
    baseline = collect(args.baseline, args.results_dir)
    if args.against:
        against = collect(args.against, args.results_dir)
        now = {k: v[1] for k, v in against.items()}
        models_a, models_b = {m for m, _ in baseline}, {m for m, _ in against}
        if len(models_a) == 1 and len(models_b) == 1:  # one model each: match by dataset, whatever the names
            name = next(iter(models_a))
            now = {(name, ds): doc for (_, ds), doc in now.items()}
        mode = "against"
    else:
        groups: dict[str, list[dict]] = {}
        for (model, _), (path, doc) in baseline.items():
            inv = doc.get("provenance", {}).get("invocation")
            if not inv or not inv.get("model"):
                raise UserError(f"{path}: no recorded invocation to re-run (written by an older unibench?); "
                                "compare two result sets with --against instead")
            key = json.dumps({k: v for k, v in inv.items() if k != "dataset"} | {"name": model}, sort_keys=True)
            groups.setdefault(key, []).append(doc)
        now = {}
        for docs in groups.values():
            for ds, d in rescore(docs, args).items():
                now[(docs[0]["model"]["name"], ds)] = d
        mode = "rescore"
    moved, compared, notes = [], 0, []
    for (model, ds), (_, doc) in sorted(baseline.items()):
        rows, n = diff_docs(ds, doc, now.get((model, ds)), args.tolerance)
        moved += [dict(r, model=model) for r in rows]
        compared += n
        notes += _provenance_notes(f"{model}/{ds}", doc, now.get((model, ds)))
    report = {"baseline": args.baseline, "mode": mode, "against": args.against, "tolerance": args.tolerance,
              "n_results": len(baseline), "n_values_compared": compared, "moved": moved, "notes": notes,
              "ok": not moved}
    if args.format == "json":
        print_json(report)
    else:
        _print(report)
    return 0 if not moved else 1


def _fmt(x) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _print(report: dict) -> None:
    what = f"{report['n_results']} results, {report['n_values_compared']} values, tolerance {report['tolerance']}"
    if not report["moved"]:
        print(f"unibench check: nothing moved ({what}; {report['mode']})")
    else:
        head = ("model", "dataset", "checkpoint", "metric", "baseline", "now", "delta")
        lines = [head] + [(r["model"], r["dataset"], r["checkpoint"], r["metric"], _fmt(r["baseline"]),
                           _fmt(r["now"]), "" if r["delta"] is None else f"{r['delta']:+.4f}")
                          for r in report["moved"]]
        widths = [max(len(str(x[i])) for x in lines) for i in range(len(head))]
        print("\n".join("  ".join(str(c).ljust(w) for c, w in zip(x, widths)).rstrip() for x in lines))
        print(f"\nunibench check: {len(report['moved'])} moved beyond tolerance ({what}; {report['mode']})")
    for n in report["notes"]:
        print(f"note: {n}")
