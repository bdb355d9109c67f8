"""The running tally of a long ``train``, ``generate`` or ``watch``, and its numbers.

:class:`Tally` keeps running counts, so a :class:`Snapshot` costs one pass
over the labels however many keys there are. The labels are the row statuses
of :mod:`._results` (``train``, ``generate``) or the replicas' own
(``watch``). An estimate of the time left is given only once it means
something (:func:`estimate_eta`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable

from attrs import frozen

from tavus_async.cli._results import RowStatus


__all__ = [
    "ETA_MIN_ELAPSED",
    "ETA_MIN_FINISHED",
    "ETA_MIN_SHARE",
    "UNKNOWN",
    "Snapshot",
    "Tally",
    "estimate_eta",
    "format_duration",
    "rates",
    "summary",
]

UNKNOWN = "?"
"""What :func:`format_duration` shows for an unknown duration."""
ETA_MIN_FINISHED = 5
"""Keys that must have become final in this run before an ETA is shown."""
ETA_MIN_SHARE = 0.1
"""The share of this run's keys that must be final before an ETA is shown."""
ETA_MIN_ELAPSED = 30.0
"""Seconds a run must have lasted before an ETA is shown."""
_FIRST: dict[str, int] = {
    RowStatus.NOT_CREATED: 0,
    RowStatus.CREATING: 1,
    RowStatus.UNCONFIRMED: 2,
}
_FINAL_FIRST = {"completed": 0, "ready": 0, "error": 1}


@frozen
class Snapshot:
    """The tally at one moment.

    Attributes:
        total: How many keys are registered.
        counts: ``(label, count)`` pairs, zero counts left out, in this
            order: ``not_created``, ``creating``, ``unconfirmed``, the other
            live labels alphabetically, then the final labels
            (``completed`` or ``ready``, ``error``, the others
            alphabetically).
        finished: How many keys are final.
        mean_progress: Mean progress (0-100, of training or generation) of
            the keys that are not final and have a known progress; ``None``
            when there are none.
        rate_per_minute: Keys that became final during this run, per minute
            since the tally started; ``None`` before the first.
        eta_seconds: Time left at that rate, as :func:`estimate_eta` gives
            it; ``None`` until it means something.
        elapsed: Seconds since the tally started.
        note: What the job is waiting for, shown under the live display's
            numbers; set by the job, never by the tally.
    """

    total: int
    counts: tuple[tuple[str, int], ...]
    finished: int
    mean_progress: float | None
    rate_per_minute: float | None
    eta_seconds: float | None
    elapsed: float
    note: str | None = None


class Tally:
    """The label, progress and finality of each key, with running totals.

    Keys are any hashable values (names, ids, line numbers).

    Args:
        clock: Monotonic seconds; the tally starts at its first reading.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._keys: dict[Hashable, tuple[str, int | None, bool]] = {}
        self._counts: dict[str, int] = {}
        self._final_counts: dict[str, int] = {}
        self._finished = 0
        self._finished_here = 0
        self._progress_sum = 0
        self._progress_known = 0

    def add(
        self,
        key: Hashable,
        label: str,
        *,
        final: bool = False,
        progress: int | None = None,
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
        self,
        key: Hashable,
        label: str,
        *,
        progress: int | None = None,
        final: bool = False,
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
        return Snapshot(
            total=len(self._keys),
            counts=counts,
            finished=self._finished,
            mean_progress=mean,
            rate_per_minute=rate,
            eta_seconds=estimate_eta(
                remaining=len(self._keys) - self._finished,
                finished=self._finished_here,
                elapsed=elapsed,
            ),
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


def estimate_eta(*, remaining: int, finished: int, elapsed: float) -> float | None:
    """Seconds left at this run's pace, once that pace means something.

    Early in a run the pace says little: creates and first polls are still
    filling the pipeline, and the first keys to finish are the quick ones.

    Args:
        remaining: Keys not final yet.
        finished: Keys that became final during this run.
        elapsed: Seconds since the run started.

    Returns:
        ``remaining * elapsed / finished``; None when nothing remains, or
        before :data:`ETA_MIN_FINISHED` keys, :data:`ETA_MIN_SHARE` of this
        run's keys (``finished + remaining``) and :data:`ETA_MIN_ELAPSED`
        seconds are all reached.
    """
    if (
        remaining <= 0
        or finished < ETA_MIN_FINISHED
        or finished < ETA_MIN_SHARE * (finished + remaining)
        or elapsed < ETA_MIN_ELAPSED
    ):
        return None
    return remaining * elapsed / finished


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


def summary(snapshot: Snapshot, *, noun: str = "replica") -> str:
    """One line of the numbers in ``snapshot``, without the ETA.

    Args:
        snapshot: The numbers.
        noun: What the keys are, singular; an ``s`` makes the plural.

    Returns:
        For example ``"200 replicas: 40 started, 150 completed, 10 error ·
        mean progress 63% · 12.5/min"``; the parts after the counts appear
        only when known, and rates under one a minute are given per hour.
    """
    head = f"{snapshot.total} {noun}{'' if snapshot.total == 1 else 's'}"
    if snapshot.counts:
        head += ": " + ", ".join(f"{n} {label}" for label, n in snapshot.counts)
    return " · ".join([head, *rates(snapshot)])


def rates(snapshot: Snapshot) -> list[str]:
    """The parts of a summary after the counts: mean progress and rate, if known."""
    parts = []
    if snapshot.mean_progress is not None:
        parts.append(f"mean progress {snapshot.mean_progress:.0f}%")
    if snapshot.rate_per_minute is not None:
        parts.append(_format_rate(snapshot.rate_per_minute))
    return parts
