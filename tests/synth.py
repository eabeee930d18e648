"""Build small synthetic corpora, lexicons and model outputs in the upstream layouts, so the suite tests the real
loaders without the EULA-gated data."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

# A tiny three-level wheel, the same tree on all five wheels except wheel5, which lacks 'surprised'.
TREE = [
    ("happy", "joyful", "glad"),
    ("happy", "content", "pleased"),
    ("sad", "lonely", "isolated"),
    ("sad", "hurt", "wounded"),
    ("angry", "mad", "furious"),
    ("scared", "worried", "anxious"),
    ("surprised", "amazed", "astonished"),
]
SYNONYMS = {"happy": "cheerful, merry", "sad": "unhappy, sorrowful", "angry": "irate", "worried": "concerned",
            "anxious": "nervous", "surprised": "startled"}
WHEELS = ["wheel1", "wheel2", "wheel3", "wheel4", "wheel5"]


def make_lexicon(folder: Path) -> Path:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    words = set()
    for wheel in WHEELS:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["level1", "level2", "level3"])
        prev = None
        for l1, l2, l3 in TREE:
            if wheel == "wheel5" and l1 == "surprised":
                continue
            ws.append([l1 if l1 != prev else None, l2, l3])  # blank level1 = forward-filled, as upstream sheets
            prev = l1
            words |= {l1, l2, l3}
        wb.save(folder / f"{wheel}.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([c for k in range(1, 9) for c in (f"word_run{k}", f"synonym_run{k}")])
    for w in sorted(words):
        ws.append([c for k in range(1, 9) for c in (w.capitalize() if k == 2 else w, SYNONYMS.get(w, ""))])
    wb.save(folder / "synonym.xlsx")
    bases = sorted(words | {s.strip() for v in SYNONYMS.values() for s in v.split(",")})
    with open(folder / "format.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "format"])
        for b in bases:
            forms = {b, b + "ness", b + "ly"} if not b.endswith("ed") else {b, b[:-2], b[:-1]}
            out.writerow([b, ",".join(sorted(forms))])
    return folder


def save_label_npz(path: Path, splits: dict[str, dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for key, corpus in splits.items():
        a = np.empty((), dtype=object)
        a[()] = corpus
        arrays[key] = a
    np.savez_compressed(path, **arrays)
    return path


def save_dict_npz(path: Path, key: str, value: dict) -> Path:
    return save_label_npz(path, {key: value})


def save_pairs_npz(path: Path, pairs: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, filenames=np.array(list(pairs)), fileitems=np.array(list(pairs.values())))
    return path


def make_run(output: Path, results_key: str, run: str, checkpoint: str, responses: dict[str, str],
             openset: dict[str, str] | None, sentiment: dict[str, str] | None = None) -> Path:
    folder = output / f"results-{results_key}" / run
    save_dict_npz(folder / f"{checkpoint}.npz", "name2reason", responses)
    if openset is not None:
        save_pairs_npz(folder / f"{checkpoint}-openset.npz", openset)
    if sentiment is not None:
        save_pairs_npz(folder / f"{checkpoint}-openset-sentiment.npz", sentiment)
    return folder
