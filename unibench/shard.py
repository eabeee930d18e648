"""Scale-out: `run --shard i/N` evaluates one deterministic slice of a corpus; `merge` joins the slices.

A sample belongs to shard `int(sha256(id)[:8 bytes]) mod N`, so the split depends only on the ids and N (not on
machine order or corpus order). Scoring needs every sample, so a shard stores per-sample outputs and extractions
(`results/<model>/<dataset>.shard-i-of-N.json`, i from 0) and no scores; `merge` checks the set is complete and
consistent, then scores it with the same code as an unsharded run (`runner.finish`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from unibench.adapters.base import ModelAdapter
from unibench.errors import UserError, preview
from unibench.extract.base import Extractor

SCHEMA = "unibench.shard/2"
_NAME = re.compile(r"^(?P<ds>.+)\.shard-(?P<i>0|[1-9]\d*)-of-(?P<n>[1-9]\d*)\.json$")


def parse_shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
        raise UserError(f"--shard {text}: expected i/N with 0 <= i < N, e.g. --shard 0/4 ... --shard 3/4")
    return int(m.group(1)), int(m.group(2))


def shard_of(sample_id: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(sample_id.encode("utf-8")).digest()[:8], "big") % n


def shard_ids(corpus, i: int, n: int) -> list[str]:
    return [s.id for s in corpus.samples if shard_of(s.id, n) == i]


def shard_path(results_dir: str | Path, model: str, dataset: str, i: int, n: int) -> Path:
    from unibench.paths import safe_name

    safe_name(model, "model name"), safe_name(dataset, "dataset name")  # nothing outside --results-dir
    return Path(results_dir) / model / f"{dataset}.shard-{i}-of-{n}.json"


def shard_document(card, corpus, collected, p, ids: list[str], i: int, n: int, command: str) -> dict:
    """A shard of one corpus: per checkpoint the slice's outputs and extractions, and everything every shard of
    the run must agree on (`consistent`), including the run options `merge` rebuilds the result from."""
    from dataclasses import asdict as _asdict

    opts = p.options
    return {
        "schema": SCHEMA,
        "shard": {"index": i, "count": n, "n_samples": len(ids)},
        "consistent": {  # every shard of one run must agree on all of this; merge checks it
            "dataset": {"name": card.name, "version": card.version, "label_sha256": corpus.label_sha256,
                        "n_loaded": len(corpus.samples), "partial": corpus.partial},
            "model": {"name": opts.model_name, **p.adapter.describe()},
            "adapter_kind": p.adapter.kind,
            "extractor": p.extractor.describe(),
            "extractor_spec": p.extractor.spec,
            "extractor_settings": p.extractor.settings(),
            "lexicon": p.lexicon.describe(),
            "checkpoint_policy": opts.checkpoint_policy,
            "options": _asdict(opts),
            "checkpoints": [{"name": c.checkpoint.name, "path": None if c.checkpoint.path is None else
                             str(c.checkpoint.path), "described": p.adapter.describe_outputs(c.checkpoint)}
                            for c in collected],
        },
        "checkpoints": [{
            "name": c.checkpoint.name,
            "model_files": {str(f): c.sha256(f) for f in c.files},
            "extractor_files": {str(f): c.sha256(f) for f in c.extractor_files},
            "outputs": {k: v.to_dict() for k, v in (c.outputs or {}).items()},
            "extractions": {k: {f: v for f, v in _asdict(e).items() if v is not None} for k, e in c.ext.items()},
        } for c in collected],
        "command": command,
        "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
    }


class RecordedAdapter(ModelAdapter):
    """Stands in for the run's adapter when merging: kind, description and per-checkpoint facts as recorded."""

    def __init__(self, cons: dict) -> None:
        desc = {k: v for k, v in cons["model"].items() if k != "name"}
        super().__init__(str(desc.get("arg", "")), desc.get("options") or {})
        self.kind = cons["adapter_kind"]
        self._desc = desc
        self._described = {c["name"]: c.get("described") or {} for c in cons["checkpoints"]}

    def describe(self) -> dict:
        return dict(self._desc)

    def describe_outputs(self, checkpoint) -> dict:
        return dict(self._described.get(checkpoint.name, {}))


class RecordedExtractor(Extractor):
    """Stands in for the run's extractor when merging: id, version, settings and description as recorded."""

    def __init__(self, cons: dict) -> None:
        self._spec = cons["extractor_spec"]
        self._settings = dict(cons["extractor_settings"])
        self._desc = dict(cons["extractor"])

    @property
    def spec(self) -> str:
        return self._spec

    @property
    def version(self) -> str:
        return self._spec.partition("@")[2]

    def settings(self) -> dict:
        return dict(self._settings)

    def describe(self) -> dict:
        return dict(self._desc)


def find_shards(folder: Path, dataset: str) -> list[tuple[int, int, Path]]:
    """(index, count, path) of the shard files of one dataset in a model folder."""
    found = []
    for p in sorted(folder.glob(f"{dataset}.shard-*-of-*.json")):
        m = _NAME.match(p.name)
        if not m or m.group("ds") != dataset:
            raise UserError(f"{p}: not a shard file name (expected {dataset}.shard-I-of-N.json)")
        found.append((int(m.group("i")), int(m.group("n")), p))
    return found


def load_shards(folder: Path, dataset: str) -> list[dict]:
    listed = find_shards(folder, dataset)
    if not listed:
        raise UserError(f"{folder}: no shard files for {dataset} ({dataset}.shard-I-of-N.json)")
    counts = {n for _, n, _ in listed}
    if len(counts) > 1:
        raise UserError(f"{folder}: shards of {dataset} from runs with different N ({sorted(counts)}); "
                        "remove the stale ones")
    (n,) = counts
    found = {i: (n, p) for i, n, p in listed}
    missing = sorted(set(range(n)) - set(found))
    if missing:
        raise UserError(f"{folder}: {dataset} is missing shard(s) {', '.join(map(str, missing))} of {n}; "
                        f"run them with --shard I/{n}")
    docs = []
    for i in range(n):
        path = found[i][1]
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: unreadable shard ({type(err).__name__})") from None
        if doc.get("schema") != SCHEMA or doc.get("shard", {}).get("index") != i or doc["shard"].get("count") != n:
            raise UserError(f"{path}: its content is not shard {i} of {n} ({SCHEMA}); was it renamed?")
        doc["_path"] = str(path)
        docs.append(doc)
    first = docs[0]["consistent"]
    for d in docs[1:]:
        for key, value in d["consistent"].items():
            if value != first[key]:
                raise UserError(f"{d['_path']}: its {key} differs from shard 0's ({docs[0]['_path']}); every shard "
                                "must come from the same command (same model, extractor, lexicon, data)")
    return docs


def joined(docs: list[dict], corpus_ids: list[str]) -> list[dict[str, Any]]:
    """Per checkpoint: {'name', 'path', 'model_files', 'extractor_files', 'outputs', 'extractions'} over all
    shards, each sample exactly once."""
    n = len(docs)
    out = []
    for k, meta in enumerate(docs[0]["consistent"]["checkpoints"]):
        files: dict[str, dict[str, str]] = {"model_files": {}, "extractor_files": {}}
        outputs: dict[str, dict] = {}
        exts: dict[str, dict] = {}
        for d in docs:
            ck = d["checkpoints"][k]
            i = d["shard"]["index"]
            stray = [s for s in ck["extractions"] if shard_of(s, n) != i]
            dup = set(ck["extractions"]) & set(exts)
            if dup or stray:
                raise UserError(f"{d['_path']}: {len(dup) + len(stray)} samples belong to another shard "
                                f"({preview(dup | set(stray))}); duplicate or mislabelled shard")
            for part in files:
                for path, sha in ck[part].items():
                    if files[part].setdefault(path, sha) != sha:
                        raise UserError(f"{d['_path']}: {path} changed between shards (checksum differs)")
            outputs.update(ck["outputs"])
            exts.update(ck["extractions"])
        missing = set(corpus_ids) - set(exts)
        if missing:
            raise UserError(f"{meta['name']}: the shards lack {len(missing)} test samples ({preview(missing)}); "
                            "were they run against another copy of the corpus?")
        out.append({"name": meta["name"], "path": meta["path"], **files, "outputs": outputs, "extractions": exts})
    return out
