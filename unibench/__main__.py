from unibench.cli import entry

raise SystemExit(entry())
