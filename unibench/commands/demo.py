"""unibench demo: the whole pipeline on the packaged demo corpus, with no data and no upstream files.

Loads the three demo sets (materialised from unibench/demo/corpus.yaml on first use), runs both text baselines
(text-lexicon, text-embed), extracts labels with the lexicon extractor, scores under the native lexicon, writes
<results>/<model>/demo-*.json, prints the summary and regenerates that folder's leaderboard, where demo rows form
their own "demo suite" tables and never enter the MER-UniBench ones. <results> is a scratch folder
($UNIBENCH_CACHE_DIR/demo/results) unless --results-dir names one, so a clone's tracked results/ stay as committed.
"""

from __future__ import annotations

import json
import shlex
import sys
import time

from unibench.cli import add_format, print_json

MODELS = ("text-lexicon", "text-embed")


def add_arguments(p) -> None:
    p.add_argument("--results-dir", default=None, metavar="DIR",
                   help="where the demo results and their leaderboard are written (default: the scratch folder "
                        "$UNIBENCH_CACHE_DIR/demo/results, never the tracked results/)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for the stored 95%% confidence intervals (0: none)")
    p.add_argument("--no-leaderboard", action="store_true", help="do not regenerate the leaderboard files")
    add_format(p)


def run(args) -> int:
    from unibench import api
    from unibench.datasets import suite_names
    from unibench.report import format_table

    if args.results_dir is None:
        from unibench.paths import cache_dir

        args.results_dir = str(cache_dir() / "demo" / "results")
    start = time.perf_counter()
    names = suite_names("demo")
    command = "unibench " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["demo"] else "unibench demo"
    docs, tables, lexicon = [], [], {}
    for model in MODELS:
        run = api.evaluate(model, names, lexicon="native", bootstrap=args.bootstrap, command=command)
        run.save(args.results_dir)
        s = run.summary(names, run.files(args.results_dir))
        s["mean_note"] = s["mean_note"].replace("MER-UniBench", "demo")  # the demo suite is not MER-UniBench
        docs.append(s)
        tables.append(format_table(s))
        lexicon = s["lexicon"]
    written: list = []
    if not args.no_leaderboard:
        from unibench.leaderboard import write

        _, written = write(args.results_dir, png=_has_matplotlib())
    elapsed = time.perf_counter() - start
    if args.format == "json":
        print_json({"suite": "demo", "lexicon": lexicon, "models": docs, "results_dir": args.results_dir,
                    "leaderboard": [str(p) for p in written], "seconds": round(elapsed, 2)})
        return 0
    for t in tables:
        print(t, end="\n\n")
    print("Demo suite: unibench's own 150 utterances, not MER-UniBench; text-only baselines, native lexicon.")
    print(f"results in {args.results_dir}")
    for p in written:
        print(f"wrote {p}")
    print(f"done in {elapsed:.1f} s")
    return 0


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None
