"""When to poll which id, and how: the watcher's plan, free of I/O.

The asyncio loop in :mod:`tavus_async.watch._run` only sends the jobs
:meth:`Schedule.plan` returns and reports what came back; everything here
takes the time as an argument and is tested from tables. The gap between two
polls of an id comes from :mod:`._cadence`, the way a cycle fetches (by id,
filtered lists, a sweep) from :mod:`._modes`.
"""

from __future__ import annotations

import enum
import heapq
import math
import random
from collections import deque
from collections.abc import Iterator

from attrs import frozen

from tavus_async.types._common import TrainingProgress
from tavus_async.watch._cadence import Anchor, next_interval
from tavus_async.watch._modes import choose, keep_sweeping, sweep_pages
from tavus_async.watch.events import PollMode


__all__ = ["Entry", "Fetch", "Job", "Schedule", "Sighting"]

_FILL_WINDOW = 0.5
_FILL_SHARE = 0.25


class Fetch(enum.Enum):
    """Why an id is looked up by id rather than in a list."""

    MISSING = "missing"
    """A filtered list or a whole sweep left it out."""
    ERROR_MESSAGE = "error_message"
    """It failed and the list view lacks the reason."""


class Entry:
    """One id under watch, as the schedule and the loop see it."""

    __slots__ = (
        "anchor",
        "busy",
        "deadline",
        "due",
        "fetch",
        "fraction",
        "id",
        "interval",
        "item",
        "seen",
    )

    def __init__(self, resource_id: str, due: float, interval: float) -> None:
        self.id = resource_id
        self.item: object | None = None
        self.seen: tuple[str | None, TrainingProgress | None] | None = None
        self.due = due
        self.deadline = math.inf
        self.interval = interval
        self.busy = False
        self.fetch: Fetch | None = None
        self.anchor: Anchor | None = None
        self.fraction: float | None = None


@frozen
class Job:
    """One request to make: a lookup, a filtered list, or a page of a sweep."""

    mode: PollMode
    ids: tuple[str, ...] = ()
    page: int = 0


@frozen
class Sighting:
    """What a poll saw of one id: whether it changed, its progress (a
    fraction) and the unit that progress is counted in."""

    changed: bool
    fraction: float | None
    step: float = 0.0


class _Sweep:
    __slots__ = (
        "failed",
        "first_ids",
        "horizon",
        "next_page",
        "outstanding",
        "pages",
        "seen",
        "started",
    )

    def __init__(self, started: float, horizon: float) -> None:
        self.started = started
        self.horizon = horizon
        self.next_page = 0
        self.pages: int | None = None
        self.outstanding = 0
        self.seen: set[str] = set()
        self.first_ids: tuple[str, ...] | None = None
        self.failed = False


class Schedule:
    """Which ids to poll when, and in which requests.

    Each id is due one gap after the start of its last poll, less up to
    ``jitter`` of the gap, drawn once per request so requests drift apart
    instead of marching in step. The gap is the cadence's
    (:func:`~._cadence.next_interval`). A cycle's way of fetching is chosen
    from what each costs (:func:`~._modes.choose`), and kept for half an
    interval. A filtered list with room takes ids due within half an
    interval (or a quarter of their own gap), so requests refill as ids end.

    Attributes:
        entries: The ids still under watch.
        by_id_only: Set once the server is known to ignore the list filter.
        total: The account's count from the last list answer, if any.
        mode: The way the last cycle fetched, if one ran.
    """

    def __init__(
        self,
        *,
        batch_size: int,
        interval: float,
        max_interval: float,
        jitter: float,
        rng: random.Random,
        filtered: bool = True,
        sweepable: bool = False,
        page_size: int = 100,
    ) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_id_only = False
        self.total: int | None = None
        self.mode: PollMode | None = None
        self._batch_size = batch_size
        self._interval = interval
        self._max_interval = max_interval
        self._jitter = jitter
        self._rng = rng
        self._filtered = filtered
        self._sweepable = sweepable
        self._page_size = page_size
        self._due: list[tuple[float, str]] = []
        self._deadlines: list[tuple[float, str]] = []
        self._urgent: deque[str] = deque()
        self._queued: set[str] = set()
        self._mode_until = -math.inf
        self._sweep: _Sweep | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def ignore_filter(self) -> None:
        """Poll by id from now on: the server ignores the list's id filter."""
        self.by_id_only = True
        self._mode_until = -math.inf

    def add(self, resource_id: str, due: float, deadline: float | None) -> Entry:
        """Watch ``resource_id`` from ``due``, until ``deadline`` if given."""
        entry = Entry(resource_id, due, self._interval)
        self.entries[resource_id] = entry
        heapq.heappush(self._due, (due, resource_id))
        if deadline is not None:
            entry.deadline = deadline
            heapq.heappush(self._deadlines, (deadline, resource_id))
        return entry

    def remove(self, resource_id: str) -> Entry | None:
        """Stop watching ``resource_id``; its heap items are dropped lazily."""
        return self.entries.pop(resource_id, None)

    def next_cycle(self, now: float) -> float:
        """When an id first polled at ``now`` is next due (a jittered interval)."""
        return now + self._interval * self._factor()

    def expedite(self, entry: Entry, fetch: Fetch) -> None:
        """Look ``entry`` up by id as soon as there is room."""
        entry.fetch = fetch
        if entry.id not in self._queued:
            self._queued.add(entry.id)
            self._urgent.append(entry.id)

    def seen(
        self, entry: Entry, started: float, now: float, sighting: Sighting
    ) -> None:
        """Reschedule ``entry`` after a poll started at ``started`` saw it."""
        self._reschedule(entry, started, now, sighting, self._factor())

    def finish(
        self, job: Job, started: float, now: float, seen: dict[str, Sighting]
    ) -> None:
        """Reschedule the ids of ``job`` still watched and still waiting on it.

        Ids in ``seen`` follow their cadence; the others (a failed request)
        count as unchanged.
        """
        factor = self._factor()
        unchanged = Sighting(changed=False, fraction=None)
        for resource_id in job.ids:
            entry = self.entries.get(resource_id)
            if entry is not None and entry.busy:
                sighting = seen.get(resource_id, unchanged)
                self._reschedule(entry, started, now, sighting, factor)

    def page_done(
        self, job: Job, now: float, total: int | None, ids: tuple[str, ...]
    ) -> list[Entry] | None:
        """Record a sweep's page (``ids`` read, None total if it failed).

        Returns:
            Once the sweep has read every page, the entries due that it left
            out (the loop looks each up by id); None while it goes on, when
            it stopped after its first page, or when a page failed (the ids
            it left out then wait for the next cycle).
        """
        sweep = self._sweep
        assert sweep is not None
        sweep.outstanding -= 1
        sweep.seen.update(ids)
        if total is not None:
            self.total = total
        if total is None:
            sweep.failed = True
        if job.page == 0:
            if total is None:
                return self._end_sweep(now, complete=True)
            sweep.first_ids = ids
            sweep.pages = sweep_pages(total, self._page_size)
            unseen = sum(
                1
                for entry in self.entries.values()
                if entry.due <= sweep.horizon and entry.id not in sweep.seen
            )
            if sweep.pages > 1 and not keep_sweeping(
                pages_left=sweep.pages - 1, unseen_due=unseen
            ):
                return self._end_sweep(now, complete=False)
        elif job.page == 1 and ids and ids == sweep.first_ids:
            assert sweep.pages is not None
            sweep.pages += 1  # the server counts pages from 1: page 1 was page 0
        if sweep.outstanding or (
            sweep.pages is not None and sweep.next_page < sweep.pages
        ):
            return None
        return self._end_sweep(now, complete=True)

    def plan(self, now: float, capacity: int) -> list[Job]:
        """The jobs to start at ``now``, at most ``capacity`` of them."""
        jobs: list[Job] = []
        while self._urgent and len(jobs) < capacity:
            resource_id = self._urgent.popleft()
            self._queued.discard(resource_id)
            entry = self.entries.get(resource_id)
            if entry is not None and not entry.busy and entry.fetch is not None:
                entry.busy = True
                jobs.append(Job(PollMode.BY_ID, (entry.id,)))
        if self._sweep is not None:
            return jobs + self._sweep_jobs(capacity - len(jobs))
        top = self._top()
        if top is None or top.due > now or len(jobs) >= capacity:
            return jobs
        if now >= self._mode_until:
            self._decide(now)
        if self.mode is PollMode.SWEEP:
            self._sweep = _Sweep(now, self._mode_until)
            return jobs + self._sweep_jobs(capacity - len(jobs))
        return jobs + self._poll_jobs(now, capacity - len(jobs))

    def next_due(self) -> float | None:
        """When the plan next has a job to start, if it can know (not mid-sweep)."""
        if self._urgent:
            return -math.inf
        if self._sweep is not None:
            return None
        entry = self._top()
        return None if entry is None else entry.due

    def next_deadline(self) -> float | None:
        """The earliest deadline of an id still watched, if any."""
        heap = self._deadlines
        while heap:
            deadline, resource_id = heap[0]
            entry = self.entries.get(resource_id)
            if entry is not None and entry.deadline == deadline:
                return deadline
            heapq.heappop(heap)
        return None

    def expired(self, now: float) -> Iterator[Entry]:
        """Remove and yield the ids whose own deadline is ``now`` or past."""
        while (deadline := self.next_deadline()) is not None and deadline <= now:
            _, resource_id = heapq.heappop(self._deadlines)
            yield self.entries.pop(resource_id)

    # Steps of the plan

    def _factor(self) -> float:
        return 1.0 - self._jitter * self._rng.random()

    def _decide(self, now: float) -> None:
        horizon = now + self._interval * _FILL_WINDOW
        upcoming = sum(
            1 for e in self.entries.values() if not e.busy and e.due <= horizon
        )
        self.mode = (
            PollMode.BY_ID
            if self.by_id_only
            else choose(
                upcoming=upcoming,
                filtered=self._filtered,
                sweepable=self._sweepable,
                total=self.total,
                page_size=self._page_size,
            )
        )
        self._mode_until = horizon

    def _sweep_jobs(self, capacity: int) -> list[Job]:
        sweep = self._sweep
        assert sweep is not None
        jobs: list[Job] = []
        while len(jobs) < capacity and (
            (sweep.pages is None and sweep.next_page == 0)
            or (sweep.pages is not None and sweep.next_page < sweep.pages)
        ):
            jobs.append(Job(PollMode.SWEEP, page=sweep.next_page))
            sweep.next_page += 1
            sweep.outstanding += 1
        return jobs

    def _end_sweep(self, now: float, *, complete: bool) -> list[Entry] | None:
        sweep = self._sweep
        assert sweep is not None
        self._sweep = None
        self._mode_until = -math.inf
        if not complete:
            self.mode = PollMode.BY_ID
            self._mode_until = now + self._interval * _FILL_WINDOW
            return None
        left_out = [
            entry
            for entry in self.entries.values()
            if entry.id not in sweep.seen
            and not entry.busy
            and entry.due <= sweep.horizon
        ]
        if not sweep.failed:
            return left_out
        for entry in left_out:
            self._set_due(entry, self.next_cycle(now))
        return None

    def _poll_jobs(self, now: float, capacity: int) -> list[Job]:
        jobs: list[Job] = []
        batch: list[str] = []
        filtered = self.mode is PollMode.FILTERED
        while (entry := self._top()) is not None and entry.due <= now:
            by_id = not filtered or entry.fetch is not None
            if (by_id or not batch) and len(jobs) + bool(batch) >= capacity:
                break
            self._take()
            if by_id:
                jobs.append(Job(PollMode.BY_ID, (entry.id,)))
                continue
            batch.append(entry.id)
            if len(batch) == self._batch_size:
                jobs.append(Job(PollMode.FILTERED, tuple(batch)))
                batch = []
        if batch:
            window = self._interval * _FILL_WINDOW
            while (
                len(batch) < self._batch_size
                and (entry := self._top()) is not None
                and entry.due <= now + max(window, entry.interval * _FILL_SHARE)
                and entry.fetch is None
            ):
                batch.append(self._take().id)
            jobs.append(Job(PollMode.FILTERED, tuple(batch)))
        return jobs

    def _reschedule(
        self,
        entry: Entry,
        started: float,
        now: float,
        sighting: Sighting,
        factor: float,
    ) -> None:
        entry.busy = False
        fraction = sighting.fraction
        if fraction is not None and (
            fraction <= 0 or (entry.fraction is not None and fraction < entry.fraction)
        ):
            entry.anchor = None  # not moving yet (queued), or started over
        entry.interval = next_interval(
            base=self._interval,
            longest=self._max_interval,
            last=entry.interval,
            changed=sighting.changed,
            anchor=entry.anchor,
            fraction=fraction,
            step=sighting.step,
            now=started,
        )
        if fraction is not None:
            if fraction > 0 and entry.anchor is None:
                entry.anchor = Anchor(started, fraction)
            entry.fraction = fraction
        self._set_due(entry, max(now, started + entry.interval * factor))

    def _set_due(self, entry: Entry, due: float) -> None:
        entry.due = due
        heapq.heappush(self._due, (due, entry.id))

    def _top(self) -> Entry | None:
        heap = self._due
        while heap:
            due, resource_id = heap[0]
            entry = self.entries.get(resource_id)
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
