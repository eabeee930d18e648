"""Property: whatever bytes an input file holds, unibench exits 0 (it was valid) or 2 (one line naming the
problem), never 3 and never a traceback. Every reader is driven through the command a user runs: prediction files
(CSV, JSONL, JSON, npz), label files (npz, CSV), model cards, lexicon folders (wheel / synonym xlsx, format.csv,
MER2026 wheel_mapping.npz) and track submissions (CSV, npz).

Inputs are random bytes, mutations of a valid file (byte flips, cuts, truncation, duplicated spans, hostile
snippets: NaN, 400-digit numbers, deep nesting, unbalanced quotes, NUL, 140,000-character fields, YAML tags and
aliases, zip magic) and, for npz files, valid archives holding random Python objects. Hypothesis runs derandomized
(a fixed seed) with a fixed number of examples per reader, so the file is deterministic and bounded in time."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.synth import make_lexicon, save_label_npz  # noqa: E402

EXAMPLES = 60  # per reader: about 40 s for the whole file on one core
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=list(HealthCheck))
EMOS = ["neutral", "angry", "happy", "sad", "worried", "surprise"]
HOSTILE = [b"NaN", b"-Infinity", b"1e999", b"9" * 400, b"[" * 3000, b"{" * 3000, b'"', b"\x00", b"\xff\xfe",
           b"\r\n", b",,,,", b'{"a": 1, "a": 2}', b"x" * 140_000, b"'", b"\\", b"null", b"[]", b"{}", b"- - -",
           b"!!python/object/apply:os.system ['true']", b"&a [*a, *a]", b"PK\x03\x04", b"\t", b"\n\n\n"]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("flip", "cut", "insert", "truncate", "dup")))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=16)))
        elif op == "truncate":
            del data[at:]
        elif op == "dup":
            data[at:at] = data[at:at + draw(st.integers(1, 200))]
    return bytes(data)


def any_bytes(seed: bytes):
    return st.one_of(st.binary(max_size=600), mutated(seed), mutated(seed), st.just(seed))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.just(10**400),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(EMOS + ["[happy, sad]", "positive", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                      max_leaves=10)


def _obj(value):
    a = np.empty((), dtype=object)
    a[()] = value
    return a


def npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def run_cli(*args) -> tuple[int, str, str]:
    from unibench.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def ok_or_bad_input(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    old = {k: os.environ.pop(k, None) for k in ("UNIBENCH_DATA_ROOT", "UNIBENCH_DEBUG", "OPENAI_BASE_URL")}
    data = root / "data"
    mer = {f"s{i:04d}": {"emo": EMOS[i % 6], "val": 0.0} for i in range(411)}
    save_label_npz(data / "mer2023-dataset-process" / "label-6way.npz", {"test1_corpus": mer})
    ov = data / "ovmerdplus-process"
    ov.mkdir()
    (ov / "ovlabel.csv").write_text("name,openset\no1,\"[happy, sad]\"\no2,[angry]\no3,[]\n")
    (ov / "subtitle_eng.csv").write_text("name,sentence\no1,I am glad\no2,Go away\no3,Fine\n")
    seeds = {
        "csv": ("name,label\n" + "".join(f"{k},{v['emo']}\n" for k, v in mer.items())).encode(),
        "jsonl": "".join(json.dumps({"name": k, "label": v["emo"]}) + "\n" for k, v in mer.items()).encode(),
        "json": json.dumps({"predictions": {k: {"label": v["emo"]} for k, v in mer.items()}}).encode(),
        "npz": npz_bytes({"names": np.array(list(mer)), "label": np.array([v["emo"] for v in mer.values()])}),
    }
    for fmt, body in seeds.items():
        (root / f"valid.{fmt}").write_bytes(body)
    lex = make_lexicon(root / "emotion_wheel")
    from unibench.lexicon.upstream import load_upstream

    tables = load_upstream(lex)
    whole = {w: {lv: dict(tables.clusters[(w, lv)]) for lv in ("level1", "level2")} for w in tables.wheels}
    mapping = {"format_mapping": {k: list(v) for k, v in tables.forms.items()},
               "raw_mapping": {k: list(v) for k, v in tables.synonyms.items()}, "wheel_map_whole": whole}
    card = ("name: toy\nbase_url: http://127.0.0.1:9/v1\nmodel: toy-7b\napi_key_env: null\n"
            "modalities: [subtitle]\nprompt: 'Say: {subtitle}'\ndecoding: {temperature: 0.0, max_tokens: 64}\n"
            "media: {frames: 4}\nendpoint: {timeout: 5, max_retries: 1}\n")
    yield {"root": root, "data": data, "mer": mer, "seeds": seeds, "lex": lex, "mapping": mapping,
           "card": card.encode(), "n": [0]}
    for k, v in old.items():
        if v is not None:
            os.environ[k] = v


def fresh(world, name: str) -> Path:
    """A new folder per example (the lexicon tables are cached by checksum, so names never collide)."""
    world["n"][0] += 1
    d = world["root"] / "ex" / f"{world['n'][0]:05d}"
    d.mkdir(parents=True)
    return d / name


def run_preds(world, path: Path, dataset: str = "mer2023", *extra) -> tuple[int, str, str]:
    return run_cli("run", "--model", f"preds:{path}", "--dataset", dataset, "--data-root", world["data"],
                   "--results-dir", world["root"] / "results", "--bootstrap", "0", *extra)


# -- prediction files ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "npz"])
def test_prediction_files(world, fmt):
    @FUZZ
    @given(body=any_bytes(world["seeds"][fmt]))
    def prop(body):
        f = fresh(world, f"preds.{fmt}")
        f.write_bytes(body)
        ok_or_bad_input(*run_preds(world, f, "mer2023", "--extractor", "auto")[::2])

    prop()


def test_prediction_npz_holding_any_objects(world):
    ids = list(world["mer"])

    @FUZZ
    @given(field=st.sampled_from(["label", "labels", "valence", "probs", "text", "value", "name2reason", "names"]),
           values=st.lists(st.one_of(VALUES, st.sampled_from(EMOS)), min_size=1, max_size=5), names=st.booleans(),
           as_dict=st.booleans())
    def prop(field, values, names, as_dict):
        f = fresh(world, "preds.npz")
        column = [values[i % len(values)] for i in range(len(ids))]
        if as_dict:
            arrays = {field: _obj(dict(zip(ids, column)))}
        else:
            arrays = {field: np.array(column + [None], dtype=object)[:-1]}  # an object array, never ragged
            if names and field != "names":
                arrays["names"] = np.array(ids)
        f.write_bytes(npz_bytes(arrays))
        ok_or_bad_input(*run_preds(world, f)[::2])

    prop()


# -- label files -----------------------------------------------------------------------------------------------

def test_label_npz(world):
    label = world["data"] / "mer2023-dataset-process" / "label-6way.npz"
    original = label.read_bytes()
    gold = world["mer"]

    @FUZZ
    @given(overrides=st.dictionaries(st.one_of(st.sampled_from(list(gold)[:5]), st.text(max_size=6),
                                               st.integers(0, 9)), VALUES, max_size=3),
           raw=st.one_of(st.none(), any_bytes(original)))
    def prop(overrides, raw):
        if raw is not None:
            label.write_bytes(raw)
        else:
            save_label_npz(label, {"test1_corpus": {**gold, **overrides}})
        ok_or_bad_input(*run_preds(world, world["root"] / "valid.jsonl", "mer2023", "--allow-partial")[::2])

    try:
        prop()
    finally:
        label.write_bytes(original)


def test_label_csv(world):
    label = world["data"] / "ovmerdplus-process" / "ovlabel.csv"
    original = label.read_bytes()
    preds = world["root"] / "ov.jsonl"
    preds.write_text("".join(json.dumps({"name": n, "labels": ["happy"]}) + "\n" for n in ("o1", "o2", "o3")))

    @FUZZ
    @given(raw=any_bytes(original))
    def prop(raw):
        label.write_bytes(raw)
        ok_or_bad_input(*run_preds(world, preds, "ovmerdplus", "--allow-partial")[::2])

    try:
        prop()
    finally:
        label.write_bytes(original)


# -- model cards -----------------------------------------------------------------------------------------------

def test_model_cards(world):
    """No data root is given, so a card that loads ends at "no data root" (exit 2) without any request; the
    adapter is then built from it in-process and must assemble a request or raise a UserError."""
    import yaml

    from unibench.adapters.openai_chat import OpenAIChatAdapter
    from unibench.errors import UserError
    from unibench.schema import Sample

    doc = yaml.safe_load(world["card"])
    structured = st.dictionaries(st.sampled_from(sorted(doc) + ["description", "system", "prompt_no_subtitle"]),
                                 VALUES, max_size=4).map(lambda d: yaml.safe_dump({**doc, **d}).encode())

    @FUZZ
    @given(raw=st.one_of(any_bytes(world["card"]), structured))
    def prop(raw):
        card = fresh(world, "card.yaml")
        card.write_bytes(raw)
        code, _, err = run_cli("run", "--model", f"openai:{card}", "--dataset", "mer2023", "--extractor",
                               "lexicon", "--results-dir", world["root"] / "results")
        ok_or_bad_input(code, err)
        if "no data root" in err:
            try:
                ad = OpenAIChatAdapter(str(card))
                ad.endpoint(), ad.describe()
                ad.request(Sample(id="s1", task="discrete", subtitle="hi", media={}))
            except UserError:
                pass
            except Exception as exc:  # media problems are per-sample MediaErrors (counted), never a crash
                from unibench.adapters.media import MediaError

                assert isinstance(exc, MediaError), repr(exc)

    prop()


# -- lexicon folders ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["format.csv", "wheel1.xlsx", "synonym.xlsx"])
def test_lexicon_folder_files(world, member):
    seed = (world["lex"] / member).read_bytes()

    @FUZZ
    @given(raw=any_bytes(seed))
    def prop(raw):
        folder = fresh(world, "emotion_wheel")
        shutil.copytree(world["lex"], folder)
        (folder / member).write_bytes(raw)
        ok_or_bad_input(*run_preds(world, world["root"] / "valid.jsonl", "mer2023", "--lexicon",
                                   f"affectgpt:{folder}")[::2])

    prop()


def test_lexicon_wheel_mapping_npz(world):
    m = world["mapping"]

    @FUZZ
    @given(part=st.sampled_from(sorted(m)), value=st.one_of(VALUES, st.none()),
           raw=st.one_of(st.none(), st.none(), st.binary(max_size=300)))
    def prop(part, value, raw):
        value = m[part] if value is None else value  # None: the valid table
        f = fresh(world, "wheel_mapping.npz")
        f.write_bytes(raw if raw is not None else npz_bytes({k: _obj(value if k == part else v) for k, v in m.items()}))
        ok_or_bad_input(*run_preds(world, world["root"] / "valid.jsonl", "mer2023", "--lexicon",
                                   f"mer2026:{f}")[::2])

    prop()


# -- track submissions -------------------------------------------------------------------------------------------

TRACKS = {
    "mer2023-multi": ("name,discrete,valence\ns1,happy,1\ns2,sad,-2\ns3,angry,-1\n", ".csv", []),
    "mer2026-prefer": ("name,a1,a2,preference\np1,long text,short,a1\np2,aa,bbbbbb,a2\np3,x,y,same\n", ".csv", []),
    "mer2025-fg": ("name,openset\ns1,\"['happy', 'lonely']\"\ns2,\"['furious']\"\n", ".csv", ["LEX"]),
}


@pytest.mark.parametrize("track", sorted(TRACKS))
def test_track_submissions(world, track):
    gold_text, suffix, extra = TRACKS[track]
    gold = world["root"] / f"{track}-gold{suffix}"
    gold.write_text(gold_text)
    extra = [a for x in extra for a in (["--lexicon", world["lex"]] if x == "LEX" else [x])]

    @FUZZ
    @given(raw=any_bytes(gold_text.encode()))
    def prop(raw):
        sub = fresh(world, f"sub{suffix}")
        sub.write_bytes(raw)
        ok_or_bad_input(*run_cli("score-track", track, "--submission", sub, "--gold", gold, "--results-dir",
                                 world["root"] / "results", *extra)[::2])

    prop()


def test_track_openset_npz_submissions(world):
    gold = world["root"] / "fg-gold.csv"
    gold.write_text(TRACKS["mer2025-fg"][0])

    @FUZZ
    @given(names=st.lists(st.one_of(st.sampled_from(["s1", "s2"]), VALUES), max_size=3),
           items=st.lists(VALUES, max_size=3), raw=st.one_of(st.none(), st.binary(max_size=200)))
    def prop(names, items, raw):
        sub = fresh(world, "sub-openset.npz")
        sub.write_bytes(raw if raw is not None else npz_bytes({
            "filenames": np.array(names + [None], dtype=object)[:-1],
            "fileitems": np.array(items + [None], dtype=object)[:-1]}))
        ok_or_bad_input(*run_cli("score-track", "mer2025-fg", "--submission", sub, "--gold", gold, "--lexicon",
                                 world["lex"], "--results-dir", world["root"] / "results")[::2])

    prop()


def test_the_mutator_reaches_both_outcomes(world):
    """The property is not vacuous: the valid seed files are accepted (exit 0)."""
    for fmt in ("csv", "jsonl", "json", "npz"):
        code, _, err = run_preds(world, world["root"] / f"valid.{fmt}")
        assert code == 0, err

