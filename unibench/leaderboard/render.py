"""The leaderboard document -> LEADERBOARD.md (the paper's Table-2 layout, one table per comparable setting).

Pure text from the document: no clock, no machine paths, so regenerating gives identical bytes.
"""

from __future__ import annotations

import re

# Column headers as the paper prints them (display only; unknown datasets show their name).
HEADERS = {"mer2023": "MER2023", "mer2024": "MER2024", "meld": "MELD", "iemocap": "IEMOCAP", "mosi": "MOSI",
           "mosei": "MOSEI", "sims": "SIMS", "simsv2": "SIMS v2", "ovmerdplus": "OV-MERD+"}
BEST_OF = "*"
MEAN_FLAG = "†"


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _mod(m: dict | None, k: str) -> str:
    return "?" if m is None else ("√" if m[k] else "×")


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _header(datasets: list[str]) -> list[str]:
    cols = ["Model", "A", "V", "T", *(HEADERS.get(d, d) for d in datasets), "Mean"]
    align = ["---", ":-:", ":-:", ":-:", *("---:" for _ in datasets), "---:"]
    return ["| " + " | ".join(cols) + " |", "|" + "|".join(align) + "|"]


def _published(s: dict, datasets: list[str]) -> list[str]:
    cit = s["citation"]
    out = [f"Source: {cit.get('authors', '')}, \"{cit.get('title', '')}\", {cit.get('venue', '')} "
           f"(arXiv {cit.get('arxiv', '?')}), {cit.get('table', '')}. <{cit.get('url', '')}>", "",
           f"Protocol `{s['protocol']}`, lexicon `{s['lexicon']}`, extractor `{s['extractor']}`, checkpoint "
           f"policy: {s['checkpoint_policy']}. Figures as printed; stored in `{s['source']}`.", ""]
    out += _header(datasets)
    flagged = []
    for r in s["rows"]:
        m = r["mean"]
        mean = _f(m["value"]) + (MEAN_FLAG if r["notes"] else "")
        if r["notes"]:
            flagged.append(f"{r['model']}: {'; '.join(r['notes'])}")
        cells = [_f(r["cells"].get(d, {}).get("score")) for d in datasets]
        out.append("| " + " | ".join([r["model"], *(_mod(r["modalities"], k) for k in "AVT"), *cells, mean]) + " |")
    out.append("")
    out += [f"{MEAN_FLAG} {x}." for x in flagged]
    out += [f"- {n}" for n in s.get("notes", [])]
    out += ["", "No confidence intervals: the per-sample outputs behind these rows are not published.", ""]
    return out


def _failed(cell: dict) -> str:
    """Beside a score: how many samples failed, and whether that kept the cell out of the ranking."""
    n = cell.get("n_failed")
    if not n:
        return ""
    return f" ({n} failed{'; not ranked' if cell.get('ranked') is False else ''})"


def _run_table(s: dict, datasets: list[str]) -> list[str]:
    ci_id = "ci-" + anchor(s["id"])
    out = [f"Protocol `{s['protocol']}`, lexicon `{s['lexicon']}`, extractor `{s['extractor']}`. "
           f"Each row links to its 95% confidence intervals in [the detail table](#{ci_id}).", ""]
    out += _header(datasets)
    notes = []
    for r in s["rows"]:
        cells = []
        for d in datasets:
            c = r["cells"].get(d)
            cells.append("—" if c is None else _f(c["score"]) + (BEST_OF if c["best_of_n_on_test"] else "") + _failed(c))
        m = r["mean"]
        out.append("| " + " | ".join([f"[{r['model']}](#{ci_id})", *(_mod(r["modalities"], k) for k in "AVT"), *cells,
                                      _f(m["value"])]) + " |")
        if m["value"] is None and m["available"] is not None:
            notes.append(f"{r['model']}: {m['n_cells']} of {len(datasets)} datasets scored, so no benchmark mean; "
                         f"mean of the {m['n_cells']} available cells {_f(m['available'])} (not comparable with a "
                         "nine-dataset mean)")
        if r["best_of_n_on_test"]:
            sc = r["single_checkpoint"]
            what = (f"the best single checkpoint overall, `{sc['checkpoint']}` (best of {sc['of']}), has mean "
                    f"{_f(sc['mean'])} over the same {sc['n_cells']} datasets "
                    f"({', '.join(f'{HEADERS.get(d, d)} {_f(v)}' for d, v in sc['per_dataset'].items())})"
                    if sc else "per-checkpoint scores are not stored for every dataset, so no single-checkpoint "
                               "mean can be given")
            notes.append(f"{r['model']}: cells marked {BEST_OF} are the best of N checkpoints chosen on each "
                         f"dataset's test set (as the paper does), so the row mixes checkpoints; {what}")
        if r["modalities"] is None:
            notes.append(f"{r['model']}: modalities not recorded (pass `--modalities A,V,T` to `unibench run`)")
        for d, c in r["cells"].items():
            if c.get("n_failed"):
                notes.append(f"{r['model']} / {HEADERS.get(d, d)}: {c['n_failed']} of {c['n_total']} samples failed "
                             "(model call or extraction) and were scored as empty predictions"
                             + ("; more than the run's `--max-failed` "
                                f"{c['max_failed']:g} allows, so the cell is not ranked and not in the mean"
                                if c.get("ranked") is False else ""))
    out.append("")
    out += [f"- {n}." for n in notes]
    out.append("")
    return out


def _ci_table(s: dict, datasets: list[str]) -> list[str]:
    ci_id = "ci-" + anchor(s["id"])
    out = [f"<a id=\"{ci_id}\"></a>", "", f"### 95% confidence intervals: {s['title']}", "",
           "Percentile bootstrap over test samples, resampling whole clusters (dialogues, sessions, source "
           "videos) where the corpus card names them.", "",
           "| Model | Dataset | Score | 95% CI | Scored / total | Resampled units | Checkpoint | Selection | "
           "Result file |", "|---|---|---:|---|---:|---|---|---|---|"]
    for r in s["rows"]:
        for d in [x for x in datasets if x in r["cells"]] + [x for x in r["cells"] if x not in datasets]:
            c = r["cells"][d]
            ci = c["ci"]
            interval = "not stored" if ci is None else f"[{_f(ci['low'])}, {_f(ci['high'])}]"
            units = "—" if ci is None else (f"{ci['n_units']} {'clusters' if ci['clustered'] else 'samples'}, "
                                            f"{ci['n_resamples']} resamples, seed {ci['seed']}")
            out.append(f"| {r['model']} | {HEADERS.get(d, d)} | {_f(c['score'])} | {interval} | "
                       f"{c['n']}/{c['n_total']} | {units} | `{c['checkpoint']}` | {c['selection']} | "
                       f"`{c['file']}` |")
    out.append("")
    return out


def _reproductions(doc: dict, datasets: list[str]) -> list[str]:
    out = []
    for rep in doc["reproductions"]:
        out += [f"## Reproduction: {rep['model']} vs. published {rep['published_row']}", "",
                "Cells unibench scored from the released outputs. Not verified here (no test labels or outputs "
                "available to this run): "
                + (", ".join(HEADERS.get(d, d) for d in datasets if d not in rep["cells"]) or "none") + ".", "",
                "| Dataset | Published | Reproduced | Δ | Printed digits match | 95% CI covers published |",
                "|---|---:|---:|---:|:-:|:-:|"]
        for d in [x for x in datasets if x in rep["cells"]]:
            c = rep["cells"][d]
            cover = {True: "yes", False: "no", None: "—"}[c["ci_covers_published"]]
            delta = "—" if c["delta"] is None else f"{c['delta']:+.4f}"
            out.append(f"| {HEADERS.get(d, d)} | {_f(c['published'])} | {c['reproduced']:.4f} | {delta} | "
                       f"{'yes' if c['matches_printed_digits'] else 'no'} | {cover} |")
        out.append("")
    return out


def render(doc: dict, png_name: str | None = "leaderboard.png") -> str:
    datasets = doc["datasets"]
    out = ["<!-- Generated by `unibench leaderboard` from the stored results; do not edit by hand. -->", "",
           "# MER-UniBench leaderboard", "",
           "Scores ×100: HIT rate (MER2023, MER2024, MELD, IEMOCAP), binary weighted F1 (MOSI, MOSEI, SIMS, "
           "SIMS v2), emotion-wheel F (OV-MERD+). Mean = unweighted mean of the nine datasets, given only when "
           "all nine are scored. A / V / T = audio / video / text used. Rows are comparable only within one "
           "table: each table is one setting (protocol, lexicon, extractor).", ""]
    if png_name:
        out += [f"![Scores per dataset]({png_name})", ""]
    out += ["Settings:", ""]
    out += [f"- [{s['title']}](#{anchor(s['id'])})" for s in doc["settings"]]
    out += [f"- [Reproduction: {r['model']} vs. published {r['published_row']}](#repro-{anchor(r['model'])})"
            for r in doc["reproductions"]]
    out.append("")
    for s in doc["settings"]:
        out += [f"<a id=\"{anchor(s['id'])}\"></a>", "", f"## {s['title']}", ""]
        # settings of other suites (demo) carry their own columns and are never MER-UniBench cells
        out += _published(s, datasets) if s["kind"] == "published" else _run_table(s, s.get("datasets", datasets))
    for s in doc["settings"]:
        if s["kind"] == "runs":
            out += _ci_table(s, s.get("datasets", datasets))
    for rep in doc["reproductions"]:
        out += [f"<a id=\"repro-{anchor(rep['model'])}\"></a>", ""]
        out += _reproductions({"reproductions": [rep]}, datasets)
    return "\n".join(out).rstrip("\n") + "\n"
