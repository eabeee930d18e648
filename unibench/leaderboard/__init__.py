"""The generated leaderboard: collect (results -> document), render (markdown), latex and csv (exports), plot (one
PNG per setting, matplotlib lazily)."""

from __future__ import annotations

import json
from pathlib import Path

MARKDOWN, JSON, LATEX, CSV = "LEADERBOARD.md", "leaderboard.json", "LEADERBOARD.tex", "leaderboard.csv"
EXPORTS = ("latex", "csv")


def write(results_dir: str | Path, out_dir: str | Path | None = None, png: bool = True,
          exports: tuple[str, ...] = EXPORTS) -> tuple[dict, list[Path]]:
    """Regenerate the leaderboard files from `results_dir` into `out_dir` (default: the results folder)."""
    from unibench.leaderboard.collect import build
    from unibench.leaderboard.render import render
    from unibench.paths import write_atomic

    doc = build(results_dir)
    out = Path(out_dir if out_dir is not None else results_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / MARKDOWN, out / JSON]
    write_atomic(written[0], render(doc))  # same markdown with or without the pictures
    write_atomic(written[1], json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if "latex" in exports:
        from unibench.leaderboard.latex import render_latex

        written.append(out / LATEX)
        write_atomic(written[-1], render_latex(doc))
    if "csv" in exports:
        from unibench.leaderboard.csv_table import render_csv

        written.append(out / CSV)
        write_atomic(written[-1], render_csv(doc))
    if png:
        from unibench.leaderboard.plot import write_pngs

        pngs = write_pngs(doc, out)
        for stale in set(out.glob("leaderboard-*.png")) - set(pngs):  # a setting that no longer exists (e.g. a
            stale.unlink()                                             # new extractor version) keeps no picture
        written += pngs
    return doc, written
