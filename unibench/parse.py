"""Strict parsers for untrusted text files (JSON, CSV, YAML): every way a file can be malformed becomes one
UserError naming the file, the line or sample, and the fix, never a traceback.

* JSON: a duplicate key is refused (`JsonProblem` carries where it is so the caller can name the sample); NaN /
  Infinity and numbers that overflow a float are refused; so are integers over 30 digits (no prediction or
  sample name needs them, and Python refuses to convert integers over 4300 digits); nesting deeper than Python's
  recursion limit is refused instead of crashing.
* CSV: `open_csv` wraps the csv module so a field over the csv field limit (131,072 characters: in practice an
  unbalanced quote that swallowed the rest of the file), a bad byte sequence or an unreadable file is a one-line
  error with the line number; a header naming a column twice is refused.
* YAML: safe loading only, duplicate keys and aliases refused, nesting depth caught.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from unibench.errors import UserError

MAX_INT_DIGITS = 30


class JsonProblem(UserError):
    """A JSON document that parses but holds what unibench refuses (a duplicate key, NaN, a number that does not
    fit). `path` leads from the root to the offending object or value (keys and list indices) and `doc` is the
    document as a lenient reader sees it, so a caller can name the sample; `key` is the duplicated key, if any."""

    def __init__(self, where: str, problem: str, path: list, doc: Any, key: str | None = None) -> None:
        self.where, self.problem, self.path, self.doc, self.key = where, problem, path, doc, key
        at = f" (at {'/'.join(map(str, path))})" if path else ""
        super().__init__(f"{where}: {problem}{at}")


class _Bad:
    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Marked(dict):
    dup: str | None = None


def _int_problem(text: str) -> str | None:
    digits = len(text.lstrip("-"))
    return (f"an integer of {digits} digits; numbers must fit a float (write sample names as strings)"
            if digits > MAX_INT_DIGITS else None)


def _float_problem(text: str) -> str | None:
    return None if math.isfinite(float(text)) else f"the number {text[:40]} overflows a float"


def _constant_problem(name: str) -> str:
    return f"{name} is not a JSON number; write null for a missing value"


class _Refused(ValueError):
    pass


def _strict(check):
    def hook(text: str):
        if check(text) is not None:
            raise _Refused
        return int(text) if check is _int_problem else float(text)
    return hook


def _refuse(name: str):
    raise _Refused


def _strict_pairs(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Refused
    return out


def _lenient(check):
    def hook(text: str):
        problem = check(text)
        return _Bad(problem) if problem else (int(text) if check is _int_problem else float(text))
    return hook


def _marking_pairs(pairs: list) -> dict:
    out = _Marked(pairs)
    if len(out) != len(pairs):
        seen: set = set()
        for k, _ in pairs:
            if k in seen:
                out.dup = k
                break
            seen.add(k)
    return out


def _find(value: Any, path: list) -> tuple[list, str, str | None] | None:
    if isinstance(value, _Bad):
        return path, value.problem, None
    if isinstance(value, _Marked) and value.dup is not None:
        return path, f"key '{value.dup}' appears twice in one object; keep one", value.dup
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in children:
        found = _find(v, [*path, k])
        if found:
            return found
    return None


def load_json(text: str, where: str) -> Any:
    """One JSON document, strictly (see the module docstring). Raises UserError, or JsonProblem locating what
    was refused."""
    try:
        return json.loads(text, object_pairs_hook=_strict_pairs, parse_int=_strict(_int_problem),
                          parse_float=_strict(_float_problem), parse_constant=_refuse)
    except _Refused:
        pass  # well-formed so far: locate what was refused (below), unless the rest is not JSON at all
    except json.JSONDecodeError as err:
        raise _invalid(where, err) from None
    except RecursionError:
        raise UserError(f"{where}: JSON nested too deeply to read; predictions need a few levels at most") from None
    try:
        doc = json.loads(text, object_pairs_hook=_marking_pairs, parse_int=_lenient(_int_problem),
                         parse_float=_lenient(_float_problem), parse_constant=lambda n: _Bad(_constant_problem(n)))
    except json.JSONDecodeError as err:
        raise _invalid(where, err) from None
    path, problem, key = _find(doc, []) or ([], "refused", None)
    raise JsonProblem(where, problem, path, doc, key)


def _invalid(where: str, err: json.JSONDecodeError) -> UserError:
    return UserError(f"{where}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})")


@contextmanager
def open_csv(path: str | Path, *, dicts: bool = True, encoding: str = "utf-8-sig") -> Iterator[Any]:
    """`with open_csv(path) as reader:` a csv.DictReader (or csv.reader with `dicts=False`) whose every failure,
    while opening or while iterating inside the block, is a one-line UserError naming the file and line."""
    reader: Any = None
    try:
        with open(path, newline="", encoding=encoding) as fh:
            reader = csv.DictReader(fh) if dicts else csv.reader(fh)
            if dicts:
                names = [n for n in (reader.fieldnames or ()) if n is not None]
                twice = sorted(n for n, c in Counter(names).items() if c > 1)
                if twice:
                    raise UserError(f"{path}: line 1: column {', '.join(repr(t) for t in twice)} appears twice in "
                                    "the header; keep one column per field")
            yield reader
    except csv.Error as err:
        line = getattr(getattr(reader, "reader", reader), "line_num", 0)  # DictReader lags on errors
        msg = str(err)
        fix = ("a field longer than the csv limit of 131,072 characters, usually an unclosed quote that swallowed "
               "the lines after it; check the quoting" if "field larger" in msg else f"{msg}; check the quoting")
        raise UserError(f"{path}: line {line}: malformed CSV ({fix})") from None
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the file as UTF-8") from None
    except OSError as err:
        raise UserError(f"{path}: unreadable ({err.strerror or type(err).__name__})") from None


def load_yaml(text: str, where: str) -> Any:
    """Safe YAML (plain data only) with duplicate keys refused. Raises UserError."""
    import yaml

    class _Strict(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):  # aliases can nest into exponential documents ("billion laughs")
                mark = self.peek_event().start_mark
                raise UserError(f"{where}: line {mark.line + 1}: YAML aliases (*name) are not accepted here; "
                                "write the value out")
            return super().compose_node(parent, index)

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        for k in keys:
            if not isinstance(k, (str, int, float, bool, type(None))):
                raise UserError(f"{where}: line {node.start_mark.line + 1}: a mapping key must be plain text")
        twice = sorted(str(k) for k, c in Counter(keys).items() if c > 1)
        if twice:
            raise UserError(f"{where}: line {node.start_mark.line + 1}: key '{twice[0]}' appears twice; keep one")
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    _Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=_Strict)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{where}: not valid YAML{at} ({getattr(err, 'problem', None) or type(err).__name__})") from None
    except RecursionError:
        raise UserError(f"{where}: YAML nested too deeply to read") from None


__all__ = ["JsonProblem", "MAX_INT_DIGITS", "load_json", "load_yaml", "open_csv"]
