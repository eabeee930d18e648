"""Extraction diagnostics and their warnings, `--extractor answer-tag`, and the text baselines following each
corpus card's `language` (issue 11), on small synthetic corpora in the upstream layouts."""

from __future__ import annotations

import csv
import json

import pytest

from tests.synth import make_lexicon, make_run, save_label_npz
from unibench.schema import Extraction, Response
from unibench.store import sample_rows

RUN = "r1_2025"
N = 411  # MER2023's published test size


def test_diagnostics_fields():
    from unibench.extract.diagnostics import diagnostics, in_chinese_script

    outputs = {"a": Response(text="happy"), "b": Response(text="他很生气"), "c": Response(text=None),
               "d": Response(text='He says "我很好" and smiles.')}
    ext = {"a": Extraction(labels="[happy, glad]"), "b": Extraction(labels="[]"), "c": Extraction(labels="[]"),
           "d": Extraction(labels="[]", sentiment="positive")}
    d = diagnostics(outputs, ext, ["a", "b", "c", "d"])
    assert d["share_empty"] == pytest.approx(2 / 4)          # b and c: no label and no sentiment word
    assert d["mean_labels"] == pytest.approx(2 / 4)
    texts = [outputs[k].text for k in ("a", "b", "d")]
    assert d["mean_response_chars"] == pytest.approx(sum(map(len, texts)) / 3)  # responses with text only
    assert d["share_chinese"] == pytest.approx(1 / 3)        # an English answer quoting Chinese is not Chinese
    assert in_chinese_script("他很生气") and not in_chinese_script("angry 生")
    assert diagnostics(None, ext, ["a"])["mean_response_chars"] is None


def _world(tmp_path, responses):
    """MER2023-shaped labels (happy / sad / neutral in turn) and one checkpoint of the given responses."""
    data, out = tmp_path / "data", tmp_path / "output"
    names = [f"sample_{i:08d}" for i in range(N)]
    gold = {n: {"emo": ["happy", "sad", "neutral"][i % 3], "val": 0.0} for i, n in enumerate(names)}
    save_label_npz(data / "mer2023-dataset-process/label-6way.npz", {"test1_corpus": gold})
    make_run(out, "mer2023", RUN, "checkpoint_000010_loss_0.5", {n: responses(i) for i, n in enumerate(names)},
             None)
    return data, out


def _run(cli, tmp_path, data, out, *extra):
    return cli("run", "--model", f"affectgpt-npz:{out}", "--data-root", data, "--dataset", "mer2023",
               "--results-dir", tmp_path / "res", "--name", "toy", "--format", "json", "--bootstrap", "0", *extra)


def test_answer_tag_route(cli, tmp_path):
    """The last <answer> counts; a response without the tag is a failed extraction, counted and reported."""
    def responses(i):
        if i % 3 == 0:
            return "<think>maybe sad</think><answer>sad</answer> ... <answer>happy, glad</answer>"
        if i % 3 == 1:
            return "<answer>Sad and lonely.</answer>"
        return "neutral, I think" if i % 9 == 2 else "<answer></answer>"  # 46 without the tag, 91 empty answers

    data, out = _world(tmp_path, responses)
    code, stdout, err = _run(cli, tmp_path, data, out, "--extractor", "answer-tag", "--max-failed", "1",
                             "--lexicon", make_lexicon(tmp_path / "wheel"))
    assert code == 0, err
    (r,) = json.loads(stdout)["results"]
    n_missing = sum(1 for i in range(N) if i % 9 == 2)
    assert r["n_failed"] == n_missing and r["n_failed_extractions"] == n_missing
    assert "no <answer>...</answer>" in next(iter(r["failure_examples"]))
    assert r["score"] == pytest.approx(100.0)  # happy and sad samples hit on every wheel; neutral is not scored
    stored = json.loads((tmp_path / "res" / "toy" / "mer2023.json").read_text())
    assert stored["extractor"]["id"] == "answer-tag" and stored["extractor"]["settings"]["tag"] == "answer"
    preds = {rec["id"]: rec["pred"] for rec in sample_rows(tmp_path / "res" / "toy" / "mer2023.json", stored)}
    assert preds["sample_00000000"] == "[happy, glad]" and preds["sample_00000001"] == "[Sad, lonely]"
    assert "warning:" in err and "failed" in err  # counted failures are reported on stderr


def test_answer_tag_option_and_sentiment():
    from unibench.errors import UserError
    from unibench.extract import EXTRACTORS

    cls = EXTRACTORS.get("answer-tag")
    ex = cls(tag="emotion")
    got = ex.extract(None, "sentiment", {"a": Response(text="<emotion>positive</emotion>"),
                                         "b": Response(text="<EMOTION> -1.5 </EMOTION>"),
                                         "c": Response(text="<emotion>happy, and excited</emotion>"),
                                         "d": Response(text="<answer>sad</answer>")})
    assert got["a"].sentiment == "positive" and got["b"].sentiment == "negative"
    assert got["c"].labels == "[happy, excited]" and got["c"].sentiment == "positive"
    assert got["d"].error and got["d"].labels == "[]"  # the configured tag only
    assert ex.version != cls().version  # the tag is part of the identity
    with pytest.raises(UserError, match="tag name"):
        cls(tag="a>b")


def test_diagnostic_warnings(cli, tmp_path):
    """Empty extractions, Chinese responses on an English-only route, long descriptions: warnings, exit 0."""
    lex = make_lexicon(tmp_path / "wheel")  # the upstream tables: English only
    long_text = "The person in the video sits at a table and talks about the weather. " * 16

    def responses(i):
        return "他看起来很开心。" if i % 2 else long_text

    data, out = _world(tmp_path, responses)
    code, stdout, err = _run(cli, tmp_path, data, out, "--extractor", "lexicon", "--lexicon", lex)
    assert code == 0, err
    (r,) = json.loads(stdout)["results"]
    d = r["diagnostics"]
    # the Chinese answers yield Chinese words that these tables cannot map; the weather talk yields nothing
    assert d["share_empty"] == pytest.approx(206 / 411) and d["share_chinese"] == pytest.approx(205 / 411)
    assert r["score"] == pytest.approx(0.0)
    lines = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert any("extractions are empty" in ln for ln in lines)
    assert any("Chinese script" in ln and "reads en only" in ln for ln in lines)
    assert any("has not met its target on descriptions" in ln for ln in lines)
    # the native lexicon reads Chinese: no language warning, and the Chinese answers are found
    code, stdout, err = _run(cli, tmp_path, data, out, "--extractor", "lexicon")
    assert code == 0 and "Chinese script" not in err
    assert json.loads(stdout)["results"][0]["diagnostics"]["share_empty"] == pytest.approx(206 / 411)


def test_diagnostics_in_the_run_table(cli, tmp_path):
    data, out = _world(tmp_path, lambda i: "The character's emotional state is happy, glad.")
    code, stdout, err = cli("run", "--model", f"affectgpt-npz:{out}", "--data-root", data, "--dataset", "mer2023",
                            "--results-dir", tmp_path / "res", "--bootstrap", "0", "--extractor", "lexicon")
    assert code == 0, err
    assert "[empty 0% | 2.0 labels | 47 chars | zh 0%]" in stdout


# ---- the text baselines follow the card's language ---------------------------------------------------------------

@pytest.fixture
def chinese_corpus(tmp_path):
    """A MER2024-shaped corpus (card language zh) of three samples with Chinese subtitles (run with
    --allow-partial)."""
    folder = tmp_path / "data" / "mer2024-dataset-process"
    rows = [("a", "我真的很生气！", "angry"), ("b", "太好了，我好开心。", "happy"), ("c", "明天开会。", "neutral")]
    save_label_npz(folder / "label-6way.npz", {"test1_corpus": {n: {"emo": g, "val": 0.0} for n, _, g in rows}})
    with open(folder / "transcription_merge.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "chinese", "english"])
        w.writerows([n, s, ""] for n, s, _ in rows)
    return tmp_path / "data"


@pytest.mark.parametrize("model,lexicon,fix", [("text-embed", None, "text-lexicon"),
                                               ("text-lexicon", "upstream", "--lexicon native")])
def test_english_only_baseline_refuses_a_chinese_corpus(cli, tmp_path, chinese_corpus, model, lexicon, fix):
    extra = ["--lexicon", make_lexicon(tmp_path / "wheel")] if lexicon else []
    code, out, err = cli("run", "--model", model, "--dataset", "mer2024", "--data-root", chinese_corpus,
                         "--allow-partial", "--results-dir", tmp_path / "res", "--bootstrap", "0", *extra)
    assert code == 2 and out == ""
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    assert "mer2024" in line and "'zh'" in line and fix in line
    assert not (tmp_path / "res").exists()  # nothing half-written


def test_text_lexicon_reads_a_chinese_corpus_with_the_native_lexicon(cli, tmp_path, chinese_corpus):
    code, out, err = cli("run", "--model", "text-lexicon", "--dataset", "mer2024", "--data-root", chinese_corpus,
                         "--allow-partial", "--results-dir", tmp_path / "res", "--bootstrap", "0", "--format", "json")
    assert code == 0, err
    (r,) = json.loads(out)["results"]
    # the baseline's response text is its label list: "[]" for the neutral subtitle is not Chinese script
    assert r["score"] == pytest.approx(100.0) and r["diagnostics"]["share_chinese"] == pytest.approx(2 / 3)
    stored = json.loads((tmp_path / "res" / "text-lexicon" / "mer2024.partial.json").read_text())
    rows = sample_rows(tmp_path / "res" / "text-lexicon" / "mer2024.partial.json", stored)
    assert [x["pred"] for x in rows] == ["[生气]", "[开心]", "[]"]
