"""unibench report RESULTS/<model>: report.md and one self-contained report.html for one model's results."""

from __future__ import annotations

from unibench.cli import add_format, add_results_dir, print_json


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model folder (results/<model>/) or a model name under "
                   "--results-dir")
    add_results_dir(p)
    p.add_argument("--out-dir", default=None, metavar="DIR", help="where to write report.md and report.html "
                   "(default: the model folder)")
    p.add_argument("--errors", type=int, default=20, metavar="N",
                   help="how many of the most confident errors to list per dataset (default: 20)")
    add_format(p)


def run(args) -> int:
    from pathlib import Path

    from unibench.errors import UserError
    from unibench.paths import write_atomic
    from unibench.report import html, markdown
    from unibench.report.build import build_report, model_folder
    from unibench.report.layout import blocks

    if args.errors < 0:
        raise UserError(f"--errors {args.errors}: give a number >= 0")
    folder = model_folder(args.model, args.results_dir)
    doc = build_report(folder, args.errors)
    layout = blocks(doc)
    out = Path(args.out_dir) if args.out_dir else folder
    written = [out / "report.md", out / "report.html"]
    write_atomic(written[0], markdown.render(layout))
    write_atomic(written[1], html.render(layout))
    if args.format == "json":
        print_json(dict(doc, written=[str(p) for p in written]))
        return 0
    print(f"{doc['model']}: {len(doc['sections'])} dataset sections")
    for p in written:
        print(f"wrote {p}")
    return 0
