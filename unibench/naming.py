"""Result names (results/<name>/) derived from what was scored, short and stable, so two users' runs do not collide.

A file or folder named generically (`output`, `results`, `predictions.csv`, an OV-MER baseline's
`output-reason-7b-subtitle-eng.npz`, ...) says nothing about the model, so its parent folder's name is put in front
(`Chat-UniVi-reason-7b-subtitle-eng`). A name longer than MAX_LEN keeps its first words and gets a short digest of
the whole name (`emercoarse-3fa2c1`), so it stays readable, short and the same on every machine. `--name` overrides
any of it; every name is checked (unibench.paths.safe_name) before a path is built from it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path


MAX_LEN = 48
GENERIC = re.compile(r"^(output|outputs|result|results|pred|preds|prediction|predictions|submission|test|"
                     r"checkpoint|model|run)$", re.IGNORECASE)
_WORDS = re.compile(r"[-_.+\s]+")


def clean(text: str) -> str:
    from unibench.paths import slug

    return slug(text, "")


def shorten(name: str) -> str:
    """`name` if short enough, else its first words (up to 16 characters) and 6 hex digits of its sha256."""
    if len(name) <= MAX_LEN:
        return name
    head = ""
    for word in _WORDS.split(name):
        if head and len(head) + len(word) + 1 > 16:
            break
        head = f"{head}-{word}" if head else word
    return f"{head[:16]}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def from_path(path: str | Path, fallback: str) -> str:
    """A result name for a file or folder: its stem, the parent folder in front when the stem is generic (the
    generic first word dropped: `output-reason-7b` -> `reason-7b`)."""
    p = Path(path)
    stem = p.stem if p.suffix.lower() in (".csv", ".json", ".jsonl", ".npz") else p.name
    words = [w for w in _WORDS.split(stem) if w]
    if not words or GENERIC.match(words[0]):
        parent = clean(p.resolve().parent.name) if p.parent != p else ""
        rest = "-".join(words[1:])
        stem = "-".join(x for x in (parent, rest) if x) or stem
    return shorten(clean(stem)) or fallback
