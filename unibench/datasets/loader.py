"""Read a corpus's test split from its upstream '*-process' folder into Samples (protocol section 1.3-1.4).

Scoring needs only the label file; subtitles are read when asked for and media paths are recorded, never opened.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from unibench.datasets.cards import DatasetCard
from unibench.errors import UserError, preview
from unibench.parse import open_csv
from unibench.paths import sha256_file
from unibench.schema import Corpus, Sample
from unibench.textlists import string_to_list


def data_root(arg: str | None) -> Path | None:
    root = arg or os.environ.get("UNIBENCH_DATA_ROOT")
    return Path(root) if root else None


def locate(card: DatasetCard, root: str | Path | None) -> Path:
    """The card's label file under the data root; a UserError naming the expected path when absent."""
    if card.builtin:
        from unibench.demo import builtin_root  # packaged corpora materialise on demand

        root = builtin_root()
    if root is None:
        raise UserError(f"{card.name}: no data root; pass --data-root DIR (or set UNIBENCH_DATA_ROOT) "
                        f"pointing at the folder that holds {card.folder}/")
    folder = Path(root) / card.folder
    if not folder.is_dir():
        raise UserError(f"{card.name}: folder not found: {folder} (expected {card.folder}/ under --data-root {root})")
    label = folder / card.label_file
    if not label.is_file():
        raise UserError(f"{card.name}: label file not found: {label}")
    return label


def _npz_gold(card: DatasetCard, path: Path) -> dict[str, object]:
    from unibench.safe_npz import load_npz

    data = load_npz(path, keys=(card.split,))
    if card.split not in data:
        raise UserError(f"{path}: no split '{card.split}' in the label file; is this the right {card.folder}?")
    corpus = data[card.split]
    if not isinstance(corpus, dict):
        raise UserError(f"{path}[{card.split}]: expected a dict name -> {{'emo', 'val'}}")
    odd_names = [k for k in corpus if not isinstance(k, str) or not k]
    if odd_names:
        raise UserError(f"{path}[{card.split}]: sample name {odd_names[0]!r} is not a non-empty string; "
                        "restore the upstream label file")
    if card.name_filter:
        keep = re.compile(card.name_filter)
        corpus = {k: v for k, v in corpus.items() if keep.search(k)}
    gold = {}
    for name, rec in corpus.items():
        try:
            if card.task == "sentiment":
                gold[name] = float(rec["val"])
                if not math.isfinite(gold[name]):
                    raise UserError(f"{path}[{card.split}]: sample {name}: valence {rec['val']!r} is not a finite "
                                    "number; restore the upstream label file (or fix that sample's 'val')")
            else:
                emo = rec["emo"]
                gold[name] = _class(card, emo) if card.index_to_label and not isinstance(emo, str) else str(emo)
        except (KeyError, TypeError, ValueError, IndexError, OverflowError) as err:
            raise UserError(f"{path}[{card.split}]: sample {name}: bad label record {_short(rec)} "
                            f"({type(err).__name__}); expected {{'emo': ..., 'val': ...}}") from None
    if card.task == "discrete" and card.label_space:
        odd = {g for g in gold.values() if g not in card.label_space}
        if odd:
            raise UserError(f"{path}: labels outside the card's label space: {preview(odd)}")
    return gold


def _class(card: DatasetCard, emo) -> str:
    """A class index of the card's index_to_label: a whole number in range (no negative indexing, no 2.7 -> 2)."""
    if isinstance(emo, bool) or float(emo) != int(emo) or not 0 <= int(emo) < len(card.index_to_label):
        raise ValueError(f"class index {emo!r} outside 0..{len(card.index_to_label) - 1}")
    return card.index_to_label[int(emo)]


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text[:limit] + ("..." if len(text) > limit else "")


def _csv_gold(card: DatasetCard, path: Path) -> dict[str, tuple[str, ...]]:
    """name,openset rows; an empty list means ['neutral'] (upstream OVMERDPlus_Dataset)."""
    gold = {}
    with open_csv(path) as reader:
        if not {"name", "openset"} <= set(reader.fieldnames or ()):
            raise UserError(f"{path}: expected columns 'name,openset'")
        for row in reader:
            name = row["name"]
            if not name:
                raise UserError(f"{path}: line {reader.line_num} has no sample name; restore the upstream label file")
            if name in gold:
                raise UserError(f"{path}: sample {name} appears twice (line {reader.line_num})")
            words = string_to_list(row["openset"] or "") or ["neutral"]
            gold[name] = tuple(words)
    return gold


def _restrict_names(card: DatasetCard, folder: Path, gold: dict) -> dict:
    """Upstream OV-MERD+ takes its test names from the subtitle file; when that file is present, score exactly
    those names (each must have a label), otherwise every labelled row."""
    spec = card.names_from or {}
    path = folder / spec.get("file", "")
    if not spec or not path.is_file():
        return gold
    with open_csv(path) as reader:
        if spec["column"] not in (reader.fieldnames or ()):
            raise UserError(f"{path}: no column '{spec['column']}' (the card reads the test names from it)")
        names = [row[spec["column"]] for row in reader]
    unlabelled = [n for n in names if n not in gold]
    if unlabelled:
        raise UserError(f"{path}: {len(unlabelled)} test names have no label in {card.label_file} "
                        f"({preview(unlabelled)}); restore the upstream label file")
    return {n: gold[n] for n in names}


def _subtitles(card: DatasetCard, folder: Path) -> dict[str, str]:
    spec = card.subtitles or {}
    path = folder / spec.get("file", "")
    if not spec or not path.is_file():
        return {}
    with open_csv(path) as reader:
        col = spec["column"]
        if not {col, "name"} <= set(reader.fieldnames or ()):
            raise UserError(f"{path}: no column 'name' or '{col}' (the card reads subtitles from them)")
        return {row["name"]: row[col] or "" for row in reader}


def load_corpus(card: DatasetCard, root: str | Path | None, *, allow_partial: bool = False,
                subtitles: bool = False) -> Corpus:
    label = locate(card, root)
    gold = _csv_gold(card, label) if label.suffix == ".csv" else _npz_gold(card, label)
    gold = _restrict_names(card, label.parent, gold)
    partial = len(gold) != card.n_test
    if partial and not allow_partial:
        raise UserError(f"{card.name}: {label} holds {len(gold)} test samples, the published split has "
                        f"{card.n_test}; pass --allow-partial to score it anyway (marked partial)")
    subs = _subtitles(card, label.parent) if subtitles else {}
    pattern = re.compile(card.cluster_pattern) if card.cluster_pattern else None
    media_dirs = {k: str(label.parent / v) for k, v in (card.media or {}).items()}
    samples = []
    for name, g in gold.items():
        m = pattern.match(name) if pattern else None
        samples.append(Sample(
            id=name, task=card.task, gold=g, subtitle=subs.get(name),
            media={k: f"{d}/{name}" for k, d in media_dirs.items()},  # stems: the extension varies by corpus
            cluster=m.group(1) if m else None,
        ))
    return Corpus(card=card, samples=tuple(samples), label_path=str(label), label_sha256=sha256_file(label),
                  partial=partial)
