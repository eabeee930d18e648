"""Test-only access to the official challenge scorers in ../shared/upstream/track-scorers (the oracles).

Each file is executed in a namespace of its own, exactly as shipped; product code never imports it. Modules the
files import but the functions called here never use (openai, tqdm, scipy, cv2) are stubbed while the file runs,
unless already imported. Tests that need a file skip cleanly when the folder (or pandas / scikit-learn) is absent.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "upstream" / "track-scorers"
_UNUSED = ("openai", "tqdm", "scipy", "cv2")


def official(name: str, **env: str) -> dict:
    """The namespace of track-scorers/<name>.py, executed once per `env` (e.g. UB_WHEEL_2025=<folder>: the
    emotion-wheel files read when the file runs)."""
    if not (ROOT / f"{name}.py").is_file():
        pytest.skip(f"official scorers not found at {ROOT}")
    for module in ("numpy", "pandas", "sklearn", "openpyxl"):
        pytest.importorskip(module)
    return _load(name, tuple(sorted(env.items())))


@functools.lru_cache(maxsize=None)
def _load(name: str, env: tuple[tuple[str, str], ...]) -> dict:
    path = ROOT / f"{name}.py"
    stubbed = [m for m in _UNUSED if m not in sys.modules]
    old_env = {k: os.environ.get(k) for k, _ in env}
    for m in stubbed:
        sys.modules[m] = types.ModuleType(m)
    os.environ.update(dict(env))
    try:
        ns: dict = {"__name__": f"official_{name}", "__file__": str(path)}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), ns)
        return ns
    finally:
        for m in stubbed:
            sys.modules.pop(m, None)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def call(fn, *args, **kwargs):
    """Run an official function quietly: its return value, or the exception it raised (the official refusal)."""
    import warnings

    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - any failure of the official code is its refusal
        return err


def captured_prompts(ns: dict, completion: str, *calls) -> list[str]:
    """The prompts the official functions send: `ns[completion]` (their LLM call) is replaced by a recorder that
    answers "0"; each call is (function name, args...)."""
    sent: list[str] = []

    def record(*args, **kwargs):
        sent.append(next(a for a in (*args, *kwargs.values()) if isinstance(a, str)))
        return "0"

    saved = ns[completion]
    ns[completion] = record
    try:
        for fn, *args in calls:
            ns[fn](*args)
    finally:
        ns[completion] = saved
    return sent
