"""Where unibench keeps its caches, and content checksums for provenance."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from pathlib import Path
from typing import Any, Sequence

from unibench.errors import UserError

# A name that becomes one path component under --results-dir: no separators, no leading dot (so never `..`).
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


def cache_dir() -> Path:
    """$UNIBENCH_CACHE_DIR, else ~/.cache/unibench (created on demand)."""
    root = os.environ.get("UNIBENCH_CACHE_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "unibench"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def combine_sha256(named) -> str:
    """One checksum over (path, sha256) pairs: file names and contents, in the given order."""
    h = hashlib.sha256()
    for path, sha in named:
        h.update(Path(path).name.encode() + b"\0" + bytes.fromhex(sha))
    return h.hexdigest()


def sha256_files(paths) -> str:
    """One checksum over several files (names and bytes, in the given order)."""
    return combine_sha256((p, sha256_file(p)) for p in paths)


def safe_name(name: str, what: str = "--name") -> str:
    """`name` when it is safe as one folder or file name (letters, digits, '.', '_', '+', '-'; not starting with
    '.' or '-'; at most 128 characters), else a UserError: checked before any path is built from it."""
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
        raise UserError(f"{what} {name!r}: not a safe name (it becomes a folder or file name under --results-dir); "
                        "use letters, digits, '.', '_', '+' or '-', starting with a letter or digit, at most 128 "
                        "characters")
    return name


def slug(text: str, fallback: str) -> str:
    """A safe name made from free text (a file stem, a folder name): other characters become '-'."""
    s = re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-.")[:128].strip("-.")
    return s if s and _SAFE_NAME.match(s) else fallback


class WriteFailed(UserError, OSError):
    """Writing a file failed (disk full, read-only folder, quota): a UserError (exit 2) that is also an OSError,
    so callers that treat a cache write as optional keep catching it."""

    def __str__(self) -> str:
        return str(self.strerror)


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file (`text` as UTF-8, or bytes as
    they are). When the write fails (disk full, no permission) the temporary file is removed and WriteFailed
    names the file and the cause."""
    write_atomic_many([(Path(path), text)])


def write_atomic_many(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """`write_atomic` of several files as one step: every file is written and synced to disk (the syncs side by
    side: each waits on the disk, not on this process) before the first is renamed into place, in order. When a
    write fails, no file is renamed and the temporary ones are removed; WriteFailed names the file."""
    staged: list[tuple[Path, Path]] = []
    renamed: list[Path] = []
    try:
        handles = []
        try:
            for path, text in files:
                path = Path(path)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    fh = open(tmp, "wb")
                except OSError as err:
                    raise write_failed(path, err) from None
                staged.append((tmp, path))
                handles.append(fh)
                try:
                    fh.write(text.encode("utf-8") if isinstance(text, str) else text)
                    fh.flush()
                except OSError as err:
                    raise write_failed(path, err) from None
            _sync_all([(fh, path) for fh, (_, path) in zip(handles, staged)])  # a full disk can surface only here
        finally:
            for fh in handles:
                try:
                    fh.close()
                except OSError:
                    pass
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise write_failed(path, err) from None
            renamed.append(path)
    except BaseException:
        for tmp, path in staged:
            for f in (tmp, *((path,) if path in renamed else ())):  # a store without its result is half a result
                try:
                    f.unlink()
                except OSError:
                    pass
        raise


def _sync_all(handles: Sequence[tuple[Any, Path]]) -> None:
    """fsync every open file, in threads when there are several (fsync waits on the disk with the GIL released,
    and syncs issued together share the filesystem's journal commits); the first failure is raised."""
    import threading

    errors: list[BaseException] = []

    def sync(fh, path) -> None:
        try:
            os.fsync(fh.fileno())
        except OSError as err:
            errors.append(write_failed(path, err))

    if len(handles) == 1:
        sync(*handles[0])
    else:
        threads = [threading.Thread(target=sync, args=h) for h in handles]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]


@contextlib.contextmanager
def locked(path: str | Path):
    """Hold an exclusive lock on `path` (a sibling `.<name>.lock`; POSIX flock, none where it is missing) while a
    cache file is read, merged and rewritten: processes that add to one cache (a run's forked workers, two runs)
    then keep each other's entries instead of the last writer's alone."""
    try:
        import fcntl
    except ImportError:  # Windows: write-then-rename still keeps the file whole
        yield
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_failed(path: str | Path, err: OSError) -> "WriteFailed":
    """The one message for a failed write, naming the file, the cause and the fix."""
    full = err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    fix = "free some space (or point it elsewhere)" if full else "check the folder exists and is writable"
    return WriteFailed(err.errno, f"{path}: cannot write ({err.strerror or err}); {fix}, then re-run")
