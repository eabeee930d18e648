"""unibench describe-score: score free-text emotion descriptions against reference descriptions (EMER style)."""

from __future__ import annotations

from unibench.commands.score_track import add_common, common_options, score_and_write


def add_arguments(p) -> None:
    add_common(p)
    p.add_argument("--gold-column", default=None, metavar="COL",
                   help="reference text column for the labels and embeddings (default: description, english, "
                        "reasons, reason or chinese, first found)")
    p.add_argument("--judge-column", default=None, metavar="COL",
                   help="text column the judge reads, in the reference and (when present) the submission (default: "
                        "chi_reasons or chinese, as the official EMER v1 run judged Chinese; else --gold-column)")
    p.add_argument("--judge-base-url", default=None, metavar="URL",
                   help="OpenAI-compatible endpoint for the EMER judge (key from $OPENAI_API_KEY); calls are cached")
    p.add_argument("--judge-model", default=None, metavar="MODEL",
                   help="judge model name (the official call's default: gpt-3.5-turbo-16k-0613)")
    p.add_argument("--embeddings", action="store_true",
                   help="add the all-MiniLM-L6-v2 cosine similarity and its correlation with the label EW F")


def run(args) -> int:
    return score_and_write("emer-description", args, {
        **common_options(args), "gold_column": args.gold_column, "judge_column": args.judge_column,
        "judge_base_url": args.judge_base_url, "judge_model": args.judge_model, "embeddings": args.embeddings})
