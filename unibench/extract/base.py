"""The base class of every extractor: model responses -> Extractions (label-list string, sentiment word).

An extractor's version is derived from its content, never typed: a digest of the code of its `rules` modules
(comments aside) and of `settings()`, everything else that shapes its output (endpoint model, decoding, prompt
hash, the lexicon it reads sentiment from). Change a rule and the version moves, so two results that differ in how
labels were read never share a column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Mapping

from unibench.identity import digest, short, source_digest
from unibench.schema import Extraction, Response


LOCAL = frozenset({"cache", "given", "answer-tag"})  # see Extractor.local


class Extractor:
    """Subclass it, set `id` and `description`, implement `extract`; register it under the entry-point group
    `unibench.extractors` (or in `unibench.extract.EXTRACTORS`).

    - `needs_outputs`: the model's responses must be produced first (the `cache` extractor reads files beside
      the checkpoint instead and sets it False);
    - `rules`: the modules whose code defines the output (default: the subclass's own module);
    - `settings()`: every option that changes the output, JSON-able; `from_settings` rebuilds the extractor from
      it (what `unibench check` and `rescore` do), and `from_args` from the run's command-line arguments;
    - `bind_lexicon(lexicon)`: called once per run with the run's lexicon (word finders use it);
    - `source_files(checkpoint, task)`: files read besides the model outputs, checksummed into provenance;
    - `reads_any_language`: an LLM reads responses in any language; otherwise the route reads the languages of
      the lexicon that maps its words (`languages(lexicon)`; diagnostics warn about responses it cannot read).
    """

    id: ClassVar[str] = ""
    description: ClassVar[str] = ""
    needs_outputs: ClassVar[bool] = True
    rules: ClassVar[tuple[str, ...]] = ()
    reads_any_language: ClassVar[bool] = False

    @property
    def local(self) -> bool:
        """Reads only this machine's files and holds no connection: the datasets of a run may then be scored in
        forked processes (unibench.forked). The built-ins that qualify are named in LOCAL (declared here, not in
        their own modules, whose code is their identity); a plug-in opts in with a class attribute `local = True`."""
        return self.id in LOCAL

    stats: dict[str, int]  # engine counters for extractors that call an LLM (run facts, never results)

    def extract(self, checkpoint: Any, task: str,
                outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        raise NotImplementedError

    def extract_many(self, task: str, jobs: list[tuple[Any, Mapping[str, Response] | None]]
                     ) -> list[dict[str, Extraction]]:
        """`extract` of several checkpoints at once, (checkpoint, outputs) pairs in, one result per pair out. The
        runner calls this; an extractor that calls a service overrides it to send every checkpoint's requests in
        one batch (no idle slots at the end of each checkpoint)."""
        return [self.extract(ck, task, outputs) for ck, outputs in jobs]

    def settings(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], args: Any = None) -> "Extractor":
        """Rebuild the extractor a result recorded. The default builds it afresh: settings that are derived
        (e.g. a lexicon's version) are then compared, not imposed, so a changed dependency shows as moved."""
        return cls.from_args(args) if args is not None else cls()

    @classmethod
    def from_args(cls, args: Any) -> "Extractor":
        return cls()

    def bind_lexicon(self, lexicon: Any) -> None:
        return None

    def source_files(self, checkpoint: Any, task: str) -> list[Path]:
        return []

    def languages(self, lexicon: Any) -> tuple[str, ...] | None:
        """The scripts whose responses become scored labels (None: any)."""
        return None if self.reads_any_language else tuple(getattr(lexicon, "languages", ("en",)))

    @property
    def version(self) -> str:
        rules = self.rules or (type(self).__module__,)
        return short(digest({"rules": source_digest(rules), "settings": self.settings()}))

    @property
    def spec(self) -> str:
        return f"{self.id}@{self.version}"

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "description": self.description,
                "settings": self.settings()}


def label_string(words) -> str:
    """The label-list string the scorers read ("[w1, w2]", as the upstream caches hold them)."""
    return "[" + ", ".join(words) + "]"
