"""Scorers of the open-vocabulary tracks: MER2024 MER-OV, MER2025/2026 FG, MER2025 DES and the OV-MER suite.

Same contract as `unibench.tracks.scorers`. Emotion-wheel tracks need `--lexicon`; a track tied to one lexicon
variant (MER2025: the uncorrected AffectGPT folder; MER2026: the corrected wheel_mapping.npz) refuses the other,
because the two differ by about 0.1 point and a mixed-up number would look official.
"""

from __future__ import annotations

from pathlib import Path

from unibench.errors import UserError
from unibench.scoring import records as score_records, score_open_vocab
from unibench.schema import Extraction, GoldLabel
from unibench.textlists import string_to_list
from unibench.tracks.scorers import TrackScore, pct, result
from unibench.tracks.submissions import align, read_csv_table, read_openset_csv, read_openset_npz

__all__ = ["score_mer2024_ov", "score_fg", "score_des", "score_ovmer_suite", "request_groupings", "load_track_lexicon",
           "wheel_f"]


def read_openset(path: Path, mer2024: bool = False) -> dict[str, str]:
    return read_openset_npz(path) if Path(path).suffix == ".npz" else read_openset_csv(path, mer2024=mer2024)


def load_track_lexicon(track, opts: dict):
    from unibench.lexicon.upstream import load_upstream

    arg = opts.get("lexicon")
    want = {"affectgpt": "the upstream AffectGPT emotion_wheel/ folder", "mer2026": "MER2026's wheel_mapping.npz",
            "any": "an emotion_wheel/ folder or wheel_mapping.npz"}[track.lexicon or "any"]
    if not arg:
        raise UserError(f"track {track.id} needs --lexicon: pass {want}")
    lex = load_upstream(arg)
    if track.lexicon in ("affectgpt", "mer2026") and lex.id != track.lexicon:
        raise UserError(f"track {track.id} is scored with {want}, but --lexicon {arg} is the {lex.id} variant")
    return lex


def wheel_f(gold: dict[str, str], pred: dict[str, str], lexicon) -> tuple[dict, list[dict]]:
    """EW set P/R/F at levels 1 and 2 (scoring.score_open_vocab) over the gold names; gold strings as given."""
    samples = [GoldLabel(id=n, gold=tuple(string_to_list(g))) for n, g in gold.items()]
    ext = {n: Extraction(labels=pred[n]) for n in gold}
    scored = score_open_vocab(samples, ext, lexicon)
    return scored.score, score_records("open_vocab", samples, ext, scored, lexicon.wheels)


def _fg_values(s: dict, levels: tuple[str, ...]) -> tuple[float | None, dict]:
    l1, l2 = s["score"], s["secondary"].get("ew_f_l2")
    values = {"ew_f_l1": l1, "ew_p_l1": s["secondary"]["ew_p"], "ew_r_l1": s["secondary"]["ew_r"], "ew_f_l2": l2,
              "ew_p_l2": s["secondary"].get("ew_p_l2"), "ew_r_l2": s["secondary"].get("ew_r_l2"),
              "per_wheel_l1": s["per_wheel"], "per_wheel_l2": s.get("per_wheel_level2")}
    if levels == ("level1", "level2"):
        score = None if l1 is None or l2 is None else (l1 + l2) / 2
        values["mean_l1_l2"] = score
    else:
        score = l1
    return score, values


def _fg(track, gold_path: Path, pred: dict[str, str], where: Path, lexicon, files: dict, notes=()) -> TrackScore:
    gold = read_openset_csv(gold_path)
    al = align(list(gold), pred, where)
    s, records = wheel_f(gold, dict(zip(al.names, al.values)), lexicon)
    levels = track.kwargs.get("levels", ("level1", "level2"))
    score, values = _fg_values(s, levels)
    return result(score, values, s["n"], al, records, files, notes)


def score_fg(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2025 FG = mean(L1, L2) on the AffectGPT lexicon; MER2026 FG = L1 on the corrected lexicon."""
    lex = load_track_lexicon(track, opts)
    return {**_fg(track, gold, read_openset(submission), submission, lex, {"submission": submission, "gold": gold}),
            "lexicon": lex}


def score_des(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2025 DES: a CSV name,description[,openset]. Given labels are scored as they are; otherwise labels are
    extracted from the descriptions with --extractor (e.g. keyword, an offline stand-in). Then the FG metric."""
    from unibench.describe.extractors import build_extractor

    lex = load_track_lexicon(track, opts)
    table = read_csv_table(submission, ["description"], optional=("openset",))
    notes = []
    if "openset" in table.columns:
        pred = {n: r["openset"] for n, r in table.rows.items()}
        notes.append("labels: the submission's openset column (descriptions are not re-extracted)")
        extractor = None
    else:
        if not opts.get("extractor"):
            raise UserError(f"{submission}: descriptions only (no openset column); pass --extractor NAME to extract "
                            "labels (keyword = offline lexicon-word matcher, not the official LLM route)")
        extractor = build_extractor(opts["extractor"], lex)
        pred = extractor.extract({n: r["description"] for n, r in table.rows.items()})
        notes.append(f"labels extracted with the '{extractor.id}' extractor: {extractor.description}")
    out = _fg(track, gold, pred, submission, lex, {"submission": submission, "gold": gold}, notes)
    if extractor is not None:
        out["extractor"] = {"id": extractor.id, "version": extractor.version}
    return {**out, "lexicon": lex}


GROUPING_PROMPT = (  # get_openset_synonym, as quoted in mer-unibench-protocol.md section 9
    "Please assume the role of an expert in the field of emotions. We provide a set of emotions. Please group the "
    "emotions, with each group containing emotions with the same meaning. Directly output the results. The output "
    "format should be a list containing multiple lists. Input: ['Agree', 'agreement', 'Relaxed', 'acceptance', "
    "'pleasant', 'relaxed', 'Accept', 'positive', 'Happy'] Output: [['Agree', 'agreement', 'Accept', 'acceptance'], "
    "['Relaxed', 'relaxed'],['pleasant', 'positive', 'Happy']] Input: {merge_openset} Output:")


def request_groupings(words: dict[str, list[str]], opts: dict) -> dict[str, str]:
    """name -> grouping reply for the words of each sample, asked of an OpenAI-compatible LLM through the shared
    request engine (GROUPING_PROMPT, temperature 0, max_tokens 1000 as upstream; key from $OPENAI_API_KEY).

    Upstream sent `set(gt) | set(pred)` in Python's set order, which is not reproducible; the words go sorted here.
    Replies from another model than upstream's gpt-3.5-turbo-16k-0613 give other numbers: the model is recorded.
    A sample whose call fails gets no reply and is reported, never silently scored."""
    from unibench.engine import ChatRequest, Endpoint, Engine

    if not opts.get("grouping_base_url"):
        raise UserError("mer2024-ov needs synonym groupings: pass --groupings openset-synonym.zip (stored replies) "
                        "or --grouping-base-url URL [--grouping-model NAME] to ask an OpenAI-compatible LLM")
    model = opts.get("grouping_model") or "gpt-3.5-turbo-16k-0613"
    names = list(words)
    requests = [ChatRequest(model=model, temperature=0.0, max_tokens=1000, messages=(
        {"role": "user", "content": GROUPING_PROMPT.format(merge_openset=repr(words[n]))},)) for n in names]
    outcomes = Engine(Endpoint(opts["grouping_base_url"])).run(requests, "synonym groupings")
    failed = [n for n, o in zip(names, outcomes) if o.error]
    if failed:
        raise UserError(f"{len(failed)} of {len(names)} grouping calls failed ({failed[0]}: "
                        f"{outcomes[names.index(failed[0])].error}); re-run to retry them (answers so far are cached)")
    return {n: o.text for n, o in zip(names, outcomes)}


def score_mer2024_ov(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    from unibench.metrics.synonym_groups import load_grouping_zip, score_mer2024_ov as metric
    from unibench.textlists import string_to_list_mer2024

    g = read_openset_csv(gold, mer2024=True)
    al = align(list(g), read_openset_csv(submission, mer2024=True), submission)
    pred = dict(zip(al.names, al.values))
    if opts.get("groupings"):
        replies = load_grouping_zip(opts["groupings"])
    else:
        words = {n: sorted({w.lower() for w in string_to_list_mer2024(g[n]) + string_to_list_mer2024(pred[n])})
                 for n in al.names}
        replies = request_groupings(words, opts)
    stray = [n for n in replies if n not in g]
    if stray:
        raise UserError(f"{opts.get('groupings')}: {len(stray)} grouping replies name samples that are not in "
                        f"{gold} ({stray[0]}, ...); use the groupings made for this gold file")
    try:
        m = metric(g, pred, replies)
    except ValueError as err:
        raise UserError(f"{submission}: {err}") from None
    notes = ["score = mean(mean precision, mean recall); upstream calls precision 'accuracy'"]
    if m.n < len(g):
        notes.append(f"{len(g) - m.n} gold samples have no grouping reply and are not scored, as upstream")
    records = [{"name": n, "gold": g[n], "pred": pred[n], "grouping": replies.get(n)} for n in al.names]
    return result(pct(m.score), {"precision": pct(m.precision), "recall": pct(m.recall), "avg": pct(m.score),
                                 "n_scored": m.n}, m.n, al, records,
                  {"submission": submission, "gold": gold, "groupings": opts.get("groupings")}, notes)


def score_ovmer_suite(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    from unibench.tracks.ovmer import ovmer_suite

    lex = load_track_lexicon(track, opts)
    g = read_openset_csv(gold)
    al = align(list(g), read_openset(submission), submission)
    suite = ovmer_suite(g, dict(zip(al.names, al.values)), lex)
    records = [{"name": n, "gold": g[n], "pred": p} for n, p in zip(al.names, al.values)]
    out = result(suite["m_avg"], suite, len(al.names), al, records, {"submission": submission, "gold": gold},
                 ["score = M-avg, the mean F of M1, M2 and the 10 M3 metrics"])
    return {**out, "lexicon": lex}
