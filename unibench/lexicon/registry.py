"""Pick a lexicon from a --lexicon value.

  (not given) | native     unibench's own lexicon, shipped in the package (the default)
  affectgpt:PATH           the upstream emotion_wheel/ folder (the paper's lexicon)
  mer2026:PATH             MER2026's corrected wheel_mapping.npz (or a folder holding it)
  PATH                     either upstream variant, recognised from what the path holds
A named variant whose PATH holds the other variant is an error, so a result never carries the wrong id.
"""

from __future__ import annotations

from unibench.lexicon.base import Lexicon

NAMED = ("native", "affectgpt", "mer2026")


def load_lexicon(arg: str | None = None) -> Lexicon:
    from unibench.errors import UserError

    value = (arg or "native").strip()
    kind, sep, rest = value.partition(":")
    if value.lower() == "native":
        from unibench.lexicon.native import load_native

        return load_native()
    if sep and kind.lower() == "native":
        raise UserError(f"--lexicon {value}: the native lexicon ships with unibench and takes no path; "
                        "pass --lexicon native")
    if sep and kind.lower() in NAMED:
        from unibench.lexicon.upstream import load_upstream

        if not rest:
            raise UserError(f"--lexicon {value}: give the path after '{kind}:'")
        lex = load_upstream(rest)
        if lex.id != kind.lower():
            raise UserError(f"--lexicon {value}: {rest} holds the '{lex.id}' lexicon, not '{kind.lower()}' "
                            f"(use --lexicon {lex.id}:{rest})")
        return lex
    if value.lower() in NAMED:
        raise UserError(f"--lexicon {value}: the upstream lexicons are not shipped; pass {value}:PATH")
    from unibench.lexicon.upstream import load_upstream

    return load_upstream(value)
