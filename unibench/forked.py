"""Run independent pieces of work in forked worker processes, this process being one of the workers.

The datasets of a run share nothing until they are saved, so with local inputs (saved outputs, cached or given
extractions: `ModelAdapter.local` and `Extractor.local`) `unibench.evaluate` scores them side by side on the
machine's cores. Work is dealt by weight (largest first, to the least loaded worker); each worker sends back its
results, or the exception a piece raised, as a pickle through a pipe, and the results come back in item order,
so a run's output does not depend on how it was split (tested equal to the in-process run).

Forking is used only where it is safe and cheap: a platform with `os.fork`, and no other Python thread running in
this process (a thread holding a lock at fork time would leave the child stuck). Anything else runs in process.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import traceback
from typing import Any, Callable, Sequence


def cpus() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def forks(jobs: int, n_items: int) -> bool:
    """Whether map_forked(..., jobs) over n_items runs in several processes."""
    return jobs > 1 and n_items > 1 and can_fork()


def deal(weights: Sequence[float], workers: int) -> list[list[int]]:
    """Item indices per worker: heaviest first, each to the worker with the least weight so far."""
    bins: list[list[int]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        w = load.index(min(load))
        bins[w].append(i)
        load[w] += weights[i]
    return [b for b in bins if b]


def plan(weights: Sequence[float], pieces: Sequence[int], workers: int) -> list[list[tuple[int, range | None]]]:
    """The shares of each worker: (item, None) for a whole item, (item, range of its pieces) for part of one.

    An item heavier than a worker's fair share (the total over `workers`) that is made of several pieces of equal
    weight (a dataset's checkpoints) is cut: the whole items are dealt first (heaviest first, each to the least
    loaded worker), then the cut item's pieces one by one to the least loaded, so the loads even out; each worker
    then takes a contiguous run of them (its pieces in order, the workers' runs in worker order). Workers with
    nothing are left out."""
    fair = sum(weights) / max(workers, 1)
    cut = [i for i in range(len(weights)) if pieces[i] > 1 and weights[i] > fair]
    load = [0.0] * workers
    shares: list[list[tuple[int, range | None]]] = [[] for _ in range(workers)]
    for i in sorted((i for i in range(len(weights)) if i not in cut), key=lambda i: -weights[i]):
        w = load.index(min(load))
        shares[w].append((i, None))
        load[w] += weights[i]
    for i in sorted(cut, key=lambda i: -weights[i]):
        counts = [0] * workers
        for _ in range(pieces[i]):
            w = load.index(min(load))
            counts[w] += 1
            load[w] += weights[i] / pieces[i]
        start = 0
        for w, n in enumerate(counts):
            if n:
                shares[w].append((i, range(start, start + n)))
                start += n
    return [s for s in shares if s]


def _outcome(fn: Callable[[Any], Any], item: Any) -> tuple[bool, Any]:
    try:
        return True, fn(item)
    except BaseException as err:  # sent to the parent, which raises it in item order
        return False, err


def _finish(got, finish_result) -> None:
    if finish_result is not None:
        for _, ok, value in got:
            if ok:
                finish_result(value)


def _child(fn, items, indices, fd: int, finish_result) -> None:
    code = 0
    try:
        got = [(i, *_outcome(fn, items[i])) for i in indices]
        _finish(got, finish_result)
        for _, ok, value in got:
            if not ok and not hasattr(value, "exit_code"):  # a bug (not bad input): its traceback does not
                # pickle, so its text rides along as a note (Python 3.11+)
                text = "".join(traceback.format_exception(type(value), value, value.__traceback__)).rstrip()
                if hasattr(value, "add_note"):
                    value.add_note("raised in a worker process:\n" + text)
                value.__traceback__ = None
        try:
            data = pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # an unpicklable result or exception: say so instead of hanging the parent
            data = pickle.dumps([(indices[0], False, RuntimeError(f"a worker's result cannot be sent back: {err}"))])
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # never run the parent's exit handlers or flush its buffers twice


def map_forked(fn: Callable[[Any], Any], items: Sequence[Any], weights: Sequence[float], jobs: int,
               finish_result: Callable[[Any], None] | None = None,
               bins: Sequence[Sequence[int]] | None = None) -> list[Any]:
    """`[fn(x) for x in items]`, in up to `jobs` processes (this one among them). The first item (in order) whose
    `fn` raised has its exception raised here, after every worker has finished. `finish_result(result)` runs in
    the worker that made each result (e.g. to fill a cache there, in parallel): in a child before it is sent back,
    in this process before it waits for the children, so the work overlaps theirs. `bins`: the items of each
    worker, when the caller dealt them (`plan`); by default they are dealt by weight."""
    if not forks(jobs, len(items)):
        bins = []
    elif bins is None:
        bins = deal(weights, min(jobs, len(items)))
    if len(bins) < 2:
        return [fn(x) for x in items]
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []
    outcomes: dict[int, tuple[bool, Any]] = {}
    try:
        for indices in bins[1:]:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                _child(fn, items, indices, w, finish_result)
            os.close(w)
            children.append((pid, r))
        own = [(i, *_outcome(fn, items[i])) for i in bins[0]]  # this process takes the heaviest share: its
        _finish(own, finish_result)  # results need no sending
        outcomes.update((i, (ok, value)) for i, ok, value in own)
        while children:
            pid, r = children[0]
            with os.fdopen(r, "rb") as fh:
                data = fh.read()
            _, status = os.waitpid(pid, 0)
            children.pop(0)
            if not data:
                raise RuntimeError(f"a worker process exited without its results (status {status})")
            outcomes.update((i, (ok, value)) for i, ok, value in pickle.loads(data))  # our own child's pickle
    finally:
        for pid, r in children:  # an error above: stop and reap the rest
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                os.close(r)
            except OSError:
                pass
    for i in range(len(items)):
        ok, value = outcomes[i]
        if not ok:
            raise value
    return [outcomes[i][1] for i in range(len(items))]
