"""The run summary: one JSON document (--format json) or a readable table, from the scored outcomes."""

from __future__ import annotations

from statistics import fmean

LABEL = {"hit": "HIT", "waf": "WAF", "ew_f": "EW-F"}


def summary(model, outcomes, skipped, lexicon, extractor, policy, suite) -> dict:
    results = [e for o in outcomes for e in o.entries]
    complete = {e["dataset"]: e["score"] for e in results if not e["partial"] and e["score"] is not None}
    doc = {
        "model": model,
        "protocol": "mer-unibench",
        "lexicon": lexicon.describe(),
        "extractor": {"id": extractor.id, "version": extractor.version},
        "checkpoint_policy": policy,
        "results": [{k: v for k, v in e.items() if k not in ("per_wheel_level2",)} for e in results],
        "mean": None,
        "mean_note": "",
        "skipped": skipped,
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


def _fmt(x, nd=2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def format_table(doc: dict) -> str:
    rows = [("dataset", "metric", "score", "95% CI", "checkpoint", "selection", "n", "per wheel / secondary")]
    for e in doc["results"]:
        extra = " ".join(f"{w}={_fmt(v.get('score', v.get('f')))}" for w, v in e["per_wheel"].items())
        if e["metric"] == "waf":
            extra = f"ACC={_fmt(e['secondary']['acc'])} (dropped {e['secondary']['n_zero_gold_dropped']} zero-gold)"
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
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
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
