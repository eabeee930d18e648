"""The adapter interface and the registry of adapter kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from unibench.errors import UserError
from unibench.registry import Registry

ADAPTERS = Registry("model adapter", entry_point_group="unibench.adapters")
ADAPTERS.register("affectgpt-npz", "unibench.adapters.affectgpt_npz:AffectGPTNpz")
ADAPTERS.register("preds", "unibench.adapters.preds:PredsAdapter")
ADAPTERS.register("openai", "unibench.adapters.openai_chat:OpenAIChatAdapter")
ADAPTERS.register("text-lexicon", "unibench.adapters.text_baselines:TextLexicon")
ADAPTERS.register("text-embed", "unibench.adapters.text_baselines:TextEmbed")

_EPOCH = re.compile(r"^checkpoint_(\d+)")


@dataclass(frozen=True)
class Checkpoint:
    """One set of model outputs for a dataset: a training checkpoint, a prompt variant, or a live run."""

    name: str
    path: Path | None = None
    files: tuple[Path, ...] = field(default_factory=tuple)  # everything the numbers were read from (checksummed)
    checksums: Mapping[str, str] = field(default_factory=dict)  # recorded sha256 of files that may be elsewhere now

    @property
    def epoch(self) -> int | None:
        m = _EPOCH.match(self.name)
        return int(m.group(1)) if m else None


class ModelAdapter:
    """A model's outputs on a dataset: the base class of every adapter, built-in or plug-in (docs/plugins.md).

    A subclass sets `kind` (the name after `--model KIND:`) and implements

    - `outputs(checkpoint, samples) -> {sample id: Response}`: what the model gave for each `unibench.schema.Sample`
      (`id`, `task`, `subtitle`, `media` paths). Fill `Response.text` for free text, or `label` / `labels` /
      `valence` / `probs` for structured predictions; set `error` for a failed sample (it is counted, never
      dropped). Saved-output adapters may ignore `samples`; live adapters generate for them.

    and may override (or set `reads_inputs = False` when the adapter only reads saved outputs, so that the
    corpus is loaded without its subtitle file)

    - `checkpoints(card)`: one or more sets of outputs for a dataset card (training checkpoints, prompt variants);
      the default is one checkpoint named after the adapter;
    - `default_extractor()`: the extractor `--extractor auto` uses: 'given' for structured outputs, 'cache' for
      upstream caches, None (the default) when the user must choose one;
    - `describe_outputs(checkpoint)`: facts about a checkpoint's outputs merged into its result entry;
    - `describe()`: what is stored as the result's `model` (add anything that identifies the model's version).

    `self.arg` is the text after `KIND:` and `self.options` the `-M KEY=VALUE` pairs.
    """

    kind: str = ""
    reads_inputs = True  # False for saved outputs: the corpus is then loaded without subtitles (nothing reads them)
    local = False  # True: reads only files and keeps no state across datasets, so datasets may run in forked processes

    def __init__(self, arg: str, options: dict[str, str] | None = None):
        self.arg = arg
        self.options = dict(options or {})

    @property
    def default_name(self) -> str:
        """results/<name>/ when --name is not given: from the file or folder scored (unibench.naming)."""
        from unibench.naming import from_path

        return from_path(self.arg, self.kind) if self.arg else self.kind

    def describe(self) -> dict:
        from unibench.redact import redact

        return redact({"kind": self.kind, "arg": self.arg, **({"options": self.options} if self.options else {})})

    def checkpoints(self, card) -> list[Checkpoint]:
        return [Checkpoint(name=self.default_name or self.kind or "model")]

    def outputs(self, checkpoint: Checkpoint, samples) -> dict:
        """Sample id -> unibench.schema.Response."""
        raise NotImplementedError

    def default_extractor(self) -> str | None:
        return None

    def describe_outputs(self, checkpoint: Checkpoint) -> dict:
        return {}

    def bind_lexicon(self, lexicon) -> None:
        """Called once per run with the run's lexicon (the text baselines find emotion words with it)."""
        return None


def build_adapter(spec: str, options: dict[str, str] | None = None) -> ModelAdapter:
    """`KIND:ARG` (a registered kind, built in or from the `unibench.adapters` entry points) or
    `path/to/file.py:ClassName[:ARG]` (a plug-in class loaded from a file) -> an adapter instance."""
    head, _, rest = spec.partition(".py:")
    if rest:  # a plug-in file: the class name, then an optional argument
        from unibench.adapters.plugins import load_file_class

        cls_name, _, arg = rest.partition(":")
        cls = load_file_class(Path(head + ".py"), cls_name)
        adapter = cls(arg, options)
        adapter.kind = adapter.kind or cls.__name__
        return adapter
    kind, sep, arg = spec.partition(":")
    if not sep and spec.strip() in ADAPTERS:  # a built-in model that needs no path (text-lexicon, text-embed)
        cls = ADAPTERS.get(kind)
        if getattr(cls, "takes_arg", True) is False:
            return cls("", options)
    if not sep and spec.strip():  # a bare name is a model card (adapters/<name>.yaml): a live model
        kind, sep, arg = "openai", ":", spec.strip()
    if not sep or not arg:
        raise UserError(f"--model {spec}: expected KIND:ARG, e.g. affectgpt-npz:PATH/TO/output or "
                        f"preds:FILE, or path/to/file.py:ClassName (kinds: {', '.join(ADAPTERS.names())})")
    from unibench.adapters.plugins import checked_class

    cls = checked_class(kind)
    adapter = cls(arg, options)
    adapter.kind = adapter.kind or ADAPTERS.canonical(kind)
    return adapter
