"""unibench: the evaluation harness for multimodal emotion recognition (MER-UniBench and the MER challenge family)."""

__version__ = "0.1.0"
