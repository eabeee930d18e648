"""unibench score-track: score a challenge submission with the official rule of its track."""

from __future__ import annotations

import shlex
import sys

from unibench.cli import add_format, add_results_dir, print_json


def add_common(p) -> None:
    p.add_argument("--submission", required=True, metavar="FILE", help="the submission file (see docs/tracks.md)")
    p.add_argument("--gold", required=True, metavar="FILE", help="the ground-truth file of the track")
    p.add_argument("--lexicon", default=None, metavar="PATH",
                   help="emotion-wheel tracks: the AffectGPT emotion_wheel/ folder (MER2025) or MER2026's "
                        "wheel_mapping.npz (MER2026)")
    p.add_argument("--extractor", default=None, metavar="NAME",
                   help="description tracks: labels from descriptions with llm (upstream prompt A on an "
                        "OpenAI-compatible server, the official route) or lexicon (offline word finder)")
    p.add_argument("--as-official", action="store_true",
                   help="read files the way the official scorer does where unibench would refuse them (a repeated "
                        "name: the last row; a short row: empty cells); the refusal message says when it applies")
    p.add_argument("--name", default=None, help="name for results/<name>/ (default: the submission file's stem)")
    add_results_dir(p)
    add_format(p)
    from unibench.cli import add_llm_arguments

    add_llm_arguments(p)


def common_options(args) -> dict:
    from unibench.cli import llm_options

    return {"lexicon": args.lexicon, "extractor": args.extractor, "as_official": args.as_official,
            **llm_options(args)}


def add_arguments(p) -> None:
    p.add_argument("track", metavar="TRACK", help="a track id (see `unibench tracks`)")
    add_common(p)
    p.add_argument("--groupings", default=None, metavar="ZIP",
                   help="mer2024-ov: stored GPT synonym-grouping replies (openset-synonym.zip)")
    p.add_argument("--grouping-base-url", default=None, metavar="URL",
                   help="mer2024-ov without stored groupings: ask this OpenAI-compatible endpoint (key: $OPENAI_API_KEY)")
    p.add_argument("--grouping-model", default=None, metavar="NAME",
                   help="model for --grouping-base-url (default gpt-3.5-turbo-16k-0613, the official prompt "
                        "function's default)")
    p.add_argument("--reversed", default=None, metavar="FILE",
                   help="mer2026-prefer: predictions made on the a1<->a2 swapped pairs (swap consistency)")
    p.add_argument("--labels", default=None, metavar="A,B,...",
                   help="merbench-discrete: the label vocabulary (default: the labels of the gold file)")


def _print_table(doc: dict, path) -> None:
    def fmt(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    score = f"undefined ({doc['undefined']})" if doc.get("undefined") else fmt(doc["score"])
    better = "; lower is better" if doc["track"].get("direction") == "lower" else ""
    print(f"{doc['track']['id']}  {doc['name']}  score {score}  (n={doc['n']}{better})")
    for key, v in doc["values"].items():
        if isinstance(v, dict) and all(not isinstance(x, dict) for x in v.values()):
            print(f"  {key}: " + ", ".join(f"{k}={fmt(x)}" for k, x in v.items()))
        elif isinstance(v, dict):
            print(f"  {key}: " + "; ".join(f"{k}: " + (", ".join(f"{a}={fmt(b)}" for a, b in x.items())
                                                        if isinstance(x, dict) else fmt(x)) for k, x in v.items()))
        else:
            print(f"  {key}: {fmt(v)}")
    for note in doc["notes"]:
        print(f"  note: {note}")
    print(f"written {path}")


def score_and_write(track: str, args, opts: dict) -> int:
    from unibench.tracks.api import result_path, save, score

    if args.name is not None:
        result_path(args.results_dir, args.name, "x")  # reject a bad --name before any work
    from unibench.redact import redact

    command = "unibench " + shlex.join(redact(sys.argv[1:]))
    doc = score(track, args.submission, args.gold, name=args.name, command=command, **opts)
    path = save(doc, args.results_dir)
    if args.format == "json":
        print_json({k: v for k, v in doc.items() if k != "records"} | {"results_file": str(path)})
    else:
        _print_table(doc, path)
    return 0


def run(args) -> int:
    labels = [x.strip() for x in args.labels.split(",") if x.strip()] if args.labels else None
    return score_and_write(args.track, args, {**common_options(args), "groupings": args.groupings,
                                              "reversed": args.reversed,
                                              "grouping_base_url": args.grouping_base_url,
                                              "grouping_model": args.grouping_model, "labels": labels})
