"""The report document -> a list of neutral blocks (headings, paragraphs, lists, tables) that markdown.py and
html.py render, so both files say exactly the same things. Text may hold `code` spans (backticks)."""

from __future__ import annotations

import re

LABEL = {"hit": "HIT", "waf": "WAF", "ew_f": "EW-F"}
SECONDARY = {"macro_f1": "macro F1 over gold classes (non-official)", "acc": "ACC", "ew_p": "EW-P", "ew_r": "EW-R",
             "ew_f_l2": "EW-F level 2", "ew_p_l2": "EW-P level 2", "ew_r_l2": "EW-R level 2",
             "merbench_acc": "MERBench ACC", "merbench_waf": "MERBench WAF",
             "n_zero_gold_dropped": "zero-gold samples dropped", "n_nonstandard_sentiment":
             "non-standard sentiment words (scored as negative)"}
CONFUSION_RULE = ("Each scored sample is counted once: in its gold class's cluster when the answer reaches it (a "
                  "hit), else in the first cluster the answer reaches, else in `(none)`. Recall = hits / row total "
                  "(the class's hit rate on this wheel).")


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def f(x, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _h(level: int, text: str, ident: str | None = None) -> dict:
    return {"type": "heading", "level": level, "text": text, "id": ident}


def _p(text: str) -> dict:
    return {"type": "para", "text": text}


def _table(header, rows, align=None, heat=None) -> dict:
    return {"type": "table", "header": list(header), "rows": [list(r) for r in rows],
            "align": align or ["left"] * len(header), "heat": heat}


def section_title(s: dict) -> str:
    return f"{s['title'] or s['dataset']} · {s['checkpoint']}"


def _score_blocks(s: dict) -> list[dict]:
    ci = s["ci"]
    interval = (f"[{f(ci['low'])}, {f(ci['high'])}]" if ci and "low" in ci else "not stored")
    units = (f"{ci['n_units']} {'clusters' if ci.get('clustered') else 'samples'}, {ci['n_resamples']} resamples"
             if ci and "low" in ci else "—")
    out = [_table(["Metric", "Score", "95% CI", "Resampled", "Scored / total", "Selection"],
                  [[LABEL.get(s["metric"], s["metric"] or "?"), f(s["score"]), interval, units,
                    f"{s['n']}/{s['n_total']}", s["selection"] or "—"]],
                  ["left", "right", "left", "left", "right", "left"])]
    if s["per_wheel"]:
        rows = []
        for w, v in s["per_wheel"].items():
            if "f" in v:
                rows.append([w, f(v.get("f")), f(v.get("p")), f(v.get("r")), str(v.get("n"))])
            else:
                rows.append([w, f(v.get("score")), str(v.get("n"))])
        head = ["Wheel", "F", "P", "R", "Scored"] if rows and len(rows[0]) == 5 else ["Wheel", "HIT", "Scored"]
        f1w = s["secondary"].get("macro_f1_per_wheel") or {}
        if f1w and len(head) == 3:
            head.append("macro F1 (non-official)")
            rows = [r + [f(f1w.get(r[0]))] for r in rows]
        out.append(_table(head, rows, ["left"] + ["right"] * (len(head) - 1)))
    sec = [(SECONDARY.get(k, k), v) for k, v in s["secondary"].items() if not isinstance(v, dict) and v is not None]
    if sec:
        out.append({"type": "list", "items": [f"{k}: {f(v) if isinstance(v, float) else v}" for k, v in sec]})
    return out


def _confusion_blocks(s: dict) -> list[dict]:
    conf = s["confusion"]
    if conf is None:
        return [_p("No confusion table stored with this result (written before unibench stored one, or an "
                   "open-vocabulary set); re-run `unibench run` to get one.")]
    out = [_h(3, f"Confusion: {conf['kind']}" + (f" ({conf['level']})" if conf.get("level") else ""))]
    if s["task"] == "discrete":
        out.append(_p(CONFUSION_RULE))
    for wheel, t in conf["tables"].items():
        if wheel:
            out.append(_p(f"**{wheel}**"))
        own = [set(t.get("row_clusters", {}).get(r, [r])) for r in t["rows"]]
        rows, heat = [], []
        for i, r in enumerate(t["rows"]):
            pc = t["per_class"][i]
            label = r + (f" → {', '.join(sorted(own[i]))}" if "row_clusters" in t else "")
            rows.append([label, *map(str, t["counts"][i]), str(pc["n"]), f(pc["recall"], 1)])
            total = pc["n"] or 1
            heat.append([None] + [(c / total, t["columns"][j] in own[i]) for j, c in enumerate(t["counts"][i])]
                        + [None, None])
        total = sum(map(sum, t["counts"]))
        rows.append(["total", *(str(sum(col)) for col in zip(*t["counts"])), str(total), ""])
        heat.append(None)  # type: ignore[arg-type]
        out.append(_table(["gold \\ predicted", *t["columns"], "n", "recall %"], rows,
                          ["left"] + ["right"] * (len(t["columns"]) + 2), heat))
    return out


def _failure_blocks(s: dict) -> list[dict]:
    fl = s["failures"]
    items = [f"failed samples: {fl.get('n_failed', 0)} (model calls {fl.get('n_failed_outputs', 0)}, "
             f"extractions {fl.get('n_failed_extractions', 0)}); failed samples are scored as empty predictions"]
    if s["n_empty_predictions"] is not None:
        items.append(f"empty predictions (no emotion word{'' if s['task'] != 'sentiment' else ' and no sentiment'} "
                     f"extracted): {s['n_empty_predictions']} of {s['n_records']}")
    items += [f"`{msg}`: {k}" for msg, k in s["failure_examples"].items()]
    if s["predictions"]:
        p = s["predictions"]
        items.append("predictions read as " + ", ".join(f"{k} {v}" for k, v in p.items() if not isinstance(v, list)))
    out = [_h(3, "Failures"), {"type": "list", "items": items}]
    if s["diagnostics"]:
        out.append(_h(3, "Extraction diagnostics"))
        out.append(_table(["Diagnostic", "Value"], _flatten(s["diagnostics"]), ["left", "right"]))
    return out


def _flatten(d, prefix: str = "") -> list[list[str]]:
    rows = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            rows += _flatten(v, key + " / ")
        else:
            rows.append([key, f(v) if isinstance(v, float) else str(v)])
    return rows


def _error_blocks(s: dict, n_shown: int) -> list[dict]:
    out = [_h(3, f"Most confident errors ({min(n_shown, s['n_errors'] or 0)} of {s['n_errors']})"
              if s["records_stored"] else "Most confident errors")]
    if not s["records_stored"]:
        return out + [_p("No per-sample records stored with this result (`unibench run --no-records`); re-run "
                         "without it to list the errors.")]
    out.append(_p("Ranked by the prediction's own confidence where it has one, otherwise by how committed the "
                  "wrong answer is (see `unibench/report/confidence.py`)."))
    if not s["errors"]:
        return out + [_p("No errors.")]
    sentiment = s["task"] == "sentiment"
    head = ["#", "id", "gold", "prediction", *(["sentiment"] if sentiment else []), "confidence", "response"]
    rows = []
    for i, e in enumerate(s["errors"], 1):
        gold = ", ".join(e["gold"]) if isinstance(e["gold"], list) else str(e["gold"])
        rows.append([str(i), f"`{e['id']}`", gold, e["prediction"] or "—", *([e["sentiment"] or "—"] if sentiment
                     else []), f(e["confidence"], 3), e["response"] or "—"])
    return out + [_table(head, rows)]


def blocks(doc: dict) -> list[dict]:
    adapter = doc["adapter"]
    mods = doc.get("modalities")
    out = [_h(1, f"unibench report: {doc['model']}"),
           _p(f"Adapter `{adapter.get('kind', '?')}`" + (f" on `{adapter['arg']}`" if adapter.get("arg") else "")
              + (f"; modalities {', '.join(k for k in 'AVT' if mods.get(k))}" if mods else "")
              + f"; unibench {doc.get('unibench_version') or '?'}. Generated by `unibench report` from the result "
              "files in this folder; scores ×100."),
           {"type": "list", "items": [f"[{section_title(s)}](#{anchor(section_title(s))})" for s in doc["sections"]]}]
    for s in doc["sections"]:
        title = section_title(s)
        st = s["setting"]
        out += [_h(2, title, anchor(title)),
                _p(f"`{s['file']}`; protocol `{st['protocol']}`, lexicon `{st['lexicon']}`, extractor "
                   f"`{st['extractor']}`" + ("; **partial** (not a complete test split)" if s["partial"] else "")
                   + ".")]
        out += _score_blocks(s)
        out += _confusion_blocks(s)
        out += _failure_blocks(s)
        out += _error_blocks(s, doc["n_errors_shown"])
    return out
