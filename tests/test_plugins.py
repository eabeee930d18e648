"""Plug-in adapters: a class loaded from a file path, one registered through the `unibench.adapters` entry-point
group (a fake distribution on sys.path), and `unibench models`."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from tests.synth import make_lexicon, save_label_npz

EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]

PLUGIN = textwrap.dedent('''
    """A toy classifier plug-in."""
    from unibench.adapters import ModelAdapter
    from unibench.schema import Response


    EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]


    class Oracle(ModelAdapter):
        """Knows how the test corpus was built (label i mod 6): it never sees gold, samples carry none."""

        kind = "oracle"

        def default_extractor(self):
            return "given"

        def outputs(self, checkpoint, samples):
            return {s.id: Response(label=EMOS[int(s.id.split("_")[1]) % 6]) for s in samples}


    class NotAnAdapter:
        pass
''')


@pytest.fixture
def world(tmp_path):
    data = tmp_path / "data"
    mer = {f"sample_{i:08d}": {"emo": EMOS[i % 6], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"test1_corpus": mer})
    plug = tmp_path / "my_plugin.py"
    plug.write_text(PLUGIN)
    return {"data": data, "lex": make_lexicon(tmp_path / "ew"), "res": tmp_path / "res", "plug": plug, "tmp": tmp_path}


def run(cli, w, model, *extra):
    return cli("run", "--model", model, "--dataset", "mer2023", "--data-root", w["data"], "--lexicon", w["lex"],
               "--results-dir", w["res"], "--format", "json", *extra)


def test_plugin_class_from_a_file(cli, world):
    code, out, err = run(cli, world, f"{world['plug']}:Oracle", "--name", "oracle")
    assert code == 0, err
    doc = json.loads(out)
    r = doc["results"][0]
    assert doc["extractor"]["id"] == "given" and r["secondary"]["merbench_acc"] == pytest.approx(100.0)
    assert r["checkpoint"] == "oracle"
    stored = json.loads((world["res"] / "oracle" / "mer2023.json").read_text())
    assert stored["model"]["kind"] == "oracle"


@pytest.mark.parametrize("target, match", [
    ("Missing", "no class 'Missing'; adapters in the file: Oracle"),
    ("NotAnAdapter", "is not a subclass of unibench.adapters.ModelAdapter"),
])
def test_plugin_file_errors(cli, world, target, match):
    code, out, err = run(cli, world, f"{world['plug']}:{target}")
    assert code == 2 and match in err and "\n" not in err.strip() and out == ""


def test_plugin_file_that_fails_to_import(cli, world):
    bad = world["tmp"] / "broken.py"
    bad.write_text("import not_a_module_anywhere\n")
    code, _, err = run(cli, world, f"{bad}:X")
    assert code == 2 and "importing the plug-in failed (ModuleNotFoundError" in err
    code, _, err = run(cli, world, f"{world['tmp'] / 'absent.py'}:X")
    assert code == 2 and "no such file" in err


@pytest.fixture
def entry_point_plugin(tmp_path, monkeypatch):
    """A fake installed distribution: a module plus a *.dist-info with entry_points.txt, on sys.path."""
    from unibench.adapters.base import ADAPTERS

    site = tmp_path / "site"
    (site / "fakeplug-0.1.dist-info").mkdir(parents=True)
    (site / "fakeplug-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 0.1\n")
    (site / "fakeplug-0.1.dist-info" / "entry_points.txt").write_text(
        "[unibench.adapters]\nfake-oracle = fakeplug_mod:Oracle\nfake-broken = fakeplug_mod:Nope\n")
    (site / "fakeplug_mod.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    ADAPTERS._plugins_loaded = False  # rescan the entry points with the fake distribution visible
    yield
    for name in ("fake-oracle", "fake-broken"):
        ADAPTERS._entries.pop(name, None)
        ADAPTERS._aliases.pop(name, None)
    ADAPTERS._plugins_loaded = False
    sys.modules.pop("fakeplug_mod", None)


def test_plugin_from_an_entry_point(cli, world, entry_point_plugin):
    code, out, err = run(cli, world, "fake-oracle:anything")
    assert code == 0, err
    assert json.loads(out)["results"][0]["secondary"]["merbench_waf"] == pytest.approx(100.0)
    code, out, err = cli("models", "--format", "json")
    assert code == 0, err
    kinds = {k["kind"]: k for k in json.loads(out)["adapters"]}
    assert kinds["fake-oracle"]["source"] == "entry point" and kinds["fake-oracle"]["distribution"] == "fakeplug"
    assert kinds["fake-oracle"]["description"].startswith("Knows how the test corpus was built")
    assert "error" in kinds["fake-broken"]  # a broken plug-in is listed, not fatal
    assert kinds["preds"]["source"] == kinds["affectgpt-npz"]["source"] == "built-in"
    code, _, err = run(cli, world, "fake-broken:x")
    assert code == 2 and "model adapter 'fake-broken' failed to load" in err
    code, _, err = run(cli, world, "fake-orcle:x")
    assert code == 2 and "did you mean 'fake-oracle'" in err


def test_models_lists_kinds_and_cards(cli, tmp_path, monkeypatch):
    cards = tmp_path / "adapters"
    cards.mkdir()
    (cards / "gpt-4o.yaml").write_text("description: GPT-4o through my proxy\nmodel: gpt-4o\nbase_url: http://proxy/v1\n")
    (cards / "bare.yaml").write_text("model: x\n")
    (cards / "broken.yaml").write_text("kind: [unclosed\n")
    code, out, err = cli("models", "--adapters-dir", cards, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"affectgpt-npz", "preds"} <= {k["kind"] for k in doc["adapters"]}
    by = {c["name"]: c for c in doc["cards"]}
    # the user's folder is searched first, so its gpt-4o card wins over the shipped one
    assert by["gpt-4o"]["description"] == "GPT-4o through my proxy" and by["gpt-4o"]["path"].startswith(str(cards))
    assert "description" not in by["bare"] and "error" in by["broken"]
    assert "qwen2.5-omni-7b" in by  # shipped example cards are listed too
    monkeypatch.setenv("UNIBENCH_ADAPTERS", str(cards))
    code, out, _ = cli("models")
    assert code == 0 and "gpt-4o" in out and "preds" in out and "file.py:ClassName" in out
    monkeypatch.setenv("UNIBENCH_ADAPTERS", str(tmp_path / "none"))
    code, out, _ = cli("models")
    assert code == 0 and "through my proxy" not in out and "qwen2.5-omni-7b" in out
    code, _, err = cli("models", "--adapters-dir", tmp_path / "none")
    assert code == 2 and "no such folder" in err


def test_the_documented_example_runs(cli, tmp_path):
    """docs/plugins.md's complete example, extracted from the page and run on a MOSI-shaped corpus."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    code = page.split("## A complete example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "sentiment_rule.py").write_text(code)
    mosi = {f"vid{i // 10}_{i % 10}": {"emo": 0, "val": [1.5, -2.0][i % 2]} for i in range(686)}
    save_label_npz(tmp_path / "data/cmumosi-process/label.npz", {"test_corpus": mosi})
    rc, out, err = cli("run", "--model", f"{tmp_path / 'sentiment_rule.py'}:SentimentRule", "--dataset", "mosi",
                       "--data-root", tmp_path / "data", "--results-dir", tmp_path / "res", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)
    r = doc["results"][0]
    assert doc["extractor"]["id"] == "given"
    assert r["secondary"]["merbench_acc"] == pytest.approx(50.0)  # all neutral -> all negative
