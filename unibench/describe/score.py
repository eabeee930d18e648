"""Description scoring (track `emer-description`, command `unibench describe-score`).

(a) labels are extracted from both the description and the reference (pluggable extractor; default `keyword`, an
    offline stand-in for the official LLM route) and compared with the emotion-wheel F (level 1 primary, level 2);
(b) optionally the EMER v1 judge (clue overlap, label overlap) through an OpenAI-compatible endpoint;
(c) optionally the all-MiniLM-L6-v2 cosine similarity, with its Pearson/Spearman correlation to the per-sample
    EW F of (a) (per-sample F = mean over the wheels that score the sample of 2PR/(P+R); 0 when P = R = 0).
"""

from __future__ import annotations

from pathlib import Path

from unibench.errors import UserError
from unibench.tracks.scorers import TrackScore, result
from unibench.tracks.scorers_ov import load_track_lexicon, wheel_f
from unibench.tracks.submissions import align, read_csv_table

GOLD_COLUMNS = ("description", "english", "reason", "chinese")  # auto pick order for the reference text


def read_descriptions(path: Path, column: str | None = None) -> tuple[dict[str, str], str]:
    """name -> text from a CSV (column `description`, or `column`) or an AffectGPT npz (`name2reason`)."""
    if path.suffix == ".npz":
        from unibench.safe_npz import load_npz

        got = load_npz(path, keys=("name2reason",)).get("name2reason")
        if not isinstance(got, dict):
            raise UserError(f"{path}: no 'name2reason' dict (sample -> description) in this npz")
        return {str(k): str(v) for k, v in got.items()}, "name2reason"
    if column:
        table = read_csv_table(path, [column])
    else:
        table = read_csv_table(path, [], optional=GOLD_COLUMNS)
        have = [c for c in GOLD_COLUMNS if c in table.columns]
        if not have:
            raise UserError(f"{path}: no description column; expected one of {', '.join(GOLD_COLUMNS)} "
                            "(or pass --gold-column)")
        column = have[0]
    return {n: r[column] for n, r in table.rows.items()}, column


def per_sample_f(records: list[dict]) -> list[float | None]:
    out = []
    for r in records:
        fs = [0.0 if p + q == 0 else 2 * p * q / (p + q) for p, q in (v for v in r["pr"].values() if v is not None)]
        out.append(sum(fs) / len(fs) if fs else None)
    return out


def score_descriptions(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    from unibench.describe.extractors import build_extractor

    lex = load_track_lexicon(track, opts)
    ref, gold_col = read_descriptions(gold, opts.get("gold_column"))
    sub, _ = read_descriptions(submission)
    if opts.get("judge_base_url") and not opts.get("judge_model"):
        raise UserError("--judge-base-url needs --judge-model (the model name the endpoint serves)")
    al = align(list(ref), sub, submission)
    names, texts = al.names, al.values
    extractor = build_extractor(opts.get("extractor") or "keyword", lex)
    gold_labels = extractor.extract({n: ref[n] for n in names})
    pred_labels = extractor.extract(dict(zip(names, texts)))
    s, ew_records = wheel_f(gold_labels, pred_labels, lex)
    f_each = per_sample_f(ew_records)
    values: dict = {"ew_f_l1": s["score"], "ew_p_l1": s["secondary"]["ew_p"], "ew_r_l1": s["secondary"]["ew_r"],
                    "ew_f_l2": s["secondary"].get("ew_f_l2"), "n_ew_scored": s["n"]}
    records = [{"name": n, "gold_labels": gold_labels[n], "pred_labels": pred_labels[n], "ew_f": f}
               for n, f in zip(names, f_each)]
    notes = [f"labels from both texts with the '{extractor.id}' extractor: {extractor.description}",
             f"reference column: {gold_col}"]
    out: dict = {}
    if opts.get("judge_base_url"):
        from unibench.describe.judge import CLUE_PROMPT, LABEL_PROMPT, SUMMARY_PROMPT, JudgeEndpoint, emer_judge

        ep = JudgeEndpoint(opts["judge_base_url"], opts["judge_model"])
        jv, jrec = emer_judge([ref[n] for n in names], texts, ep)
        values["judge"] = jv
        for rec, j in zip(records, jrec):
            rec["judge"] = j
        out["judge"] = {**ep.describe(), **ep.stats, "prompt_templates": {
            "clue": CLUE_PROMPT, "summary": SUMMARY_PROMPT, "label": LABEL_PROMPT}}
        if jv["n_clue_parsed"] < len(names):
            notes.append(f"judge: {len(names) - jv['n_clue_parsed']} clue replies missing or without a number")
    if opts.get("embeddings"):
        from unibench.describe import embed

        cos = embed.cosine_similarities(texts, [ref[n] for n in names])
        pairs = [(c, f) for c, f in zip(cos, f_each) if f is not None]
        values["embedding"] = {**embed.describe(), "mean_cosine": 100.0 * sum(cos) / len(cos),
                               "pearson_vs_ew_f": embed.pearson(*zip(*pairs)) if pairs else None,
                               "spearman_vs_ew_f": embed.spearman(*zip(*pairs)) if pairs else None,
                               "n_correlated": len(pairs)}
        for rec, c in zip(records, cos):
            rec["cosine"] = c
    res = result(s["score"], values, s["n"], al, records, {"submission": submission, "gold": gold}, notes)
    return {**res, **out, "lexicon": lex, "extractor": {"id": extractor.id, "version": extractor.version}}
