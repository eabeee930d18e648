"""MER2025-DES: the offline `--extractor lexicon` route against the cached Qwen2.5 extractions (upstream prompt A,
what `--extractor llm` sends), on the OV-MER baselines' descriptions of the 332 OV-MERD samples. Each number is a
whole `unibench score-track mer2025-des` process; printed, never asserted.

Usage: python benchmarks/des_extractors.py [--reference ../shared/reference] [--variant nosubtitle-addsub]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def des(submission: Path, gold: Path, lexicon: Path, *extra: str) -> float | None:
    out = subprocess.run([sys.executable, "-m", "unibench", "score-track", "mer2025-des", "--submission",
                          str(submission), "--gold", str(gold), "--lexicon", str(lexicon), "--results-dir",
                          tempfile.mkdtemp(), "--format", "json", *extra], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"})
    return json.loads(out.stdout)["score"]


def main() -> None:
    from unibench.safe_npz import load_npz

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reference", type=Path, default=REPO.parent / "shared" / "reference")
    ap.add_argument("--variant", default="nosubtitle-addsub")
    args = ap.parse_args()
    gold = args.reference / "ov-mer" / "ov_store" / "check-openset.csv"
    lexicon = args.reference / "AffectGPT" / "emotion_wheel"
    tmp = Path(tempfile.mkdtemp())
    print(f"{'model':<14} {'lexicon':>8} {'cached Qwen':>12}   (MER2025 mean of EW-F L1/L2, x100; {args.variant})")
    for folder in sorted((args.reference / "ov-mer" / "results-ovmerd").iterdir()):
        stem = folder / f"output-reason-7b-{args.variant}-eng"
        if not stem.with_suffix(".npz").is_file():
            continue
        texts = load_npz(stem.with_suffix(".npz"))["name2reason"]
        cached = load_npz(Path(f"{stem}-openset.npz"))
        labels = dict(zip(cached["filenames"], cached["fileitems"]))
        rows = [(n, t, labels.get(n, "")) for n, t in texts.items()]
        for name, cols in (("desc", 2), ("given", 3)):
            with open(tmp / f"{folder.name}-{name}.csv", "w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(["name", "description", "openset"][:cols])
                out.writerows(r[:cols] for r in rows)
        lex = des(tmp / f"{folder.name}-desc.csv", gold, lexicon, "--extractor", "lexicon")
        qwen = des(tmp / f"{folder.name}-given.csv", gold, lexicon)
        fmt = (lambda v: "undefined" if v is None else f"{v:.2f}")
        print(f"{folder.name:<14} {fmt(lex):>8} {fmt(qwen):>12}")


if __name__ == "__main__":
    main()
