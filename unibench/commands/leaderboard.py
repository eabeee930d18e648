"""unibench leaderboard: regenerate LEADERBOARD.md, leaderboard.json, the exports (LEADERBOARD.tex,
leaderboard.csv) and one PNG per setting from the stored results and the published tables shipped with unibench."""

from __future__ import annotations

from unibench.cli import add_format, add_results_dir, print_json


def add_arguments(p) -> None:
    add_results_dir(p)
    p.add_argument("--out-dir", default=None, metavar="DIR",
                   help="where to write the files (default: the results folder)")
    p.add_argument("--no-png", action="store_true", help="skip the pictures (no matplotlib needed)")
    p.add_argument("--export", default="all", metavar="LIST",
                   help="exports beside the Markdown and JSON: latex (LEADERBOARD.tex, booktabs), csv "
                        "(leaderboard.csv, one row per model and setting); comma-separated, all (default) or none")
    add_format(p)


def run(args) -> int:
    from unibench.cli import split_list
    from unibench.errors import UserError
    from unibench.leaderboard import EXPORTS, write

    exports = () if args.export.strip().lower() == "none" else tuple(split_list(args.export, list(EXPORTS), "export"))
    unknown = [e for e in exports if e not in EXPORTS]
    if unknown:
        raise UserError(f"--export {args.export}: unknown {', '.join(unknown)} (known: {', '.join(EXPORTS)}, all, "
                        "none)")
    doc, written = write(args.results_dir, args.out_dir, png=not args.no_png, exports=exports)
    if args.format == "json":
        print_json(doc)
        return 0
    n_rows = sum(len(s["rows"]) for s in doc["settings"])
    print(f"{len(doc['settings'])} settings, {n_rows} rows")
    for p in written:
        print(f"wrote {p}")
    return 0
