"""Datasets scored in forked processes (unibench.forked): the same results as in one process, errors as in one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.synth import make_lexicon, make_run, save_label_npz
from unibench.forked import deal, map_forked, plan

REPO = Path(__file__).resolve().parents[1]


def test_deal_gives_the_heaviest_first_to_the_least_loaded_worker():
    # weights 2610, 411, 686, 457: the largest alone, the other three together
    assert deal([411, 2610, 686, 457], 2) == [[1], [2, 3, 0]]
    assert deal([1, 1, 1], 5) == [[0], [1], [2]]  # never an empty worker
    assert deal([5], 2) == [[0]]


def test_plan_cuts_an_item_heavier_than_a_fair_share_into_contiguous_runs_of_its_pieces():
    # the reference run: MELD (2610 x 7) outweighs half of the total, the others stay whole
    assert plan([411 * 7, 2610 * 7, 686 * 7, 457 * 7], [7, 7, 7, 7], 2) == [
        [(2, None), (1, range(0, 4))], [(3, None), (0, None), (1, range(4, 7))]]
    assert plan([10, 10], [3, 3], 2) == [[(0, None)], [(1, None)]]  # balanced already: nothing cut
    assert plan([9], [3], 2) == [[(0, range(0, 2))], [(0, range(2, 3))]]  # one dataset, two processes
    assert plan([9], [1], 2) == [[(0, None)]]  # a single checkpoint cannot be cut
    assert plan([1, 1, 1], [1, 1, 1], 5) == [[(0, None)], [(1, None)], [(2, None)]]  # never an empty worker
    for weights, pieces, workers in (([5, 100, 7], [2, 9, 1], 3), ([100], [4], 8), ([3, 3, 50], [1, 1, 5], 2)):
        got = plan(weights, pieces, workers)
        runs: dict[int, list[int]] = {}
        for share in got:
            for item, run in share:
                runs.setdefault(item, []).extend(range(pieces[item]) if run is None else run)
        assert runs == {i: list(range(pieces[i])) for i in range(len(weights))}  # every piece once, in order


def _fresh(code: str) -> str:
    """Run `code` in a new interpreter (a test process may hold other tests' threads, and then never forks)."""
    if not hasattr(os, "fork") or sys.platform == "darwin":
        pytest.skip("no fork here: work runs in process")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert got.returncode == 0, got.stderr
    return got.stdout


def test_map_forked_returns_every_result_in_item_order_from_several_processes():
    out = _fresh("""
import os
from unibench.forked import map_forked
got = map_forked(lambda x: (os.getpid(), x * x), list(range(7)), [1, 9, 1, 1, 9, 1, 1], 2)
assert [v for _, v in got] == [x * x for x in range(7)], got
pids = {pid for pid, _ in got}
assert len(pids) == 2 and os.getpid() in pids, pids
print("ok")
""")
    assert out.strip() == "ok"


def test_finish_result_runs_where_each_result_was_made_and_here_before_waiting_for_the_children():
    out = _fresh("""
import os, time
from unibench.forked import map_forked
def f(x):
    if x == "light":  # the child's share: still running while this process finishes its own
        time.sleep(0.5)
    return [x, os.getpid(), time.time()]
finished = []
def finish(r):
    r.append(os.getpid())  # a child's finish changes the result it sends back
    finished.append((r[0], time.time()))
got = map_forked(f, ["heavy", "light"], [2, 1], 2, finish)
assert [r[0] for r in got] == ["heavy", "light"] and [r[3] for r in got] == [r[1] for r in got], got
assert got[0][1] == os.getpid() != got[1][1], got
assert [x for x, _ in finished] == ["heavy"] and finished[0][1] < got[1][2], (finished, got)
print("ok")
""")
    assert out.strip() == "ok"


def test_the_first_failing_item_in_order_raises_its_own_error():
    out = _fresh("""
import os
from unibench.errors import UserError
from unibench.forked import map_forked
def f(x):
    if x % 2:
        raise (UserError if x == 1 else ValueError)(f"item {x} in {os.getpid()}")
    return x
try:
    map_forked(f, [0, 1, 2, 3], [1, 1, 5, 5], 2)  # items 2, 0 in this process; 3, 1 in the child
except UserError as err:  # the first in item order (item 3 failed too), one line: no note on bad input
    assert str(err).startswith("item 1 in ") and str(err) != f"item 1 in {os.getpid()}", err
    assert not getattr(err, "__notes__", None)
else:
    raise SystemExit("no error raised")
try:
    map_forked(f, [0, 3, 2], [1, 1, 5], 2)  # a bug in the child: its own type, with the child's traceback
except ValueError as err:
    assert str(err).startswith("item 3") and "raised in a worker process" in "".join(err.__notes__), err
else:
    raise SystemExit("no error raised")
print("ok")
""")
    assert out.strip() == "ok"


def test_one_job_or_one_item_runs_in_this_process():
    def f(x):
        return os.getpid(), x * x

    assert map_forked(f, [3], [1], 2) == [(os.getpid(), 9)]
    assert {pid for pid, _ in map_forked(f, [1, 2], [1, 1], 1)} == {os.getpid()}


@pytest.fixture
def world(tmp_path):
    """MER2023- and MOSI-shaped corpora with two checkpoints each (as tests/test_pipeline_synthetic.py)."""
    data, out = tmp_path / "data", tmp_path / "output"
    lex = make_lexicon(tmp_path / "emotion_wheel")
    rng = np.random.default_rng(0)
    words = ["glad", "unhappy", "startled", "furious", "nervous", "calm"]
    mer = {f"sample_{i:08d}": {"emo": ["happy", "sad", "neutral", "surprise"][i % 4], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"train_corpus": {}, "test1_corpus": mer})
    mosi = {f"vid{i // 10}_{i % 10}": {"emo": 0, "val": [1.5, -2.0, 0.0][i % 3]} for i in range(686)}
    save_label_npz(data / "cmumosi-process/label.npz", {"test_corpus": mosi})
    for epoch in (10, 20):
        ck = f"checkpoint_{epoch:06d}_loss_0.5"
        labels = {k: "[" + ", ".join(rng.choice(words, rng.integers(0, 3))) + "]" for k in mer}
        make_run(out, "mer2023", "r", ck, {k: f"text {v}" for k, v in labels.items()}, labels)
        sent = {k: str(rng.choice(["positive", "negative", "neutral"])) for k in mosi}
        make_run(out, "cmumosi", "r", ck, {k: "t" for k in mosi}, {k: "[x]" for k in mosi}, sent)
    return data, out, lex, tmp_path


def _run(world, results: Path, *extra: str) -> subprocess.CompletedProcess:
    data, out, lex, _ = world
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "unibench", "run", "--model", f"affectgpt-npz:{out}",
                           "--dataset", "mer2023,mosi", "--data-root", str(data), "--lexicon", str(lex),
                           "--checkpoint", "all", "--name", "toy", "--results-dir", str(results), "--format", "json",
                           *extra], capture_output=True, text=True, env=env, timeout=300)


def _stored(results: Path) -> dict[str, object]:
    out = {}
    for f in sorted((results / "toy").iterdir()):
        if f.suffix == ".json":
            doc = json.loads(f.read_text())
            doc["provenance"].pop("created_at")
            doc["provenance"].pop("command")  # names its own --results-dir and --jobs
            out[f.name] = doc
        else:
            out[f.name] = f.read_bytes()
    return out


def test_two_processes_store_exactly_what_one_process_stores(world):
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork on this platform")
    tmp = world[3]
    one, two = _run(world, tmp / "one", "--jobs", "1"), _run(world, tmp / "two", "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    rows = [{k: v for k, v in r.items() if k != "results_file"} for r in json.loads(one.stdout)["results"]]
    assert rows == [{k: v for k, v in r.items() if k != "results_file"} for r in json.loads(two.stdout)["results"]]
    a, b = _stored(tmp / "one"), _stored(tmp / "two")
    assert sorted(a) == ["mer2023.json", "mer2023.samples.jsonl", "mosi.json", "mosi.samples.jsonl"]
    assert a == b


def test_a_dataset_split_by_checkpoint_across_processes_stores_what_one_process_stores(world):
    """One corpus with four checkpoints and two processes: each scores a run of its checkpoints, this process
    assembles them, under every kind of policy (intervals of the kept ones, selection over all)."""
    data, out, lex, tmp = world
    mer = [f"sample_{i:08d}" for i in range(411)]
    rng = np.random.default_rng(1)
    for epoch in (30, 40):
        labels = {k: "[" + ", ".join(rng.choice(["glad", "calm", "furious"], rng.integers(0, 3))) + "]" for k in mer}
        make_run(out, "mer2023", "r", f"checkpoint_{epoch:06d}_loss_0.5", {k: "t" for k in mer}, labels)
    got = _fresh(f"""
import unibench.forked as forked
from pathlib import Path
from tests.test_forked import _stored
from unibench import api

tmp = Path({str(tmp)!r})
dealt, real = [], forked.map_forked
forked.map_forked = lambda fn, items, w, jobs, fin, bins: dealt.append([[items[i][1] and [c.name[-14:-9] for c in
                                                                         items[i][1]] for i in b] for b in bins]) or real(fn, items, w, jobs, fin, bins)
for policy in ("all", "best", "last", "checkpoint_000020_loss_0.5"):
    stored = []
    for jobs in (1, 2):
        res = tmp / f"res-{{policy}}-{{jobs}}"
        api.evaluate({f"affectgpt-npz:{out}"!r}, "mer2023", data_root={str(data)!r}, lexicon={str(lex)!r},
                     checkpoint=policy, name="toy", jobs=jobs).save(res)
        stored.append(_stored(res))
    assert stored[0] == stored[1], policy
print(dealt[0])
assert len(dealt) == 4
""")
    assert got.strip() == "[[['00010', '00020']], [['00030', '00040']]]"


def test_bad_input_in_a_worker_is_one_line_exit_2_and_nothing_written(world):
    data, out, _, tmp = world
    bad = out / "results-mer2023" / "r" / "checkpoint_000010_loss_0.5-openset.npz"
    assert bad.is_file()
    bad.write_bytes(b"not a zip")  # MER2023 (411 samples) is the lighter corpus: the forked worker reads it
    got = _run(world, tmp / "res", "--jobs", "2")
    assert got.returncode == 2 and got.stdout == ""
    assert str(bad) in got.stderr and "Traceback" not in got.stderr and len(got.stderr.strip().splitlines()) == 1
    assert not (tmp / "res").exists() or not any((tmp / "res").rglob("*.json"))


def test_default_jobs_fork_for_local_inputs_unless_the_lexicon_loads_a_model_it_cannot_defer(world, monkeypatch):
    """Local inputs take every core; so does the native lexicon once its vector store exists: its embedding model
    loads are deferred in the workers (next test). A lexicon that may load a model otherwise keeps the run in one
    process by default."""
    import unibench.forked as forked
    from unibench import api
    from unibench.lexicon import native

    data, out, lex, _ = world
    asked: list[int] = []
    real = forked.map_forked
    monkeypatch.setattr(forked, "map_forked", lambda fn, items, weights, jobs, *a: asked.append(jobs) or
                        real(fn, items, weights, 1, *a))
    monkeypatch.setattr(forked, "cpus", lambda: 2)
    monkeypatch.setattr(forked, "can_fork", lambda: True)  # (map_forked runs in process here)
    kw = dict(data_root=str(data), checkpoint="all", bootstrap=0, records=False)
    api.evaluate(f"affectgpt-npz:{out}", "mer2023,mosi", lexicon=str(lex), **kw)
    monkeypatch.setattr(native, "_embedding_installed", lambda: True)  # the fallback can run: MiniLM may load
    assert native.NativeLexicon(embedding_fallback=True).local is False
    assert native.NativeLexicon(embedding_fallback=False).local is True
    from unibench.lexicon.native_embed import EmbeddingBackend

    store = world[3] / "store.npz"
    lexicon = native.NativeLexicon(embedding_fallback=True, backend=EmbeddingBackend(store=store))
    assert lexicon.defers_model_load is False  # no vector store yet: a first run stays in one process
    store.write_bytes(b"")
    assert lexicon.defers_model_load is True
    monkeypatch.setattr(native.NativeLexicon, "local", property(lambda self: False))
    monkeypatch.setattr(native.NativeLexicon, "defers_model_load", property(lambda self: True))
    api.evaluate(f"affectgpt-npz:{out}", "mer2023,mosi", lexicon="native", **kw)
    assert asked == [2, 2]
    monkeypatch.setattr(native.NativeLexicon, "defers_model_load", False)  # as a plug-in lexicon with a model
    api.evaluate(f"affectgpt-npz:{out}", "mer2023,mosi", lexicon="native", **kw)
    assert asked == [2, 2]  # one process: map_forked not called
    api.evaluate(f"affectgpt-npz:{out}", "mer2023,mosi", lexicon="native", jobs=2, **kw)  # asked for: forks anyway
    assert asked == [2, 2, 2]


def test_workers_never_load_the_embedding_model_a_run_that_needs_it_is_scored_again_in_one_process(world):
    """A made-up word in MER2023's extractions needs the native lexicon's embedding fallback (a fake model here).
    With two processes the workers defer the model load and give up; the run is scored again in this process,
    the model loads once (here) and the stored files equal those of one process. Once its vectors are stored,
    the run forks, loads nothing and stores what one process stores. (In a fresh process: a loaded torch leaves threads that forbid forking.)"""
    from tests.synth import make_run

    data, out, _, tmp = world
    labels = {f"sample_{i:08d}": "[zorbish, glad]" if i % 3 == 0 else "[calm]" for i in range(411)}
    make_run(out, "mer2023", "r", "checkpoint_000020_loss_0.5", {k: "text" for k in labels}, labels)
    got = _fresh(f"""
import os
from pathlib import Path
import unibench.forked as forked
from tests.test_forked import _stored
from tests.test_native_store import FakeModel
from unibench import api
from unibench.lexicon import native
from unibench.lexicon.native_embed import EmbeddingBackend

tmp = Path({str(tmp)!r})
native._embedding_installed = lambda: True
forked.cpus = lambda: 2
forks, loads, real = [], [], forked.map_forked
forked.map_forked = lambda *a: forks.append(a[3]) or real(*a)

def loader():
    loads.append(os.getpid())  # a child's append would not be seen here: it raises before the loader runs
    return FakeModel()

def refuse():
    raise AssertionError("every word is stored: no model load")

def run(cache, jobs, load):
    os.environ["UNIBENCH_CACHE_DIR"] = str(tmp / cache)
    backend = EmbeddingBackend(model_loader=load, store=tmp / cache / "store.npz")
    native._CACHE[True] = native.NativeLexicon(embedding_fallback=True, backend=backend)
    res = tmp / f"res-{{cache}}-{{jobs}}-{{len(forks)}}"
    api.evaluate({f"affectgpt-npz:{out}"!r}, "mer2023,mosi", data_root={str(data)!r}, lexicon="native",
                 checkpoint="all", name="toy", jobs=jobs).save(res)
    return _stored(res)

one = run("a", 1, loader)
assert loads == [os.getpid()] and forks == [], (loads, forks)
two = run("b", 2, loader)
assert forks == [2] and loads == [os.getpid()] * 2, (loads, forks)  # one load for this run too, after the workers
assert two == one
warm_one = run("a", 1, refuse)
warm_two = run("b", 2, refuse)
assert forks == [2, 2] and warm_two == warm_one  # (a warm run records embedding_status not-loaded, either way)
print("ok")
""")
    assert got.strip() == "ok"


def test_the_parts_of_a_split_dataset_derive_what_depends_on_the_gold_once_per_process(world, monkeypatch):
    """Each part of a split dataset scores its checkpoints against the same corpus: the gold's encoder segments
    (memoised per gold object, `ClusterEncoder.per_gold`) are made once, not once per part."""
    from unibench import api
    from unibench.datasets import load_corpus
    from unibench.lexicon.encode import ClusterEncoder
    from unibench.runner import evaluate_part

    data, out, lex, _ = world
    made: list[str] = []
    real = ClusterEncoder.per_gold

    def counting(self, gold, key, make):
        return real(self, gold, key, lambda: made.append(key) or make())

    monkeypatch.setattr(ClusterEncoder, "per_gold", counting)
    p = api.prepare(f"affectgpt-npz:{out}", "mer2023", data_root=str(data), lexicon=str(lex), checkpoint="all")
    card = p.cards[0]
    corpus = load_corpus(card, p.root, allow_partial=False, subtitles=False)
    checkpoints = p.adapter.checkpoints(card)
    assert len(checkpoints) == 2
    for ck in checkpoints:  # two parts, one checkpoint each
        evaluate_part(card, corpus, p.adapter, p.extractor, p.lexicon, p.options, [ck])
    assert made and sorted(made) == sorted(set(made)), made  # each gold-derived table made once
