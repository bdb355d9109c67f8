"""Progress of a long ``train`` or ``watch``: a running tally and its displays.

:class:`Tally` keeps running counts, so a :class:`Snapshot` costs one pass
over the labels however many replicas there are. A display shows snapshots
and events: on a terminal a live ``rich`` display (the optional
``tavus-async[cli]`` extra, imported only when used), elsewhere one log line
per event.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TextIO

from attrs import frozen


if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live


__all__ = [
    "Display",
    "LogDisplay",
    "RichDisplay",
    "Snapshot",
    "Tally",
    "format_duration",
    "open_display",
    "summary",
]

UNKNOWN = "?"
"""What :func:`format_duration` shows for an unknown duration."""
RICH_HINT = "tavus-async: install tavus-async[cli] for a live progress display"
_RECENT_EVENTS = 5
_FIRST = {"pending": 0, "creating": 1}
_FINAL_FIRST = {"completed": 0, "error": 1}


@frozen
class Snapshot:
    """The tally at one moment.

    Attributes:
        total: How many keys are registered.
        counts: ``(label, count)`` pairs, zero counts left out, in this
            order: ``pending``, ``creating``, the other live labels
            alphabetically, then the final labels (``completed``, ``error``,
            the others alphabetically).
        finished: How many keys are final.
        mean_progress: Mean training progress (0-100) of the keys that are
            not final and have a known progress; ``None`` when there are none.
        rate_per_minute: Keys that became final during this run, per minute
            since the tally started; ``None`` before the first.
        eta_seconds: Time left at that rate; ``None`` without a rate or when
            nothing remains.
        elapsed: Seconds since the tally started.
    """

    total: int
    counts: tuple[tuple[str, int], ...]
    finished: int
    mean_progress: float | None
    rate_per_minute: float | None
    eta_seconds: float | None
    elapsed: float


class Tally:
    """The label, progress and finality of each key, with running totals.

    Args:
        clock: Monotonic seconds; the tally starts at its first reading.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._keys: dict[str, tuple[str, int | None, bool]] = {}
        self._counts: dict[str, int] = {}
        self._final_counts: dict[str, int] = {}
        self._finished = 0
        self._finished_here = 0
        self._progress_sum = 0
        self._progress_known = 0

    def add(
        self, key: str, label: str, *, final: bool = False, progress: int | None = None
    ) -> None:
        """Register ``key``.

        A key added as final finished in an earlier run: it counts as
        finished but not toward this run's rate.

        Raises:
            ValueError: ``key`` is already registered.
        """
        if key in self._keys:
            raise ValueError(f"key {key!r} is already in the tally; use set()")
        self._keys[key] = (label, progress, final)
        self._count(self._keys[key], 1)

    def set(
        self, key: str, label: str, *, progress: int | None = None, final: bool = False
    ) -> bool:
        """Give ``key`` a new label and progress, and finish it if ``final``.

        ``progress`` None means unknown. A key that became final stays as it
        is: later calls are ignored.

        Returns:
            Whether the label, progress or finality changed.

        Raises:
            KeyError: ``key`` was never added.
        """
        old = self._keys[key]
        new = (label, progress, final)
        if old[2] or old == new:
            return False
        self._count(old, -1)
        self._keys[key] = new
        self._count(new, 1)
        if final:
            self._finished_here += 1
        return True

    def snapshot(self) -> Snapshot:
        """The current numbers, in time proportional to the number of labels."""
        elapsed = self._clock() - self._start
        counts = tuple(
            sorted(self._counts.items(), key=lambda item: self._rank(item[0]))
        )
        mean = (
            self._progress_sum / self._progress_known if self._progress_known else None
        )
        rate = None
        if self._finished_here and elapsed > 0:
            rate = self._finished_here * 60.0 / elapsed
        remaining = len(self._keys) - self._finished
        eta = None if rate is None or remaining <= 0 else remaining * 60.0 / rate
        return Snapshot(
            total=len(self._keys),
            counts=counts,
            finished=self._finished,
            mean_progress=mean,
            rate_per_minute=rate,
            eta_seconds=eta,
            elapsed=elapsed,
        )

    def _rank(self, label: str) -> tuple[int, int, str]:
        if label in _FIRST:
            return (0, _FIRST[label], "")
        if label in _FINAL_FIRST:
            return (2, _FINAL_FIRST[label], "")
        if label in self._final_counts:
            return (2, 2, label)
        return (1, 0, label)

    def _count(self, entry: tuple[str, int | None, bool], sign: int) -> None:
        label, progress, final = entry
        _bump(self._counts, label, sign)
        if final:
            _bump(self._final_counts, label, sign)
            self._finished += sign
        elif progress is not None:
            self._progress_sum += sign * progress
            self._progress_known += sign


def _bump(counts: dict[str, int], label: str, by: int) -> None:
    count = counts.get(label, 0) + by
    if count:
        counts[label] = count
    else:
        del counts[label]


def format_duration(seconds: float | None) -> str:
    """A duration to the second under an hour, else to the minute.

    Returns:
        ``"45s"``, ``"3m05s"``, ``"2h07m"``; ``"?"`` for ``None``, infinity
        or NaN. Negative durations show as ``"0s"``.
    """
    if seconds is None or not math.isfinite(seconds):
        return UNKNOWN
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours}h{minutes:02d}m"


def _format_rate(per_minute: float) -> str:
    if per_minute >= 1:
        return f"{per_minute:.1f}/min"
    return f"{per_minute * 60:.1f}/h"


def summary(snapshot: Snapshot) -> str:
    """One line of the numbers in ``snapshot``.

    Returns:
        For example ``"200 replicas: 40 started, 150 completed, 10 error ·
        mean progress 63% · 12.5/min · ETA 3m12s"``; the parts after the
        counts appear only when known, and rates under one a minute are
        given per hour.
    """
    noun = "replica" if snapshot.total == 1 else "replicas"
    head = f"{snapshot.total} {noun}"
    if snapshot.counts:
        head += ": " + ", ".join(f"{n} {label}" for label, n in snapshot.counts)
    return " · ".join([head, *_extras(snapshot)])


def _extras(snapshot: Snapshot) -> list[str]:
    parts = []
    if snapshot.mean_progress is not None:
        parts.append(f"mean progress {snapshot.mean_progress:.0f}%")
    if snapshot.rate_per_minute is not None:
        parts.append(_format_rate(snapshot.rate_per_minute))
    if snapshot.eta_seconds is not None:
        parts.append(f"ETA {format_duration(snapshot.eta_seconds)}")
    return parts


_EMPTY = Snapshot(0, (), 0, None, None, None, 0.0)


def _local_now() -> datetime:
    return datetime.now().astimezone()


class Display(Protocol):
    """Where progress goes; every method is called from the asyncio thread."""

    def event(self, text: str, *, notable: bool = False) -> None:
        """Report one change, e.g. ``"demo-017 (r1a2b3c): started -> completed"``.

        ``notable`` marks failures and warnings, which are always shown.
        """

    def refresh(self, snapshot: Snapshot) -> None:
        """Show the latest numbers; called often, so cheap."""

    def close(self) -> None:
        """Stop showing progress and print the final summary; idempotent."""


class LogDisplay:
    """One line per event, ``HH:MM:SS [57/200 done] text``, flushed at once.

    Args:
        stream: Where the lines go.
        title: Leads the summary line written by :meth:`close`.
        now: The local time of each line.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        title: str,
        now: Callable[[], datetime] = _local_now,
    ) -> None:
        self._stream = stream
        self._title = title
        self._now = now
        self._snapshot: Snapshot | None = None
        self._closed = False

    def event(self, text: str, *, notable: bool = False) -> None:
        """Write ``text`` as one line, after the time and the count done."""
        done = ""
        if self._snapshot is not None:
            done = f"[{self._snapshot.finished}/{self._snapshot.total} done] "
        self._write(f"{done}{text}")

    def refresh(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` for the next lines; writes nothing."""
        self._snapshot = snapshot

    def close(self) -> None:
        """Write ``HH:MM:SS title: summary`` once."""
        if self._closed:
            return
        self._closed = True
        self._write(f"{self._title}: {summary(self._snapshot or _EMPTY)}")

    def _write(self, line: str) -> None:
        self._stream.write(f"{self._now():%H:%M:%S} {line}\n")
        self._stream.flush()


class RichDisplay:
    """A live ``rich`` display: title, bar, counts, rates and recent events.

    The display redraws about four times a second on rich's own thread,
    from the latest snapshot given to :meth:`refresh`. Notable events are
    printed above it; the others only show among the last five.

    Args:
        stream: The terminal to draw on.
        title: Shown at the top and before the final summary.
        now: The local time of each event.
        force_terminal: Draw live even when ``stream`` is not a terminal.
        width: Columns to draw in (default: the terminal's).

    Raises:
        ImportError: rich is not installed.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        title: str,
        now: Callable[[], datetime] = _local_now,
        force_terminal: bool | None = None,
        width: int | None = None,
    ) -> None:
        from rich.console import Console
        from rich.live import Live

        self._title = title
        self._now = now
        self._snapshot = _EMPTY
        self._recent: tuple[str, ...] = ()
        self._closed = False
        console = Console(file=stream, force_terminal=force_terminal, width=width)
        self._live: Live = Live(
            console=console,
            get_renderable=self._render,
            refresh_per_second=4,
            transient=False,
        )
        self._live.start()

    def event(self, text: str, *, notable: bool = False) -> None:
        """Print a notable ``text`` above the display; keep it among the recent."""
        line = f"{self._now():%H:%M:%S} {text}"
        self._recent = (*self._recent[1 - _RECENT_EVENTS :], line)
        if notable and not self._closed:
            from rich.text import Text

            self._live.console.print(Text(line, style="yellow"), soft_wrap=True)

    def refresh(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot`` at the next redraw."""
        self._snapshot = snapshot

    def close(self) -> None:
        """Stop the live display, leaving its last frame, and print the summary."""
        if self._closed:
            return
        self._closed = True
        from rich.text import Text

        self._live.stop()
        line = f"{self._title}: {summary(self._snapshot)}"
        self._live.console.print(Text(line), soft_wrap=True)

    def _render(self) -> RenderableType:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        snap = self._snapshot
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(total=max(snap.total, 1), completed=snap.finished, width=40),
            Text(f"{snap.finished}/{snap.total} done"),
        )
        parts: list[RenderableType] = [Text(self._title, style="bold"), bar]
        if snap.counts:
            counts = Table(box=None, padding=(0, 2, 0, 0), show_edge=False)
            for label, _ in snap.counts:
                counts.add_column(label, justify="right", header_style="bold")
            counts.add_row(*(str(n) for _, n in snap.counts))
            parts.append(counts)
        stats = " · ".join([*_extras(snap), f"elapsed {format_duration(snap.elapsed)}"])
        parts.append(Text(stats))
        parts.extend(Text(line, style="dim") for line in self._recent)
        return Group(*parts)


def open_display(stream: TextIO, *, title: str, live: bool | None = None) -> Display:
    """The display for ``stream``.

    Args:
        stream: Where progress goes (usually ``sys.stderr``).
        title: What is being shown, e.g. ``"train manifest.csv"``.
        live: ``None`` for a live display when ``stream`` is a terminal and
            rich is installed, ``True`` to draw live regardless of the
            terminal, ``False`` for log lines.

    Returns:
        A :class:`RichDisplay` or a :class:`LogDisplay`. With ``live=True``
        and no rich, a :class:`LogDisplay` after one line saying to install
        ``tavus-async[cli]``.
    """
    if live is False or (live is None and not stream.isatty()):
        return LogDisplay(stream, title=title)
    try:
        return RichDisplay(stream, title=title, force_terminal=live)
    except ImportError:
        if live:
            stream.write(RICH_HINT + "\n")
            stream.flush()
        return LogDisplay(stream, title=title)
