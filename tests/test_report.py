"""`unibench report`: report.md and a self-contained report.html per model, with confusion tables whose counts
sum to the scored samples, failure counts and the most confident errors; the HTML opened in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from lb_synth import make_data, make_model, run_args


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from unibench.cli import main

    tmp = tmp_path_factory.mktemp("report")
    data = make_data(tmp / "data")
    out = make_model(tmp / "o", wrong_dialogues={1, 2}, wrong_videos={3})
    res = tmp / "results"
    assert main(run_args(data, out, "m", res, "--bootstrap", "50")) == 0
    return res


def test_report_sections_confusion_and_errors(scored, cli):
    code, out, err = cli("report", scored / "m", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [s["dataset"] for s in doc["sections"]] == ["meld", "mosi"]
    meld, mosi = doc["sections"]
    stored = json.loads((scored / "m" / "meld.json").read_text())["results"][0]
    for wheel, table in meld["confusion"]["tables"].items():
        assert sum(map(sum, table["counts"])) == stored["per_wheel"][wheel]["n"]  # every scored sample once
        hits = sum(pc["hits"] for pc in table["per_class"])
        assert hits / sum(pc["n"] for pc in table["per_class"]) * 100 == pytest.approx(stored["per_wheel"][wheel]
                                                                                       ["score"])
    mosi_table = mosi["confusion"]["tables"][""]
    assert sum(map(sum, mosi_table["counts"])) == mosi["n"] == 686 - 686 // 5  # zero-gold dropped
    # the 20 wrong MELD samples (dialogues 1 and 2, all answered "[happy]") are exactly the errors
    assert meld["n_errors"] == 20 and len(meld["errors"]) == 20
    assert {e["id"] for e in meld["errors"]} == {f"test_dia{d}_utt{u}" for d in (1, 2) for u in range(10)}
    assert all(e["prediction"] == "[happy]" and "happy" in e["response"] for e in meld["errors"])
    # MOSI: video 3 (segments 21..27) is answered with the wrong polarity; 22 and 27 have zero gold (dropped)
    assert mosi["n_errors"] == 5 and {e["id"] for e in mosi["errors"]} == {f"vid003_{k}" for k in (0, 2, 3, 4, 5)}
    assert meld["secondary"]["macro_f1"] is not None and meld["failures"]["n_failed"] == 0
    md = (scored / "m" / "report.md").read_text()
    assert "Confusion: gold class x predicted cluster" in md and "recall %" in md
    assert "macro F1 over gold classes (non-official)" in md and "Most confident errors (20 of 20)" in md


def test_report_html_is_self_contained(scored, cli):
    assert cli("report", "m", "--results-dir", scored)[0] == 0
    html = (scored / "m" / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<table" in html
    assert not re.search(r"(?i)https?://|<script|<link|<img|@import|url\(|src=", html)
    first = (scored / "m" / "report.md").read_bytes()
    assert cli("report", "m", "--results-dir", scored)[0] == 0
    assert (scored / "m" / "report.md").read_bytes() == first  # deterministic


def test_report_without_records_says_so(tmp_path, cli):
    from unibench.cli import main

    data = make_data(tmp_path / "data")
    out = make_model(tmp_path / "o", wrong_dialogues={1})
    res = tmp_path / "r"
    assert main(run_args(data, out, "norec", res, "--no-records", "--bootstrap", "0", "--dataset", "meld")) == 0
    code, _, err = cli("report", res / "norec")
    assert code == 0, err
    md = (res / "norec" / "report.md").read_text()
    assert "No per-sample records stored" in md and "Confusion: gold class x predicted cluster" in md
    assert cli("report", tmp_path / "nothing-here")[0] == 2


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_html_in_headless_chromium(scored, cli, tmp_path):
    """A real browser renders the page at 1280 px (screenshot) without any console message."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    assert cli("report", scored / "m")[0] == 0
    shot = tmp_path / "report.png"
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--log-level=0", "--window-size=1280,2000",
                           f"--screenshot={shot}", (scored / "m" / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
