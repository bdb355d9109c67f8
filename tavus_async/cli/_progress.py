"""Progress of a long ``train``, ``generate`` or ``watch``: displays of a running tally.

A display shows :class:`~._tally.Snapshot` numbers and events: on a terminal a
live ``rich`` display (the optional ``tavus-async[cli]`` extra, imported only
when used), elsewhere one log line per event. The estimate of the time left
shows on the live display only, and never in the closing summary.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TextIO

from tavus_async.cli._tally import Snapshot, format_duration, rates, summary


if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live


__all__ = [
    "RICH_HINT",
    "Display",
    "LogDisplay",
    "RichDisplay",
    "open_display",
]

RICH_HINT = "tavus-async: install tavus-async[cli] for a live progress display"
_RECENT_EVENTS = 5
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

    A snapshot's ``note`` is not written: the job says the same in events.

    Args:
        stream: Where the lines go.
        title: Leads the summary line written by :meth:`close`.
        noun: What is counted, singular (see :func:`summary`).
        now: The local time of each line.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        title: str,
        noun: str = "replica",
        now: Callable[[], datetime] = _local_now,
    ) -> None:
        self._stream = stream
        self._title = title
        self._noun = noun
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
        snapshot = self._snapshot or _EMPTY
        self._write(f"{self._title}: {summary(snapshot, noun=self._noun)}")

    def _write(self, line: str) -> None:
        self._stream.write(f"{self._now():%H:%M:%S} {line}\n")
        self._stream.flush()


class RichDisplay:
    """A live ``rich`` display: title, bar, counts, rates, note and recent events.

    The display redraws about four times a second on rich's own thread,
    from the latest snapshot given to :meth:`refresh`. Notable events are
    printed above it; the others only show among the last five.

    Args:
        stream: The terminal to draw on.
        title: Shown at the top and before the final summary.
        noun: What is counted, singular (see :func:`summary`).
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
        noun: str = "replica",
        now: Callable[[], datetime] = _local_now,
        force_terminal: bool | None = None,
        width: int | None = None,
    ) -> None:
        from rich.console import Console
        from rich.live import Live

        self._title = title
        self._noun = noun
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
        line = f"{self._title}: {summary(self._snapshot, noun=self._noun)}"
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
        stats = rates(snap)
        if snap.eta_seconds is not None:
            stats.append(f"ETA {format_duration(snap.eta_seconds)}")
        stats.append(f"elapsed {format_duration(snap.elapsed)}")
        parts.append(Text(" · ".join(stats)))
        if snap.note is not None:
            parts.append(Text(snap.note, style="yellow"))
        parts.extend(Text(line, style="dim") for line in self._recent)
        return Group(*parts)


def open_display(
    stream: TextIO, *, title: str, noun: str = "replica", live: bool | None = None
) -> Display:
    """The display for ``stream``.

    Args:
        stream: Where progress goes (usually ``sys.stderr``).
        title: What is being shown, e.g. ``"train manifest.csv"``.
        noun: What is counted, singular: ``"replica"``, ``"row"``.
        live: ``None`` for a live display when ``stream`` is a terminal and
            rich is installed, ``True`` to draw live regardless of the
            terminal, ``False`` for log lines.

    Returns:
        A :class:`RichDisplay` or a :class:`LogDisplay`. With ``live=True``
        and no rich, a :class:`LogDisplay` after one line saying to install
        ``tavus-async[cli]``.
    """
    if live is False or (live is None and not stream.isatty()):
        return LogDisplay(stream, title=title, noun=noun)
    try:
        return RichDisplay(stream, title=title, noun=noun, force_terminal=live)
    except ImportError:
        if live:
            stream.write(RICH_HINT + "\n")
            stream.flush()
        return LogDisplay(stream, title=title, noun=noun)
