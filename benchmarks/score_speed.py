"""Scoring speed and memory: the Spine issue's targets, measured and printed (never asserted in tests).

1. The whole `unibench run` process (default policy: every checkpoint scored, the best kept, with its bootstrap
   interval) on every labelled reference dataset x 7 checkpoints from cached
   extractions (cold: empty lexicon cache; warm: the lexicon tables cached on disk, the normal case).
   Upstream's scorer takes about 9 s for 7 datasets x 7 checkpoints here (5.6 s loop + 3.6 s tables), i.e. about
   0.18 s per (dataset, checkpoint) pair; the target is 10x faster than upstream.
2. Scoring 132,000 synthetic open-vocabulary samples (in process, level 1 and level 2, 5 wheels): < 5 s and
   < 500 MB peak memory.

Usage: python benchmarks/score_speed.py [--reference ../shared/reference] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UPSTREAM_SECONDS_PER_PAIR = 9.0 / 49  # measured upstream: 7 datasets x 7 checkpoints in ~9 s


def time_cli(reference: Path, cache: str, repeat: int) -> tuple[list[float], int]:
    datasets = [d for d, folder in (("mer2023", "mer2023-dataset-process"), ("meld", "meld-process"),
                                    ("mosi", "cmumosi-process"), ("sims", "sims-process"))
                if (reference / "dataset" / folder).is_dir()]
    cmd = [sys.executable, "-m", "unibench", "run", "--model", f"affectgpt-npz:{reference / 'output'}",
           "--dataset", ",".join(datasets), "--data-root", str(reference / "dataset"),
           "--lexicon", str(reference / "AffectGPT/emotion_wheel"), "--format", "json"]
    times = []
    with tempfile.TemporaryDirectory() as res:
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(cmd + ["--results-dir", res], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "UNIBENCH_CACHE_DIR": cache})
            times.append(time.perf_counter() - t)
    return times, len(datasets)


def synthetic_open_vocab(reference: Path | None, n: int = 132_000) -> None:
    sys.path.insert(0, str(REPO))
    from unibench.schema import Extraction, Sample
    from unibench.scoring import score_open_vocab

    if reference and (reference / "AffectGPT/emotion_wheel").is_dir():
        from unibench.lexicon.upstream import load_upstream

        lexicon = load_upstream(reference / "AffectGPT/emotion_wheel")
        vocab = sorted(lexicon.forms)[:3000] + ["tension", "humorous", "gratitude"]  # some out-of-vocabulary words
    else:
        print("  (no reference lexicon: skipped)")
        return
    rng = random.Random(0)
    samples, ext = [], {}
    for i in range(n):
        sid = f"s{i:07d}"
        samples.append(Sample(id=sid, task="open_vocab", gold=tuple(rng.sample(vocab, rng.randint(1, 5)))))
        ext[sid] = Extraction(labels="[" + ", ".join(rng.sample(vocab, rng.randint(0, 6))) + "]")
    t = time.perf_counter()
    score = score_open_vocab(samples, ext, lexicon).score
    dt = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {n:,} samples scored (5 wheels x level 1 and 2) in {dt:.2f} s; EW-F L1 {score['score']:.2f}; "
          f"peak RSS of the whole process {peak_mb:.0f} MB (target < 5 s, < 500 MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=str(REPO.parent / "shared" / "reference"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    reference = Path(args.reference)
    if (reference / "output").is_dir():
        with tempfile.TemporaryDirectory() as cache:
            cold, n_ds = time_cli(reference, cache, 1)
            warm, _ = time_cli(reference, cache, args.repeat)
        pairs = n_ds * 7
        upstream = UPSTREAM_SECONDS_PER_PAIR * pairs
        med = statistics.median(warm)
        print(f"unibench run, {n_ds} labelled reference datasets x 7 checkpoints ({pairs} pairs), whole process:")
        print(f"  cold (lexicon tables built from xlsx): {cold[0]:.2f} s")
        print(f"  warm (tables cached on disk), median of {len(warm)}: {med:.2f} s  (min {min(warm):.2f})")
        print(f"  upstream, scaled to {pairs} pairs: {upstream:.2f} s -> speed-up {upstream / med:.1f}x "
              f"(against the full upstream 9 s for 49 pairs: {9.0 / med:.1f}x)")
    else:
        print(f"no reference outputs at {reference}: CLI timing skipped")
    print("synthetic open-vocabulary scoring:")
    synthetic_open_vocab(reference if reference.is_dir() else None)


if __name__ == "__main__":
    main()
