"""Extraction fidelity: `--extractor lexicon` (offline word finder) against the upstream Qwen2.5 extractions
(`--extractor cache`) on every reference output, under the lexicon the paper used (affectgpt). Printed, never
asserted (target: at most 1.0 point per dataset on AffectGPT's outputs; OV-MER descriptions are long free text,
larger gaps are expected and reported as they are).

Usage: python benchmarks/extraction_fidelity.py [--reference ../shared/reference] [--lexicon affectgpt|mer2026]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

AFFECTGPT = ("mer2023", "meld", "mosi", "sims")


def per_checkpoint(card, corpus, model: str, extractor, lexicon) -> dict[str, float]:
    from unibench.adapters import build_adapter
    from unibench.runner import RunOptions, evaluate_dataset

    o = evaluate_dataset(card, corpus, build_adapter(model), extractor, lexicon,
                         RunOptions(model_name="bench", model_spec=model, checkpoint_policy="all", bootstrap=0,
                                    records=False))
    return {s.checkpoint: s.score for s in o.checkpoints}


def compare(card, corpus, model: str, lexicon, label: str) -> list[tuple]:
    from unibench.extract.cache import CacheExtractor
    from unibench.extract.lexicon import LexiconExtractor

    cache = per_checkpoint(card, corpus, model, CacheExtractor(), lexicon)
    lex = per_checkpoint(card, corpus, model, LexiconExtractor(), lexicon)
    rows = [(label, ck, cache[ck], lex[ck]) for ck in cache]
    best_c, best_l = max(cache, key=cache.get), max(lex, key=lex.get)
    rows.append((label, f"best ({best_c} / {best_l})", cache[best_c], lex[best_l]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=os.environ.get("UNIBENCH_REFERENCE") or str(REPO.parent / "shared" /
                                                                                       "reference"))
    ap.add_argument("--lexicon", default="affectgpt", choices=("affectgpt", "mer2026"))
    args = ap.parse_args()
    from unibench.datasets import get_card, load_corpus
    from unibench.lexicon.registry import load_lexicon

    ref = Path(args.reference)
    path = ref / ("AffectGPT/emotion_wheel" if args.lexicon == "affectgpt" else "MER2026/emotion_wheel/wheel_mapping.npz")
    lexicon = load_lexicon(f"{args.lexicon}:{path}")
    rows = []
    for ds in AFFECTGPT:
        card = get_card(ds)
        rows += compare(card, load_corpus(card, ref / "dataset"), f"affectgpt-npz:{ref / 'output'}", lexicon,
                        f"AffectGPT {ds}")
    card = get_card("ovmerd")
    corpus = load_corpus(card, ref / "ov-mer")
    for model in sorted(p.name for p in (ref / "ov-mer" / "results-ovmerd").iterdir() if p.is_dir()):
        rows += compare(card, corpus, f"affectgpt-npz:{ref / 'ov-mer' / 'results-ovmerd' / model}", lexicon,
                        f"OV-MER {model}")
    print(f"lexicon {lexicon.id}@{lexicon.version}; scores x100 (HIT / WAF / EW-F level 1)")
    print(f"{'outputs':28} {'checkpoint':58} {'cache':>8} {'lexicon':>8} {'diff':>7}")
    for label, ck, c, x in rows:
        print(f"{label:28} {ck[:58]:58} {c:8.2f} {x:8.2f} {x - c:+7.2f}")
    print("\nmax |diff| per dataset (all checkpoints and the best):")
    by: dict[str, list[float]] = {}
    for label, _, c, x in rows:
        by.setdefault(label if label.startswith("AffectGPT") else "OV-MER (21 runs)", []).append(abs(x - c))
    for label, d in by.items():
        print(f"  {label:28} max {max(d):.2f}  mean {sum(d) / len(d):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
