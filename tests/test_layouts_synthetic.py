"""The other upstream layouts (those not in ../shared/reference): IEMOCAP's Session-5 filter on whole_corpus with
integer labels, MELD's label indices, OV-MERD+'s CSV labels with test names from subtitle_eng.csv, and MOSEI's
float32 valences."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from unibench.datasets import get_card, load_corpus
from unibench.errors import UserError
from tests.synth import save_label_npz


def test_iemocap_session5_and_index_labels(tmp_path):
    idx2emo = ["happy", "sad", "neutral", "anger"]
    corpus = {}
    for ses in range(1, 6):
        n = 1241 if ses == 5 else 7
        for i in range(n):
            corpus[f"Ses0{ses}F_impro0{i % 3}_F{i:03d}"] = {"emo": i % 4, "val": -10}
    save_label_npz(tmp_path / "iemocap-process/label_4way.npz", {"whole_corpus": corpus})
    c = load_corpus(get_card("iemocapfour"), tmp_path)
    assert len(c.samples) == 1241 and all(s.id.startswith("Ses05") for s in c.samples)
    assert [g.gold for g in c.gold[:5]] == [idx2emo[i % 4] for i in range(5)]
    assert c.samples[0].cluster == "Ses05F_impro00"


def test_meld_indices_map_to_the_meld_order(tmp_path):
    corpus = {f"test_dia{i // 5}_utt{i % 5}": {"emo": i % 7, "val": -10} for i in range(2610)}
    save_label_npz(tmp_path / "meld-process/label.npz", {"test_corpus": corpus})
    c = load_corpus(get_card("MELD"), tmp_path)
    assert [g.gold for g in c.gold[:7]] == ["anger", "joy", "sadness", "neutral", "disgust", "fear", "surprise"]
    assert c.samples[6].cluster == "test_dia1"


def _write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_ovmerdplus_names_come_from_the_subtitle_file(tmp_path):
    folder = tmp_path / "ovmerdplus-process"
    labels = [(f"sample_{i:08d}", "['happy', 'excited']" if i % 2 else "[]") for i in range(600)]
    _write_csv(folder / "ovlabel.csv", ["name", "openset"], labels)
    _write_csv(folder / "subtitle_eng.csv", ["name", "sentence"], [(n, "hi") for n, _ in labels[:532]])
    c = load_corpus(get_card("ovmerdplus"), tmp_path, subtitles=True)
    assert len(c.samples) == 532 and c.gold[0].gold == ("neutral",) and c.gold[1].gold == ("happy", "excited")
    assert c.samples[1].subtitle == "hi"
    _write_csv(folder / "subtitle_eng.csv", ["name", "sentence"], [(n, "hi") for n, _ in labels[:531]] + [("ghost", "x")])
    with pytest.raises(UserError, match="1 test names have no label"):
        load_corpus(get_card("ovmerdplus"), tmp_path)


def test_mosei_float32_valences(tmp_path):
    corpus = {f"v{i}_{i % 3}": {"emo": 0, "val": np.float32(i % 7 - 3)} for i in range(4659)}
    save_label_npz(tmp_path / "cmumosei-process/label.npz", {"test_corpus": corpus})
    c = load_corpus(get_card("cmumosei"), tmp_path)
    assert len(c.samples) == 4659 and isinstance(c.gold[0].gold, float) and c.gold[0].gold == -3.0


def test_samples_are_built_on_first_read_and_read_as_a_tuple(tmp_path):
    """The loader's samples (LazySamples) equal the tuple of Samples they stand for, index and slice as it does,
    and pickle as their columns (a forked worker sends those back), rebuilding the same Samples."""
    import pickle

    from unibench.schema import Corpus, Sample

    folder = tmp_path / "ovmerdplus-process"
    labels = [(f"sample_{i:08d}", "['happy']") for i in range(40)]
    _write_csv(folder / "ovlabel.csv", ["name", "openset"], labels)
    _write_csv(folder / "subtitle_eng.csv", ["name", "sentence"], [(n, f"line {n}") for n, _ in labels])
    card = get_card("ovmerdplus")
    c = load_corpus(card, tmp_path, subtitles=True, allow_partial=True)
    eager = tuple(Sample(id=n, task="open_vocab", subtitle=f"line {n}",
                         media={k: f"{folder / v}/{n}" for k, v in (card.media or {}).items()}, cluster=None)
                  for n, _ in labels)
    assert not any(c.samples._built)  # nothing built by loading
    assert c.samples == eager and tuple(c.samples) == eager and len(c.samples) == 40
    assert c.samples[-1] == eager[-1] and c.samples[3:7] == eager[3:7] and c.samples[0] is c.samples[0]
    assert c.ids == [n for n, _ in labels]
    again = pickle.loads(pickle.dumps(c.samples))
    assert not any(again._built) and again == eager
    with pytest.raises(ValueError, match="same ids in the same order"):
        Corpus(card=card, samples=c.samples, gold=c.gold[::-1], label_path="x", label_sha256="y")


def test_a_run_on_saved_outputs_builds_no_sample(reference):
    """Saved-output adapters read only the ids: scoring them never builds the model side's Samples."""
    import unibench

    run = unibench.evaluate(f"affectgpt-npz:{reference / 'output'}", ["mosi"], bootstrap=0, jobs=1,
                             data_root=reference / "dataset")
    samples = run.results[0].corpus.samples
    assert len(samples) == 686 and not any(samples._built)
