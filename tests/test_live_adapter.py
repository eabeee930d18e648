"""The model-card path end to end against the loopback server: request assembly (text, audio, frames), the llm
extractor on the live responses, failures counted in the run output and the results, resume, and the key kept out
of everything written."""

from __future__ import annotations

import base64
import csv
import io
import json

from unibench.store import sample_rows
import shutil
import struct
import wave

import pytest

from tests.fake_server import FakeServer, Reply, completion_body, prompt_of
from tests.synth import make_lexicon, save_label_npz

LABELS = ["happy", "sad", "neutral", "surprise"]
SUBTITLE = {"happy": "I am so glad today", "sad": "I feel lonely", "neutral": "ok", "surprise": "what"}


@pytest.fixture
def live(tmp_path, monkeypatch):
    data = tmp_path / "data"
    folder = data / "mer2023-dataset-process"
    gold = {f"sample_{i:08d}": {"emo": LABELS[i % 4], "val": 0.0} for i in range(411)}
    save_label_npz(folder / "label-6way.npz", {"test1_corpus": gold})
    with open(folder / "transcription-engchi-polish.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "chinese", "english"])
        for k, v in gold.items():
            w.writerow([k, "", SUBTITLE[v["emo"]]])
    cards = tmp_path / "cards"
    cards.mkdir()
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MY_TEST_KEY", "sk-test-SECRET-0123456789")
    return {"data": data, "folder": folder, "gold": gold, "cards": cards, "lex": make_lexicon(tmp_path / "wheel"),
            "res": tmp_path / "results", "tmp": tmp_path}


def write_card(w, base_url, name="toy-mllm", modalities=("subtitle",), endpoint=None, **extra):
    doc = {"name": name, "base_url": base_url, "model": "toy/mllm-7b", "api_key_env": "MY_TEST_KEY",
           "modalities": list(modalities), "endpoint": endpoint or {"timeout": 0.5, "max_retries": 2,
                                                                    "backoff_base": 0.01}, **extra}
    (w["cards"] / f"{name}.yaml").write_text(json.dumps(doc))  # JSON is YAML


def model_and_extractor(prompt: str) -> str:
    """A deterministic 'model' (answers from the subtitle) that also plays the extraction LLM (prompt A)."""
    if prompt.startswith("Please assume the role of an expert"):
        return prompt.rsplit("Input: ", 1)[1][: -len("; Output: ")]  # the response is already a list
    return "[happy]" if "glad" in prompt else "[sad]" if "lonely" in prompt else "[]"


def serve(extra=None):
    def script(payload: dict, nth: int) -> Reply:
        prompt = prompt_of(payload)
        if extra is not None:
            r = extra(prompt, nth)
            if r is not None:
                return r
        return Reply(body=completion_body(model_and_extractor(prompt), payload["model"]))
    return FakeServer(payload_script=script)


def run(cli, w, srv, *extra):
    code, out, err = cli("run", "--model", "toy-mllm", "--adapters-dir", w["cards"], "--dataset", "mer2023",
                         "--data-root", w["data"], "--lexicon", w["lex"], "--results-dir", w["res"], "--format",
                         "json", "--extractor", "llm", "--extractor-base-url", srv.base_url, "--extractor-timeout",
                         "2", *extra)
    return code, (json.loads(out) if code == 0 else None), err


EXPECTED = 100 * (4 * 206 / 308 + 1) / 5  # happy and sad samples hit; neutral is on no wheel; surprise is missed


def test_model_card_end_to_end(cli, live):
    with serve() as srv:
        write_card(live, srv.base_url)
        code, doc, err = run(cli, live, srv)
        assert code == 0, err
        (r,) = doc["results"]
        assert r["score"] == pytest.approx(EXPECTED) and r["checkpoint"] == "toy-mllm" and r["n_failed"] == 0
        gen = [p for p in srv.payloads if p["model"] == "toy/mllm-7b"]
        # greedy decoding: identical prompts (4 distinct subtitles) are sent once
        assert len(gen) == 4 and doc["model_calls"]["requests"] == 411
        assert [{"role": "user", "content": "Subtitle content of this video: I am so glad today; Please recognize all "
                 "possible emotional states of the character."}] in [g["messages"] for g in gen]  # calls run concurrently
        assert gen[0]["temperature"] == 0.0 and "seed" not in gen[0]
        assert {k.lower(): v for k, v in srv.headers_seen[0].items()}["authorization"] == "Bearer sk-test-SECRET-0123456789"
        calls = srv.calls
        code, doc2, err = run(cli, live, srv)  # a re-run: everything from the cache
        assert code == 0 and srv.calls == calls and doc2["results"][0]["score"] == r["score"]
        assert doc2["model_calls"]["sent"] == 0
    stored = json.loads((live["res"] / "toy-mllm" / "mer2023.json").read_text())
    m = stored["model"]
    assert m["kind"] == "openai" and m["model"] == "toy/mllm-7b" and len(m["fingerprint"]) == 64
    assert m["api_key_env"] == "MY_TEST_KEY" and sample_rows(live["res"] / "toy-mllm" / "mer2023.json", stored)[0]["response"] == "[happy]"
    for f in [*live["res"].rglob("*"), *(live["tmp"] / "cache").rglob("*")]:
        if f.is_file():
            assert b"SECRET" not in f.read_bytes(), f


def test_missing_key_is_a_clear_error(cli, live, monkeypatch):
    monkeypatch.delenv("MY_TEST_KEY")
    with serve() as srv:
        write_card(live, srv.base_url)
        code, _, err = run(cli, live, srv)
    assert code == 2 and "MY_TEST_KEY is not set" in err and srv.calls == 0


def test_failures_are_counted_reported_and_resumed(cli, live):
    gold = list(live["gold"])
    bad = {"500": gold[1], "slow": gold[5], "malformed": gold[9]}

    def trouble(prompt: str, nth: int):
        if "Subtitle content" not in prompt:
            return None
        if "what" in prompt and nth == 1:  # every 'surprise' sample: one 429, then fine on retry
            return Reply(status=429, headers={"Retry-After": "0.05"}, body=b'{"error": {"message": "slow down"}}')
        return None

    failing = set()

    def script(payload: dict, nth: int) -> Reply:
        prompt = prompt_of(payload)
        r = trouble(prompt, nth)
        if r is not None:
            return r
        if any(p in prompt for p in failing):
            kind = next(k for k, v in bad.items() if v in prompt)
            if kind == "500":
                return Reply(status=500, body=b'{"error": {"message": "boom"}}')
            if kind == "slow":
                return Reply(delay=1.0)
            return Reply(body=b'{"choices": "nope"}')
        return Reply(body=completion_body(model_and_extractor(prompt), payload["model"]))

    # the prompt names the sample only through its subtitle: give the three victims unique subtitles
    subs = live["folder"] / "transcription-engchi-polish.csv"
    rows = list(csv.reader(open(subs)))
    for row in rows[1:]:
        if row[0] in bad.values():
            row[2] = f"victim {row[0]} glad"
            failing.add(f"victim {row[0]}")
    with open(subs, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with FakeServer(payload_script=script) as srv:
        write_card(live, srv.base_url)
        code, _, err = run(cli, live, srv, "--max-failed", "0.005")  # 3 of 411 > 0.5%: fail, write nothing
        assert code == 1 and "3 of 411 samples failed" in err and not live["res"].exists()
        code, doc, err = run(cli, live, srv, "--max-failed", "0.01")
        assert code == 0, err
        r = doc["results"][0]
        assert (r["n_failed"], r["n_failed_outputs"], r["n_failed_extractions"]) == (3, 3, 3)
        assert "warning: mer2023 / toy-mllm: 3 of 411 samples failed" in err
        assert any("http 500" in k for k in r["failure_examples"]) and any("timeout" in k for k in r["failure_examples"])
        stored = json.loads((live["res"] / "toy-mllm" / "mer2023.json").read_text())
        recs = {x["id"]: x for x in sample_rows(live["res"] / "toy-mllm" / "mer2023.json", stored)}
        assert set(bad.values()) == {k for k, x in recs.items() if "error" in x}
        assert recs[bad["malformed"]]["error"]["output"].startswith("choices is not a list")
        assert recs[bad["500"]]["pred"] == "" and stored["results"][0]["n_failed"] == 3
        # resume: the server recovers; only the three failed samples (and their extractions) are sent again
        failing.clear()
        before = srv.calls
        code, doc, err = run(cli, live, srv)
        assert code == 0 and doc["results"][0]["n_failed"] == 0
        assert srv.calls - before == 6 and doc["model_calls"]["sent"] == 3


def _tone(path, seconds=1.0, rate=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(int(seconds * rate))))


def test_audio_parts_are_base64_wav_cut_to_budget(cli, live):
    gold = list(live["gold"])
    for k in gold[:-1]:  # the last sample has no audio: a counted media error, not a crash
        _tone(live["folder"] / "audio" / f"{k}.wav", seconds=2.0)
    with serve() as srv:
        write_card(live, srv.base_url, modalities=["subtitle", "audio"], media={"audio_max_seconds": 0.5})
        code, doc, err = run(cli, live, srv, "--max-failed", "0.01")
        assert code == 0, err
        gen = [p for p in srv.payloads if p["model"] == "toy/mllm-7b"]
    assert len(gen) == 4 and doc["results"][0]["n_failed_outputs"] == 1
    parts = gen[0]["messages"][0]["content"]
    assert [p["type"] for p in parts] == ["input_audio", "text"] and parts[0]["input_audio"]["format"] == "wav"
    with wave.open(io.BytesIO(base64.b64decode(parts[0]["input_audio"]["data"]))) as w:
        assert (w.getframerate(), w.getnframes(), w.getnchannels()) == (8000, 4000, 1)
    assert parts[1]["text"].startswith("Subtitle content of this video:")
    assert "media: no audio" in next(iter(doc["results"][0]["failure_examples"]))


def test_request_assembly_video_url(live, tmp_path):
    from unibench.adapters.media import MediaError
    from unibench.adapters.openai_chat import OpenAIChatAdapter
    from unibench.schema import Sample

    clip = tmp_path / "video" / "s1.avi"
    clip.parent.mkdir()
    clip.write_bytes(b"RIFF-not-really-a-video")
    write_card(live, "http://127.0.0.1:9/v1", modalities=["subtitle", "video_url"], system="Be brief.")
    ad = OpenAIChatAdapter("toy-mllm", {"adapters_dir": str(live["cards"])})
    s = Sample(id="s1", task="discrete", subtitle=" ", media={"video": str(clip)[:-4]})
    msgs = ad.request(s).payload()["messages"]
    assert msgs[0] == {"role": "system", "content": "Be brief."}
    video, text = msgs[1]["content"]
    assert video["video_url"]["url"] == "data:video/avi;base64," + base64.b64encode(clip.read_bytes()).decode()
    assert text == {"type": "text", "text": "Please recognize all possible emotional states of the character."}
    with pytest.raises(MediaError, match="no video"):
        ad.request(Sample(id="s2", task="discrete", media={"video": str(tmp_path / "nope")}))


def test_request_assembly_frames_and_video_url(live, tmp_path):
    from unibench.adapters.media import have_ffmpeg
    from unibench.adapters.openai_chat import OpenAIChatAdapter
    from unibench.schema import Sample

    if not have_ffmpeg():
        pytest.skip("ffmpeg/ffprobe not installed: frame sampling is not testable here")
    import subprocess

    clip = tmp_path / "video" / "s1.mp4"
    clip.parent.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=10:duration=2",
                    "-pix_fmt", "yuv420p", str(clip)], check=True)
    write_card(live, "http://127.0.0.1:9/v1", modalities=["subtitle", "frames", "video_url"],
               media={"frames": 4, "max_side": 128})
    ad = OpenAIChatAdapter("toy-mllm", {"adapters_dir": str(live["cards"])})
    req = ad.request(Sample(id="s1", task="discrete", subtitle="hi", media={"video": str(clip)[:-4]}))
    parts = req.payload()["messages"][0]["content"]
    assert [p["type"] for p in parts] == ["video_url"] + ["image_url"] * 4 + ["text"]
    assert parts[0]["video_url"]["url"].startswith("data:video/mp4;base64,")
    from PIL import Image

    img = Image.open(io.BytesIO(base64.b64decode(parts[1]["image_url"]["url"].split(",", 1)[1])))
    assert img.format == "JPEG" and max(img.size) == 128


def test_card_errors(cli, live):
    with serve() as srv:
        write_card(live, srv.base_url, modalities=["smell"])
        code, _, err = run(cli, live, srv)
        assert code == 2 and "modalities must be" in err
        code, _, err = cli("run", "--model", "no-such-card", "--adapters-dir", live["cards"], "--dataset", "mer2023")
        assert code == 2 and "no model card no-such-card.yaml" in err


def test_shipped_cards_load():
    from unibench.adapters.model_card import available, load_card

    cards = available()
    assert {"gpt-4o", "qwen2.5-omni-7b", "qwen2-audio-7b", "ollama-llama3.1-8b"} <= set(cards)
    for path in cards.values():
        load_card(path)


def test_live_shards_merge_to_the_single_run(cli, live):
    with serve() as srv:
        write_card(live, srv.base_url)
        assert run(cli, live, srv)[0] == 0
        single = json.loads((live["res"] / "toy-mllm" / "mer2023.json").read_text())
        shutil.rmtree(live["res"])
        for i in range(2):
            code, out, err = run(cli, live, srv, "--shard", f"{i}/2")
            assert code == 0, err
    code, out, err = cli("merge", "--results-dir", live["res"], "--model", "toy-mllm", "--format", "json")
    assert code == 0, err
    merged = json.loads((live["res"] / "toy-mllm" / "mer2023.json").read_text())
    for key in ("results", "checkpoints", "samples", "model", "extractor"):
        assert merged[key] == single[key], key
    assert merged["provenance"]["run_spec"] == single["provenance"]["run_spec"]
