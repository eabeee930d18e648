"""The built-in demo corpus: `corpus.yaml` (readable source) materialised into the upstream layouts on demand.

`builtin_root()` writes, once per corpus version, into `$UNIBENCH_CACHE_DIR/demo/<hash>/`:
  demo-basic-process/label-6way.npz            test1_corpus: name -> {'emo': label, 'val': 0.0} (MER2023 layout)
  demo-basic-process/transcription-engchi-polish.csv   name, chinese (empty), english
  demo-sentiment-process/label.npz             test_corpus: name -> {'emo': 0, 'val': valence} (MOSI layout)
  demo-sentiment-process/transcription-engchi-polish.csv
  demo-openvocab-process/ovlabel.csv           name, openset ("[w1, w2]"; [] = neutral) (OV-MERD+ layout)
  demo-openvocab-process/subtitle_eng.csv      name, sentence
The folder is built in a temporary sibling and renamed into place, so concurrent first runs never see half a
corpus. The npz files hold an object array with the dict, as upstream's do; they are read back through unibench's
restricted unpickler like any corpus.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

SOURCE = Path(__file__).parent / "corpus.yaml"
LAYOUT_VERSION = "1"  # bump when the materialised layout changes
FOLDERS = {"basic": "demo-basic-process", "sentiment": "demo-sentiment-process",
           "openvocab": "demo-openvocab-process"}


def _hash() -> str:
    return hashlib.sha256(LAYOUT_VERSION.encode() + b"\0" + SOURCE.read_bytes()).hexdigest()[:16]


def _save_dict_npz(path: Path, key: str, value: dict) -> None:
    import numpy as np

    arr = np.empty((), dtype=object)
    arr[()] = value
    with open(path, "wb") as fh:  # a file object: savez would otherwise append .npz to the name
        np.savez_compressed(fh, **{key: arr})  # type: ignore[arg-type]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def materialise(target: Path) -> None:
    """Write the three demo corpora under `target` (which must not exist yet)."""
    import yaml

    sets = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["sets"]
    for folder in FOLDERS.values():
        (target / folder).mkdir(parents=True)
    basic, sent, ov = (target / FOLDERS[k] for k in ("basic", "sentiment", "openvocab"))
    _save_dict_npz(basic / "label-6way.npz", "test1_corpus",
                   {x["id"]: {"emo": x["emo"], "val": 0.0} for x in sets["basic"]})
    _save_dict_npz(sent / "label.npz", "test_corpus",
                   {x["id"]: {"emo": 0, "val": float(x["val"])} for x in sets["sentiment"]})
    for where, items in ((basic, sets["basic"]), (sent, sets["sentiment"])):
        _write_csv(where / "transcription-engchi-polish.csv", ["name", "chinese", "english"],
                   [[x["id"], "", x["subtitle"]] for x in items])
    _write_csv(ov / "ovlabel.csv", ["name", "openset"],
               [[x["id"], "[" + ", ".join(x["openset"]) + "]"] for x in sets["openvocab"]])
    _write_csv(ov / "subtitle_eng.csv", ["name", "sentence"], [[x["id"], x["subtitle"]] for x in sets["openvocab"]])


def builtin_root() -> Path:
    """The data root holding the materialised demo corpora (written on first use)."""
    from unibench.paths import cache_dir

    final = cache_dir() / "demo" / _hash()
    if (final / ".complete").is_file():
        return final
    from unibench.paths import write_failed

    tmp = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
        materialise(tmp / "root")
        (tmp / "root" / ".complete").write_text("ok\n", encoding="utf-8")
        try:
            os.rename(tmp / "root", final)
        except OSError:
            if not (final / ".complete").is_file():  # neither a concurrent winner nor ours: a stale folder
                shutil.rmtree(final, ignore_errors=True)
                os.rename(tmp / "root", final)
    except OSError as err:  # a full or read-only cache folder: exit 2 naming it, nothing left behind
        raise write_failed(final, err) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return final
