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


REFERENCE_SKIP = "reference data not found at"


@pytest.fixture(scope="session")
def reference() -> Path:
    root = reference_root()
    if not (root / "expected.json").is_file():
        pytest.skip(f"{REFERENCE_SKIP} {root}")
    return root


def pytest_terminal_summary(terminalreporter):
    """One line saying whether the reference-data tests ran, and if not how many skipped and why."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if REFERENCE_SKIP in str(r.longrepr)]
    root = reference_root()
    if skipped:
        terminalreporter.write_line(f"unibench: {len(skipped)} reference-data tests skipped: {REFERENCE_SKIP} {root} "
                                    "(put the shared reference folder there or set UNIBENCH_REFERENCE)")
    elif (root / "expected.json").is_file():
        terminalreporter.write_line(f"unibench: reference-data tests ran against {root}")


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
