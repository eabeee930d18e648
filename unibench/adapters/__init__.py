"""Model adapters: what a model gave for each sample, possibly at several checkpoints.

`--model KIND:ARG` picks an adapter kind from the registry (`affectgpt-npz:PATH`); third parties register kinds
through the entry-point group `unibench.adapters`.
"""

from unibench.adapters.base import ADAPTERS, Checkpoint, ModelAdapter, build_adapter

__all__ = ["ADAPTERS", "Checkpoint", "ModelAdapter", "build_adapter"]
