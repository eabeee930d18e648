"""Load upstream `.npz`/`.npy` files without executing pickles.

Upstream label and output files store Python dicts as pickled object arrays (pickle protocol 3). A pickle can run
arbitrary code, so object arrays go through a restricted unpickler that admits only the globals numpy needs to
rebuild an array (`_reconstruct`, `ndarray`, `dtype`, `scalar`, under both `numpy.core` and `numpy._core`);
everything else in the pickle must be plain dicts, lists, tuples, strings and numbers. A file asking for any other
global is refused.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from unibench.errors import UserError

_ALLOWED = {
    (mod, name)
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray")
    for name in ("_reconstruct", "scalar")
} | {(mod, name) for mod in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray") for name in ("ndarray", "dtype")}


class UnsafePickle(Exception):
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise UnsafePickle(f"{module}.{name}")
        real = "numpy._core.multiarray" if module.startswith("numpy.") and name in ("_reconstruct", "scalar") else module
        try:
            return super().find_class(real, name)
        except (ImportError, AttributeError):  # numpy 1.x has only numpy.core
            return super().find_class(module.replace("numpy._core", "numpy.core"), name)


def _read_npy(fp, where: str):
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    if not dtype.hasobject:
        data = fp.read()
        count = int(np.prod(shape)) if shape else 1
        if len(data) < count * dtype.itemsize:
            raise ValueError("array data is truncated")
        arr = np.frombuffer(data, dtype=dtype, count=count)
        return arr.reshape(shape, order="F" if fortran else "C").copy()
    try:
        return _RestrictedUnpickler(fp, encoding="latin1").load()
    except UnsafePickle as err:
        raise UserError(f"{where}: refused to load: the pickle asks for '{err}', which is not plain data "
                        "(unibench loads only dicts, lists, strings, numbers and numpy arrays)") from None


def load_npz(path: str | Path, keys: tuple[str, ...] | None = None) -> dict[str, object]:
    """The arrays of an `.npz` archive (all, or only `keys`), object arrays turned into their Python objects.

    Raises UserError (one line naming the file) when the file is missing, not a zip, truncated or unsafe.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    out: dict[str, object] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                if keys is not None and key not in keys:
                    continue
                with zf.open(info) as fp:
                    value = _read_npy(io.BufferedReader(fp), f"{path}[{key}]")
                out[key] = value.item() if isinstance(value, np.ndarray) and value.dtype.hasobject and value.shape == () else value
    except UserError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, pickle.UnpicklingError, KeyError, IndexError,
            TypeError, AttributeError) as err:
        raise UserError(f"{path}: unreadable or truncated npz ({type(err).__name__}: {err}); "
                        "re-export or re-download the file") from None
    return out


def load_npy(data: bytes, where: str):
    """One `.npy` payload (e.g. a member of a zip) through the same restricted loader."""
    try:
        value = _read_npy(io.BytesIO(data), where)
    except UserError:
        raise
    except (EOFError, ValueError, pickle.UnpicklingError, TypeError, AttributeError, IndexError) as err:
        raise UserError(f"{where}: unreadable or truncated npy ({type(err).__name__}: {err})") from None
    return value.item() if isinstance(value, np.ndarray) and value.dtype.hasobject and value.shape == () else value
