"""`preds:` adapter: a model's saved predictions in a CSV, JSONL, JSON or npz file keyed by sample name.

One file is one checkpoint (named by the file stem); a folder of such files is one checkpoint per file. What the
file holds (its KIND: text, label, labels, valence or probs) is detected from field names and values, checked
against the dataset (label space, task), and reported in every result entry. Anything that could be read two ways
is a UserError saying which `-M kind=` / `-M field=` / `-M labels=` settles it. Formats: docs/predictions.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from unibench.adapters.base import Checkpoint, ModelAdapter
from unibench.adapters.predfile import SUFFIXES, Table, read_table
from unibench.errors import UserError, preview
from unibench.schema import Response

KINDS = ("text", "label", "labels", "valence", "probs")
STRUCTURED = frozenset(KINDS[1:])
_NAMES = {"text": ("text", "response", "reason"), "label": ("label", "discrete", "emo", "emotion"),
          "labels": ("labels", "openset"), "valence": ("valence", "val"),
          "probs": ("probs", "prob", "probabilities", "logits", "emo_probs", "emoprob"),
          None: ("value", "prediction", "pred", "output", "fileitems")}  # generic: kind inferred from values
FIELD_KIND: dict[str, str | None] = {n: k for k, names in _NAMES.items() for n in names}
LOGIT_FIELDS = frozenset({"logits", "emo_probs", "emoprob"})  # raw scores; argmax is the same as after softmax
# MER2023-2026 baselines store class indices / logits in this order (MER toolkit globals.emos_mer)
EMOS_MER = ("neutral", "angry", "happy", "sad", "worried", "surprise")
MER_FIELDS = frozenset({"emo_probs", "emoprob", "emo"})
SENTIMENT_WORDS = ("positive", "negative", "neutral")
# Which kinds a task can score, most specific first.
USABLE = {"discrete": ("probs", "label", "labels", "text"), "sentiment": ("valence", "label", "probs", "text"),
          "open_vocab": ("labels", "label", "text")}
ACCEPTS = {"text": {"str"}, "label": {"str", "int"}, "labels": {"words", "str"}, "valence": {"num", "int"},
           "probs": {"vec", "pdict"}}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def vtype(v: Any) -> str | None:
    """The shape of one value; None when empty."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        return "other"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, (list, tuple)):
        if v and all(_is_number(x) for x in v):
            return "vec"
        return "words" if all(isinstance(x, str) for x in v) else "other"
    if isinstance(v, dict):
        return "pdict" if v and all(_is_number(x) for x in v.values()) else "other"
    return "other"


def as_number(v: Any) -> float | None:
    """A finite number, or a string holding one (valences exported as text: "0.8", " -1.2 "); else None."""
    if _is_number(v):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            return None
        return x if math.isfinite(x) else None
    return None


def _bracketed(s: str) -> bool:
    s = s.strip()
    return s.startswith("[") and s.endswith("]")


def infer(table: Table, fld: str) -> tuple[str | None, str]:
    """(kind, '') for a field whose values settle it, else (None, why it is ambiguous)."""
    values = [r.get(fld) for r in table.rows]
    types = {vtype(v) for v in values} - {None}
    named = FIELD_KIND.get(fld.lower())
    if named is not None:
        return named, ""
    if not types:
        return None, f"field '{fld}' is empty"
    if types <= {"vec", "pdict"}:
        return "probs", ""
    if types == {"words"}:
        return "labels", ""
    if types <= {"num", "int"}:
        return ("valence", "") if "num" in types else (None, f"field '{fld}' holds whole numbers: class indices "
                                                             "or valences? pass -M kind=label or -M kind=valence")
    if types == {"str"}:
        strs = [str(v) for v in values if vtype(v)]
        if all(as_number(v) is not None for v in strs):  # numbers stored as text
            if any("." in v or "e" in v.lower() for v in strs):
                return "valence", ""
            return None, (f"field '{fld}' holds whole numbers as text: class indices or valences? pass "
                          "-M kind=label or -M kind=valence")
        if all(_bracketed(v) for v in strs):
            return "labels", ""  # "[happy, sad]": the upstream label-list strings
        if not any(_bracketed(v) for v in strs) and any(len(v.split()) > 3 for v in strs):
            return "text", ""
        return None, (f"field '{fld}' holds short strings that could be free text or labels; pass -M kind=label, "
                      "-M kind=labels or -M kind=text")
    return None, f"field '{fld}' mixes kinds of values ({', '.join(sorted(t or '?' for t in types))})"


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _usable(table: Table, fld: str, kind: str, task: str) -> bool:
    if kind not in USABLE[task]:
        return False
    if task == "sentiment" and kind == "label":  # only polarity words carry a sentiment
        return all(str(r.get(fld)).strip().lower() in SENTIMENT_WORDS for r in table.rows if vtype(r.get(fld)))
    return True


def detect(table: Table, task: str, options: dict[str, str]) -> tuple[str, str]:
    """Which field holds the prediction and what kind it is, for a dataset of this task."""
    where = str(table.path)
    fields = list(dict.fromkeys(k for r in table.rows for k in r))
    known = [f for f in fields if f.lower() in FIELD_KIND]
    want_kind, want_field = options.get("kind"), options.get("field")
    if want_kind is not None and want_kind not in KINDS:
        from unibench.registry import suggest

        raise UserError(f"-M kind={want_kind}: unknown kind{suggest(want_kind, KINDS)} (kinds: {', '.join(KINDS)})")
    if want_field is not None:
        if want_field not in fields:
            raise UserError(f"{where}: -M field={want_field}: no such field (fields found: {', '.join(fields)}); "
                            "fix: pass one of those")
        kind, why = (want_kind, "") if want_kind else infer(table, want_field)
        if kind is None:
            raise UserError(f"{where}: {why}")
        return want_field, kind
    if not known:
        raise UserError(f"{where}: no prediction field among the fields found ({', '.join(fields) or 'none'}); "
                        "fix: name it text / label / labels / valence / probs (see docs/predictions.md) or pass "
                        "-M field=NAME -M kind=KIND")
    if want_kind:
        named = [f for f in known if FIELD_KIND[f.lower()] == want_kind]
        pick = named or ([f for f in known if FIELD_KIND[f.lower()] is None] if len(known) > 1 else known)
        if len(pick) != 1:
            raise UserError(f"{where}: -M kind={want_kind}: which field? ({', '.join(pick or known)}); "
                            "add -M field=NAME")
        return pick[0], want_kind
    inferred = {f: infer(table, f) for f in known}
    cands = [f for f, (k, _) in inferred.items() if k is None or _usable(table, f, k, task)]
    if not cands:
        got = ", ".join(f"{f} ({k or '?'})" for f, (k, _) in inferred.items())
        note = " (labels must be positive / negative / neutral)" if task == "sentiment" else ""
        raise UserError(f"{where}: nothing a {task} dataset can score: {got}; a {task} dataset takes "
                        f"{' / '.join(USABLE[task])}{note}")
    if len(cands) > 1:
        n = len(table.rows)
        count = {f: sum(1 for r in table.rows if vtype(r.get(f))) for f in cands}
        got = ", ".join(f"{f} ({inferred[f][0] or '?'}, {count[f]} of {n} rows)" for f in cands)
        what = "rows mix kinds" if all(c < n for c in count.values()) else "several predictions per sample"
        raise UserError(f"{where}: {what}: {got}; choose one with -M kind=KIND (or -M field=NAME)")
    kind, why = inferred[cands[0]]
    if kind is None:
        raise UserError(f"{where}: {why}")
    return cands[0], kind


class _Labels:
    """Checks class names against the dataset (case-insensitive) and returns the dataset's spelling."""

    def __init__(self, card, task: str, where: str):
        space = tuple(getattr(card, "label_space", ()) or ()) if task == "discrete" else (
            SENTIMENT_WORDS if task == "sentiment" else ())
        self.space, self.where, self.card = space, where, card
        self.canon = {s.lower(): s for s in space}

    def __call__(self, value: str, sample: str) -> str:
        v = str(value).strip()
        if not self.space:
            return v
        got = self.canon.get(v.lower())
        if got is None:
            name = getattr(self.card, "name", "the dataset")
            hint = ("; pass -M kind=labels to score free emotion words through the emotion wheel"
                    if name and self.space is not SENTIMENT_WORDS else "")
            raise UserError(f"{self.where}: sample {sample}: label '{v}' is not in {name}'s label space "
                            f"({', '.join(self.space)}){hint}")
        return got


def label_order(table: Table, fld: str, n: int, card, options: dict[str, str]) -> tuple[tuple[str, ...], str]:
    """The class order of unnamed probability vectors and integer labels, and where it came from."""
    if options.get("labels"):
        order, src = tuple(x.strip() for x in options["labels"].split(",") if x.strip()), "-M labels"
    elif table.labels:
        order, src = tuple(table.labels), "file"
    elif fld.lower() in MER_FIELDS and set(getattr(card, "label_space", ()) or ()) == set(EMOS_MER):
        order, src = EMOS_MER, "default emos_mer (MER challenge class order)"
    else:
        raise UserError(f"{table.path}: '{fld}' holds class indices or unnamed scores; give the class order with "
                        "-M labels=a,b,c (or a top-level 'labels' list in the file)")
    if n and len(order) != n:
        raise UserError(f"{table.path}: '{fld}' has {n} classes but the label order ({src}) names {len(order)}: "
                        f"{', '.join(order)}")
    return order, src


def to_responses(table: Table, fld: str, kind: str, card, task: str, ids: list[str],
                 options: dict[str, str]) -> tuple[dict[str, Response], dict]:
    """Rows -> Responses of one kind; also returns what was detected, for the results."""
    from unibench.textlists import string_to_list

    check = _Labels(card, task, str(table.path))
    info: dict[str, Any] = {"kind": kind, "field": fld, "format": table.format}
    order: tuple[str, ...] | None = None
    out: dict[str, Response] = {}
    for name, row in zip(ids, table.rows):
        v: Any = row.get(fld)
        t = vtype(v)
        if kind == "text":
            out[name] = Response(text="" if t is None else str(v))
            continue
        if t is None:
            raise UserError(f"{table.path}: sample {name} has no '{fld}' value; every sample needs a prediction "
                            "(or drop the row and re-export the whole split)")
        if kind == "valence" and (_is_number(v) or as_number(v) is not None):
            num = as_number(v)  # numeric strings too; a non-finite number is refused naming the sample
            out[name] = Response(valence=_finite(v if num is None else num, table.path, name, fld))
            continue
        if t not in ACCEPTS[kind]:
            want = {"valence": "a number", "probs": "a list or a {label: score} object", "labels": "a list of "
                    "words or a '[a, b]' string", "label": "a class name or index", "text": "text"}[kind]
            raise UserError(f"{table.path}: sample {name}: '{fld}' is {_show(v)} ({t}), not {want} as a {kind} "
                            f"prediction needs; fix: correct that row, or pass -M kind=KIND / -M field=NAME if "
                            f"'{fld}' holds another kind")
        if kind in ("probs", "label") and t in ("vec", "int") and order is None:
            order, info["label_order_source"] = label_order(table, fld, len(v) if t == "vec" else 0, card, options)
            info["label_order"] = list(order)
        if kind == "label":
            if t == "int":
                assert order is not None  # an index was seen above, so the label order is set
                if not 0 <= v < len(order):
                    raise UserError(f"{table.path}: sample {name}: class index {v} outside 0..{len(order) - 1}")
                v = order[v]
            out[name] = Response(label=check(v, name))
        elif kind == "labels":
            out[name] = Response(labels=tuple(string_to_list(v)))
        else:
            pairs = v.items() if t == "pdict" else zip(order or (), v)
            out[name] = Response(probs={check(k, name): _finite(p, table.path, name, fld) for k, p in pairs})
    if kind == "probs":
        info["logits"] = fld.lower() in LOGIT_FIELDS
    return out, info


def _finite(v, path, sample: str, fld: str) -> float:
    """A prediction number as a finite float, or a one-line error naming the sample (npz files can hold NaN,
    infinities and integers too large for a float)."""
    try:
        x = float(v)
    except (OverflowError, ValueError, TypeError):
        x = math.nan
    if not math.isfinite(x):
        raise UserError(f"{path}: sample {sample}: '{fld}' holds {str(v)[:40]!r}, not a finite number; "
                        "write a real number (or drop the row and re-export the whole split)")
    return x


class PredsAdapter(ModelAdapter):
    """Saved predictions keyed by sample name. Options: -M kind=, -M field=, -M labels=a,b,c, -M align=order."""

    kind = "preds"
    reads_inputs = False

    def __init__(self, arg: str, options: dict[str, str] | None = None):
        super().__init__(arg, options)
        self._tables: dict[Path, Table] = {}
        self._card = None
        self.detected: dict[str, dict] = {}

    def files(self) -> list[Path]:
        p = Path(self.arg)
        if p.is_file():
            return [p]
        if not p.is_dir():
            raise UserError(f"--model preds:{p}: no such file or folder")
        found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES
                       and not f.name.startswith("."))
        if not found:
            raise UserError(f"--model preds:{p}: no prediction files ({', '.join(SUFFIXES)}) in the folder")
        return found

    def table(self, path: Path) -> Table:
        if path not in self._tables:
            self._tables[path] = read_table(path)
        return self._tables[path]

    def checkpoints(self, card) -> list[Checkpoint]:
        self._card = card  # outputs() checks labels against this dataset's label space
        return [Checkpoint(name=f.stem, path=f, files=(f,)) for f in self.files()]

    def default_extractor(self) -> str | None:
        """'given' when every file holds structured predictions, None for free text (needs lexicon / llm)."""
        kinds = {}
        for f in self.files():
            t = self.table(f)
            want = self.options.get("kind")
            if want:
                kinds[f.name] = want
                continue
            found = {k for k, _ in (infer(t, x) for x in dict.fromkeys(k for r in t.rows for k in r)
                                    if x.lower() in FIELD_KIND)}
            if not found - {None}:
                detect(t, "discrete", self.options)  # raises: no prediction field, or why it is ambiguous
            kinds[f.name] = "structured" if found & STRUCTURED else "text"
        structured = {n for n, k in kinds.items() if k != "text"}
        if structured and len(structured) != len(kinds):
            raise UserError(f"--model preds:{self.arg}: some files hold free text and some structured predictions "
                            f"({preview(structured)}); score them separately")
        return "given" if structured else None

    def outputs(self, checkpoint: Checkpoint, samples) -> dict[str, Response]:
        samples = samples or ()  # a sequence; only the first sample (and, aligned by order, the ids) is read
        card = self._card
        task = samples[0].task if samples else getattr(card, "task", "discrete")
        assert checkpoint.path is not None  # checkpoints() gives each file a checkpoint
        t = self.table(checkpoint.path)
        fld, kind = detect(t, task, self.options)
        ids = t.ids
        if ids is None:
            if self.options.get("align") != "order":
                raise UserError(f"{t.path}: no sample names in the file; upstream MER rows follow the test split's "
                                "order in the label file: pass -M align=order to use that order")
            if len(t.rows) != len(samples):
                raise UserError(f"{t.path}: {len(t.rows)} rows but the test split has {len(samples)} samples; "
                                "-M align=order needs exactly one row per test sample")
            ids = [s.id for s in samples]
        out, info = to_responses(t, fld, kind, card, task, ids, self.options)
        info["ids"] = "by name" if t.ids is not None else "by test-split order (-M align=order)"
        self.detected[checkpoint.name] = info
        return out

    def describe_outputs(self, checkpoint: Checkpoint) -> dict:
        info = self.detected.get(checkpoint.name)
        return {"predictions": info} if info else {}

    def describe(self) -> dict:
        return {**super().describe(), "detected": dict(self.detected)}
