"""Throughput of the request engine against a loopback server that answers after 100 ms.

    /work/venv/bin/python benchmarks/extraction_throughput.py [--delay 0.1] [--per-slot 8]

The server (tests/fake_server.py) runs in a separate process so its threads do not share
the client's GIL; the cache is disabled so every request is an HTTP call. The ideal rate at
concurrency c is c / delay; the target is >= 90% of ideal at c = 16 (>= 144 of 160 req/s).

`cpu ms/req` is the client process's CPU per request: once cpu ms/req x ideal rate approaches
the number of cores (shared with the server process), the client is CPU-bound and the rate
flattens whatever the concurrency. `--compare` adds the bare openai client (semaphore only, no
engine) at each level, to separate the openai client's cost from the engine's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from unibench.engine import ChatRequest, Endpoint, Engine  # noqa: E402

LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)


def measure(base_url: str, concurrency: int, n: int, tag: str) -> tuple[float, float, int]:
    """(requests/s, client CPU ms per request, errors) for one engine run of n requests."""
    ep = Endpoint(base_url, api_key_env=None, timeout=30, max_concurrency=concurrency, max_retries=0)
    # Distinct prompts so in-flight dedupe does not collapse them; `tag` keeps levels distinct too.
    reqs = [ChatRequest("bench", ({"role": "user", "content": f"{tag}-{i}"},)) for i in range(n)]
    eng = Engine(ep, cache=None, progress=False)
    cpu, t = time.process_time(), time.perf_counter()
    out = eng.run(reqs, f"c={concurrency}")
    dt, cpu = time.perf_counter() - t, time.process_time() - cpu
    return n / dt, 1000 * cpu / n, sum(not o.ok for o in out)


def measure_bare_openai(base_url: str, concurrency: int, n: int) -> float:
    """The openai client alone (one shared client, a semaphore, nothing else): the ceiling for us."""
    import httpx2
    import openai

    async def go() -> float:
        http = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=concurrency))
        client = openai.AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, http_client=http)
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with sem:
                await client.chat.completions.with_raw_response.create(
                    model="bench", messages=[{"role": "user", "content": str(i)}], temperature=0.0
                )

        t = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        rate = n / (time.perf_counter() - t)
        await client.close()
        return rate

    return asyncio.run(go())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--delay", type=float, default=0.1, help="server latency in seconds")
    ap.add_argument("--per-slot", type=int, default=20, help="requests per concurrency slot (min 40 per level)")
    ap.add_argument("--compare", action="store_true", help="also time the bare openai client at each level")
    args = ap.parse_args()

    server = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "fake_server.py"), "--delay", str(args.delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}/v1"
        measure(base, 4, 8, "warmup")  # imports, first connections
        print(
            f"server latency {args.delay * 1000:.0f} ms (separate process), cache off, {args.per_slot} requests/slot, "
            f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}"
        )
        head = f"{'conc':>5} {'n':>5} {'req/s':>8} {'ideal':>7} {'% ideal':>8} {'cpu ms/req':>10} {'errors':>6}"
        print(head + (f" {'bare openai req/s':>18}" if args.compare else ""))
        results: dict[int, float] = {}
        for c in LEVELS:
            n = max(40, c * args.per_slot)
            rate, cpu, errors = measure(base, c, n, f"c{c}")
            ideal = c / args.delay
            results[c] = rate
            row = f"{c:>5} {n:>5} {rate:>8.1f} {ideal:>7.0f} {100 * rate / ideal:>7.1f}% {cpu:>10.2f} {errors:>6}"
            if args.compare:
                row += f" {measure_bare_openai(base, c, n):>18.1f}"
            print(row, flush=True)
        ratio = results[16] / (16 / args.delay)
        verdict = "PASS" if ratio >= 0.9 else "FAIL"
        print(
            f"at concurrency 16: {results[16]:.1f} req/s = {100 * ratio:.1f}% of ideal {16 / args.delay:.0f} "
            f"({verdict}, target >= 90%)"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
