"""Saved outputs in AffectGPT's layout: `output/results-<dataset>/<run>/checkpoint_*.npz` (protocol section 2.2).

Each npz holds `name2reason` (sample -> response text). Every npz in the run folder whose name holds neither
'openset' nor 'sentiment' is one checkpoint named by its file stem (the OV-MER baselines'
`output-reason-7b-<variant>-eng.npz` files included). The cached LLM extractions beside them are read by the
`cache` extractor.
"""

from __future__ import annotations

from pathlib import Path

from unibench.adapters.base import Checkpoint, ModelAdapter
from unibench.errors import UserError, preview
from unibench.safe_npz import load_npz
from unibench.schema import Response


def _checkpoint_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.npz") if "openset" not in p.name and "sentiment" not in p.name)


def _upstream_count(folder: Path) -> int:
    """search_for_result_root's ranking: checkpoint_* files whose names hold no '-' (i.e. not caches)."""
    return sum(1 for p in folder.glob("checkpoint_*") if "-" not in p.name)


class AffectGPTNpz(ModelAdapter):
    kind = "affectgpt-npz"
    reads_inputs = False
    local = True

    def default_extractor(self) -> str | None:
        return "cache"  # the upstream extractions saved beside each checkpoint

    @property
    def default_name(self) -> str:
        """The run folder's name (-M run=, the folder given, or the run folders under results-*/), shortened;
        never the generic `output` every user's folder is called."""
        from unibench.naming import clean, from_path, shorten

        root = Path(self.arg)
        if self.options.get("run"):
            return shorten(clean(self.options["run"])) or self.kind
        if root.is_dir() and not _checkpoint_files(root):
            results = [d for d in root.iterdir() if d.is_dir() and d.name.lower().startswith("results-")]
            runs = sorted({r.name for d in results for r in d.iterdir() if r.is_dir()})
            if runs:
                return shorten(clean("-".join(runs))) or self.kind
        return from_path(root, self.kind)

    def run_folder(self, card) -> Path:
        root = Path(self.arg)
        if not root.is_dir():
            raise UserError(f"--model {self.kind}:{root}: no such folder")
        if _checkpoint_files(root):
            return root  # a run folder given directly
        keys = {k.lower() for k in (card.results_key, card.name, *card.aliases)}
        results = root if root.name.lower() in {f"results-{k}" for k in keys} else next(
            (d for d in sorted(root.iterdir()) if d.is_dir() and d.name.lower() in {f"results-{k}" for k in keys}),
            None)
        if results is None:
            raise UserError(f"{card.name}: no outputs under {root}; expected {root}/results-{card.results_key}/"
                            f"<run>/checkpoint_*.npz (or pass the run folder itself)")
        if _checkpoint_files(results):
            return results
        runs = [d for d in sorted(results.iterdir()) if d.is_dir()]
        wanted = self.options.get("run")
        if wanted:
            exact = results / wanted
            runs = [exact] if exact.is_dir() else [d for d in runs if d.name.startswith(wanted)]
            if not runs:
                raise UserError(f"{card.name}: no run folder '{wanted}*' in {results}")
        if not runs:
            raise UserError(f"{card.name}: {results} holds no run folder; expected {results}/<run>/checkpoint_*.npz")
        ranked = sorted(runs, key=_upstream_count, reverse=True)
        if len(ranked) > 1 and _upstream_count(ranked[0]) == _upstream_count(ranked[1]):
            raise UserError(f"{card.name}: several run folders in {results} ({preview(d.name for d in runs)}); "
                            "choose one with -M run=NAME")
        return ranked[0]

    def checkpoints(self, card) -> list[Checkpoint]:
        folder = self.run_folder(card)
        files = _checkpoint_files(folder)
        if not files:
            raise UserError(f"{card.name}: empty run folder {folder}: no checkpoint npz (names without "
                            "'openset'/'sentiment')")
        return [Checkpoint(name=p.stem, path=p, files=(p,)) for p in files]

    def outputs(self, checkpoint: Checkpoint, samples=None) -> dict[str, Response]:
        assert checkpoint.path is not None  # checkpoints() gives every checkpoint its file
        data = load_npz(checkpoint.path, keys=("name2reason",))
        got = data.get("name2reason")
        if not isinstance(got, dict):
            raise UserError(f"{checkpoint.path}: no 'name2reason' dict (sample -> response text); "
                            "is this an AffectGPT-layout output file?")
        return {str(k): Response.of_text(str(v)) for k, v in got.items()}
