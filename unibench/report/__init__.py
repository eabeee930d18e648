"""The run summary: one JSON document (--format json) or a readable table, from the scored outcomes.

The per-model report (`unibench report`: report.md and a self-contained report.html) lives in the submodules:
records (the one accessor of per-sample records), build (result files -> report document), markdown, html.
"""

from __future__ import annotations

from unibench.metrics import fmean

LABEL = {"hit": "HIT", "waf": "WAF", "ew_f": "EW-F"}


def summary(run, suite, files=None) -> dict:
    """The run document of an api.Run: kept scores, the benchmark mean when every corpus of `suite` was scored
    completely, else the mean of those scored (labelled). `files` maps dataset -> the result file written."""
    files = files or {}
    results = [dict(s.to_dict(), **({"results_file": files[s.dataset]} if s.dataset in files else {}))
               for s in run.scores()]
    complete = {e["dataset"]: e["score"] for e in results if not e["partial"] and e["score"] is not None}
    policy = run.checkpoint_policy
    doc = {
        "model": run.name,
        "protocol": "mer-unibench",
        "lexicon": dict(run.lexicon),
        "extractor": {"id": run.extractor.get("id"), "version": run.extractor.get("version")},
        "checkpoint_policy": policy,
        "results": [{k: v for k, v in e.items() if k not in ("per_wheel_level2", "confusion")} for e in results],
        "mean": None,
        "mean_note": "",
        "skipped": [dict(s) for s in run.skipped],
    }
    if policy == "all":
        doc["mean_note"] = "no mean with --checkpoint all (one entry per dataset and checkpoint)"
    elif all(d in complete for d in suite):
        doc["mean"] = fmean(complete[d] for d in suite)
        doc["mean_note"] = f"unweighted mean of the {len(suite)} MER-UniBench datasets"
    else:
        have = [d for d in suite if d in complete]
        doc["mean_note"] = (f"{len(have)} of {len(suite)} MER-UniBench datasets scored; the benchmark mean needs "
                            f"all {len(suite)}")
        if have:
            doc["mean_scored"] = {"value": fmean(complete[d] for d in have), "over": have}
    return doc


def print_run(run, files: dict, fmt: str = "table") -> None:
    """A run's table (or, with fmt 'json', its document) on stdout; skipped corpora and failures on stderr."""
    import sys

    doc = run.summary(files=files)
    doc.update(run.stats)
    if fmt == "json":
        from unibench.cli import print_json

        print_json(doc)
    else:
        print(format_table(doc), flush=True)
    for s in run.skipped:
        print(f"skipped {s['dataset']}: {s['reason']}", file=sys.stderr)
    for line in run.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for e in doc["results"]:
        if e.get("n_failed"):
            print(f"warning: {e['dataset']} / {e['checkpoint']}: {e['n_failed']} of {e['n_total']} samples failed "
                  f"({e['n_failed_outputs']} model calls, {e['n_failed_extractions']} extractions); scored as empty",
                  file=sys.stderr)


def render_table(head, rows, trailing: bool = False) -> str:
    """The one plain-text table printer: columns padded to their widest cell. With `trailing`, the last column
    is free text (not padded, so one long cell does not widen the table)."""
    table = [tuple(str(c) for c in head)] + [tuple(str(c) for c in r) for r in rows]
    k = len(head) - 1 if trailing else len(head)
    widths = [max(len(r[i]) for r in table) for i in range(k)]
    return "\n".join(("  ".join(c.ljust(w) for c, w in zip(r[:k], widths)) +
                       ("  " + r[k] if trailing else "")).rstrip() for r in table)


def _fmt(x, nd=2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def format_table(doc: dict) -> str:
    rows = [("dataset", "metric", "score", "95% CI", "checkpoint", "selection", "n", "per wheel / secondary")]
    for e in doc["results"]:
        extra = " ".join(f"{w}={_fmt(v.get('score', v.get('f')))}" for w, v in e["per_wheel"].items())
        if e["metric"] == "waf":
            extra = f"ACC={_fmt(e['secondary']['acc'])} (dropped {e['secondary']['n_zero_gold_dropped']} zero-gold)"
        if e["secondary"].get("macro_f1") is not None:
            extra += f" | macro F1 (non-official) {_fmt(e['secondary']['macro_f1'])}"
        if "merbench_waf" in e["secondary"]:
            extra += f" MERBench ACC={_fmt(e['secondary']['merbench_acc'])} WAF={_fmt(e['secondary']['merbench_waf'])}"
        if e.get("predictions"):
            extra += f" [kind {e['predictions']['kind']}]"
        if e.get("diagnostics"):
            from unibench.extract.diagnostics import summary_cell

            extra += f" [{summary_cell(e['diagnostics'])}]"
        ci = e.get("ci")
        rows.append((e["dataset"] + (" (partial)" if e["partial"] else ""), LABEL.get(e["metric"], e["metric"]),
                     _fmt(e["score"]), f"{_fmt(ci['low'])}-{_fmt(ci['high'])}" if ci else "-", e["checkpoint"],
                     e["selection"], f"{e['n']}/{e['n_total']}", extra))
    lines = render_table(rows[0], rows[1:], trailing=True).split("\n")
    lines.insert(1, "-" * min(120, len(lines[0])))
    lex = doc["lexicon"]
    lines.append("")
    lines.append(f"model {doc['model']} | lexicon {lex['id']} {lex.get('version', '')} | extractor "
                 f"{doc['extractor']['id']} | checkpoint policy {doc['checkpoint_policy']}")
    if doc["mean"] is not None:
        lines.append(f"mean ({doc['mean_note']}): {_fmt(doc['mean'])}")
    else:
        ms = doc.get("mean_scored")
        lines.append(f"mean: not reported ({doc['mean_note']})" +
                     (f"; mean over the scored {len(ms['over'])}: {_fmt(ms['value'])}" if ms else ""))
    return "\n".join(lines)
