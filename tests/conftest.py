"""Shared fixtures. Reference files are read in place and never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_root() -> Path:
    """$UNIBENCH_REFERENCE if set, else <repo>/../shared/reference."""
    env = os.environ.get("UNIBENCH_REFERENCE")
    return Path(env) if env else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    root = reference_root()
    if not root.is_dir():
        pytest.skip(f"reference folder {root} is absent (set UNIBENCH_REFERENCE to use another location)")
    return root
