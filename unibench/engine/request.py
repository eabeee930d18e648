"""What to ask (`ChatRequest`) and where to ask it (`Endpoint`), plus the cache key.

The key is a sha256 over a canonical JSON of everything that determines the
answer: a schema version, the model, the messages, and the decoding settings.
Where the model is served (host, port, URL) is left out, so the same model
behind another port or replica answers from the same cache entries; transport
settings (timeout, concurrency, retries) are left out too, so tuning them never
invalidates the cache (Inspect's rule). The API key is never part of anything we
hash or store. Schema 1 keys also hashed the endpoint URL; `legacy_key` computes
them so caches written before schema 2 are still read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import UserError

# Bump when the canonical form changes (fields added, hashing rule changed): old entries then miss, unless
# `legacy_key` still computes their form (schema 1: the same document plus the endpoint URL).
KEY_SCHEMA_VERSION = 2

# Strings longer than this (base64 images/audio/video, data: URLs) enter the key as their sha256:
# it identifies them just as well and keeps hashing a 10 MB clip from dominating the canonical JSON.
_INLINE_LIMIT = 1024

# Query parameters that carried credentials in schema-1 keys (kept only to recompute those keys).
_SECRET_PARAMS = ("key", "token", "secret", "sig", "signature", "auth", "password")


def public_url(url: str) -> str:
    """The base URL as stored and printed: credentials masked by `unibench.redact` (user:password@ and
    credential-like query parameters become ***), no trailing slash."""
    from unibench.redact import redact_text

    return redact_text(url.strip()).rstrip("/")


def _schema1_url(url: str) -> str:
    """The endpoint URL as schema-1 keys hashed it: credentials and credential-like parameters dropped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query) if not any(s in k.lower() for s in _SECRET_PARAMS)]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), urlencode(sorted(query)), ""))


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible server. Only the *name* of the key's env var is kept here;
    the key itself is read from the environment when a run starts."""

    base_url: str
    api_key_env: str | None = "OPENAI_API_KEY"  # None: the server needs no key (e.g. local vLLM)
    timeout: float = 120.0  # seconds, total per attempt
    max_concurrency: int = 16
    max_retries: int = 3  # retries after a failure that is not a rate limit (5xx, timeout, bad body, ...)
    backoff_base: float = 1.0  # seconds; attempt n sleeps U(0, min(cap, base * 2**(n-1)))
    backoff_cap: float = 30.0
    retry_after_cap: float = 120.0  # never sleep longer than this on a server's Retry-After
    retry_budget: float = 600.0  # seconds from a request's first try after which it is not retried again
    adaptive: bool = True  # AIMD: halve concurrency on 429, grow back slowly on success
    # circuit breaker: stop the run after this many endpoint failures in a row, or when more than
    # breaker_rate of the last breaker_window tries failed at the endpoint (429s excluded: the server is alive)
    breaker_consecutive: int = 20
    breaker_window: int = 100
    breaker_rate: float = 0.5

    def __post_init__(self) -> None:
        try:
            scheme = urlsplit(self.base_url).scheme
        except ValueError:
            scheme = ""
        if not scheme.startswith("http"):
            raise UserError(f"endpoint base_url {public_url(self.base_url)!r} must start with http:// or https://")
        if (self.max_concurrency < 1 or self.max_retries < 0 or self.timeout <= 0 or self.retry_budget < 0
                or self.breaker_consecutive < 1 or self.breaker_window < 1 or not 0 < self.breaker_rate <= 1):
            raise UserError(
                f"endpoint {public_url(self.base_url)}: need max_concurrency >= 1, max_retries >= 0, timeout > 0, "
                "retry_budget >= 0, breaker_consecutive >= 1, breaker_window >= 1, 0 < breaker_rate <= 1"
            )


def _freeze(value: Any) -> Any:
    """A private copy with lists as tuples, so later edits to the caller's dicts cannot change the key."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def _canonical_media(value: Any) -> Any:
    """A JSON-ready copy of the messages where long strings are replaced by their sha256."""
    if isinstance(value, dict):
        return {str(k): _canonical_media(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical_media(v) for v in value]
    if isinstance(value, str) and len(value) > _INLINE_LIMIT:
        return {"sha256": hashlib.sha256(value.encode("utf-8")).hexdigest(), "len": len(value)}
    return value


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion. `messages` are OpenAI chat messages; content may be a string or a
    list of parts (text, image_url, input_audio, video_url). `extra` holds further decoding
    settings sent at the top level of the body, e.g. (("repetition_penalty", 1.05),). `repeat` separates
    otherwise identical *sampled* requests (temperature > 0) so they are neither deduped nor
    served from one cache entry; it is part of the key and never sent."""

    model: str
    messages: tuple[Any, ...]
    temperature: float | None = 0.0
    top_p: float | None = None
    max_tokens: int | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    repeat: int = 0

    def __post_init__(self) -> None:
        # Normalise so that equal settings give equal keys (0 vs 0.0, dict vs tuple, order of extra).
        object.__setattr__(self, "messages", _freeze(list(self.messages)))
        extra = self.extra.items() if isinstance(self.extra, dict) else self.extra
        object.__setattr__(self, "extra", tuple(sorted((str(k), _freeze(v)) for k, v in extra)))
        for name in ("temperature", "top_p"):
            v = getattr(self, name)
            object.__setattr__(self, name, None if v is None else float(v))
        if not self.messages:
            raise UserError(f"ChatRequest for model {self.model!r} has no messages")

    def canonical(self, legacy_endpoint: Endpoint | str | None = None) -> str:
        """The canonical JSON the key hashes; with `legacy_endpoint`, the schema-1 form for that endpoint."""
        doc: dict[str, Any] = {"schema": KEY_SCHEMA_VERSION}
        if legacy_endpoint is not None:
            base = legacy_endpoint.base_url if isinstance(legacy_endpoint, Endpoint) else legacy_endpoint
            doc = {"schema": 1, "endpoint": _schema1_url(base)}
        doc.update({
            "model": self.model,
            "messages": _canonical_media(self.messages),
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "extra": _canonical_media([[k, v] for k, v in self.extra]),
            "repeat": self.repeat,
        })
        try:
            return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise UserError(f"ChatRequest for model {self.model!r} is not JSON-serialisable: {e}") from None

    def key(self) -> str:
        """Cache key: sha256 hex of `canonical()`: model, messages and decoding, not where it is served."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def legacy_key(self, endpoint: Endpoint | str) -> str:
        """The schema-1 key of this request at `endpoint` (caches written before schema 2)."""
        return hashlib.sha256(self.canonical(endpoint).encode("utf-8")).hexdigest()

    def payload(self) -> dict[str, Any]:
        """The JSON body of the chat completion request (unset settings are omitted; `extra` settings sit at the
        top level, where OpenAI-compatible servers such as vLLM read them)."""
        kw: dict[str, Any] = {"model": self.model, "messages": _thaw(self.messages)}
        if self.temperature is not None:
            kw["temperature"] = self.temperature
        if self.top_p is not None:
            kw["top_p"] = self.top_p
        if self.max_tokens is not None:
            kw["max_tokens"] = self.max_tokens
        kw.update((k, _thaw(v)) for k, v in self.extra)
        return kw


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    return value


__all__ = ["ChatRequest", "Endpoint", "KEY_SCHEMA_VERSION", "public_url"]
