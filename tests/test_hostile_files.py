"""Hostile and broken files: each case exits 2 with one line naming the file, the row or sample and the fix, writes
nothing, and never builds a path outside --results-dir. Disk-full cases run in a child process whose file-size limit
(RLIMIT_FSIZE) makes writes fail as a full disk does, and leave no temporary file."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.synth import make_lexicon, save_label_npz

REPO = Path(__file__).resolve().parents[1]
EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]


@pytest.fixture
def world(tmp_path):
    data = tmp_path / "data"
    mer = {f"s{i:04d}": {"emo": EMOS[i % 6], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process" / "label-6way.npz", {"test1_corpus": mer})
    mosi = {f"vid{i // 10}_{i % 10}": {"emo": 0, "val": [1.5, -2.0, 0.4][i % 3]} for i in range(686)}
    save_label_npz(data / "cmumosi-process" / "label.npz", {"test_corpus": mosi})
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"name": k, "label": v["emo"]}) + "\n" for k, v in mer.items()))
    return {"data": data, "mer": mer, "mosi": mosi, "preds": preds, "lex": make_lexicon(tmp_path / "ew"),
            "res": tmp_path / "out" / "results", "tmp": tmp_path}


def _args(w, model, dataset, *extra):
    return ["run", "--model", model, "--dataset", dataset, "--data-root", w["data"], "--lexicon", w["lex"],
            "--results-dir", w["res"], *extra]


def fails(cli, w, model, dataset, *extra, match):
    before = sorted(p for p in w["tmp"].rglob("*"))
    code, out, err = cli(*_args(w, model, dataset, *extra))
    assert code == 2, (out, err)
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line and match in line, line
    assert out == "" and not w["res"].exists()
    assert sorted(p for p in w["tmp"].rglob("*")) == before  # nothing written anywhere
    return line


# -- names become paths only when they are safe ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../X", "..", "a/b", ".hidden", "-x", "x" * 200])
def test_unsafe_name_is_refused_before_any_work(cli, world, name):
    fails(cli, world, f"preds:{world['preds']}", "mer2023", f"--name={name}", match="not a safe name")


def test_model_card_name_cannot_leave_the_results_dir(cli, world):
    cards = world["tmp"] / "cards"
    cards.mkdir()
    (cards / "evil.yaml").write_text(json.dumps({"name": "../../..", "base_url": "http://127.0.0.1:9/v1",
                                                 "model": "m"}))
    line = fails(cli, world, "evil", "mer2023", "--adapters-dir", cards, match="not a safe name")
    assert "evil.yaml: name '../../..'" in line


def test_prediction_file_names_become_safe_default_names(cli, world):
    odd = world["tmp"] / "my preds (v2).jsonl"
    odd.write_bytes(world["preds"].read_bytes())
    code, _, err = cli(*_args(world, f"preds:{odd}", "mer2023"))
    assert code == 0, err
    assert [p.name for p in world["res"].iterdir()] == ["my-preds-v2"]


# -- duplicate keys ----------------------------------------------------------------------------------------------

def test_duplicate_json_keys_are_refused_naming_the_sample(cli, world):
    ids = list(world["mer"])
    f = world["tmp"] / "p.json"
    body = ", ".join(f'"{k}": "happy"' for k in ids)
    f.write_text("{" + body + f', "{ids[7]}": "sad"}}')
    fails(cli, world, f"preds:{f}", "mer2023", match=f"sample {ids[7]} appears twice")
    f.write_text("{" + body.replace(f'"{ids[3]}": "happy"', f'"{ids[3]}": {{"label": "happy", "label": "sad"}}')
                 + "}")
    fails(cli, world, f"preds:{f}", "mer2023", match=f"sample {ids[3]}: key 'label' appears twice")
    lines = world["preds"].read_text().splitlines()
    lines[5] = lines[5][:-1] + ', "label": "sad"}'
    f = world["tmp"] / "p.jsonl"
    f.write_text("\n".join(lines) + "\n")
    fails(cli, world, f"preds:{f}", "mer2023", match=f"sample {ids[5]} (line 6): key 'label' appears twice")
    f = world["tmp"] / "p.csv"
    f.write_text("name,label,label\n" + "".join(f"{k},happy,sad\n" for k in ids))
    fails(cli, world, f"preds:{f}", "mer2023", match="line 1: column 'label' appears twice")


# -- parser limits ---------------------------------------------------------------------------------------------

def test_parser_limits_are_one_line_errors(cli, world):
    ids = list(world["mer"])
    f = world["tmp"] / "long.csv"
    f.write_text("name,text\n" + "".join(f"{k},fine\n" for k in ids[:10]) + f'{ids[10]},"{"x" * 140_000}\n')
    fails(cli, world, f"preds:{f}", "mer2023", match="line 12: malformed CSV (a field longer than the csv limit")
    f = world["tmp"] / "big.json"
    f.write_text("{" + ", ".join(f'"{k}": {{"valence": {"9" * 400 if k == ids[2] else 1.0}}}' for k in ids) + "}")
    fails(cli, world, f"preds:{f}", "mer2023", match=f"sample {ids[2]}: field 'valence': an integer of 400 digits")
    f = world["tmp"] / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    fails(cli, world, f"preds:{f}", "mer2023", match="nested too deeply")
    f = world["tmp"] / "nan.jsonl"
    f.write_text("".join(json.dumps({"name": k, "valence": float("nan") if k == ids[4] else 0.5}) + "\n"
                         for k in ids))
    fails(cli, world, f"preds:{f}", "mer2023", match=f"sample {ids[4]} (line 5): field 'valence': NaN is not")


def test_non_finite_and_huge_numbers_in_npz_predictions(cli, world):
    ids = list(world["mosi"])
    f = world["tmp"] / "v.npz"
    vals = np.full(len(ids), 0.5)
    vals[9] = np.inf
    np.savez(f, names=np.array(ids), valence=vals)
    fails(cli, world, f"preds:{f}", "mosi", match=f"sample {ids[9]}: 'valence' holds 'inf', not a finite number")


@pytest.mark.parametrize("records", [True, False])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 10 ** 400])
def test_non_finite_valence_in_a_label_file(cli, world, bad, records):
    gold = dict(world["mosi"])
    victim = list(gold)[17]
    gold[victim] = {"emo": 0, "val": bad}
    save_label_npz(world["data"] / "cmumosi-process" / "label.npz", {"test_corpus": gold})
    preds = world["tmp"] / "m.jsonl"
    preds.write_text("".join(json.dumps({"name": k, "valence": 1.0}) + "\n" for k in gold))
    fails(cli, world, f"preds:{preds}", "mosi", *([] if records else ["--no-records"]),
          match=f"sample {victim}: ")


def test_class_index_out_of_range_in_a_label_file(cli, world):
    gold = {f"d{i // 10}_u{i % 10}": {"emo": i % 7, "val": 0.0} for i in range(2610)}
    gold["d3_u3"] = {"emo": -1, "val": 0.0}  # would silently be the last class by negative indexing
    save_label_npz(world["data"] / "meld-process" / "label.npz", {"test_corpus": gold})
    preds = world["tmp"] / "m.jsonl"
    preds.write_text("".join(json.dumps({"name": k, "label": "joy"}) + "\n" for k in gold))
    fails(cli, world, f"preds:{preds}", "meld", match="sample d3_u3: bad label record")


def test_empty_xlsx_sheet_in_a_lexicon_folder(cli, world):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.save(world["lex"] / "wheel3.xlsx")  # one sheet, no rows
    fails(cli, world, f"preds:{world['preds']}", "mer2023", match="wheel3.xlsx: the first sheet is empty")


# -- decompression caps ------------------------------------------------------------------------------------------

def test_npz_decompressed_size_cap_names_the_file_the_cap_and_the_fix(cli, world, monkeypatch):
    ids = list(world["mer"])
    f = world["tmp"] / "texts.npz"
    np.savez_compressed(f, names=np.array(ids), text=np.array(["I feel happy " * 400] * len(ids)))
    assert f.stat().st_size < 200_000  # about 9 MB once inflated
    monkeypatch.setenv("UNIBENCH_MAX_UNZIP_MB", "4")
    line = fails(cli, world, f"preds:{f}", "mer2023", "--extractor", "lexicon",
                 match="over the 4 MB cap on decompressed size")
    assert str(f) in line and "UNIBENCH_MAX_UNZIP_MB=9" in line
    monkeypatch.setenv("UNIBENCH_MAX_UNZIP_MB", "16")
    code, _, err = cli(*_args(world, f"preds:{f}", "mer2023", "--extractor", "lexicon"))
    assert code == 0, err


def test_a_member_lying_about_its_size_is_never_inflated_past_it(world):
    from unibench.errors import UserError
    from unibench.safe_npz import load_npz

    f = world["tmp"] / "liar.npz"
    np.savez_compressed(f, x=np.zeros(4_000_000, dtype=np.uint8))  # 4 MB of zeros, about 4 KB on disk
    raw = bytearray(f.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = raw.index(sig)
        raw[at + offset:at + offset + 4] = struct.pack("<I", 1000)  # "1000 bytes once inflated"
    f.write_bytes(bytes(raw))
    assert zipfile.ZipFile(f).infolist()[0].file_size == 1000
    with pytest.raises(UserError, match="unreadable or truncated npz"):
        load_npz(f)


# -- a full disk -----------------------------------------------------------------------------------------------

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as ENOSPC would
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from unibench.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _limited(args, limit: int, env: dict):
    return subprocess.run([sys.executable, "-c", _LIMITED, str(limit), *map(str, args)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO),
                                                      "PYTHONDONTWRITEBYTECODE": "1", **env})


def test_results_folder_on_a_full_disk(world):
    proc = _limited(_args(world, f"preds:{world['preds']}", "mer2023"), 8_000,
                    {"UNIBENCH_CACHE_DIR": str(world["tmp"] / "cache")})
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "mer2023.samples.jsonl: cannot write (File too large); free some space" in line
    assert [p for p in world["tmp"].rglob("*") if ".tmp" in p.name] == []
    assert not (world["res"] / "preds" / "mer2023.json").exists()


def test_files_written_together_are_renamed_only_once_every_one_is_on_disk(tmp_path):
    from unibench.paths import WriteFailed, write_atomic_many

    old = tmp_path / "m" / "d.samples.jsonl"
    old.parent.mkdir()
    old.write_text("the previous store")
    (tmp_path / "blocked").write_text("a file where a folder should be")
    with pytest.raises(WriteFailed, match="e.json: cannot write"):
        write_atomic_many([(old, b"new store"), (tmp_path / "m" / "d.json", "new result"),
                           (tmp_path / "blocked" / "e.json", "x")])
    assert old.read_text() == "the previous store" and not (tmp_path / "m" / "d.json").exists()
    assert [p.name for p in tmp_path.rglob("*") if ".tmp" in p.name] == []
    write_atomic_many([(old, b"new store"), (tmp_path / "m" / "d.json", "new result \u00e9")])
    assert old.read_bytes() == b"new store" and (tmp_path / "m" / "d.json").read_text("utf-8") == "new result \u00e9"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["blocked", "d.json", "d.samples.jsonl", "m"]


def test_call_cache_on_a_full_disk(world):
    from tests.fake_server import FakeServer, Reply, completion_body

    cards = world["tmp"] / "cards"
    cards.mkdir()
    subs = world["data"] / "mer2023-dataset-process" / "transcription-engchi-polish.csv"
    subs.write_text("name,chinese,english\n" + "".join(f"{k},,line {k}\n" for k in world["mer"]))
    cache = world["tmp"] / "cache"
    with FakeServer(lambda p, n: Reply(body=completion_body("[happy] " + "x" * 2000, "m"))) as srv:
        (cards / "toy.yaml").write_text(json.dumps({"name": "toy", "base_url": srv.base_url, "model": "m",
                                                    "prompt": "{subtitle}"}))
        proc = _limited(_args(world, "toy", "mer2023", "--adapters-dir", cards, "--extractor", "lexicon"),
                        200_000, {"UNIBENCH_CACHE_DIR": str(cache)})
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "calls.sqlite: cannot write the call cache" in line and "free some space" in line
    assert not world["res"].exists()
