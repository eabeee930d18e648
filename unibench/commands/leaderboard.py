"""unibench leaderboard: regenerate LEADERBOARD.md, leaderboard.json and leaderboard.png from stored results."""

from __future__ import annotations

from unibench.cli import add_format, add_results_dir, print_json


def add_arguments(p) -> None:
    add_results_dir(p)
    p.add_argument("--out-dir", default=None, metavar="DIR",
                   help="where to write the files (default: the results folder)")
    p.add_argument("--no-png", action="store_true", help="skip the picture (no matplotlib needed)")
    add_format(p)


def run(args) -> int:
    from unibench.leaderboard import write

    doc, written = write(args.results_dir, args.out_dir, png=not args.no_png)
    if args.format == "json":
        print_json(doc)
        return 0
    n_rows = sum(len(s["rows"]) for s in doc["settings"])
    print(f"{len(doc['settings'])} settings, {n_rows} rows")
    for p in written:
        print(f"wrote {p}")
    return 0
