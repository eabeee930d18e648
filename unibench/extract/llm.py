"""`--extractor llm`: the upstream two-step Qwen extraction, sent to any OpenAI-compatible endpoint.

Prompt A turns each raw response into a label-list string; for sentiment sets prompt B turns that list (A's
post-processed output, as upstream) into positive / negative / neutral. One user-only chat message per call, no
system message (the server's chat template adds its default, as vLLM's `apply_chat_template` did upstream).

Decoding is upstream's (temperature 0.7, top_p 0.8, repetition_penalty 1.05 as a top-level body field, max_tokens 512) unless
`--extractor-temperature` says otherwise. Sampled decoding draws once per (checkpoint, sample), as upstream calls
the LLM once per sample: each request carries `seed = sha256("<checkpoint>/<sample id>")[:4 bytes] & 0x7fffffff`,
which vLLM and OpenAI honour and which keeps two samples with the same text apart in the cache. With temperature 0
there is no seed and identical prompts are sent once.

A failed call (after the engine's retries) is a per-sample error: the sample is scored as an empty prediction
(labels "", sentiment "" -> counted as negative, as any non-'positive' word upstream), its record carries the
error and the run reports the count. Nothing is dropped.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Mapping

from unibench.errors import UserError
from unibench.extract.base import Extractor
from unibench.extract.llm_prompts import PROMPTS_SHA, UPSTREAM_DECODING, postprocess, render_a, render_b
from unibench.schema import Extraction, Response

DEFAULT_MODEL = "Qwen2.5-7B-Instruct"
KEY_ENV = "OPENAI_API_KEY"  # the only place the key is read from


def sample_seed(checkpoint: str, sample_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{checkpoint}/{sample_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF


class LLMExtractor(Extractor):
    id = "llm"
    reads_any_language = True  # an LLM (Qwen2.5) reads Chinese and English responses alike
    rules = ("unibench.extract.llm", "unibench.extract.llm_prompts")
    description = "upstream prompts A (response -> OV labels) and B (labels -> sentiment) via an OpenAI-compatible LLM"

    def __init__(self, base_url: str | None = None, model: str | None = None, temperature: float | None = None,
                 concurrency: int = 32, timeout: float = 120.0, retries: int = 3, progress: bool = True) -> None:
        from unibench.engine import Endpoint

        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise UserError("--extractor llm needs an endpoint: pass --extractor-base-url URL (e.g. a vLLM server "
                            "at http://HOST:8000/v1) or set OPENAI_BASE_URL")
        self.model = model or DEFAULT_MODEL
        self.decoding = dict(UPSTREAM_DECODING)
        if temperature is not None:
            self.decoding["temperature"] = float(temperature)
        # keyless local servers (vLLM, Ollama) are fine: the key is used only when OPENAI_API_KEY is set
        self.endpoint = Endpoint(base_url, api_key_env=KEY_ENV if os.environ.get(KEY_ENV) else None,
                                 max_concurrency=concurrency, timeout=timeout, max_retries=retries)
        self.progress = progress
        self.stats: dict[str, int] = {}
        self._engine: Any = None  # one per extractor (one cache handle, one pre-flight), made on the first call

    @classmethod
    def from_args(cls, args: Any) -> "LLMExtractor":
        return cls(base_url=getattr(args, "extractor_base_url", None), model=getattr(args, "extractor_model", None),
                   temperature=getattr(args, "extractor_temperature", None),
                   concurrency=getattr(args, "extractor_concurrency", None) or 32,
                   timeout=getattr(args, "extractor_timeout", None) or 120.0,
                   retries=3 if getattr(args, "extractor_retries", None) is None else args.extractor_retries,
                   progress=getattr(args, "progress", True))

    def settings(self) -> dict:
        """What shapes the output: the endpoint's model, the decoding, the prompts, the seed policy (never the
        URL: the same model served elsewhere answers the same)."""
        return {"model": self.model, "decoding": dict(self.decoding), "prompts_sha256": PROMPTS_SHA,
                "seed_policy": "sha256(checkpoint/sample)" if self.sampled else "none"}

    @classmethod
    def from_settings(cls, settings, args: Any = None) -> "LLMExtractor":
        """Rebuild with the recorded model and decoding; the endpoint comes from `args` (or $OPENAI_BASE_URL)."""
        made = cls.from_args(args) if args is not None else cls()
        made.model = settings.get("model", made.model)
        made.decoding = dict(settings.get("decoding") or made.decoding)
        return made

    def describe(self) -> dict:
        from unibench.engine import public_url

        return {**super().describe(), "base_url": public_url(self.endpoint.base_url)}

    @property
    def sampled(self) -> bool:
        return self.decoding["temperature"] > 0

    def source_files(self, checkpoint, task: str) -> list:
        return []

    def _request(self, prompt: str, checkpoint: str, sample_id: str):
        from unibench.engine import ChatRequest

        d = self.decoding
        extra: dict[str, Any] = {"repetition_penalty": d["repetition_penalty"]}
        if self.sampled:
            extra["seed"] = sample_seed(checkpoint, sample_id)
        return ChatRequest(model=self.model, messages=({"role": "user", "content": prompt},),
                           temperature=d["temperature"], top_p=d["top_p"], max_tokens=int(d["max_tokens"]),
                           extra=tuple(extra.items()))

    def _ask(self, jobs: list[tuple[str, dict[str, str]]], label: str
             ) -> list[dict[str, tuple[str | None, str | None]]]:
        """[(checkpoint, {id: prompt})] -> one {id: (post-processed text, error)} per checkpoint, through one engine
        run (cache, retries, progress) for all of them."""
        from unibench.engine import Engine, ResponseCache

        if not any(prompts for _, prompts in jobs):
            return [{} for _ in jobs]
        if self._engine is None:  # one per instance: one cache handle, one pre-flight for every checkpoint
            self._engine = Engine(self.endpoint, cache=ResponseCache(), progress=self.progress)
        engine = self._engine
        keys = [(where, i) for where, prompts in jobs for i in prompts]
        requests = [self._request(prompts[i], where, i) for where, prompts in jobs for i in prompts]
        outcomes = dict(zip(keys, engine.run(requests, label)))
        st = engine.last_stats
        for k, v in (("requests", st.requests), ("cache_hits", st.cache_hits), ("sent", st.sent),
                     ("http_calls", st.http_calls), ("errors", st.n_errors)):
            self.stats[k] = self.stats.get(k, 0) + v
        return [{i: ((postprocess(o.text), None) if o.ok and o.text is not None else (None, o.error))
                 for i in prompts for o in (outcomes[(where, i)],)} for where, prompts in jobs]

    def extract(self, checkpoint, task: str, outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        return self.extract_many(task, [(checkpoint, outputs)])[0]

    def extract_many(self, task: str, jobs) -> list[dict[str, Extraction]]:
        """Prompt A for every checkpoint's responses in one batch, then (sentiment sets) prompt B for every
        answer to A in a second one."""
        sentiment = task == "sentiment"
        empty = "" if sentiment else None
        results: list[dict[str, Extraction]] = []
        asks: list[tuple[str, dict[str, str]]] = []
        for checkpoint, outputs in jobs:
            if outputs is None:
                raise UserError("--extractor llm reads the model's responses; none were produced")
            result: dict[str, Extraction] = {}
            prompts: dict[str, str] = {}
            for sid, resp in outputs.items():
                if resp.error is not None or resp.text is None:
                    result[sid] = Extraction(labels="", sentiment=empty,
                                             error=f"model output: {resp.error or 'no text'}")
                else:
                    prompts[sid] = render_a(resp.text)
            results.append(result)
            asks.append((getattr(checkpoint, "name", str(checkpoint)), prompts))
        names = [where for where, _ in asks]
        every = names[0] if len(names) == 1 else f"{len(names)} checkpoints"
        labels_all = self._ask(asks, f"extract labels {every}")
        for result, labels in zip(results, labels_all):
            for sid, (text, err) in labels.items():
                if err is not None:
                    result[sid] = Extraction(labels="", sentiment=empty, error=f"extractor (labels): {err}")
                elif not sentiment:
                    result[sid] = Extraction(labels=text or "")
        if sentiment:
            oks = [{sid: render_b(text) for sid, (text, err) in labels.items() if err is None and text is not None}
                   for labels in labels_all]
            sents_all = self._ask(list(zip(names, oks)), f"extract sentiment {every}")
            for result, labels, sents in zip(results, labels_all, sents_all):
                for sid, (text, err) in sents.items():
                    lab = labels[sid][0] or ""
                    result[sid] = (Extraction(labels=lab, sentiment=text) if err is None else
                                   Extraction(labels=lab, sentiment="", error=f"extractor (sentiment): {err}"))
        return [{sid: result[sid] for sid in outputs} for result, (_, outputs) in zip(results, jobs)]
