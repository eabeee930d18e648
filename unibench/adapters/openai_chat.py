"""A live model behind an OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, ...), described by a model card.

For each sample: one user message whose content holds the media parts the card asks for (sampled frames as
`image_url` data URLs, audio as `input_audio` base64 WAV, or the clip as `video_url`) followed by the prompt text
(with the subtitle woven in). Calls go through the engine (cache, retries, concurrency, progress). A sample whose
media cannot be prepared or whose call fails gets `Response(error=...)`: counted and scored as empty, not dropped.
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Any

from unibench.adapters.base import Checkpoint, ModelAdapter
from unibench.adapters.model_card import ModelCard, find_card, load_card
from unibench.errors import UserError
from unibench.schema import Response

ADAPTER_VERSION = "1"  # bump when the request assembly changes


class OpenAIChatAdapter(ModelAdapter):
    kind = "openai"
    needs_subtitles = True

    def __init__(self, arg: str, options: dict[str, str] | None = None):
        options = dict(options or {})
        adapters_dir = options.pop("adapters_dir", None)
        super().__init__(arg, options)
        self.card: ModelCard = load_card(find_card(arg, adapters_dir), self.options)
        env = self.card.api_key_env
        if env and not os.environ.get(env):  # before any work, not after the first dataset
            from unibench.redact import redact

            raise UserError(f"model card {self.card.name}: environment variable {env} is not set (the API key for "
                            f"{redact(self.card.base_url)}); export it, or set api_key_env: null for a keyless "
                            "server")
        self.progress = True
        self.stats: dict[str, int] = {}
        self._engine: Any = None  # made on the first call

    @property
    def default_name(self) -> str:
        return self.card.name

    def describe(self) -> dict:
        from unibench.adapters.media import MEDIA_VERSION
        from unibench.engine import public_url

        c = self.card
        from unibench.redact import redact

        return redact({
            "kind": self.kind, "arg": self.arg, "card": os.path.basename(c.path), "card_sha256": _sha(c.path),
            "model": c.model, "base_url": public_url(c.base_url), "api_key_env": c.api_key_env,
            "modalities": list(c.modalities), "prompt": c.prompt, "prompt_no_subtitle": c.prompt_no_subtitle,
            "system": c.system, "decoding": c.decoding, "media": c.media,
            "fingerprint": hashlib.sha256(f"{c.fingerprint}/{ADAPTER_VERSION}/{MEDIA_VERSION}".encode()).hexdigest(),
            **({"options": self.options} if self.options else {})})

    def checkpoints(self, card) -> list[Checkpoint]:
        return [Checkpoint(name=self.card.name)]

    # -- request assembly ---------------------------------------------------------------------------------------
    def budget(self):
        from unibench.adapters.media import MediaBudget

        m = self.card.media
        return MediaBudget(**{k: m[k] for k in ("frames", "max_side", "jpeg_quality", "audio_max_seconds")
                              if m.get(k) is not None})

    def content(self, sample) -> str | list[dict]:
        """The user message content; raises MediaError when a modality cannot be prepared."""
        from unibench.adapters import media

        mods, budget = self.card.modalities, self.budget()
        parts: list[dict] = []
        if "video_url" in mods:
            parts.append(media.video_part(sample.media, self.card.media.get("video_url_base")))
        if "frames" in mods:
            parts += media.image_frames(sample.media, budget)
        if "audio" in mods:
            parts.append(media.audio_part(sample.media, budget))
        text = self.card.render(sample.subtitle)
        return [*parts, {"type": "text", "text": text}] if parts else text  # plain text suits text-only servers

    def request(self, sample):
        from unibench.engine import ChatRequest

        d = self.card.decoding
        extra = dict(d.get("extra") or {})
        if (d.get("temperature") or 0) > 0:  # sampled: one reproducible draw per sample (see the llm extractor)
            extra.setdefault("seed", int.from_bytes(hashlib.sha256(f"{self.card.name}/{sample.id}".encode())
                                                    .digest()[:4], "big") & 0x7FFFFFFF)
        messages = ([{"role": "system", "content": self.card.system}] if self.card.system else [])
        messages.append({"role": "user", "content": self.content(sample)})
        return ChatRequest(model=self.card.model, messages=tuple(messages), temperature=d.get("temperature"),
                           top_p=d.get("top_p"), max_tokens=d.get("max_tokens"), extra=extra)

    def endpoint(self):
        from unibench.engine import Endpoint

        e = self.card.endpoint  # validated on load: only Endpoint's transport fields
        return Endpoint(self.card.base_url, api_key_env=self.card.api_key_env,
                        **{k: v for k, v in e.items() if v is not None})

    def outputs(self, checkpoint: Checkpoint, samples) -> dict[str, Response]:
        from unibench.adapters.media import MediaError
        from unibench.engine import Engine, ResponseCache
        from unibench.engine.progress import Progress

        samples = list(samples)
        result: dict[str, Response] = {}
        ready, requests = [], []
        slow = any(m in self.card.modalities for m in ("frames", "audio", "video_url"))
        bar = Progress(f"media {self.card.name}", total=len(samples),
                       enabled=slow and self.progress and sys.stderr.isatty())
        try:
            for s in samples:
                try:
                    requests.append(self.request(s))
                    ready.append(s.id)
                    bar.advance(1)
                except MediaError as err:
                    result[s.id] = Response(error=f"media: {err}")
                    bar.advance(1, errors=1)
        finally:
            bar.close()
        if samples and not ready:
            raise UserError(f"{self.card.name}: no sample's media could be prepared "
                            f"(e.g. {next(iter(result.values())).error}); check --data-root and the card's modalities")
        if self._engine is None:  # one per instance: one cache handle, one pre-flight for every checkpoint
            self._engine = Engine(self.endpoint(), cache=ResponseCache(), progress=self.progress)
        engine = self._engine
        outcomes = engine.run(requests, f"generate {self.card.name}") if requests else []
        st = engine.last_stats
        for k, v in (("requests", st.requests), ("cache_hits", st.cache_hits), ("sent", st.sent),
                     ("http_calls", st.http_calls), ("errors", st.n_errors), ("media_errors", len(result))):
            self.stats[k] = self.stats.get(k, 0) + v
        for sid, o in zip(ready, outcomes):
            result[sid] = Response(text=o.text) if o.ok else Response(error=o.error)
        return {s.id: result[s.id] for s in samples}


def _sha(path: str) -> str:
    from unibench.paths import sha256_file

    return sha256_file(path) if path else ""
