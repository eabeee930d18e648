"""MER2024 MER-OV metric: set precision/recall after GPT synonym grouping (`MER2024/main-ov.py`).

Per sample, a GPT reply grouped the lower-cased union of GT and predicted words into synonym groups, stored as a
Python-list-of-lists string. Every word maps to the first member of its group; then with G and P the mapped sets,
precision ("accuracy" upstream) = |G∩P|/|P| and recall = |G∩P|/|G|, both 0 for an empty P. The score is the mean of
mean precision and mean recall over the samples that have a grouping reply (no sample: NaN upstream, None here).
Replies are split the way upstream's `listlist_to_list` splits them (brackets, then quotes), so unquoted or
apostrophe-bearing items give upstream's words; `clean_grouping` is the stricter shape check, reported as a warning
only. tests/test_official_parity.py compares every function here with the official code.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unibench.errors import UserError
from unibench.safe_npz import ZIP_ERRORS, check_unzip_size, load_npy
from unibench.textlists import string_to_list_mer2024

__all__ = ["GroupingScore", "parse_grouping", "clean_grouping", "synonym_map", "sample_precision_recall",
           "score_mer2024_ov", "load_grouping_zip"]

# The strict shape: brackets (at most two deep), commas, whitespace and quoted strings inside the inner lists.
_TOKEN = re.compile(r"\s+|[\[\],]" r"|'(?:[^'\\\n]|\\.)*'" r'|"(?:[^"\\\n]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]]")
_QUOTES = re.compile(r"['\"]")


@dataclass(frozen=True)
class GroupingScore:
    """precision = upstream "accuracy"; score = mean(precision, recall); n = samples scored. All three are None
    when no sample is scored (upstream: the mean of an empty list, NaN)."""

    precision: float | None
    recall: float | None
    score: float | None
    n: int


def clean_grouping(text: str) -> bool:
    """Whether a reply is a clean list of lists of quoted strings, e.g. "[['joyful', 'happy'], ['sad']]"."""
    depth, pos, prev = 0, 0, ""
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return False
        tok = m.group()
        if tok.isspace():
            pos = m.end()
            continue
        if tok == "[":
            depth += 1
            if depth > 2:
                return False
        elif tok == "]":
            depth -= 1
            if depth < 0:
                return False
        elif tok[0] in "'\"" and (depth != 2 or prev[:1] in ("'", '"')):
            return False  # adjacent literals: "['a' 'b']" is not two words
        pos, prev = m.end(), tok
    return depth == 0 and text.strip().startswith("[")


def parse_grouping(reply: str) -> list[list[str]]:
    """A grouping reply as upstream's `listlist_to_list` reads it: split on '[' and ']', keep the pieces that are
    not empty or a bare comma once stripped, split each on quotes and keep the tokens that are not empty or a bare
    comma (tokens are not stripped). "[[happy, joyful], ['sad']]" -> [['happy, joyful'], ['sad']]."""
    if not isinstance(reply, str):
        raise ValueError(f"grouping reply must be a string, got {type(reply).__name__}")
    pieces = [p for p in _BRACKETS.split(reply) if p.strip() not in ("", ",")]
    return [[t for t in _QUOTES.split(p) if t.strip() not in ("", ",")] for p in pieces]


def synonym_map(groups: list[list[str]]) -> dict[str, str]:
    """word -> first word of its group. A word listed in several groups takes the LAST group, as upstream
    (it fills one dict group by group). Words are not lower-cased here: the replies are already lower-case."""
    mapping: dict[str, str] = {}
    for group in groups:
        for word in group:
            mapping[word] = group[0]
    return mapping


def sample_precision_recall(gt: list[str], pred: list[str], mapping: dict[str, str]) -> tuple[float, float]:
    """(|G∩P|/|P|, |G∩P|/|G|) after lower-casing and mapping each word to its group head; (0, 0) for empty P.

    Raises ValueError for an empty GT with a non-empty P (upstream would divide by zero)."""
    g = {mapping.get(w.lower(), w.lower()) for w in gt}
    p = {mapping.get(w.lower(), w.lower()) for w in pred}
    if not p:
        return 0.0, 0.0
    if not g:
        raise ValueError("empty ground-truth list")
    hits = len(g & p)
    return hits / len(p), hits / len(g)


def score_mer2024_ov(gt: dict[str, str], pred: dict[str, str], replies: dict[str, str]) -> GroupingScore:
    """MER2024 MER-OV score over the names in `replies`.

    gt, pred: name -> raw openset string (e.g. "['happy', 'sad']"), parsed with the MER2024 quote-only splitter.
    replies: name -> grouping reply. A name with a reply but no GT or prediction raises ValueError naming it, as
    does a list string without '[' or an empty GT list with a non-empty prediction (upstream crashes on those).
    """
    precisions, recalls = [], []
    for name, reply in replies.items():
        if name not in gt or name not in pred:
            side = "ground truth" if name not in gt else "predictions"
            raise ValueError(f"sample {name}: has a grouping reply but no entry in the {side}")
        try:
            mapping = synonym_map(parse_grouping(reply))
            p, r = sample_precision_recall(string_to_list_mer2024(gt[name]), string_to_list_mer2024(pred[name]),
                                           mapping)
        except ValueError as err:
            raise ValueError(f"sample {name}: {err}") from None
        precisions.append(p)
        recalls.append(r)
    if not precisions:
        return GroupingScore(None, None, None, 0)
    # np.mean, like upstream, so the float summation (pairwise) matches to the last bit
    prec, rec = float(np.mean(precisions)), float(np.mean(recalls))
    return GroupingScore(prec, rec, float(np.mean([prec, rec])), len(precisions))


def load_grouping_zip(path: str | Path) -> dict[str, str]:
    """name -> reply string from a zip of `openset-synonym/<name>.npy` members (the shipped `openset-synonym.zip`),
    each read through the restricted npy loader. Raises UserError for an unreadable zip or a non-string member."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".npy")
                       and i.filename.rpartition("/")[0].rpartition("/")[2] == "openset-synonym"]
            check_unzip_size(path, members)
            for info in members:
                base = info.filename.rpartition("/")[2]
                where = f"{path}[{info.filename}]"
                value = load_npy(zf.read(info), where)
                if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "UO":
                    value = value.item()
                if not isinstance(value, str):
                    raise UserError(f"{where}: expected a string grouping reply, got {type(value).__name__}; "
                                    "regenerate this member with np.save(path, reply_string)")
                out[base[:-4]] = value
    except ZIP_ERRORS as err:
        raise UserError(f"{path}: not a readable zip ({type(err).__name__}: {err}); re-download "
                        "openset-synonym.zip") from None
    if not out:
        raise UserError(f"{path}: no openset-synonym/<name>.npy members; check the archive layout")
    return out
