"""Lexicon agreement on the reference outputs: how many predicted words each lexicon drops as out of vocabulary,
and whether the native lexicon ranks the 21 OV-MER runs as the upstream lexicon does. Printed, never asserted.

1. Out-of-vocabulary share: every word of the cached Qwen2.5 extractions (AffectGPT on MER2023, MELD, CMU-MOSI,
   CH-SIMS, all checkpoints; the OV-MER baselines' 21 runs), after the scorers' normalisation, that a lexicon maps
   to no wheel. Shown twice: over all words, and over words that are not valence / non-emotion labels (positive,
   negative, neutral, mixed ...: the native lexicon's guards list them as deliberately unmapped, and upstream drops
   them too). Targets (issue 3): upstream ~8-10% on MER2023/MELD, native < 2%.
2. Spearman correlation between the 21 OV-MER runs' EW-F (level 1, OV-MERD gold, cached extractions) under the
   native lexicon and under affectgpt (and mer2026). Target >= 0.9.

Usage: python benchmarks/lexicon_agreement.py [--reference ../shared/reference] [--no-embedding]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

AFFECTGPT = {"mer2023": "mer2023", "meld": "meld", "mosi": "cmumosi", "sims": "sims"}


def predicted_words(ref: Path) -> dict[str, list[str]]:
    from unibench.extract.cache import read_pairs
    from unibench.textlists import normalise_words

    groups: dict[str, list[str]] = {}
    for ds, key in AFFECTGPT.items():
        for run in sorted((ref / "output" / f"results-{key}").iterdir()):
            for f in sorted(run.glob("*-openset.npz")):
                groups.setdefault(f"AffectGPT {ds}", []).extend(
                    w for v in read_pairs(f).values() for w in normalise_words(v))
    for f in sorted((ref / "ov-mer" / "results-ovmerd").glob("*/*-openset.npz")):
        groups.setdefault("OV-MER 21 runs", []).extend(w for v in read_pairs(f).values() for w in normalise_words(v))
    return groups


def dropped(lexicon, word: str) -> bool:
    return all(lexicon.map_word(word, w, "level1") is None for w in lexicon.wheels)


def spearman(a: list[float], b: list[float]) -> float:
    def ranks(x):
        order = sorted(range(len(x)), key=lambda i: x[i])
        r = [0.0] * len(x)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return r

    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5


def ov_scores(ref: Path, lexicon) -> dict[str, float]:
    from unibench.adapters import build_adapter
    from unibench.datasets import get_card, load_corpus
    from unibench.extract.cache import CacheExtractor
    from unibench.runner import RunOptions, evaluate_dataset

    card = get_card("ovmerd")
    corpus = load_corpus(card, ref / "ov-mer")
    out = {}
    for model in sorted(p for p in (ref / "ov-mer" / "results-ovmerd").iterdir() if p.is_dir()):
        o = evaluate_dataset(card, corpus, build_adapter(f"affectgpt-npz:{model}"), CacheExtractor(), lexicon,
                             RunOptions(model_name=model.name, model_spec=str(model), checkpoint_policy="all",
                                        bootstrap=0, records=False))
        out.update({f"{model.name}/{s.checkpoint.replace('output-reason-7b-', '')}": s.score for s in o.checkpoints})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=os.environ.get("UNIBENCH_REFERENCE") or str(REPO.parent / "shared" /
                                                                                       "reference"))
    ap.add_argument("--no-embedding", action="store_true", help="native lexicon without the MiniLM fallback")
    args = ap.parse_args()
    from unibench.lexicon.native import load_native
    from unibench.lexicon.registry import load_lexicon

    ref = Path(args.reference)
    native = load_native(embedding_fallback=not args.no_embedding)
    lexicons = {"affectgpt": load_lexicon(f"affectgpt:{ref / 'AffectGPT' / 'emotion_wheel'}"),
                "mer2026": load_lexicon(f"mer2026:{ref / 'MER2026' / 'emotion_wheel' / 'wheel_mapping.npz'}"),
                "native": native}
    non_emotion = set(native._non_emotion)  # the guards' deliberately unmapped labels (positive, neutral, ...)
    groups = predicted_words(ref)
    native.prepare(sorted({w for ws in groups.values() for w in ws}))  # one batch instead of word by word
    print(f"native {native.version} (embedding fallback {'on' if native.embedding_fallback else 'off'}, threshold "
          f"{native.threshold}); words = every word of the cached extractions")
    print(f"{'outputs':18} {'words':>7}  " + "  ".join(f"{k + ' all':>14} {k + ' emo':>14}" for k in lexicons))
    for name, words in groups.items():
        emo = [w for w in words if w not in non_emotion]
        cells = []
        for lex in lexicons.values():
            memo: dict[str, bool] = {}
            drop = lambda w: memo[w] if w in memo else memo.setdefault(w, dropped(lex, w))  # noqa: E731
            cells.append(f"{100 * sum(map(drop, words)) / len(words):13.2f}% "
                         f"{100 * sum(map(drop, emo)) / len(emo):13.2f}%")
        print(f"{name:18} {len(words):7d}  " + "  ".join(cells))
    print("('all': share of all predicted words dropped; 'emo': the same without valence / non-emotion labels)\n")
    scores = {k: ov_scores(ref, lex) for k, lex in lexicons.items()}
    runs = list(scores["native"])
    print(f"{'OV-MER run':42} " + " ".join(f"{k:>10}" for k in lexicons))
    for r in runs:
        print(f"{r:42} " + " ".join(f"{scores[k][r]:10.2f}" for k in lexicons))
    for up in ("affectgpt", "mer2026"):
        rho = spearman([scores["native"][r] for r in runs], [scores[up][r] for r in runs])
        print(f"Spearman (native vs {up}) over {len(runs)} runs: {rho:.3f}")
    rho = spearman([scores["affectgpt"][r] for r in runs], [scores["mer2026"][r] for r in runs])
    print(f"Spearman (affectgpt vs mer2026), for scale: {rho:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
