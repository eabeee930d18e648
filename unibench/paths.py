"""Where unibench keeps its caches, and content checksums for provenance."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path:
    """$UNIBENCH_CACHE_DIR, else ~/.cache/unibench (created on demand)."""
    root = os.environ.get("UNIBENCH_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "unibench")
    return Path(root)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def combine_sha256(named) -> str:
    """One checksum over (path, sha256) pairs: file names and contents, in the given order."""
    h = hashlib.sha256()
    for path, sha in named:
        h.update(Path(path).name.encode() + b"\0" + bytes.fromhex(sha))
    return h.hexdigest()


def sha256_files(paths) -> str:
    """One checksum over several files (names and bytes, in the given order)."""
    return combine_sha256((p, sha256_file(p)) for p in paths)


def write_atomic(path: str | Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
