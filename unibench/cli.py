"""The `unibench` command line.

Each subcommand lives in its own module under `unibench.commands` and is imported only when it runs, so
`unibench --help` stays instant. A command module provides `HELP` (one line), `add_arguments(parser)` and
`run(args) -> int`.

Conventions shared by every subcommand: list options take comma-separated values or `all`; commands that read or
write results take `--results-dir` (default `results/`); `--format json` prints one JSON document on stdout and
nothing else there; exit 0 done, 1 a check failed, 2 bad input (3 marks a bug in unibench itself).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# name -> module; the one-line help is read from the table so --help needs no imports.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("unibench.commands.run", "score a model on one or more datasets"),
    "datasets": ("unibench.commands.datasets", "list the corpus cards and whether each is found"),
    "leaderboard": ("unibench.commands.leaderboard", "regenerate results/LEADERBOARD.md (+ .json, .png) from results"),
    "report": ("unibench.commands.report", "report.md and a self-contained report.html for one model's results"),
    "compare": ("unibench.commands.compare", "paired bootstrap difference of two models per dataset"),
    "check": ("unibench.commands.check", "re-score stored results (or compare two) and fail on what moved"),
    "models": ("unibench.commands.models", "list the model adapter kinds (built-in, plug-ins) and model cards"),
    "tracks": ("unibench.commands.tracks", "list the challenge tracks: metric, status, citation"),
    "score-track": ("unibench.commands.score_track", "score a challenge submission with its track's official rule"),
    "describe-score": ("unibench.commands.describe_score", "score free-text emotion descriptions (EMER style)"),
    "rescore": ("unibench.commands.rescore", "re-score stored results with another lexicon or extractor, no model calls"),
    "merge": ("unibench.commands.merge", "join the shards of `run --shard i/N` into one result per dataset"),
    "demo": ("unibench.commands.demo", "run the text baselines on the built-in demo corpus, no data needed"),
}


def _top_help() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: unibench <command> [options]", "",
             "The evaluation harness for multimodal emotion recognition (MER-UniBench).", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "Run `unibench <command> --help` for a command's options.",
              "Exit codes: 0 done, 1 a check failed, 2 bad input."]
    return "\n".join(lines)


# The cyclic collector's default thresholds (700, 10, 10) make a 132k-sample run spend a fifth of its time in
# full collections over objects that form no cycles (benchmarks/score_speed.py: 5.4 -> 4.5 s); collections stay
# on, only rarer. Set for the command's duration (the library API leaves the host process's settings alone).
GC_THRESHOLDS = (20_000, 20, 20)


def main(argv: list[str] | None = None) -> int:
    import gc

    # unibench's matrix products (bootstrap blocks) are small: a pool of BLAS threads only spins beside them,
    # doubling the CPU a run takes for no gain in wall time (benchmarks/score_speed.py, 4 x 7 and 132k). Read
    # when numpy is first imported, so it applies to the command process; a value the user set wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*before)


def entry() -> int:
    """The `unibench` command (console script and `python -m unibench`): `main()`, then the process ends without
    tearing the interpreter down. Exit handlers run and both streams are flushed, then `os._exit`: the OS takes
    the run's memory back at once, where the interpreter's own exit would free every object the run left, one at
    a time. With another thread still alive (it must be joined first), or a stream that cannot be flushed, the
    usual exit runs, the run's objects frozen out of the cyclic collector so it does not traverse them. In-process
    callers of `main` (tests, scripts) are left as they were."""
    import atexit
    import gc
    import os
    import threading

    code = main()
    gc.freeze()
    if threading.active_count() == 1 and hasattr(atexit, "_run_exitfuncs"):
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # e.g. a closed pipe: the usual exit reports it
            return code
        os._exit(code)
    return code


def _main(argv: list[str] | None = None) -> int:
    from unibench import __version__
    from unibench.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, CheckFailed, UserError

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_top_help())
        return 0
    if argv[0] == "--version":
        print(f"unibench {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        from unibench.registry import suggest

        print(f"unibench: error: unknown command '{name}'{suggest(name, COMMANDS)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"unibench {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    from unibench.redact import redact_text

    try:
        return int(module.run(args) or 0)
    except (UserError, CheckFailed) as err:
        print(f"unibench {name}: error: {_one_line(redact_text(str(err)))}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # e.g. `unibench datasets | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"unibench {name}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug in unibench: one line, the traceback on request
        if os.environ.get("UNIBENCH_DEBUG"):
            raise
        print(f"unibench {name}: internal error: {type(err).__name__}: {_one_line(redact_text(str(err)))} "
              "(set UNIBENCH_DEBUG=1 for the traceback and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(text: str) -> str:
    """Errors are one line: line breaks and other control characters that came from the input (a quoted CSV
    header, a sample name) are shown escaped, as Python writes them."""
    import re

    return re.sub("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1], text)


# ---- option helpers shared by the command modules ---------------------------------------------------------------

def add_results_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", default="results", metavar="DIR",
                        help="where results are read and written (default: results/)")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="json prints one JSON document on stdout and nothing else there")


def add_data_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-root", default=None, metavar="DIR",
                        help="folder holding the upstream '*-process' corpus folders "
                             "(default: $UNIBENCH_DATA_ROOT)")


def split_list(value: str | None, universe: list[str], what: str) -> list[str]:
    """Parse a comma-separated list option; `all` means the whole universe (in its order)."""
    from unibench.errors import UserError

    if value is None or value.strip().lower() == "all":
        return list(universe)
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise UserError(f"--{what} is empty; give comma-separated names or 'all'")
    return items


def add_llm_arguments(parser) -> None:
    """The `--extractor-*` options that configure `--extractor llm` (read by `LLMExtractor.from_args`)."""
    g = parser.add_argument_group("--extractor llm (upstream prompts A/B on an OpenAI-compatible server)")
    g.add_argument("--extractor-base-url", default=None, metavar="URL", help="default: $OPENAI_BASE_URL")
    g.add_argument("--extractor-model", default=None, metavar="NAME", help="default: Qwen2.5-7B-Instruct")
    g.add_argument("--extractor-temperature", type=float, default=None, metavar="T",
                   help="default: upstream 0.7 (seeded per sample); 0 for greedy")
    g.add_argument("--extractor-concurrency", type=int, default=None, metavar="N", help="requests in flight (32)")
    g.add_argument("--extractor-timeout", type=float, default=None, metavar="S", help="seconds per attempt (120)")
    g.add_argument("--extractor-retries", type=int, default=None, metavar="N", help="retries per request (3)")


def llm_options(args) -> dict:
    """The `--extractor-*` values of parsed arguments, keyed as the track options (`extractor_base_url`, ...)."""
    return {f"extractor_{k}": getattr(args, f"extractor_{k}", None)
            for k in ("base_url", "model", "temperature", "concurrency", "timeout", "retries")}


def extractor_options(args) -> dict:
    """The --extractor-* options that were given, as unibench.api's `extractor_options`."""
    from unibench.api import EXTRACTOR_OPTIONS

    got = {k: v for k in EXTRACTOR_OPTIONS if (v := getattr(args, f"extractor_{k}", None)) is not None}
    if getattr(args, "answer_tag", None) is not None:  # --answer-tag (the answer-tag extractor's one option)
        got["answer_tag"] = args.answer_tag
    return got


def print_json(doc) -> None:
    import json

    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
