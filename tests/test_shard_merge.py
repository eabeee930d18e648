"""`run --shard i/N` + `merge` give exactly the results of one unsharded run; bad shard sets are clear errors."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.test_pipeline_synthetic import world  # noqa: F401  (fixture)


def _run(cli, w, *extra):
    return cli("run", "--model", f"affectgpt-npz:{w['out']}", "--data-root", w["data"], "--lexicon", w["lex"],
               "--results-dir", w["res"], "--name", "toy", "--format", "json", "--dataset", "mer2023,mosi", *extra)


def _strip(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    prov = doc["provenance"]
    for k in ("created_at", "command", "merged_from"):
        prov.pop(k, None)
    return doc


def test_shards_merge_to_the_unsharded_result(cli, world, tmp_path):
    code, out, err = _run(cli, world)
    assert code == 0, err
    single = {d: json.loads((world["res"] / "toy" / f"{d}.json").read_text()) for d in ("mer2023", "mosi")}
    shutil.rmtree(world["res"])
    sizes = []
    for i in range(3):
        code, out, err = _run(cli, world, "--shard", f"{i}/3")
        assert code == 0, err
        sizes.append({r["dataset"]: r["n_samples"] for r in json.loads(out)["shards"]})
    assert sum(s["mer2023"] for s in sizes) == 411 and min(s["mer2023"] for s in sizes) > 100
    assert not (world["res"] / "toy" / "mer2023.json").exists()  # shards are not results
    code, out, err = cli("merge", "--results-dir", world["res"], "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["merged"]) == 2
    for d in ("mer2023", "mosi"):
        merged = json.loads((world["res"] / "toy" / f"{d}.json").read_text())
        assert _strip(merged) == _strip(single[d])
        assert "--shard" not in merged["provenance"]["command"] and len(merged["provenance"]["merged_from"]) == 3


def test_shard_assignment_is_stable_and_disjoint():
    from unibench.shard import shard_of

    ids = [f"s{i}" for i in range(1000)]
    assert [shard_of(i, 4) for i in ids] == [shard_of(i, 4) for i in reversed(ids)][::-1]
    assert shard_of("sample_00000001", 7) == shard_of("sample_00000001", 7)


@pytest.mark.parametrize("damage, message", [
    ("missing", "missing shard(s) 1 of 3"),
    ("mixed", "different N"),
    ("duplicate", "belong to another shard"),
    ("inconsistent", "differs from shard 0"),
])
def test_bad_shard_sets_are_clear_errors(cli, world, damage, message):
    for i in range(3):
        assert _run(cli, world, "--shard", f"{i}/3", "--dataset", "mer2023")[0] == 0
    folder = world["res"] / "toy"
    s0, s1 = folder / "mer2023.shard-0-of-3.json", folder / "mer2023.shard-1-of-3.json"
    if damage == "missing":
        s1.unlink()
    elif damage == "mixed":
        assert _run(cli, world, "--shard", "0/2", "--dataset", "mer2023")[0] == 0
    elif damage == "duplicate":  # shard 0's samples copied into shard 1
        d0, d1 = json.loads(s0.read_text()), json.loads(s1.read_text())
        for a, b in zip(d0["checkpoints"], d1["checkpoints"]):
            b["extractions"].update(a["extractions"])
        s1.write_text(json.dumps(d1))
    else:  # shard 1 from another checkpoint policy
        d1 = json.loads(s1.read_text())
        d1["consistent"]["checkpoint_policy"] = "last"
        s1.write_text(json.dumps(d1))
    code, out, err = cli("merge", "--results-dir", world["res"], "--dataset", "mer2023")
    assert code == 2 and message in err, err
    assert not (folder / "mer2023.json").exists()


def test_bad_shard_argument(cli, world):
    code, _, err = _run(cli, world, "--shard", "3/3")
    assert code == 2 and "0 <= i < N" in err
