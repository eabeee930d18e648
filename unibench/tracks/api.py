"""Score a track submission from Python or the CLI: `score(...)` builds the result document, `save(...)` writes it.

Scores are x100 (fractions times 100) like every unibench number; the stored document carries provenance
(unibench version, sha256 of the submission, gold and every other input file, the lexicon checksum, the options).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from unibench import __version__
from unibench.errors import UserError
from unibench.paths import safe_name, sha256_file, write_atomic
from unibench.redact import redact
from unibench.registry import import_string

__all__ = ["score", "save", "result_path", "OPTION_GROUPS"]

# Python keyword -> the option group a track must declare to accept it.
OPTION_GROUPS = {"lexicon": "lexicon", "groupings": "groupings", "reversed": "reversed", "labels": "labels",
                 "extractor": "extractor", "judge_base_url": "judge", "judge_model": "judge", "judge_column": "judge",
                 "grouping_base_url": "grouping_llm", "grouping_model": "grouping_llm",
                 "embeddings": "embeddings", "gold_column": "gold_column",
                 **{f"extractor_{k}": "extractor_llm" for k in ("base_url", "model", "temperature", "concurrency",
                                                                 "timeout", "retries")}}
EVERY_TRACK = ("as_official",)  # options every scorer takes


def _check_options(track, opts: dict) -> dict:
    given = {k: v for k, v in opts.items() if v not in (None, False, "", ())}
    for key in given:
        if key in EVERY_TRACK:
            continue
        group = OPTION_GROUPS.get(key)
        if group is None:
            raise UserError(f"unknown option '{key}' (known: {', '.join([*OPTION_GROUPS, *EVERY_TRACK])})")
        if group not in track.options:
            flag = "--" + key.replace("_", "-")
            accepted = ", ".join(track.options) or "none"
            raise UserError(f"track {track.id} does not use {flag} (its options: {accepted})")
    return given


def score(track_id: str, submission_path: str | Path, gold_path: str | Path, *, name: str | None = None,
          command: str | None = None, **opts: Any) -> dict:
    """Score `submission_path` against `gold_path` with the official rule of `track_id`; returns the result
    document (nothing is written; see `save`). Raises UserError for bad input, with a one-line message."""
    from unibench.tracks.registry import get_track

    track = get_track(track_id)
    if not track.scorer:
        raise UserError(f"track {track.id} is not scorable: {track.reason}")
    given = _check_options(track, opts)
    sub, gold = Path(submission_path), Path(gold_path)
    for role, p in (("submission", sub), ("gold", gold)):
        if not p.is_file():
            raise UserError(f"{p}: {role} file not found")
    out = import_string(track.scorer)(track, sub, gold, given)
    lex = out.pop("lexicon", None)
    checksums = {role: {path: sha256_file(path)} for role, path in out.pop("files").items()}
    doc = {
        "schema": "unibench.track-result/1",
        "name": name or default_name(sub),
        "track": track.describe(),
        "score": out["score"],
        "undefined": out.get("undefined"),  # why `score` is null: the official scorer returns NaN there
        "direction": track.direction,
        "units": track.units,
        "values": out["values"],
        "n": out["n"],
        "n_extra_ignored": out["n_extra_ignored"],
        "notes": out["notes"],
        "lexicon": lex.describe() if lex is not None else None,
        "extractor": out.get("extractor"),
        "judge": out.get("judge"),
        "records": out["records"],
        "provenance": {
            "unibench_version": __version__,
            "checksums": {**checksums, "lexicon": lex.checksum if lex is not None else None},
            "options": redact({k: (str(v) if isinstance(v, Path) else v) for k, v in given.items()}),
            "command": None if command is None else redact(command),
            "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        },
    }
    return doc


def default_name(submission: Path) -> str:
    """From the submission file (unibench.naming): a generic stem such as an OV-MER baseline's
    `output-reason-7b-subtitle-eng` gets its folder's name in front, so baselines do not share one name."""
    from unibench.naming import from_path

    return from_path(submission, "submission")


def result_path(results_dir: str | Path, name: str, track_id: str) -> Path:
    return Path(results_dir) / safe_name(name, "--name") / f"{safe_name(track_id, 'track id')}.json"


def save(doc: dict, results_dir: str | Path = "results") -> Path:
    """Write `doc` to results/<name>/<track>.json (atomically) and return the path."""
    path = result_path(results_dir, doc["name"], doc["track"]["id"])
    write_atomic(path, json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
    return path
