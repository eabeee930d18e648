"""Challenge tracks: the track registry, submission parsing/validation and official-rule scoring.

`unibench.tracks.score(track_id, submission_path, gold_path, **opts) -> dict` is the Python entry point (same
numbers and document as `unibench score-track`); heavy modules load only when a track is scored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def score(track_id: str, submission_path: str | Path, gold_path: str | Path, **opts: Any) -> dict:
    from unibench.tracks.api import score as _score

    return _score(track_id, submission_path, gold_path, **opts)


def save(doc: dict, results_dir: str | Path = "results") -> Path:
    from unibench.tracks.api import save as _save

    return _save(doc, results_dir)
