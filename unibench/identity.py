"""Identities derived from content: a changed rule, prompt or data file can never keep an old version.

`source_digest(modules)` hashes the code of the modules that define a behaviour (comments and blank lines left
out, so rewording a comment does not split comparable results; any change to code or docstrings does).
`digest(obj)` hashes a JSON-able description of settings. Versions are short prefixes of these digests.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import tokenize
from functools import lru_cache
from typing import Any, Iterable

SHORT = 12  # hex digits of a digest shown as a version


def digest(obj: Any) -> str:
    """sha256 of a canonical JSON rendering (sorted keys, no whitespace)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


@lru_cache(maxsize=None)
def _module_tokens(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise RuntimeError(f"identity: cannot read the source of {module}")
    with open(spec.origin, "rb") as fh:
        source = fh.read()
    h = hashlib.sha256()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
    for tok in tokenize.tokenize(io.BytesIO(source).readline):
        if tok.type not in skip:
            h.update(f"{tok.type}:{tok.string}\0".encode())
    return h.hexdigest()


def source_digest(modules: Iterable[str]) -> str:
    """One digest over the token streams of the named modules (order-independent)."""
    return digest({m: _module_tokens(m) for m in sorted(set(modules))})


def short(hexdigest: str) -> str:
    return hexdigest[:SHORT]
