"""The llm extractor's prompts A and B equal, byte for byte, prompts built by upstream's own template functions
(the nested `func_prompt_template`s of AffectGPT toolkit/utils/qwen.py in ../shared/upstream), executed here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

QWEN = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "affectgpt-fffca79" / "toolkit" / "utils" / "qwen.py"


def _upstream_prompts(reason: str) -> set[str]:
    """Every single-argument prompt template in qwen.py, filled with `reason`."""
    tree = ast.parse(QWEN.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "func_prompt_template" and len(node.args.args) == 1:
            ns: dict = {}
            exec(compile(ast.Module(body=[node], type_ignores=[]), str(QWEN), "exec"), ns)
            out.add(ns["func_prompt_template"](reason))
    return out


@pytest.mark.skipif(not QWEN.is_file(), reason="../shared/upstream (AffectGPT qwen.py) not present")
def test_prompts_a_and_b_are_upstream_bytes():
    from unibench.extract.llm_prompts import render_a, render_b

    reason = "He smiles; his emotional state is [happy, relaxed]"
    built = _upstream_prompts(reason)
    assert len(built) >= 3
    assert render_a(reason) in built
    assert render_b(reason) in built
    assert render_a(reason) != render_b(reason)
