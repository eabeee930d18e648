"""The `run --shard i/N` path: collect one slice per corpus (no scoring) and write it for `unibench merge`."""

from __future__ import annotations

import json
import sys


def run_shards(p, args, command: str) -> int:
    """Collect slice i of N of every corpus of a prepared run; all validated before anything is written."""
    from unibench.cli import print_json
    from unibench.api import check_failures
    from unibench.datasets import load_corpus
    from unibench.errors import UserError
    from unibench.paths import write_atomic
    from unibench.runner import collect
    from unibench.shard import parse_shard, shard_document, shard_ids, shard_path

    i, n = parse_shard(args.shard)
    p.adapter.bind_lexicon(p.lexicon)
    p.extractor.bind_lexicon(p.lexicon)
    done, skipped = [], []
    for card in p.cards:
        try:
            corpus = load_corpus(card, p.root, allow_partial=p.options.allow_partial,
                                 subtitles=p.adapter.reads_inputs)
        except UserError as err:
            if not p.requested_all:
                raise
            skipped.append({"dataset": card.name, "reason": str(err)})
            continue
        ids = shard_ids(corpus, i, n)
        collected = collect(card, corpus, p.adapter, p.extractor, p.adapter.checkpoints(card), ids)
        fails = [sum(1 for k in ids if c.ext[k].error is not None or (c.outputs or {})[k].error is not None)
                 for c in collected]
        check_failures([(card.name, "all checkpoints", sum(fails), len(ids) * max(1, len(collected)), "")],
                       args.max_failed)
        done.append((card, ids, sum(fails), shard_document(card, corpus, collected, p, ids, i, n, command)))
    if not done:
        raise UserError("nothing collected: " + "; ".join(s["reason"] for s in skipped))
    rows = []
    for card, ids, failed, doc in done:  # every slice collected and validated: now write
        path = shard_path(args.results_dir, p.options.model_name, card.name, i, n)
        write_atomic(path, json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
        rows.append({"dataset": card.name, "n_samples": len(ids), "n_failed": failed, "shard_file": str(path)})
    out = {"model": p.options.model_name, "shard": {"index": i, "count": n}, "shards": rows, "skipped": skipped,
           "next": f"unibench merge --results-dir {args.results_dir} --model {p.options.model_name}"}
    if getattr(p.extractor, "stats", None):
        out["extractor_calls"] = p.extractor.stats
    if args.format == "json":
        print_json(out)
    else:
        for r in rows:
            print(f"{r['dataset']}: shard {i} of {n}, {r['n_samples']} samples ({r['n_failed']} failed) -> "
                  f"{r['shard_file']}")
        print(f"when all {n} shards are done: {out['next']}")
    for s in skipped:
        print(f"skipped {s['dataset']}: {s['reason']}", file=sys.stderr)
    return 0
