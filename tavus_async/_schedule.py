"""When to poll which replica, in which batch: the watcher's plan, free of I/O.

The asyncio loop in :mod:`tavus_async._watch_run` only sends what
:meth:`Schedule.plan` returns and reports back with :meth:`Schedule.finish`;
everything here takes the time as an argument and is tested from tables.
"""

from __future__ import annotations

import enum
import heapq
import math
import random
from collections.abc import Collection, Iterator

from attrs import frozen

from tavus_async.types import Replica


__all__ = ["Entry", "Fetch", "Job", "Schedule"]

_SLOWDOWN = 1.5
_FILL_WINDOW = 0.5


class Fetch(enum.Enum):
    """Why a replica is looked up by id rather than in a batch."""

    MISSING = "missing"
    """The filtered list left it out."""
    ERROR_MESSAGE = "error_message"
    """It failed and the list view lacks ``error_message``."""


class Entry:
    """One replica under watch, as the schedule and the loop see it."""

    __slots__ = (
        "busy",
        "deadline",
        "due",
        "fetch",
        "interval",
        "replica",
        "replica_id",
    )

    def __init__(self, replica_id: str, due: float, interval: float) -> None:
        self.replica_id = replica_id
        self.replica: Replica | None = None
        self.due = due
        self.deadline = math.inf
        self.interval = interval
        self.busy = False
        self.fetch: Fetch | None = None


@frozen
class Job:
    """One request to make: a batch list (``by_id`` False) or one lookup."""

    ids: tuple[str, ...]
    by_id: bool


class Schedule:
    """Which replicas to poll when, in batches of up to ``batch_size``.

    Each replica is due one interval after the start of its last poll, less
    up to ``jitter`` of the interval, drawn once per batch so batches drift
    apart instead of marching in step. A batch with room takes replicas due
    within the next half interval, so batches refill as replicas finish.
    With ``max_interval`` above ``interval``, a replica that did not change
    is polled 1.5 times less often each time, up to ``max_interval``.

    Attributes:
        entries: The replicas still under watch, by id.
        by_id_only: Set once the server is known to ignore the list filter:
            every poll is then a lookup by id.
    """

    def __init__(
        self,
        *,
        batch_size: int,
        interval: float,
        max_interval: float,
        jitter: float,
        rng: random.Random,
    ) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_id_only = False
        self._batch_size = batch_size
        self._interval = interval
        self._max_interval = max_interval
        self._jitter = jitter
        self._rng = rng
        self._due: list[tuple[float, str]] = []
        self._deadlines: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, replica_id: str, due: float, deadline: float | None) -> Entry:
        """Watch ``replica_id`` from ``due``, until ``deadline`` if given."""
        entry = Entry(replica_id, due, self._interval)
        self.entries[replica_id] = entry
        heapq.heappush(self._due, (due, replica_id))
        if deadline is not None:
            entry.deadline = deadline
            heapq.heappush(self._deadlines, (deadline, replica_id))
        return entry

    def remove(self, replica_id: str) -> Entry | None:
        """Stop watching ``replica_id``; its heap items are dropped lazily."""
        return self.entries.pop(replica_id, None)

    def next_cycle(self, now: float) -> float:
        """When a replica polled at ``now`` is next due (its jittered interval)."""
        return now + self._interval * (1.0 - self._jitter * self._rng.random())

    def expedite(self, entry: Entry, now: float, fetch: Fetch) -> None:
        """Look ``entry`` up by id as soon as there is room."""
        entry.fetch = fetch
        self._set_due(entry, now)

    def finish(
        self, job: Job, started: float, now: float, changed_ids: Collection[str]
    ) -> None:
        """Reschedule the replicas of ``job`` (started at ``started``) still watched.

        Replicas in ``changed_ids`` go back to the base interval; the others
        slow down, when slowing down is on.
        """
        factor = 1.0 - self._jitter * self._rng.random()
        for replica_id in job.ids:
            entry = self.entries.get(replica_id)
            if entry is None or not entry.busy:
                continue
            entry.busy = False
            if replica_id in changed_ids:
                entry.interval = self._interval
            else:
                entry.interval = min(self._max_interval, entry.interval * _SLOWDOWN)
            self._set_due(entry, max(now, started + entry.interval * factor))

    def _set_due(self, entry: Entry, due: float) -> None:
        entry.due = due
        if not entry.busy:
            heapq.heappush(self._due, (due, entry.replica_id))

    def _top(self) -> Entry | None:
        heap = self._due
        while heap:
            due, replica_id = heap[0]
            entry = self.entries.get(replica_id)
            if entry is not None and not entry.busy and entry.due == due:
                return entry
            heapq.heappop(heap)
        return None

    def _take(self) -> Entry:
        entry = self._top()
        assert entry is not None
        heapq.heappop(self._due)
        entry.busy = True
        return entry

    def plan(self, now: float, capacity: int) -> list[Job]:
        """The jobs to start at ``now``, at most ``capacity`` of them."""
        jobs: list[Job] = []
        batch: list[str] = []
        while (entry := self._top()) is not None and entry.due <= now:
            by_id = self.by_id_only or entry.fetch is not None
            if (by_id or not batch) and len(jobs) + bool(batch) >= capacity:
                break
            self._take()
            if by_id:
                jobs.append(Job((entry.replica_id,), by_id=True))
                continue
            batch.append(entry.replica_id)
            if len(batch) == self._batch_size:
                jobs.append(Job(tuple(batch), by_id=False))
                batch = []
        if batch:
            horizon = now + self._interval * _FILL_WINDOW
            while (
                len(batch) < self._batch_size
                and (entry := self._top()) is not None
                and entry.due <= horizon
                and entry.fetch is None
            ):
                batch.append(self._take().replica_id)
            jobs.append(Job(tuple(batch), by_id=False))
        return jobs

    def next_due(self) -> float | None:
        """When the earliest idle replica is due, if any is idle."""
        entry = self._top()
        return None if entry is None else entry.due

    def next_deadline(self) -> float | None:
        """The earliest deadline of a replica still watched, if any."""
        heap = self._deadlines
        while heap:
            deadline, replica_id = heap[0]
            entry = self.entries.get(replica_id)
            if entry is not None and entry.deadline == deadline:
                return deadline
            heapq.heappop(heap)
        return None

    def expired(self, now: float) -> Iterator[Entry]:
        """Remove and yield the replicas whose own deadline is ``now`` or past."""
        while (deadline := self.next_deadline()) is not None and deadline <= now:
            _, replica_id = heapq.heappop(self._deadlines)
            yield self.entries.pop(replica_id)
