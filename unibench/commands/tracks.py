"""unibench tracks: list every challenge track with its metric, status and citation."""

from __future__ import annotations

from unibench.cli import add_format, print_json


def add_arguments(p) -> None:
    add_format(p)


def run(args) -> int:
    from unibench.tracks.registry import get_track, track_ids

    tracks = [get_track(t).describe() for t in track_ids()]
    if args.format == "json":
        print_json({"tracks": tracks})
        return 0
    width = max(len(t["id"]) for t in tracks)
    for t in tracks:
        status = t["status"] if t["status"] == "scorable" else f"NOT SCORABLE: {t['reason']}"
        print(f"{t['id'].ljust(width)}  {t['title']}")
        print(f"{''.ljust(width)}  metric: {t['metric']}")
        mark = f" [format defined by unibench: {t['format_note']}]" if t["format_by"] == "unibench" else ""
        print(f"{''.ljust(width)}  file: {t['submission']}{mark} | {status}")
        if t["direction"] == "lower":
            print(f"{''.ljust(width)}  lower is better ({t['units']})")
        print(f"{''.ljust(width)}  cite: {t['citation']}")
    print("\nScore one with `unibench score-track TRACK --submission FILE --gold FILE`; formats in docs/tracks.md "
          "(those marked [format defined by unibench] have no published official file format).")
    return 0
