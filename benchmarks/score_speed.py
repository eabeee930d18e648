"""Scoring speed and memory of whole `unibench run` processes, side by side with their peers (issue 14's targets).

Every figure is a whole process (interpreter start to exit), timed by wall clock, with the child's peak RSS and
CPU time from os.wait4 (CPU time says more than wall time on a machine shared with other jobs); commands that are
compared alternate round by round, and medians are printed. No recorded figure is
divided by: the peer runs in the same benchmark run. Both tools run with Python's defaults (PYTHONDONTWRITEBYTECODE
removed from the environment, so each caches its bytecode as an installed tool does).

1. Default lexicon: `unibench run` on every labelled reference corpus x its 7 AffectGPT checkpoints,
   `--checkpoint all`, 95% intervals (1000 resamples), cached extractions, with the default `native` lexicon vs
   `--lexicon affectgpt:PATH` (the upstream lexicon). Warm (the cache folder filled by an earlier run, the normal
   case), alternating; then cold (an empty cache folder each round: native word vectors embedded by MiniLM).
   Targets: warm native <= 1.5x the upstream lexicon's time and < 300 MB; cold < 30 s.
2. The same corpora and checkpoints, upstream lexicon, vs the upstream MER-UniBench scorer on the same files
   (`../shared/upstream/setup.sh` builds it: AffectGPT's evaluation-scoreonly.py with upstream's pins; its
   time_score.py scores every laid-out dataset x checkpoint and checks the golden numbers). Target >= 15x.
3. 132,000 synthetic open-vocabulary samples (OV-MERD+ layout, --allow-partial; cached extractions in AffectGPT's
   layout), one checkpoint, upstream lexicon, default policy, intervals and records, one whole process.
   Targets < 5 s and < 500 MB. (No peer: upstream's runner does not score this layout.)
4. What `--jobs` buys on this machine (part 2's run, upstream lexicon), alternating: `--jobs 1`; the default
   (every core); and two `--jobs 1` processes started together, whose wall time against one alone says how much
   the machine slows each process down when both cores are busy (no target: it explains part 2's figure). Then
   the largest corpus alone (MELD), `--jobs 1` vs the default, which splits its checkpoints between the cores.
5. With `--baseline DIR` (another checkout, e.g. `git worktree add DIR <commit>`): part 2's run, the largest
   corpus alone and part 3's synthetic set, this tree vs that checkout, alternating (what a change bought,
   measured side by side).

Usage: python benchmarks/score_speed.py [--reference ../shared/reference] [--rounds 5] [--cold-rounds 2]
       [--upstream DIR (built with setup.sh when missing)] [--only 1,2,3,4] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = (("mer2023", "mer2023-dataset-process"), ("meld", "meld-process"), ("mosi", "cmumosi-process"),
           ("sims", "sims-process"))


Sample = tuple[float, float, float, int]  # wall s, peak MB, CPU s, minor page faults


def measure(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> Sample:
    """(wall seconds, peak RSS in MB, CPU seconds, minor page faults) of one whole child process; a failure stops
    the benchmark."""
    return together([cmd], env, cwd)


def together(cmds: list[list[str]], env: dict | None = None, cwd: Path | None = None) -> Sample:
    """`cmds` started at once: wall time until the last one exits, the highest peak RSS, CPU seconds and minor
    page faults summed (a process's figures include its forked workers, which it waits for). A failure stops the
    benchmark."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: no child blocks on a full stderr
        t = time.perf_counter()
        procs = [subprocess.Popen(c, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err) for c in cmds]
        ended = [os.wait4(p.pid, 0) for p in procs]
        wall = time.perf_counter() - t
        for c, (_, status, _) in zip(cmds, ended):
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                err.seek(0)
                raise SystemExit(f"failed ({code}): {' '.join(map(str, c))}\n{err.read().decode()[-2000:]}")
    usage = [u for _, _, u in ended]
    return (wall, max(u.ru_maxrss for u in usage) / 1024,  # ru_maxrss: kilobytes on Linux
            sum(u.ru_utime + u.ru_stime for u in usage), sum(u.ru_minflt for u in usage))


def rounds(commands: dict[str, tuple[list[str], dict]], n: int, before=None, cwd: Path | None = None
           ) -> dict[str, list[Sample]]:
    """Run each command once per round, in alternating order (A B, B A, ...), `before(name)` ahead of each."""
    out: dict[str, list[Sample]] = {k: [] for k in commands}
    names = list(commands)
    for r in range(n):
        for name in (names if r % 2 == 0 else names[::-1]):
            if before:
                before(name)
            cmd, env = commands[name]
            out[name].append(measure(cmd, env=env, cwd=cwd))
    return out


def summary(samples: list[Sample]) -> tuple[float, float]:
    """Median wall time and the highest peak RSS."""
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def line(label: str, samples: list[Sample]) -> str:
    t, m = summary(samples)
    cpu = statistics.median(s[2] for s in samples)
    times = ", ".join(f"{s[0]:.2f}" for s in samples)
    return f"  {label:40s} median {t:6.2f} s (cpu {cpu:5.2f} s)  peak {m:4.0f} MB  (rounds: {times})"


def unibench(reference: Path, datasets: list[str], results: Path, lexicon: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "unibench", "run", "--model", f"affectgpt-npz:{reference / 'output'}",
           "--dataset", ",".join(datasets), "--data-root", str(reference / "dataset"), "--checkpoint", "all",
           "--results-dir", str(results), "--format", "json"]
    return cmd + (["--lexicon", lexicon] if lexicon else [])


def base_env() -> dict:
    """The environment both sides run in: Python's defaults, so bytecode is cached as on any install (a
    PYTHONDONTWRITEBYTECODE set in the shell would make every run recompile both tools' sources)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}


def env_with(cache: Path) -> dict:
    return {**base_env(), "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "UNIBENCH_CACHE_DIR": str(cache)}


def default_lexicon(reference: Path, datasets: list[str], tmp: Path, n: int, n_cold: int) -> None:
    upstream_lex = f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}"
    warm = tmp / "warm-cache"
    commands = {"native (default lexicon), warm": (unibench(reference, datasets, tmp / "r1", None), env_with(warm)),
                "--lexicon affectgpt:..., warm": (unibench(reference, datasets, tmp / "r2", upstream_lex),
                                                  env_with(warm))}
    for cmd, env in commands.values():  # fill the cache folder (word vectors, lexicon tables)
        measure(cmd, env=env)
    got = rounds(commands, n)
    print(f"1. default lexicon: {len(datasets)} corpora x 7 checkpoints, --checkpoint all, 1000-resample intervals")
    for name, s in got.items():
        print(line(name, s))
    (tn, mn), (tu, _) = (summary(s) for s in got.values())
    print(f"  warm native / upstream lexicon: {tn / tu:.2f}x (target <= 1.5x); native peak {mn:.0f} MB "
          f"(target < 300 MB)")
    if n_cold:
        cold = tmp / "cold-cache"

        def empty(_name):
            subprocess.run(["rm", "-rf", str(cold)], check=True)

        got = rounds({"native, cold (empty cache folder)": (unibench(reference, datasets, tmp / "r3", None),
                                                            env_with(cold))}, n_cold, before=empty)
        (s,) = got.values()
        print(line("native, cold (empty cache folder)", s))
        print(f"  cold median {summary(s)[0]:.2f} s (target < 30 s; MiniLM loaded and the unknown words embedded)")


def upstream_runner(up: Path) -> Path:
    if not (up / "scripts" / "time_score.py").is_file():
        print(f"(building the upstream runner in {up} with ../shared/upstream/setup.sh)", flush=True)
        subprocess.run(["bash", str(REPO.parent / "shared" / "upstream" / "setup.sh"), str(up)], check=True,
                       stdout=subprocess.DEVNULL)
    return up


def versus_upstream(reference: Path, datasets: list[str], tmp: Path, n: int, up: Path) -> None:
    up = upstream_runner(up)
    cache = tmp / "vs-cache"
    ours = unibench(reference, datasets, tmp / "r4", f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}")
    theirs = [str(up / "venv" / "bin" / "python"), "time_score.py"]
    measure(ours, env=env_with(cache))  # lexicon tables cached, as any second run has them

    plain = base_env()
    commands = {"unibench run (upstream lexicon)": (ours, env_with(cache), None),
                "upstream scorer (time_score.py)": (theirs, plain, up / "scripts")}  # run from its scripts/
    measure(theirs, env=plain, cwd=up / "scripts")  # both warm: files in the page cache, bytecode compiled
    out: dict[str, list[Sample]] = {k: [] for k in commands}
    for r in range(n):
        for name in (list(commands) if r % 2 == 0 else list(commands)[::-1]):
            cmd, env, cwd = commands[name]
            out[name].append(measure(cmd, env=env, cwd=cwd))
    print(f"2. vs the upstream scorer: the same {len(datasets)} corpora x 7 checkpoints, every checkpoint scored "
          f"(unibench: --checkpoint all, with intervals)")
    for name, s in out.items():
        print(line(name, s))
    (t_ours, _), (t_up, _) = (summary(s) for s in out.values())
    c_ours, c_up = (statistics.median(x[2] for x in s) for s in out.values())
    print(f"  speed-up (upstream median / unibench median): {t_up / t_ours:.1f}x wall, {c_up / c_ours:.1f}x cpu "
          f"(target >= 15x, goal 20x)")


def synthetic_layout(reference: Path, root: Path, n: int) -> tuple[Path, Path]:
    """OV-MERD+ labels and one checkpoint of AffectGPT-layout outputs with cached extractions, from words of the
    upstream lexicon (and a few it lacks), seeded; written with numpy's savez as upstream writes them."""
    import numpy as np

    sys.path.insert(0, str(REPO))
    from unibench.lexicon.upstream import load_upstream

    vocab = sorted(load_upstream(reference / "AffectGPT" / "emotion_wheel").forms)[:3000]
    vocab += ["tension", "humorous", "gratitude"]
    rng = random.Random(0)
    data, out = root / "data", root / "out" / "results-ovmerdplus" / "synthetic"
    (data / "ovmerdplus-process").mkdir(parents=True)
    out.mkdir(parents=True)
    names = [f"s{i:07d}" for i in range(n)]
    with open(data / "ovmerdplus-process" / "ovlabel.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "openset"])
        for name in names:
            w.writerow([name, "[" + ", ".join(rng.sample(vocab, rng.randint(1, 5))) + "]"])
    preds = ["[" + ", ".join(rng.sample(vocab, rng.randint(0, 6))) + "]" for _ in names]
    responses = np.empty((), dtype=object)
    responses[()] = {name: f"The speaker seems {p[1:-1] or 'calm'}." for name, p in zip(names, preds)}
    ck = "checkpoint_000001_loss_0.100"
    np.savez(out / f"{ck}.npz", name2reason=responses)
    np.savez(out / f"{ck}-openset.npz", filenames=np.array(names), fileitems=np.array(preds))
    return data, root / "out"


def synthetic_elsewhere(reference: Path, root: Path, n: int) -> tuple[Path, Path]:
    """synthetic_layout written by a child process: writing it grows a process, and the commands this one starts
    afterwards would report its peak RSS as theirs (Linux carries it across exec)."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); from pathlib import Path; "
            f"import score_speed; score_speed.synthetic_layout(Path({str(reference)!r}), Path({str(root)!r}), {n})")
    subprocess.run([sys.executable, "-c", code], check=True)
    return root / "data", root / "out"


def large_command(reference: Path, data: Path, out: Path, results: Path) -> list[str]:
    return [sys.executable, "-m", "unibench", "run", "--model", f"affectgpt-npz:{out}", "--dataset", "ovmerdplus",
            "--data-root", str(data), "--allow-partial", "--lexicon",
            f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}", "--results-dir", str(results),
            "--name", "out", "--format", "json"]


def large_set(reference: Path, tmp: Path, n_rounds: int, n: int) -> None:
    data, out = synthetic_elsewhere(reference, tmp / "synthetic", n)
    cache = tmp / "large-cache"
    cmd = large_command(reference, data, out, tmp / "r5")
    measure(cmd, env=env_with(cache))  # lexicon tables cached
    got = rounds({f"unibench run, {n // 1000}k samples": (cmd, env_with(cache))}, n_rounds)
    (s,) = got.values()
    size = sum(f.stat().st_size for f in (tmp / "r5" / "out").glob("ovmerdplus.partial*")) / 1e6
    print(f"3. {n:,} synthetic open-vocabulary samples, one checkpoint: loading, scoring (levels 1 and 2), "
          f"1000-resample interval, records, writing ({size:.0f} MB result and per-sample store)")
    print(line(f"unibench run, {n // 1000}k samples", s))
    t, m = summary(s)
    print(f"  median {t:.2f} s, peak {m:.0f} MB (targets < 5 s, < 500 MB)")


def jobs_and_contention(reference: Path, datasets: list[str], tmp: Path, n: int) -> None:
    lex = f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}"
    env = env_with(tmp / "jobs-cache")
    cmd = unibench(reference, datasets, tmp / "r5", lex)
    measure(cmd, env=env)  # lexicon tables cached
    serial = cmd + ["--jobs", "1"]
    twin = unibench(reference, datasets, tmp / "r6", lex) + ["--jobs", "1"]
    variants = {"--jobs 1": (serial,), "default (every core)": (cmd,), "two --jobs 1 at once": (serial, twin)}
    largest = "meld" if "meld" in datasets else datasets[0]
    alone = unibench(reference, [largest], tmp / "r7", lex)
    variants.update({f"{largest} alone, --jobs 1": (alone + ["--jobs", "1"],),
                     f"{largest} alone, default (split by checkpoint)": (alone,)})
    out: dict[str, list[Sample]] = {k: [] for k in variants}
    for r in range(n):
        for name in (list(variants) if r % 2 == 0 else list(variants)[::-1]):
            out[name].append(together(list(variants[name]), env))
    print(f"4. --jobs on {os.cpu_count()} cpus: part 2's run, upstream lexicon")
    for name, got in out.items():
        faults = statistics.median(g[3] for g in got)
        print(line(name, got) + f"  minor faults {faults:,.0f}")
    (t1, _), (td, _), (t2, _), (a1, _), (ad, _) = (summary(x) for x in out.values())
    print(f"  default vs --jobs 1: {t1 / td:.2f}x faster; two processes at once take {t2 / t1:.2f}x as long as one "
          f"alone (2.00x: no second core; 1.00x: a free one); {largest} alone: the default is {a1 / ad:.2f}x "
          f"faster than --jobs 1")


def versus_baseline(reference: Path, datasets: list[str], tmp: Path, n: int, baseline: Path, samples: int) -> None:
    """This tree against another checkout of unibench (e.g. `git worktree add DIR <commit>`), alternating: part 2's
    run, the largest corpus alone and part 3's synthetic set. Each side reads its own code (PYTHONPATH, from a
    neutral working folder: `python -m` puts the working folder first on sys.path) with its own warm cache
    folder."""
    lex = f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}"
    largest = "meld" if "meld" in datasets else datasets[0]
    data, out = synthetic_elsewhere(reference, tmp / "synthetic-5", samples)
    large = f"{samples // 1000}k"
    workloads = ("4 x 7", f"{largest} alone", large)
    sides = ("this tree", f"baseline {baseline.name}")
    commands = {}
    for side, root in zip(sides, (REPO, baseline)):
        env = {**env_with(tmp / f"base-cache-{len(commands)}"), "PYTHONPATH": str(root)}
        res = tmp / f"r8-{len(commands)}"
        for what, cmd in zip(workloads, (unibench(reference, datasets, res / "a", lex),
                                         unibench(reference, [largest], res / "b", lex),
                                         large_command(reference, data, out, res / "c"))):
            measure(cmd, env=env, cwd=tmp)  # lexicon tables cached, bytecode compiled
            commands[f"{side}, {what}"] = (cmd, env)
    got = rounds(commands, n, cwd=tmp)
    print(f"5. this tree vs the checkout at {baseline}: part 2's run, {largest} alone and part 3's {large} set, "
          "upstream lexicon")
    for name, s in got.items():
        print(line(name, s))
    t = {name: summary(s)[0] for name, s in got.items()}
    ratios = ", ".join(f"{what} {t[f'{sides[1]}, {what}'] / t[f'{sides[0]}, {what}']:.2f}x" for what in workloads)
    print(f"  the baseline's median / this tree's: {ratios}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=str(REPO.parent / "shared" / "reference"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cold-rounds", type=int, default=2)
    ap.add_argument("--upstream", default=os.path.join(tempfile.gettempdir(), "ub-upstream"),
                    help="the upstream runner built by ../shared/upstream/setup.sh (built there when missing)")
    ap.add_argument("--only", default="1,2,3,4", help="which parts to run (comma-separated)")
    ap.add_argument("--samples", type=int, default=132_000)
    ap.add_argument("--baseline", default=None, metavar="DIR",
                    help="part 5: another checkout of unibench to run against this tree (e.g. a git worktree)")
    args = ap.parse_args()
    reference = Path(args.reference)
    only = {p.strip() for p in args.only.split(",")}
    datasets = [d for d, folder in CORPORA if (reference / "dataset" / folder).is_dir()]
    if not datasets or not (reference / "output").is_dir():
        raise SystemExit(f"no reference corpora and outputs at {reference}: nothing to measure")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}; "
          f"{args.rounds} alternating rounds; corpora: {', '.join(datasets)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if "1" in only:
            default_lexicon(reference, datasets, Path(tmp), args.rounds, args.cold_rounds)
        if "2" in only:
            versus_upstream(reference, datasets, Path(tmp), args.rounds, Path(args.upstream))
        if "4" in only:
            jobs_and_contention(reference, datasets, Path(tmp), args.rounds)
        if args.baseline:
            versus_baseline(reference, datasets, Path(tmp), args.rounds, Path(args.baseline).resolve(), args.samples)
        if "3" in only:
            large_set(reference, Path(tmp), args.rounds, args.samples)
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
