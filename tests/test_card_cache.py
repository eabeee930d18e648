"""Parsed dataset cards are kept in the cache folder, named by the files' content, so a command's start does not
import PyYAML; an edited card, a corrupt entry or a parse JSON cannot hold is parsed again."""

import os
import subprocess
import sys

from unibench.datasets.cards import parsed_cards


def _entries(cache):
    return sorted((cache / "cards").glob("*.json")) if (cache / "cards").exists() else []


def test_a_second_command_reads_the_cards_without_yaml(tmp_path):
    env = {**os.environ, "UNIBENCH_CACHE_DIR": str(tmp_path)}
    probe = ("import sys; from unibench.datasets.cards import all_cards; "
             "n = len(all_cards(plugins=False)); print('YAML', 'yaml' in sys.modules, n)")
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    second = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert first.split()[:2] == ["YAML", "True"] and second.split()[:2] == ["YAML", "False"]
    assert first.split()[2] == second.split()[2] and int(second.split()[2]) >= 9
    assert len(_entries(tmp_path)) == 1


def test_an_edited_card_is_parsed_again_and_a_corrupt_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\nn_test: 3\n")
    b.write_text("name: b\nlabel_space: [x, y]\n")
    assert parsed_cards([a, b]) == [{"name": "a", "n_test": 3}, {"name": "b", "label_space": ["x", "y"]}]
    (entry,) = _entries(tmp_path / "cache")
    assert parsed_cards([a, b])[0] == {"name": "a", "n_test": 3}
    a.write_text("name: a\nn_test: 4\n")
    assert parsed_cards([a, b])[0] == {"name": "a", "n_test": 4}
    assert len(_entries(tmp_path / "cache")) == 2
    entry.write_text("[[\"a.yaml\", {\"name\": \"stale\"}]]")  # another set under this key: names differ, parsed
    a.write_text("name: a\nn_test: 3\n")
    assert parsed_cards([a, b])[0] == {"name": "a", "n_test": 3}
    entry.write_text("{not json")
    assert parsed_cards([a, b])[1] == {"name": "b", "label_space": ["x", "y"]}


def test_a_parse_json_cannot_give_back_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIBENCH_CACHE_DIR", str(tmp_path / "cache"))
    card = tmp_path / "c.yaml"
    card.write_text("name: c\nsubtitles: {1: one}\n")  # an integer key would come back from JSON as "1"
    assert parsed_cards([card]) == [{"name": "c", "subtitles": {1: "one"}}]
    assert parsed_cards([card]) == [{"name": "c", "subtitles": {1: "one"}}]
    assert _entries(tmp_path / "cache") == []
