"""Corpus cards (one YAML file per corpus). Shipped inside the wheel as `unibench._cards`."""
