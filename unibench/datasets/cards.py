"""Dataset cards: one flat YAML file per corpus (no inheritance, no templating); behaviour lives in the loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unibench.errors import UserError
from unibench.registry import Registry

TASKS = ("discrete", "sentiment", "open_vocab")


@dataclass(frozen=True)
class DatasetCard:
    name: str
    version: str
    title: str
    task: str
    folder: str
    label_file: str
    n_test: int
    metric: str
    citation: str
    suite: str = "mer-unibench"
    order: int = 99
    results_key: str = ""
    aliases: tuple[str, ...] = ()
    split: str | None = None
    name_filter: str | None = None
    label_space: tuple[str, ...] = ()
    index_to_label: tuple[str, ...] = ()
    valence_range: tuple[float, float] | None = None
    cluster_pattern: str | None = None
    subtitles: dict = field(default_factory=dict)
    media: dict = field(default_factory=dict)
    language: str = "en"
    names_from: dict = field(default_factory=dict)  # {file, column}: the test names, when upstream lists them apart
    builtin: str | None = None  # a packaged corpus that needs no --data-root
    path: str = ""

    @classmethod
    def from_yaml(cls, path: Path) -> "DatasetCard":
        return cls.from_raw(_parse_yaml(path), path)

    @classmethod
    def from_raw(cls, raw: dict[str, Any], path: Path) -> "DatasetCard":
        """A card from its parsed file (`raw` is not kept: list fields become tuples in a copy)."""
        if not isinstance(raw, dict):
            raise UserError(f"{path}: a dataset card is a mapping of fields, not {type(raw).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise UserError(f"{path}: unknown card fields {sorted(unknown)}; known: {sorted(known - {'path'})}")
        if raw.get("task") not in TASKS:
            raise UserError(f"{path}: task must be one of {TASKS}")
        raw = dict(raw)
        for key in ("aliases", "label_space", "index_to_label", "valence_range"):
            if raw.get(key) is not None:
                raw[key] = tuple(raw[key])
        raw.setdefault("results_key", raw["name"])
        return cls(**raw, path=str(path))


def _parse_yaml(path: Path) -> Any:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise UserError(f"{path}: unreadable dataset card ({type(err).__name__})") from None


def parsed_cards(paths: list[Path]) -> list[Any]:
    """Each card file parsed. The parse of the whole set is kept in the cache folder as JSON, named by the
    checksum of the files' names and bytes, so a command does not import and run PyYAML until a card is edited or
    added; an unreadable or mismatched cache entry is parsed again."""
    import json

    from unibench.paths import cache_dir, sha256_files, write_atomic

    try:
        key = sha256_files(paths)
    except OSError as err:
        raise UserError(f"{err.filename}: unreadable dataset card ({type(err).__name__})") from None
    entry = cache_dir() / "cards" / f"{key}.json"
    try:
        got = json.loads(entry.read_bytes())
        if isinstance(got, list) and [n for n, _ in got] == [p.name for p in paths]:
            return [raw for _, raw in got]
    except (OSError, ValueError, TypeError):
        pass
    raws = [_parse_yaml(p) for p in paths]
    try:
        text = json.dumps([[p.name, raw] for p, raw in zip(paths, raws)], allow_nan=False)
        if [raw for _, raw in json.loads(text)] == raws:  # kept only when JSON gives back what YAML read
            write_atomic(entry, text)  # (e.g. not with integer mapping keys)
    except (OSError, TypeError, ValueError):  # a read-only cache folder, a value JSON cannot hold: parse next time
        pass
    return raws


def cards_dir() -> Path:
    """datasets_registry/ (the package's `_cards` is a symlink to it, so the wheel ships the cards)."""
    return Path(__file__).resolve().parents[1] / "_cards"


def _populate(reg: Registry) -> None:
    paths = sorted(cards_dir().glob("*.yaml"))
    for path, raw in zip(paths, parsed_cards(paths)):
        card = DatasetCard.from_raw(raw, path)
        reg.register(card.name, card, aliases=card.aliases + (card.results_key,))


DATASETS = Registry("dataset", entry_point_group="unibench.datasets", populate=_populate)


def get_card(name: str) -> DatasetCard:
    return DATASETS.get(name)


def all_cards(plugins: bool = True) -> list[DatasetCard]:
    DATASETS._ensure(plugins=plugins)
    return sorted((DATASETS.get(n) for n in sorted(DATASETS._entries)), key=lambda c: (c.order, c.name))


def suite_names(suite: str = "mer-unibench") -> list[str]:
    """The datasets of a suite in table order (`all` on the command line means the nine MER-UniBench corpora)."""
    return [c.name for c in all_cards(plugins=False) if c.suite == suite]
