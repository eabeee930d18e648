"""`unibench check` compares every stored number: an edit anywhere moves, an emptied or truncated result fails."""

from __future__ import annotations

import argparse
import hashlib
import json
import random

import pytest

import unibench
from unibench.commands.check import VOLATILE, diff_docs, rerun
from unibench.store import load_result, samples_path


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("check")
    unibench.evaluate("text-lexicon", ["demo-basic", "demo-sentiment", "demo-openvocab"], bootstrap=50).save(root)
    return root / "text-lexicon"


def _slots(value, path=""):
    """(container, key, path) of every numeric or boolean leaf that check compares."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for k, v in items:
        if isinstance(value, list) and isinstance(v, dict) and "checkpoint" in v:
            p = f"{path}[{v['checkpoint']}]"
        elif isinstance(value, list):
            p = f"{path}[{k}]"
        else:
            p = f"{path}.{k}" if path else str(k)
        if p in VOLATILE:
            continue
        if isinstance(v, (dict, list)):
            yield from _slots(v, p)
        elif isinstance(v, (bool, int, float)) and v is not None:
            yield value, k, p


def _perturbed(v):
    return (not v) if isinstance(v, bool) else v + 1 if isinstance(v, int) else v + 0.5


NO_OVERRIDES = argparse.Namespace(model=None, data_root=None, lexicon=None, extractor_base_url=None)


def test_an_edit_of_any_stored_number_moves(stored):
    rng = random.Random(0)
    n_edits = 0
    for f in sorted(stored.glob("*.json")):
        doc = load_result(f)
        fresh, _ = rerun(f, doc, NO_OVERRIDES)
        assert diff_docs(f.stem, doc, fresh, 0.01)[0] == []
        slots = list(_slots(doc))
        assert len(slots) > 30
        for container, key, path in rng.sample(slots, min(len(slots), 80)):
            old = container[key]
            container[key] = _perturbed(old)
            moved, _ = diff_docs(f.stem, doc, fresh, 0.01)
            container[key] = old
            assert moved, f"an edit of {path} in {f.name} went unnoticed"
            n_edits += 1
    assert n_edits >= 100


def test_check_cli_fails_on_edited_emptied_and_truncated_results(stored, tmp_path, cli):
    import shutil

    assert cli("check", "--baseline", stored)[0] == 0

    def variant(name, edit):
        folder = tmp_path / name / "text-lexicon"
        shutil.copytree(stored, folder)
        doc = load_result(folder / "demo-basic.json")
        edit(doc, folder)
        (folder / "demo-basic.json").write_text(json.dumps(doc))
        return folder / "demo-basic.json"

    emptied = variant("emptied", lambda d, _: d.update(results=[]))
    code, out, _ = cli("check", "--baseline", emptied, "--format", "json")
    assert code == 1 and any(r["now"] != "absent" and r["baseline"] == "absent" for r in json.loads(out)["moved"])
    truncated = variant("truncated", lambda d, _: d.update(checkpoints=[]))
    assert cli("check", "--baseline", truncated)[0] == 1
    n_total = variant("n_total", lambda d, _: d["results"][0].update(n_total=d["results"][0]["n_total"] - 1))
    code, out, _ = cli("check", "--baseline", n_total, "--format", "json")
    assert code == 1 and [r["metric"] for r in json.loads(out)["moved"]] == ["n_total"]
    spec = variant("spec", lambda d, _: d["provenance"]["run_spec"].update(lexicon="native@000000000000"))
    code, out, _ = cli("check", "--baseline", spec, "--format", "json")
    assert code == 1 and any("run_spec.lexicon" in r["metric"] for r in json.loads(out)["moved"])

    def edit_rows(doc, folder, keep_checksum):
        f = samples_path(folder / "demo-basic.json")
        blocks = [json.loads(x) for x in f.read_text().splitlines()]  # a line per checkpoint, by column
        blocks[0]["columns"]["pred"][3] = "[furious]"
        text = "".join(json.dumps(b, separators=(",", ":"), ensure_ascii=False) + "\n" for b in blocks)
        f.write_text(text)
        if keep_checksum:
            doc["samples"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()

    rows_moved = variant("rows", lambda d, folder: edit_rows(d, folder, True))
    code, out, _ = cli("check", "--baseline", rows_moved, "--format", "json")
    assert code == 1 and [(r["checkpoint"], r["metric"]) for r in json.loads(out)["moved"]] == [("per-sample", "pred")]
    tampered = variant("tampered", lambda d, folder: edit_rows(d, folder, False))
    code, _, err = cli("check", "--baseline", tampered)
    assert code == 2 and "checksum" in err


def test_check_reads_a_row_per_line_store_against_a_fresh_run(stored, tmp_path, cli):
    """A store written one row per line (unibench.samples/2, nulls written out) checks clean against a fresh run,
    whose column store leaves those keys out; an edited row still moves."""
    import shutil

    from unibench.store import sample_rows

    folder = tmp_path / "old" / "text-lexicon"
    shutil.copytree(stored, folder)
    doc = load_result(folder / "demo-basic.json")
    rows = [dict(r, sentiment=None) for r in sample_rows(folder / "demo-basic.json", doc)]

    def write(rows):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        samples_path(folder / "demo-basic.json").write_text(text, encoding="utf-8")
        doc["samples"] = dict(doc["samples"], format="jsonl", sha256=hashlib.sha256(text.encode()).hexdigest())
        (folder / "demo-basic.json").write_text(json.dumps(doc))

    write(rows)
    assert cli("check", "--baseline", folder / "demo-basic.json")[0] == 0
    rows[2]["sentiment"] = "positive"
    write(rows)
    code, out, _ = cli("check", "--baseline", folder / "demo-basic.json", "--format", "json")
    assert code == 1 and [r["metric"] for r in json.loads(out)["moved"]] == ["sentiment"]
