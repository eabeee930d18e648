"""Model cards: one YAML file per live model, `adapters/<name>.yaml` at the top of the repository.

Found by name in `--adapters-dir`, then each folder of `$UNIBENCH_ADAPTERS` (os.pathsep-separated), then the cards
shipped with unibench (`unibench/_model_cards`, a symlink to `adapters/`). `openai:PATH.yaml` reads a file directly.
"""

from __future__ import annotations

import hashlib
import json
import math
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
_NUM, _INT, _STR, _MAP = "a number", "a whole number", "a string", "a mapping"
# Each section's fields: (kind, lowest value allowed). Checked on load, so a bad card never reaches a request.
_DECODING = {"temperature": (_NUM, 0), "top_p": (_NUM, 0), "max_tokens": (_INT, 1), "extra": (_MAP, None)}
_MEDIA = {"frames": (_INT, 1), "max_side": (_INT, 16), "jpeg_quality": (_INT, 1), "audio_max_seconds": (_NUM, 0),
          "video_url_base": (_STR, None)}
_ENDPOINT = {"max_concurrency": (_INT, 1), "timeout": (_NUM, 0.001), "max_retries": (_INT, 0),
             "backoff_base": (_NUM, 0), "retry_budget": (_NUM, 0), "breaker_consecutive": (_INT, 1),
             "breaker_window": (_INT, 1), "breaker_rate": (_NUM, 0)}
_TEXT = ("prompt", "prompt_no_subtitle", "system", "api_key_env")  # a string or null
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


def _check_section(path: Path, key: str, value: Any, fields: dict) -> dict:
    if not isinstance(value, dict) or set(value) - set(fields):
        raise UserError(f"{path}: '{key}' takes {', '.join(sorted(fields))}")
    for name, v in value.items():
        kind, low = fields[name]
        if v is None and kind != _MAP:
            continue
        ok = {_NUM: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
              _INT: isinstance(v, int) and not isinstance(v, bool),
              _STR: isinstance(v, str), _MAP: isinstance(v, dict) or v is None}[kind]
        if ok and kind == _MAP and v:
            try:
                json.dumps(v, allow_nan=False)
                ok = all(isinstance(k, str) for k in v)
            except (TypeError, ValueError):
                ok = False
        if not ok or (low is not None and v < low):
            at_least = f" of at least {low}" if low is not None else ""
            raise UserError(f"{path}: {key}.{name} must be {kind}{at_least} (got {str(v)[:40]!r})")
    return value


def load_card(path: Path, overrides: dict[str, str] | None = None) -> ModelCard:
    from unibench.parse import load_yaml
    from unibench.paths import safe_name

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: unreadable model card ({type(err).__name__})") from None
    raw: dict[str, Any] = load_yaml(text, str(path)) or {}
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
    for key in ("base_url", "model", "name"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise UserError(f"{path}: '{key}' is required (a string)")
    safe_name(raw["name"], f"{path}: name")  # it becomes results/<name>/
    for key in _TEXT:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise UserError(f"{path}: '{key}' must be a string (or null)")
    if not isinstance(raw.get("description", ""), str):
        raise UserError(f"{path}: 'description' must be a string")
    mods: Any = raw.get("modalities", ["subtitle"])
    if not isinstance(mods, list) or not mods or not all(isinstance(m, str) and m in MODALITIES for m in mods):
        raise UserError(f"{path}: modalities must be a non-empty list of {', '.join(MODALITIES)}")
    raw["modalities"] = tuple(mods)
    for key, fields in (("decoding", _DECODING), ("media", _MEDIA), ("endpoint", _ENDPOINT)):
        raw[key] = _check_section(path, key, raw.get(key) or {}, fields)
    raw["decoding"] = {"temperature": 0.0, "max_tokens": 512, **raw["decoding"]}
    return ModelCard(**raw, path=str(path))
