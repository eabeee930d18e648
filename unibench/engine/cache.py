"""Persistent response cache: one SQLite file (WAL) keyed by `ChatRequest.key()`.

What is stored is deliberately minimal: the answer text and what the server said
about it (returned model name, finish reason) plus when we stored it. Never the
API key, never request headers, never the endpoint URL: the file is meant to be
shareable. Only complete answers are stored (finish_reason 'stop', non-empty text),
so a failed sample is retried on the next run.

Each `put` commits immediately; with WAL a process killed midway loses at most
the requests that were still in flight.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,          -- sha256 of the canonical request (no secrets)
    text TEXT NOT NULL,
    model TEXT,                    -- model name the server reported
    finish_reason TEXT,
    created REAL NOT NULL          -- unix time the answer was stored
)
"""


@dataclass(frozen=True)
class CachedResponse:
    text: str
    model: str | None = None
    finish_reason: str | None = None
    created: float = 0.0


def default_cache_path() -> Path:
    """`$UNIBENCH_CACHE_DIR/calls.sqlite`, else `~/.cache/unibench/calls.sqlite`."""
    from unibench.paths import cache_dir

    return cache_dir() / "calls.sqlite"


class ResponseCache:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        # The engine may be driven from a thread other than the creator (sync wrapper),
        # so allow cross-thread use and serialise it ourselves.
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL under WAL survives a killed process (not a power cut) and is much faster than FULL.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as err:
            raise self._failed(err, "open") from None

    def _failed(self, err: Exception, doing: str) -> Exception:
        """A cache that cannot be opened or written is bad input (exit 2): a full disk, a read-only folder, or a
        file that is not a call cache. Answers stored before stay in the file."""
        from unibench.paths import WriteFailed

        text = str(err).lower()  # SQLite says "database or disk is full", or "disk I/O error" past a size limit
        full = "full" in text or "disk i/o" in text or getattr(err, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
        fix = ("free some space (or check the disk)" if full else "check the folder is writable and the file is a unibench call cache "
               "(move it away to start a new one)")
        return WriteFailed(errno.ENOSPC if full else getattr(err, "errno", None),
                           f"{self.path}: cannot {doing} the call cache ({err}); {fix}, or set UNIBENCH_CACHE_DIR "
                           "to another folder, then re-run")

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedResponse]:
        keys = list(keys)
        found: dict[str, CachedResponse] = {}
        with self._lock:
            try:
                for i in range(0, len(keys), 500):  # stay under SQLite's variable limit
                    chunk = keys[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(
                        f"SELECT key, text, model, finish_reason, created FROM responses WHERE key IN ({marks})", chunk
                    )
                    for k, text, model, finish, created in rows:
                        found[k] = CachedResponse(text, model, finish, created)
            except sqlite3.Error as err:
                raise self._failed(err, "read") from None
        return found

    def get(self, key: str) -> CachedResponse | None:
        return self.get_many([key]).get(key)

    def put(self, key: str, resp: CachedResponse) -> None:
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO responses (key, text, model, finish_reason, created) VALUES (?,?,?,?,?)",
                    (key, resp.text, resp.model, resp.finish_reason, resp.created or time.time()),
                )
                self._db.commit()
            except sqlite3.Error as err:
                self._db.rollback()
                raise self._failed(err, "write") from None

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "ResponseCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
