"""unibench rescore: re-score stored results with another lexicon or extractor, without calling the model.

Every checkpoint's responses and extractions are stored beside each result (`<dataset>.samples.jsonl`), so a new
lexicon re-maps the stored extractions and a new extractor re-reads the stored responses; the numbers and the run
spec are those a fresh `unibench run` with that lexicon or extractor gives.
"""

from __future__ import annotations

import re
import shlex
import sys

from unibench.cli import add_data_root, add_format, add_llm_arguments, add_results_dir



def add_arguments(p) -> None:
    p.add_argument("stored", metavar="RESULTS/MODEL", help="a stored model folder (results/<model>/) or one result file")
    p.add_argument("--lexicon", default=None, metavar="NAME[:PATH]", help="the lexicon to score with (as in run)")
    p.add_argument("--extractor", default=None, help="the extractor to read the stored responses with (as in run)")
    p.add_argument("--name", default=None, help="result name (default: <model>+<lexicon or extractor id>)")
    p.add_argument("--dataset", default="all", help="comma-separated dataset names or 'all' (every stored one)")
    add_llm_arguments(p)
    add_data_root(p)
    add_results_dir(p)
    add_format(p)


def run(args) -> int:
    from unibench import api
    from unibench.cli import extractor_options
    from unibench.report import print_run
    from unibench.errors import UserError

    if args.lexicon is None and args.extractor is None:
        raise UserError("rescore: give --lexicon and/or --extractor (what to re-score with)")
    name = args.name
    if name is None:  # never over the stored run: <model>+<what it was re-scored with>
        what = args.extractor or re.split(r"[:/\\]", args.lexicon or "")[0] or "rescored"
        name = f"{api.stored_name(args.stored)}+{what}"
    result = api.rescore(args.stored, lexicon=args.lexicon, extractor=args.extractor, name=name,
                         data_root=args.data_root, extractor_options=extractor_options(args), datasets=args.dataset,
                         command="unibench " + shlex.join(sys.argv[1:]))
    result.save(args.results_dir)
    print_run(result, result.files(args.results_dir), args.format)
    return 0
