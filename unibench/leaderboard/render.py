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
RUN_MARK = "‡"     # a unibench run listed in a published table's setting
RERUN_MARK = "§"   # a third-party re-run of another group's released model
NON_OFFICIAL_F1 = ("Macro F1 over the gold classes through the wheel clusters (each emotion an answer lists "
                   "predicts the classes it reaches, so listing many costs precision): non-official, not a "
                   "MER-UniBench metric; HIT stays the official score")


def has_scores(s: dict) -> bool:
    return any(r["cells"] for r in s["rows"] + s.get("runs", []))


def png_name(setting: dict) -> str:
    """The picture of one setting (one figure per setting, see plot.py)."""
    return f"leaderboard-{anchor(setting['id'])}.png"


def mean_note(r: dict, n: int) -> str | None:
    m = r["mean"]
    if m["value"] is None and m["available"] is not None:
        return (f"{m['n_cells']} of {n} datasets scored, so no benchmark mean; mean of the {m['n_cells']} "
                f"available cells {_f(m['available'])} (not comparable with a {n}-dataset mean)")
    return None


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


def source_line(s: dict) -> str:
    cit = s["citation"]
    return (f"Source: {cit.get('authors', '')}, \"{cit.get('title', '')}\", {cit.get('venue', '')} "
            f"(arXiv {cit.get('arxiv', '?')}), {cit.get('table', '')}. <{cit.get('url', '')}>")


def _row(model: str, mark: str, link: str | None, modalities, cells: list, mean, mean_flag: bool = False) -> dict:
    """One table row, renderer-neutral: cells are (score or None, chosen best of N on test)."""
    return {"model": model, "mark": mark, "link": link, "modalities": modalities, "cells": cells, "mean": mean,
            "mean_flag": mean_flag}


def _run_row_cells(r: dict, datasets: list[str]) -> list:
    return [(r["cells"][d]["score"], r["cells"][d]["best_of_n_on_test"]) if d in r["cells"] else (None, False)
            for d in datasets]


def published_rows(s: dict, datasets: list[str]) -> tuple[list[dict], list[dict], list[str]]:
    """(published rows, unibench-run rows of the table's setting, footnotes) of a published setting."""
    rows, flagged, reruns = [], [], []
    for r in s["rows"]:
        if r["notes"]:
            flagged.append(f"{MEAN_FLAG} {r['model']}: {'; '.join(r['notes'])}.")
        if r.get("rerun"):
            reruns.append(f"{RERUN_MARK} {r['model']}: a third-party re-run of {r['rerun']['of']} by "
                          f"{r['rerun']['by']}, not a number its authors reported.")
        rows.append(_row(r["model"], RERUN_MARK if r.get("rerun") else "", None, r["modalities"],
                         [(r["cells"].get(d, {}).get("score"), False) for d in datasets], r["mean"]["value"],
                         bool(r["notes"])))
    runs, runs_notes = [], []
    for r in s.get("runs", []):
        runs.append(_row(r["model"], RUN_MARK, anchor(r["setting"]), r["modalities"], _run_row_cells(r, datasets),
                         r["mean"]["value"]))
        note = mean_note(r, len(datasets))
        runs_notes.append(f"{RUN_MARK} {r['model']}: unibench run in this setting (lexicon `{r['lexicon']}`, "
                          f"extractor `{r['extractor']}`)" + (f"; {note}" if note else "")
                          + (f"; cells marked {BEST_OF} are best of N checkpoints on the test set"
                             if r["best_of_n_on_test"] else "") + "; intervals in its own table.")
    notes = flagged + reruns + runs_notes + list(s.get("notes", []))
    notes.append("No confidence intervals for the published rows: the per-sample outputs behind them are not "
                 "published.")
    return rows, runs, notes


def _failed(cell: dict) -> str:
    """Beside a score: how many samples failed, and whether that kept the cell out of the ranking."""
    n = cell.get("n_failed")
    if not n:
        return ""
    return f" ({n} failed{'; not ranked' if cell.get('ranked') is False else ''})"


def run_rows(s: dict, datasets: list[str]) -> tuple[list[dict], list[str]]:
    """(rows, footnotes) of a setting of unibench runs."""
    rows, notes = [], []
    for r in s["rows"]:
        row = _row(r["model"], "", "ci-" + anchor(s["id"]), r["modalities"], _run_row_cells(r, datasets),
                   r["mean"]["value"])
        row["suffixes"] = [_failed(r["cells"].get(d, {})) for d in datasets]  # failed samples beside a score
        rows.append(row)
        if (note := mean_note(r, len(datasets))) is not None:
            notes.append(f"{r['model']}: {note}.")
        if r["best_of_n_on_test"]:
            sc = r["single_checkpoint"]
            what = (f"the best single checkpoint overall, `{sc['checkpoint']}` (best of {sc['of']}), has mean "
                    f"{_f(sc['mean'])} over the same {sc['n_cells']} datasets "
                    f"({', '.join(f'{HEADERS.get(d, d)} {_f(v)}' for d, v in sc['per_dataset'].items())})"
                    if sc else "per-checkpoint scores are not stored for every dataset, so no single-checkpoint "
                               "mean can be given")
            notes.append(f"{r['model']}: cells marked {BEST_OF} are the best of N checkpoints chosen on each "
                         f"dataset's test set (as the paper does), so the row mixes checkpoints; {what}.")
        if r["modalities"] is None:
            notes.append(f"{r['model']}: modalities not recorded (pass `--modalities A,V,T` to `unibench run`).")
        for d, c in r["cells"].items():
            if c.get("n_failed"):
                notes.append(f"{r['model']} / {HEADERS.get(d, d)}: {c['n_failed']} of {c['n_total']} samples failed "
                             "(model call or extraction) and were scored as empty predictions"
                             + ("; more than the run's `--max-failed` "
                                f"{c['max_failed']:g} allows, so the cell is not ranked and not in the mean"
                                if c.get("ranked") is False else "") + ".")
    return rows, notes


def f1_rows(s: dict, datasets: list[str]) -> tuple[list[str], list[dict], list[str]]:
    """(basic sets, rows, footnotes) of the non-official macro F1 table of a setting of runs; no rows when none."""
    from unibench.leaderboard.collect import basic_sets

    basic = basic_sets(datasets)
    rows, notes = [], []
    for r in s["rows"] if s["kind"] == "runs" and basic else []:
        m = r.get("mean_f1")
        if not m:
            continue
        rows.append(_row(r["model"], "", None, r["modalities"],
                         [(r["cells"].get(d, {}).get("f1"), False) for d in basic], m["value"]))
        if m["value"] is None:
            notes.append(f"{r['model']}: {m['n_cells']} of {m['of']} basic sets scored, so no Mean F1; mean of "
                         f"the {m['n_cells']} available {_f(m['available'])}.")
    return basic, rows, notes


def _md_row(r: dict, with_modalities: bool = True) -> str:
    name = f"[{r['model']}](#{r['link']})" if r["link"] else r["model"]
    suffixes = r.get("suffixes") or [""] * len(r["cells"])
    cells = ["—" if v is None else _f(v) + (BEST_OF if best else "") + sfx
             for (v, best), sfx in zip(r["cells"], suffixes)]
    mods = [_mod(r["modalities"], k) for k in "AVT"] if with_modalities else []
    mean = _f(r["mean"]) + (MEAN_FLAG if r["mean_flag"] else "")
    return "| " + " | ".join([name + (f" {r['mark']}" if r["mark"] else ""), *mods, *cells, mean]) + " |"


def _published(s: dict, datasets: list[str]) -> list[str]:
    out = [source_line(s), "",
           f"Protocol `{s['protocol']}`, lexicon `{s['lexicon']}`, extractor `{s['extractor']}`, checkpoint "
           f"policy: {s['checkpoint_policy']}. Figures as printed; stored in `{s['source']}`"
           + (" (shipped with unibench)." if s.get("shipped") else "."), ""]
    rows, runs, notes = published_rows(s, datasets)
    out += _header(datasets) + [_md_row(r) for r in rows + runs] + [""]
    return out + [n if n[:1] in (MEAN_FLAG, RERUN_MARK, RUN_MARK) else f"- {n}" for n in notes] + [""]


def _run_table(s: dict, datasets: list[str]) -> list[str]:
    ci_id = "ci-" + anchor(s["id"])
    out = [f"Protocol `{s['protocol']}`, lexicon `{s['lexicon']}`, extractor `{s['extractor']}`. "
           f"Each row links to its 95% confidence intervals in [the detail table](#{ci_id}).", ""]
    rows, notes = run_rows(s, datasets)
    out += _header(datasets) + [_md_row(r) for r in rows] + [""] + [f"- {n}" for n in notes] + [""]
    basic, f1, f1_notes = f1_rows(s, datasets)
    if f1:
        out += [f"Macro F1 (non-official) of the basic-emotion sets, same runs. {NON_OFFICIAL_F1}.", "",
                "| Model | " + " | ".join(f"{HEADERS.get(d, d)} F1" for d in basic) + " | Mean F1 |",
                "|---|" + "|".join("---:" for _ in basic) + "|---:|"]
        out += [_md_row(r, with_modalities=False) for r in f1] + [""] + [f"- {n}" for n in f1_notes]
        out += [""] if f1_notes else []
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


def render(doc: dict, pictures: bool = True) -> str:
    datasets = doc["datasets"]
    out = ["<!-- Generated by `unibench leaderboard` from the stored results; do not edit by hand. -->", "",
           "# MER-UniBench leaderboard", "",
           "Scores ×100: HIT rate (MER2023, MER2024, MELD, IEMOCAP), binary weighted F1 (MOSI, MOSEI, SIMS, "
           "SIMS v2), emotion-wheel F (OV-MERD+). Mean = unweighted mean of the nine datasets, given only when "
           "all nine are scored. A / V / T = audio / video / text used. Rows are comparable only within one "
           "table: each table is one setting (protocol, lexicon, extractor).", ""]
    out += ["Settings:", ""]
    out += [f"- [{s['title']}](#{anchor(s['id'])})" for s in doc["settings"]]
    out += [f"- [Reproduction: {r['model']} vs. published {r['published_row']}](#repro-{anchor(r['model'])})"
            for r in doc["reproductions"]]
    out.append("")
    for s in doc["settings"]:
        out += [f"<a id=\"{anchor(s['id'])}\"></a>", "", f"## {s['title']}", ""]
        # settings of other suites (demo) carry their own columns and are never MER-UniBench cells
        out += _published(s, datasets) if s["kind"] == "published" else _run_table(s, s.get("datasets", datasets))
        if pictures and has_scores(s):
            out += [f"![Scores per dataset: {s['title']}]({png_name(s)})", ""]
    for s in doc["settings"]:
        if s["kind"] == "runs":
            out += _ci_table(s, s.get("datasets", datasets))
    for rep in doc["reproductions"]:
        out += [f"<a id=\"repro-{anchor(rep['model'])}\"></a>", ""]
        out += _reproductions({"reproductions": [rep]}, datasets)
    return "\n".join(out).rstrip("\n") + "\n"
