"""unibench merge: join the shards of `run --shard i/N` into the results an unsharded run gives."""

from __future__ import annotations

import json
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
    from unibench.commands.run import _load_lexicon, store
    from unibench.adapters.base import Checkpoint
    from unibench.datasets import get_card, load_corpus
    from unibench.datasets.loader import data_root
    from unibench.errors import UserError
    from unibench.runner import Collected, finish
    from unibench.schema import Extraction, Response
    from unibench.shard import Recorded, joined, load_shards

    docs = load_shards(results_dir / model, dataset)
    cons, inputs = docs[0]["consistent"], docs[0]["inputs"]
    card = get_card(dataset)
    root = data_root(args.data_root) or (Path(inputs["data_root"]) if inputs.get("data_root") else None)
    corpus = load_corpus(card, root, allow_partial=cons["dataset"]["partial"])
    if corpus.label_sha256 != cons["dataset"]["label_sha256"]:
        raise UserError(f"{dataset}: the label file {corpus.label_path} differs from the one the shards used")
    lexicon = _load_lexicon(args.lexicon or inputs.get("lexicon"), [card])
    if lexicon.checksum != cons["lexicon"].get("checksum"):
        raise UserError(f"{dataset}: lexicon {args.lexicon or inputs.get('lexicon')} differs from the shards' "
                        f"({cons['lexicon'].get('id')}, checksum {str(cons['lexicon'].get('checksum'))[:12]})")
    collected = []
    for ck in joined(docs, corpus.ids):
        files = tuple(Path(f) for f in ck["files"])
        checkpoint = Checkpoint(name=ck["name"], path=Path(ck["path"]) if ck["path"] else None, files=files)
        outputs = {k: Response(**{f: tuple(v) if f == "labels" else v for f, v in r.items()})
                   for k, r in ck["outputs"].items()}
        exts = {k: Extraction(**e) for k, e in ck["extractions"].items()}
        # the checkpoint's own files come first in `files`; the split does not matter to finish()
        collected.append(Collected(checkpoint, exts, outputs, list(files), dict(ck["files"])))
    adapter = Recorded(cons["model"])
    extractor = Recorded(cons["extractor"], cons["extractor_spec"])
    opts = cons["run"]
    outcome = finish(card, corpus, collected, adapter, extractor, lexicon, cons["checkpoint_policy"],
                     cons["model"]["name"], bootstrap=opts["bootstrap"], seed=opts["seed"])
    doc = store(outcome, adapter, extractor, lexicon, _unsharded(docs[0]["command"]), opts, root)
    doc["provenance"]["merged_from"] = [{"file": d["_path"], "command": d["command"]} for d in docs]
    return outcome, doc, lexicon, extractor


def run(args) -> int:
    from unibench.datasets import get_card, suite_names
    from unibench.errors import UserError
    from unibench.paths import write_atomic
    from unibench.report import format_table, summary
    from unibench.runner import result_path
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
    written = []
    for model, outcome, doc, _, _ in merged:
        path = result_path(results_dir, model, outcome.card.name, outcome.corpus.partial)
        write_atomic(path, json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
        for e in outcome.entries:
            e["results_file"] = str(path)
        written.append(str(path))
    docs = []
    for model in dict.fromkeys(m for m, *_ in merged):
        mine = [x for x in merged if x[0] == model]
        _, _, _, lexicon, extractor = mine[0]
        docs.append(summary(model, [x[1] for x in mine], [], lexicon, extractor,
                            mine[0][1].spec.checkpoint_policy, suite_names()))
    if args.format == "json":
        print_json({"merged": written, "summaries": docs})
    else:
        print("\n\n".join(format_table(d) for d in docs), flush=True)
        print("\n".join(f"wrote {w}" for w in written), file=sys.stderr)
    return 0
