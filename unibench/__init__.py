"""unibench: the evaluation harness for multimodal emotion recognition (MER-UniBench and the MER challenge family).

The library surface (`unibench.api`), imported lazily so `import unibench` stays light:

    run = unibench.evaluate("affectgpt-npz:PATH/output", ["mer2023"], data_root=..., lexicon=...)
    run.to_frame(); run.save("results/"); unibench.load_results("results/"); unibench.rescore(...)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["evaluate", "rescore", "load_results", "Run", "RunSpec", "Score", "SampleRecord", "__version__"]

_LAZY = {"evaluate": "unibench.api", "rescore": "unibench.api", "load_results": "unibench.api", "Run": "unibench.api",
         "RunSpec": "unibench.schema", "Score": "unibench.schema", "SampleRecord": "unibench.schema"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unibench' has no attribute {name!r}")
