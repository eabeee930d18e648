"""The library surface: evaluate -> frames -> save -> load_results; rescore equals a fresh run; the model side
never sees gold; stored files validate against docs/schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import unibench
from unibench.store import load_result, sample_rows, samples_path

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schemas"
STRIP = ("created_at", "command")


def _strip(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    for k in STRIP:
        doc["provenance"].pop(k, None)
    doc["provenance"]["run_spec"].pop("locations", None)
    return doc


@pytest.fixture(scope="module")
def ref_run(reference):
    return unibench.evaluate(f"affectgpt-npz:{reference / 'output'}", ["mer2023", "mosi"],
                             data_root=reference / "dataset",
                             lexicon=f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}")


def test_api_round_trip_gives_the_paper_digits(ref_run, reference, tmp_path, cli):
    frame = ref_run.to_frame()
    assert list(frame["dataset"]) == ["mer2023", "mosi"]
    assert frame.loc[0, "score"] == pytest.approx(78.53869969040247, abs=1e-9)
    assert frame.loc[1, "score"] == pytest.approx(81.30135648592024, abs=1e-9)
    assert set(frame.columns) >= {"model", "dataset", "checkpoint", "selection", "metric", "score", "ci_low",
                                  "ci_high", "n", "n_failed", "lexicon", "extractor", "setting"}
    assert frame.loc[0, "selection"] == "best of 7 on test" and frame.loc[0, "ci_low"] < 78.54 < frame.loc[0, "ci_high"]
    samples = ref_run.to_frame(samples=True)
    assert len(samples) == 7 * (411 + 686)  # every checkpoint's samples, not only the kept one
    assert {"model", "dataset", "checkpoint", "id", "gold", "prediction", "response", "error"} <= set(samples.columns)
    written = ref_run.save(tmp_path / "api")
    assert sorted(p.name for p in written) == ["mer2023.json", "mer2023.samples.jsonl", "mosi.json",
                                               "mosi.samples.jsonl"]
    # the CLI writes exactly what Run.save writes
    code, _, err = cli("run", "--model", f"affectgpt-npz:{reference / 'output'}", "--dataset", "mer2023,mosi",
                       "--data-root", reference / "dataset", "--lexicon",
                       f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}", "--results-dir", tmp_path / "cli",
                       "--name", ref_run.name)
    assert code == 0, err
    for ds in ("mer2023", "mosi"):
        a = load_result(tmp_path / "api" / ref_run.name / f"{ds}.json")
        b = load_result(tmp_path / "cli" / ref_run.name / f"{ds}.json")
        assert _strip(a) == _strip(b)
        assert (tmp_path / "api" / ref_run.name / f"{ds}.samples.jsonl").read_bytes() == \
               (tmp_path / "cli" / ref_run.name / f"{ds}.samples.jsonl").read_bytes()
    loaded = unibench.load_results(tmp_path / "api")
    assert list(loaded["score"]) == list(frame["score"]) and list(loaded["run_spec_hash"]) == list(frame["run_spec_hash"])
    assert len(unibench.load_results(tmp_path / "api", samples=True)) == len(samples)
    assert [r.spec.hash() for r in ref_run.results] == list(frame["run_spec_hash"])


def test_load_results_reads_result_1_files(tmp_path):
    old = {"schema": "unibench.result/1", "model": {"name": "m", "kind": "preds"}, "dataset": {"name": "mosi"},
           "lexicon": {"id": "affectgpt", "version": "v"}, "extractor": {"id": "given", "version": "1"},
           "results": [{"dataset": "mosi", "checkpoint": "m", "metric": "waf", "score": 70.0, "n": 3, "n_total": 4,
                        "selection": "single checkpoint"}],
           "records": {"m": [{"id": "a", "gold": 1.0, "pred": "", "sentiment": "positive", "polarity": 1}]},
           "provenance": {"run_spec": {"protocol": "mer-unibench", "lexicon": "affectgpt@v", "extractor": "given@1",
                                       "model": "m"}}}
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "mosi.json").write_text(json.dumps(old))
    frame = unibench.load_results(tmp_path)
    assert frame.loc[0, "score"] == 70.0 and frame.loc[0, "extractor"] == "given@1"
    assert list(unibench.load_results(tmp_path, samples=True)["value"]) == [1]


def test_stored_files_validate_against_the_json_schemas(ref_run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    result_schema = json.loads((SCHEMAS / "result-2.json").read_text())
    row_schema = json.loads((SCHEMAS / "samples-2.json").read_text())
    line_schema = json.loads((SCHEMAS / "samples-3.json").read_text())
    ref_run.save(tmp_path)
    for f in sorted((tmp_path / ref_run.name).glob("*.json")):
        doc = load_result(f)
        jsonschema.validate(doc, result_schema)
        lines = samples_path(f).read_text().splitlines()
        assert len(lines) == len(doc["checkpoints"])  # a line per checkpoint
        for line in lines:
            jsonschema.validate(json.loads(line), line_schema)
        rows = sample_rows(f, doc)
        assert len(rows) == doc["samples"]["rows"]
        for row in rows[:: max(1, len(rows) // 200)]:
            jsonschema.validate(row, row_schema)
    broken = load_result(tmp_path / ref_run.name / "mosi.json")
    broken["results"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, result_schema)
    committed = Path(__file__).resolve().parents[1] / "results" / "affectgpt-reproduced"
    for f in sorted(committed.glob("*.json")):
        jsonschema.validate(load_result(f), result_schema)


def _same_run(a, b) -> None:
    """Two Runs give the same stored documents (but for when and how they were made) and the same rows."""
    from unibench.store import result_document

    assert [r.name for r in a.results] == [r.name for r in b.results]
    for x, y in zip(a.results, b.results):
        assert _strip(result_document(x, "")) == _strip(result_document(y, ""))
        assert x.rows == y.rows


def test_rescore_with_another_lexicon_equals_a_fresh_run(ref_run, reference, tmp_path):
    lex26 = f"mer2026:{reference / 'MER2026' / 'emotion_wheel'}"
    ref_run.save(tmp_path)
    again = unibench.rescore(tmp_path / ref_run.name, lexicon=lex26)
    fresh = unibench.evaluate(f"affectgpt-npz:{reference / 'output'}", ["mer2023", "mosi"],
                              data_root=reference / "dataset", lexicon=lex26)
    _same_run(again, fresh)
    assert again.results[0].spec.lexicon.startswith("mer2026@")


def test_rescore_with_the_lexicon_extractor_equals_a_fresh_run(ref_run, reference, tmp_path, cli):
    lex = f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}"
    ref_run.save(tmp_path)
    again = unibench.rescore(tmp_path / ref_run.name, extractor="lexicon", datasets=["mer2023"])
    fresh = unibench.evaluate(f"affectgpt-npz:{reference / 'output'}", ["mer2023"],
                              data_root=reference / "dataset", lexicon=lex, extractor="lexicon")
    _same_run(again, fresh)
    # the command line writes it under a name of its own, never over the stored run
    code, out, err = cli("rescore", tmp_path / ref_run.name, "--extractor", "lexicon", "--dataset", "mer2023",
                         "--results-dir", tmp_path, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["model"] == f"{ref_run.name}+lexicon"
    assert (tmp_path / f"{ref_run.name}+lexicon" / "mer2023.json").is_file()


def test_rescore_refuses_results_stored_without_records(reference, tmp_path, cli):
    code, _, err = cli("run", "--model", f"affectgpt-npz:{reference / 'output'}", "--dataset", "mosi",
                       "--data-root", reference / "dataset", "--results-dir", tmp_path, "--name", "m", "--no-records",
                       "--bootstrap", "0")
    assert code == 0, err
    code, _, err = cli("rescore", tmp_path / "m", "--lexicon", "native", "--results-dir", tmp_path)
    assert code == 2 and "--no-records" in err
    code, _, err = cli("rescore", tmp_path / "m", "--results-dir", tmp_path)
    assert code == 2 and "--lexicon and/or --extractor" in err


SPY = '''
from unibench.adapters import ModelAdapter
from unibench.schema import Response

SEEN = []


class Spy(ModelAdapter):
    kind = "spy"

    def default_extractor(self):
        return "given"

    def outputs(self, checkpoint, samples):
        SEEN.extend(samples)
        return {s.id: Response(label="happy") for s in samples}
'''


def test_a_plugin_sees_no_gold_and_gets_subtitles(tmp_path):
    import dataclasses
    import sys

    (tmp_path / "spy_plugin.py").write_text(SPY)
    run = unibench.evaluate(f"{tmp_path / 'spy_plugin.py'}:Spy", ["demo-basic"], bootstrap=0)
    spy = sys.modules[next(m for m in sys.modules if m.endswith("spy_plugin") or "spy_plugin" in m)]
    seen = spy.SEEN
    assert len(seen) == run.results[0].selected[0].n_total == len(run.results[0].corpus.gold) > 0
    for s in seen:
        names = {f.name for f in dataclasses.fields(s)}
        assert "gold" not in names and not hasattr(s, "gold")
        assert isinstance(s.subtitle, str) and s.subtitle  # subtitles are loaded by default


def test_saved_outputs_load_no_subtitles_and_score_the_same(tmp_path):
    """Adapters that only read saved outputs (reads_inputs False) skip the subtitle file; the numbers do not
    depend on it (the same corpus loaded with subtitles scores the same)."""
    from unibench.adapters.affectgpt_npz import AffectGPTNpz
    from unibench.adapters.base import ModelAdapter
    from unibench.adapters.preds import PredsAdapter
    from unibench.datasets import load_corpus
    from unibench.datasets.cards import get_card

    assert ModelAdapter.reads_inputs and not AffectGPTNpz.reads_inputs and not PredsAdapter.reads_inputs
    run = unibench.evaluate("text-lexicon", ["demo-basic"], bootstrap=0)
    assert run.results[0].corpus.samples[0].subtitle  # a model that reads the inputs gets them
    card = get_card("demo-basic")
    bare = load_corpus(card, None, subtitles=False)
    assert all(s.subtitle is None for s in bare.samples)
    assert bare.gold == load_corpus(card, None).gold
