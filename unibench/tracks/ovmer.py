"""The OV-MER metric suite (OV-MER `ew_metric.py`; protocol section 9): 12 set P/R/F metrics on open-vocabulary lists.

Every label (after upstream string_to_list and lower().strip()) is mapped by one of three rules, unmapped labels are
dropped (`func_map_label_to_synonym`), and the per-sample sets are scored with the shared set P/R/F
(`unibench.metrics.wheel.set_prf`: samples with an empty gold set are skipped, F of the averaged P and R):

  M1          case1: word form only            sorted(FORMS[x])[0]
  M2          case2: form, then synonym         sorted(SYN[sorted(FORMS[x])[0]])[0]
  M3-Wk-Ll    case3: wheel k at level l         the lexicon's map_word (first sorted candidate on the wheel)

M-avg is the mean F of all 12 (M1, M2 and the 5 x 2 M3). Gold strings are used as given (the `gt_csv` route of
upstream): an empty gold list is simply not scored. The arithmetic has no zero-division guard, as AffectGPT's
`wheel.py`: a metric with no scorable sample or with P + R = 0 is NaN there, so M-avg is then undefined (None, with
the reason). tests/test_official_parity.py scores every metric with the official `calculate_openset_overlap_rate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unibench.lexicon.base import LEVELS
from unibench.metrics.wheel import set_prf, wheel_mean
from unibench.textlists import normalise_words

__all__ = ["suite_metrics", "map_case", "ovmer_suite"]


def suite_metrics(wheels: Sequence[str]) -> list[str]:
    """Metric names in the OV-MER README order: M1, M2, M3-W1-L1, M3-W1-L2, ..., M3-W5-L2."""
    return ["M1", "M2"] + [f"M3-W{w[-1]}-L{lv[-1]}" for w in wheels for lv in LEVELS]


def map_case(lexicon, word: str, metric: str) -> str | None:
    """One label under one metric; None = dropped (not in the form table, or no candidate on the wheel).

    case2 on a base word that has no synonym entry: upstream raises KeyError; here the word is dropped (it never
    happens with the shipped tables, where every base is a synonym key)."""
    if metric == "M1" or metric == "M2":
        bases = lexicon.forms.get(word)
        if not bases:
            return None
        base = sorted(bases)[0]
        if metric == "M1":
            return base
        syns = lexicon.synonyms.get(base)
        return sorted(syns)[0] if syns else None
    _, w, lv = metric.split("-")  # M3-W1-L2
    return lexicon.map_word(word, f"wheel{w[1:]}", f"level{lv[1:]}")


def _sets(lexicon, label_strings: Sequence[str], metric: str) -> list[frozenset]:
    out = []
    for s in label_strings:
        mapped = (map_case(lexicon, w, metric) for w in normalise_words(s))
        out.append(frozenset(m for m in mapped if m is not None))
    return out


def ovmer_suite(gold: Mapping[str, str], pred: Mapping[str, str], lexicon) -> dict:
    """The 12 metrics (x100) over the names of `gold`; `gold`/`pred` map name -> label-list string.

    Returns {"metrics": {name: {"f", "p", "r", "n"}}, "m_avg": mean F of the 12, "undefined": None or why m_avg
    is None}. A metric's f is None when it is NaN upstream (no scorable sample, or P + R = 0).
    """
    names = list(gold)
    g_strings, p_strings = [gold[n] for n in names], [pred[n] for n in names]
    metrics: dict[str, dict] = {}
    for metric in suite_metrics(lexicon.wheels):
        m = set_prf(_sets(lexicon, g_strings, metric), _sets(lexicon, p_strings, metric))
        pct = (lambda x: None if x is None else 100.0 * x)
        defined = m.n > 0 and (m.precision or 0) + (m.recall or 0) > 0
        metrics[metric] = {"f": pct(m.f) if defined else None, "p": pct(m.precision), "r": pct(m.recall), "n": m.n}
    avg = wheel_mean({k: (v["p"], v["r"], v["n"]) for k, v in metrics.items()}, guarded=False)
    return {"metrics": metrics, "m_avg": avg.f, "undefined": avg.undefined}
