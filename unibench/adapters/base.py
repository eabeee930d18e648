"""The adapter interface and the registry of adapter kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from unibench.errors import UserError
from unibench.registry import Registry

ADAPTERS = Registry("model adapter", entry_point_group="unibench.adapters")
ADAPTERS.register("affectgpt-npz", "unibench.adapters.affectgpt_npz:AffectGPTNpz")
ADAPTERS.register("text-lexicon", "unibench.adapters.text_baselines:TextLexicon")
ADAPTERS.register("text-embed", "unibench.adapters.text_baselines:TextEmbed")

_EPOCH = re.compile(r"^checkpoint_(\d+)")


@dataclass(frozen=True)
class Checkpoint:
    """One set of model outputs for a dataset: a training checkpoint, a prompt variant, or a live run."""

    name: str
    path: Path | None = None
    files: tuple[Path, ...] = field(default_factory=tuple)  # everything the numbers were read from (checksummed)

    @property
    def epoch(self) -> int | None:
        m = _EPOCH.match(self.name)
        return int(m.group(1)) if m else None


class ModelAdapter:
    """A model's outputs on a dataset.

    Subclasses set `kind` and implement `checkpoints(card)` (one or more sets of outputs: training checkpoints,
    prompt variants, or a single live run) and `outputs(checkpoint, samples)` (sample id -> Response). Saved-output
    adapters may ignore `samples`; live adapters generate for them.
    """

    kind: str = ""

    def __init__(self, arg: str, options: dict[str, str] | None = None):
        self.arg = arg
        self.options = dict(options or {})

    @property
    def default_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9._+-]+", "-", Path(self.arg).name or self.kind).strip("-") or self.kind

    def describe(self) -> dict:
        return {"kind": self.kind, "arg": self.arg, **({"options": self.options} if self.options else {})}

    def checkpoints(self, card) -> list[Checkpoint]:
        raise NotImplementedError

    def outputs(self, checkpoint: Checkpoint, samples) -> dict:
        """Sample id -> unibench.schema.Response."""
        raise NotImplementedError


def build_adapter(spec: str, options: dict[str, str] | None = None) -> ModelAdapter:
    """`KIND:ARG` -> an adapter instance."""
    kind, sep, arg = spec.partition(":")
    if not sep:  # a built-in model that needs no path (text-lexicon, text-embed)
        try:
            cls = ADAPTERS.get(kind)
        except UserError:
            cls = None
        if cls is not None and getattr(cls, "takes_arg", True) is False:
            return cls("", options)
    if not sep or not arg:
        raise UserError(f"--model {spec}: expected KIND:ARG, e.g. affectgpt-npz:PATH/TO/output "
                        f"(kinds: {', '.join(ADAPTERS.names())})")
    cls = ADAPTERS.get(kind)
    return cls(arg, options)
