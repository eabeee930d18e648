"""The nouns of the pipeline: Sample -> model outputs -> Extraction -> Score, and the RunSpec that shapes a number."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping

Task = Literal["discrete", "sentiment", "open_vocab"]


@dataclass(frozen=True)
class Sample:
    """One test item. `gold` is a label (discrete), a float valence (sentiment) or a tuple of words (open_vocab)."""

    id: str
    task: Task
    gold: Any
    subtitle: str | None = None
    media: Mapping[str, str] = field(default_factory=dict)
    cluster: str | None = None  # dialogue / session / source video, for clustered CIs


@dataclass(frozen=True)
class Corpus:
    """A loaded test split and what it was loaded from."""

    card: Any  # DatasetCard
    samples: tuple[Sample, ...]
    label_path: str
    label_sha256: str
    partial: bool = False

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.samples]


@dataclass(frozen=True)
class Response:
    """What a model gave for one sample: free text (MLLMs) and/or a structured prediction (classifiers).

    Exactly what the adapter read or received; `error` is set (and counted, never dropped) when the call failed.
    """

    text: str | None = None
    label: str | None = None                       # one class label
    labels: tuple[str, ...] | None = None          # a list of emotion words
    valence: float | None = None                   # a sentiment score (sign = polarity)
    probs: Mapping[str, float] | None = None       # class probabilities keyed by label
    error: str | None = None

    @property
    def structured(self) -> bool:
        return any(v is not None for v in (self.label, self.labels, self.valence, self.probs))


@dataclass(frozen=True)
class Extraction:
    """What an extractor turned one model response into: a label-list string (as upstream caches hold it) and, for
    sentiment sets, a sentiment word. `error` is set when the model call or the extraction failed; the sample is then
    scored as an empty prediction and counted, never dropped."""

    labels: str
    sentiment: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RunSpec:
    """Everything that shapes a number. Two results are comparable when their `comparability` keys agree."""

    protocol: str
    dataset: str
    dataset_version: str
    label_sha256: str
    model: str
    adapter: str
    predictions_sha256: str
    extractor: str
    lexicon: str
    lexicon_checksum: str
    checkpoint_policy: str
    unibench_version: str
    partial: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    @property
    def comparability(self) -> tuple[str, str, str]:
        return (self.protocol, self.lexicon, self.extractor)
