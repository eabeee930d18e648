"""The upstream extraction prompts and post-processing, byte for byte (protocol section 3).

Source: AffectGPT `toolkit/utils/qwen.py`, `reason_to_openset_qwen` (prompt A) and `openset_to_sentiment_qwen`
(prompt B). Upstream builds them with backslash line continuations inside indented triple-quoted f-strings; prompt
B's continuation lines are indented by 12 spaces, which with the space before each backslash gives the runs of 13
spaces kept below. Do not "tidy" these strings: `PROMPTS_SHA` (part of the extractor version) changes with any byte.
"""

from __future__ import annotations

import hashlib

# {reason} = the model's raw response text.
PROMPT_A = (
    "Please assume the role of an expert in the field of emotions. "
    "We provide clues that may be related to the emotions of the characters. Based on the provided clues, please "
    "identify the emotional states of the main character. "
    "The main character is the one with the most detailed clues. "
    "Please separate different emotional categories with commas and output only the clearly identifiable emotional "
    "categories in a list format. "
    "If none are identified, please output an empty list. "
    "Input: We cannot recognize his emotional state; Output: [] "
    "Input: His emotional state is happy, sad, and angry; Output: [happy, sad, angry] "
    "Input: {reason}; Output: "
)

_RUN = " " * 13  # the space before upstream's backslash + 12 spaces of indentation on the next line
# {reason} = prompt A's post-processed OUTPUT (the label-list string), not the original description.
PROMPT_B = (
    "Please act as an expert in the field of emotions." + _RUN +
    "We provide a few words to describe the emotions of a character." + _RUN +
    "Please choose the most likely sentiment from the given candidates: [positive, negative, neutral]" + _RUN +
    "Please direct output answer without analyzing process." + _RUN +
    "Input: [joyful]; Output: positive" + _RUN +
    "Input: []; Output: neutral" + _RUN +
    "Input: {reason}; Output: "
)

PROMPTS_SHA = hashlib.sha256((PROMPT_A + "\0" + PROMPT_B).encode("utf-8")).hexdigest()

# Upstream decoding: vLLM SamplingParams(temperature=0.7, top_p=0.8, repetition_penalty=1.05, max_tokens=512).
UPSTREAM_DECODING = {"temperature": 0.7, "top_p": 0.8, "repetition_penalty": 1.05, "max_tokens": 512}

_PREFIXES = ("输入", "输出", "翻译", "让我们来翻译一下：", "output", "Output", "input", "Input")


def render_a(reason: str) -> str:
    # str.replace, not str.format: a response may contain braces
    return PROMPT_A.replace("{reason}", reason)


def render_b(openset: str) -> str:
    return PROMPT_B.replace("{reason}", openset)


def postprocess(response: str) -> str:
    """`func_postprocess_qwen`: each prefix is tested once, in this order (so 'Output' after '输出' also goes), then
    one ':' or '：', strips in between, and every newline deleted. No lower-casing."""
    response = response.strip()
    for prefix in _PREFIXES:
        if response.startswith(prefix):
            response = response[len(prefix):]
    response = response.strip()
    if response.startswith(":"):
        response = response[1:]
    if response.startswith("："):
        response = response[1:]
    response = response.strip()
    response = response.replace("\n", "")
    return response.strip()
