"""unibench models: the adapter kinds available (built in and from entry points) and the YAML model cards."""

from __future__ import annotations

from pathlib import Path

from unibench.cli import add_format, print_json


def add_arguments(p) -> None:
    p.add_argument("--adapters-dir", default=None, metavar="DIR",
                   help="extra folder of model cards (*.yaml), searched before $UNIBENCH_ADAPTERS and the shipped adapters/")
    add_format(p)


def _doc_line(obj) -> str:
    """The first line of the class docstring, else of its module's (a class may inherit ModelAdapter's)."""
    import sys

    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not (doc or "").strip():
        doc = getattr(sys.modules.get(getattr(obj, "__module__", ""), None), "__doc__", None)
    doc = (doc or "").strip()
    return doc.splitlines()[0] if doc else ""


def adapter_kinds() -> list[dict]:
    """Every registered kind: where it comes from and its one-line description (import failures are reported)."""
    from importlib.metadata import entry_points

    from unibench.adapters.base import ADAPTERS

    names = ADAPTERS.names()  # scans the entry points
    eps = {ep.name.lower(): ep for ep in entry_points(group=ADAPTERS.entry_point_group or "")}
    rows = []
    for name in names:
        ep, raw = eps.get(name.lower()), ADAPTERS._entries[name]
        target = raw if isinstance(raw, str) else f"{raw.__module__}:{raw.__qualname__}"
        plugin = ep is not None and ep.value == target
        row = {"kind": name, "source": "entry point" if plugin else "built-in", "target": target}
        dist = getattr(ep, "dist", None)
        if plugin and dist is not None:
            row["distribution"] = dist.name
        try:
            row["description"] = _doc_line(ADAPTERS.get(name))
        except Exception as err:  # a broken plug-in is listed, not fatal
            row["error"] = f"{type(err).__name__}: {err}"
        rows.append(row)
    return rows


def model_cards(extra: str | None) -> list[dict]:
    """The model cards `--model NAME` can use, in the order they are searched (the first of a name wins)."""
    from unibench.adapters.model_card import available
    from unibench.errors import UserError
    from unibench.parse import load_yaml
    from unibench.redact import redact

    rows = []
    for name, path in available(extra).items():
        row: dict = {"name": name, "path": str(path)}
        try:
            raw = load_yaml(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, UserError) as err:
            row["error"] = f"unreadable ({type(err).__name__})"
            raw = None
        if isinstance(raw, dict):
            row.update({k: redact(str(raw[k])) for k in ("model", "base_url", "description")
                        if raw.get(k) is not None})
        rows.append(row)
    return rows


def run(args) -> int:
    from unibench.errors import UserError

    from unibench.adapters.model_card import search_dirs

    if args.adapters_dir and not Path(args.adapters_dir).is_dir():
        raise UserError(f"--adapters-dir {args.adapters_dir}: no such folder")
    kinds, cards = adapter_kinds(), model_cards(args.adapters_dir)
    doc = {"adapters": kinds, "file_plugins": "--model path/to/file.py:ClassName[:ARG]",
           "cards_search_path": [str(d) for d in search_dirs(args.adapters_dir)], "cards": cards}
    if args.format == "json":
        print_json(doc)
        return 0
    w = max(len(k["kind"]) for k in kinds)
    print("adapter kinds (--model KIND:ARG):")
    for k in kinds:
        where = k["source"] + (f" ({k['distribution']})" if "distribution" in k else "")
        print(f"  {k['kind'].ljust(w)}  {where:<12} {('error: ' + k['error']) if 'error' in k else k['description']}")
    print("  also: --model path/to/file.py:ClassName[:ARG] (a ModelAdapter subclass in a file)")
    print("model cards (--model NAME; searched in " + ", ".join(map(str, doc["cards_search_path"])) + "):")
    for c in cards:
        print(f"  {c['name']}  {c.get('description') or c.get('error', '')}")
    if not cards:
        print("  none")
    return 0
