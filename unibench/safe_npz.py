"""Load upstream `.npz`/`.npy` files without executing pickles.

Upstream label and output files store Python dicts as pickled object arrays (pickle protocol 3). A pickle can run
arbitrary code, so object arrays go through a restricted unpickler that admits only the globals numpy needs to
rebuild an array (`_reconstruct`, `ndarray`, `dtype`, `scalar`, under both `numpy.core` and `numpy._core`);
everything else in the pickle must be plain dicts, lists, tuples, strings and numbers. A file asking for any other
global is refused.

Archives are also capped in size: the members read may inflate to at most `max_unzip_bytes()` in total (256 MiB
by default; `UNIBENCH_MAX_UNZIP_MB` raises it). The cap is checked against the sizes the archive declares before
anything is inflated; zipfile never inflates a member beyond its declared size, so a lying header only truncates
it (and fails its CRC check). The same check guards the other archives unibench opens (xlsx workbooks, zips of
replies).
"""

from __future__ import annotations

import io
import math
import os
import pickle
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from unibench.errors import UserError

_ALLOWED = {
    (mod, name)
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray")
    for name in ("_reconstruct", "scalar")
} | {(mod, name) for mod in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray") for name in ("ndarray", "dtype")}


# What reading a damaged or hostile archive / npy / pickle can raise besides UserError (all mean "unreadable").
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)
# (numpy parses an .npy header with the tokenizer: a damaged one raises TokenError or SyntaxError)
_LOAD_ERRORS = (*ZIP_ERRORS, ValueError, pickle.UnpicklingError, LookupError, TypeError, AttributeError,
                OverflowError, RecursionError, MemoryError, struct.error, SyntaxError, tokenize.TokenError)
MAX_UNZIP_ENV = "UNIBENCH_MAX_UNZIP_MB"
DEFAULT_MAX_UNZIP_MB = 256


def max_unzip_bytes() -> int:
    raw = os.environ.get(MAX_UNZIP_ENV, "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MAX_UNZIP_MB
    except ValueError:
        raise UserError(f"{MAX_UNZIP_ENV}={raw!r}: give a size in MB, e.g. {MAX_UNZIP_ENV}=2048") from None
    return int(mb * 2**20)


def check_unzip_size(path, infos) -> None:
    """Refuse to inflate `infos` (members of the archive at `path`) when their declared sizes exceed the cap."""
    cap = max_unzip_bytes()
    total = sum(i.file_size for i in infos)
    if total > cap:
        raise UserError(f"{path}: inflates to {total / 2**20:,.0f} MB, over the {cap / 2**20:,.0f} MB cap on "
                        f"decompressed size; if the file is genuine, raise the cap with {MAX_UNZIP_ENV}="
                        f"{int(total / 2**20) + 1}")


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
        count = math.prod(shape)
        data = bytearray(count * dtype.itemsize)  # read straight into a writable buffer: no second copy
        if fp.readinto(data) < len(data):
            raise ValueError("array data is truncated")
        arr = np.frombuffer(data, dtype=dtype, count=count)
        return arr.reshape(shape, order="F" if fortran else "C")
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
            wanted = [(i.filename[:-4] if i.filename.endswith(".npy") else i.filename, i) for i in zf.infolist()]
            wanted = [(k, i) for k, i in wanted if keys is None or k in keys]
            check_unzip_size(path, [i for _, i in wanted])
            for key, info in wanted:
                with zf.open(info) as fp:
                    value = _read_npy(io.BufferedReader(fp), f"{path}[{key}]")
                out[key] = value.item() if isinstance(value, np.ndarray) and value.dtype.hasobject and value.shape == () else value
    except UserError:
        raise
    except _LOAD_ERRORS as err:
        raise UserError(f"{path}: unreadable or truncated npz ({type(err).__name__}: {str(err)[:160]}); "
                        "re-export or re-download the file") from None
    return out


def load_npy(data: bytes, where: str):
    """One `.npy` payload (e.g. a member of a zip) through the same restricted loader."""
    try:
        value = _read_npy(io.BytesIO(data), where)
    except UserError:
        raise
    except _LOAD_ERRORS as err:
        raise UserError(f"{where}: unreadable or truncated npy ({type(err).__name__}: {str(err)[:160]})") from None
    return value.item() if isinstance(value, np.ndarray) and value.dtype.hasobject and value.shape == () else value
