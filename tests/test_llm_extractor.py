"""`--extractor llm` reproduces the upstream cached extractions exactly, through a real loopback server.

The server knows nothing of unibench: it answers a request only if its prompt is, byte for byte, the upstream
template (written out literally below, from AffectGPT toolkit/utils/qwen.py) filled with the model's raw response
(prompt A) or with A's cached answer (prompt B). Anything else gets a 404, so a one-byte drift fails loudly.
"""

from __future__ import annotations

import collections
import hashlib
import json

import pytest

from tests.fake_server import FakeServer, Reply, completion_body

A = ("Please assume the role of an expert in the field of emotions. We provide clues that may be related to the "
     "emotions of the characters. Based on the provided clues, please identify the emotional states of the main "
     "character. The main character is the one with the most detailed clues. Please separate different emotional "
     "categories with commas and output only the clearly identifiable emotional categories in a list format. If none "
     "are identified, please output an empty list. Input: We cannot recognize his emotional state; Output: [] Input: "
     "His emotional state is happy, sad, and angry; Output: [happy, sad, angry] Input: {reason}; Output: ")
B = ("Please act as an expert in the field of emotions.             We provide a few words to describe the emotions "
     "of a character.             Please choose the most likely sentiment from the given candidates: [positive, "
     "negative, neutral]             Please direct output answer without analyzing process.             Input: "
     "[joyful]; Output: positive             Input: []; Output: neutral             Input: {reason}; Output: ")
CHECKPOINTS = ("checkpoint_000030_loss_0.602", "checkpoint_000040_loss_0.569", "checkpoint_000050_loss_0.527")


def seed(checkpoint: str, sample: str) -> int:  # the documented per-sample seed (docs/models.md)
    return int.from_bytes(hashlib.sha256(f"{checkpoint}/{sample}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def test_templates_have_the_upstream_shape():
    assert B.count(" " * 13) == 6 and " " * 14 not in B and "  " not in A


@pytest.fixture(scope="module")
def upstream(reference, tmp_path_factory):
    """An output tree with 3 checkpoints of MER2023 and CMU-MOSI (symlinks), and the server's answer table."""
    from unibench.extract.cache import read_pairs
    from unibench.safe_npz import load_npz

    root = tmp_path_factory.mktemp("out")
    table: dict[str, dict[int, str]] = collections.defaultdict(dict)
    for ds in ("mer2023", "cmumosi"):
        (run,) = [d for d in (reference / "output" / f"results-{ds}").iterdir() if d.is_dir()]
        dest = root / f"results-{ds}" / run.name
        dest.mkdir(parents=True)
        for ck in CHECKPOINTS:
            for f in run.glob(f"{ck}*.npz"):
                (dest / f.name).symlink_to(f)
            reasons = load_npz(run / f"{ck}.npz")["name2reason"]
            openset = read_pairs(run / f"{ck}-openset.npz")
            for name, reason in reasons.items():
                table[A.replace("{reason}", reason)][seed(ck, name)] = openset[name]
            if ds == "cmumosi":
                for name, sentiment in read_pairs(run / f"{ck}-openset-sentiment.npz").items():
                    table[B.replace("{reason}", openset[name])][seed(ck, name)] = sentiment
    return root, table


def answer_from(table):
    def script(payload: dict, nth: int) -> Reply:
        answers = table.get(payload["messages"][0]["content"])
        if len(payload["messages"]) != 1 or payload["messages"][0]["role"] != "user" or answers is None:
            return Reply(status=404, body=b'{"error": {"message": "unknown prompt"}}')
        text = answers.get(payload.get("seed"))
        if text is None:  # a prompt drawn several times upstream needs the seed; a unique one does not
            vals = set(answers.values())
            if len(vals) != 1:
                return Reply(status=404, body=b'{"error": {"message": "unknown seed"}}')
            text = vals.pop()
        # dress the answer the way Qwen sometimes does, so the post-processing is exercised
        return Reply(body=completion_body(f"  输出：{text}\n", payload["model"]))
    return script


def _run(cli, reference, out, results, *extra):
    code, stdout, err = cli("run", "--model", f"affectgpt-npz:{out}", "--dataset", "mer2023,mosi", "--data-root",
                            reference / "dataset", "--lexicon", reference / "AffectGPT/emotion_wheel",
                            "--checkpoint", "all", "--results-dir", results, "--format", "json", "--name", "m", *extra)
    return code, (json.loads(stdout) if code == 0 else None), err


def _scores(doc):
    return {(r["dataset"], r["checkpoint"]): (r["score"], r.get("secondary", {}).get("acc"), r["per_wheel"])
            for r in doc["results"]}


def test_llm_equals_cache_on_the_reference_outputs(cli, reference, upstream, tmp_path, monkeypatch):
    out, table = upstream
    # upstream sampled: some prompts got different answers for different samples; only the seed tells them apart
    assert sum(len(set(v.values())) > 1 for v in table.values()) >= 3
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, cached, err = _run(cli, reference, out, tmp_path / "r1")
    assert code == 0, err
    with FakeServer(payload_script=answer_from(table)) as srv:
        code, live, err = _run(cli, reference, out, tmp_path / "r2", "--extractor", "llm", "--extractor-base-url",
                               srv.base_url)
        assert code == 0, err
        assert _scores(live) == _scores(cached)
        assert all(r["n_failed"] == 0 for r in live["results"])
        assert live["extractor"]["id"] == "llm"
        sent = srv.calls
        assert sent == live["extractor_calls"]["http_calls"] > 0
        first = srv.payloads[0]
        assert first["temperature"] == 0.7 and first["top_p"] == 0.8 and first["max_tokens"] == 512
        assert first["repetition_penalty"] == 1.05 and isinstance(first["seed"], int)
        # a re-run is answered from the cache: zero calls, same numbers
        code, again, err = _run(cli, reference, out, tmp_path / "r3", "--extractor", "llm", "--extractor-base-url",
                                srv.base_url)
        assert code == 0 and srv.calls == sent and _scores(again) == _scores(cached)
    stored = json.loads((tmp_path / "r2" / "m" / "mosi.json").read_text())
    assert stored["extractor"]["settings"]["model"] == "Qwen2.5-7B-Instruct" and stored["extractor"]["settings"]["decoding"]["temperature"] == 0.7
    assert stored["provenance"]["run_spec"]["extractor"] == "llm@" + stored["extractor"]["version"]


def test_one_byte_off_prompt_fails_loudly(cli, reference, upstream, tmp_path, monkeypatch):
    import unibench.extract.llm_prompts as prompts

    out, table = upstream
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(prompts, "PROMPT_A", prompts.PROMPT_A.replace("Output: []", "Output:  []"))
    with FakeServer(payload_script=answer_from(table)) as srv:
        code, _, err = _run(cli, reference, out, tmp_path / "r", "--extractor", "llm", "--extractor-base-url",
                            srv.base_url, "--dataset", "mer2023")
    # every request is refused: the pre-flight stops the run after 3 of them, naming the refusal (exit 2)
    assert code == 2 and "3 pre-flight requests" in err and "http 404" in err and srv.calls == 3
    assert not (tmp_path / "r").exists()


def test_check_reruns_llm_results_with_the_recorded_model_and_decoding(cli, reference, upstream, tmp_path,
                                                                        monkeypatch):
    """check rebuilds --extractor llm from the run spec: the recorded model and temperature are sent again
    (here greedy and a non-default model), never the defaults; another answer from the endpoint moves."""
    out, _ = upstream
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    def constant(word):
        return lambda payload, nth: Reply(body=completion_body(word, payload["model"]))

    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache1"))
    with FakeServer(payload_script=constant("[happy]")) as srv:
        code, _, err = cli("run", "--model", f"affectgpt-npz:{out}", "--dataset", "mer2023", "--data-root",
                           reference / "dataset", "--lexicon", reference / "AffectGPT/emotion_wheel", "--results-dir",
                           tmp_path / "r", "--name", "m", "--extractor", "llm", "--extractor-base-url", srv.base_url,
                           "--extractor-model", "toy-qwen", "--extractor-temperature", "0", "--bootstrap", "20")
        assert code == 0, err
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache2"))  # nothing cached: every call is sent again
    with FakeServer(payload_script=constant("[happy]")) as srv:
        code, out_text, err = cli("check", "--baseline", tmp_path / "r" / "m", "--extractor-base-url", srv.base_url)
        assert code == 0, err + out_text
        assert srv.calls > 0 and {(p["model"], p["temperature"]) for p in srv.payloads} == {("toy-qwen", 0.0)}
        assert all("seed" not in p for p in srv.payloads)
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache3"))
    with FakeServer(payload_script=constant("[sad]")) as srv:
        code, out_text, _ = cli("check", "--baseline", tmp_path / "r" / "m", "--extractor-base-url", srv.base_url,
                                "--format", "json")
        assert code == 1 and any(r["metric"] == "hit" for r in json.loads(out_text)["moved"])


def test_every_checkpoint_goes_in_one_batch_and_gives_what_one_by_one_gives(tmp_path, monkeypatch):
    """extract_many sends prompt A for all checkpoints in one engine run (and prompt B in a second): no idle
    slots at the end of each checkpoint, one pre-flight; per checkpoint, the same extractions as one at a time."""
    from unibench.engine import Engine
    from unibench.extract.llm import LLMExtractor
    from unibench.schema import Response

    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    labels: list[str] = []
    run = Engine.run
    monkeypatch.setattr(Engine, "run", lambda self, reqs, label="": labels.append(label) or run(self, reqs, label))
    jobs = [(f"checkpoint_{k}", {f"s{i}": Response(text=f"happy {k} {i}") if i != 3 else Response(error="boom")
                                 for i in range(6)}) for k in range(3)]
    with FakeServer() as srv:
        together = LLMExtractor(base_url=srv.base_url, progress=False).extract_many("sentiment", jobs)
        assert labels == ["extract labels 3 checkpoints", "extract sentiment 3 checkpoints"]
        monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache2"))  # one by one, with nothing cached
        alone = [LLMExtractor(base_url=srv.base_url, progress=False).extract(ck, "sentiment", out) for ck, out in jobs]
    assert together == alone and [list(r) for r in together] == [list(out) for _, out in jobs]
    assert together[0]["s3"].error == "model output: boom" and together[2]["s1"].labels.startswith("echo")
