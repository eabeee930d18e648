"""Measure the native lexicon's embedding fallback on held-out word lists, to choose and justify its threshold.

Usage: python -m unibench.lexicon.native_calibrate tests/data/native_calibration.yaml [thresholds...]
Only (word, wheel) pairs that no rule reaches are scored, since only those reach the fallback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def similarities(lex, doc: dict) -> dict:
    """{"emotion": [(word, wheel, sim, root, expected_roots_or_None)], "non_emotion": [(word, wheel, sim, root)]}."""
    out: dict[str, list] = {"emotion": [], "non_emotion": []}
    items = [(w, tag) for tag, ws in doc["emotion"].items() for w in ws] + [(w, None) for w in doc["non_emotion"]]
    lex.prepare([w for w, _ in items])  # one batch (or the disk store) for every word left to the fallback
    for word, tag in items:
        for wid in lex.wheels:
            if lex._rules(word, lex.wheel(wid), allow_embedding=False)["reason"] != "oov":
                continue  # a rule decides this pair; the fallback is never asked
            wh = lex.wheel(wid)
            ranked = lex.ranked(word, wid)
            if not ranked:
                raise RuntimeError(f"embedding fallback unavailable: {lex.embedding_status}")
            sign = lex.evidence_valence(word)  # the same valence guard as the lexicon applies
            ok = [(c, s) for c, s in ranked if not sign or wh.valence[wh.level1[c]] in (sign, "neutral")]
            cand, sim = ok[0] if ok else ranked[0]
            root = wh.level1[cand]
            if tag is None:
                out["non_emotion"].append((word, wid, sim, root))
            else:
                out["emotion"].append((word, wid, sim, root, doc["expected"][tag].get(wid)))
    return out


def table(sims: dict, thresholds) -> list[dict]:
    rows = []
    emo, non = sims["emotion"], sims["non_emotion"]
    for t in thresholds:
        kept = [e for e in emo if e[2] >= t]
        judged = [e for e in kept if e[4]]
        rows.append({"threshold": t, "emotion_kept": len(kept) / max(len(emo), 1),
                     "non_emotion_kept": sum(n[2] >= t for n in non) / max(len(non), 1),
                     "cluster_correct_of_kept": sum(e[3] in e[4] for e in judged) / max(len(judged), 1),
                     "n_emotion": len(emo), "n_non_emotion": len(non), "n_judged_kept": len(judged)})
    return rows


def main(argv=None) -> int:
    from unibench.lexicon.native import NativeLexicon

    argv = sys.argv[1:] if argv is None else argv
    doc = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8"))
    thresholds = [float(x) for x in argv[1:]] or [0.40, 0.45, 0.50, 0.55, 0.60, 0.65]
    sims = similarities(NativeLexicon(embedding_fallback=True), doc)
    for r in table(sims, thresholds):
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    non = sorted(sims["non_emotion"], key=lambda x: -x[2])[:8]
    print("highest non-emotion:", [(w, wid, round(s, 3), r) for w, wid, s, r in non])
    emo = sorted(sims["emotion"], key=lambda x: x[2])[:8]
    print("lowest emotion:", [(w, wid, round(s, 3), r) for w, wid, s, r, _ in emo])
    wrong = [(w, wid, round(s, 3), r) for w, wid, s, r, e in sims["emotion"] if e and r not in e and s >= 0.5]
    print("wrong cluster (sim >= 0.5):", wrong)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
