import json
import subprocess
import sys


def test_help_is_instant_and_imports_nothing_heavy():
    code = ("import sys; from unibench.cli import main; main(['--help']); "
            "heavy = [m for m in ('numpy', 'yaml', 'openpyxl', 'torch', 'openai', 'pandas') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out and "run" in out and "Exit codes" in out


def test_unknown_command_suggests(cli):
    code, out, err = cli("rnu")
    assert code == 2 and "did you mean 'run'" in err


def test_datasets_json_lists_the_nine_and_their_aliases(cli, tmp_path):
    code, out, err = cli("datasets", "--data-root", tmp_path, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    names = [d["name"] for d in doc["datasets"] if d["suite"] == "mer-unibench"]
    assert names == ["mer2023", "mer2024", "meld", "iemocap", "mosi", "mosei", "sims", "simsv2", "ovmerdplus"]
    by = {d["name"]: d for d in doc["datasets"]}
    assert "iemocapfour" in by["iemocap"]["aliases"] and "cmumosi" in [a.lower() for a in by["mosi"]["aliases"]]
    assert not any(d["found"] for d in doc["datasets"] if d["suite"] != "demo")  # packaged demo sets are always found
    assert all(d["found"] for d in doc["datasets"] if d["suite"] == "demo")
    assert {d["n_test"] for d in doc["datasets"] if d["name"] == "meld"} == {2610}


def test_upstream_keys_resolve(cli):
    from unibench.datasets import get_card

    assert get_card("IEMOCAPFour").name == "iemocap" and get_card("cmumosei").name == "mosei"


def test_the_command_settings_stay_with_the_command(cli):
    """The CLI runs the cyclic collector less often for a command's duration and restores it after; it defaults
    numpy's BLAS to one thread in its own process (read at numpy's first import), leaving a value the user set."""
    import gc
    import os
    import subprocess
    import sys

    from unibench.cli import GC_THRESHOLDS

    before = gc.get_threshold()
    assert cli("datasets", "--format", "json")[0] == 0
    assert gc.get_threshold() == before != GC_THRESHOLDS
    probe = "import os, unibench.cli as c; c.main(['--version']); print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env).stdout.split()
    assert out[-1] == "1"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**env, "OPENBLAS_NUM_THREADS": "2"}).stdout.split()
    assert out[-1] == "2"


def test_the_command_process_ends_without_interpreter_teardown_and_main_does_not(cli):
    """`unibench` (console script and `python -m unibench`) runs `entry`: main, then exit handlers, flushed
    streams and os._exit (no interpreter teardown); with another thread alive, the usual exit (the thread is
    joined), the run's objects frozen out of the collector. `main` called in-process leaves the caller as it was."""
    import gc
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "unibench"]
    assert script.value == "unibench.cli:entry"
    from importlib.util import find_spec

    assert "entry()" in open(find_spec("unibench.__main__").origin).read()
    probe = ("import atexit, gc, sys, threading, time, unibench.cli as c\n"
             "atexit.register(lambda: print('HANDLER', gc.get_freeze_count() > 0))\n"
             "if sys.argv[1] == 'thread':\n"
             "    threading.Thread(target=lambda: (time.sleep(0.5), print('JOINED'))).start()\n"
             "sys.argv = ['unibench', '--version']\n"
             "sys.stdout.write('x' * 100000)\n"  # buffered: flushed before os._exit
             "code = c.entry()\n"
             "print('RETURNED', code)\n")
    for mode in ("plain", "thread"):
        got = subprocess.run([sys.executable, "-c", probe, mode], capture_output=True, text=True)
        assert got.returncode == 0 and got.stderr == "" and "x" * 100000 in got.stdout and "unibench " in got.stdout
        assert "HANDLER True" in got.stdout  # exit handlers ran, after the freeze
        assert ("RETURNED 0" in got.stdout) is (mode == "thread")  # os._exit only with no other thread
        assert ("JOINED" in got.stdout) is (mode == "thread")
    bad = subprocess.run([sys.executable, "-m", "unibench", "run", "--model", "nope:x"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and bad.stderr.strip()  # the exit code and the error come through os._exit
    before = gc.get_freeze_count()
    assert cli("--version")[0] == 0
    assert gc.get_freeze_count() == before
