"""The published MER-UniBench Table 2 (AffectGPT paper) stored as data: shape, provenance and internal consistency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

TABLE = Path(__file__).resolve().parents[1] / "unibench" / "leaderboard" / "published" / "mer-unibench-table2.yaml"
DATASETS = ["mer2023", "mer2024", "meld", "iemocap", "mosi", "mosei", "sims", "simsv2", "ovmerdplus"]

# Rows whose printed mean is 0.0056 away from the mean of their nine printed cells: just outside the 0.005 of
# rounding the mean, well inside the 0.01 that rounding the cells as well allows. Kept as printed, not "fixed".
KNOWN_MEAN_OFF_BY_CELL_ROUNDING = {"OneLLM", "VideoChat"}


@pytest.fixture(scope="module")
def table() -> dict:
    with TABLE.open() as f:
        return yaml.safe_load(f)


def test_header_and_provenance(table: dict):
    assert table["protocol"] == "mer-unibench"
    assert table["lexicon"] == "affectgpt"
    assert table["extractor"] == "qwen2.5-7b-instruct (upstream cache)"
    assert table["checkpoint_policy"] == "best of N on test (per dataset)"
    assert table["citation"]["arxiv"] == "2501.16566"
    assert "AffectGPT" in table["citation"]["title"]
    assert table["datasets"] == DATASETS
    assert set(table["metrics"]) == set(DATASETS)


def test_nineteen_rows_with_all_datasets(table: dict):
    rows = table["rows"]
    assert len(rows) == 19
    names = [r["model"] for r in rows]
    assert len(set(names)) == 19, "display names must be unique"
    for r in rows:
        assert list(r["scores"]) == DATASETS, r["model"]
        assert all(isinstance(v, float) and 0 <= v <= 100 for v in r["scores"].values()), r["model"]
        assert set(r["modalities"]) == {"A", "V", "T"} and r["modalities"]["T"] is True
        assert r["source"] == "paper table 2"


def test_display_names_distinguish_modalities(table: dict):
    by_name = {r["model"]: r["modalities"] for r in table["rows"]}
    for base in ("AffectGPT", "PandaGPT"):
        assert by_name[f"{base} (A,T)"] == {"A": True, "V": False, "T": True}
        assert by_name[f"{base} (V,T)"] == {"A": False, "V": True, "T": True}
        assert by_name[f"{base} (A,V,T)"] == {"A": True, "V": True, "T": True}


def test_printed_means_match_cells(table: dict):
    off = {}
    for r in table["rows"]:
        mean = sum(r["scores"].values()) / 9
        assert abs(mean - r["mean"]) <= 0.01, (r["model"], mean, r["mean"])  # cells and mean both rounded
        if abs(mean - r["mean"]) > 0.005:
            off[r["model"]] = round(mean, 4)
    assert set(off) == KNOWN_MEAN_OFF_BY_CELL_ROUNDING, off


def test_affectgpt_avt_row_literal(table: dict):
    row = next(r for r in table["rows"] if r["model"] == "AffectGPT (A,V,T)")
    assert [row["scores"][d] for d in DATASETS] == [78.54, 78.80, 55.65, 60.54, 81.30, 80.90, 88.49, 86.18, 62.52]
    assert row["mean"] == 74.77
    assert row["base_model"] == "AffectGPT"


def test_first_and_other_affectgpt_rows_literal(table: dict):
    rows = {r["model"]: r for r in table["rows"]}
    assert [rows["OneLLM"]["scores"][d] for d in DATASETS] == [
        25.52, 17.21, 28.32, 33.44, 64.01, 54.09, 63.39, 61.98, 22.25]
    assert rows["AffectGPT (A,T)"]["mean"] == 72.18
    assert rows["AffectGPT (V,T)"]["mean"] == 74.31
    assert table["rows"][0]["model"] == "OneLLM" and table["rows"][-1]["model"] == "AffectGPT (A,V,T)"
