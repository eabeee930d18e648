"""The generated leaderboard: collect (results -> document), render (markdown), plot (PNG, matplotlib lazily)."""

from __future__ import annotations

import json
from pathlib import Path

MARKDOWN, JSON, PNG = "LEADERBOARD.md", "leaderboard.json", "leaderboard.png"


def write(results_dir: str | Path, out_dir: str | Path | None = None, png: bool = True) -> tuple[dict, list[Path]]:
    """Regenerate the leaderboard files from `results_dir` into `out_dir` (default: the results folder)."""
    from unibench.leaderboard.collect import build
    from unibench.leaderboard.render import render
    from unibench.paths import write_atomic

    doc = build(results_dir)
    out = Path(out_dir if out_dir is not None else results_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / MARKDOWN, out / JSON]
    write_atomic(written[0], render(doc, PNG))  # same markdown with or without the picture
    write_atomic(written[1], json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if png:
        from unibench.leaderboard.plot import write_png

        write_png(doc, out / PNG)
        written.append(out / PNG)
    return doc, written
