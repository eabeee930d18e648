"""Description scoring (track `emer-description`, command `unibench describe-score`).

(a) labels are extracted from both the description and the reference with one extractor of the shared registry
    (`lexicon`, the offline word finder, by default; `llm` = upstream prompt A on an OpenAI-compatible server) and
    compared with the emotion-wheel F (level 1 primary, level 2);
(b) optionally the EMER v1 judge (clue overlap, label overlap) through an OpenAI-compatible endpoint; by default it
    reads the reference's Chinese text (`chi_reasons` or `chinese`), as the official run judged Chinese descriptions;
(c) optionally the all-MiniLM-L6-v2 cosine similarity, with its Pearson/Spearman correlation to the per-sample
    EW F of (a) (per-sample F = mean over the wheels that score the sample of 2PR/(P+R); 0 when P = R = 0).
"""

from __future__ import annotations

import csv
from pathlib import Path

from unibench.errors import UserError
from unibench.tracks.scorers import TrackScore, official, result
from unibench.tracks.scorers_ov import load_track_lexicon, wheel_f
from unibench.tracks.submissions import align, read_csv_table

LABEL_COLUMNS = ("description", "english", "reasons", "reason", "chinese")  # auto pick order for labels (English)
JUDGE_COLUMNS = ("chi_reasons", "chinese")  # the official EMER v1 judge read `chi_reasons` (Chinese)
NPZ_TEXT = "name2reason"


def read_texts(path: Path, opts: dict) -> tuple[dict[str, dict[str, str]], tuple[str, ...]]:
    """name -> {column: text} from a CSV (key column `name`, or `names` as in the EMER v1 files) or an AffectGPT
    npz (`name2reason`), and the text columns found."""
    if path.suffix == ".npz":
        from unibench.safe_npz import load_npz

        got = load_npz(path, keys=(NPZ_TEXT,)).get(NPZ_TEXT)
        if not isinstance(got, dict):
            raise UserError(f"{path}: no '{NPZ_TEXT}' dict (sample -> description) in this npz")
        return {str(k): {NPZ_TEXT: str(v)} for k, v in got.items()}, (NPZ_TEXT,)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (UnicodeDecodeError, csv.Error):
        header = []  # read_csv_table below says what is wrong
    key = "names" if "name" not in header and "names" in header else "name"
    wanted = {*LABEL_COLUMNS, *JUDGE_COLUMNS, *(c for c in (opts.get("gold_column"), opts.get("judge_column")) if c)}
    table = read_csv_table(path, [], optional=tuple(wanted), key=key, as_official=official(opts))
    return table.rows, tuple(c for c in table.columns if c != key)


def pick(columns: tuple[str, ...], path: Path, given: str | None, order: tuple[str, ...], flag: str) -> str:
    if given:
        if given not in columns:
            raise UserError(f"{path}: no column {given!r} (text columns: {', '.join(columns) or 'none'}); fix {flag}")
        return given
    have = [c for c in order if c in columns]
    if not have:
        raise UserError(f"{path}: no description column; expected one of {', '.join(order)} (or pass {flag})")
    return have[0]


def per_sample_f(records: list[dict]) -> list[float | None]:
    out = []
    for r in records:
        fs = [0.0 if p + q == 0 else 2 * p * q / (p + q) for p, q in (v for v in r["pr"].values() if v is not None)]
        out.append(sum(fs) / len(fs) if fs else None)
    return out


def score_descriptions(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    from unibench.describe.labels import build_text_extractor, extract_labels, failure_note

    lex = load_track_lexicon(track, opts)
    ref_rows, ref_cols = read_texts(gold, opts)
    sub_rows, sub_cols = read_texts(submission, {})
    gold_col = pick(ref_cols, gold, opts.get("gold_column"), LABEL_COLUMNS, "--gold-column")
    sub_col = pick(sub_cols, submission, None, (*LABEL_COLUMNS, NPZ_TEXT), "a description column")
    if opts.get("judge_base_url") and not opts.get("judge_model"):
        raise UserError("--judge-base-url needs --judge-model (the model name the endpoint serves)")
    ref = {n: r[gold_col] for n, r in ref_rows.items()}
    al = align(list(ref), {n: r[sub_col] for n, r in sub_rows.items()}, submission)
    names, texts = al.names, al.values
    extractor = build_text_extractor(opts.get("extractor") or "lexicon", lex, opts)
    gold_labels, gold_err = extract_labels(extractor, {n: ref[n] for n in names}, "reference")
    pred_labels, pred_err = extract_labels(extractor, dict(zip(names, texts)), "submission")
    s, ew_records = wheel_f(gold_labels, pred_labels, lex)
    f_each = per_sample_f(ew_records)
    values: dict = {"ew_f_l1": s["score"], "ew_p_l1": s["secondary"]["ew_p"], "ew_r_l1": s["secondary"]["ew_r"],
                    "ew_f_l2": s["secondary"].get("ew_f_l2"), "n_ew_scored": s["n"]}
    records: list[dict] = [{"name": n, "gold_labels": gold_labels[n], "pred_labels": pred_labels[n], "ew_f": f}
               for n, f in zip(names, f_each)]
    notes = [f"labels from both texts with the '{extractor.id}' extractor: {extractor.description}",
             f"reference column: {gold_col}", *failure_note(gold_err, "references"),
             *failure_note(pred_err, "descriptions")]
    out: dict = {}
    if opts.get("judge_base_url"):
        from unibench.describe.judge import CLUE_PROMPT, LABEL_PROMPT, SUMMARY_PROMPT, JudgeEndpoint, emer_judge

        judge_col = pick(ref_cols, gold, opts.get("judge_column"), (*JUDGE_COLUMNS, gold_col), "--judge-column")
        judged = judge_col if judge_col in sub_cols else sub_col
        ep = JudgeEndpoint(opts["judge_base_url"], opts["judge_model"])
        jv, jrec = emer_judge([ref_rows[n][judge_col] for n in names], [sub_rows[n][judged] for n in names], ep)
        values["judge"] = jv
        for rec, j in zip(records, jrec):
            rec["judge"] = j
        out["judge"] = {**ep.describe(), **ep.stats, "reference_column": judge_col, "submission_column": judged,
                        "prompt_templates": {"clue": CLUE_PROMPT, "summary": SUMMARY_PROMPT, "label": LABEL_PROMPT}}
        notes.append(f"judge: reference column {judge_col}, submission column {judged} (the official EMER v1 run "
                     "judged Chinese descriptions, column chi_reasons, on both sides)")
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
    return {**res, **out, "lexicon": lex, "extractor": extractor.describe()}
