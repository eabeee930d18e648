"""One dataset's run: corpus -> model outputs (per checkpoint) -> extraction -> scores -> selection -> result.

Everything is computed and validated before anything is written, so bad input never leaves half a result. The
library surface (`unibench.api`) drives this per dataset; shards and merges use `collect` and `finish` directly.
"""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import AbstractSet, Any, Mapping

from unibench import __version__
from unibench.errors import UserError, preview
from unibench.extract.diagnostics import diagnostics
from unibench.merbench import merbench_secondary
from unibench.paths import combine_sha256, sha256_file
from unibench.schema import Corpus, Extraction, Response, RunSpec, Score
from unibench.scoring import columns as sample_columns, prepare as prepare_lexicon, score_task
from unibench.store import SampleColumns

PROTOCOL = "mer-unibench"


@dataclass(frozen=True)
class RunOptions:
    """How a run was asked for, beyond the corpus: what the RunSpec records and rebuilds from."""

    model_name: str
    model_spec: str                          # --model as given (a location: paths differ between machines)
    model_options: Mapping[str, str] = field(default_factory=dict)  # -M options, secrets removed
    checkpoint_policy: str = "best"
    bootstrap: int = 1000
    seed: int = 0
    records: bool = True
    allow_partial: bool = False
    data_root: str | None = None
    lexicon_arg: str | None = None
    modalities: Mapping[str, bool] | None = None
    reproduces: str | None = None
    max_failed: float | None = None  # the failed share the run accepted (the leaderboard ranks nothing beyond it)
    limit: int | None = None  # a trial run on the first N samples of each corpus (partial, never ranked)
    missing: str = "error"    # "wrong": samples the predictions lack are scored as wrong and counted (partial)


@dataclass(frozen=True)
class DatasetResult:
    """A scored dataset: every checkpoint's score, the kept ones, the per-sample rows and the spec."""

    card: Any
    corpus: Corpus
    spec: RunSpec
    checkpoints: tuple[Score, ...]
    selected: tuple[Score, ...]
    samples: tuple[SampleColumns, ...] | None  # the per-sample store, a block per checkpoint; None: records off
    inputs: tuple[Mapping[str, Any], ...]  # per checkpoint: model and extractor files read -> sha256
    model: Mapping[str, Any]               # adapter.describe(), name, modalities, reproduces
    extractor: Mapping[str, Any]           # extractor.describe()
    lexicon: Mapping[str, Any]             # lexicon.describe()

    @property
    def name(self) -> str:
        return self.card.name

    @functools.cached_property
    def encoded_samples(self) -> bytes | None:
        """The per-sample store as written and hashed, encoded once (a forked worker encodes its own)."""
        return _encoded(self.samples)

    def stored(self, command: str) -> list[tuple[str, bytes]]:
        """The files of this result as `Run.save` writes them (names relative to the model's folder, bytes),
        built once per command (a forked worker builds its own, in parallel)."""
        cache = self.__dict__.setdefault("_stored", {})
        if command not in cache:
            from unibench.store import result_document, result_path, stored_texts

            path = result_path("", "", self.name, self.corpus.partial)
            cache[command] = [(p.name, text) for p, text in stored_texts(
                path, result_document(self, command), self.samples, self.encoded_samples)]
        return cache[command]

    @property
    def rows(self) -> tuple[dict, ...] | None:
        """The per-sample store as rows (every checkpoint), as `unibench.store.sample_rows` reads them back."""
        return None if self.samples is None else tuple(r for b in self.samples for r in b.rows())


def _encoded(samples) -> bytes | None:
    from unibench.store import encode_samples

    return None if samples is None else encode_samples(samples).encode("utf-8")


def check_ids(where: str, gold_ids: list[str] | AbstractSet[str], got_ids, allow_extra: bool = False) -> int:
    """Predictions must cover exactly the test samples. Returns how many extra ids were ignored (partial mode).
    `gold_ids` may be a set already (a dataset checks every checkpoint against the same ids)."""
    gold = gold_ids if isinstance(gold_ids, (set, frozenset)) else set(gold_ids)
    if isinstance(got_ids, dict) and len(got_ids) == len(gold) and got_ids.keys() >= gold:
        return 0  # the common case, without building a set of the predictions
    got = set(got_ids)
    missing, extra = gold - got, got - gold
    if missing:
        raise UserError(f"{where}: predictions miss {len(missing)} of {len(gold)} test samples "
                        f"({preview(missing)}); re-export the outputs for the whole test split")
    if extra and not allow_extra:
        raise UserError(f"{where}: {len(extra)} sample ids are not in the test split ({preview(extra)}); "
                        "are these outputs for another dataset or split?")
    return len(extra)


def select(scores: list[Score], policy: str) -> tuple[list[Score], str]:
    """Pick checkpoints by policy; returns (selected scores, the selection label every output shows)."""
    n = len(scores)
    if policy == "all":
        return scores, "all checkpoints"
    if policy == "best":
        valid = [s for s in scores if s.score is not None]
        if not valid:
            raise UserError("no checkpoint produced a score")
        best = max(valid, key=lambda s: s.score or 0.0)  # first of equals in name order, as a stable rule
        return [best], (f"best of {n} on test" if n > 1 else "single checkpoint")
    if policy == "last":
        with_epoch = [s for s in scores if s.epoch is not None]
        if not with_epoch:
            raise UserError("--checkpoint last needs checkpoint_<epoch> names; give a checkpoint name, best or all")
        return [max(with_epoch, key=lambda s: s.epoch or 0)], f"last of {n} (highest epoch)"
    wanted = [s for s in scores if s.checkpoint == policy or (policy.isdigit() and s.epoch == int(policy))]
    if not wanted:
        raise UserError(f"--checkpoint {policy}: no such checkpoint (have: {preview(s.checkpoint for s in scores)})")
    return wanted[:1], f"fixed checkpoint {policy}"


@dataclass
class Collected:
    """One checkpoint's per-sample outputs (None when not read yet) and extractions, before scoring."""

    checkpoint: Any
    ext: dict[str, Extraction]
    outputs: dict[str, Response] | None = None
    files: list = field(default_factory=list)            # the model's files of this checkpoint
    extractor_files: list = field(default_factory=list)  # files the extractor read (e.g. upstream caches)
    n_missing: int = 0  # samples the outputs lacked, scored as wrong (--missing wrong)

    def sha256(self, path) -> str:
        """A file's checksum: as recorded (merge, rescore: the file may be elsewhere now), else read now."""
        return self.checkpoint.checksums.get(str(path)) or sha256_file(path)


def collect(card, corpus: Corpus, adapter, extractor, checkpoints: list, ids: list[str] | None = None,
            outputs_needed: bool = False, missing_wrong: bool = False) -> list[Collected]:
    """Outputs (when the extractor needs them, the run stores them, or `ids` asks for a slice) and extractions
    for each checkpoint; the extractor gets every checkpoint at once (an LLM extractor sends one batch). With
    `ids` (a shard) everything is restricted to those samples. With `missing_wrong`, samples the model's outputs
    lack get an empty prediction (scored as wrong) and are counted in `n_missing`."""
    wanted = corpus.ids if ids is None else ids
    keep = set(wanted)
    samples = corpus.samples if ids is None else [corpus.samples[j] for j, i in enumerate(corpus.ids) if i in keep]
    read: list[dict[str, Response] | None] = []
    for ck in checkpoints:
        outputs = None
        if extractor.needs_outputs or outputs_needed or ids is not None:
            outputs = adapter.outputs(ck, samples)
            if ids is not None:  # saved-output adapters return every sample; a shard keeps its slice
                outputs = {k: v for k, v in outputs.items() if k in keep}
            if not missing_wrong:
                check_ids(f"{card.name} / {ck.name} outputs", keep, outputs, allow_extra=corpus.partial)
        read.append(outputs)
    exts = extractor.extract_many(card.task, [(ck, outputs if extractor.needs_outputs else None)
                                              for ck, outputs in zip(checkpoints, read)])
    out = []
    for ck, outputs, ext in zip(checkpoints, read, exts):
        if ids is not None:
            ext = {k: v for k, v in ext.items() if k in keep}
        n_missing = 0
        if missing_wrong:
            lacking = [i for i in wanted if i not in ext]
            n_missing = len(lacking)
            empty = Extraction(labels="", sentiment="" if card.task == "sentiment" else None)
            ext.update({i: empty for i in lacking})
            if outputs is not None:
                outputs.update({i: Response() for i in wanted if i not in outputs})
        check_ids(f"{card.name} / {ck.name}", keep, ext, allow_extra=corpus.partial)
        out.append(Collected(ck, ext, outputs, list(ck.files), list(extractor.source_files(ck, card.task)),
                             n_missing))
    return out


def failures(c: Collected, ids: list[str]) -> dict:
    """Per-sample errors of one checkpoint: failed model calls and failed extractions (counted, never dropped).
    A failed sample is scored as an empty prediction; the commonest error messages come along."""
    out = c.outputs or {}
    if all(e.error is None for e in c.ext.values()) and all(r.error is None for r in out.values()):
        return {"n_failed": 0, "n_failed_outputs": 0, "n_failed_extractions": 0}  # the common case, in one pass
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
    doc: dict[str, Any] = {"n_failed": n_any, "n_failed_outputs": n_out, "n_failed_extractions": n_ext}
    if msgs:
        doc["failure_examples"] = dict(msgs.most_common(3))
    return doc


def limited(corpus: Corpus, opts: RunOptions) -> Corpus:
    """The corpus a run scores: with --limit, its first N samples (a trial run, marked partial)."""
    if opts.limit is None:
        return corpus
    return replace(corpus, samples=corpus.samples[:opts.limit], gold=corpus.gold[:opts.limit], partial=True)


def evaluate_part(card, corpus: Corpus, adapter, extractor, lexicon, opts: RunOptions,
                  checkpoints: list) -> tuple[Corpus, "ScoredPart"]:
    """Read and score some checkpoints of a dataset (all of them, or a share of a split dataset): the corpus as
    scored (limited; partial when samples were missing) and the part that `assemble` joins."""
    adapter.bind_lexicon(lexicon)  # word finders (lexicon extractor, text baselines) use the run's lexicon
    extractor.bind_lexicon(lexicon)
    corpus = limited(corpus, opts)
    collected = collect(card, corpus, adapter, extractor, checkpoints, outputs_needed=opts.records,
                        missing_wrong=opts.missing == "wrong")
    if any(c.n_missing for c in collected):  # kept apart from complete results, like a partial split
        corpus = replace(corpus, partial=True)
    return corpus, score_checkpoints(card, corpus, collected, adapter, extractor, lexicon, opts)


def evaluate_dataset(card, corpus: Corpus, adapter, extractor, lexicon, opts: RunOptions) -> DatasetResult:
    corpus, part = evaluate_part(card, corpus, adapter, extractor, lexicon, opts, adapter.checkpoints(card))
    return assemble(card, corpus, [part], adapter, extractor, lexicon, opts)


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


def stage_columns(ids: list[str], outputs: Mapping[str, Response] | None, ext: dict[str, Extraction]) -> dict:
    """The per-sample columns of the stages before scoring: each response (text, structured prediction and its
    confidence) and each error of the model call or the extraction."""
    cols: dict[str, list] = {}
    rs = [outputs.get(i) for i in ids] if outputs is not None else [None] * len(ids)
    if outputs is not None:
        cols["response"] = [None if r is None else r.text for r in rs]
        if any(r is not None and r.structured for r in rs):
            from unibench.report.confidence import response_confidence

            cols["prediction"] = [{k: v for k, v in r.to_dict().items() if k not in ("text", "error")}
                                  if r is not None and r.structured else None for r in rs]
            cols["confidence"] = [response_confidence(r) if r is not None and r.structured else None for r in rs]
    es = [ext[i] for i in ids]
    if any(e.error for e in es) or any(r is not None and r.error for r in rs):
        cols["error"] = [{k: v for k, v in (("output", r.error if r else None), ("extraction", e.error)) if v} or None
                         for r, e in zip(rs, es)]
    return cols


@dataclass
class ScoredPart:
    """Some checkpoints of a dataset scored, before the policy picks among them all: what `assemble` needs, and
    small enough for a forked worker to send (no model outputs, unless nothing but them identifies the run)."""

    scores: list[Score]
    scored: dict[str, Any]                  # checkpoint -> its scoring.Scored (the arrays intervals resample)
    samples: list[SampleColumns] | None     # a per-sample block per checkpoint; None: records off
    inputs: list[dict]                      # per checkpoint: model and extractor files read -> sha256
    cis: dict[str, dict]                    # intervals computed with the scores (policy all: every checkpoint's)
    collected: list[Collected] | None       # kept only when no file was read (live models: their outputs are hashed)

    @functools.cached_property
    def encoded_samples(self) -> bytes | None:
        """The blocks as the per-sample store holds them (a split dataset's store is its parts' bytes, in order)."""
        return _encoded(self.samples)


def score_checkpoints(card, corpus: Corpus, collected: list[Collected], adapter, extractor, lexicon,
                      opts: RunOptions) -> ScoredPart:
    """Score each checkpoint and build its per-sample block. Under `--checkpoint all` every checkpoint is kept
    whatever the others scored, so its interval is computed here too (the draws depend only on the corpus and the
    seed, so a share of a split dataset gets the intervals the whole would)."""
    gold, ids = corpus.gold, corpus.ids  # one object for every part: what derives from the gold is memoised
    id_set = set(ids)
    scores: list[Score] = []
    scored, inputs = {}, []
    prepare_lexicon(lexicon, card.task, gold, [c.ext for c in collected])  # one embedding batch per part
    for c in collected:
        ck = c.checkpoint
        extra = check_ids(f"{card.name} / {ck.name}", id_set, c.ext, allow_extra=corpus.partial)
        result = score_task(card.task, gold, c.ext, lexicon)
        entry = dict(result.score, dataset=card.name, checkpoint=ck.name, epoch=ck.epoch, n_extra_ignored=extra,
                     partial=corpus.partial, **failures(c, ids),
                     **({"n_missing": c.n_missing} if opts.missing == "wrong" else {}))
        entry.update(adapter.describe_outputs(ck))  # e.g. the prediction kind the adapter detected
        entry["secondary"] = {**entry["secondary"], **merbench_secondary(card, gold, c.outputs)}
        entry["diagnostics"] = diagnostics(c.outputs or adapter.outputs(ck, corpus.samples), c.ext, ids,
                                          result.n_labels)
        scores.append(Score.from_dict(entry))
        scored[ck.name] = result
        inputs.append({"checkpoint": ck.name, "model_files": {str(f): c.sha256(f) for f in c.files},
                       "extractor_files": {str(f): c.sha256(f) for f in c.extractor_files}})
    samples = None
    if opts.records:  # the per-sample store: every checkpoint, every stage
        samples = [SampleColumns(c.checkpoint.name, len(gold), {
            **sample_columns(card.task, gold, c.ext, scored[c.checkpoint.name], lexicon.wheels),
            **stage_columns(ids, c.outputs, c.ext)}) for c in collected]
    cis = {}
    if opts.checkpoint_policy == "all":
        cis = _intervals(card, corpus, scored, scores, opts)
    any_file = any(i["model_files"] or i["extractor_files"] for i in inputs)
    return ScoredPart(scores, scored, samples, inputs, cis, None if any_file else collected)


def _intervals(card, corpus: Corpus, scored: dict, kept: list[Score], opts: RunOptions) -> dict[str, dict]:
    """The `ci` of each kept checkpoint that has a score, from the scorer's arrays (draws shared by them all)."""
    expected: dict[str, float | None] = {s.checkpoint: s.score for s in kept if s.score is not None}
    if opts.bootstrap <= 0 or not expected:
        return {}
    from unibench.intervals import checkpoint_intervals

    return checkpoint_intervals(card, corpus, scored, expected, opts.bootstrap, opts.seed)


def assemble(card, corpus: Corpus, parts: list[ScoredPart], adapter, extractor, lexicon,
             opts: RunOptions) -> DatasetResult:
    """Select by policy among every checkpoint of `parts` (in checkpoint order) and build the result."""
    scores = [s for p in parts for s in p.scores]
    scored = {k: v for p in parts for k, v in p.scored.items()}
    inputs = [i for p in parts for i in p.inputs]
    chosen, selection = select(scores, opts.checkpoint_policy)
    kept = {s.checkpoint for s in chosen}
    cis = {k: v for p in parts for k, v in p.cis.items()}
    pending = [s for s in chosen if s.checkpoint not in cis]  # other policies: the chosen, now
    if pending:
        cis.update(_intervals(card, corpus, scored, pending, opts))
    selected = [s.with_(selection=selection, ci=cis.get(s.checkpoint)) for s in chosen]
    all_scores = tuple(s.with_(selection=selection) if s.checkpoint in kept else s for s in scores)
    files = [(f, sha) for i in inputs for part in ("model_files", "extractor_files") for f, sha in i[part].items()]
    if files:
        predictions_sha256 = combine_sha256(files)
    else:
        collected = [c for p in parts for c in p.collected or ()]
        predictions_sha256 = _outputs_sha256(collected, corpus.ids)
    spec = RunSpec(
        protocol=PROTOCOL, dataset=card.name, dataset_version=card.version, label_sha256=corpus.label_sha256,
        model=opts.model_name, adapter=adapter.kind, model_options=dict(opts.model_options),
        predictions_sha256=predictions_sha256,
        extractor=extractor.spec, extractor_settings=extractor.settings(),
        lexicon=f"{lexicon.id}@{lexicon.version}", lexicon_checksum=lexicon.checksum,
        checkpoint_policy=opts.checkpoint_policy, bootstrap={"n_resamples": opts.bootstrap, "seed": opts.seed},
        partial=corpus.partial, allow_partial=opts.allow_partial, limit=opts.limit, missing=opts.missing,
        unibench_version=__version__,
        locations={"model_spec": opts.model_spec, "data_root": opts.data_root, "lexicon_arg": opts.lexicon_arg,
                   "extractor_endpoint": extractor.describe().get("base_url")},
        labels={k: v for k, v in (("modalities", dict(opts.modalities or {})), ("reproduces", opts.reproduces),
                                  ("max_failed", opts.max_failed)) if v is not None and v != {}},
    )
    model = {"name": opts.model_name, **adapter.describe()}
    if opts.modalities:
        model["modalities"] = dict(opts.modalities)
    if opts.reproduces:
        model["reproduces"] = opts.reproduces
    samples = None if parts[0].samples is None else tuple(b for p in parts for b in p.samples or ())
    result = DatasetResult(card, corpus, spec, all_scores, tuple(selected), samples,
                           tuple(inputs), model, extractor.describe(), lexicon.describe())
    if samples is not None and len(parts) > 1:  # the parts' encodings, as encoding the whole would give them
        result.__dict__["encoded_samples"] = b"".join(p.encoded_samples or b"" for p in parts)
    return result


def finish(card, corpus: Corpus, collected: list[Collected], adapter, extractor, lexicon,
           opts: RunOptions) -> DatasetResult:
    """Score every checkpoint, select by policy, build the per-sample rows. Shared by run, rescore and merge."""
    part = score_checkpoints(card, corpus, collected, adapter, extractor, lexicon, opts)
    return assemble(card, corpus, [part], adapter, extractor, lexicon, opts)


def portable(path: str, root: str | Path | None) -> str:
    """A path relative to its root (data root, model folder), so stored results carry no machine layout;
    just the file name when it lies elsewhere. The checksum next to it identifies the file."""
    p = Path(path)
    if root is not None:
        try:
            return _resolved(str(p)).relative_to(_resolved(str(root))).as_posix()
        except ValueError:
            pass
    return p.name


@functools.lru_cache(maxsize=4096)
def _resolved(path: str) -> Path:
    return Path(path).resolve()  # a result names each file twice and its root once per file: resolve once
