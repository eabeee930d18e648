"""The leaderboard document -> leaderboard.csv: one row per model and setting (tidy: one observation per row, one
variable per column), for pandas, R or a spreadsheet.

Columns: the setting (id, kind, protocol, lexicon, extractor, checkpoint policy), the row (model, source:
published / third-party re-run / unibench run, the published table it is also listed in, the paper's arXiv id),
modalities, then per dataset its score, 95% interval bounds, whether the cell is a best-of-N-on-test choice, and
the non-official macro F1 of basic sets; then the mean (only when every dataset of the suite is scored), the mean
of the available cells, the number of cells and the Mean F1. Empty = not available. Numbers as the JSON holds
them (published: as printed; runs: 4 decimals), so regenerating gives identical bytes.
"""

from __future__ import annotations

import csv
import io


def _num(x) -> str:
    return "" if x is None else repr(float(x))


def _datasets(doc: dict) -> list[str]:
    out = list(doc["datasets"])
    for s in doc["settings"]:
        out += [d for d in s.get("datasets", []) if d not in out]
    return out


def _paper_tables(doc: dict) -> dict[tuple[str, str], str]:
    """(runs setting id, model) -> id of the published table the run is also listed in."""
    return {(r["setting"], r["model"]): s["id"] for s in doc["settings"] if s["kind"] == "published"
            for r in s.get("runs", [])}


def render_csv(doc: dict) -> str:
    datasets = _datasets(doc)
    head = ["setting_id", "setting_kind", "protocol", "lexicon", "extractor", "checkpoint_policy", "model", "source",
            "paper_table", "arxiv", "A", "V", "T"]
    for d in datasets:
        head += [d, f"{d}_ci_low", f"{d}_ci_high", f"{d}_best_of_n_on_test", f"{d}_macro_f1"]
    head += ["mean", "mean_available", "n_cells", "mean_macro_f1"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    placed = _paper_tables(doc)
    for s in doc["settings"]:
        published = s["kind"] == "published"
        for r in s["rows"]:
            source = ("third-party re-run" if r.get("rerun") else "published") if published else "unibench run"
            mods = r.get("modalities")
            row = [s["id"], s["kind"], s.get("protocol") or "", s.get("lexicon") or "", s.get("extractor") or "",
                   s.get("checkpoint_policy") or "", r["model"], source, placed.get((s["id"], r["model"]), ""),
                   (s.get("citation") or {}).get("arxiv", ""),
                   *("" if mods is None else str(int(mods[k])) for k in "AVT")]
            for d in datasets:
                c = r["cells"].get(d) or {}
                ci = c.get("ci") or {}
                row += [_num(c.get("score")), _num(ci.get("low")), _num(ci.get("high")),
                        "" if published or not c else str(int(c["best_of_n_on_test"])), _num(c.get("f1"))]
            m = r["mean"]
            f1 = r.get("mean_f1") or {}
            row += [_num(m.get("value")), _num(m.get("available", m.get("of_cells"))), str(m.get("n_cells", "")),
                    _num(f1.get("value"))]
            w.writerow(row)
    return buf.getvalue()
