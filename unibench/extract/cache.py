"""The `cache` extractor: imports the upstream cached Qwen2.5 extractions that sit beside each checkpoint.

`<stem>-openset.npz` (filenames, fileitems: a label-list string per sample) and, for sentiment sets,
`<stem>-openset-sentiment.npz` (fileitems: positive / negative / neutral / anything the LLM said).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from unibench.errors import UserError
from unibench.extract.base import Extractor
from unibench.safe_npz import load_npz
from unibench.schema import Extraction, Response


def read_pairs(path: Path) -> dict[str, str]:
    """A filenames/fileitems npz as {name: item}; duplicates are an error (upstream keeps the last silently)."""
    data: dict[str, Any] = load_npz(path)
    try:
        names, items = data["filenames"], data["fileitems"]
    except KeyError as err:
        raise UserError(f"{path}: missing array {err}; expected 'filenames' and 'fileitems'") from None
    if len(names) != len(items):
        raise UserError(f"{path}: {len(names)} filenames but {len(items)} fileitems")
    out = {str(n): str(i) for n, i in zip(names.tolist(), items.tolist())}
    if len(out) != len(names):
        raise UserError(f"{path}: {len(names) - len(out)} duplicate sample names in 'filenames'")
    return out


class CacheExtractor(Extractor):
    """Reads files beside the checkpoint instead of the model's outputs (needs_outputs False); the files it reads
    are checksummed into provenance."""

    id = "cache"
    reads_any_language = True  # an LLM (Qwen2.5) reads Chinese and English responses alike
    needs_outputs = False
    rules = ("unibench.extract.cache",)
    description = "upstream cached Qwen2.5-7B-Instruct extractions (-openset.npz, -openset-sentiment.npz)"

    def cache_files(self, checkpoint, task: str) -> list[Path]:
        if checkpoint.path is None:
            raise UserError(f"checkpoint {checkpoint.name}: the cache extractor needs saved outputs on disk")
        stem = checkpoint.path.with_suffix("")
        files = [stem.parent / f"{stem.name}-openset.npz"]
        if task == "sentiment":
            files.append(stem.parent / f"{stem.name}-openset-sentiment.npz")
        for f in files:
            if not f.is_file():
                raise UserError(f"{f}: no cached extraction for checkpoint {checkpoint.name}; the cache extractor "
                                "only imports upstream caches, so an LLM or lexicon extractor is needed to turn "
                                "these raw responses into labels")
        return files

    def source_files(self, checkpoint, task: str) -> list[Path]:
        return self.cache_files(checkpoint, task)  # what the numbers were read from, for provenance checksums

    def extract(self, checkpoint, task: str, outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        files = self.cache_files(checkpoint, task)
        labels = read_pairs(files[0])
        if task != "sentiment":
            return {k: Extraction(labels=v) for k, v in labels.items()}
        sentiments = read_pairs(files[1])
        if set(sentiments) != set(labels):
            raise UserError(f"{files[1]}: its samples differ from {files[0].name} "
                            f"({len(set(sentiments) ^ set(labels))} differ); regenerate the sentiment cache")
        return {k: Extraction(labels=v, sentiment=sentiments[k]) for k, v in labels.items()}
