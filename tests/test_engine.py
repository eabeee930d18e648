"""Engine tests against a real HTTP server on 127.0.0.1 (tests/fake_server.py)."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_server import FakeServer, Reply, completion_body  # noqa: E402

from unibench.engine import AimdLimiter, ChatRequest, Endpoint, EndpointDown, Engine, Outcome, ResponseCache  # noqa: E402
from unibench.engine.progress import Progress  # noqa: E402
from unibench.errors import UserError  # noqa: E402

KEY_ENV = "UNIBENCH_TEST_API_KEY"
SECRET = "sk-test-DO-NOT-STORE-7f3a9c"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)


def endpoint(server: FakeServer, **kw: object) -> Endpoint:
    # Tiny backoff so retry tests take milliseconds, not seconds.
    opts: dict = dict(api_key_env=KEY_ENV, timeout=5.0, max_concurrency=8, max_retries=3, backoff_base=0.01, backoff_cap=0.05)
    opts.update(kw)
    return Endpoint(server.base_url, **opts)


def req(prompt: str, **kw: object) -> ChatRequest:
    return ChatRequest(model="m", messages=({"role": "user", "content": prompt},), **kw)  # type: ignore[arg-type]


def run(server: FakeServer, requests: list[ChatRequest], cache: ResponseCache | None, **kw: object) -> tuple[Engine, list[Outcome]]:
    eng = Engine(endpoint(server, **kw), cache=cache, progress=False, seed=0)
    return eng, eng.run(requests, "test")


# -- key ------------------------------------------------------------------------------------


def test_key_is_canonical_and_excludes_transport_and_where_it_is_served() -> None:
    a = ChatRequest("m", ({"role": "user", "content": "hi"},), temperature=0, extra={"repetition_penalty": 1.05, "seed": 1})
    b = ChatRequest("m", [{"role": "user", "content": "hi"}], temperature=0.0, extra=(("seed", 1), ("repetition_penalty", 1.05)))
    base = "http://host:8000/v1"
    assert a.key() == b.key()
    # neither the endpoint nor transport settings are part of the key: the same model on another port or
    # replica answers from the same entries
    assert "host" not in a.canonical() and "8000" not in a.canonical() and '"schema":2' in a.canonical()
    # schema-1 keys (which hashed the endpoint, credentials stripped) are still computed, to read old caches
    assert a.legacy_key("http://user:pw@HOST:8000/v1?api_key=sk-xyz") == a.legacy_key(base)
    assert a.legacy_key(base) != a.legacy_key("http://other:8000/v1") and a.legacy_key(base) != a.key()
    assert "pw" not in a.canonical("http://user:pw@host:8000/v1") and "sk-xyz" not in a.canonical(base + "?key=sk-xyz")
    # everything that changes the answer changes the key
    for other in (
        ChatRequest("m2", a.messages, temperature=0),
        ChatRequest("m", ({"role": "user", "content": "hi!"},), temperature=0),
        ChatRequest("m", a.messages, temperature=0.7),
        ChatRequest("m", a.messages, temperature=0, max_tokens=5),
        ChatRequest("m", a.messages, temperature=0, extra={"repetition_penalty": 1.1, "seed": 1}),
        ChatRequest("m", a.messages, temperature=0, extra={"repetition_penalty": 1.05, "seed": 1}, repeat=1),
    ):
        assert other.key() != a.key()


def test_key_hashes_large_media() -> None:
    blob = base64.b64encode(os.urandom(60_000)).decode()
    blob2 = base64.b64encode(os.urandom(60_000)).decode()

    def mm(b64: str) -> ChatRequest:
        parts = [
            {"type": "text", "text": "Which emotion?"},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + b64}},
            {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}},
            {"type": "video_url", "video_url": {"url": "file:///clips/a.mp4"}},
        ]
        return ChatRequest("m", ({"role": "user", "content": parts},))

    canon = mm(blob).canonical()
    assert blob not in canon and len(canon) < 2000 and "sha256" in canon
    assert mm(blob).key() != mm(blob2).key()
    assert mm(blob).payload()["messages"][0]["content"][2]["input_audio"]["data"] == blob  # sent intact


# -- happy path, key handling, payload ------------------------------------------------------


def test_echo_payload_and_key_from_env(tmp_path: Path) -> None:
    with FakeServer() as srv:
        reqs = [req(f"p{i}", extra={"repetition_penalty": 1.05}, max_tokens=16) for i in range(20)]
        eng, out = run(srv, reqs, ResponseCache(tmp_path / "c.sqlite"))
    assert [o.text for o in out] == [f"echo: p{i}" for i in range(20)]
    assert all(o.ok and o.attempts == 1 and not o.cached for o in out)
    assert out[0].model == "m-served" and out[0].finish_reason == "stop"
    assert srv.calls == 20 and eng.last_stats.http_calls == 20 and eng.last_stats.n_errors == 0
    assert all(h.get("authorization") == f"Bearer {SECRET}" for h in srv.headers_seen)
    assert srv.payloads[0]["repetition_penalty"] == 1.05 and srv.payloads[0]["max_tokens"] == 16
    assert srv.payloads[0]["temperature"] == 0.0


def test_missing_key_env_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    with FakeServer() as srv:
        with pytest.raises(UserError, match=KEY_ENV):
            run(srv, [req("a")], None)
        assert srv.calls == 0
        # a keyless server (e.g. local vLLM) needs no env var
        _, out = run(srv, [req("a")], None, api_key_env=None)
        assert out[0].text == "echo: a"
        assert "authorization" not in srv.headers_seen[-1]  # no made-up key is sent either
        calls = srv.calls
        for bad in ("sk-abc\n", "sk-ab c", "sk-\u20ac"):  # a pasted newline, a space, a non-ASCII character
            monkeypatch.setenv(KEY_ENV, bad)
            with pytest.raises(UserError, match=f"{KEY_ENV} holds spaces, control or non-ASCII"):
                run(srv, [req("a")], None)
        assert srv.calls == calls


def test_default_cache_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cc"))
    with FakeServer() as srv:
        eng = Engine(endpoint(srv), progress=False)
        assert eng.cache is not None and eng.cache.path == tmp_path / "cc" / "calls.sqlite"
        eng.run([req("a")])
        assert len(eng.cache) == 1


# -- retries, backoff, give-up ---------------------------------------------------------------


def test_500_then_success_is_retried(tmp_path: Path) -> None:
    with FakeServer(lambda p, n: Reply(status=500, body=b"boom") if n <= 2 else Reply()) as srv:
        eng, out = run(srv, [req("a"), req("b")], None)
    assert [o.text for o in out] == ["echo: a", "echo: b"]
    assert [o.attempts for o in out] == [3, 3] and srv.calls == 6


def test_give_up_yields_counted_errors_and_nothing_cached(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    script = lambda p, n: Reply(status=500, body=b"{}") if p.startswith("bad") else Reply()  # noqa: E731
    reqs = [req("ok1"), req("bad1"), req("ok2"), req("bad2"), req("bad2")]
    with FakeServer(script) as srv:
        eng, out = run(srv, reqs, cache, max_retries=3)
        gave_up = "http 500 after 4 tries"
        assert [o.error for o in out] == [None, gave_up, None, gave_up, gave_up]
        assert out[1].text is None and out[1].attempts == 4
        assert srv.per_prompt["bad1"] == 4 and srv.per_prompt["bad2"] == 4  # duplicate bad2 not sent twice
        assert eng.last_stats.n_errors == 3 and eng.last_stats.errors["http 500 after 4 tries"] == 3
        assert len(cache) == 2  # failures are not cached: the next run retries them
        run(srv, reqs, cache, max_retries=0)
        assert srv.per_prompt["bad1"] == 5 and srv.per_prompt["ok1"] == 1


def test_client_errors_are_not_retried() -> None:
    body = b'{"error": {"message": "prompt too long ' + SECRET.encode() + b'"}}'
    with FakeServer(lambda p, n: Reply(status=400, body=body) if p == "a" else Reply()) as srv:
        _, out = run(srv, [req("ok"), req("a")], None)
    assert srv.calls == 2 and out[1].attempts == 1
    assert out[1].error is not None and out[1].error.startswith("http 400") and SECRET not in out[1].error


def test_retry_after_is_honoured_and_capped() -> None:
    with FakeServer(lambda p, n: Reply(status=429, headers={"Retry-After": "0.6"}) if n == 1 else Reply()) as srv:
        t = time.monotonic()
        _, out = run(srv, [req("a")], None)
        took = time.monotonic() - t
    assert out[0].text == "echo: a" and out[0].attempts == 2
    assert 0.55 <= took < 2.5, took  # backoff_base alone would have slept <= 10 ms
    with FakeServer(lambda p, n: Reply(status=503, headers={"Retry-After": "100"}) if n == 1 else Reply()) as srv:
        t = time.monotonic()
        _, out = run(srv, [req("a")], None, retry_after_cap=0.2)
        took = time.monotonic() - t
    assert out[0].ok and 0.15 <= took < 2.0, took


def test_exponential_backoff_grows() -> None:
    stamps: list[float] = []

    def script(p: str, n: int) -> Reply:
        stamps.append(time.monotonic())
        return Reply(status=502, body=b"x")

    with FakeServer(lambda p, n: script(p, n) if p == "a" else Reply()) as srv:
        # full jitter: sleep n is U(0, base*2^(n-1)); with a seed we can bound the total from above
        _, out = run(srv, [req("ok"), req("a")], None, max_retries=4, backoff_base=0.05, backoff_cap=10.0)
    assert out[1].error == "http 502 after 5 tries" and len(stamps) == 5
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert sum(gaps) < 0.05 * (1 + 2 + 4 + 8) + 0.5


def test_backoff_is_full_jitter_and_capped() -> None:
    eng = Engine(Endpoint("http://h/v1", backoff_base=1.0, backoff_cap=8.0, retry_after_cap=30), cache=None, seed=1)
    for n, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 8.0)]:
        draws = [eng._backoff(n, None) for _ in range(400)]
        assert 0 <= min(draws) < 0.1 * ceiling and 0.9 * ceiling < max(draws) <= ceiling
    assert eng._backoff(1, 5.0) >= 5.0  # Retry-After is a floor ...
    assert eng._backoff(1, 1000.0) == 30.0  # ... but capped


def test_timeouts_are_retried_then_reported() -> None:
    with FakeServer(lambda p, n: Reply(delay=1.0) if p == "slow" else Reply()) as srv:
        t = time.monotonic()
        _, out = run(srv, [req("fast"), req("slow")], None, timeout=0.2, max_retries=2)
        took = time.monotonic() - t
    assert out[1].error == "timeout after 3 tries" and out[1].attempts == 3
    assert out[0].text == "echo: fast"
    assert srv.per_prompt["slow"] == 3 and took < 1.5, took


def test_malformed_bodies() -> None:
    bad = {"nonjson": b"<html>oops", "nochoices": b'{"id": "x"}', "nullcontent": completion_body("x", "m").replace(b'"x"', b"null")}
    script = lambda p, n: Reply(body=bad[p]) if p in bad and (n == 1 or p != "nonjson") else Reply()  # noqa: E731
    with FakeServer(script) as srv:
        _, out = run(srv, [req("ok"), req("nonjson"), req("nochoices"), req("nullcontent")], None, max_retries=1)
    assert out[1].text == "echo: nonjson" and out[1].attempts == 2  # junk once, then fine
    assert out[2].error == "no choices in the body after 2 tries"
    assert out[3].error == "null content (finish_reason 'stop') after 2 tries"


# -- cache, dedupe, resume --------------------------------------------------------------------


def test_rerun_hits_cache_with_zero_calls(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    reqs = [req(f"p{i}") for i in range(15)]
    with FakeServer() as srv:
        _, first = run(srv, reqs, ResponseCache(path))
        assert srv.calls == 15
        eng, again = run(srv, reqs, ResponseCache(path))  # a fresh connection, as a new process would have
        assert srv.calls == 15 and eng.last_stats.http_calls == 0
    assert [o.text for o in again] == [o.text for o in first]
    assert all(o.cached and o.attempts == 0 for o in again)
    assert again[0].model == "m-served"


def test_identical_requests_in_flight_are_sent_once() -> None:
    reqs = [req(f"p{i % 3}") for i in range(12)]
    with FakeServer(lambda p, n: Reply(delay=0.05)) as srv:
        eng, out = run(srv, reqs, None)
    assert srv.calls == 3 and sorted(srv.per_prompt.values()) == [1, 1, 1]
    assert [o.text for o in out] == [f"echo: p{i % 3}" for i in range(12)]
    assert sum(o.attempts for o in out) == 3 and eng.last_stats.unique == 3


def test_cancel_midway_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    reqs = [req(f"p{i}") for i in range(20)]
    with FakeServer(lambda p, n: Reply(delay=0.05)) as srv:
        eng = Engine(endpoint(srv, max_concurrency=2), cache=ResponseCache(path), progress=False)

        async def cancelled() -> None:
            task = asyncio.create_task(eng.arun(reqs))
            await asyncio.sleep(0.2)  # about 6-8 of the 20 done
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancelled())
        done_before = len(ResponseCache(path))
        assert 2 <= done_before < 20
        _, out = run(srv, reqs, ResponseCache(path))
    assert [o.text for o in out] == [f"echo: p{i}" for i in range(20)]
    assert sum(o.cached for o in out) == done_before
    assert max(srv.per_prompt.values()) <= 2  # only the cancelled in-flight ones were sent twice
    assert srv.calls <= 20 + 2  # at most max_concurrency requests were lost in flight


_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from unibench.engine import ChatRequest, Endpoint, Engine, ResponseCache
    ep = Endpoint(sys.argv[2], api_key_env="UNIBENCH_TEST_API_KEY", max_concurrency=2)
    reqs = [ChatRequest("m", ({"role": "user", "content": f"p{i}"},)) for i in range(40)]
    Engine(ep, cache=ResponseCache(sys.argv[3]), progress=False).run(reqs)
    """
)


def test_sigkill_midway_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    reqs = [req(f"p{i}") for i in range(40)]
    with FakeServer(lambda p, n: Reply(delay=0.05)) as srv:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(REPO), srv.base_url, str(path)])
        deadline = time.monotonic() + 15
        done = 0
        while time.monotonic() < deadline and done < 10:
            time.sleep(0.02)
            if path.exists():
                try:
                    done = sqlite3.connect(path).execute("SELECT COUNT(*) FROM responses").fetchone()[0]
                except sqlite3.OperationalError:
                    pass  # table not created yet
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert 10 <= done < 40, done
        survived = set(ResponseCache(path).get_many(r.key() for r in reqs))
        calls_before = srv.calls
        _, out = run(srv, reqs, ResponseCache(path))
    assert len(survived) >= done  # everything committed before the kill is still there
    assert [o.text for o in out] == [f"echo: p{i}" for i in range(40)]
    assert srv.calls - calls_before == 40 - len(survived)  # finished work is never resent
    for r in reqs:
        if r.key() in survived:
            assert srv.per_prompt[r.messages[0]["content"]] == 1


def test_api_key_never_written_to_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with FakeServer() as srv:
        run(srv, [req(f"p{i}") for i in range(5)], ResponseCache(path))
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the db plus its -wal / -shm files
    assert b"echo: p3" in blob  # we are looking at the right bytes
    assert SECRET.encode() not in blob and b"authorization" not in blob.lower()


# -- AIMD and progress ------------------------------------------------------------------------


def test_aimd_halves_once_per_window_and_regrows() -> None:
    lim = AimdLimiter(8)
    lim.in_flight = 6  # pretend six requests were on the wire when the first 429 came back
    lim.on_rate_limit()
    assert lim.limit == 4
    for _ in range(5):  # the other five were sent before the cut: one overload, one cut
        lim.on_rate_limit()
    assert lim.limit == 4
    lim.in_flight = 1
    lim.on_rate_limit()
    assert lim.limit == 2
    for _ in range(3):
        lim.on_success()
    assert 2 < lim.limit < 4  # additive: about +1 per window of successes
    for _ in range(100):
        lim.on_success()
    assert lim.limit == 8  # never above the configured maximum
    fixed = AimdLimiter(8, adaptive=False)
    fixed.on_rate_limit()
    assert fixed.limit == 8


def test_429s_reduce_concurrency_in_a_real_run() -> None:
    script = lambda p, n: Reply(status=429, headers={"Retry-After": "0"}) if (p, n) == ("p0", 1) else Reply(delay=0.02)  # noqa: E731
    with FakeServer(script) as srv:
        eng, out = run(srv, [req(f"p{i}") for i in range(40)], None, max_concurrency=8)
    assert all(o.ok for o in out) and srv.calls == 41
    assert eng.limiter is not None
    assert eng.limiter.lowest == 4  # halved once on the 429 ...
    assert eng.limiter.limit == 8  # ... and grown back by the ~22 successes that followed


def test_progress_bar_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progress("judge", total=3, done=1, enabled=True)
    bar.advance(1)
    bar.advance(1, errors=1)
    bar.close()
    assert "judge" in capsys.readouterr().err
    Progress("x", total=1, enabled=False).advance(1)  # disabled: a no-op


def test_run_inside_event_loop_is_refused() -> None:
    async def inner() -> None:
        with pytest.raises(RuntimeError, match="arun"):
            Engine(Endpoint("http://127.0.0.1:1/v1"), cache=None, progress=False).run([req("a")])

    asyncio.run(inner())
