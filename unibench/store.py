"""The stored form of a result: `results/<model>/<dataset>.json` and its per-sample store.

* `<dataset>.json` (schema `unibench.result/2`, JSON Schema in docs/schemas/): scores of the kept checkpoints
  (`results`), of every checkpoint (`checkpoints`), identity (`provenance.run_spec`, its hash and comparability
  key) and a pointer to the per-sample store with its sha256 and row count.
* `<dataset>.samples.jsonl` (schema `unibench.samples/3`): one JSON line per checkpoint, every checkpoint, holding
  that checkpoint's samples by column: the model's response (text, structured prediction, error), the extraction
  (labels, sentiment, error), the gold label and what each sample contributed to the metric. `sample_rows` (and
  `unibench.load_results(dir, samples=True)`) turn it back into one row per (checkpoint, sample).

Columns rather than one object per sample: no key is repeated per sample, so the store is smaller and is written
by a handful of C-level `json` calls instead of one per sample (issue 14's timings). JSON Lines rather than Parquet:
the standard library writes it (no pyarrow in the core) and a checkpoint streams as one line. Stores written as
one row per line (`unibench.samples/2`, format "jsonl") still read.
With `--no-records` there is no per-sample store at all (gold labels and responses stay out of files meant for
committing); such results re-score only by re-running the model.

Old `unibench.result/1` files (records embedded, `provenance.invocation`) still load: `sample_rows` reads their
records and `load_result` accepts both versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from unibench.errors import UserError

SCHEMA = "unibench.result/2"
SCHEMAS = ("unibench.result/1", SCHEMA)
SAMPLES_SUFFIX = ".samples.jsonl"
PAIRED = "pr"  # per wheel a precision and a recall column
COLUMNS_FORMAT = "jsonl-columns"  # samples/3: a line per checkpoint; "jsonl" (samples/2): a line per sample


@dataclass(frozen=True)
class SampleColumns:
    """One checkpoint's per-sample store, by column. `columns` maps a row key to one value per sample (None: that
    sample's row lacks the key), or, for `hit`, a wheel to one value per sample, or, for `pr`, a wheel to a
    precision column and a recall column (None in both: not scored on that wheel; a row's `pr[wheel]` is the
    pair [p, r] or None)."""

    checkpoint: str
    n: int
    columns: Mapping[str, Any]

    def rows(self) -> Iterator[dict]:
        """One dict per sample, as `sample_rows` returns them: the checkpoint, then every column it has."""
        flat = [(k, v) for k, v in self.columns.items() if not isinstance(v, dict)]
        nested = [(k, list(v.items())) for k, v in self.columns.items() if isinstance(v, dict)]
        for i in range(self.n):
            row: dict[str, Any] = {"checkpoint": self.checkpoint}
            for k, col in flat:
                if col[i] is not None:
                    row[k] = col[i]
            for k, per in nested:
                if k == PAIRED:
                    row[k] = {w: None if p[i] is None else [p[i], r[i]] for w, (p, r) in per}
                else:
                    row[k] = {w: vals[i] for w, vals in per}
            yield row

    def to_dict(self) -> dict:
        return {"checkpoint": self.checkpoint, "n": self.n, "columns": self.columns}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SampleColumns":
        n, cols = d.get("n"), d.get("columns")
        if not isinstance(d.get("checkpoint"), str) or not isinstance(n, int) or not isinstance(cols, dict):
            raise ValueError("not a checkpoint's columns")

        def whole(v) -> bool:  # a column of n values
            return isinstance(v, list) and len(v) == n

        for k, c in cols.items():
            ok = whole(c) if isinstance(c, list) else isinstance(c, dict) and all(
                isinstance(v, list) and len(v) == 2 and whole(v[0]) and whole(v[1]) if k == PAIRED else whole(v)
                for v in c.values())
            if not ok:
                raise ValueError(f"column {k!r} does not hold {n} values")
        return cls(d["checkpoint"], n, cols)


def result_path(results_dir: str | Path, model_name: str, dataset: str, partial: bool) -> Path:
    return Path(results_dir) / model_name / (f"{dataset}.partial.json" if partial else f"{dataset}.json")


def samples_path(result_file: str | Path) -> Path:
    p = Path(result_file)
    return p.with_name(p.name[: -len(".json")] + SAMPLES_SUFFIX)


def load_result(path: str | Path) -> dict:
    """A stored result document (either schema version); a UserError for anything else."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as err:
        raise UserError(f"{path}: unreadable result file ({type(err).__name__}: {err})") from None
    if not isinstance(doc, dict) or doc.get("schema") not in SCHEMAS:
        raise UserError(f"{path}: not a unibench result (schema {' or '.join(map(repr, SCHEMAS))} expected)")
    return doc


def encode_samples(blocks: Iterable[SampleColumns]) -> str:
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    return "".join([encode(b.to_dict()) + "\n" for b in blocks])


def sample_rows(path: str | Path, doc: dict, checkpoint: str | None = None) -> list[dict] | None:
    """The per-sample rows of a stored result (of one checkpoint, or all), None when it was stored without them.
    Rows of result/1 files are their embedded records (kept checkpoints only), tagged with their checkpoint."""
    if doc.get("schema") == "unibench.result/1":
        recs = doc.get("records")
        if recs is None:
            return None
        return [dict(r, checkpoint=ck) for ck, rows in recs.items() if checkpoint in (None, ck) for r in rows]
    meta = doc.get("samples")
    if not meta:
        return None
    file = Path(path).parent / meta["file"]
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise UserError(f"{file}: the per-sample store of {path} is unreadable ({type(err).__name__}); "
                        "re-run the model or restore the file") from None
    from hashlib import sha256

    if sha256(text.encode("utf-8")).hexdigest() != meta.get("sha256"):
        raise UserError(f"{file}: its checksum differs from the one {Path(path).name} records; the per-sample "
                        "store was edited or belongs to another run")
    try:
        if meta.get("format") == COLUMNS_FORMAT:
            blocks = [SampleColumns.from_dict(json.loads(line)) for line in text.splitlines() if line]
            return [r for b in blocks if checkpoint in (None, b.checkpoint) for r in b.rows()]
        rows = [json.loads(line) for line in text.splitlines() if line]
    except (ValueError, TypeError, AttributeError) as err:
        raise UserError(f"{file}: not a per-sample store ({err}); re-run the model or restore the file") from None
    return [r for r in rows if checkpoint is None or r.get("checkpoint") == checkpoint]


def iter_result_files(results_dir: str | Path) -> Iterator[Path]:
    """Every `<model>/<dataset>[.partial].json` under a results folder (not shards, not the published tables)."""
    root = Path(results_dir)
    if not root.is_dir():
        return
    for model_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "published"):
        for f in sorted(model_dir.glob("*.json")):
            if ".shard-" not in f.name:
                yield f


def stored_texts(path: Path, doc: dict, samples: Sequence[SampleColumns] | None,
                 encoded: bytes | None = None) -> list[tuple[Path, bytes]]:
    """The files of one result as they are written: the per-sample store (when kept), then the result that points
    at it by name, row count and sha256. `encoded`: the store already encoded (DatasetResult.encoded_samples)."""
    from hashlib import sha256

    out = []
    if samples is not None:
        text = encoded if encoded is not None else encode_samples(samples).encode("utf-8")  # hashed and written as is
        spath = samples_path(path)
        doc = dict(doc, samples={"file": spath.name, "format": COLUMNS_FORMAT, "rows": sum(b.n for b in samples),
                                 "sha256": sha256(text).hexdigest()})
        out.append((spath, text))
    out.append((path, (json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")))
    return out


def write_result(path: Path, doc: dict, samples: Sequence[SampleColumns] | None,
                 encoded: bytes | None = None) -> list[Path]:
    """Write the per-sample store, then the result that points at it (as one atomic step). Returns the files."""
    from unibench.paths import write_atomic_many

    files = stored_texts(path, doc, samples, encoded)
    write_atomic_many(files)
    return [f for f, _ in files]


def plain(value: Any) -> Any:
    """JSON-ready copy of nested mappings/tuples (frozen dataclass fields hold tuples and mappings)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def result_document(r, command: str) -> dict:
    """The stored `<dataset>.json` of a runner.DatasetResult (schema documented in docs/schemas/result-2.json).
    Paths in checksums are relative to the data root and the model folder, so results carry no machine layout."""
    import datetime as _dt

    from unibench import __version__
    from unibench.runner import portable

    spec = r.spec
    label_root = spec.locations.get("data_root") or Path(r.corpus.label_path).parent.parent
    card = r.card
    return {
        "schema": SCHEMA,
        "model": plain(r.model),
        "dataset": {"name": card.name, "version": card.version, "title": card.title, "task": card.task,
                    "n_test": card.n_test, "n_loaded": len(r.corpus.samples), "partial": r.corpus.partial,
                    "citation": card.citation},
        "protocol": spec.protocol,
        "lexicon": plain(r.lexicon),
        "extractor": plain(r.extractor),
        "checkpoint_policy": spec.checkpoint_policy,
        "results": [plain(s.to_dict()) for s in r.selected],
        "checkpoints": [plain(s.to_dict()) for s in r.checkpoints],
        "samples": None,
        "provenance": {
            "unibench_version": __version__,
            "card_version": card.version,
            "run_spec": plain(spec.to_dict()),
            "run_spec_hash": spec.hash(),
            "comparability": spec.comparability,
            "checksums": {"label_file": {portable(r.corpus.label_path, label_root): r.corpus.label_sha256},
                          "lexicon": spec.lexicon_checksum,
                          "predictions": {portable(f, r.model.get("arg")): h for i in r.inputs
                                          for part in ("model_files", "extractor_files") for f, h in i[part].items()}},
            "inputs": [{"checkpoint": i["checkpoint"],
                        **{part: {portable(f, r.model.get("arg")): h for f, h in i[part].items()}
                           for part in ("model_files", "extractor_files")}} for i in r.inputs],
            "command": command,
            "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        },
    }
