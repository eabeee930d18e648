"""Throughput of the request engine against a loopback server that answers after 100 ms.

    /work/venv/bin/python benchmarks/extraction_throughput.py [--delay 0.1] [--per-slot 20] [--checkpoints 7]

The server (tests/fake_server.py) runs in a separate process so its threads do not share
the client's GIL; the cache is disabled so every request is an HTTP call. The ideal rate at
concurrency c is c / delay; the target is >= 90% of ideal at c = 16 (>= 144 of 160 req/s).

Each level runs two calls of the same size: `first call` through a fresh Engine (its first
request goes alone as the pre-flight: one round trip), `next call` through the same Engine
again (the endpoint has answered: no pre-flight), as the LLM extractor runs each checkpoint
after the first. The verdict line is the workload an extraction run is made of: one Engine,
`--checkpoints` successive calls of 16 x per-slot requests each, rate over all of them.

Last, the whole process a user runs (`--whole-rounds`, default 3, alternating nothing: it has no peer):
`unibench run --extractor llm` on MER2023's 7 AffectGPT checkpoints in ../shared/reference (2,877 requests, one
batch: the extractor sends every checkpoint at once), concurrency 16, against a second server that answers a
short label list as the extraction LLM does, the lexicon tables already cached and the call cache empty; requests
over wall time from start to exit, start-up and scoring included. Median printed.

`cpu ms/req` is the client process's CPU per request: once cpu ms/req x ideal rate approaches
the number of cores (shared with the server process), the client is CPU-bound and the rate
flattens whatever the concurrency. `--compare` adds bare httpx (a semaphore and POSTs, no
engine) at each level: the ceiling for the HTTP library we use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from unibench.engine import ChatRequest, Endpoint, Engine  # noqa: E402

LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)


def engine(base_url: str, concurrency: int) -> Engine:
    ep = Endpoint(base_url, api_key_env=None, timeout=30, max_concurrency=concurrency, max_retries=0)
    return Engine(ep, cache=None, progress=False)


def measure(eng: Engine, n: int, tag: str) -> tuple[float, float, int]:
    """(requests/s, client CPU ms per request, errors) for one call of n requests."""
    # Distinct prompts so in-flight dedupe does not collapse them; `tag` keeps calls distinct too.
    reqs = [ChatRequest("bench", ({"role": "user", "content": f"{tag}-{i}"},)) for i in range(n)]
    cpu, t = time.process_time(), time.perf_counter()
    out = eng.run(reqs, tag)
    dt, cpu = time.perf_counter() - t, time.process_time() - cpu
    return n / dt, 1000 * cpu / n, sum(not o.ok for o in out)


def measure_bare_httpx(base_url: str, concurrency: int, n: int) -> float:
    """httpx alone (one pooled client, a semaphore, a JSON POST and json.loads per request)."""
    from unibench.engine.client import httpx

    async def go() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base_url + "/", limits=limits, timeout=30) as http:
            sem = asyncio.Semaphore(concurrency)

            async def one(i: int) -> None:
                async with sem:
                    body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": str(i)}]})
                    r = await http.post("chat/completions", content=body.encode(),
                                        headers={"Content-Type": "application/json"})
                    json.loads(r.content)

            t = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n)))
            return n / (time.perf_counter() - t)

    return asyncio.run(go())


def whole_process(base_url: str, reference: Path, rounds: int) -> list[tuple[float, int, int]]:
    """(wall seconds, HTTP calls, errors) of `rounds` whole `unibench run --extractor llm` processes."""
    lexicon = f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}"
    cmd = [sys.executable, "-m", "unibench", "run", "--model", f"affectgpt-npz:{reference / 'output'}", "--dataset",
           "mer2023", "--data-root", str(reference / "dataset"), "--lexicon", lexicon, "--checkpoint", "all",
           "--format", "json"]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "OPENAI_API_KEY")}
        env["UNIBENCH_CACHE_DIR"] = str(Path(tmp) / "cache")
        # the lexicon tables into the cache folder first (the cache extractor: no request)
        subprocess.run(cmd + ["--results-dir", str(Path(tmp) / "warm")], env=env, check=True, capture_output=True)
        for r in range(rounds):
            (Path(tmp) / "cache" / "calls.sqlite").unlink(missing_ok=True)
            for extra in ("-wal", "-shm"):
                (Path(tmp) / "cache" / f"calls.sqlite{extra}").unlink(missing_ok=True)
            results = Path(tmp) / f"r{r}"
            t = time.perf_counter()
            got = subprocess.run(cmd + ["--results-dir", str(results), "--extractor", "llm", "--extractor-base-url",
                                        base_url, "--extractor-concurrency", "16"],
                                 env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if got.returncode != 0:
                raise SystemExit(f"unibench run failed ({got.returncode}): {got.stderr[-2000:]}")
            calls = json.loads(got.stdout)["extractor_calls"]
            out.append((wall, calls["http_calls"], calls["errors"]))
            shutil.rmtree(results)
    return out


def pct(rate: float, ideal: float) -> str:
    return f"{rate:>7.1f} ({100 * rate / ideal:5.1f}%)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--delay", type=float, default=0.1, help="server latency in seconds")
    ap.add_argument("--per-slot", type=int, default=20, help="requests per concurrency slot (min 40 per level)")
    ap.add_argument("--checkpoints", type=int, default=7, help="calls in the extraction line (AffectGPT has 7)")
    ap.add_argument("--compare", action="store_true", help="also time bare httpx at each level")
    ap.add_argument("--whole-rounds", type=int, default=3, help="rounds of the whole-process line (0: skip it)")
    ap.add_argument("--reference", type=Path,
                    default=Path(os.environ.get("UNIBENCH_REFERENCE", REPO.parent / "shared" / "reference")))
    args = ap.parse_args()

    server = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "fake_server.py"), "--delay", str(args.delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}/v1"
        measure(engine(base, 4), 8, "warmup")  # imports, first connections
        print(
            f"server latency {args.delay * 1000:.0f} ms (separate process), cache off, {args.per_slot} requests/slot, "
            f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}"
        )
        head = (f"{'conc':>5} {'n':>5} {'ideal':>6} {'first call':>17} {'next call':>17} {'cpu ms/req':>10} "
                f"{'errors':>6}")
        print(head + (f" {'bare httpx':>17}" if args.compare else ""))
        for c in LEVELS:
            n, ideal = max(40, c * args.per_slot), c / args.delay
            eng = engine(base, c)
            cold, _, e1 = measure(eng, n, f"c{c}a")
            warm, cpu, e2 = measure(eng, n, f"c{c}b")
            row = f"{c:>5} {n:>5} {ideal:>6.0f} {pct(cold, ideal)} {pct(warm, ideal)} {cpu:>10.2f} {e1 + e2:>6}"
            if args.compare:
                row += f" {pct(measure_bare_httpx(base, c, n), ideal)}"
            print(row, flush=True)
        c, n, k = 16, 16 * args.per_slot, args.checkpoints
        eng, t, errors = engine(base, c), time.perf_counter(), 0
        for i in range(k):
            errors += measure(eng, n, f"x{i}")[2]
        rate = k * n / (time.perf_counter() - t)
        ratio = rate / (c / args.delay)
        verdict = "PASS" if ratio >= 0.9 and not errors else "FAIL"
        print(
            f"an extraction at concurrency 16 ({k} checkpoints x {n} requests, one Engine): {rate:.1f} req/s = "
            f"{100 * ratio:.1f}% of ideal {c / args.delay:.0f}, {errors} errors ({verdict}, target >= 90%)"
        )
        if args.whole_rounds > 0 and (args.reference / "output").is_dir():
            # a server that answers the way the extraction LLM does (a short label list), not with an echo of
            # the 1-2 kB prompt: what comes back is what a real run parses
            short = subprocess.Popen([sys.executable, str(REPO / "tests" / "fake_server.py"), "--delay",
                                      str(args.delay), "--answer", "[happy, relaxed]"],
                                     stdout=subprocess.PIPE, text=True)
            try:
                port = int(short.stdout.readline())  # type: ignore[union-attr]
                got = whole_process(f"http://127.0.0.1:{port}/v1", args.reference, args.whole_rounds)
            finally:
                short.terminate()
                short.wait()
            wall = statistics.median(w for w, _, _ in got)
            calls, errors = got[0][1], sum(e for _, _, e in got)
            rate = calls / wall
            share = rate / (c / args.delay)
            verdict = "PASS" if share >= 0.9 and not errors else "FAIL"
            rounds = ", ".join(f"{w:.2f}" for w, _, _ in got)
            print(f"whole process, unibench run --extractor llm (MER2023 x 7 checkpoints, {calls} requests, "
                  f"concurrency 16): median {wall:.2f} s of {args.whole_rounds} (rounds: {rounds}) = {rate:.1f} "
                  f"req/s, {100 * share:.1f}% of ideal, start-up and scoring included, {errors} errors ({verdict}, "
                  "target >= 90%)")
        elif args.whole_rounds > 0:
            print(f"whole process: skipped ({args.reference / 'output'} not found; --reference DIR)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
