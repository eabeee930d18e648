"""Fault tolerance of a live run, measured on the whole `unibench run` process against a loopback server.

    /work/venv/bin/python benchmarks/fault_tolerance.py [--rounds 3] [--window 20] [--peer b08113d]

Two datasets (synthetic MER2023, 411 samples, and CMU-MOSI, 686 samples, each with its own subtitles, so every
prompt is distinct) are scored with a text-only model card whose endpoint is a server on 127.0.0.1:

  dead      every request gets a 503 from the start;
  refused   every connection is accepted and closed at once (as a crashed backend behind a proxy);
  midway    the first 150 requests are answered, then every one gets a 503;
  ratelimit every request gets `429 Retry-After: 3` for the first WINDOW seconds, then answers in 20 ms.

Printed per scenario: the requests the server received, the exit code, n_failed (ratelimit) and the wall time,
as the median of the rounds. The peer is the same harness before this work (`--peer`, a commit of this repository,
unpacked with `git archive` into a scratch folder, never a worktree), run in alternation with the current tree.
Targets: at most 300 requests for the two datasets against a dead endpoint; the rate-limit window ridden out with
n_failed 0 and exit 0.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fake_server import FakeServer, Reply, completion_body, prompt_of  # noqa: E402
from tests.synth import make_lexicon, save_label_npz  # noqa: E402

EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]


def make_data(root: Path) -> Path:
    for folder, label, split, n, rec in (
            ("mer2023-dataset-process", "label-6way.npz", "test1_corpus", 411, lambda i: {"emo": EMOS[i % 6], "val": 0}),
            ("cmumosi-process", "label.npz", "test_corpus", 686, lambda i: {"emo": 0, "val": [1.5, -1.0][i % 2]})):
        names = [f"{folder[:4]}_{i:04d}" for i in range(n)]
        save_label_npz(root / folder / label, {split: {k: rec(i) for i, k in enumerate(names)}})
        (root / folder / "transcription-engchi-polish.csv").write_text(
            "name,chinese,english\n" + "".join(f"{k},,utterance number {k}\n" for k in names))
    return root


class CountingRefuser:
    """Accepts each connection and closes it at once; counts them (each is one attempt by the client)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.calls = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.calls += 1
            conn.close()

    def __enter__(self) -> "CountingRefuser":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


def server(kind: str, window: float):
    if kind == "refused":
        return CountingRefuser()
    state = {"t0": None, "n": 0, "in_window": 0}
    lock = threading.Lock()

    def script(payload: dict, nth: int) -> Reply:
        with lock:
            state["n"] += 1
            n = state["n"]
            state["t0"] = state["t0"] or time.monotonic()
            limited = kind == "ratelimit" and time.monotonic() - state["t0"] < window
            state["in_window"] += limited
        if kind == "dead" or (kind == "midway" and n > 150):
            return Reply(status=503, body=b'{"error": {"message": "no healthy upstream"}}')
        if limited:
            return Reply(status=429, headers={"Retry-After": "3"}, body=b'{"error": {"message": "rate limited"}}')
        return Reply(body=completion_body("[happy] " + prompt_of(payload)[-4:], payload["model"]), delay=0.02)

    srv = FakeServer(payload_script=script)
    srv.state = state  # type: ignore[attr-defined]
    return srv


def one_run(code_root: Path, kind: str, window: float, work: Path, lex: Path) -> dict:
    data = work / "data"
    with server(kind, window) as srv:
        cards = work / "cards"
        cards.mkdir(exist_ok=True)
        (cards / "bench.yaml").write_text(json.dumps({
            "name": "bench", "base_url": srv.base_url, "model": "bench-7b", "api_key_env": None,
            "modalities": ["subtitle"], "endpoint": {"max_concurrency": 32, "timeout": 10, "max_retries": 3,
                                                     "backoff_base": 0.05}}))
        cache = tempfile.mkdtemp(dir=work)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "unibench", "run", "--model", "bench", "--adapters-dir", str(cards), "--dataset",
             "mer2023,mosi", "--data-root", str(data), "--lexicon", str(lex), "--extractor", "lexicon",
             "--results-dir", str(Path(cache) / "results"), "--bootstrap", "0", "--format", "json"],
            capture_output=True, text=True, timeout=900, cwd=code_root,  # -m puts the cwd first on sys.path
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(code_root), "UNIBENCH_CACHE_DIR": cache,
                 "HF_HUB_OFFLINE": "1", "HOME": cache})
        took = time.perf_counter() - t
        calls = srv.calls
    n_failed = None
    if proc.returncode == 0:
        n_failed = sum(r.get("n_failed", 0) for r in json.loads(proc.stdout)["results"])
    return {"calls": calls, "exit": proc.returncode, "n_failed": n_failed, "seconds": took,
            "in_window": getattr(srv, "state", {}).get("in_window"), "error": proc.stderr.strip().splitlines()[-1:]}


def unpack(commit: str, dest: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--window", type=float, default=20.0, help="seconds of 429s in the ratelimit scenario")
    ap.add_argument("--peer", default="b08113d", help="commit to compare with (empty: none)")
    ap.add_argument("--scenarios", default="dead,refused,midway,ratelimit")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_data(work / "data")
        lex = make_lexicon(work / "emotion_wheel")
        versions = {"unibench (this tree)": REPO}
        if args.peer:
            versions[f"unibench @ {args.peer}"] = unpack(args.peer, Path(tempfile.mkdtemp(dir=work)))
        rows: dict[tuple[str, str], list[dict]] = {}
        for rnd in range(args.rounds):
            for kind in args.scenarios.split(","):
                for name, root in (versions.items() if rnd % 2 == 0 else reversed(versions.items())):
                    r = one_run(root, kind, args.window, work, lex)
                    rows.setdefault((kind, name), []).append(r)
                    print(f"  round {rnd + 1} {kind:9s} {name}: {r['calls']} requests, exit {r['exit']}, "
                          f"n_failed {r['n_failed']}, {r['seconds']:.1f} s {r['error'] if r['exit'] else ''}",
                          flush=True)
        print(f"\nmedians of {args.rounds} rounds (2 datasets, 1,097 samples, concurrency 32):")
        print(f"{'scenario':10s} {'version':28s} {'requests':>9s} {'exit':>5s} {'n_failed':>9s} {'seconds':>8s}")
        for (kind, name), rs in rows.items():
            med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
            failed = [r["n_failed"] for r in rs if r["n_failed"] is not None]
            print(f"{kind:10s} {name:28s} {med('calls'):9.0f} {statistics.median(r['exit'] for r in rs):5.0f} "
                  f"{(statistics.median(failed) if failed else float('nan')):9.0f} {med('seconds'):8.1f}"
                  + (f"   ({med('in_window'):.0f} requests inside the {args.window:g} s window)"
                     if kind == "ratelimit" else ""))
        print("targets: dead endpoint <= 300 requests for the two datasets; ratelimit n_failed 0, exit 0")


if __name__ == "__main__":
    main()
