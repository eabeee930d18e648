"""The request engine shared by API model adapters and LLM extractors/judges.

`Engine.run(requests)` returns one `Outcome` per request, in order. Inside:
  1. requests with the same key are sent once (in-flight dedupe);
  2. keys already in the cache are answered without any HTTP call (an entry is reused only if it is a
     complete answer: finish_reason 'stop' and some text);
  3. pre-flight: the first request that needs the network goes alone; if the endpoint fails it (unreachable,
     timeout, 5xx, 401/403/404, a broken body) the run stops there (EndpointDown / EndpointRejected). Once the
     endpoint has answered, later runs of the same Engine (the next checkpoint of an extraction) skip it: the
     circuit breaker still guards them, and a lone request per run would cost one round trip each;
  4. the rest go through a pool of `max_concurrency` workers sharing ONE HTTP connection pool (plain httpx POSTs
     of the chat completion body; the openai client cost ~1 s to import and about 1 ms more CPU per request,
     which capped throughput at concurrency 16), gated by one limiter: an AIMD window plus a shared pause on
     Retry-After;
  5. a 200 is an answer only with non-empty text and finish_reason 'stop'; 429 / 5xx / timeouts / connection
     errors / bad bodies / cut-off or empty answers are retried (429s until `retry_budget` seconds, the rest
     `max_retries` times) with exponential backoff + full jitter, or the server's Retry-After; other 4xx fail
     at once; each failure is named by its cause;
  6. a circuit breaker stops the run (EndpointDown, exit 1) after `breaker_consecutive` endpoint failures in a
     row or more than `breaker_rate` of the last `breaker_window` tries;
  7. each success is written to the cache as soon as it arrives, so a killed or stopped run resumes;
  8. a request that still fails becomes an `Outcome` with `error` set; errors are counted in
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

try:  # httpx2 (the `api` extra): its pool holds up at high concurrency where httpx 0.28's costs ~10x the CPU
    import httpx2 as httpx
except ImportError:  # pragma: no cover - httpx has the same API for what we use
    import httpx  # type: ignore[no-redef]

from ..errors import CheckFailed, UserError
from ..redact import guard_loggers
from .cache import CachedResponse, ResponseCache
from .progress import Progress
from .request import ChatRequest, Endpoint, public_url

log = logging.getLogger("unibench.engine")
# Whoever turns logging on must not get credentials from the HTTP stack's request lines either.
guard_loggers(log.name, httpx.__name__, "httpcore", "httpcore2")
T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})
# Statuses that say the endpoint (not this request) is wrong: bad key, no access, wrong URL or model name.
_ENDPOINT_STATUS = frozenset({401, 403, 404, 407})
# finish_reason values that mean the server gave up on the request (vLLM: abort), not that the answer ended badly.
_ENDPOINT_FINISH = frozenset({"abort", "error"})
PREFLIGHT = 3  # requests sent one by one before the rest; all failing at the endpoint stops the run


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
    at_endpoint: bool = False  # the failure was the endpoint's (unreachable, 5xx, auth), not this request's

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
    """The one gate every request of a run passes on its way to the wire.

    A concurrency window: at most `int(limit)` requests in flight. Additive increase (+1 per window of
    successes, i.e. +1/limit each) up to `max_limit`; multiplicative decrease (halve) on 429. A burst of 429s
    from requests that were already in flight when we cut counts as one signal, so one overload does not collapse
    the window to 1.

    A server's Retry-After pauses everyone, not just the request that got it: nothing is sent until it has
    passed, then one request goes alone as a probe, and the rest follow only once an answer that is not a 429
    comes back. So a rate-limited server sees one request per Retry-After period, not the whole window.
    `async with limiter as probe:` tells a request whether it is that probe (its 429 does not cut the window
    again: the window was not what the server saw).
    """

    def __init__(self, max_limit: int, adaptive: bool = True, min_limit: int = 1, pause_cap: float = 120.0) -> None:
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.adaptive = adaptive
        self.pause_cap = pause_cap
        self.limit = float(max_limit)
        self.lowest = self.limit  # diagnostics: how far we had to back off
        self.in_flight = 0
        self.pauses = 0  # diagnostics: Retry-After pauses honoured
        self.resume_at = 0.0  # monotonic time before which nothing is sent
        self._ignore_429s = 0  # completions still due from before the last cut
        self._gated = False  # after a pause: one probe at a time until a non-429 answer
        self._probe: asyncio.Task | None = None
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> bool:
        while True:
            wait = self.resume_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            async with self._cond:
                if self.resume_at > time.monotonic():
                    continue
                if self._probe is not None or self.in_flight >= int(self.limit):
                    await self._cond.wait()  # every exit notifies; someone is in flight whenever we wait
                    continue
                self.in_flight += 1
                if self._gated:
                    self._probe = asyncio.current_task()
                return self._probe is not None

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.in_flight -= 1
            if self._probe is asyncio.current_task():  # cancelled, or failed without a verdict: next probe
                self._probe = None
            self._cond.notify_all()  # waiters are at most the worker count, so this is cheap

    def on_success(self, probe: bool = False) -> None:
        self._ignore_429s = max(0, self._ignore_429s - 1)
        self._open()
        if self.adaptive:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)

    def on_failure(self, probe: bool = False, retry_after: float | None = None) -> None:
        """An answer that is not a 429 (a 5xx, a bad body, a timeout): the server is not rate limiting, so the
        gate opens; a Retry-After on it (a 503) still pauses everyone."""
        self._open()
        if retry_after is not None:
            self._pause(retry_after)

    def on_rate_limit(self, retry_after: float | None = None, probe: bool = False) -> None:
        if retry_after is not None:
            self._pause(retry_after)
            self._gated = True
            self._probe = None
        if probe:
            return  # a lone probe's 429 says the pause was too short, not that the window is too wide
        if self._ignore_429s > 0:
            self._ignore_429s -= 1
            return
        if self.adaptive:
            self.limit = max(float(self.min_limit), self.limit / 2)
            self.lowest = min(self.lowest, self.limit)
            self._ignore_429s = self.in_flight - 1  # the others were sent before this signal

    def _pause(self, seconds: float) -> None:
        self.pauses += 1
        self.resume_at = max(self.resume_at, time.monotonic() + min(max(0.0, seconds), self.pause_cap))

    def _open(self) -> None:
        self._gated = False
        self._probe = None


class EndpointDown(CheckFailed):
    """The endpoint failed the pre-flight request or tripped the circuit breaker: the run stops (exit 1)
    before anything is written; answers received so far stay cached, so a re-run resumes."""


class EndpointRejected(UserError):
    """The endpoint refused the pre-flight request (bad key, unknown model, wrong URL): exit 2."""


class CircuitBreaker:
    """Counts each try's verdict on the endpoint: a failure of the endpoint (unreachable, timeout, 5xx, 401/403/
    404, a broken body) or not (an answer, or a failure of this request alone such as a 400 or a cut-off answer).
    429s are not counted: a rate-limited server is alive. Trips after `consecutive` endpoint failures in a row, or
    when more than `rate` of the last `window` tries were endpoint failures."""

    def __init__(self, consecutive: int, window: int, rate: float) -> None:
        self.consecutive, self.window, self.rate = consecutive, window, rate
        self.run = 0
        self.recent: collections.deque[bool] = collections.deque(maxlen=window)
        self.last = ""

    def record(self, fault: str | None) -> str | None:
        """Record one try (`fault` = what went wrong at the endpoint, or None); the reason to stop, if any."""
        self.recent.append(fault is not None)
        if fault is None:
            self.run = 0
            return None
        self.run += 1
        self.last = fault
        if self.run >= self.consecutive:
            return f"{self.run} tries in a row failed at the endpoint (last: {fault})"
        failed = sum(self.recent)
        if len(self.recent) == self.window and failed > self.rate * self.window:
            return f"{failed} of the last {self.window} tries failed at the endpoint (last: {fault})"
        return None


class _Status(Exception):
    """A non-2xx answer: its status, headers (Retry-After) and the server's message, one line, bounded (bodies can
    echo whole prompts) and redacted (some servers echo the key they rejected)."""

    def __init__(self, response: Any) -> None:
        super().__init__(response.status_code)
        self.code, self.headers = response.status_code, response.headers
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):
            data = None
        detail = (data.get("error") or data.get("detail") or data.get("message")) if isinstance(data, dict) else None
        self.message = _message(detail) if detail else _short_text(response.text or response.reason_phrase or "")


class _Bad(Exception):
    """A 200 that is not an answer. `at_endpoint`: the server is broken (not this request's fault)."""

    def __init__(self, kind: str, at_endpoint: bool) -> None:
        super().__init__(kind)
        self.kind, self.at_endpoint = kind, at_endpoint


def _message(value: Any, limit: int = 120) -> str:
    if isinstance(value, dict):
        value = value.get("message") or value.get("msg") or value.get("type") or json.dumps(value)[:limit]
    return _short_text(str(value), limit)


def _parse(body: bytes) -> CachedResponse:
    """Validate a chat completion body ourselves: a 200 is an answer only with a non-empty text content that
    ended by itself (finish_reason 'stop'); everything else is a failure named by its cause."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise _Bad("body is not JSON", True) from None
    if not isinstance(data, dict):
        raise _Bad("body is not a JSON object", True)
    if data.get("error"):
        raise _Bad(f"error body in a 200 answer: {_message(data['error'])}", True)
    choices = data.get("choices")
    if choices is None:
        raise _Bad("no choices in the body", True)
    if not isinstance(choices, list):
        raise _Bad("choices is not a list", True)
    if not choices:
        raise _Bad("empty choices", True)
    choice = choices[0]
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        raise _Bad("no message in the first choice", True)
    finish = choice.get("finish_reason")
    text = message.get("content")
    why = f"finish_reason {finish!r}" if finish is not None else "no finish_reason"
    if text is None:
        refusal = message.get("refusal")
        raise _Bad(f"null content ({why}" + (f"; refusal: {_message(refusal, 80)})" if refusal else ")"), False)
    if not isinstance(text, str):
        raise _Bad(f"content is a {type(text).__name__}, not a string", True)
    if not text.strip():
        raise _Bad(f"empty content ({why})", finish in _ENDPOINT_FINISH)
    if finish != "stop":
        cut = " (cut off at max_tokens)" if finish == "length" else ""
        raise _Bad(f"{why}, not 'stop'{cut}", finish in _ENDPOINT_FINISH)
    model = data.get("model")
    return CachedResponse(text=text, model=model if isinstance(model, str) else None, finish_reason=finish,
                          created=time.time())


def usable(c: CachedResponse) -> bool:
    """A cached answer is reused only if it would be accepted today (caches written before the finish-reason
    rule may hold cut-off or empty answers: those are asked again)."""
    return c.finish_reason == "stop" and bool(c.text and c.text.strip())


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


_DEFAULT: Literal["default"] = "default"


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
        self.verified = False  # the endpoint has answered one of this Engine's requests: no more pre-flights

    # -- public API -------------------------------------------------------------------------
    def run(self, requests: list[ChatRequest], progress_label: str = "requests") -> list[Outcome]:
        """Synchronous wrapper around `arun` for callers without an event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(requests, progress_label))
        raise RuntimeError("Engine.run() called inside an event loop; use `await engine.arun(...)`")

    async def arun(self, requests: list[ChatRequest], progress_label: str = "requests") -> list[Outcome]:
        """One Outcome per request, in order. Raises EndpointDown (exit 1) when the pre-flight request or the
        circuit breaker finds the endpoint broken, EndpointRejected (exit 2) when it refuses the pre-flight."""
        t0 = time.monotonic()
        ep = self.endpoint
        keys = [r.key() for r in requests]
        first: dict[str, int] = {}  # key -> first request index carrying it
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        copies = collections.Counter(keys)
        hits = self._cached(first, requests)
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
                await self._send_all(todo, requests, first, copies, results, stats, bar, progress_label)
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
    def _cached(self, first: dict[str, int], requests: list[ChatRequest]) -> dict[str, CachedResponse]:
        """Usable cached answers by key; schema-1 entries (keyed with the endpoint URL) are read too and carried
        over to their schema-2 key."""
        if self.cache is None:
            return {}
        hits = {k: c for k, c in self.cache.get_many(first).items() if usable(c)}
        legacy = {requests[i].legacy_key(self.endpoint): k for k, i in first.items() if k not in hits}
        for old, c in self.cache.get_many(legacy).items():
            if usable(c):
                hits[legacy[old]] = c
                self.cache.put(legacy[old], c)
        return hits

    def _api_key(self) -> str | None:
        from unibench.redact import register

        name = self.endpoint.api_key_env
        if name is None:
            return None  # a keyless server: no Authorization header at all
        value = os.environ.get(name)
        if not value:
            raise UserError(
                f"environment variable {name} is not set: export it with the API key for "
                f"{public_url(self.endpoint.base_url)} (or set api_key_env=None for a keyless server)"
            )
        register(value)  # masked in every message from now on, whatever a server echoes
        if not (value.isascii() and value.isprintable()) or any(c.isspace() for c in value):
            raise UserError(f"environment variable {name} holds spaces, control or non-ASCII characters, which no "
                            "API key has and an HTTP header cannot carry: export the key alone")
        return value

    def _client(self) -> httpx.AsyncClient:
        from unibench import __version__

        ep = self.endpoint
        api_key = self._api_key()  # first: a missing key must not leave an open pool behind
        # One connection pool per run, sized to the concurrency we allow, so no request ever waits for a socket.
        return httpx.AsyncClient(
            base_url=ep.base_url.rstrip("/") + "/",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "User-Agent": f"unibench/{__version__}",
                     **({"Authorization": f"Bearer {api_key}"} if api_key is not None else {})},
            limits=httpx.Limits(max_connections=ep.max_concurrency, max_keepalive_connections=ep.max_concurrency),
            timeout=httpx.Timeout(ep.timeout + 5.0, connect=min(10.0, ep.timeout)),
            verify=_ssl_context(),
            follow_redirects=True,  # httpx drops the Authorization header when a redirect leaves the host
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
        label: str,
    ) -> None:
        ep = self.endpoint
        client = self._client()  # raises UserError before any work if the key is missing
        self.limiter = limiter = AimdLimiter(ep.max_concurrency, ep.adaptive, pause_cap=ep.retry_after_cap)
        breaker = CircuitBreaker(ep.breaker_consecutive, ep.breaker_window, ep.breaker_rate)
        queue = collections.deque(todo)

        def stop(reason: str) -> EndpointDown:
            done = sum(1 for o in results.values() if o.ok and not o.cached)
            return EndpointDown(
                f"{label}: stopped: {reason} against {public_url(ep.base_url)} (model {requests[first[todo[0]]].model})"
                f"; nothing written. The {done} answers received in this step are cached: fix the endpoint and "
                "re-run to resume")

        async def one(k: str) -> Outcome:
            o = await self._one(client, limiter, breaker, requests[first[k]], k, stats, stop)
            results[k] = o
            bar.advance(copies[k], errors=0 if o.ok else copies[k])
            return o

        async def worker() -> None:
            while queue:
                await one(queue.popleft())

        try:
            # Pre-flight: requests go one at a time until the endpoint answers, so a dead or misconfigured
            # endpoint costs a few requests' tries, not every sample's. A request failing alone (a 500 on one odd
            # sample) is not the endpoint's fault, hence up to PREFLIGHT of them before stopping.
            tried: list[Outcome] = []
            while queue and not self.verified and len(tried) < PREFLIGHT:
                o = await one(queue.popleft())
                if o.ok or not o.at_endpoint:
                    self.verified = True
                    break
                tried.append(o)
            if len(tried) == PREFLIGHT and queue:
                model = requests[first[todo[0]]].model
                msg = (f"{label}: {PREFLIGHT} pre-flight requests to {public_url(ep.base_url)} (model {model}) failed "
                       f"(last: {tried[-1].error}); nothing else was sent, nothing written")
                if all((o.error or "").startswith(("http 401", "http 403", "http 404", "http 407")) for o in tried):
                    raise EndpointRejected(f"{msg}. Check the API key (${ep.api_key_env}), the model name and the "
                                           "base URL")
                raise EndpointDown(f"{msg}. Is the server up at that URL? Re-run when it is (finished calls are "
                                   "cached)")
            # A fixed pool of workers (not one task per request) keeps memory flat for 10^5 requests.
            workers = [asyncio.create_task(worker()) for _ in range(min(ep.max_concurrency, len(queue)))]
            try:
                await asyncio.gather(*workers)
            finally:
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        finally:
            await client.aclose()

    async def _one(self, client: httpx.AsyncClient, limiter: AimdLimiter, breaker: CircuitBreaker,
                   req: ChatRequest, key: str, stats: RunStats, stop) -> Outcome:
        """One request with its retries. Rate limits (429) are retried until `retry_budget` seconds have passed
        since the first try; other retryable failures `max_retries` times (within the same budget)."""
        ep = self.endpoint
        start = time.monotonic()
        tries = failures = 0
        while True:
            tries += 1
            hint: float | None = None
            rate_limited = final = False
            fault: str | None = None  # what went wrong at the endpoint, for the circuit breaker
            async with limiter as probe:  # the slot is held only while on the wire, not while backing off
                stats.http_calls += 1
                try:
                    body = json.dumps(req.payload()).encode()
                    raw = await _with_deadline(client.post("chat/completions", content=body), ep.timeout)
                    if raw.status_code >= 300:
                        raise _Status(raw)
                    resp = _parse(raw.content)
                except _Status as e:
                    code = e.code
                    kind = f"http {code}"
                    hint = _retry_after(e.headers)
                    rate_limited = code == 429
                    if code not in _RETRYABLE_STATUS:
                        final = True
                        kind = f"http {code}: {e.message}"
                    if code >= 500 or code in _ENDPOINT_STATUS:
                        fault = kind
                except (httpx.TimeoutException, asyncio.TimeoutError):
                    kind = fault = "timeout"
                except httpx.HTTPError:  # refused, reset, DNS, a protocol violation, a redirect loop, a bad encoding
                    kind = fault = "connection error"
                except _Bad as bad:
                    kind = bad.kind
                    fault = kind if bad.at_endpoint else None
                else:
                    limiter.on_success(probe)
                    breaker.record(None)
                    if self.cache is not None:
                        self.cache.put(key, resp)  # now, not at the end: a kill loses only in-flight work
                    return Outcome(
                        text=resp.text, attempts=tries, model=resp.model, finish_reason=resp.finish_reason
                    )
                if rate_limited:
                    limiter.on_rate_limit(hint, probe)
                else:
                    limiter.on_failure(probe, hint)
                    reason = breaker.record(fault)
                    if reason is not None:
                        raise stop(reason)
            if final:
                return Outcome(text=None, error=kind, attempts=tries, at_endpoint=fault is not None)
            failures += 0 if rate_limited else 1
            delay = self._backoff(tries, hint)
            spent = time.monotonic() - start
            if failures > ep.max_retries or spent + delay > ep.retry_budget:
                budget = "" if failures > ep.max_retries else f" in {spent:.0f} s (retry budget {ep.retry_budget:g} s)"
                return Outcome(text=None, error=f"{kind} after {tries} tries{budget}", attempts=tries,
                               at_endpoint=fault is not None)
            await asyncio.sleep(delay)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After when it gave one (capped; the shared limiter holds everyone else back too),
        else full jitter (AWS): U(0, min(cap, base*2^(n-1)))."""
        ep = self.endpoint
        if retry_after is not None:
            return min(max(0.0, retry_after), ep.retry_after_cap)
        return self._rng.uniform(0.0, min(ep.backoff_cap, ep.backoff_base * 2 ** (attempt - 1)))


def _short_text(msg: str, limit: int = 120) -> str:
    from unibench.redact import redact_text

    msg = redact_text(" ".join(msg.split()))
    return msg[:limit] + ("..." if len(msg) > limit else "")
