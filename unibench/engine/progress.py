"""A rich progress bar on stderr (count, rate, errors, ETA), or nothing when disabled / not a TTY."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.progress import Progress as _RichProgress
from rich.text import Text


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "-/s", style="cyan")


class Progress:
    def __init__(self, label: str, total: int, done: int = 0, enabled: bool = True) -> None:
        self._bar: _RichProgress | None = None
        if not enabled:
            return
        self._bar = _RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TextColumn("errors {task.fields[errors]}", style="red"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        # Cache hits count as done from the start but not towards the rate, so the ETA stays honest.
        self._task = self._bar.add_task(label, total=total, completed=done, errors=0)
        self._errors = 0

    def advance(self, n: int, errors: int = 0) -> None:
        if self._bar is None:
            return
        self._errors += errors
        self._bar.update(self._task, advance=n, errors=self._errors)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
