"""unibench merge: join the shards of `run --shard i/N` into the results an unsharded run gives."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from unibench.cli import add_data_root, add_format, add_results_dir, print_json, split_list


def add_arguments(p) -> None:
    add_results_dir(p)
    p.add_argument("--model", default="all", help="model name(s) under --results-dir, comma-separated, or 'all'")
    p.add_argument("--dataset", default="all", help="dataset name(s), comma-separated, or 'all' (those with shards)")
    add_data_root(p)
    p.add_argument("--lexicon", default=None, metavar="PATH",
                   help="the run's lexicon (default: the path recorded in the shards; its checksum must match)")
    add_format(p)


def _unsharded(command: str) -> str:
    """The recorded command without --shard, i.e. the single run the merge stands for."""
    args = shlex.split(command)
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--shard":
            skip = True
        elif not a.startswith("--shard="):
            out.append(a)
    return shlex.join(out)


def _merge_one(results_dir: Path, model: str, dataset: str, args):
    """The DatasetResult the unsharded run gives, rebuilt from the shards' recorded run options."""
    from unibench.adapters.base import Checkpoint
    from unibench.datasets import get_card, load_corpus
    from unibench.datasets.loader import data_root
    from unibench.errors import UserError
    from unibench.lexicon.registry import load_lexicon
    from unibench.runner import Collected, RunOptions, finish
    from unibench.schema import Extraction, Response
    from unibench.shard import RecordedAdapter, RecordedExtractor, joined, load_shards

    docs = load_shards(results_dir / model, dataset)
    cons = docs[0]["consistent"]
    opts = RunOptions(**cons["options"])
    card = get_card(dataset)
    root = data_root(args.data_root) or (Path(opts.data_root) if opts.data_root else None)
    corpus = load_corpus(card, root, allow_partial=opts.allow_partial, subtitles=False)  # the shards hold outputs
    if corpus.label_sha256 != cons["dataset"]["label_sha256"]:
        raise UserError(f"{dataset}: the label file {corpus.label_path} differs from the one the shards used")
    lexicon = load_lexicon(args.lexicon or opts.lexicon_arg)
    if lexicon.checksum != cons["lexicon"].get("checksum"):
        raise UserError(f"{dataset}: lexicon {args.lexicon or opts.lexicon_arg} differs from the shards' "
                        f"({cons['lexicon'].get('id')}, checksum {str(cons['lexicon'].get('checksum'))[:12]})")
    collected = []
    for ck in joined(docs, corpus.ids):
        recorded = {**ck["model_files"], **ck["extractor_files"]}
        checkpoint = Checkpoint(name=ck["name"], path=Path(ck["path"]) if ck["path"] else None,
                                files=tuple(Path(f) for f in ck["model_files"]), checksums=recorded)
        outputs = {k: Response.from_dict(r) for k, r in ck["outputs"].items()}
        exts = {k: Extraction(**e) for k, e in ck["extractions"].items()}
        collected.append(Collected(checkpoint, exts, outputs, list(checkpoint.files),
                                   [Path(f) for f in ck["extractor_files"]]))
    if root is not None:
        opts = RunOptions(**{**cons["options"], "data_root": str(root)})
    result = finish(card, corpus, collected, RecordedAdapter(cons), RecordedExtractor(cons), lexicon, opts)
    return result, [{"file": d["_path"], "command": d["command"]} for d in docs], _unsharded(docs[0]["command"])


def run(args) -> int:
    from unibench.datasets import get_card, suite_names
    from unibench.errors import UserError
    from unibench.report import format_table
    from unibench.shard import _NAME

    results_dir = Path(args.results_dir)
    if not results_dir.is_dir():
        raise UserError(f"--results-dir {results_dir}: no such folder")
    have = sorted({(p.parent.name, m.group("ds")) for p in results_dir.glob("*/*.shard-*-of-*.json")
                   if (m := _NAME.match(p.name))})
    if not have:
        raise UserError(f"{results_dir}: no shard files (<model>/<dataset>.shard-I-of-N.json) to merge")
    models = split_list(args.model, sorted({m for m, _ in have}), "model")
    datasets = None if args.dataset.strip().lower() == "all" else [get_card(d).name for d in
                                                                   split_list(args.dataset, [], "dataset")]
    pairs = [(m, d) for m, d in have if m in models and (datasets is None or d in datasets)]
    if not pairs:
        raise UserError(f"{results_dir}: no shards for model {args.model} / dataset {args.dataset} "
                        f"(have: {', '.join(f'{m}/{d}' for m, d in have)})")
    merged = [(m, *_merge_one(results_dir, m, d, args)) for m, d in pairs]  # all checked before any write
    from unibench.api import Run
    from unibench.store import result_document, result_path, write_result

    written: list[str] = []
    runs: dict[str, list] = {}
    for model, result, sources, command in merged:
        doc = result_document(result, command)
        doc["provenance"]["merged_from"] = sources
        path = result_path(results_dir, model, result.name, result.corpus.partial)
        write_result(path, doc, result.samples)
        written.append(str(path))
        runs.setdefault(model, []).append((result, str(path)))
    docs = [Run(model, tuple(r for r, _ in got), (), got[0][0].spec.checkpoint_policy)
            .summary(suite_names(), {r.name: f for r, f in got}) for model, got in runs.items()]
    if args.format == "json":
        print_json({"merged": written, "summaries": docs})
    else:
        print("\n\n".join(format_table(d) for d in docs), flush=True)
        print("\n".join(f"wrote {w}" for w in written), file=sys.stderr)
    return 0
