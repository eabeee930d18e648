"""Extraction diagnostics: what one checkpoint's responses and extractions look like, stored beside its score.

`diagnostics(outputs, extractions, ids)` is a pure function:
  share_empty          share of samples whose extraction holds no label and no sentiment word;
  mean_labels          mean number of labels per sample (the label-list items, as the scorer reads them);
  mean_response_chars  mean length in characters of the responses that have text;
  share_chinese        share of those responses written in Chinese script (CJK ideographs are at least half of
                       their letters: an English answer quoting a Chinese subtitle is not Chinese).
The two response fields are None when `outputs` is None.

`run_warnings(outcomes, extractor, lexicon)` turns the diagnostics of a run into the lines printed on stderr (the run
still exits 0): more than EMPTY_LIMIT of a checkpoint's extractions empty; responses in Chinese script read by a
route that reads English only; long responses (descriptions, mean above LONG_RESPONSE_CHARS) read by an offline
extractor whose description target is not met (`description_target_met` False, measured by
benchmarks/extraction_fidelity.py).
"""

from __future__ import annotations

import re

from unibench.textlists import normalise_words

EMPTY_LIMIT = 0.20
LONG_RESPONSE_CHARS = 400
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def in_chinese_script(text: str) -> bool:
    if text.isascii():  # most responses: no need to scan
        return False
    cjk = len(_CJK.findall(text))
    return cjk > 0 and cjk >= len(_LATIN.findall(text))


def diagnostics(outputs, extractions, ids, n_labels=None) -> dict:
    """`n_labels`: each sample's label count when the scorer has counted them already (else split here)."""
    ids = list(ids)
    n = len(ids)
    if n_labels is None:  # each distinct label string split once (checkpoints repeat many answers)
        memo: dict[str, int] = {}
        labels = [memo[s] if s in memo else memo.setdefault(s, len(normalise_words(s)))
                  for s in (extractions[i].labels for i in ids)]
    else:
        labels = list(n_labels)
    empty = sum(1 for i, k in zip(ids, labels) if k == 0 and not extractions[i].sentiment)
    doc = {"share_empty": empty / n if n else None, "mean_labels": sum(labels) / n if n else None,
           "mean_response_chars": None, "share_chinese": None}
    texts = [t for t in (getattr(outputs.get(i), "text", None) for i in ids) if t] if outputs is not None else None
    if texts:
        doc["mean_response_chars"] = sum(len(t) for t in texts) / len(texts)
        doc["share_chinese"] = sum(map(in_chinese_script, texts)) / len(texts)
    elif texts is not None:
        doc.update(mean_response_chars=0.0, share_chinese=0.0)
    return doc


def summary_cell(d: dict) -> str:
    """The run table's short form: "empty 2% | 3.1 labels | 1204 chars | zh 0%" (response fields when known)."""
    parts = [f"empty {d['share_empty']:.0%}" if d.get("share_empty") is not None else None,
             f"{d['mean_labels']:.1f} labels" if d.get("mean_labels") is not None else None,
             f"{d['mean_response_chars']:.0f} chars" if d.get("mean_response_chars") is not None else None,
             f"zh {d['share_chinese']:.0%}" if d.get("share_chinese") is not None else None]
    return " | ".join(p for p in parts if p)


def route_languages(extractor, lexicon) -> tuple[str, ...] | None:
    """The scripts a run can turn into scored labels: the extractor's own (None: any, e.g. an LLM), else the
    languages of the lexicon that reads the words."""
    own = getattr(extractor, "languages", None)  # Extractor.languages; merged runs stand in without it
    return own(lexicon) if callable(own) else None


def run_warnings(results, extractor, lexicon) -> list[str]:
    """One line per dataset and kind of problem, naming the worst checkpoint (`results`: runner.DatasetResult)."""
    langs = route_languages(extractor, lexicon)
    lines = []
    for o in results:
        rows = [(s.checkpoint, s.extra["diagnostics"]) for s in o.checkpoints if s.extra.get("diagnostics")]
        if not rows:
            continue
        name, n = o.card.name, len(rows)

        def worst(key):
            hits = [(ck, d[key]) for ck, d in rows if d.get(key) is not None]
            return max(hits, key=lambda h: h[1]) if hits else (None, None)

        ck, share = worst("share_empty")
        bad = sum(1 for _, d in rows if (d.get("share_empty") or 0) > EMPTY_LIMIT)
        if bad:
            lines.append(f"{name}: more than {EMPTY_LIMIT:.0%} of the extractions are empty at {bad} of {n} "
                         f"checkpoint(s) ({share:.0%} at {ck}); empty predictions score zero, check the "
                         f"responses and the extractor ({extractor.id})")
        ck, zh = worst("share_chinese")
        if zh and langs is not None and "zh" not in langs:
            lines.append(f"{name}: {zh:.0%} of the responses at {ck} are in Chinese script, and --extractor "
                         f"{extractor.id} with lexicon {lexicon.id} reads {'/'.join(langs)} only, so they yield "
                         "no labels; use --lexicon native (it reads Chinese) or --extractor llm")
        ck, chars = worst("mean_response_chars")
        if chars and chars > LONG_RESPONSE_CHARS and getattr(extractor, "description_target_met", None) is False:
            lines.append(f"{name}: responses average {chars:.0f} characters at {ck} (descriptions), and --extractor "
                         f"{extractor.id} has not met its target on descriptions (benchmarks/extraction_fidelity.py"
                         "); read its scores as approximate, or use --extractor llm for the upstream pipeline")
    return lines
