"""The `run --shard i/N` path: collect one slice per corpus (no scoring) and write it for `unibench merge`."""

from __future__ import annotations

import json
import sys


def run_shard(card, corpus, adapter, extractor, lexicon, args, name: str, root, shard: tuple[int, int]) -> dict:
    from unibench.runner import collect
    from unibench.shard import shard_document, shard_ids

    i, n = shard
    ids = shard_ids(corpus, i, n)
    collected = [collect(card, corpus, adapter, extractor, ck, ids, lexicon=lexicon) for ck in adapter.checkpoints(card)]
    fails = [sum(1 for k in ids if c.ext[k].error is not None or (c.outputs or {})[k].error is not None)
             for c in collected]
    from unibench.commands.run import run_options

    def doc(command: str) -> dict:
        d = shard_document(card, corpus, collected, adapter, extractor, lexicon, args.lexicon, args.checkpoint, name,
                           root, i, n, ids, command)
        d["consistent"]["run"] = run_options(args)  # bootstrap, records, invocation: all shards must agree
        return d

    return {"card": card, "ids": ids, "failed": sum(fails), "n_checkpoints": len(collected), "doc": doc}


def write_shards(done: list[dict], skipped: list[dict], args, name: str, shard: tuple[int, int], command: str,
                 extractor) -> int:
    from unibench.cli import print_json
    from unibench.paths import write_atomic
    from unibench.shard import shard_path

    i, n = shard
    rows = []
    for d in done:  # every slice collected and validated: now write
        path = shard_path(args.results_dir, name, d["card"].name, i, n)
        write_atomic(path, json.dumps(d["doc"](command), ensure_ascii=False, allow_nan=False) + "\n")
        rows.append({"dataset": d["card"].name, "n_samples": len(d["ids"]), "n_failed": d["failed"],
                     "shard_file": str(path)})
    doc = {"model": name, "shard": {"index": i, "count": n}, "shards": rows, "skipped": skipped,
           "next": f"unibench merge --results-dir {args.results_dir} --model {name}"}
    if getattr(extractor, "stats", None):
        doc["extractor_calls"] = extractor.stats
    if args.format == "json":
        print_json(doc)
    else:
        for r in rows:
            print(f"{r['dataset']}: shard {i} of {n}, {r['n_samples']} samples ({r['n_failed']} failed) -> "
                  f"{r['shard_file']}")
        print(f"when all {n} shards are done: {doc['next']}")
    for s in skipped:
        print(f"skipped {s['dataset']}: {s['reason']}", file=sys.stderr)
    return 0
