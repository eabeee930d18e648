"""Model cards: one YAML file per live model, `adapters/<name>.yaml` at the top of the repository.

Found by name in `--adapters-dir`, then each folder of `$UNIBENCH_ADAPTERS` (os.pathsep-separated), then the cards
shipped with unibench (`unibench/_model_cards`, a symlink to `adapters/`). `openai:PATH.yaml` reads a file directly.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unibench.errors import UserError

MODALITIES = ("subtitle", "frames", "audio", "video_url")
# OV-MER's baselines put the subtitle in front of the question ("Subtitle content of this video: {subtitle}; ...");
# the question is AffectGPT's zero-shot OV prompt. Without a subtitle the clause is dropped (their nosubtitle form).
DEFAULT_QUESTION = "Please recognize all possible emotional states of the character."
DEFAULT_PROMPT = "Subtitle content of this video: {subtitle}; " + DEFAULT_QUESTION
DEFAULT_PROMPT_NO_SUBTITLE = DEFAULT_QUESTION
_DECODING = {"temperature", "top_p", "max_tokens", "extra"}
_MEDIA = {"frames", "max_side", "jpeg_quality", "audio_max_seconds", "video_url_base"}
_ENDPOINT = {"max_concurrency", "timeout", "max_retries", "backoff_base"}
OVERRIDABLE = ("base_url", "model")  # -M KEY=VALUE on the command line (e.g. another vLLM host)


@dataclass(frozen=True)
class ModelCard:
    name: str
    base_url: str
    model: str
    api_key_env: str | None = None
    modalities: tuple[str, ...] = ("subtitle",)
    prompt: str | None = None
    prompt_no_subtitle: str | None = None
    system: str | None = None
    decoding: dict = field(default_factory=lambda: {"temperature": 0.0, "max_tokens": 512})
    media: dict = field(default_factory=dict)
    endpoint: dict = field(default_factory=dict)
    description: str = ""
    path: str = ""

    def fingerprint_doc(self) -> dict:
        """What determines the outputs (not the card's path, description or transport settings)."""
        doc = asdict(self)
        for k in ("path", "description", "endpoint", "api_key_env"):
            doc.pop(k)
        return doc

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.fingerprint_doc(), sort_keys=True).encode()).hexdigest()

    def render(self, subtitle: str | None) -> str:
        use = "subtitle" in self.modalities and bool(subtitle and subtitle.strip())
        if self.prompt is None:
            template = DEFAULT_PROMPT if use else DEFAULT_PROMPT_NO_SUBTITLE
        else:
            template = self.prompt if use or self.prompt_no_subtitle is None else self.prompt_no_subtitle
        return template.replace("{subtitle}", subtitle.strip() if use and subtitle else "")


def search_dirs(extra: str | None = None) -> list[Path]:
    dirs = [Path(extra)] if extra else []
    dirs += [Path(p) for p in os.environ.get("UNIBENCH_ADAPTERS", "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[1] / "_model_cards")
    return dirs


def available(extra: str | None = None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in search_dirs(extra):
        for p in sorted(d.glob("*.yaml")) if d.is_dir() else ():
            found.setdefault(p.stem, p)
    return found


def find_card(ref: str, extra: str | None = None) -> Path:
    p = Path(ref)
    if p.suffix in (".yaml", ".yml"):
        if not p.is_file():
            raise UserError(f"--model {ref}: no such model card file")
        return p
    cards = available(extra)
    if ref not in cards:
        from unibench.registry import suggest

        where = ", ".join(str(d) for d in search_dirs(extra))
        raise UserError(f"--model {ref}: no model card {ref}.yaml in {where}{suggest(ref, cards)} "
                        f"(cards: {', '.join(cards) or 'none'}); expected KIND:ARG (e.g. affectgpt-npz:DIR) or a model card name")
    return cards[ref]


def load_card(path: Path, overrides: dict[str, str] | None = None) -> ModelCard:
    import yaml

    try:
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise UserError(f"{path}: unreadable model card ({type(err).__name__})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: a model card is a YAML mapping")
    known = set(ModelCard.__dataclass_fields__) - {"path"}
    bad = set(raw) - known
    if bad:
        raise UserError(f"{path}: unknown fields {sorted(bad)}; known: {sorted(known)}")
    for key, value in (overrides or {}).items():
        if key not in OVERRIDABLE:
            raise UserError(f"-M {key}=...: a model card accepts -M {', -M '.join(OVERRIDABLE)}")
        raw[key] = value
    raw.setdefault("name", path.stem)
    for key in ("base_url", "model"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise UserError(f"{path}: '{key}' is required (a string)")
    mods: Any = raw.get("modalities", ["subtitle"])
    if not isinstance(mods, list) or not mods or set(mods) - set(MODALITIES):
        raise UserError(f"{path}: modalities must be a non-empty list of {', '.join(MODALITIES)}")
    raw["modalities"] = tuple(mods)
    for key, allowed in (("decoding", _DECODING), ("media", _MEDIA), ("endpoint", _ENDPOINT)):
        section: Any = raw.get(key) or {}
        if not isinstance(section, dict) or set(section) - allowed:
            raise UserError(f"{path}: '{key}' takes {', '.join(sorted(allowed))}")
        raw[key] = section
    raw["decoding"] = {"temperature": 0.0, "max_tokens": 512, **raw["decoding"]}
    return ModelCard(**raw, path=str(path))
