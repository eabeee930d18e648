"""The one redaction step for everything unibench stores or prints: commands, invocations, URLs, model options,
adapter/extractor descriptions and error messages (server bodies included).

`redact(value)` takes a string, or a list / tuple / dict of them (recursively), and returns a copy where
credentials are replaced by `***`:
  * `scheme://user:password@host` -> `scheme://***@host`;
  * query parameters and `NAME=VALUE` / `"NAME": "VALUE"` pairs whose name is credential-like (key, api_key,
    token, secret, password, sig, ...) -> `NAME=***`;
  * `Bearer ...` / `Basic ...` credentials and well-known key shapes (`sk-...`, `hf_...`, `AIza...`, `ghp_...`);
  * the values of environment variables whose name says they hold a credential (`*_KEY`, `*_TOKEN`, `*_SECRET`,
    `*_PASSWORD`, ...) and every value `register()`ed (the engine registers each API key it reads), wherever they
    appear;
  * in an argument list, the value after a credential-like flag (`--api-key VALUE`);
  * in a dict, the whole value under a credential-like key.
Names stay readable (`api_key_env: "OPENAI_API_KEY"` is a variable name, not a secret, and is kept).
"""

from __future__ import annotations

import os
import re
from typing import Any

MASK = "***"
# Words that make a parameter / field / flag name a credential. Matched against the name's parts, so `max_tokens`
# (parts max, tokens) is not one but `access_token`, `api-key`, `apiKey` and `X-Goog-Api-Key` are.
_WORDS = frozenset({"key", "apikey", "api_key", "token", "accesstoken", "secret", "password", "passwd", "pwd", "sig",
                    "signature", "auth", "authorization", "credential", "credentials", "session", "sessionid"})
_ENV_WORDS = frozenset({"key", "apikey", "token", "secret", "password", "passwd", "credential", "credentials"})
_NAME_ONLY = ("_env",)  # `api_key_env` names a variable: keep it
_MIN_SECRET = 6  # shorter registered / environment values would mask ordinary words

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#@]*@")
_QUERY = re.compile(r"([?&;])([^=&#\s;]+)=([^&#\s;]*)")
_PAIR = re.compile(r"""(?i)(["']?)([a-z][a-z0-9_.\-]*)\1(\s*[=:]\s*)(["']?)([^\s"'&,;}\]]+)""")
_AUTH = re.compile(r"(?i)\b(bearer|basic)(\s+)[a-z0-9._~+/=\-]{6,}")
_SHAPES = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{12,}|\bhf_[A-Za-z0-9]{20,}|\bAIza[0-9A-Za-z_\-]{30,}"
                     r"|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abprs]-[A-Za-z0-9\-]{10,}")
_FLAG = re.compile(r"^--?([A-Za-z0-9][A-Za-z0-9_\-]*)$")

_registered: set[str] = set()


def register(secret: str | None) -> None:
    """Mask this value wherever it appears from now on (e.g. an API key read from the environment)."""
    if secret and len(secret) >= _MIN_SECRET:
        _registered.add(secret)


def is_secret_name(name: str, words: frozenset[str] = _WORDS) -> bool:
    low = str(name).lower()
    if low.endswith(_NAME_ONLY):
        return False
    parts = [p for p in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name)).lower()) if p]
    return low in words or low.replace("-", "_") in words or any(p in words for p in parts)


def _known_values() -> list[str]:
    env = [v for k, v in os.environ.items() if len(v) >= _MIN_SECRET and is_secret_name(k, _ENV_WORDS)]
    return sorted({*env, *_registered}, key=len, reverse=True)  # longest first: a key containing another


def _pair(m: re.Match) -> str:
    q, name, sep, vq, value = m.groups()
    if not is_secret_name(name) or value == MASK:
        return m.group(0)
    return f"{q}{name}{q}{sep}{vq}{MASK}"


def _query(m: re.Match) -> str:
    lead, name, value = m.groups()
    return f"{lead}{name}={MASK}" if value and is_secret_name(name) else m.group(0)


def redact_text(text: str) -> str:
    if not text:
        return text
    for value in _known_values():
        if value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _QUERY.sub(_query, text)
    text = _AUTH.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _PAIR.sub(_pair, text)
    return _SHAPES.sub(MASK, text)


def redact(value: Any) -> Any:
    """A copy of `value` (str, list, tuple, dict, nested) with every credential replaced by `***`."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: (MASK if is_secret_name(str(k)) and isinstance(v, str) and v else redact(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        out = []
        secret_next = False
        for item in value:
            if secret_next and isinstance(item, str):
                out.append(MASK)
                secret_next = False
                continue
            m = _FLAG.match(item) if isinstance(item, str) else None
            secret_next = bool(m and is_secret_name(m.group(1)))
            out.append(redact(item))
        return type(value)(out) if isinstance(value, tuple) else out
    return value


class LogFilter:
    """Redacts a log record's message (the HTTP client logs each request's URL, user:password@ included). A plain
    object with a `filter` method, which logging accepts, so that importing this module does not import logging."""

    def filter(self, record) -> bool:
        record.msg, record.args = redact_text(record.getMessage()), ()
        return True


def guard_loggers(*names: str) -> None:
    """Install LogFilter on these loggers (a logger's filters do not apply to its children: name each one)."""
    import logging

    for name in names:
        log = logging.getLogger(name)
        if not any(isinstance(f, LogFilter) for f in log.filters):
            log.addFilter(LogFilter())


__all__ = ["MASK", "LogFilter", "guard_loggers", "is_secret_name", "redact", "redact_text", "register"]
