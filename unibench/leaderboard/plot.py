"""The leaderboard picture: one panel per dataset, one bar per row (published grey, unibench runs blue with their
95% interval). Deterministic bytes: Agg backend, fixed size and dpi, no 'Software' metadata, fixed style."""

from __future__ import annotations

from pathlib import Path

from unibench.leaderboard.render import HEADERS

SIZE = (15.0, 12.0)
DPI = 80


def _rows(doc: dict) -> list[tuple[str, str, dict]]:
    """(label, kind, cells) for every row of every setting, in table order (top to bottom)."""
    out = []
    for s in doc["settings"]:
        if s.get("suite", "mer-unibench") != "mer-unibench":
            continue  # the picture shows the MER-UniBench columns only; other suites have their own tables
        for r in s["rows"]:
            label = r["model"] if s["kind"] == "published" else f"{r['model']} [unibench]"
            out.append((label, s["kind"], r["cells"]))
    return out


def write_png(doc: dict, path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    rows = _rows(doc)
    datasets = doc["datasets"]
    with plt.rc_context({"font.size": 8, "svg.hashsalt": "unibench", "path.simplify": False}):
        fig, axes = plt.subplots(3, (len(datasets) + 2) // 3, figsize=SIZE, sharey=True, squeeze=False)
        y = list(range(len(rows)))[::-1]
        labels = [r[0] for r in rows]
        for ax, d in zip(axes.flat, datasets):
            for kind, colour in (("published", "#9e9e9e"), ("runs", "#1f77b4")):  # one call per kind: fast
                pts = [(yi, cells[d]) for yi, (_, k, cells) in zip(y, rows) if k == kind and d in cells]
                if not pts:
                    continue
                lo = [c["score"] - c["ci"]["low"] if c.get("ci") else 0.0 for _, c in pts]
                hi = [c["ci"]["high"] - c["score"] if c.get("ci") else 0.0 for _, c in pts]
                ax.barh([p[0] for p in pts], [c["score"] for _, c in pts], color=colour, height=0.7,
                        xerr=[lo, hi] if kind == "runs" else None, error_kw={"elinewidth": 1, "capsize": 2})
            ax.set_title(HEADERS.get(d, d))
            ax.set_xlim(0, 100)
            ax.grid(axis="x", linewidth=0.3)
            ax.set_yticks(y)
            ax.set_yticklabels(labels)
        for ax in list(axes.flat)[len(datasets):]:
            ax.set_visible(False)
        fig.suptitle("MER-UniBench: score per dataset (x100); grey = published, blue = unibench run with 95% CI")
        fig.subplots_adjust(left=0.14, right=0.99, bottom=0.04, top=0.93, wspace=0.08, hspace=0.25)  # fixed
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
        plt.close(fig)
