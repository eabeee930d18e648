"""What `rescore` runs on: a stored result's per-sample responses (an adapter) and extractions (an extractor).

Both present themselves exactly as the adapter and extractor of the stored run did (kind, description, version,
settings, the files and checksums the numbers came from), so a re-scored result and a fresh `unibench run` with the
same lexicon or extractor carry the same run spec and the same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from unibench.adapters.base import Checkpoint, ModelAdapter
from unibench.extract.base import Extractor
from unibench.schema import Extraction, Response, RunSpec


def _by_checkpoint(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["checkpoint"], []).append(r)
    return out


class StoredOutputs(ModelAdapter):
    """The stored responses of every checkpoint, in the stored checkpoint order."""

    reads_inputs = False

    def __init__(self, spec: RunSpec, doc: Mapping[str, Any], rows: list[dict]):
        model = dict(doc["model"])
        super().__init__(str(model.get("arg", "")), dict(spec.model_options))
        self.kind = spec.adapter
        self._describe = {k: v for k, v in model.items() if k not in ("name", "modalities", "reproduces")}
        self._rows = _by_checkpoint(rows)
        self._entries = {e["checkpoint"]: e for e in doc["checkpoints"]}
        inputs = doc.get("provenance", {}).get("inputs") or []
        self._inputs = {i["checkpoint"]: i for i in inputs}
        missing = [c for c in self._entries if c not in self._rows]
        if missing:
            from unibench.errors import UserError

            raise UserError(f"{doc['dataset']['name']}: the per-sample store lacks checkpoint(s) {', '.join(missing)}"
                            " (stored by an older unibench, which kept only the selected ones); re-run the model")

    @property
    def default_name(self) -> str:
        return self.arg

    def describe(self) -> dict:
        return dict(self._describe)

    def checkpoints(self, card) -> list[Checkpoint]:
        root = Path(self.arg or ".")
        out = []
        for name in self._entries:
            got = self._inputs.get(name, {})
            files = tuple(root / f for f in (got.get("model_files") or {}))
            recorded = {str(root / f): h for part in ("model_files", "extractor_files")
                        for f, h in (got.get(part) or {}).items()}  # the files themselves may be elsewhere now
            out.append(Checkpoint(name=name, path=None, files=files, checksums=recorded))
        return out

    def outputs(self, checkpoint: Checkpoint, samples) -> dict[str, Response]:
        out = {}
        for r in self._rows.get(checkpoint.name, []):
            fields = dict(r.get("prediction") or {}, text=r.get("response"),
                          error=(r.get("error") or {}).get("output"))
            out[r["id"]] = Response.from_dict(fields)
        return out

    def describe_outputs(self, checkpoint: Checkpoint) -> dict:
        entry = self._entries.get(checkpoint.name, {})
        return {"predictions": entry["predictions"]} if "predictions" in entry else {}


class StoredExtractions(Extractor):
    """The stored extractions, standing in for the extractor that made them (same id, version, settings)."""

    needs_outputs = False

    def __init__(self, spec: RunSpec, doc: Mapping[str, Any], rows: list[dict]):
        self._rows = _by_checkpoint(rows)
        self._describe = dict(doc["extractor"])
        self._spec = spec.extractor
        self._settings = dict(spec.extractor_settings)
        self._inputs = {i["checkpoint"]: i for i in doc.get("provenance", {}).get("inputs") or []}
        self._root = Path(str(doc["model"].get("arg", "") or "."))

    @property  # type: ignore[misc]
    def id(self) -> str:  # type: ignore[override]
        return self._spec.partition("@")[0]

    @property
    def version(self) -> str:
        return self._spec.partition("@")[2]

    @property
    def spec(self) -> str:
        return self._spec

    def settings(self) -> dict:
        return dict(self._settings)

    def describe(self) -> dict:
        return dict(self._describe)

    def source_files(self, checkpoint, task: str) -> list[Path]:
        return [self._root / f for f in (self._inputs.get(checkpoint.name, {}).get("extractor_files") or {})]

    def extract(self, checkpoint, task: str, outputs=None) -> dict[str, Extraction]:
        return {r["id"]: Extraction(labels=r.get("pred", ""), sentiment=r.get("sentiment"),
                                    error=(r.get("error") or {}).get("extraction"))
                for r in self._rows.get(checkpoint.name, [])}
