"""The nouns of the pipeline and the RunSpec that shapes a number.

    Sample (what the model side sees) -> Response -> Extraction -> Score (+ per-sample rows)

Gold labels live apart from samples (`Corpus.gold`, read only by scoring): an adapter is handed Samples and can
never see an answer. Everything here is frozen; the stored JSON forms come from `to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, Mapping, Sequence

from unibench.identity import digest

Task = Literal["discrete", "sentiment", "open_vocab"]


def bulk_new(cls, defaults: dict, **values):
    """An instance of a frozen dataclass without its generated __init__ (one object.__setattr__ per field):
    for the readers that build one per sample, 3x faster. Equal to cls(**values) (tested)."""
    obj = object.__new__(cls)
    d = obj.__dict__
    d.update(defaults)
    d.update(values)
    return obj


@dataclass(frozen=True)
class Sample:
    """One test item as a model sees it: id, task, subtitle (in the card's language) and media paths (stems)."""

    id: str
    task: Task
    subtitle: str | None = None
    media: Mapping[str, str] = field(default_factory=dict)
    cluster: str | None = None  # dialogue / session / source video, for clustered CIs


@dataclass(frozen=True)
class GoldLabel:
    """One sample's answer: a label (discrete), a float valence (sentiment) or a tuple of words (open_vocab).
    Only scoring reads it."""

    id: str
    gold: Any
    cluster: str | None = None


@dataclass(frozen=True)
class Corpus:
    """A loaded test split: the samples (model side) and their gold labels (scoring side), in one order."""

    card: Any  # DatasetCard
    samples: Sequence[Sample]  # a tuple, or the loader's LazySamples (built on first read)
    gold: tuple[GoldLabel, ...]
    label_path: str
    label_sha256: str
    partial: bool = False

    def __post_init__(self):
        # one order for both sides: a corpus cut on one side only would score the other side's samples
        ids = getattr(self.samples, "ids", None)  # the loader's lazy samples know their ids unbuilt
        same = (ids == self.ids if ids is not None else
                len(self.samples) == len(self.gold) and all(s.id == g.id for s, g in zip(self.samples, self.gold)))
        if not same:
            raise ValueError("Corpus: samples and gold must list the same ids in the same order")

    @property
    def ids(self) -> list[str]:
        return [g.id for g in self.gold]  # the samples' ids, in their order (checked above)


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

    @classmethod
    def of_text(cls, text: str) -> "Response":
        """Response(text=text), built fast (saved outputs hold thousands)."""
        return bulk_new(cls, _RESPONSE_DEFAULTS, text=text)

    @property
    def structured(self) -> bool:
        return (self.label is not None or self.labels is not None or self.valence is not None
                or self.probs is not None)  # not any(...): read once per sample

    def to_dict(self) -> dict:
        """The non-empty fields (labels as a list), as the per-sample store holds them."""
        out: dict[str, Any] = {}
        for k in _RESPONSE_FIELDS:  # attribute reads, not dataclasses.asdict: this runs once per stored sample
            v = getattr(self, k)
            if v is not None:
                out[k] = list(v) if k == "labels" else dict(v) if k == "probs" else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Response":
        names = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {k: (tuple(v) if k == "labels" and v is not None else v)
                                for k, v in d.items() if k in names}
        return cls(**kept)


_RESPONSE_FIELDS = ("text", "label", "labels", "valence", "probs", "error")
_RESPONSE_DEFAULTS = dict.fromkeys(_RESPONSE_FIELDS)


@dataclass(frozen=True, init=False)
class Extraction:
    """What an extractor turned one model response into: a label-list string (as upstream caches hold it) and, for
    sentiment sets, a sentiment word. `error` is set when the model call or the extraction failed; the sample is then
    scored as an empty prediction and counted, never dropped."""

    labels: str
    sentiment: str | None = None
    error: str | None = None

    def __init__(self, labels: str, sentiment: str | None = None, error: str | None = None) -> None:
        # written here, not generated (init=False): a frozen dataclass's __init__ sets each field through
        # object.__setattr__, and readers build one Extraction per sample and checkpoint (tested equal)
        d = self.__dict__
        d["labels"], d["sentiment"], d["error"] = labels, sentiment, error


# the fields of a stored score entry that the Score dataclass names; everything else rides in `extra`
_SCORE_CORE = ("dataset", "checkpoint", "epoch", "metric", "score", "n", "n_total", "per_wheel", "secondary",
               "n_failed", "n_failed_outputs", "n_failed_extractions", "n_extra_ignored", "selection", "ci",
               "partial")


@dataclass(frozen=True)
class Score:
    """One checkpoint's score on one dataset (the stored `results` / `checkpoints` entries, x100 points)."""

    dataset: str
    checkpoint: str
    epoch: int | None
    metric: str
    score: float | None
    n: int
    n_total: int
    per_wheel: Mapping[str, Mapping[str, Any]]
    secondary: Mapping[str, Any]
    n_failed: int = 0
    n_failed_outputs: int = 0
    n_failed_extractions: int = 0
    n_extra_ignored: int = 0
    selection: str | None = None
    ci: Mapping[str, Any] | None = None
    partial: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)  # per_wheel_level2, predictions, failure_examples, ...

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in _SCORE_CORE}
        if self.selection is None:
            del d["selection"]
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Score":
        core = {k: d[k] for k in _SCORE_CORE if k in d}
        core.setdefault("dataset", "")
        core.setdefault("epoch", None)
        return cls(**core, extra={k: v for k, v in d.items() if k not in _SCORE_CORE and k != "results_file"})

    def with_(self, **changes: Any) -> "Score":
        return replace(self, **changes)


@dataclass(frozen=True)
class SampleRecord:
    """One row of the per-sample store: a sample at a checkpoint, every stage of it.

    `value` is what the sample contributed to the metric: per wheel 1/0 hit (None = not scored on that wheel) for
    HIT, per wheel [precision, recall] for EW-F, the predicted polarity (+1/0/-1) for sentiment."""

    model: str
    dataset: str
    checkpoint: str
    id: str
    gold: Any
    labels: str
    sentiment: str | None
    value: Any
    response: str | None = None
    prediction: Mapping[str, Any] | None = None  # a structured prediction (label / labels / valence / probs)
    error: Mapping[str, str] | None = None
    cluster: str | None = None


# RunSpec parts that say where things were (paths, URLs): needed to rebuild a run, never part of its identity
LOCATIONS = ("model_spec", "data_root", "lexicon_arg", "extractor_endpoint")
UNHASHED = ("locations", "unibench_version", "labels")  # recorded with a spec, never part of its identity


@dataclass(frozen=True)
class RunSpec:
    """Everything that shapes a number, frozen and hashed, and enough to rebuild the run.

    Identity fields are hashed (`hash()`); `locations` (model path, data root, lexicon path, extractor endpoint),
    `labels` (modalities, the published row it reproduces) and the unibench version are recorded but not hashed, so the same run on another machine has the same hash.
    `comparability` is the one key the leaderboard groups by and that `compare` and `merge` require to match.
    """

    protocol: str
    dataset: str
    dataset_version: str
    label_sha256: str
    model: str                       # the result name
    adapter: str                     # adapter kind
    model_options: Mapping[str, str]  # -M options, secrets removed
    predictions_sha256: str
    extractor: str                   # id@version (the version digests rules and settings)
    extractor_settings: Mapping[str, Any]
    lexicon: str                     # id@version
    lexicon_checksum: str
    checkpoint_policy: str
    bootstrap: Mapping[str, int]     # {"n_resamples", "seed"}
    partial: bool = False
    allow_partial: bool = False
    limit: int | None = None          # --limit N: the first N samples only
    missing: str = "error"            # --missing wrong: samples the predictions lack scored as wrong
    unibench_version: str = ""
    locations: Mapping[str, str | None] = field(default_factory=dict)
    labels: Mapping[str, Any] = field(default_factory=dict)  # what the user said of the model (modalities, reproduces)

    def to_dict(self) -> dict:
        return {f.name: (dict(v) if isinstance(v := getattr(self, f.name), Mapping) else v) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RunSpec":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def identity(self) -> dict:
        d = self.to_dict()
        for k in UNHASHED:
            d.pop(k)
        return d

    def hash(self) -> str:
        return digest(self.identity())

    @property
    def comparability(self) -> dict:
        return comparability(self.to_dict())


def comparability(spec: Mapping[str, Any]) -> dict:
    """What must agree for two results to share a table or be paired: protocol, lexicon and extractor identity,
    and whether the split was complete. Works on stored run_spec dicts of every schema version."""
    return {"protocol": spec.get("protocol"), "lexicon": spec.get("lexicon"), "extractor": spec.get("extractor"),
            "partial": bool(spec.get("partial", False))}
