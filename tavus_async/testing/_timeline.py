"""Scripted status timelines for the fake's replicas.

:class:`TimelineStep` is the public description of one step. :class:`Timeline` is
the fake's record of one replica's steps; it writes the steps that are due onto
the replica when the replica is read, so a timeline costs nothing while nobody
looks and no background task runs.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Any

import attrs

from tavus_async.testing._wire import Replica


__all__ = ["Timeline", "TimelineStep"]


def _check_type(
    name: str, value: Any, kind: type | tuple[type, ...], what: str
) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {value!r}")


def _check_after(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _check_type(attribute.name, value, (int, float), "a number")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{attribute.name} must be finite and >= 0, got {value!r}")


def _check_status(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _check_type(attribute.name, value, str, "a str")


def _check_progress(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    _check_type(attribute.name, value, int, "an int")
    if not 0 <= value <= 100:
        raise ValueError(f"{attribute.name} must be from 0 to 100, got {value!r}")


def _check_error_message(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _check_type(attribute.name, value, str, "a str")


@attrs.frozen(kw_only=True)
class TimelineStep:
    """One step of a replica's scripted status timeline.

    See :meth:`FakeTavus.set_timeline <tavus_async.testing.FakeTavus.set_timeline>`
    for how steps are applied.

    Attributes:
        after: Seconds of the fake's clock after the timeline starts at which the
            step applies; a finite number, at least 0.
        status: The replica's status from then on. Any string is accepted,
            including ones Tavus does not document (such as ``"queued"``), since
            Tavus's status vocabulary is open.
        progress: The training progress percent (0 to 100) from then on, shown
            as ``"N/100"``. ``None`` keeps the previous progress, except that a
            ``"completed"`` step without progress shows ``100``.
        error_message: The replica's ``error_message`` from then on (``None``
            clears it).

    Raises:
        ValueError: From the constructor, naming the field, when ``after`` is
            negative or not finite, or ``progress`` is outside 0 to 100.
        TypeError: From the constructor, naming the field, when a value has the
            wrong type (a bool is not a number here).
    """

    after: float = attrs.field(validator=_check_after)
    status: str = attrs.field(validator=_check_status)
    progress: int | None = attrs.field(default=None, validator=_check_progress)
    error_message: str | None = attrs.field(
        default=None, validator=_check_error_message
    )


class Timeline:
    """The steps of one replica, started at a moment of the fake's clock."""

    def __init__(self, steps: Sequence[TimelineStep], start: float) -> None:
        """Check ``steps`` (``ValueError`` if empty or out of order) and keep them."""
        self._steps = tuple(steps)
        if not self._steps:
            raise ValueError("a timeline needs at least one step")
        for before, step in itertools.pairwise(self._steps):
            if step.after < before.after:
                raise ValueError(
                    "timeline steps must be in non-decreasing order of after, "
                    f"got {step.after} after {before.after}"
                )
        self._times = [start + step.after for step in self._steps]
        self._applied = 0

    def apply(self, replica: Replica, now: float) -> bool:
        """Write the steps due at ``now`` onto ``replica``; whether all are applied.

        ``replica.updated`` becomes the time of the last step applied, unless it is
        already later.
        """
        due = bisect.bisect_right(self._times, now)
        if due > self._applied:
            self._take(replica, due, self._times[due - 1])
        return self._applied == len(self._steps)

    def finish(self, replica: Replica, now: float) -> None:
        """Apply every step: the due ones at their times, the rest at ``now``."""
        if not self.apply(replica, now):
            self._take(replica, len(self._steps), now)

    def _take(self, replica: Replica, upto: int, at: float) -> None:
        for step in self._steps[self._applied : upto]:
            replica.status, replica.error_message = step.status, step.error_message
            if step.progress is not None:
                replica.progress = step.progress
            elif step.status == "completed":
                replica.progress = 100
        replica.updated = max(replica.updated, at)
        self._applied = upto
