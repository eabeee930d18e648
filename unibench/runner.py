"""run: corpus -> model outputs (per checkpoint) -> extraction -> scores -> checkpoint selection -> results.

Everything is computed and validated before anything is written, so bad input never leaves half a result.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from unibench import __version__
from unibench.errors import UserError, preview
from unibench.extract.diagnostics import diagnostics
from unibench.merbench import merbench_secondary
from unibench.paths import combine_sha256, sha256_file
from unibench.schema import RunSpec
from unibench.scoring import records as make_records, score_task

PROTOCOL = "mer-unibench"


@dataclass
class DatasetOutcome:
    card: object
    corpus: object
    entries: list[dict]            # one per selected checkpoint
    all_scores: list[dict]         # every checkpoint considered
    records: dict[str, list[dict]]
    spec: RunSpec
    files: dict[str, str] = field(default_factory=dict)


def check_ids(where: str, gold_ids: list[str], got_ids, allow_extra: bool = False) -> int:
    """Predictions must cover exactly the test samples. Returns how many extra ids were ignored (partial mode)."""
    gold, got = set(gold_ids), set(got_ids)
    missing, extra = gold - got, got - gold
    if missing:
        raise UserError(f"{where}: predictions miss {len(missing)} of {len(gold)} test samples "
                        f"({preview(missing)}); re-export the outputs for the whole test split")
    if extra and not allow_extra:
        raise UserError(f"{where}: {len(extra)} sample ids are not in the test split ({preview(extra)}); "
                        "are these outputs for another dataset or split?")
    return len(extra)


def select(scores: list[dict], policy: str) -> tuple[list[dict], str]:
    """Pick checkpoints by policy; returns (selected score entries, the selection label every output shows)."""
    n = len(scores)
    if policy == "all":
        return scores, "all checkpoints"
    if policy == "best":
        valid = [s for s in scores if s["score"] is not None]
        if not valid:
            raise UserError("no checkpoint produced a score")
        best = max(valid, key=lambda s: s["score"])  # first of equals in name order, as a stable rule
        return [best], (f"best of {n} on test" if n > 1 else "single checkpoint")
    if policy == "last":
        with_epoch = [s for s in scores if s["epoch"] is not None]
        if not with_epoch:
            raise UserError("--checkpoint last needs checkpoint_<epoch> names; give a checkpoint name, best or all")
        return [max(with_epoch, key=lambda s: s["epoch"])], f"last of {n} (highest epoch)"
    wanted = [s for s in scores if s["checkpoint"] == policy or (policy.isdigit() and s["epoch"] == int(policy))]
    if not wanted:
        raise UserError(f"--checkpoint {policy}: no such checkpoint (have: {preview(s['checkpoint'] for s in scores)})")
    return wanted[:1], f"fixed checkpoint {policy}"


@dataclass
class Collected:
    """One checkpoint's per-sample outputs (None when not read yet) and extractions, before scoring."""

    checkpoint: object
    ext: dict
    outputs: dict | None = None
    files: list = field(default_factory=list)
    checksums: dict = field(default_factory=dict)  # recorded sha256 per file (merge: the files may be elsewhere)


def collect(card, corpus, adapter, extractor, ck, ids: list[str] | None = None, lexicon=None) -> Collected:
    """Outputs (when the extractor needs them, or `ids` asks for a slice) and extractions for one checkpoint.
    With `ids` (a shard) everything is restricted to those samples and the outputs are always kept."""
    if lexicon is not None:  # word finders (lexicon extractor, text baselines) use the run's lexicon
        adapter.bind_lexicon(lexicon)
        extractor.bind_lexicon(lexicon)
    where = f"{card.name} / {ck.name}"
    wanted = corpus.ids if ids is None else ids
    keep = set(wanted)
    samples = list(corpus.samples) if ids is None else [s for s in corpus.samples if s.id in keep]
    outputs = None
    if extractor.needs_outputs or ids is not None:
        outputs = adapter.outputs(ck, samples)
        if ids is not None:  # saved-output adapters return every sample; a shard keeps its slice
            outputs = {k: v for k, v in outputs.items() if k in keep}
        check_ids(f"{where} outputs", wanted, outputs, allow_extra=corpus.partial)
    ext = extractor.extract(ck, card.task, outputs if extractor.needs_outputs else None)
    if ids is not None:
        ext = {k: v for k, v in ext.items() if k in keep}
    check_ids(where, wanted, ext, allow_extra=corpus.partial)
    return Collected(ck, ext, outputs, [*ck.files, *extractor.source_files(ck, card.task)])


def failures(c: Collected, ids: list[str]) -> dict:
    """Per-sample errors of one checkpoint: failed model calls and failed extractions (counted, never dropped).
    A failed sample is scored as an empty prediction; the commonest error messages come along."""
    import collections

    out = c.outputs or {}
    msgs: collections.Counter[str] = collections.Counter()
    n_out = n_ext = n_any = 0
    for i in ids:
        o_err = out[i].error if i in out else None
        e_err = c.ext[i].error
        n_out += o_err is not None
        n_ext += e_err is not None
        n_any += o_err is not None or e_err is not None
        if o_err is not None or e_err is not None:
            msgs[e_err or f"model output: {o_err}"] += 1
    doc = {"n_failed": n_any, "n_failed_outputs": n_out, "n_failed_extractions": n_ext}
    if msgs:
        doc["failure_examples"] = dict(msgs.most_common(3))
    return doc


def evaluate(card, corpus, adapter, extractor, lexicon, policy: str, model_name: str, *,
             bootstrap: int = 1000, seed: int = 0) -> DatasetOutcome:
    collected = [collect(card, corpus, adapter, extractor, ck, lexicon=lexicon) for ck in adapter.checkpoints(card)]
    return finish(card, corpus, collected, adapter, extractor, lexicon, policy, model_name,
                  bootstrap=bootstrap, seed=seed)


def _outputs_sha256(collected: list[Collected], ids: list[str]) -> str:
    """Live models leave no files behind: checksum what they said instead (sorted, so shards merge to it)."""
    import hashlib
    import json

    h = hashlib.sha256()
    for c in collected:
        out = c.outputs or {}
        for i in sorted(ids):
            r = out.get(i)
            h.update(json.dumps([c.checkpoint.name, i, None if r is None else [r.text, r.error]]).encode())
    return h.hexdigest()


def finish(card, corpus, collected: list[Collected], adapter, extractor, lexicon, policy: str,
           model_name: str, *, bootstrap: int = 1000, seed: int = 0) -> DatasetOutcome:
    """Score every checkpoint, select by policy, build records for the kept ones. Shared by run and merge."""
    samples = list(corpus.samples)
    scores, scored, files = [], {}, []
    for c in collected:
        ck = c.checkpoint
        extra = check_ids(f"{card.name} / {ck.name}", corpus.ids, c.ext, allow_extra=corpus.partial)
        result = score_task(card.task, samples, c.ext, lexicon)
        result.score.update(checkpoint=ck.name, epoch=ck.epoch, n_extra_ignored=extra,
                            **failures(c, corpus.ids))
        # hook: what the adapter detected (e.g. the prediction kind) and MERBench's ACC/WAF for classifier outputs
        result.score.update(getattr(adapter, "describe_outputs", lambda _: {})(ck))
        result.score["secondary"].update(merbench_secondary(card, samples, c.outputs))
        result.score["diagnostics"] = diagnostics(c.outputs or adapter.outputs(ck, samples), c.ext, corpus.ids)
        scores.append(result.score)
        scored[ck.name] = (c, result)
        files += [(str(f), c.checksums.get(str(f))) for f in c.files]
    chosen, selection = select(scores, policy)
    records = {}
    for s in chosen:
        s["selection"] = selection
        c, result = scored[s["checkpoint"]]
        if c.outputs is None:
            c.outputs = adapter.outputs(c.checkpoint, samples)
            check_ids(f"{card.name} / {c.checkpoint.name} outputs", corpus.ids, c.outputs, allow_extra=corpus.partial)
        rows = make_records(card.task, samples, c.ext, result, lexicon.wheels)
        out = c.outputs
        records[c.checkpoint.name] = [_record(r, out[r["id"]], c.ext[r["id"]]) for r in rows]
    files = [(f, sha or sha256_file(f)) for f, sha in files]
    checksums = dict(files)
    spec = RunSpec(
        protocol=PROTOCOL, dataset=card.name, dataset_version=card.version, label_sha256=corpus.label_sha256,
        model=model_name, adapter=adapter.kind,
        predictions_sha256=combine_sha256(files) if files else _outputs_sha256(collected, corpus.ids),
        extractor=extractor.spec,
        lexicon=f"{lexicon.id}@{lexicon.version}",
        lexicon_checksum=lexicon.checksum, checkpoint_policy=policy, unibench_version=__version__,
        partial=corpus.partial,
    )
    entries = [dict(dataset=card.name, **s, partial=corpus.partial) for s in chosen]
    outcome = DatasetOutcome(card, corpus, entries, scores, records, spec, checksums)
    if bootstrap > 0:
        from unibench.intervals import add_intervals

        add_intervals(outcome, bootstrap, seed)  # from the in-memory records, so --no-records still gets CIs
    return outcome


def _record(row: dict, response, extraction) -> dict:
    rec = dict(row, response=response.text)
    errors = {k: v for k, v in (("output", response.error), ("extraction", extraction.error)) if v}
    if errors:
        rec["error"] = errors
    return rec


def _portable(path: str, root: str | Path | None) -> str:
    """A path relative to its root (data root, model folder), so stored results carry no machine layout;
    just the file name when it lies elsewhere. The checksum next to it identifies the file."""
    p = Path(path)
    if root is not None:
        try:
            return p.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return p.name


def result_document(o: DatasetOutcome, adapter, extractor, lexicon, command: str, *,
                    invocation: dict | None = None, records: bool = True, data_root: str | Path | None = None,
                    modalities: dict | None = None) -> dict:
    """The stored results/<model>/<dataset>.json (schema documented in README, 'Results schema').

    `invocation` holds the run's arguments (paths as the user gave them) so `unibench check` can re-score it;
    `records=False` leaves out the per-sample records (gold labels, responses) for results that get committed.
    """
    label_root = data_root if data_root is not None else Path(o.corpus.label_path).parent.parent
    model_root = getattr(adapter, "arg", None)
    doc = {
        "schema": "unibench.result/1",
        "model": {"name": o.spec.model, **adapter.describe(), **({"modalities": modalities} if modalities else {})},
        "dataset": {"name": o.card.name, "version": o.card.version, "title": o.card.title, "task": o.card.task,
                    "n_test": o.card.n_test, "n_loaded": len(o.corpus.samples), "partial": o.corpus.partial,
                    "citation": o.card.citation},
        "protocol": PROTOCOL,
        "lexicon": lexicon.describe(),
        "extractor": extractor.describe(),
        "checkpoint_policy": o.spec.checkpoint_policy,
        "results": o.entries,
        "checkpoints": o.all_scores,
        "records": o.records,
        "provenance": {
            "unibench_version": __version__,
            "card_version": o.card.version,
            "run_spec": o.spec.to_dict(),
            "run_spec_hash": o.spec.hash(),
            "checksums": {"label_file": {_portable(o.corpus.label_path, label_root): o.corpus.label_sha256},
                          "lexicon": lexicon.checksum,
                          "predictions": {_portable(f, model_root): h for f, h in o.files.items()}},
            "command": command,
            "invocation": invocation or {},
            "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        },
    }
    if not records:
        del doc["records"]
        doc["records_omitted"] = True
    return doc


def result_path(results_dir: str | Path, model_name: str, dataset: str, partial: bool) -> Path:
    return Path(results_dir) / model_name / (f"{dataset}.partial.json" if partial else f"{dataset}.json")
