"""One lazy registry mechanism for datasets, adapters, extractors, lexicons and metrics.

Entries are registered as objects or as lazy "module:attr" strings (imported on first use, so `unibench --help`
never imports heavy dependencies). Third parties add entries through a Python entry-point group. Unknown names
raise a UserError with a "did you mean" suggestion.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable

from unibench.errors import UserError


def import_string(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


def suggest(name: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), [c.lower() for c in choices], n=1, cutoff=0.5)
    lookup = {c.lower(): c for c in choices}
    return f"; did you mean '{lookup[close[0]]}'?" if close else ""


class Registry:
    """Names (case-insensitive, with aliases) to entries, loaded lazily."""

    def __init__(self, kind: str, entry_point_group: str | None = None,
                 populate: Callable[["Registry"], None] | None = None):
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._populate = populate
        self._entries: dict[str, Any] = {}
        self._aliases: dict[str, str] = {}
        self._loaded = False
        self._plugins_loaded = False

    def register(self, name: str, entry: Any, aliases: Iterable[str] = ()) -> None:
        self._entries[name] = entry
        self._aliases[name.lower()] = name
        for alias in aliases:
            self._aliases.setdefault(alias.lower(), name)

    def _ensure(self, plugins: bool = False) -> None:
        if not self._loaded:
            self._loaded = True
            if self._populate:
                self._populate(self)
        # Entry points are scanned only when needed (listing, or a name not built in): scanning every installed
        # distribution's metadata costs more than the rest of a small run.
        if plugins and not self._plugins_loaded and self.entry_point_group:
            self._plugins_loaded = True
            from importlib.metadata import entry_points

            for ep in entry_points(group=self.entry_point_group):
                if ep.name.lower() not in self._aliases:
                    self.register(ep.name, ep.value)

    def names(self) -> list[str]:
        self._ensure(plugins=True)
        return sorted(self._entries)

    def canonical(self, name: str) -> str:
        self._ensure()
        key = self._aliases.get(name.strip().lower())
        if key is None:
            self._ensure(plugins=True)
            key = self._aliases.get(name.strip().lower())
        if key is None:
            choices = list(self._entries) + list(self._aliases)
            raise UserError(f"unknown {self.kind} '{name}'{suggest(name, choices)} "
                            f"(known: {', '.join(self.names())})")
        return key

    def __contains__(self, name: str) -> bool:
        self._ensure(plugins=True)
        return name.strip().lower() in self._aliases

    def get(self, name: str) -> Any:
        key = self.canonical(name)
        entry = self._entries[key]
        if isinstance(entry, str) and ":" in entry:
            entry = import_string(entry)
            self._entries[key] = entry
        return entry
