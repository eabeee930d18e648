"""Read a corpus's test split from its upstream '*-process' folder into Samples (protocol section 1.3-1.4).

Scoring needs only the label file; subtitles are read when asked for and media paths are recorded, never opened.
CSV files are read with `csv.reader`, keeping only the columns needed; a sample's media paths are derived on access
from the corpus's folders (no per-sample dicts), so a 132k-sample set loads in a fraction of a second.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from unibench.datasets.cards import DatasetCard
from unibench.errors import UserError, preview
from unibench.parse import open_csv
from unibench.paths import sha256_file
from unibench.schema import Corpus, GoldLabel, Sample, Task, bulk_new
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

    data = load_npz(path, keys=(str(card.split),))
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
    gold: dict[str, object] = {}
    for name, rec in corpus.items():
        try:
            if card.task == "sentiment":
                gold[name] = _valence(card, path, name, rec["val"])
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


def _valence(card: DatasetCard, path: Path, name: str, raw) -> float:
    """A sentiment label: a finite number inside the card's `valence_range` (a NaN would score as negative)."""
    value = float(raw)
    lo, hi = card.valence_range or (-math.inf, math.inf)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise UserError(f"{path}[{card.split}]: sample {name}: valence {raw!r} is not a finite number in "
                        f"[{lo:g}, {hi:g}] (the card's valence_range); restore the upstream label file")
    return value


def _class(card: DatasetCard, emo) -> str:
    """A class index of the card's index_to_label: a whole number in range (no negative indexing, no 2.7 -> 2)."""
    if isinstance(emo, bool) or float(emo) != int(emo) or not 0 <= int(emo) < len(card.index_to_label):
        raise ValueError(f"class index {emo!r} outside 0..{len(card.index_to_label) - 1}")
    return card.index_to_label[int(emo)]


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text[:limit] + ("..." if len(text) > limit else "")


def _columns(path: Path, wanted: tuple[str, ...], what: str) -> list[tuple[str, ...]]:
    """Rows of a CSV as tuples of the `wanted` columns (by header name); a one-line UserError naming the file
    for a missing column or malformed CSV (unibench.parse.open_csv)."""
    from unibench.parse import open_csv

    with open_csv(path, dicts=False) as reader:
        header: list[str] = next(reader, [])
        missing = [c for c in wanted if c not in header]
        if missing:
            raise UserError(f"{path}: no column {', '.join(repr(c) for c in missing)} ({what})")
        pos = [header.index(c) for c in wanted]
        width = max(pos) + 1
        out = []
        for row in reader:
            if len(row) < width:  # a short row (DictReader fills None); a blank line is skipped as it did
                if not row:
                    continue
                row = row + [""] * (width - len(row))
            out.append(tuple(row[i] for i in pos))
        return out


def _csv_gold(card: DatasetCard, path: Path) -> dict[str, tuple[str, ...]]:
    """name,openset rows; an empty list means ['neutral'] (upstream OVMERDPlus_Dataset)."""
    gold: dict[str, tuple[str, ...]] = {}
    for name, openset in _columns(path, ("name", "openset"), "expected columns 'name,openset'"):
        if not name:
            raise UserError(f"{path}: a row has no sample name; restore the upstream label file")
        if name in gold:
            raise UserError(f"{path}: sample {name} appears twice")
        gold[name] = tuple(string_to_list(openset)) or ("neutral",)
    return gold


def _restrict_names(card: DatasetCard, folder: Path, gold: dict) -> dict:
    """Upstream OV-MERD+ takes its test names from the subtitle file; when that file is present, score exactly
    those names (each must have a label), otherwise every labelled row."""
    spec = card.names_from or {}
    path = folder / spec.get("file", "")
    if not spec or not path.is_file():
        return gold
    names = [n for (n,) in _columns(path, (spec["column"],), "the card reads the test names from it")]
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
    return {name: text for name, text in _columns(path, ("name", spec["column"]), "the card reads subtitles from it")}


class MediaPaths(Mapping):
    """A sample's media path stems ({kind: folder/name}, no extension: it varies by corpus), made on access
    from the corpus's shared folders, so a loaded corpus holds no dict per sample."""

    __slots__ = ("_dirs", "_name")

    def __init__(self, dirs: dict[str, str], name: str):
        self._dirs, self._name = dirs, name

    def __getitem__(self, kind: str) -> str:
        return f"{self._dirs[kind]}/{self._name}"

    def __iter__(self):
        return iter(self._dirs)

    def __len__(self) -> int:
        return len(self._dirs)

    def __repr__(self) -> str:
        return repr(dict(self))


class LazySamples(Sequence):
    """A corpus's Samples as a read-only sequence, each Sample built when first read: adapters of saved outputs
    read none of them (the run uses the ids), and building every one up front is a twentieth of a 132k-sample
    run. Reads, compares and pickles as the tuple of Samples it stands for."""

    __slots__ = ("ids", "_task", "_subs", "_dirs", "_clusters", "_built")

    def __init__(self, ids: list[str], task: Task, subs: dict[str, str], dirs: dict[str, str],
                 clusters: list[str | None]):
        self.ids, self._task, self._subs, self._dirs, self._clusters = ids, task, subs, dirs, clusters
        self._built: list[Sample | None] = [None] * len(ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(len(self.ids))[i])
        got = self._built[i]
        if got is None:
            name = self.ids[i]
            got = self._built[i] = bulk_new(Sample, {}, id=name, task=self._task, subtitle=self._subs.get(name),
                                            media=MediaPaths(self._dirs, name), cluster=self._clusters[i])
        return got

    def __iter__(self):
        return (self[i] for i in range(len(self.ids)))

    def __eq__(self, other) -> bool:  # as its tuple would: equal to an equal tuple, not to a list
        return tuple(self) == (tuple(other) if isinstance(other, LazySamples) else other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self):  # a forked worker sends back the columns, not the Samples built from them
        return (LazySamples, (self.ids, self._task, self._subs, self._dirs, self._clusters))


def load_corpus(card: DatasetCard, root: str | Path | None, *, allow_partial: bool = False,
                subtitles: bool = True) -> Corpus:
    """The test split: Samples for the model side (subtitles in the card's language, media stems) and, apart,
    the gold labels only scoring reads."""
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
    clusters, golds = [], []
    task: Task = card.task  # type: ignore[assignment]  # cards are validated to one of the three tasks
    for name, g in gold.items():
        m = pattern.match(name) if pattern else None
        cluster = m.group(1) if m else None
        clusters.append(cluster)
        golds.append(bulk_new(GoldLabel, {}, id=name, gold=g, cluster=cluster))  # one per sample: built fast
    samples = LazySamples(list(gold), task, subs, media_dirs, clusters)
    return Corpus(card=card, samples=samples, gold=tuple(golds), label_path=str(label),
                  label_sha256=sha256_file(label), partial=partial)
