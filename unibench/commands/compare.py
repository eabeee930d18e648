"""unibench compare A B: paired bootstrap difference per dataset on the samples both models scored.

A and B are model names (results/<name>/), model folders, or result files, scored against the same label file; the
per-sample records are required. Results of different settings (protocol, lexicon, extractor) are compared only
with --across-settings, on the samples both scored, and every difference is printed above the table.
"""

from __future__ import annotations

from pathlib import Path

from unibench.cli import add_format, add_results_dir, print_json, split_list


def add_arguments(p) -> None:
    p.add_argument("a", metavar="A", help="model name (results/<A>/), model folder or result file")
    p.add_argument("b", metavar="B", help="model name (results/<B>/), model folder or result file")
    add_results_dir(p)
    p.add_argument("--dataset", default="all", help="comma-separated dataset names or 'all' (those both have)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="paired resamples (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    p.add_argument("--across-settings", action="store_true",
                   help="compare results of different settings (lexicon, extractor, protocol) too, on the samples "
                        "both scored; every difference is printed above the table")
    add_format(p)


def load_side(spec: str, results_dir: str | Path) -> dict[str, tuple[Path, dict]]:
    """dataset -> (path, result document) for a model name, a model folder or one result file."""
    from unibench.errors import UserError
    from unibench.store import load_result

    p = Path(spec)
    if p.is_file():
        files = [p]
    else:
        folder = p if p.is_dir() else Path(results_dir) / spec
        if not folder.is_dir():
            raise UserError(f"{spec}: neither a result file, a folder, nor a model under {results_dir}/")
        files = sorted(f for f in folder.glob("*.json") if not f.name.endswith(".partial.json")
                       and ".shard-" not in f.name)
        if not files:
            raise UserError(f"{folder}: no result files (<dataset>.json)")
    out = {}
    for f in files:
        doc = load_result(f)
        out[doc["dataset"]["name"]] = (f, doc)
    return out


def _records(path: Path, doc: dict) -> tuple[dict, list[dict]]:
    from unibench.errors import UserError
    from unibench.leaderboard.collect import best_entry

    from unibench.report.records import sample_records

    entry = best_entry(doc)
    recs = sample_records(path, doc, entry["checkpoint"]) if entry else None
    if not recs or entry is None:
        raise UserError(f"{path}: no per-sample records for checkpoint "
                        f"{entry['checkpoint'] if entry else '?'}; compare needs results written without "
                        "--no-records (re-run `unibench run` and keep those results out of git)")
    return entry, recs


SETTING_FIELDS = ("protocol", "lexicon", "extractor", "checkpoint_policy", "dataset_version")


def setting_differences(da: dict, db: dict) -> list[dict]:
    """What shapes the two numbers differently: protocol, lexicon, extractor (the leaderboard's setting), the
    checkpoint policy and the dataset card version, each with both values."""
    sa, sb = da["provenance"]["run_spec"], db["provenance"]["run_spec"]
    return [{"what": k, "a": sa.get(k), "b": sb.get(k)} for k in SETTING_FIELDS if sa.get(k) != sb.get(k)]


def _scored(task: str, rec: dict) -> bool:
    if task == "sentiment":
        return rec["gold"] != 0
    return any(v is not None for v in rec["hit" if task == "discrete" else "pr"].values())


def compare_dataset(dataset: str, a: tuple[Path, dict], b: tuple[Path, dict], n_resamples: int,
                    seed: int, across_settings: bool = False) -> dict:
    from unibench.errors import UserError
    from unibench.intervals import cluster_labels, task_statistic
    from unibench.stats import paired_difference

    (pa, da), (pb, db) = a, b
    differences = setting_differences(da, db)
    if any(d["what"] in ("protocol", "lexicon", "extractor") for d in differences) and not across_settings:
        got = "; ".join(f"{d['what']} {d['a']} vs {d['b']}" for d in differences)
        raise UserError(f"{dataset}: {pa} and {pb} are in different settings ({got}); scores are only comparable "
                        "within one protocol/lexicon/extractor: pass --across-settings to compare them anyway, "
                        "with the differences printed")
    la = da["provenance"]["run_spec"].get("label_sha256")
    if la != db["provenance"]["run_spec"].get("label_sha256"):
        raise UserError(f"{dataset}: {pa} and {pb} were scored against different label files")
    ea, ra = _records(pa, da)
    eb, rb = _records(pb, db)
    task = da["dataset"]["task"]
    # pair on the samples both scored (across lexicons the scored samples can differ)
    rb_by_id = {r["id"]: r for r in rb if _scored(task, r)}
    shared_a = [r for r in ra if r["id"] in rb_by_id and _scored(task, r)]
    if not shared_a:
        raise UserError(f"{dataset}: {pa} and {pb} share no scored sample")
    ta, tb = task_statistic(task, shared_a), task_statistic(task, [rb_by_id[r["id"]] for r in shared_a])
    if ta is None or tb is None or ta.ids != tb.ids:
        raise UserError(f"{dataset}: no commonly scored samples between {pa} and {pb}")
    pattern = None
    try:
        from unibench.datasets import get_card

        pattern = get_card(dataset).cluster_pattern
    except Exception:  # a dataset without a card here: plain (unclustered) bootstrap
        pattern = None
    res = paired_difference(ta.statistic, tb.statistic, len(ta.ids), clusters=cluster_labels(pattern, ta.ids),
                            n_resamples=n_resamples, seed=seed)
    n = len(ta.ids)
    import numpy as np

    return {"dataset": dataset, "metric": ea.get("metric"), "a": ta.statistic(np.arange(n)) * 100,
            "b": tb.statistic(np.arange(n)) * 100, "diff": res.diff * 100, "low": res.low * 100,
            "high": res.high * 100, "p_value": res.p_value, "n_shared": n, "clustered": res.clustered,
            "checkpoint_a": ea.get("checkpoint"), "checkpoint_b": eb.get("checkpoint"),
            "setting_differences": differences,
            "n_resamples": n_resamples, "seed": seed, "level": 1 - res.alpha}


def run(args) -> int:
    from unibench.errors import UserError

    if args.bootstrap < 1:
        raise UserError("--bootstrap must be >= 1 for a comparison")
    from unibench.datasets import suite_names

    a, b = load_side(args.a, args.results_dir), load_side(args.b, args.results_dir)
    order = {d: i for i, d in enumerate(suite_names())}
    both = sorted((d for d in a if d in b), key=lambda d: (order.get(d, len(order)), d))
    wanted = split_list(args.dataset, both, "dataset")
    missing = [d for d in wanted if d not in both]
    if missing:
        raise UserError(f"--dataset: {', '.join(missing)} not scored by both (shared: {', '.join(both) or 'none'})")
    if not wanted:
        raise UserError(f"{args.a} and {args.b} have no dataset in common")
    rows = [compare_dataset(d, a[d], b[d], args.bootstrap, args.seed, args.across_settings) for d in wanted]
    doc = {"a": args.a, "b": args.b, "method": "paired percentile bootstrap (same resampled samples/clusters "
           "for both); p two-sided for difference = 0", "across_settings": bool(args.across_settings),
           "comparisons": rows}
    if args.format == "json":
        print_json(doc)
        return 0
    for line in _difference_lines(rows):
        print(line)
    head = ("dataset", "metric", "A", "B", "A-B", "95% CI", "p", "n shared", "resampling")
    lines = [head]
    for r in rows:
        lines.append((r["dataset"], r["metric"], f"{r['a']:.2f}", f"{r['b']:.2f}", f"{r['diff']:+.2f}",
                      f"[{r['low']:+.2f}, {r['high']:+.2f}]", f"{r['p_value']:.3f}", str(r["n_shared"]),
                      "clusters" if r["clustered"] else "samples"))
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip() for x in lines))
    print(f"\nA = {args.a}, B = {args.b}; {args.bootstrap} paired resamples, seed {args.seed}")
    return 0


def _difference_lines(rows: list[dict]) -> list[str]:
    """One line per setting difference (datasets sharing it named together), then a blank line."""
    seen: dict[tuple, list[str]] = {}
    for r in rows:
        for d in r["setting_differences"]:
            seen.setdefault((d["what"], str(d["a"]), str(d["b"])), []).append(r["dataset"])
    lines = [f"setting differs: {what}: A {a} | B {b} ({', '.join(ds)})" for (what, a, b), ds in seen.items()]
    return lines + ([""] if lines else [])
