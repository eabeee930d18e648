"""The restricted loader: plain data loads, anything else is refused, damage is a clear error."""

import os
import pickle

import numpy as np
import pytest

from unibench.errors import UserError
from unibench.safe_npz import load_npz
from tests.synth import save_dict_npz


def test_loads_pickled_dicts_and_numpy_scalars(tmp_path):
    p = save_dict_npz(tmp_path / "x.npz", "test_corpus", {"a": {"emo": 0, "val": np.float64(-1.5)}, "b": {"emo": "happy"}})
    got = load_npz(p)["test_corpus"]
    assert got == {"a": {"emo": 0, "val": -1.5}, "b": {"emo": "happy"}}


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_refuses_pickles_that_name_other_globals(tmp_path):
    arr = np.empty((), dtype=object)
    arr[()] = {"x": Evil()}
    np.savez(tmp_path / "evil.npz", name2reason=arr)
    with pytest.raises(UserError, match="refused to load.*posix.system|refused to load.*os.system"):
        load_npz(tmp_path / "evil.npz")


def test_truncated_and_garbage_files_are_clear_errors(tmp_path):
    p = save_dict_npz(tmp_path / "ok.npz", "k", {"a": "b" * 1000})
    data = p.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    for name in ("trunc.npz", "junk.npz"):
        with pytest.raises(UserError, match="unreadable or truncated"):
            load_npz(tmp_path / name)
    with pytest.raises(UserError, match="file not found"):
        load_npz(tmp_path / "absent.npz")


def test_plain_unicode_arrays_need_no_pickle(tmp_path):
    np.savez(tmp_path / "c.npz", filenames=np.array(["a", "b"]), fileitems=np.array(["[x]", "[]"]))
    got = load_npz(tmp_path / "c.npz")
    assert got["filenames"].tolist() == ["a", "b"] and got["fileitems"].tolist() == ["[x]", "[]"]


def test_protocol_bytes_are_not_accepted_as_a_backdoor(tmp_path):
    # a raw pickle stream asking for builtins.eval inside an object array
    payload = pickle.dumps(np.array([eval], dtype=object), protocol=3)
    assert b"eval" in payload
    header = np.lib.format
    import io
    buf = io.BytesIO()
    header.write_array_header_1_0(buf, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    import zipfile
    with zipfile.ZipFile(tmp_path / "e.npz", "w") as zf:
        zf.writestr("a.npy", b"\x93NUMPY\x01\x00" + buf.getvalue()[8:] + payload)
    with pytest.raises(UserError, match="refused"):
        load_npz(tmp_path / "e.npz")
