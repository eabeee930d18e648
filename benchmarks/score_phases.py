"""Where one `unibench run` spends its CPU: the stages of a single in-process run, timed with process_time.

    python benchmarks/score_phases.py run --model affectgpt-npz:../shared/reference/output \
        --dataset mer2023,meld,mosi,sims --data-root ../shared/reference/dataset --checkpoint all \
        --lexicon affectgpt:../shared/reference/AffectGPT/emotion_wheel --results-dir /tmp/r --format json

A breakdown to see what to work on, not a speed figure (benchmarks/score_speed.py times whole processes). Each
stage is the cumulative CPU time of the named functions; nested stages overlap (e.g. `collect` holds the reading
of the extraction files), and "before main" is the interpreter start and the imports it needs. The run is
timed in one process (`--jobs 1` unless given): forked workers' stages would not be counted here.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = {  # label: (module, attribute)
    "load corpora": ("unibench.datasets", "load_corpus"),
    "load lexicon": ("unibench.lexicon.registry", "load_lexicon"),
    "collect (read extractions)": ("unibench.runner", "collect"),
    "read responses (name2reason)": ("unibench.adapters.affectgpt_npz", "AffectGPTNpz.outputs"),
    "lexicon prepare (native)": ("unibench.scoring", "prepare"),
    "score": ("unibench.scoring", "score_task"),
    "intervals": ("unibench.intervals", "checkpoint_intervals"),
    "per-sample columns (scoring)": ("unibench.scoring", "columns"),
    "per-sample columns (stages)": ("unibench.runner", "stage_columns"),
    "diagnostics": ("unibench.runner", "diagnostics"),
    "encode per-sample store": ("unibench.store", "encode_samples"),
    "json.dumps": ("json", "dumps"),
    "write files": ("unibench.paths", "write_atomic_many"),
}


def _timed(spent: dict, label: str, f):
    @functools.wraps(f)
    def g(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - t
    return g


def main(argv: list[str]) -> int:
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as unibench.cli.main sets it, before numpy loads here:
    # else BLAS threads spin beside the run and process_time counts them
    import unibench.commands.run  # noqa: F401  (imported before timing main, as the CLI would)
    import unibench.runner  # noqa: F401
    from unibench.cli import main as cli

    spent: dict[str, float] = {}
    for label, (module, attr) in STAGES.items():
        owner = importlib.import_module(module)
        *path, name = attr.split(".")
        for p in path:
            owner = getattr(owner, p)
        if not hasattr(owner, name):
            continue  # a stage that no longer exists under this name shows 0
        original = getattr(owner, name)
        wrapped = _timed(spent, label, original)
        setattr(owner, name, wrapped)
        for mod in list(sys.modules.values()):  # modules that imported the function by name
            if getattr(mod, "__name__", "").startswith("unibench."):
                for key, value in list(vars(mod).items()):
                    if value is original:
                        setattr(mod, key, wrapped)

    if "--jobs" not in argv:
        argv = [*argv, "--jobs", "1"]
    start = time.process_time()
    stdout, sys.stdout = sys.stdout, open("/dev/null", "w")
    try:
        code = cli(argv)
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    total = time.process_time()
    print(f"{'before main':30s} {start:6.3f} s")
    for label in STAGES:
        print(f"{label:30s} {spent.get(label, 0.0):6.3f} s")
    print(f"{'main':30s} {total - start:6.3f} s\n{'process':30s} {total:6.3f} s (exit {code})")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
