"""The one accessor of per-sample records: every reader (report, compare) goes through `sample_records`, so where
per-sample data is stored is known in exactly one place.

Today a result file keeps them inline: `records` = {checkpoint name: [row, ...]} for the kept checkpoints (rows as
`unibench.scoring.records` and `unibench.runner._record` build them); `--no-records` results have none.
"""

from __future__ import annotations

from pathlib import Path


def sample_records(path: Path, doc: dict, checkpoint: str) -> list[dict] | None:
    """The per-sample rows of one kept checkpoint of the result `doc` (read from `path`), or None when the result
    stores none for it."""
    stored = doc.get("records")
    if not isinstance(stored, dict):
        return None
    rows = stored.get(checkpoint)
    return rows if isinstance(rows, list) else None
