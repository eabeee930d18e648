"""Scorers of the closed-set tracks: MERBench, MER2023-2026 discrete tracks and MER-Prefer.

A scorer takes (track, submission path, gold path, options) and returns a `TrackScore` dict: `score` (the primary
number, x100), `values` (every reported number, x100 unless named otherwise), `n`, `n_extra_ignored`, `records`
(per sample), `files` (role -> path, for checksums), `notes` and, when the official scorer would return NaN,
`undefined` (the reason; `score` is then None). It reads and validates everything before returning, so the caller
writes nothing on bad input. tests/test_official_parity.py scores the same files with the official code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unibench.errors import UserError
from unibench.metrics.classify import accuracy, mer2023_combined, mse, weighted_f1
from unibench.metrics.preference import length_baseline, swap_consistency, three_class, two_class
from unibench.metrics.sentiment import binary_sentiment
from unibench.tracks.submissions import (EMOS_MER, align, check_count, check_same_pairs, parse_valence,
                                         read_csv_table, read_discrete_csv, read_preference_csv)

TrackScore = dict[str, Any]


def pct(x: float | None) -> float | None:
    return None if x is None else 100.0 * x


def result(score, values: dict, n: int, aligned, records: list, files: dict, notes=(), undefined=None) -> TrackScore:
    notes = list(notes)
    if aligned.n_extra:
        notes.append(f"{aligned.n_extra} submitted names are not in the gold file and were ignored "
                     f"({aligned.extra_preview})")
    return {"score": None if undefined else score, "values": values, "n": n, "n_extra_ignored": aligned.n_extra,
            "records": records, "files": {k: str(v) for k, v in files.items() if v is not None}, "notes": notes,
            "undefined": undefined}


def official(opts: dict) -> bool:
    return bool(opts.get("as_official"))


def require_samples(n: int, gold: Path) -> None:
    if not n:
        raise UserError(f"{gold}: no gold samples; the official scorer fails on an empty set (sklearn needs at "
                        "least one sample)")


def _classify(gold: dict[str, str], pred_path: Path, labels, opts: dict, gold_only: bool = False):
    """Read a name,discrete submission restricted to `labels` and align it to the gold names."""
    sub = read_discrete_csv(pred_path, labels=labels, as_official=official(opts), only=list(gold) if gold_only else None)
    al = align(list(gold), sub.discrete, pred_path)
    return al, [gold[n] for n in al.names]


def score_waf(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2023-SEMI, MER2024 SEMI/NOISE, MER2025 SEMI, MER2026 Cross: weighted F1 over the gold names.
    MER2025/2026 read the labels of the gold names only; MER2023-SEMI reads (and checks) every row."""
    g = read_discrete_csv(gold, as_official=official(opts)).discrete
    require_samples(len(g), gold)
    al, gl = _classify(g, submission, EMOS_MER, opts, gold_only=track.kwargs.get("gold_only", False))
    check_count(track, len(al.names) + al.n_extra, len(g), submission)
    waf, acc = weighted_f1(gl, al.values), accuracy(gl, al.values)
    records = [{"name": n, "gold": a, "pred": b} for n, a, b in zip(al.names, gl, al.values)]
    return result(pct(waf), {"waf": pct(waf), "acc": pct(acc)}, len(gl), al, records,
                  {"submission": submission, "gold": gold})


def score_mer2023(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER2023 MULTI/NOISE: WAF - 0.25 x MSE of the raw valence (reported x100 like every score); the official
    scorer asserts as many predictions as gold names."""
    gsub = read_discrete_csv(gold, valence=True, as_official=official(opts))
    sub = read_discrete_csv(submission, valence=True, as_official=official(opts))
    require_samples(len(gsub.discrete), gold)
    check_count(track, len(sub.discrete), len(gsub.discrete), submission)
    al = align(list(gsub.discrete), sub.discrete, submission)
    gl = [gsub.discrete[n] for n in al.names]
    assert gsub.valence is not None and sub.valence is not None  # read with valence=True
    gv, pv = [gsub.valence[n] for n in al.names], [sub.valence[n] for n in al.names]
    waf, acc, m = weighted_f1(gl, al.values), accuracy(gl, al.values), mse(gv, pv)
    combined = mer2023_combined(waf, m)
    records = [{"name": n, "gold": a, "pred": b, "gold_valence": x, "pred_valence": y}
               for n, a, b, x, y in zip(al.names, gl, al.values, gv, pv)]
    return result(pct(combined), {"combined": pct(combined), "waf": pct(waf), "acc": pct(acc), "mse_raw": m},
                  len(gl), al, records, {"submission": submission, "gold": gold},
                  ["combined = 100 x (WAF - 0.25 x MSE); MSE on the raw valence scale"])


def score_merbench_discrete(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MERBench discrete sets: the label vocabulary is --labels, or else the labels seen in the gold file."""
    table = read_csv_table(gold, ["discrete"], as_official=official(opts))
    g = {n: r["discrete"] for n, r in table.rows.items()}
    labels = opts.get("labels") or sorted(set(g.values()))
    bad = sorted({v for v in g.values() if v not in labels})
    if bad:
        raise UserError(f"{gold}: gold labels {', '.join(bad)} are not in --labels {', '.join(labels)}")
    require_samples(len(g), gold)
    al, gl = _classify(g, submission, labels, opts)
    waf, acc = weighted_f1(gl, al.values), accuracy(gl, al.values)
    records = [{"name": n, "gold": a, "pred": b} for n, a, b in zip(al.names, gl, al.values)]
    return result(pct(waf), {"waf": pct(waf), "acc": pct(acc)}, len(gl), al, records,
                  {"submission": submission, "gold": gold}, [f"label vocabulary: {', '.join(labels)}"])


def _valences(path: Path, opts: dict) -> dict[str, float]:
    table = read_csv_table(path, ["valence"], as_official=official(opts))
    return {name: parse_valence(row["valence"], f"{path}: line {table.line[name]}, sample {name}")
            for name, row in table.rows.items()}


def score_merbench_sentiment(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    g = _valences(gold, opts)
    al = align(list(g), _valences(submission, opts), submission)
    gv = [g[n] for n in al.names]
    m = binary_sentiment(gv, al.values)
    if m.n == 0:
        raise UserError(f"{gold}: every gold valence is exactly 0; nothing to score in the Non0 protocol")
    records = [{"name": n, "gold": a, "pred": b} for n, a, b in zip(al.names, gv, al.values)]
    return result(pct(m.waf), {"waf": pct(m.waf), "acc": pct(m.acc), "n_zero_gold_dropped": m.n_zero_gold},
                  m.n, al, records, {"submission": submission, "gold": gold},
                  ["binary (gold > 0) vs (pred > 0); a prediction of exactly 0 counts as negative"])


def _pref(s) -> dict:
    return {"waf": pct(s.waf), "acc": pct(s.acc), "n": s.n}


def score_prefer(track, submission: Path, gold: Path, opts: dict) -> TrackScore:
    """MER-Prefer: 2-class (primary) and 3-class scores, the length baseline from the pair texts, and swap
    consistency when a prediction file made on the reversed (a1<->a2) pairs is given."""
    gt = read_preference_csv(gold, as_official=official(opts))
    sub = read_preference_csv(submission, as_official=official(opts))
    check_same_pairs(gt, sub)
    pred = {n: r["preference"] for n, r in sub.rows.items()}
    al = align(list(gt.rows), pred, submission)
    g = [gt.rows[n]["preference"] for n in al.names]
    texts = gt if {"a1", "a2"} <= set(gt.columns) else sub if {"a1", "a2"} <= set(sub.columns) else None
    if texts is None:
        raise UserError(f"{gold}: no a1,a2 columns in the gold or the submission; the length baseline reported "
                        "beside every MER-Prefer score needs the pair texts (name,a1,a2,preference)")
    missing = [n for n in al.names if n not in texts.rows]
    if missing:
        raise UserError(f"{texts.path}: {len(missing)} gold pairs have no a1/a2 texts ({missing[0]}, ...)")
    base = length_baseline([texts.rows[n]["a1"] for n in al.names], [texts.rows[n]["a2"] for n in al.names])
    require_samples(len(g), gold)
    try:
        two = two_class(g, al.values)
    except ValueError as err:  # every gold pair is 'same'; the official f1_score fails on the empty list too
        raise UserError(f"{gold}: {err}") from None
    three = three_class(g, al.values)
    values: dict[str, Any] = {"two_class": _pref(two), "three_class": _pref(three),
                              "length_baseline": {"two_class": _pref(two_class(g, base)),
                                                  "three_class": _pref(three_class(g, base))}}
    files = {"submission": submission, "gold": gold, "reversed": opts.get("reversed")}
    records = [{"name": n, "gold": a, "pred": b, "length_baseline": c}
               for n, a, b, c in zip(al.names, g, al.values, base)]
    if opts.get("reversed"):
        rev_path = Path(opts["reversed"])
        rev = read_preference_csv(rev_path, as_official=official(opts))
        if {"a1", "a2"} <= set(rev.columns) and texts is not None:
            for n in al.names:
                r = rev.rows.get(n)
                if r is not None and (r["a1"], r["a2"]) != (texts.rows[n]["a2"], texts.rows[n]["a1"]):
                    raise UserError(f"{rev_path}: line {rev.line[n]}, sample {n}: the a1/a2 texts are not the "
                                    "swapped pair; --reversed takes predictions made on the a1<->a2 swapped pairs")
        ral = align(al.names, {k: r["preference"] for k, r in rev.rows.items()}, rev_path)
        values["swap_consistency"] = pct(swap_consistency(al.values, ral.values))
        for rec, v in zip(records, ral.values):
            rec["pred_reversed"] = v
    return result(pct(two.waf), values, two.n, al, records, files,
                  ["primary = 2-class WAF (gold 'same' dropped, predicted 'same' counted as a1)",
                   "length_baseline = the longer description wins (a tie is 'same'); compare every score with it"])
