"""The request engine shared by API model adapters and LLM extractors/judges.

`Engine.run(requests)` returns one `Outcome` per request, in order. Inside:
  1. requests with the same key are sent once (in-flight dedupe);
  2. keys already in the cache are answered without any HTTP call;
  3. the rest go through a pool of `max_concurrency` workers sharing ONE AsyncOpenAI
     client (openai's own retries off), gated by an AIMD window;
  4. 429 / 5xx / timeouts / connection errors / malformed bodies are retried with
     exponential backoff + full jitter, honouring Retry-After (capped); other 4xx fail at once;
  5. each success is written to the cache as soon as it arrives, so a killed run resumes;
  6. a request that still fails becomes an `Outcome` with `error` set; errors are counted in
     `Engine.last_stats` and logged, never dropped.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Literal, TypeVar

import openai

try:  # openai >= 3 ships on httpx2; older releases on httpx, which has the same API for what we use
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

from ..errors import UserError
from .cache import CachedResponse, ResponseCache
from .progress import Progress
from .request import ChatRequest, Endpoint, public_url

log = logging.getLogger("unibench.engine")
T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})


@dataclass(frozen=True)
class Outcome:
    """The answer to one request. Exactly one of `text` / `error` is set.
    `attempts` counts HTTP tries made for this entry (0 when served from the cache or
    from an identical request in the same run); `cached` is True when no call was made for it."""

    text: str | None
    error: str | None = None
    attempts: int = 0
    cached: bool = False
    model: str | None = None  # model name the server reported (may differ from the one asked for)
    finish_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunStats:
    requests: int = 0
    unique: int = 0  # distinct keys
    cache_hits: int = 0  # distinct keys answered from the cache
    sent: int = 0  # distinct keys that needed the network
    http_calls: int = 0  # every try, including retries
    errors: collections.Counter[str] = field(default_factory=collections.Counter)  # per request
    seconds: float = 0.0

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())


class AimdLimiter:
    """A concurrency window: at most `int(limit)` requests in flight.

    Additive increase (+1 per window of successes, i.e. +1/limit each) up to `max_limit`;
    multiplicative decrease (halve) on 429. A burst of 429s from requests that were already
    in flight when we cut counts as one signal, so one overload does not collapse the window to 1.
    """

    def __init__(self, max_limit: int, adaptive: bool = True, min_limit: int = 1) -> None:
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.adaptive = adaptive
        self.limit = float(max_limit)
        self.lowest = self.limit  # diagnostics: how far we had to back off
        self.in_flight = 0
        self._ignore_429s = 0  # completions still due from before the last cut
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_flight < int(self.limit))
            self.in_flight += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()  # waiters are at most the worker count, so this is cheap

    def on_success(self) -> None:
        self._ignore_429s = max(0, self._ignore_429s - 1)
        if self.adaptive:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)

    def on_rate_limit(self) -> None:
        if self._ignore_429s > 0:
            self._ignore_429s -= 1
            return
        if self.adaptive:
            self.limit = max(float(self.min_limit), self.limit / 2)
            self.lowest = min(self.lowest, self.limit)
            self._ignore_429s = self.in_flight - 1  # the others were sent before this signal


class _Malformed(Exception):
    pass


def _parse(body: bytes) -> CachedResponse:
    """Validate a chat completion body ourselves: a 200 with junk is an error, not an answer."""
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        text = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise _Malformed(type(e).__name__) from None
    if not isinstance(text, str):
        raise _Malformed("content is not a string")
    model = data.get("model")
    finish = choice.get("finish_reason")
    return CachedResponse(
        text=text,
        model=model if isinstance(model, str) else None,
        finish_reason=finish if isinstance(finish, str) else None,
        created=time.time(),
    )


def _retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (numeric form only; HTTP dates are ignored)."""
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue
        if value >= 0:
            return value
    return None


_DEFAULT = "default"


@functools.lru_cache(maxsize=1)
def _ssl_context() -> Any:
    """Loading the CA bundle costs ~25 ms; build it once per process, not once per run."""
    make = getattr(httpx, "create_ssl_context", None)
    return make() if make is not None else True


async def _with_deadline(coro: Awaitable[T], seconds: float) -> T:
    """A total deadline per attempt (httpx's read timeout restarts on every chunk)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):  # no extra task per request, unlike wait_for
            return await coro
    return await asyncio.wait_for(coro, seconds)  # pragma: no cover


class Engine:
    def __init__(
        self,
        endpoint: Endpoint,
        cache: ResponseCache | None | Literal["default"] = _DEFAULT,
        progress: bool = True,
        seed: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.cache: ResponseCache | None = ResponseCache() if isinstance(cache, str) else cache
        self.progress = progress
        self._rng = random.Random(seed)  # jitter only; seedable for tests
        self.last_stats = RunStats()
        self.limiter: AimdLimiter | None = None  # exposed for tests and diagnostics

    # -- public API -------------------------------------------------------------------------
    def run(self, requests: list[ChatRequest], progress_label: str = "requests") -> list[Outcome]:
        """Synchronous wrapper around `arun` for callers without an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(requests, progress_label))
        raise RuntimeError("Engine.run() called inside an event loop; use `await engine.arun(...)`")

    async def arun(self, requests: list[ChatRequest], progress_label: str = "requests") -> list[Outcome]:
        t0 = time.monotonic()
        ep = self.endpoint
        keys = [r.key(ep) for r in requests]
        first: dict[str, int] = {}  # key -> first request index carrying it
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        copies = collections.Counter(keys)
        hits = self.cache.get_many(first) if self.cache is not None else {}
        todo = [k for k in first if k not in hits]
        stats = RunStats(requests=len(requests), unique=len(first), cache_hits=len(hits), sent=len(todo))
        self.last_stats = stats

        results: dict[str, Outcome] = {
            k: Outcome(text=c.text, attempts=0, cached=True, model=c.model, finish_reason=c.finish_reason)
            for k, c in hits.items()
        }
        bar = Progress(
            progress_label,
            total=len(requests),
            done=sum(copies[k] for k in hits),
            enabled=self.progress and sys.stderr.isatty(),
        )
        try:
            if todo:
                await self._send_all(todo, requests, first, copies, results, stats, bar)
        finally:
            bar.close()
            stats.seconds = time.monotonic() - t0

        outcomes: list[Outcome] = []
        for i, k in enumerate(keys):
            o = results[k]
            if i != first[k]:  # a duplicate: answered by the request it duplicates, no call of its own
                o = replace(o, attempts=0, cached=o.ok)
            outcomes.append(o)
            if o.error is not None:
                stats.errors[o.error] += 1
        if stats.n_errors:
            log.warning(
                "%s: %d of %d requests failed against %s: %s",
                progress_label,
                stats.n_errors,
                stats.requests,
                public_url(ep.base_url),
                "; ".join(f"{e} x{n}" for e, n in stats.errors.most_common()),
            )
        return outcomes

    # -- internals --------------------------------------------------------------------------
    def _api_key(self) -> str:
        name = self.endpoint.api_key_env
        if name is None:
            return "unused"  # the openai client insists on some key; keyless servers ignore it
        value = os.environ.get(name)
        if not value:
            raise UserError(
                f"environment variable {name} is not set: export it with the API key for "
                f"{public_url(self.endpoint.base_url)} (or set api_key_env=None for a keyless server)"
            )
        return value

    def _client(self) -> openai.AsyncOpenAI:
        ep = self.endpoint
        api_key = self._api_key()  # first: a missing key must not leave an open pool behind
        # One client and one connection pool per run, sized to the concurrency we allow, so no
        # request ever waits for a socket. openai's retries are off: ours know about the cache.
        http = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=ep.max_concurrency, max_keepalive_connections=ep.max_concurrency),
            timeout=httpx.Timeout(ep.timeout + 5.0, connect=min(10.0, ep.timeout)),
            verify=_ssl_context(),
        )
        return openai.AsyncOpenAI(
            base_url=ep.base_url, api_key=api_key, max_retries=0, timeout=ep.timeout + 5.0, http_client=http
        )

    async def _send_all(
        self,
        todo: list[str],
        requests: list[ChatRequest],
        first: dict[str, int],
        copies: collections.Counter[str],
        results: dict[str, Outcome],
        stats: RunStats,
        bar: Progress,
    ) -> None:
        client = self._client()  # raises UserError before any work if the key is missing
        self.limiter = limiter = AimdLimiter(self.endpoint.max_concurrency, self.endpoint.adaptive)
        queue = collections.deque(todo)

        async def worker() -> None:
            while queue:
                k = queue.popleft()
                o = await self._one(client, limiter, requests[first[k]], k, stats)
                results[k] = o
                bar.advance(copies[k], errors=0 if o.ok else copies[k])

        # A fixed pool of workers (not one task per request) keeps memory flat for 10^5 requests.
        workers = [asyncio.create_task(worker()) for _ in range(min(self.endpoint.max_concurrency, len(todo)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await client.close()

    async def _one(
        self, client: openai.AsyncOpenAI, limiter: AimdLimiter, req: ChatRequest, key: str, stats: RunStats
    ) -> Outcome:
        ep = self.endpoint
        tries = 1 + ep.max_retries
        kind = "unknown error"
        for attempt in range(1, tries + 1):
            wait_hint: float | None = None
            async with limiter:  # the slot is held only while on the wire, not while backing off
                stats.http_calls += 1
                try:
                    create = client.chat.completions.with_raw_response.create(**req.payload())
                    raw = await _with_deadline(create, ep.timeout)
                    resp = _parse(raw.http_response.content)
                except openai.APIStatusError as e:
                    kind = f"http {e.status_code}"
                    if e.status_code not in _RETRYABLE_STATUS:
                        return Outcome(text=None, error=f"{kind}: {_short(e, client.api_key)}", attempts=attempt)
                    wait_hint = _retry_after(e.response.headers)
                    if e.status_code == 429:
                        limiter.on_rate_limit()
                except (openai.APITimeoutError, asyncio.TimeoutError):
                    kind = "timeout"
                except openai.APIConnectionError:
                    kind = "connection error"
                except _Malformed:
                    kind = "malformed response"
                except openai.APIError as e:  # e.g. response validation: unexpected, but per-sample
                    kind = type(e).__name__
                else:
                    limiter.on_success()
                    if self.cache is not None:
                        self.cache.put(key, resp)  # now, not at the end: a kill loses only in-flight work
                    return Outcome(
                        text=resp.text, attempts=attempt, model=resp.model, finish_reason=resp.finish_reason
                    )
            if attempt < tries:
                await asyncio.sleep(self._backoff(attempt, wait_hint))
        return Outcome(text=None, error=f"{kind} after {tries} tries", attempts=tries)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter (AWS): U(0, min(cap, base*2^(n-1))); a server's Retry-After is a floor, capped."""
        ep = self.endpoint
        delay = self._rng.uniform(0.0, min(ep.backoff_cap, ep.backoff_base * 2 ** (attempt - 1)))
        if retry_after is not None:
            delay = max(delay, min(retry_after, ep.retry_after_cap))
        return delay


def _short(e: openai.APIStatusError, secret: str, limit: int = 120) -> str:
    """The server's error message, one line, bounded (bodies can echo whole prompts), and with
    the API key masked (some servers echo the key they rejected)."""
    msg = " ".join(str(getattr(e, "message", "") or e).split())
    if len(secret) >= 4:
        msg = msg.replace(secret, "***")
    return msg[:limit] + ("..." if len(msg) > limit else "")
