"""Credentials never reach what unibench stores or prints: a distinct canary in every place a key can be given
(the key environment variables, user:password@ and ?key= in every URL option, a model card's base_url, -M
base_url=, OPENAI_BASE_URL, error bodies that echo the key), then every written file (results, call cache with
its WAL, media and lexicon caches), stdout, stderr and the log records are searched for each canary."""

from __future__ import annotations

import base64
import json
import logging
import sys

from tests.fake_server import FakeServer, Reply, completion_body, prompt_of
from tests.synth import make_lexicon, save_label_npz

CANARIES = {  # where each is given -> its value (no key-like shape, so only the redaction rules can catch it)
    "card key env": "Kc4n4ry1card",
    "OPENAI_API_KEY": "Oc4n4ry2llm",
    "card base_url password": "Pc4n4ry3pw",
    "card base_url query": "Qc4n4ry4q",
    "-M base_url password": "Mc4n4ry5pw",
    "--extractor-base-url password": "Ec4n4ry6pw",
    "--extractor-base-url query": "Xc4n4ry7q",
    "OPENAI_BASE_URL password": "Bc4n4ry8pw",
    "--grouping-base-url password": "Gc4n4ry9pw",
    "--grouping-base-url query": "Hc4n4ry0q",
}


def _leaks(texts: dict[str, str | bytes]) -> list[str]:
    found = []
    for where, text in texts.items():
        blob = text.encode() if isinstance(text, str) else text
        found += [f"{name} in {where}" for name, value in CANARIES.items() if value.encode() in blob]
    return found


def _files(*roots) -> dict[str, bytes]:
    return {str(f): f.read_bytes() for root in roots for f in root.rglob("*") if f.is_file()}


def test_no_canary_in_results_cache_output_or_logs(cli, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    c = CANARIES
    monkeypatch.setenv("MY_CARD_TOKEN", c["card key env"])
    monkeypatch.setenv("OPENAI_API_KEY", c["OPENAI_API_KEY"])
    data, cards, res = tmp_path / "data", tmp_path / "cards", tmp_path / "results"
    gold = {f"s{i:04d}": {"emo": "happy", "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process" / "label-6way.npz", {"test1_corpus": gold})
    (data / "mer2023-dataset-process" / "transcription-engchi-polish.csv").write_text(
        "name,chinese,english\n" + "".join(f"{k},,line {k}\n" for k in gold))
    cards.mkdir()
    lexicon = make_lexicon(tmp_path / "wheel")

    key = c["card key env"]

    def script(payload: dict, nth: int) -> Reply:
        prompt = prompt_of(payload)
        if prompt.endswith(("s0003", "s0004")):  # servers echo the credential they got, in 4xx and 200 bodies
            return Reply(status=400, body=json.dumps({"error": {"message": f"bad key {key}"}}).encode())
        if prompt.endswith("s0005"):
            return Reply(body=json.dumps({"error": {"message": f"quota for {key} exceeded"}}).encode())
        if prompt.startswith("Please assume the role"):  # the extraction LLM
            return Reply(body=completion_body("[happy]", payload["model"]))
        return Reply(body=completion_body("I feel happy", payload["model"]))

    with FakeServer(payload_script=script) as srv:
        host = srv.base_url.split("//", 1)[1]
        for name, url in (("toy", f"http://{host}?api_key={c['card base_url query']}"),
                          ("toy2", f"http://user:{c['card base_url password']}@{host}")):
            (cards / f"{name}.yaml").write_text(json.dumps({
                "name": name, "base_url": url, "model": "toy-1", "api_key_env": "MY_CARD_TOKEN",
                "modalities": ["subtitle"], "prompt": "{subtitle}", "endpoint": {"max_retries": 0}}))
        base = ["--adapters-dir", cards, "--dataset", "mer2023", "--data-root", data, "--lexicon", lexicon,
                "--max-failed", "0.5", "--extractor", "llm", "--extractor-retries", "0"]
        runs = {  # each with its own call cache, so every URL is really used
            "a": ["--model", "toy", "--extractor-base-url", f"http://{host}?key={c['--extractor-base-url query']}"],
            "b": ["--model", "toy", "-M", f"base_url=http://u:{c['-M base_url password']}@{host}", "--format",
                  "json", "--extractor-base-url", f"http://u:{c['--extractor-base-url password']}@{host}"],
            "c": ["--model", "toy2"],  # the extractor endpoint from OPENAI_BASE_URL
        }
        outputs = {}
        for run, args in runs.items():
            monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache" / run))
            if run == "c":
                monkeypatch.setenv("OPENAI_BASE_URL", f"http://u:{c['OPENAI_BASE_URL password']}@{host}")
            argv = ["run", *args, *base, "--results-dir", res / run]
            monkeypatch.setattr(sys, "argv", ["unibench", *map(str, argv)])  # what `command` records
            code, out, err = cli(*argv)
            assert code == 0, err
            outputs[f"stdout {run}"], outputs[f"stderr {run}"] = out, err
        auth = {v for h in srv.headers_seen for k, v in h.items() if k.lower() == "authorization"}
    code, out, err = cli("models", "--adapters-dir", cards, "--format", "json")  # the listing shows base URLs
    assert code == 0 and "toy2" in out, err
    outputs["models stdout"], outputs["models stderr"] = out, err
    # the canaries were live: the keys were sent as bearer tokens, the URL passwords as basic auth
    assert f"Bearer {c['card key env']}" in auth and f"Bearer {c['OPENAI_API_KEY']}" in auth
    basic = {base64.b64decode(a.split()[1]).decode() for a in auth if a.startswith("Basic ")}
    assert {p.split(":")[1] for p in basic} == {c[k] for k in CANARIES if k.endswith("password")
                                                and "grouping" not in k and "query" not in k}
    doc = json.loads((res / "b" / "toy" / "mer2023.json").read_text())
    assert doc["results"][0]["n_failed"] == 3 and "base_url=http://***@127.0.0.1" in doc["provenance"]["command"]
    assert any("bad key ***" in e for e in doc["results"][0]["failure_examples"])
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert not _leaks({**_files(res, tmp_path / "cache"), **outputs, "logs": logs})


def test_no_canary_from_track_scoring_options(cli, tmp_path, monkeypatch):
    c = CANARIES
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", c["OPENAI_API_KEY"])
    gold, sub = tmp_path / "gold.csv", tmp_path / "sub.csv"
    gold.write_text("name,openset\na,\"['happy', 'sad']\"\n")
    sub.write_text("name,openset\na,\"['joyful']\"\n")
    with FakeServer(lambda p, n: Reply(body=completion_body("[['happy', 'joyful'], ['sad']]", "m"))) as srv:
        host = srv.base_url.split("//", 1)[1]
        url = f"http://u:{c['--grouping-base-url password']}@{host}?key={c['--grouping-base-url query']}"
        argv = ["score-track", "mer2024-ov", "--submission", sub, "--gold", gold, "--grouping-base-url", url,
                "--grouping-model", "m", "--results-dir", tmp_path / "res", "--format", "json"]
        monkeypatch.setattr(sys, "argv", ["unibench", *map(str, argv)])
        code, out, err = cli(*argv)
    assert code == 0, err
    assert not _leaks({**_files(tmp_path / "res", tmp_path / "cache"), "stdout": out, "stderr": err})


def test_redact_covers_every_form():
    from unibench.redact import redact, register

    register("R3gisteredValue")
    cases = {
        "http://user:pw123456@h:1/v1?key=abc&x=1": "http://***@h:1/v1?key=***&x=1",
        "https://h/blob?sv=1&sig=abcdef&se=2": "https://h/blob?sv=1&sig=***&se=2",
        "token=abc123 max_tokens=5": "token=*** max_tokens=5",
        '{"api_key": "zzz111"}': '{"api_key": "***"}',
        "Authorization: Bearer abcdefgh": "Authorization: *** ***",
        "echoed R3gisteredValue here": "echoed *** here",
        "sk-abcdefghijklmnop1234": "***",
    }
    for raw, want in cases.items():
        assert redact(raw) == want, raw
    assert redact(["--api-key", "plain", "--name", "x"]) == ["--api-key", "***", "--name", "x"]
    assert redact({"api_key_env": "OPENAI_API_KEY", "password": "pw", "n": 1}) == {
        "api_key_env": "OPENAI_API_KEY", "password": "***", "n": 1}
