"""unibench run: score a model's outputs on one or more datasets and write results with provenance."""

from __future__ import annotations

import shlex
import sys

from unibench.cli import add_data_root, add_format, add_llm_arguments, add_results_dir, extractor_options


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
    add_llm_arguments(p)
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
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="a trial run on the first N samples of each corpus (marked partial: stored as "
                        "<dataset>.partial.json, never on the leaderboard or in the mean)")
    p.add_argument("--missing", default="error", choices=("error", "wrong"),
                   help="predictions that lack some test samples: 'error' (default) refuses them; 'wrong' scores "
                        "each missing sample as an empty (wrong) prediction, counts it in n_missing and marks the "
                        "result partial")
    p.add_argument("--allow-partial", action="store_true",
                   help="score a corpus whose label file holds another number of test samples than the published "
                        "split (e.g. a subset): predictions for samples outside it are ignored and counted "
                        "(n_extra_ignored); predictions that lack samples of it are still an error (see --missing). "
                        "The result is marked partial: <dataset>.partial.json, never on the leaderboard or in the "
                        "mean")
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
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="processes that score datasets side by side (default: every core when the outputs and "
                        "extractions are local files, e.g. affectgpt-npz with the cache extractor; else 1). Workers "
                        "never load the native lexicon's embedding model: a run that needs it is scored again in "
                        "one process. The results are the same with any N")
    add_results_dir(p)
    add_format(p)


def model_options(pairs: list[str]) -> dict[str, str]:
    """-M KEY=VALUE pairs."""
    from unibench.errors import UserError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"-M {pair}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def evaluate_kwargs(args) -> dict:
    """`unibench run`'s options as keyword arguments of unibench.api.evaluate / prepare."""
    return dict(data_root=args.data_root, lexicon=args.lexicon, extractor=args.extractor,
                checkpoint=args.checkpoint, model_args=model_options(args.model_arg), name=args.name,
                bootstrap=args.bootstrap, seed=args.seed, allow_partial=args.allow_partial,
                records=not args.no_records, modalities=args.modalities, reproduces=args.reproduces,
                extractor_options=extractor_options(args), adapters_dir=args.adapters_dir, progress=_progress(args),
                max_failed=args.max_failed, limit=args.limit, missing=args.missing)


def _progress(args) -> bool:
    """Bars go to stderr, and never when a script reads --format json from a pipe."""
    return sys.stderr.isatty() and not (args.format == "json" and not sys.stdout.isatty())


def run(args) -> int:
    from unibench import api
    from unibench.report import print_run

    from unibench.redact import redact

    command = "unibench " + shlex.join(redact(sys.argv[1:]))  # no secret in a stored or printed command
    kwargs = evaluate_kwargs(args)
    if args.shard is not None:
        from unibench.commands.run_shard import run_shards
        from unibench.errors import UserError

        if args.limit is not None or args.missing != "error":
            raise UserError("--shard runs whole corpora: drop --limit / --missing wrong, or run unsharded")

        return run_shards(api.prepare(args.model, args.dataset, **kwargs), args, command)
    result = api.evaluate(args.model, args.dataset, command=command, jobs=args.jobs, **kwargs)
    result.check_failures(args.max_failed)  # too many failed samples: exit 1, nothing written
    result.save(args.results_dir)
    print_run(result, result.files(args.results_dir), args.format)
    return 0
