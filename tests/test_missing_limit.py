"""`--missing wrong` scores samples the predictions lack as wrong (counted, partial); `--limit N` is a trial run."""

from __future__ import annotations

import csv
import json

import pytest

import unibench


@pytest.fixture(scope="module")
def gold():
    run = unibench.evaluate("text-lexicon", ["demo-basic"], bootstrap=0)
    return {g.id: g.gold for g in run.results[0].corpus.gold}


def _preds(path, gold, drop=()):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "label"])
        w.writerows([k, v] for k, v in gold.items() if k not in drop)
    return path


def test_missing_samples_scored_as_wrong_by_hand(cli, gold, tmp_path):
    full = unibench.evaluate(f"preds:{_preds(tmp_path / 'full.csv', gold)}", ["demo-basic"], bootstrap=0)
    rows = {r["id"]: r for r in full.results[0].rows}
    s = full.results[0].selected[0]
    assert s.score == pytest.approx(100.0)  # the gold label as the prediction hits wherever gold is scored
    drop = [k for k in gold if any(v is not None for v in rows[k]["hit"].values())][:6]
    path = _preds(tmp_path / "short.csv", gold, drop)
    code, _, err = cli("run", "--model", f"preds:{path}", "--dataset", "demo-basic", "--results-dir", tmp_path / "r")
    assert code == 2 and "miss 6 of" in err  # the default refuses
    code, out, err = cli("run", "--model", f"preds:{path}", "--dataset", "demo-basic", "--results-dir",
                         tmp_path / "r", "--missing", "wrong", "--bootstrap", "0", "--format", "json", "--name", "m")
    assert code == 0, err
    (r,) = json.loads(out)["results"]
    # per wheel: (scored - dropped scored on that wheel) / scored, mean over the wheels
    expected = []
    for w, pw in s.per_wheel.items():
        d = sum(1 for k in drop if rows[k]["hit"][w] is not None)
        expected.append(100.0 * (pw["n"] - d) / pw["n"])
    assert r["score"] == pytest.approx(sum(expected) / len(expected))
    assert r["n_missing"] == 6 and r["partial"] is True and r["n_failed"] == 0
    assert (tmp_path / "r" / "m" / "demo-basic.partial.json").is_file()
    assert not (tmp_path / "r" / "m" / "demo-basic.json").exists()


def test_limit_is_a_partial_trial_run(cli, gold, tmp_path):
    path = _preds(tmp_path / "full.csv", gold)
    code, out, err = cli("run", "--model", f"preds:{path}", "--dataset", "demo-basic", "--results-dir", tmp_path / "r",
                         "--limit", "10", "--bootstrap", "0", "--format", "json", "--name", "m")
    assert code == 0, err
    (r,) = json.loads(out)["results"]
    assert r["n_total"] == 10 and r["partial"] is True
    doc = json.loads((tmp_path / "r" / "m" / "demo-basic.partial.json").read_text())
    assert doc["provenance"]["run_spec"]["limit"] == 10
    assert cli("run", "--model", f"preds:{path}", "--dataset", "demo-basic", "--limit", "0")[0] == 2
