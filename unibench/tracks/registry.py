"""The track registry: every MERBench / MER2023-2026 / OV-MER / EMER track the harness knows, scorable or not.

Definitions are Python, not YAML: each track points at its scorer as a lazy "module:attr" string (so listing tracks
imports nothing heavy), the fields are type-checked dataclasses, and third parties add tracks through the same
`unibench.registry.Registry` entry-point mechanism as datasets and extractors ("unibench.tracks" group) without a
second loader. Sources: challenge-tracks.md (sections 1-4) and mer-unibench-protocol.md section 9.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass, field

from unibench.registry import Registry

__all__ = ["Track", "TRACKS", "get_track", "track_ids"]

# Citations (arXiv ids; the MER2023 and MER2026 ids are the ones named in challenge-tracks.md).
MERBENCH = "Lian et al., MERBench: A Unified Evaluation Benchmark for Multimodal Emotion Recognition, arXiv:2401.03429"
MER2023 = ("Lian et al., MER 2023: Multi-label Learning, Modality Robustness, and Semi-Supervised Learning, "
           "ACM MM 2023, arXiv:2304.08981")
MER2024 = ("Lian et al., MER 2024: Semi-Supervised Learning, Noise Robustness, and Open-Vocabulary Multimodal "
           "Emotion Recognition, arXiv:2404.17113")
MER2025 = "Lian et al., MER 2025: When Affective Computing Meets Large Language Models, arXiv:2504.19423"
MER2026 = "MER 2026 challenge (MERTools/MER2026), arXiv:2604.19417"
OVMER = "Lian et al., OV-MER: Towards Open-Vocabulary Multimodal Emotion Recognition, ICML 2025, arXiv:2410.01495"
EMER = "Lian et al., Explainable Multimodal Emotion Recognition (EMER), arXiv:2306.15401"
EMOPREFER = "EmoPrefer (AffectGPT repository, EmoPrefer/); DMER-Ranker, arXiv:2507.04278"

_S = "unibench.tracks.scorers"
_OV = "unibench.tracks.scorers_ov"


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    metric: str                    # the official rule, one line
    submission: str                # file format, one line (docs/tracks.md has the details)
    gold: str
    citation: str
    scorer: str = ""               # "module:attr"; empty when not scorable
    reason: str = ""               # why not scorable
    options: tuple[str, ...] = ()  # extra options the scorer uses (lexicon, groupings, ...)
    lexicon: str | None = None     # required lexicon variant: affectgpt | mer2026 | any
    kwargs: dict = field(default_factory=dict)  # fixed per-track settings passed to the scorer
    own_format: str = ""           # non-empty: the file format is unibench's, not the organisers' (and why)
    direction: str = "higher"      # which way the score is better
    units: str = "x100 (fractions times 100)"

    @property
    def status(self) -> str:
        return "scorable" if self.scorer else "not-scorable"

    @property
    def format_by(self) -> str:
        return "unibench" if self.own_format else "official"

    def describe(self) -> dict:
        return {"id": self.id, "title": self.title, "metric": self.metric, "submission": self.submission,
                "gold": self.gold, "format_by": self.format_by, "format_note": self.own_format or None,
                "direction": self.direction, "units": self.units, "status": self.status,
                "reason": self.reason or None, "citation": self.citation, "options": list(self.options),
                "lexicon": self.lexicon}


_NO_MER2024_FILE = ("MER2024 publishes no submission format (its baseline writes an npz of emo_probs); "
                    "this CSV is unibench's")
_DISCRETE = "CSV name,discrete (one of neutral, angry, happy, sad, worried, surprise)"
_NO_MERBENCH_FILE = "MERBench keeps no per-sample predictions (its scorer takes logits in memory); this CSV is unibench's"
_MER2023_UNITS = "x100 (fractions times 100); mse_raw on the raw valence scale"
_LLM = ("lexicon", "extractor", "extractor_llm")


def _tracks() -> list[Track]:
    semi: dict[str, Any] = dict(scorer=f"{_S}:score_waf", gold="CSV name,discrete")
    return [
        Track("merbench-discrete", "MERBench discrete (MER2023, IEMOCAP, MELD)",
              "accuracy and weighted F1 (WAF, primary) over the gold names",
              "CSV name,discrete (labels of the gold file, or --labels)", "CSV name,discrete", MERBENCH,
              scorer=f"{_S}:score_merbench_discrete", options=("labels",), own_format=_NO_MERBENCH_FILE),
        Track("merbench-sentiment", "MERBench sentiment (CMU-MOSI/MOSEI, CH-SIMS/v2)",
              "binary Non0: WAF (primary) and ACC of (gold>0) vs (pred>0), exact-zero gold dropped",
              "CSV name,valence (float prediction)", "CSV name,valence", MERBENCH,
              scorer=f"{_S}:score_merbench_sentiment", own_format=_NO_MERBENCH_FILE),
        Track("mer2023-multi", "MER2023 MER-MULTI (test1)", "WAF - 0.25 x valence MSE (also WAF, ACC, MSE)",
              "CSV name,discrete,valence (exactly the gold names)", "CSV name,discrete,valence", MER2023,
              scorer=f"{_S}:score_mer2023", kwargs={"count": "equal"}, units=_MER2023_UNITS),
        Track("mer2023-noise", "MER2023 MER-NOISE (test2)", "WAF - 0.25 x valence MSE (also WAF, ACC, MSE)",
              "CSV name,discrete,valence (exactly the gold names)", "CSV name,discrete,valence", MER2023,
              scorer=f"{_S}:score_mer2023", kwargs={"count": "equal"}, units=_MER2023_UNITS),
        Track("mer2023-semi", "MER2023 MER-SEMI (test3)", "WAF over the gold names (valence ignored)",
              _DISCRETE, citation=MER2023, **semi),
        Track("mer2024-semi", "MER2024 MER-SEMI", "WAF over the gold names", _DISCRETE, citation=MER2024,
              own_format=_NO_MER2024_FILE, **semi),
        Track("mer2024-noise", "MER2024 MER-NOISE", "WAF over the gold names", _DISCRETE, citation=MER2024,
              own_format=_NO_MER2024_FILE, **semi),
        Track("mer2024-ov", "MER2024 MER-OV", "mean(set precision, set recall) after GPT synonym grouping",
              "CSV name,openset (MER2024 quote-only list string)", "CSV name,openset", MER2024,
              scorer=f"{_OV}:score_mer2024_ov", options=("groupings", "grouping_llm")),
        Track("mer2025-semi", "MER2025 Track 1 MER-SEMI", "WAF over the gold names",
              _DISCRETE + " (all 20,000 candidates)", citation=MER2025, kwargs={"count": 20000, "gold_only": True},
              **semi),
        Track("mer2025-fg", "MER2025 Track 2 MER-FG", "mean(EW-F level 1, EW-F level 2), AffectGPT lexicon; "
              "undefined (official NaN) when a wheel scores no sample or has P + R = 0",
              "npz filenames,fileitems (*-openset.npz, all 20,000 candidates)", "CSV name,openset", MER2025,
              scorer=f"{_OV}:score_fg", options=("lexicon",), lexicon="affectgpt",
              kwargs={"levels": ("level1", "level2"), "rule": "mer2025", "count": 20000, "npz_only": True}),
        Track("mer2025-des", "MER2025 Track 3 MER-DES",
              "labels from the description (or given), then the MER2025-FG metric (official metric UNVERIFIED)",
              "CSV name,description[,openset]", "CSV name,openset", MER2025, scorer=f"{_OV}:score_des",
              options=_LLM, lexicon="affectgpt", kwargs={"levels": ("level1", "level2"), "rule": "mer2025"},
              own_format="MERTools has no DES scorer or upload format; this CSV and the metric choice are unibench's"),
        Track("mer2025-pr", "MER2025 Track 4 MER-PR (personality)", "UNVERIFIED", "UNVERIFIED", "UNVERIFIED", MER2025,
              reason="personality prediction on MDPE: targets, metric, file format and test set are not public "
                     "(UNVERIFIED, not in MERTools); nothing to reproduce"),
        Track("mer2026-cross", "MER2026 Track 1 MER-Cross (listener emotion)", "WAF over the gold names", _DISCRETE,
              citation=MER2026, kwargs={"gold_only": True}, **semi),
        Track("mer2026-fg", "MER2026 Track 2 MER-FG", "EW-F level 1 on the corrected MER2026 lexicon (a wheel that "
              "scores no sample counts as F = 0, as the official guard)",
              "npz filenames,fileitems or CSV name,openset", "CSV name,openset", MER2026, scorer=f"{_OV}:score_fg",
              options=("lexicon",), lexicon="mer2026", kwargs={"levels": ("level1",), "rule": "mer2026"},
              own_format="the official evaluation.py reads an npz filenames,fileitems (the upload format is not "
                         "published); the CSV form is unibench's"),
        Track("mer2026-prefer", "MER2026 Track 3 MER-Prefer",
              "2-class WAF (gold 'same' dropped, predicted 'same' -> a1; primary) and ACC; 3-class WAF/ACC; swap "
              "consistency with --reversed; length baseline always beside it",
              "CSV name,preference or name,a1,a2,preference (a1 | a2 | same)", "CSV name,a1,a2,preference",
              EMOPREFER + "; " + MER2026, scorer=f"{_S}:score_prefer", options=("reversed",),
              own_format="the official metric takes label lists (npz gt_labels, pred_labels; the upload format is "
                         "not published); these CSVs are unibench's"),
        Track("mer2026-ps", "MER2026 Track 4 MER-PS (physiological signals)",
              "mean absolute error over valence and arousal (overall, primary; and per dimension), integer "
              "predictions on the 1..255 scale; lower is better",
              "CSV sample_id,valence,arousal (integers 1..255)", "CSV sample_id,valence,arousal (the targets)",
              MER2026 + "; metric from the organisers' Codabench page", scorer="unibench.tracks.scorers_ps:score_ps",
              own_format="Codabench runs submitted code, so there is no upload file; this CSV is unibench's",
              direction="lower", units="raw 1..255 scale (MAE; lower is better)"),
        Track("ovmer-suite", "OV-MER metric suite", "M1, M2, M3-Wk-Ll (5 wheels x 2 levels) set F, and M-avg of "
              "the 12; undefined (official NaN) when a metric scores no sample or has P + R = 0",
              "CSV name,openset or npz filenames,fileitems", "CSV name,openset", OVMER,
              scorer=f"{_OV}:score_ovmer_suite", options=("lexicon",), lexicon="any",
              own_format="OV-MER's code reads an npz filenames,fileitems; the CSV form is unibench's"),
        Track("emer-description", "EMER-style description scoring (unibench describe-score)",
              "(a) EW-F of labels extracted from description and reference; (b) optional EMER v1 judge clue/label "
              "overlap (1-10); (c) optional MiniLM cosine similarity",
              "CSV name,description (or npz name2reason)", "CSV name,description or name,chinese,english", EMER,
              scorer="unibench.describe.score:score_descriptions",
              options=(*_LLM, "judge", "embeddings", "gold_column"), lexicon="any",
              own_format="the EMER v1 judge read CSVs names,chi_reasons; these layouts and score (a) are unibench's",
              units="x100 (fractions times 100); judge scores on their 1-10 scale"),
    ]


def _populate(reg: Registry) -> None:
    for t in _tracks():
        reg.register(t.id, t)


TRACKS = Registry("track", entry_point_group="unibench.tracks", populate=_populate)


def get_track(name: str) -> Track:
    return TRACKS.get(name)


def track_ids() -> list[str]:
    """Track ids in definition order (built-ins first, then plug-ins by name)."""
    builtin = [t.id for t in _tracks()]
    return builtin + [n for n in TRACKS.names() if n not in builtin]
