"""Shared fixtures. Reference files are read from ../shared/reference (or $UNIBENCH_REFERENCE) and tests that need
them skip cleanly when the folder is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_root() -> Path:
    return Path(os.environ.get("UNIBENCH_REFERENCE") or REPO.parent / "shared" / "reference")


@pytest.fixture(scope="session")
def reference() -> Path:
    root = reference_root()
    if not (root / "expected.json").is_file():
        pytest.skip(f"reference data not found at {root}")
    return root


@pytest.fixture(scope="session")
def expected(reference) -> dict:
    return json.loads((reference / "expected.json").read_text())


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the on-disk caches (lexicon tables, embeddings, calls) out of the user's home during tests."""
    old = os.environ.get("UNIBENCH_CACHE_DIR")
    os.environ["UNIBENCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("unibench-cache"))
    yield
    if old is None:
        os.environ.pop("UNIBENCH_CACHE_DIR", None)
    else:
        os.environ["UNIBENCH_CACHE_DIR"] = old


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from unibench.cli import main

    def call(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call
