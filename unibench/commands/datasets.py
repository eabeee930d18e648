"""unibench datasets: the corpus cards and whether each is found under the data root."""

from __future__ import annotations

from unibench.cli import add_data_root, add_format, print_json


def add_arguments(p) -> None:
    add_data_root(p)
    add_format(p)


def run(args) -> int:
    from unibench.datasets.cards import all_cards
    from unibench.datasets.loader import data_root, locate
    from unibench.errors import UserError

    root = data_root(args.data_root)
    rows = []
    for card in all_cards():
        try:
            where, found = str(locate(card, root)), True
        except UserError as err:
            where, found = str(err).split(": ", 1)[-1], False
        rows.append({"name": card.name, "version": card.version, "title": card.title, "suite": card.suite,
                     "task": card.task, "metric": card.metric, "n_test": card.n_test, "aliases": list(card.aliases),
                     "found": found, "where": where})
    if args.format == "json":
        print_json({"data_root": str(root) if root else None, "datasets": rows})
        return 0
    w = max(len(str(r["name"])) for r in rows)
    print(f"data root: {root or '(none: pass --data-root DIR or set UNIBENCH_DATA_ROOT)'}")
    for r in rows:
        mark = "found  " if r["found"] else "missing"
        print(f"  {str(r['name']).ljust(w)}  v{r['version']}  {r['task']:<10} {r['metric']:<5} n={r['n_test']:<5} "
              f"{mark}  {r['title']} [{r['suite']}]" + ("" if r["found"] or root is None else f"  ({r['where']})"))
    return 0
