"""unibench run: score a model's outputs on one or more datasets and write results with provenance."""

from __future__ import annotations

import json
import shlex
import sys

from unibench.cli import add_data_root, add_format, add_results_dir, print_json, split_list


def add_arguments(p) -> None:
    p.add_argument("--model", required=True, metavar="KIND:ARG",
                   help="affectgpt-npz:PATH/TO/output (AffectGPT's saved-output layout), preds:FILE_OR_FOLDER "
                        "(CSV/JSONL/JSON/npz predictions, docs/predictions.md), path/to/file.py:ClassName (a plug-in "
                        "adapter), or a model card name (adapters/<name>.yaml: a live OpenAI-compatible model; also "
                        "openai:NAME or openai:PATH.yaml); `unibench models` lists them")
    p.add_argument("--adapters-dir", default=None, metavar="DIR",
                   help="extra folder of model cards (also $UNIBENCH_ADAPTERS), searched before the shipped ones")
    p.add_argument("-M", "--model-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="adapter option, e.g. -M run=RUN_FOLDER_PREFIX, -M kind=label, -M labels=neutral,angry,...")
    p.add_argument("--name", default=None, help="model name for results/<name>/ (default: from --model)")
    p.add_argument("--dataset", default="all", help="comma-separated dataset names or 'all' (the nine MER-UniBench corpora)")
    add_data_root(p)
    p.add_argument("--lexicon", default=None, metavar="NAME[:PATH]",
                   help="native (default, shipped), affectgpt:PATH (upstream emotion_wheel/ folder, the paper's "
                        "lexicon), mer2026:PATH (MER2026 wheel_mapping.npz) or a bare upstream PATH")
    p.add_argument("--extractor", default="auto",
                   help="how labels are read from responses: auto (default: cache for affectgpt-npz outputs, given "
                        "for structured predictions, lexicon for the text baselines), cache, given, llm, lexicon (offline word "
                        "finder), answer-tag (<answer>...</answer> of RL-trained models; non-official), or another "
                        "registered extractor")
    g = p.add_argument_group("--extractor llm (upstream prompts A/B on an OpenAI-compatible server)")
    g.add_argument("--extractor-base-url", default=None, metavar="URL", help="default: $OPENAI_BASE_URL")
    g.add_argument("--extractor-model", default=None, metavar="NAME", help="default: Qwen2.5-7B-Instruct")
    g.add_argument("--extractor-temperature", type=float, default=None, metavar="T",
                   help="default: upstream 0.7 (seeded per sample); 0 for greedy")
    g.add_argument("--extractor-concurrency", type=int, default=None, metavar="N", help="requests in flight (32)")
    g.add_argument("--extractor-timeout", type=float, default=None, metavar="S", help="seconds per attempt (120)")
    g.add_argument("--extractor-retries", type=int, default=None, metavar="N", help="retries per request (3)")
    p.add_argument("--answer-tag", default=None, metavar="TAG",
                   help="--extractor answer-tag (non-official): the tag whose last occurrence holds the answer "
                        "(default: answer)")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="run only slice I (0-based) of N of every corpus and write <dataset>.shard-I-of-N.json; "
                        "join the N slices with `unibench merge`")
    p.add_argument("--checkpoint", default="best", metavar="POLICY",
                   help="best (per dataset, chosen on test, as the paper does), last, an epoch number, a checkpoint "
                        "name, or all")
    p.add_argument("--max-failed", type=float, default=0.05, metavar="FRACTION",
                   help="fail the run (exit 1, nothing written) when more than this fraction of a dataset's samples "
                        "failed (model call or extraction) at any checkpoint; failed samples are retried on re-run "
                        "(default 0.05; 1 accepts any)")
    p.add_argument("--allow-partial", action="store_true",
                   help="score a corpus whose test split lacks samples; the result is marked partial and kept apart")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for the 95%% confidence intervals stored with each score (0: none)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    p.add_argument("--no-records", action="store_true",
                   help="leave the per-sample records (gold labels, responses) out of the stored results, e.g. "
                        "for results that get committed next to licence-gated data")
    p.add_argument("--modalities", default=None, metavar="A,V,T",
                   help="which of audio (A), video (V), text (T) the model used; shown on the leaderboard")
    p.add_argument("--reproduces", default=None, metavar="ROW",
                   help="the published leaderboard row this run reproduces, e.g. 'AffectGPT (A,V,T)'")
    add_results_dir(p)
    add_format(p)


def _options(pairs: list[str]) -> dict[str, str]:
    from unibench.errors import UserError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"-M {pair}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _load_lexicon(arg: str | None, cards=None):
    """The run's lexicon, recorded on every result of the run: `native` (shipped) unless --lexicon names another
    (see unibench.lexicon.registry). Sentiment sets score without it, but word-finding extractors use it."""
    from unibench.lexicon.registry import load_lexicon

    return load_lexicon(arg)


def _modalities(value: str | None) -> dict | None:
    from unibench.errors import UserError

    if value is None:
        return None
    got = {v.strip().upper() for v in value.split(",") if v.strip()}
    if not got or not got <= {"A", "V", "T"}:
        raise UserError(f"--modalities {value}: expected a comma-separated subset of A,V,T")
    return {m: m in got for m in ("A", "V", "T")}


def invocation(args) -> dict:
    """The arguments `unibench check` needs to re-score a stored result (paths as given; no secrets are taken
    on the command line, adapter options included)."""
    return {"model": args.model, "model_args": list(args.model_arg), "dataset": args.dataset,
            "data_root": args.data_root, "lexicon": args.lexicon, "extractor": args.extractor,
            "checkpoint": args.checkpoint, "allow_partial": bool(args.allow_partial)}


def run_options(args) -> dict:
    """How results are scored and stored beyond the corpus/model/extractor/lexicon: recorded in shards so that
    `unibench merge` writes exactly what the unsharded run would."""
    return {"invocation": invocation(args), "records": not args.no_records, "modalities": _modalities(args.modalities),
            "bootstrap": args.bootstrap, "seed": args.seed, "reproduces": args.reproduces}


def store(o, adapter, extractor, lexicon, command: str, opts: dict, data_root) -> dict:
    """The result document of one outcome under the run's options (shared by run and merge)."""
    from unibench.runner import result_document

    doc = result_document(o, adapter, extractor, lexicon, command, invocation=opts["invocation"],
                          records=opts["records"], data_root=data_root, modalities=opts["modalities"])
    if opts.get("reproduces"):
        doc["model"]["reproduces"] = opts["reproduces"]
    return doc


def _progress(args) -> bool:
    """Bars go to stderr, and never when a script reads --format json from a pipe."""
    return sys.stderr.isatty() and not (args.format == "json" and not sys.stdout.isatty())


def _check_failures(outcomes, limit: float, sharded: bool) -> None:
    """Too many failed samples is a failed run, not a low score. Successes are cached, so a re-run resumes."""
    from unibench.errors import CheckFailed

    for o in outcomes:
        if sharded:
            name, n_failed, n_total = o["card"].name, o["failed"], len(o["ids"]) * max(1, o["n_checkpoints"])
            rows = [(name, "all checkpoints", n_failed, n_total, o.get("example", ""))]
        else:
            rows = [(o.card.name, s["checkpoint"], s.get("n_failed", 0), s["n_total"],
                     next(iter(s.get("failure_examples", {})), "")) for s in o.all_scores]
        for ds, ck, n_failed, n_total, example in rows:
            if n_total and n_failed / n_total > limit:
                raise CheckFailed(f"{ds} / {ck}: {n_failed} of {n_total} samples failed (model call or extraction), "
                                  f"more than --max-failed {limit:g}; nothing written"
                                  + (f" (e.g. {example[:160]})" if example else "") +
                                  ". Finished calls are cached: fix the cause and re-run")



def run(args) -> int:
    from unibench.adapters import build_adapter
    from unibench.datasets import get_card, load_corpus, suite_names
    from unibench.datasets.loader import data_root
    from unibench.errors import UserError
    from unibench.extract.auto import resolve_extractor
    from unibench.paths import write_atomic
    from unibench.report import format_table, summary
    from unibench.runner import evaluate, result_path
    from unibench.commands.run_shard import run_shard, write_shards
    from unibench.shard import parse_shard

    if args.bootstrap < 0:
        raise UserError(f"--bootstrap {args.bootstrap}: give a number of resamples >= 0")
    _modalities(args.modalities)  # bad input fails before any work
    options = _options(args.model_arg)
    if args.adapters_dir:
        options["adapters_dir"] = args.adapters_dir
    args.progress = _progress(args)
    adapter = build_adapter(args.model, options)
    if hasattr(adapter, "progress"):
        adapter.progress = args.progress
    name = args.name or adapter.default_name
    requested_all = args.dataset.strip().lower() == "all"
    names = split_list(args.dataset, suite_names(), "dataset")
    cards = [get_card(n) for n in names]  # unknown names fail here, before any work
    shard = parse_shard(args.shard) if args.shard is not None else None
    root = data_root(args.data_root)
    lexicon = _load_lexicon(args.lexicon, cards)
    extractor = resolve_extractor(args.extractor, adapter, args)
    args.extractor = extractor.id  # the invocation records what `auto` resolved to
    outcomes, skipped = [], []
    subtitles = bool(getattr(adapter, "needs_subtitles", False))
    for card in cards:
        try:
            corpus = load_corpus(card, root, allow_partial=args.allow_partial, subtitles=subtitles)
            if shard is not None:
                outcomes.append(run_shard(card, corpus, adapter, extractor, lexicon, args, name, root, shard))
                continue
            outcomes.append(evaluate(card, corpus, adapter, extractor, lexicon, args.checkpoint, name,
                                     bootstrap=args.bootstrap, seed=args.seed))
        except UserError as err:
            if not requested_all:
                raise
            skipped.append({"dataset": card.name, "reason": str(err)})
    if not outcomes:
        raise UserError("nothing scored: " + "; ".join(s["reason"] for s in skipped))
    _check_failures(outcomes, args.max_failed, shard is not None)
    command = "unibench " + shlex.join(sys.argv[1:])
    if shard is not None:
        return write_shards(outcomes, skipped, args, name, shard, command, extractor)
    written = []
    for o in outcomes:  # all scored and validated: now write
        doc = store(o, adapter, extractor, lexicon, command, run_options(args), root)
        path = result_path(args.results_dir, name, o.card.name, o.corpus.partial)
        # compact JSON: the indenting encoder is pure Python and costs more than scoring
        write_atomic(path, json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
        for e in o.entries:
            e["results_file"] = str(path)
        written.append(str(path))
    doc = summary(name, outcomes, skipped, lexicon, extractor, args.checkpoint, suite_names())
    for key, obj in (("model_calls", adapter), ("extractor_calls", extractor)):
        if getattr(obj, "stats", None):  # engine counts (requests, cache hits, sent, errors): run facts, not results
            doc[key] = obj.stats
    failed = [f"{e['dataset']} / {e['checkpoint']}: {e['n_failed']} of {e['n_total']} samples failed "
              f"({e['n_failed_outputs']} model calls, {e['n_failed_extractions']} extractions); scored as empty"
              for e in doc["results"] if e.get("n_failed")]
    if args.format == "json":
        print_json(doc)
    else:
        print(format_table(doc), flush=True)
    for s in skipped:
        print(f"skipped {s['dataset']}: {s['reason']}", file=sys.stderr)
    for line in failed:
        print(f"warning: {line}", file=sys.stderr)
    from unibench.extract.diagnostics import run_warnings  # empty extractions, unread Chinese, long descriptions

    for line in run_warnings(outcomes, extractor, lexicon):
        print(f"warning: {line}", file=sys.stderr)
    return 0
