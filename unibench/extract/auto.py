"""`--extractor auto` (the default): the extractor the model adapter's outputs call for.

affectgpt-npz -> cache (the upstream extractions beside each checkpoint); structured predictions -> given;
free text without a cache -> an error naming the extractors that read text. Resolved once per run, so every result
of the run records the same concrete extractor id and version (never 'auto'). A text extractor named for structured
predictions runs (and is recorded) as `given`, since there is no text for it to read.
"""

from __future__ import annotations

from unibench.errors import UserError


def _build(name: str, args):
    from unibench.extract import EXTRACTORS

    cls = EXTRACTORS.get(name)
    # extractors with options (llm: endpoint, model, decoding) read them from the run's arguments
    return cls.from_args(args) if args is not None and hasattr(cls, "from_args") else cls()


TEXT_READERS = ("lexicon", "llm")


def resolve_extractor(name: str, adapter, args=None):
    from unibench.extract import EXTRACTORS

    if name.strip().lower() != "auto":
        ext = _build(name, args)
        if ext.id in TEXT_READERS and getattr(adapter, "default_extractor", lambda: None)() == "given":
            # structured predictions (a valence, labels, scores) have no text to read: a text extractor would take
            # them as given, so record the extractor that actually runs
            import sys

            print(f"note: --extractor {ext.id}: the predictions are structured, not free text; they are taken as "
                  "given and recorded as extractor 'given'", file=sys.stderr)
            return _build("given", args)
        return ext
    chosen = getattr(adapter, "default_extractor", lambda: None)()
    if chosen is None:
        text_readers = [n for n in EXTRACTORS.names() if n not in ("cache", "given")]
        raise UserError(f"--model {adapter.kind}:{adapter.arg}: the outputs are free text with no cached "
                        "extraction; choose how to turn them into labels with --extractor NAME ("
                        + (", ".join(text_readers) if text_readers else "lexicon or llm, once installed")
                        + f"; known extractors: {', '.join(EXTRACTORS.names())})")
    return _build(chosen, args)
