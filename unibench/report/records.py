"""The per-sample rows a report or comparison reads: one kept checkpoint's rows from the per-sample store
(`unibench.store.sample_rows`, which also reads the records embedded in `unibench.result/1` files)."""

from __future__ import annotations

from pathlib import Path


def sample_records(path: Path, doc: dict, checkpoint: str) -> list[dict] | None:
    """The per-sample rows of one checkpoint of the result `doc` (read from `path`), or None when the result
    stores none for it (written with --no-records)."""
    from unibench.store import sample_rows

    rows = sample_rows(path, doc, checkpoint)
    return rows or None
