"""The leaderboard pictures: one figure per setting, as the tables are (rows of different settings are never drawn
side by side), one panel per dataset that has at least one score in that setting (no empty panels), one bar per
row; the legend names only the kinds of row the figure shows (published as printed, third-party re-run, unibench run
with its 95% interval). Deterministic bytes: Agg backend, fixed dpi, no 'Software' metadata, fixed style."""

from __future__ import annotations

from pathlib import Path

from unibench.leaderboard.render import HEADERS, has_scores, png_name

DPI = 80
COLUMNS = 3
KINDS = {"published": ("#9e9e9e", "published (as printed)"), "rerun": ("#e6923a", "third-party re-run"),
         "run": ("#1f77b4", "unibench run (95% CI)")}


def _rows(s: dict) -> list[tuple[str, str, dict]]:
    """(label, kind, cells) of a setting's rows in table order (top to bottom)."""
    if s["kind"] == "runs":
        return [(r["model"], "run", r["cells"]) for r in s["rows"]]
    out = [(r["model"], "rerun" if r.get("rerun") else "published", r["cells"]) for r in s["rows"]]
    return out + [(f"{r['model']} [unibench]", "run", r["cells"]) for r in s.get("runs", [])]


def write_setting_png(s: dict, datasets: list[str], path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = _rows(s)
    panels = [d for d in datasets if any(d in cells for _, _, cells in rows)]
    n_cols = min(COLUMNS, max(1, len(panels)))
    n_grid = (len(panels) + n_cols - 1) // n_cols
    height = max(2.0, 0.2 * len(rows) + 1.0) * n_grid + 0.8
    with plt.rc_context({"font.size": 8, "svg.hashsalt": "unibench", "path.simplify": False}):
        fig, axes = plt.subplots(n_grid, n_cols, figsize=(5.0 * n_cols, height), sharey=True, squeeze=False)
        y = list(range(len(rows)))[::-1]
        labels = [r[0] for r in rows]
        for ax, d in zip(axes.flat, panels):
            for kind, (colour, _) in KINDS.items():  # one call per kind: fast
                pts = [(yi, cells[d]) for yi, (_, k, cells) in zip(y, rows) if k == kind and d in cells]
                if not pts:
                    continue
                lo = [c["score"] - c["ci"]["low"] if c.get("ci") else 0.0 for _, c in pts]
                hi = [c["ci"]["high"] - c["score"] if c.get("ci") else 0.0 for _, c in pts]
                ax.barh([p[0] for p in pts], [c["score"] for _, c in pts], color=colour, height=0.7,
                        xerr=[lo, hi] if kind == "run" else None, error_kw={"elinewidth": 1, "capsize": 2})
            ax.set_title(HEADERS.get(d, d))
            ax.set_xlim(0, 100)
            ax.grid(axis="x", linewidth=0.3)
            ax.set_yticks(y)
            ax.set_yticklabels(labels)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)  # the grid's spare cells: not drawn
        shown = {k for _, k, _ in rows}
        handles = [Patch(color=c, label=text) for k, (c, text) in KINDS.items() if k in shown]
        fig.legend(handles=handles, loc="upper right", ncol=len(handles), frameon=False)
        fig.suptitle(f"{s['title']}: score per dataset (x100)", x=0.01, y=1 - 0.12 / height, ha="left")
        width = max(len(x) for x in labels) * 0.065 + 0.2  # inches for the longest row label at 8 pt
        fig.subplots_adjust(left=width / (5.0 * n_cols), right=0.99, bottom=0.3 / height, top=1 - 0.8 / height,
                            wspace=0.08, hspace=0.6 / max(1.0, height / n_grid))
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
        plt.close(fig)


def write_pngs(doc: dict, out: Path) -> list[Path]:
    """One picture per setting with at least one score; returns the files written."""
    written = []
    for s in doc["settings"]:
        datasets = s.get("datasets", doc["datasets"])
        if not has_scores(s):
            continue
        path = out / png_name(s)
        write_setting_png(s, datasets, path)
        written.append(path)
    return written
