"""Plug-in adapters: classes from the `unibench.adapters` entry-point group or loaded from a file path.

A plug-in is ordinary Python run in-process (unlike prediction files, which are data), so it is loaded only when
the user names it. Both routes check that the class subclasses ModelAdapter and turn import failures into a
one-line UserError naming the plug-in.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from unibench.adapters.base import ADAPTERS, ModelAdapter
from unibench.errors import UserError


def _check(cls, where: str) -> type[ModelAdapter]:
    if not (isinstance(cls, type) and issubclass(cls, ModelAdapter)):
        raise UserError(f"{where}: {getattr(cls, '__name__', cls)!s} is not a subclass of "
                        "unibench.adapters.ModelAdapter; derive your adapter from it (see docs/plugins.md)")
    return cls


def load_file_class(path: Path, name: str) -> type[ModelAdapter]:
    """`ClassName` from the Python file at `path`, imported as a module of its own."""
    if not path.is_file():
        raise UserError(f"--model {path}:{name}: no such file")
    if not name.isidentifier():
        raise UserError(f"--model {path}:{name}: expected path/to/file.py:ClassName[:ARG]")
    # a unique module name per file, so two plug-in files with the same stem never collide in sys.modules
    mod_name = f"unibench_plugin_{path.stem}_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the plug-in's own bug: say whose it is
        sys.modules.pop(mod_name, None)
        raise UserError(f"{path}: importing the plug-in failed ({type(err).__name__}: {err})") from None
    if not hasattr(module, name):
        found = [k for k, v in vars(module).items()
                 if isinstance(v, type) and issubclass(v, ModelAdapter) and v is not ModelAdapter]
        raise UserError(f"{path}: no class '{name}'" + (f"; adapters in the file: {', '.join(found)}" if found else
                                                       "; it defines no ModelAdapter subclass"))
    return _check(getattr(module, name), f"{path}:{name}")


def checked_class(kind: str) -> type[ModelAdapter]:
    """The registered adapter class for a kind (built in or entry point), import errors made one-line."""
    name = ADAPTERS.canonical(kind)
    try:
        cls = ADAPTERS.get(name)
    except (ImportError, AttributeError) as err:
        raise UserError(f"model adapter '{name}' failed to load ({type(err).__name__}: {err}); "
                        "is the plug-in installed correctly?") from None
    return _check(cls, f"model adapter '{name}'")
