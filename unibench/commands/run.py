"""unibench run: score a model's outputs on one or more datasets and write results with provenance."""

from __future__ import annotations

import json
import shlex
import sys

from unibench.cli import add_data_root, add_format, add_results_dir, print_json, split_list


def add_arguments(p) -> None:
    p.add_argument("--model", required=True, metavar="KIND:ARG",
                   help="e.g. affectgpt-npz:PATH/TO/output (AffectGPT's saved-output layout)")
    p.add_argument("-M", "--model-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="adapter option, e.g. -M run=RUN_FOLDER_PREFIX")
    p.add_argument("--name", default=None, help="model name for results/<name>/ (default: from --model)")
    p.add_argument("--dataset", default="all", help="comma-separated dataset names or 'all' (the nine MER-UniBench corpora)")
    add_data_root(p)
    p.add_argument("--lexicon", default=None, metavar="NAME[:PATH]",
                   help="native (default, shipped), affectgpt:PATH (upstream emotion_wheel/ folder, the paper's "
                        "lexicon), mer2026:PATH (MER2026 wheel_mapping.npz) or a bare upstream PATH")
    p.add_argument("--extractor", default=None,
                   help="how labels are read from responses: cache (upstream caches) or lexicon (offline word "
                        "finder); default: the model's own (lexicon for the text baselines), else cache")
    p.add_argument("--checkpoint", default="best", metavar="POLICY",
                   help="best (per dataset, chosen on test, as the paper does), last, an epoch number, a checkpoint "
                        "name, or all")
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


def run(args) -> int:
    from unibench.adapters import build_adapter
    from unibench.datasets import get_card, load_corpus, suite_names
    from unibench.datasets.loader import data_root
    from unibench.errors import UserError
    from unibench.extract import EXTRACTORS
    from unibench.paths import write_atomic
    from unibench.report import format_table, summary
    from unibench.runner import evaluate, result_document, result_path

    if args.bootstrap < 0:
        raise UserError(f"--bootstrap {args.bootstrap}: give a number of resamples >= 0")
    modalities = _modalities(args.modalities)
    adapter = build_adapter(args.model, _options(args.model_arg))
    name = args.name or adapter.default_name
    requested_all = args.dataset.strip().lower() == "all"
    names = split_list(args.dataset, suite_names(), "dataset")
    cards = [get_card(n) for n in names]  # unknown names fail here, before any work
    args.extractor = args.extractor or getattr(adapter, "default_extractor", "cache")  # recorded as resolved
    extractor = EXTRACTORS.get(args.extractor)()
    root = data_root(args.data_root)
    lexicon = _load_lexicon(args.lexicon, cards)
    outcomes, skipped = [], []
    for card in cards:
        try:
            corpus = load_corpus(card, root, allow_partial=args.allow_partial,
                                 subtitles=getattr(adapter, "needs_subtitles", False))
            outcomes.append(evaluate(card, corpus, adapter, extractor, lexicon, args.checkpoint, name,
                                     bootstrap=args.bootstrap, seed=args.seed))
        except UserError as err:
            if not requested_all:
                raise
            skipped.append({"dataset": card.name, "reason": str(err)})
    if not outcomes:
        raise UserError("nothing scored: " + "; ".join(s["reason"] for s in skipped))
    command = "unibench " + shlex.join(sys.argv[1:])
    written = []
    for o in outcomes:  # all scored and validated: now write
        doc = result_document(o, adapter, extractor, lexicon, command, invocation=invocation(args),
                              records=not args.no_records, data_root=root, modalities=modalities)
        if args.reproduces:
            doc["model"]["reproduces"] = args.reproduces
        path = result_path(args.results_dir, name, o.card.name, o.corpus.partial)
        # compact JSON: the indenting encoder is pure Python and costs more than scoring
        write_atomic(path, json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
        for e in o.entries:
            e["results_file"] = str(path)
        written.append(str(path))
    doc = summary(name, outcomes, skipped, lexicon, extractor, args.checkpoint, suite_names())
    if args.format == "json":
        print_json(doc)
    else:
        print(format_table(doc), flush=True)
    for s in skipped:
        print(f"skipped {s['dataset']}: {s['reason']}", file=sys.stderr)
    return 0
