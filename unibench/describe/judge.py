"""The EMER v1 judge (challenge-tracks.md section 3.1): GPT clue-overlap and label-overlap scores (1-10).

The prompts are the official bytes of the EMER-era AffectGPT `evaluation.py` (commit e0aec19): triple-quoted
f-strings, so each starts with a newline and every line carries the function body's indentation (16 spaces for
the scoring prompts, 14 for the summary prompt); `tests/test_describe.py` builds the expected strings by calling
the official functions and compares the request bodies byte for byte. The official call sends the model, the one
user message and temperature 0, nothing else (no max_tokens), and passes the summary replies into the label prompt
as they come (no stripping); so does this one. Calls go to any OpenAI-compatible endpoint through
`judge_complete(prompts, endpoint)` and the shared request engine (`unibench.engine`): replies are cached
persistently, so a rerun makes no calls. The API key is read from $OPENAI_API_KEY when a call is needed and never
stored. Upstream used gpt-3.5-turbo-16k-0613 and Chinese descriptions; other judges and languages give other numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["CLUE_PROMPT", "SUMMARY_PROMPT", "LABEL_PROMPT", "render", "JudgeEndpoint", "judge_complete",
           "parse_score", "emer_judge"]

_INDENT = None  # a line holding only the indentation (upstream's blank-looking lines inside the string)


def _body(indent: int, *lines: str | None) -> str:
    """A triple-quoted f-string body as upstream wrote it: a newline after the opening quotes, each line indented
    (an empty line stays empty, `_INDENT` is the indentation alone), then the closing line's indentation."""
    pad = " " * indent
    return "\n" + "".join((pad if line is None else pad + line if line else "") + "\n" for line in lines) + pad


# func_clue_scoring: overlap of the emotional-state content of the true vs predicted description.
CLUE_PROMPT = _body(
    16, "下面给出人物的《真实描述》以及《预测描述》。请按照以下步骤计算《预测描述》的得分，得分范围为1-10。最终仅输出预测分数的数值大小，并给出原因。",
    "", "1.请总结《真实描述》中有关人物的情感状态描述", "", "2.请总结《预测描述》中有关人物的情感状态描述", "",
    "3.计算《预测描述》与《真实描述》之间的重叠度，重叠度越高，返回的分数越高。", "", "4.输出格式为: '预测分数'：预测分数；'原因'：原因",
    _INDENT, "输入：", "", "《真实描述》：{gt_reason}", "", "《预测描述》：{pred_reason}", "", "输出：", "")
# get_summarized_emotions: a description -> emotion words (one-shot).
SUMMARY_PROMPT = _body(
    14, "请根据以下视频描述，推测视频中人物最有可能的情感状态，仅输出情感词：", _INDENT, "视频描述：他虽然看起来很高兴，但是实际上很焦虑", _INDENT,
    "输出结果：焦虑", "", "视频描述：{reason}", "", "输出结果：")
# func_label_scoring: overlap of the two summarised emotion sets.
LABEL_PROMPT = _body(
    16, "下面给出人物的《真实情感》以及《预测情感》。请计算《预测情感》与《真实情感》之间的重叠度，重叠度越高，返回的分数越高。得分范围为1-10。最终仅输出预测分数的数值大小，并给出原因。",
    _INDENT, "输出格式为: '预测分数'：预测分数；'原因'：原因", _INDENT, "输入：", "", "《真实情感》：{gt}", "", "《预测情感》：{pred}", "",
    "输出：", "")

_FIELD = re.compile(r"\{(gt_reason|pred_reason|reason|gt|pred)\}")
_NUMBER = re.compile(r"[\d][.]*[\d]*")  # upstream's "first number" pattern, kept as is


def render(template: str, **values: str) -> str:
    """Fill the placeholders in one pass, as upstream's f-string does (braces inside a text stay as they are)."""
    return _FIELD.sub(lambda m: values[m.group(1)], template)


@dataclass
class JudgeEndpoint:
    base_url: str
    model: str
    temperature: float = 0.0  # the official call's only decoding setting
    workers: int = 8
    stats: dict = field(default_factory=lambda: {"calls": 0, "cache_hits": 0, "failed": 0})

    @property
    def decoding(self) -> dict:
        return {"temperature": self.temperature}

    def describe(self) -> dict:
        from unibench.redact import redact

        return {"base_url": redact(self.base_url), "model": self.model, "decoding": self.decoding}


def judge_complete(prompts: list[str], endpoint: JudgeEndpoint) -> list[str | None]:
    """One user-message chat completion per prompt through the shared request engine (retries, the persistent
    call cache, in-flight de-duplication); None where the call failed (failures are counted, never cached)."""
    from unibench.engine import ChatRequest, Endpoint, Engine

    ep = Endpoint(endpoint.base_url, api_key_env="OPENAI_API_KEY", max_concurrency=max(1, endpoint.workers))
    requests = [ChatRequest(model=endpoint.model, messages=({"role": "user", "content": p},),
                            temperature=endpoint.temperature) for p in prompts]
    outcomes = Engine(ep, progress=True).run(requests, "judge")
    endpoint.stats["calls"] += sum(o.attempts for o in outcomes)
    endpoint.stats["cache_hits"] += sum(1 for o in outcomes if o.cached)
    endpoint.stats["failed"] += sum(1 for o in outcomes if o.error)
    return [o.text for o in outcomes]


def parse_score(reply: str | None) -> float | None:
    """The first number in the reply (upstream regex); None when there is none or it is not a number."""
    if not reply:
        return None
    m = _NUMBER.search(reply)
    if m is None:
        return None
    try:
        return float(m.group())
    except ValueError:
        return None


def _mean(xs) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def emer_judge(gold: list[str], pred: list[str], endpoint: JudgeEndpoint) -> tuple[dict, list[dict]]:
    """Clue overlap and label overlap per pair (1-10, averaged over the parsed replies) and per-sample records
    with every prompt and reply."""
    clue_prompts = [render(CLUE_PROMPT, gt_reason=g, pred_reason=p) for g, p in zip(gold, pred)]
    summary_prompts = [render(SUMMARY_PROMPT, reason=t) for t in [*gold, *pred]]
    replies = judge_complete(clue_prompts + summary_prompts, endpoint)
    n = len(gold)
    clue_replies, g_emos, p_emos = replies[:n], replies[n:2 * n], replies[2 * n:]
    label_idx = [i for i in range(n) if g_emos[i] is not None and p_emos[i] is not None]
    label_prompts = {i: render(LABEL_PROMPT, gt=str(g_emos[i]), pred=str(p_emos[i]))  # raw, as upstream
                     for i in label_idx}
    label_replies = dict(zip(label_idx, judge_complete([label_prompts[i] for i in label_idx], endpoint)))
    records = []
    for i in range(n):
        records.append({"clue_prompt": clue_prompts[i], "clue_reply": clue_replies[i],
                        "clue_score": parse_score(clue_replies[i]), "gold_emotions": g_emos[i],
                        "pred_emotions": p_emos[i], "label_prompt": label_prompts.get(i),
                        "label_reply": label_replies.get(i), "label_score": parse_score(label_replies.get(i))})
    clue = [r["clue_score"] for r in records]
    label = [r["label_score"] for r in records]
    values = {"clue_overlap": _mean(clue), "label_overlap": _mean(label),
              "n_clue_parsed": sum(x is not None for x in clue), "n_label_parsed": sum(x is not None for x in label),
              "n_pairs": n}
    return values, records
