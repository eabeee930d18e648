"""The library surface: evaluate a model, get typed results and frames, save, load, re-score.

    import unibench
    run = unibench.evaluate("affectgpt-npz:PATH/output", ["mer2023", "mosi"], data_root="PATH/dataset",
                            lexicon="affectgpt:PATH/emotion_wheel")      # nothing written unless asked
    run.to_frame()                  # one row per dataset x kept checkpoint
    run.to_frame(samples=True)      # one row per sample and checkpoint
    run.save("results/")            # exactly the files `unibench run` writes
    unibench.load_results("results/")
    unibench.rescore("results/affectgpt", lexicon="native")   # from the stored responses/extractions

The command-line commands are thin layers over these functions. pandas is imported only by the frame functions.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from unibench.errors import UserError
from unibench.runner import DatasetResult, RunOptions
from unibench.schema import RunSpec, SampleRecord, Score

# extractor_options keys -> the attribute names `Extractor.from_args` reads (the CLI's --extractor-* options)
EXTRACTOR_OPTIONS = ("base_url", "model", "temperature", "concurrency", "timeout", "retries", "answer_tag")


@dataclass(frozen=True)
class Run:
    """What `evaluate` or `rescore` returns: one DatasetResult per scored dataset, what was skipped and why."""

    name: str
    results: tuple[DatasetResult, ...]
    skipped: tuple[Mapping[str, str], ...] = ()
    checkpoint_policy: str = "best"
    command: str = ""
    stats: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # engine counts: run facts, not results
    warnings: tuple[str, ...] = ()  # diagnostics that call for a look (empty extractions, unread Chinese, ...)

    @property
    def lexicon(self) -> Mapping[str, Any]:
        return self.results[0].lexicon if self.results else {}

    @property
    def extractor(self) -> Mapping[str, Any]:
        return self.results[0].extractor if self.results else {}

    def scores(self) -> list[Score]:
        """The kept checkpoints' scores, dataset by dataset."""
        return [s for r in self.results for s in r.selected]

    def records(self) -> Iterator[SampleRecord]:
        """Every stored per-sample row as a typed record (every checkpoint)."""
        for r in self.results:
            for row in r.rows or ():
                yield record_of(self.name, r.name, row)

    def summary(self, suite: Sequence[str] | None = None, files: Mapping[str, str] | None = None) -> dict:
        """The run document `unibench run --format json` prints."""
        from unibench.datasets import suite_names
        from unibench.report import summary

        return summary(self, list(suite) if suite is not None else suite_names(), files or {})

    def to_frame(self, samples: bool = False):
        """pandas DataFrame: one row per dataset x kept checkpoint, or (samples=True) per sample x checkpoint."""
        if samples:
            return _sample_frame((self.name, r.name, row) for r in self.results for row in r.rows or ())
        return _score_frame((r.spec.to_dict(), r.lexicon, r.extractor, s.to_dict())
                            for r in self.results for s in r.selected)

    def files(self, results_dir: str | Path = "results") -> dict[str, str]:
        """dataset -> the result file `save(results_dir)` writes for it."""
        from unibench.store import result_path

        return {r.name: str(result_path(results_dir, self.name, r.name, r.corpus.partial)) for r in self.results}

    def check_failures(self, limit: float) -> None:
        """CheckFailed when more than `limit` (a fraction) of a dataset's samples failed at any checkpoint."""
        check_failures([(r.name, s.checkpoint, s.n_failed, s.n_total,
                         next(iter(s.extra.get("failure_examples", {})), ""))
                        for r in self.results for s in r.checkpoints], limit)

    def save(self, results_dir: str | Path = "results") -> list[Path]:
        """Write results/<name>/<dataset>.json (+ .samples.jsonl): exactly what `unibench run` writes."""
        from unibench.paths import write_atomic_many

        folder = Path(results_dir) / self.name
        files = [(folder / name, text) for r in self.results for name, text in r.stored(self.command)]
        write_atomic_many(files)  # every file built before the first is written; none renamed unless all are
        return [f for f, _ in files]


def check_failures(rows: Iterable[tuple[str, str, int, int, str]], limit: float) -> None:
    """Too many failed samples is a failed run, not a low score (successes are cached, so a re-run resumes).
    `rows`: (dataset, checkpoint, n_failed, n_total, an example message)."""
    from unibench.errors import CheckFailed

    for ds, ck, n_failed, n_total, example in rows:
        if n_total and n_failed / n_total > limit:
            raise CheckFailed(f"{ds} / {ck}: {n_failed} of {n_total} samples failed (model call or extraction), "
                              f"more than --max-failed {limit:g}; nothing written"
                              + (f" (e.g. {example[:160]})" if example else "") +
                              ". Finished calls are cached: fix the cause and re-run")


def record_of(model: str, dataset: str, row: Mapping[str, Any]) -> SampleRecord:
    value = {k: row[k] for k in ("hit", "pr", "polarity") if k in row}
    return SampleRecord(model=model, dataset=dataset, checkpoint=row.get("checkpoint", ""), id=row["id"],
                        gold=row.get("gold"), labels=row.get("pred", ""), sentiment=row.get("sentiment"),
                        value=next(iter(value.values()), None), response=row.get("response"),
                        prediction=row.get("prediction"), error=row.get("error"), cluster=row.get("cluster"))


# ---- evaluate ---------------------------------------------------------------------------------------------------

def _names(datasets: str | Iterable[str]) -> tuple[list[str], bool]:
    from unibench.cli import split_list
    from unibench.datasets import suite_names

    if isinstance(datasets, str):
        return split_list(datasets, suite_names(), "dataset"), datasets.strip().lower() == "all"
    names = [str(d) for d in datasets]
    if not names:
        raise UserError("no dataset given; name one or more, or 'all'")
    return names, False


def parse_modalities(value: str | Mapping[str, bool] | None) -> dict[str, bool] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        got = {k.upper() for k, v in value.items() if v}
    else:
        got = {v.strip().upper() for v in value.split(",") if v.strip()}
    if not got or not got <= {"A", "V", "T"}:
        raise UserError(f"--modalities {value}: expected a comma-separated subset of A,V,T")
    return {m: m in got for m in ("A", "V", "T")}


def extractor_args(options: Mapping[str, Any] | None, progress: bool = False) -> types.SimpleNamespace:
    """The namespace `Extractor.from_args` reads, from an extractor_options mapping."""
    options = dict(options or {})
    unknown = set(options) - set(EXTRACTOR_OPTIONS)
    if unknown:
        raise UserError(f"extractor option(s) {', '.join(sorted(unknown))}: known are {', '.join(EXTRACTOR_OPTIONS)}")
    return types.SimpleNamespace(progress=progress, answer_tag=options.get("answer_tag"),
                                 **{f"extractor_{k}": options.get(k) for k in EXTRACTOR_OPTIONS})


@dataclass(frozen=True)
class Prepared:
    """A run set up and validated before any work: the parts `evaluate` (and `run --shard`) drive."""

    adapter: Any
    extractor: Any
    lexicon: Any
    cards: tuple[Any, ...]
    root: Path | None
    options: RunOptions
    requested_all: bool


def prepare(model: str, datasets: str | Iterable[str] = "all", *, data_root: str | Path | None = None,
            lexicon: str | None = None, extractor: str = "auto", checkpoint: str = "best",
            model_args: Mapping[str, str] | None = None, name: str | None = None, bootstrap: int = 1000,
            seed: int = 0, allow_partial: bool = False, records: bool = True,
            modalities: str | Mapping[str, bool] | None = None, reproduces: str | None = None,
            extractor_options: Mapping[str, Any] | None = None, adapters_dir: str | None = None,
            progress: bool = False, max_failed: float = 0.05, limit: int | None = None,
            missing: str = "error") -> Prepared:
    """Build and check the adapter, datasets, lexicon and extractor of a run (bad input fails here)."""
    from unibench.adapters import build_adapter
    from unibench.datasets import get_card
    from unibench.datasets.loader import data_root as resolve_root
    from unibench.extract.auto import resolve_extractor
    from unibench.lexicon.registry import load_lexicon

    if bootstrap < 0:
        raise UserError(f"--bootstrap {bootstrap}: give a number of resamples >= 0")
    if limit is not None and limit < 1:
        raise UserError(f"--limit {limit}: give a number of samples >= 1")
    if missing not in ("error", "wrong"):
        raise UserError(f"--missing {missing}: expected 'error' (the default) or 'wrong'")
    mods = parse_modalities(modalities)
    options = dict(model_args or {})
    if adapters_dir:
        options["adapters_dir"] = adapters_dir
    adapter = build_adapter(model, options)
    if hasattr(adapter, "progress"):
        adapter.progress = progress
    names, requested_all = _names(datasets)
    cards = tuple(get_card(n) for n in names)  # unknown names fail here, before any work
    root = resolve_root(None if data_root is None else str(data_root))
    lex = load_lexicon(lexicon)
    ext = resolve_extractor(extractor, adapter, extractor_args(extractor_options, progress))
    from unibench.paths import safe_name

    from unibench.redact import redact

    opts = RunOptions(model_name=safe_name(name or adapter.default_name, "--name" if name else
                                           "model name (set --name)"), model_spec=redact(model),
                      model_options=_public_options(options), checkpoint_policy=checkpoint, bootstrap=bootstrap,
                      seed=seed, records=records, allow_partial=allow_partial,
                      data_root=None if root is None else str(root), lexicon_arg=lexicon, modalities=mods,
                      reproduces=reproduces, max_failed=max_failed, limit=limit, missing=missing)
    return Prepared(adapter, ext, lex, cards, root, opts, requested_all)


def evaluate(model: str, datasets: str | Iterable[str] = "all", *, command: str | None = None,
             jobs: int | None = None, **kwargs: Any) -> Run:
    """Score `model` (a `--model` spec: affectgpt-npz:PATH, preds:FILE, a model card name, file.py:Class) on
    `datasets` ('all', a comma-separated string or a list). Nothing is written; `Run.save` writes.

    Keyword arguments (as `unibench run`'s options): data_root, lexicon, extractor ('auto'), checkpoint ('best'),
    model_args (the -M options), name, bootstrap (1000), seed (0), allow_partial, records (True), modalities,
    reproduces, extractor_options (base_url, model, temperature, concurrency, timeout, retries), adapters_dir,
    progress, limit (the first N samples of each corpus: a trial run, marked partial), missing ('error', or
    'wrong': samples the predictions lack are scored as wrong and counted in n_missing, marked partial),
    max_failed (0.05: recorded with the result, the leaderboard ranks nothing beyond it;
    `Run.check_failures(limit)` refuses a run that exceeds it, as `unibench run` does). With 'all', corpora whose data is absent are skipped and reported in `Run.skipped`.
    `jobs`: processes that score datasets side by side, a dataset heavier than a process's share being split by
    checkpoint (None: every core when the adapter and extractor read only local files and the lexicon loads no
    model or can defer loading it, else 1; the results are the same either way). Forked workers never load the native lexicon's embedding model: if one meets a word it has never
    embedded, the run is scored again in one process, where the model loads once.
    """
    from unibench.datasets import load_corpus
    from unibench.forked import can_fork, cpus, map_forked
    from unibench.runner import ScoredPart, evaluate_dataset, evaluate_part

    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs {jobs}: give a number of processes >= 1")
    p = prepare(model, datasets, **kwargs)
    corpora: dict[str, Any] = {}  # loaded in this process (a split dataset's parts share one)

    def corpus_of(card):
        got = corpora.get(card.name)
        if got is None:
            got = corpora[card.name] = load_corpus(card, p.root, allow_partial=p.options.allow_partial,
                                                   subtitles=p.adapter.reads_inputs)
        return got

    def one(unit):  # a whole dataset (checkpoints None) or a part of one: some of its checkpoints
        card, checkpoints = unit
        try:
            if checkpoints is None:
                return evaluate_dataset(card, corpus_of(card), p.adapter, p.extractor, p.lexicon, p.options)
            return evaluate_part(card, corpus_of(card), p.adapter, p.extractor, p.lexicon, p.options,
                                 checkpoints)[1]
        except UserError as err:
            if not p.requested_all:
                raise
            return {"dataset": card.name, "reason": str(err)}

    if jobs is None:  # local inputs only: a live model or LLM extractor keeps its one connection pool and batch;
        # a lexicon that may load a model forks only when it can defer the load (below)
        lex = p.lexicon
        local = all(getattr(x, "local", False) for x in (p.adapter, p.extractor)) and (
            getattr(lex, "local", False) or getattr(lex, "defers_model_load", False))
        jobs = cpus() if local else 1

    command = command or _api_command(model, [c.name for c in p.cards])

    def finish_result(r):  # each worker builds the files of its results (for Run.save), in parallel
        if isinstance(r, DatasetResult):
            r.stored(command)
        elif isinstance(r, ScoredPart):
            r.encoded_samples  # noqa: B018 (cached)

    whole = [(c, None) for c in p.cards]
    units, bins = _work_plan(p, jobs) if jobs > 1 and can_fork() else (whole, [])
    if len(bins) > 1:
        from unibench.lexicon.native_embed import ModelNeeded, deferred_load

        def deferring(unit):
            try:
                return one(unit)
            except ModelNeeded:
                return None

        # No worker loads an embedding model (each would load its own): one that meets a truly new word gives
        # its dataset up, and then the whole run starts again in this process, where the model loads once and
        # every dataset is scored as with jobs=1.
        with deferred_load():
            got = map_forked(deferring, units, [1] * len(units), jobs, finish_result, bins)
        done = None if any(d is None for d in got) else _joined(p, units, got, corpus_of)
        if done is None:
            done = [one(u) for u in whole]
    else:
        done = [one(u) for u in whole]
    results = [r for r in done if isinstance(r, DatasetResult)]
    skipped = [r for r in done if not isinstance(r, DatasetResult)]
    if not results:
        raise UserError("nothing scored: " + "; ".join(s["reason"] for s in skipped))
    from unibench.extract.diagnostics import run_warnings

    return Run(p.options.model_name, tuple(results), tuple(skipped), p.options.checkpoint_policy,
               command, engine_stats(p.adapter, p.extractor),
               tuple(run_warnings(results, p.extractor, p.lexicon)))


def _work_plan(p: Prepared, jobs: int) -> tuple[list[tuple[Any, list | None]], list[list[int]]]:
    """The units of work of a forked run, (card, None) for a whole dataset or (card, some of its checkpoints), and
    the units of each worker (forked.plan): a dataset heavier than a worker's share is split by checkpoint, so
    one large corpus does not keep one process busy while the others wait. Weights are samples x checkpoints."""
    from unibench.forked import plan

    checkpoints: list[list | None] = []
    for card in p.cards:
        try:
            checkpoints.append(p.adapter.checkpoints(card))
        except UserError:
            checkpoints.append(None)  # reported when the dataset is scored
    # with --missing wrong a part's missing samples would mark only its own checkpoints partial: kept whole
    split = p.options.missing == "error"
    weights = [(c.n_test or 1) * len(cks or [1]) for c, cks in zip(p.cards, checkpoints)]
    pieces = [len(cks) if cks and split else 1 for cks in checkpoints]
    units: list[tuple[Any, list | None]] = []
    bins: list[list[int]] = []
    for share in plan(weights, pieces, jobs):
        bins.append([])
        for i, run in share:
            bins[-1].append(len(units))
            cks = checkpoints[i]
            units.append((p.cards[i], None if run is None or cks is None else [cks[k] for k in run]))
    return units, bins


def _joined(p: Prepared, units: list, got: list, corpus_of) -> list[Any]:
    """One result per dataset, in the run's order, from the workers' units: a split dataset's parts are
    assembled here, in the order of `units`, which is checkpoint order (`plan` hands the workers contiguous runs
    in worker order, and `_work_plan` lists the units worker by worker); a part that failed skips its dataset."""
    from unibench.runner import assemble, limited

    out = []
    for card in p.cards:
        mine = [(cks, r) for (c, cks), r in zip(units, got) if c is card]
        if len(mine) == 1 and mine[0][0] is None:
            out.append(mine[0][1])
            continue
        skipped = [r for _, r in mine if isinstance(r, dict)]
        if skipped:
            out.append(skipped[0])
            continue
        out.append(assemble(card, limited(corpus_of(card), p.options), [r for _, r in mine], p.adapter,
                            p.extractor, p.lexicon, p.options))
    return out


def engine_stats(adapter: Any, extractor: Any) -> dict[str, dict[str, int]]:
    return {k: dict(obj.stats) for k, obj in (("model_calls", adapter), ("extractor_calls", extractor))
            if getattr(obj, "stats", None)}


def _public_options(options: Mapping[str, str]) -> dict[str, str]:
    """-M options as recorded: secrets removed (unibench.redact); the adapters folder is a location, not identity."""
    from unibench.redact import redact

    return redact({k: v for k, v in options.items() if k != "adapters_dir"})


def _api_command(model: str, names: list[str]) -> str:
    return f"unibench.evaluate({model!r}, {names!r})"


# ---- rebuilding a stored run ------------------------------------------------------------------------------------

def stored_spec(path: Path, doc: Mapping[str, Any]) -> RunSpec:
    spec = doc.get("provenance", {}).get("run_spec")
    if doc.get("schema") != "unibench.result/2" or not isinstance(spec, Mapping) or "locations" not in spec:
        raise UserError(f"{path}: written by an older unibench (schema {doc.get('schema')}); its run cannot be "
                        "rebuilt: re-run it with `unibench run`, or compare two result sets with check --against")
    return RunSpec.from_dict(spec)


def rebuild(spec: RunSpec, *, model: str | None = None, data_root: str | Path | None = None,
            lexicon: str | None = None, extractor_options: Mapping[str, Any] | None = None,
            progress: bool = False, records: bool = True, bootstrap: int | None = None) -> Run:
    """Run again what a RunSpec describes (`check`): the recorded model, extractor with its recorded settings,
    lexicon, checkpoint policy and bootstrap; `model`, `data_root`, `lexicon` and the extractor endpoint re-point
    the recorded locations (another machine, CI)."""
    from unibench.adapters import build_adapter
    from unibench.datasets import get_card, load_corpus
    from unibench.datasets.loader import data_root as resolve_root
    from unibench.extract import EXTRACTORS
    from unibench.lexicon.registry import load_lexicon
    from unibench.runner import evaluate_dataset

    loc = spec.locations
    adapter = build_adapter(model or str(loc.get("model_spec")), dict(spec.model_options))
    if hasattr(adapter, "progress"):
        adapter.progress = progress
    opts_ext = dict(extractor_options or {})
    if loc.get("extractor_endpoint") and "base_url" not in opts_ext:
        opts_ext["base_url"] = loc["extractor_endpoint"]
    ext_id = spec.extractor.partition("@")[0]
    ext = EXTRACTORS.get(ext_id).from_settings(spec.extractor_settings, extractor_args(opts_ext, progress))
    lex = load_lexicon(lexicon or loc.get("lexicon_arg"))
    root = resolve_root(str(data_root or loc.get("data_root") or "") or None)
    card = get_card(spec.dataset)
    corpus = load_corpus(card, root, allow_partial=spec.allow_partial, subtitles=adapter.reads_inputs)
    opts = RunOptions(model_name=spec.model, model_spec=str(loc.get("model_spec")),
                      model_options=dict(spec.model_options), checkpoint_policy=spec.checkpoint_policy,
                      bootstrap=spec.bootstrap["n_resamples"] if bootstrap is None else bootstrap,
                      seed=spec.bootstrap["seed"], records=records, allow_partial=spec.allow_partial,
                      data_root=None if root is None else str(root), lexicon_arg=lexicon or loc.get("lexicon_arg"),
                      modalities=spec.labels.get("modalities"), reproduces=spec.labels.get("reproduces"),
                      max_failed=spec.labels.get("max_failed"), limit=spec.limit, missing=spec.missing)
    result = evaluate_dataset(card, corpus, adapter, ext, lex, opts)
    return Run(spec.model, (result,), (), spec.checkpoint_policy, "unibench check (rebuilt from the run spec)")


def rescore(stored: str | Path, *, lexicon: str | None = None, extractor: str | None = None,
            name: str | None = None, data_root: str | Path | None = None,
            extractor_options: Mapping[str, Any] | None = None, datasets: str | Iterable[str] = "all",
            progress: bool = False, command: str | None = None) -> Run:
    """Re-score stored results (a results/<model> folder or one result file) with another lexicon and/or
    extractor, from the stored per-sample responses and extractions of every checkpoint, never calling the
    model: the same numbers and run spec a fresh `unibench run` with that lexicon or extractor gives."""
    from unibench.adapters.stored import StoredExtractions, StoredOutputs
    from unibench.datasets import get_card, load_corpus
    from unibench.datasets.loader import data_root as resolve_root
    from unibench.extract.auto import resolve_extractor
    from unibench.lexicon.registry import load_lexicon
    from unibench.runner import evaluate_dataset
    from unibench.store import sample_rows

    found = _stored_results(Path(stored))
    wanted = None if isinstance(datasets, str) and datasets.strip().lower() == "all" else set(_names(datasets)[0])
    results = []
    for path, doc in found:
        if wanted is not None and doc["dataset"]["name"] not in wanted:
            continue
        spec = stored_spec(path, doc)
        rows = sample_rows(path, doc)
        if rows is None:
            raise UserError(f"{path}: stored without per-sample data (--no-records); re-run the model with "
                            "`unibench run` instead")
        adapter = StoredOutputs(spec, doc, rows)
        if extractor is None:
            ext = StoredExtractions(spec, doc, rows)
        else:
            ext = resolve_extractor(extractor, adapter, extractor_args(extractor_options, progress))
            if not ext.needs_outputs:
                raise UserError(f"rescore --extractor {extractor}: it reads files beside the model's checkpoints, "
                                "not stored responses; run `unibench run --extractor "
                                f"{extractor}` on the model's outputs")
        lex_arg = lexicon if lexicon is not None else spec.locations.get("lexicon_arg")
        lex = load_lexicon(lex_arg)
        if lexicon is None and lex.checksum != spec.lexicon_checksum:
            raise UserError(f"{path}: the recorded lexicon {lex_arg or 'native'} now has checksum "
                            f"{lex.checksum[:12]}, the result was scored with {spec.lexicon_checksum[:12]}; "
                            "pass --lexicon to choose one")
        root = resolve_root(str(data_root or spec.locations.get("data_root") or "") or None)
        card = get_card(spec.dataset)
        corpus = load_corpus(card, root, allow_partial=spec.allow_partial, subtitles=False)  # stored outputs
        if corpus.label_sha256 != spec.label_sha256:
            raise UserError(f"{corpus.label_path}: differs from the label file {path} was scored against "
                            "(checksum); point --data-root at the same copy of the corpus")
        opts = RunOptions(model_name=name or spec.model, model_spec=str(spec.locations.get("model_spec")),
                          model_options=dict(spec.model_options), checkpoint_policy=spec.checkpoint_policy,
                          bootstrap=spec.bootstrap["n_resamples"], seed=spec.bootstrap["seed"], records=True,
                          allow_partial=spec.allow_partial, data_root=None if root is None else str(root),
                          lexicon_arg=lex_arg, modalities=spec.labels.get("modalities"),
                          reproduces=spec.labels.get("reproduces"), max_failed=spec.labels.get("max_failed"),
                          limit=spec.limit, missing=spec.missing)
        results.append(evaluate_dataset(card, corpus, adapter, ext, lex, opts))
    if not results:
        raise UserError(f"{stored}: no stored result to re-score" + (f" for {', '.join(sorted(wanted))}"
                                                                     if wanted else ""))
    run_name = name or results[0].spec.model
    return Run(run_name, tuple(results), (), results[0].spec.checkpoint_policy,
               command or f"unibench.rescore({str(stored)!r})")


def stored_name(stored: str | Path) -> str:
    """The model name of stored results (a model folder or a result file)."""
    return str(_stored_results(Path(stored))[0][1]["model"]["name"])


def _stored_results(path: Path) -> list[tuple[Path, dict]]:
    from unibench.store import load_result

    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(f for f in path.glob("*.json") if ".shard-" not in f.name)
    else:
        raise UserError(f"{path}: no such result file or model folder")
    return [(f, load_result(f)) for f in files]


# ---- frames -----------------------------------------------------------------------------------------------------

def _pandas():
    try:
        import pandas
    except ImportError:
        raise UserError("frames need pandas: pip install 'unibench[frames]'") from None
    return pandas


def setting_label(spec: Mapping[str, Any]) -> str:
    from unibench.schema import comparability

    c = comparability(spec)
    return f"{c['protocol']} | lexicon {c['lexicon']} | extractor {c['extractor']}" + (" | partial"
                                                                                      if c["partial"] else "")


SCORE_COLUMNS = ("model", "dataset", "checkpoint", "selection", "metric", "score", "ci_low", "ci_high", "n",
                 "n_total", "n_failed", "lexicon", "extractor", "setting", "run_spec_hash")


def _score_frame(items: Iterable[tuple[Mapping, Mapping, Mapping, Mapping]]):
    pd = _pandas()
    from unibench.identity import digest
    from unibench.schema import UNHASHED

    rows = []
    for spec, lex, ext, s in items:
        ci = s.get("ci") or {}
        ident = {k: v for k, v in spec.items() if k not in UNHASHED}
        rows.append({"model": spec.get("model"), "dataset": s.get("dataset"), "checkpoint": s.get("checkpoint"),
                     "selection": s.get("selection"), "metric": s.get("metric"), "score": s.get("score"),
                     "ci_low": ci.get("low"), "ci_high": ci.get("high"), "n": s.get("n"),
                     "n_total": s.get("n_total"), "n_failed": s.get("n_failed", 0),
                     "lexicon": spec.get("lexicon") or f"{lex.get('id')}@{lex.get('version')}",
                     "extractor": spec.get("extractor") or f"{ext.get('id')}@{ext.get('version')}",
                     "setting": setting_label(spec), "run_spec_hash": digest(ident)})
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


SAMPLE_COLUMNS = ("model", "dataset", "checkpoint", "id", "gold", "prediction", "sentiment", "value", "response",
                  "error")


def _sample_frame(items: Iterable[tuple[str, str, Mapping]]):
    pd = _pandas()
    rows = []
    for model, dataset, row in items:
        rec = record_of(model, dataset, row)
        d = {"model": model, "dataset": dataset, "checkpoint": rec.checkpoint, "id": rec.id, "gold": rec.gold,
             "prediction": rec.labels, "sentiment": rec.sentiment, "value": rec.value, "response": rec.response,
             "error": rec.error}
        value = rec.value
        if isinstance(value, Mapping):  # per wheel: hit 1/0, or [precision, recall]
            for wheel, v in value.items():
                if isinstance(v, (list, tuple)):
                    d[f"p.{wheel}"], d[f"r.{wheel}"] = v
                else:
                    d[f"hit.{wheel}"] = v
        rows.append(d)
    frame = pd.DataFrame(rows)
    return frame if rows else pd.DataFrame(columns=list(SAMPLE_COLUMNS))


def load_results(results_dir: str | Path = "results", samples: bool = False):
    """Every stored result under `results_dir` as one DataFrame (both schema versions): one row per dataset x
    kept checkpoint, or (samples=True) one row per stored sample x checkpoint."""
    from unibench.store import iter_result_files, load_result, sample_rows

    root = Path(results_dir)
    if not root.is_dir():
        raise UserError(f"{root}: no such results folder")
    if samples:
        def items():
            for f in iter_result_files(root):
                doc = load_result(f)
                for row in sample_rows(f, doc) or ():
                    yield doc["model"]["name"], doc["dataset"]["name"], row
        return _sample_frame(items())
    entries: list[tuple[Mapping, Mapping, Mapping, Mapping]] = []
    for f in iter_result_files(root):
        doc = load_result(f)
        spec = doc.get("provenance", {}).get("run_spec", {})
        for s in doc.get("results", []):
            entries.append((spec, doc.get("lexicon", {}), doc.get("extractor", {}), s))
    return _score_frame(entries)
