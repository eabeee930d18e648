"""Labels from free-text descriptions, through the one extractor registry (`unibench.extract.EXTRACTORS`).

`lexicon` is the offline word finder (`unibench.extract.wordfind`, bound to the track's lexicon); `llm` is the
upstream prompt A (`unibench.extract.llm_prompts`) sent to an OpenAI-compatible server, the official MER route.
Used by `describe-score` (both texts) and the MER2025-DES track (descriptions without labels).
"""

from __future__ import annotations

from types import SimpleNamespace

from unibench.errors import UserError

LLM_OPTIONS = ("base_url", "model", "temperature", "concurrency", "timeout", "retries")
_NOT_TEXT = {"cache": "reads cached extractions beside a checkpoint", "given": "reads structured predictions"}


def build_text_extractor(name: str, lexicon, opts: dict):
    """The registered extractor `name`, built from the command's `--extractor-*` options and bound to `lexicon`."""
    from unibench.extract import EXTRACTORS

    key = EXTRACTORS.canonical(name)
    if key in _NOT_TEXT:
        raise UserError(f"--extractor {name} {_NOT_TEXT[key]}, not free text; use lexicon (offline) or llm "
                        "(upstream prompt A on an OpenAI-compatible server)")
    cls = EXTRACTORS.get(key)
    args = SimpleNamespace(**{f"extractor_{k}": opts.get(f"extractor_{k}") for k in LLM_OPTIONS}, progress=False)
    extractor = cls.from_args(args)
    extractor.bind_lexicon(lexicon)
    return extractor


def extract_labels(extractor, texts: dict[str, str], side: str) -> tuple[dict[str, str], dict[str, str]]:
    """name -> label-list string for every text, and name -> error for the texts whose extraction failed (those
    are scored as empty predictions: the caller counts and reports them). `side` names the texts in LLM seeds."""
    from unibench.schema import Response

    got = extractor.extract(side, "open_vocab", {n: Response(text=t) for n, t in texts.items()})
    return {n: got[n].labels for n in texts}, {n: got[n].error for n in texts if got[n].error}


def failure_note(errors: dict[str, str], what: str) -> list[str]:
    if not errors:
        return []
    first = next(iter(errors))
    return [f"{len(errors)} {what} could not be extracted and are scored as empty predictions "
            f"({first}: {errors[first]})"]
