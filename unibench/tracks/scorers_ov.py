"""Scorers of the open-vocabulary tracks: MER2024 MER-OV, MER2025/2026 FG, MER2025 DES and the OV-MER suite.

Same contract as `unibench.tracks.scorers`. Emotion-wheel tracks need `--lexicon`; a track tied to one lexicon
variant (MER2025: the uncorrected AffectGPT folder; MER2026: the corrected wheel_mapping.npz) refuses the other,
because the two differ by about 0.1 point and a mixed-up number would look official. Degenerate wheels follow each
edition's code (`unibench.metrics.wheel.wheel_mean`): MER2025 / OV-MER have no zero-division guard (NaN, reported
as undefined with the reason), MER2026 counts such a wheel as F = 0.
"""

from __future__ import annotations

from pathlib import Path

from unibench.errors import UserError
from unibench.metrics.wheel import wheel_mean
from unibench.scoring import records as score_records, score_open_vocab
from unibench.schema import Extraction, GoldLabel
from unibench.textlists import string_to_list
from unibench.tracks.scorers import TrackScore, official, pct, result
from unibench.tracks.submissions import (align, check_count, openset_cell, read_csv_table, read_openset_csv,
                                         read_openset_npz)

__all__ = ["score_mer2024_ov", "score_fg", "score_des", "score_ovmer_suite", "request_groupings", "grouping_prompt",
           "load_track_lexicon", "wheel_f"]


def read_openset(path: Path, opts: dict, npz_only: bool = False, track_id: str = "") -> dict:
    if Path(path).suffix == ".npz":
        return read_openset_npz(path, as_official=official(opts))
    if npz_only:
        raise UserError(f"{path}: {track_id} takes the *-openset.npz upload (arrays filenames, fileitems), as the "
                        "official Codalab scorer does; save it with np.savez(path, filenames=names, "
                        "fileitems=label_strings)")
    return read_openset_csv(path, as_official=official(opts))


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


def wheel_f(gold: dict[str, str], pred: dict, lexicon) -> tuple[dict, list[dict]]:
    """EW set P/R per wheel at levels 1 and 2 (scoring.score_open_vocab) over the gold names; gold strings as
    given (split and re-joined, as the official `evaluate` does)."""
    samples = [GoldLabel(id=n, gold=tuple(string_to_list(g))) for n, g in gold.items()]
    ext = {n: Extraction(labels=pred[n]) for n in gold}
    scored = score_open_vocab(samples, ext, lexicon)
    return scored.score, score_records("open_vocab", samples, ext, scored, lexicon.wheels)


def _level(per_wheel: dict, guarded: bool):
    return wheel_mean({w: (v["p"], v["r"], v["n"]) for w, v in per_wheel.items()}, guarded)


def fg_values(s: dict, track) -> tuple[float | None, dict, str | None]:
    """The track's score from per-wheel P/R/n: MER2025 = mean(L1 F, L2 F), MER2026 = L1 F, each edition's
    degenerate-wheel rule; returns (score, values, why the score is undefined)."""
    guarded = track.kwargs.get("rule") == "mer2026"
    l1, l2 = _level(s["per_wheel"], guarded), _level(s.get("per_wheel_level2") or {}, guarded)
    values = {"ew_f_l1": l1.f, "ew_p_l1": l1.precision, "ew_r_l1": l1.recall, "ew_f_l2": l2.f,
              "ew_p_l2": l2.precision, "ew_r_l2": l2.recall, "per_wheel_l1": s["per_wheel"],
              "per_wheel_l2": s.get("per_wheel_level2")}
    if track.kwargs.get("levels", ("level1",)) == ("level1", "level2"):
        why = f"level 1, {l1.undefined}" if l1.undefined else f"level 2, {l2.undefined}" if l2.undefined else None
        score = None if why else (l1.f + l2.f) / 2
        values["mean_l1_l2"] = score
        return score, values, why
    return l1.f, values, f"level 1, {l1.undefined}" if l1.undefined else None


def _fg(track, gold_path: Path, pred: dict, where: Path, lexicon, files: dict, opts: dict, notes=()) -> TrackScore:
    gold = read_openset_csv(gold_path, as_official=official(opts))
    al = align(list(gold), pred, where)
    s, records = wheel_f(gold, dict(zip(al.names, al.values)), lexicon)
    score, values, why = fg_values(s, track)
    return result(score, values, s["n"], al, records, files, notes, undefined=why)


def score_fg(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2025 FG = mean(L1, L2) on the AffectGPT lexicon, from the 20,000-name npz; MER2026 FG = L1 on the
    corrected lexicon."""
    lex = load_track_lexicon(track, opts)
    pred = read_openset(submission, opts, track.kwargs.get("npz_only", False), track.id)
    check_count(track, len(pred), 0, submission)
    return {**_fg(track, gold, pred, submission, lex, {"submission": submission, "gold": gold}, opts),
            "lexicon": lex}


def score_des(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2025 DES: a CSV name,description[,openset]. Given labels are scored as they are; otherwise labels are
    extracted from the descriptions with --extractor (llm = upstream prompt A, lexicon = offline). Then the FG
    metric (mean of L1 and L2 F on the AffectGPT lexicon, MER2025's degenerate-wheel rule)."""
    from unibench.describe.labels import build_text_extractor, extract_labels, failure_note

    lex = load_track_lexicon(track, opts)
    table = read_csv_table(submission, ["description"], optional=("openset",), as_official=official(opts))
    notes = []
    if "openset" in table.columns:
        pred = {n: openset_cell(r["openset"]) for n, r in table.rows.items()}
        notes.append("labels: the submission's openset column (descriptions are not re-extracted)")
        extractor = None
    else:
        if not opts.get("extractor"):
            raise UserError(f"{submission}: descriptions only (no openset column); pass --extractor llm (upstream "
                            "prompt A on an OpenAI-compatible server) or --extractor lexicon (offline word finder)")
        extractor = build_text_extractor(opts["extractor"], lex, opts)
        pred, errors = extract_labels(extractor, {n: r["description"] for n, r in table.rows.items()}, "submission")
        notes.append(f"labels extracted with the '{extractor.id}' extractor: {extractor.description}")
        notes += failure_note(errors, "descriptions")
    out = _fg(track, gold, pred, submission, lex, {"submission": submission, "gold": gold}, opts, notes)
    if extractor is not None:
        out["extractor"] = extractor.describe()
    return {**out, "lexicon": lex}


DEFAULT_GROUPING_MODEL = "gpt-3.5-turbo-16k-0613"  # the official get_openset_synonym's default model


def grouping_prompt(words: list[str]) -> str:
    """MER2024's `get_openset_synonym` prompt for one sample's word list (the list is written as Python prints
    it, as upstream's f-string does). tests/test_official_parity.py compares it with the official function."""
    return ("Please assume the role of an expert in the field of emotions. We provide a set of emotions. Please group "
            "the emotions, with each group containing emotions with the same meaning. Directly output the results. "
            "The output format should be a list containing multiple lists. Input: ['Agree', 'agreement', 'Relaxed', "
            "'acceptance', 'pleasant', 'relaxed', 'Accept', 'positive', 'Happy'] Output: [['Agree', 'agreement', "
            "'Accept', 'acceptance'], ['Relaxed', 'relaxed'],['pleasant', 'positive', 'Happy']] Input: "
            f"{words!r} Output:")


def request_groupings(words: dict[str, list[str]], opts: dict) -> dict[str, str]:
    """name -> grouping reply for the words of each sample, asked of an OpenAI-compatible LLM through the shared
    request engine (temperature 0 and max_tokens 1000, per challenge-tracks.md: the official call is not in the
    published code; key from $OPENAI_API_KEY). Replies go through upstream's `func_postprocess_chatgpt`
    (`unibench.extract.llm_prompts.postprocess`, the same code) before parsing.

    Upstream sent `set(gt) | set(pred)` in Python's set order, which is not reproducible; the words go sorted here.
    Replies from another model than upstream's gpt-3.5-turbo-16k-0613 give other numbers: the model is recorded.
    A failed call is an error naming the sample, never a silently scored sample."""
    from unibench.engine import ChatRequest, Endpoint, Engine
    from unibench.extract.llm_prompts import postprocess

    if not opts.get("grouping_base_url"):
        raise UserError("mer2024-ov needs synonym groupings: pass --groupings openset-synonym.zip (stored replies) "
                        "or --grouping-base-url URL [--grouping-model NAME] to ask an OpenAI-compatible LLM")
    model = opts.get("grouping_model") or DEFAULT_GROUPING_MODEL
    names = list(words)
    requests = [ChatRequest(model=model, temperature=0.0, max_tokens=1000, messages=(
        {"role": "user", "content": grouping_prompt(words[n])},)) for n in names]
    outcomes = Engine(Endpoint(opts["grouping_base_url"])).run(requests, "synonym groupings")
    failed = [n for n, o in zip(names, outcomes) if o.error]
    if failed:
        raise UserError(f"{len(failed)} of {len(names)} grouping calls failed ({failed[0]}: "
                        f"{outcomes[names.index(failed[0])].error}); re-run to retry them (answers so far are cached)")
    return {n: postprocess(o.text or "") for n, o in zip(names, outcomes)}


def score_mer2024_ov(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2024 MER-OV over the samples that have a grouping reply (stored: the zip's names; live: every gold
    name). Gold and predictions are read as the official `func_read_key_from_csv` reads them."""
    from unibench.metrics.synonym_groups import clean_grouping, load_grouping_zip, score_mer2024_ov as metric
    from unibench.textlists import string_to_list_mer2024

    g = read_openset_csv(gold, as_official=official(opts), missing_as_empty=("openset",))
    pred_all = read_openset_csv(submission, as_official=official(opts), missing_as_empty=("openset",))
    if opts.get("groupings"):
        replies = load_grouping_zip(opts["groupings"])
        stray = [n for n in replies if n not in g]
        if stray:
            raise UserError(f"{opts['groupings']}: {len(stray)} grouping replies name samples that are not in "
                            f"{gold} ({stray[0]}, ...); use the groupings made for this gold file")
        scored = [n for n in g if n in replies]
    else:
        scored = list(g)
    al = align(scored, pred_all, submission)
    pred = dict(zip(al.names, al.values))
    if not opts.get("groupings"):
        try:
            words = {n: sorted({w.lower() for w in string_to_list_mer2024(g[n]) + string_to_list_mer2024(pred[n])})
                     for n in al.names}
        except ValueError as err:
            raise UserError(f"{submission} / {gold}: {err}") from None
        replies = request_groupings(words, opts)
    try:
        m = metric(g, pred, {n: replies[n] for n in al.names})
    except ValueError as err:
        raise UserError(f"{submission}: {err} (the official scorer fails here too)") from None
    notes = ["score = mean(mean precision, mean recall); upstream calls precision 'accuracy'"]
    if m.n < len(g):
        notes.append(f"{len(g) - m.n} gold samples have no grouping reply and are not scored (the official scorer "
                     "scores the samples of the grouping folder)")
    unclean = [n for n in al.names if not clean_grouping(replies[n])]
    if unclean:
        notes.append(f"warning: {len(unclean)} grouping replies are not a clean list of quoted lists "
                     f"({unclean[0]}: {replies[unclean[0]][:60]!r}); split as the official listlist_to_list does")
    unquoted = [n for n in al.names if any("," in w for w in string_to_list_mer2024(pred[n]))]
    if unquoted:
        notes.append(f"warning: {len(unquoted)} predictions have unquoted items ({unquoted[0]}: {pred[unquoted[0]]!r}"
                     "); the MER2024 splitter reads '[a, b]' as the one word 'a, b', as the official scorer does")
    records = [{"name": n, "gold": g[n], "pred": pred[n], "grouping": replies.get(n)} for n in al.names]
    why = None if m.n else "no sample has a grouping reply (the official scorer averages an empty list: NaN)"
    return result(pct(m.score), {"precision": pct(m.precision), "recall": pct(m.recall), "avg": pct(m.score),
                                 "n_scored": m.n}, m.n, al, records,
                  {"submission": submission, "gold": gold, "groupings": opts.get("groupings")}, notes, undefined=why)


def score_ovmer_suite(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    from unibench.tracks.ovmer import ovmer_suite

    lex = load_track_lexicon(track, opts)
    g = read_openset_csv(gold, as_official=official(opts))
    al = align(list(g), read_openset(submission, opts), submission)
    suite = ovmer_suite(g, dict(zip(al.names, al.values)), lex)
    records = [{"name": n, "gold": g[n], "pred": p} for n, p in zip(al.names, al.values)]
    out = result(suite["m_avg"], suite, len(al.names), al, records, {"submission": submission, "gold": gold},
                 ["score = M-avg, the mean F of M1, M2 and the 10 M3 metrics"], undefined=suite["undefined"])
    return {**out, "lexicon": lex}
