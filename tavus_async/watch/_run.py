"""One watch in motion: the asyncio loop that sends what the schedule plans.

The loop runs inside the consumer's own task, in the async generator
:meth:`Run.events`: nothing polls while no one iterates, and closing or
cancelling the iteration cancels the requests in flight before it returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Generic, Literal, TypeVar

from tavus_async.errors import ClientStateError
from tavus_async.watch import _outcomes
from tavus_async.watch._fetch import Result, fetch
from tavus_async.watch._schedule import Entry, Fetch, Job, Schedule, Sighting
from tavus_async.watch.events import Outcome, OutcomeKind, PollMode, Update, WatchStats
from tavus_async.watch.sources import Source


__all__ = ["Run", "Sleep"]

_log = logging.getLogger("tavus_async")

_T = TypeVar("_T")

Sleep = Callable[[float], Awaitable[object]]
"""An injectable ``asyncio.sleep``."""

_COUNTERS = {
    PollMode.BY_ID: "get_requests",
    PollMode.FILTERED: "list_requests",
    PollMode.SWEEP: "sweep_requests",
}


class Run(Generic[_T]):
    """The state of one watch and the loop that drives it."""

    def __init__(
        self,
        source: Source[_T],
        schedule: Schedule,
        *,
        update_type: type[Update[_T]],
        outcome_type: type[Outcome[_T]],
        max_concurrency: int,
        sleep: Sleep | None,
        clock: Callable[[], float] | None,
    ) -> None:
        self.source = source
        self.schedule = schedule
        self.until: frozenset[str] = _outcomes.default_until(source.lifecycle)
        self.timeout: float | None = None
        self.each_timeout: float | None = None
        self.adding_done = False
        self.incoming: list[tuple[str, float | None, bool]] = []
        self.started = False
        self.finished = False
        self._update_type = update_type
        self._outcome_type = outcome_type
        self._max_concurrency = max_concurrency
        self._sleep = sleep
        self._clock = clock
        self._timeout_at: float | None = None
        self._known: set[str] = set()
        self._events: deque[Update[_T] | Outcome[_T]] = deque()
        self._counts: Counter[str] = Counter()
        self._said: set[str] = set()
        self._wake: asyncio.Future[None] | None = None
        self._mode: PollMode | None = None

    # Called by the watcher

    def accept(self, resource_id: str, timeout: float | None, *, now: bool) -> bool:
        """Queue ``resource_id`` unless this watch already had it; wake the loop."""
        if resource_id in self._known:
            return False
        self._known.add(resource_id)
        self.incoming.append((resource_id, timeout, now))
        self.poke()
        return True

    def poke(self) -> None:
        """Wake the loop if it is waiting."""
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def now(self) -> float:
        """The watch's clock."""
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def stats(self) -> WatchStats:
        """A snapshot of the counters."""
        watching = len(self.schedule) + len(self.incoming)
        return WatchStats(**self._counts, watching=watching, mode=self.schedule.mode)

    def observe(
        self,
        entry: Entry,
        item: _T,
        source: Literal["poll", "notify"],
        now: float,
        *,
        may_fetch: bool,
    ) -> tuple[Sighting, bool]:
        """Record a sighting; return it and whether the reason must be fetched."""
        read = self.source
        status, progress = read.status_of(item), read.progress_of(item)
        is_changed = _outcomes.changed(entry.seen, (status, progress))
        previous = entry.item
        entry.item, entry.seen = item, (status, progress)
        if is_changed:
            self._events.append(
                self._update_type(
                    id=entry.id,
                    item=item,
                    previous=previous,  # type: ignore[arg-type]  # always a _T
                    progress=progress,
                    source=source,
                    at=now,
                )
            )
            self._counts["updates"] += 1
        kind = _outcomes.classify(read.lifecycle, status, self.until)
        if (
            kind is OutcomeKind.FAILED
            and may_fetch
            and read.listed_lacks_message
            and read.message_of(item) is None
        ):
            return Sighting(is_changed, None), True
        if kind is not None:
            why = f"its status is {status}" if kind is OutcomeKind.GONE else ""
            self._settle(entry.id, kind, item, now, why)
        if progress is None:
            return Sighting(is_changed, None), False
        return Sighting(is_changed, progress.fraction, 1 / progress.total), False

    async def events(self) -> AsyncGenerator[Update[_T] | Outcome[_T], None]:
        """Poll until every id has its outcome, yielding events as they come."""
        if self.started:
            raise ClientStateError("this watch already ran; call watch() again")
        self.started = True
        loop = asyncio.get_running_loop()
        in_flight: dict[asyncio.Task[Result[_T]], tuple[Job, float]] = {}
        timer: asyncio.Task[object] | None = None
        try:
            if self.timeout is not None:
                self._timeout_at = self.now() + self.timeout
            while True:
                now = self.now()
                self._admit(now)
                self._expire(now)
                while self._events:
                    yield self._events.popleft()
                self._admit(self.now())  # ids added while the consumer held an event
                if not self.schedule and not self.incoming and self.adding_done:
                    return
                free = self._max_concurrency - len(in_flight)
                for job in self.schedule.plan(now, free):
                    in_flight[loop.create_task(self._send(job))] = (job, now)
                self._say_mode()
                delay = self._delay(now, full=len(in_flight) >= self._max_concurrency)
                self._wake = loop.create_future()
                waits: set[asyncio.Future[Any]] = {self._wake, *in_flight}
                if self._sleep is not None and delay is not None and not in_flight:
                    timer = loop.create_task(_sleep(self._sleep, delay))
                    waits.add(timer)
                    delay = None
                done, _ = await asyncio.wait(
                    waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED
                )
                self._wake = None
                if timer is not None:
                    if timer in done:
                        timer.result()
                    else:
                        timer.cancel()
                    timer = None
                now = self.now()
                for task in [t for t in in_flight if t in done]:
                    job, started = in_flight.pop(task)
                    self._absorb(job, started, now, task.result())
        finally:
            self.finished = True
            self._wake = None
            leftovers: list[asyncio.Task[Any]] = [*in_flight]
            if timer is not None:
                leftovers.append(timer)
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.gather(*leftovers, return_exceptions=True)

    # The loop's steps

    def _delay(self, now: float, *, full: bool) -> float | None:
        """Seconds until the next deadline or due poll (ignored while ``full``)."""
        moments = (
            self._timeout_at,
            self.schedule.next_deadline(),
            None if full else self.schedule.next_due(),
        )
        wake_at = min((m for m in moments if m is not None), default=None)
        return None if wake_at is None else max(0.0, wake_at - now)

    def _admit(self, now: float) -> None:
        for resource_id, timeout, immediate in self.incoming:
            limit = timeout if timeout is not None else self.each_timeout
            due = now if immediate else self.schedule.next_cycle(now)
            self.schedule.add(resource_id, due, None if limit is None else now + limit)
        self.incoming = []

    def _expire(self, now: float) -> None:
        schedule = self.schedule
        if self._timeout_at is not None and now >= self._timeout_at:
            why = f"the watch's timeout of {self.timeout}s"
            for entry in list(schedule.entries.values()):
                self._end(entry, now, why)
            self.adding_done = True
            return
        for entry in list(schedule.expired(now)):
            self._end(entry, now, "its own timeout")

    def _end(self, entry: Entry, now: float, why: str) -> None:
        status = None if entry.seen is None else entry.seen[0]
        kind = _outcomes.classify(self.source.lifecycle, status, self.until)
        item: _T | None = entry.item  # type: ignore[assignment]
        self._settle(entry.id, kind or OutcomeKind.TIMED_OUT, item, now, why)

    def _settle(
        self, resource_id: str, kind: OutcomeKind, item: _T | None, now: float, why: str
    ) -> None:
        self.schedule.remove(resource_id)
        read = self.source
        status = None if item is None else read.status_of(item)
        message = None
        if item is not None and kind is OutcomeKind.FAILED:
            message = read.message_of(item)
        detail = _outcomes.describe(kind, read.lifecycle.failure, status, message, why)
        self._events.append(
            self._outcome_type(
                id=resource_id,
                kind=kind,
                item=item,
                detail=detail,
                error_message=message,
                at=now,
            )
        )
        self._counts["outcomes"] += 1

    def _say_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._said:
            self._said.add(key)
            _log.warning(message + " (said once per watch)", *args)

    def _say_mode(self) -> None:
        mode = self.schedule.mode
        if mode is not self._mode and mode is not None:
            self._mode = mode
            _log.debug(
                "watching %d %ss: polling %s (account of %s)",
                len(self.schedule),
                self.source.noun,
                mode.value,
                "unknown size" if self.schedule.total is None else self.schedule.total,
            )

    async def _send(self, job: Job) -> Result[_T]:
        self._counts[_COUNTERS[job.mode]] += 1
        return await fetch(self.source, job, self._say_once)

    def _absorb(self, job: Job, started: float, now: float, result: Result[_T]) -> None:
        schedule = self.schedule
        if job.mode is PollMode.SWEEP:
            self._absorb_page(job, started, now, result)
            return
        if result.failure is not None:
            self._counts["transient_failures"] += 1
            _log.warning(
                "polling %d %s(s) failed; trying again next cycle: %s",
                len(job.ids),
                self.source.noun,
                result.failure,
            )
            schedule.finish(job, started, now, {})
            return
        if result.foreign and not schedule.by_id_only:
            schedule.ignore_filter()
            _log.warning(
                "the server ignores the id filter of the %s list (its answer holds "
                "ids not asked for); polling each by id from now on",
                self.source.noun,
            )
        seen: dict[str, Sighting] = {}
        fetch: list[str] = []
        by_id = job.mode is PollMode.BY_ID
        for resource_id in job.ids:
            entry = schedule.entries.get(resource_id)
            item = result.found.get(resource_id)
            if entry is None or item is None:
                continue
            may_fetch = not (by_id and entry.fetch is Fetch.ERROR_MESSAGE)
            if by_id:
                entry.fetch = None
            seen[resource_id], needs = self.observe(
                entry, item, "poll", now, may_fetch=may_fetch
            )
            if needs:
                fetch.append(resource_id)
        for resource_id, why in result.gone.items():
            entry = schedule.entries.get(resource_id)
            if entry is not None:
                self._settle(resource_id, OutcomeKind.GONE, entry.item, now, why)  # type: ignore[arg-type]
        schedule.finish(job, started, now, seen)
        self._expedite(fetch, Fetch.ERROR_MESSAGE)
        self._expedite(result.missing, Fetch.MISSING)

    def _absorb_page(
        self, job: Job, started: float, now: float, result: Result[_T]
    ) -> None:
        schedule = self.schedule
        if result.failure is not None:
            self._counts["transient_failures"] += 1
            _log.warning(
                "reading page %d of the %s list failed; the sweep goes on: %s",
                job.page,
                self.source.noun,
                result.failure,
            )
        fetch: list[str] = []
        for resource_id, item in result.found.items():
            entry = schedule.entries.get(resource_id)
            if entry is None or entry.busy:
                continue
            if entry.fetch is Fetch.MISSING:
                entry.fetch = None  # the sweep found it after all
            sighting, needs = self.observe(entry, item, "poll", now, may_fetch=True)
            if needs:
                fetch.append(resource_id)
            elif resource_id in schedule.entries:
                schedule.seen(entry, started, now, sighting)
        total = None if result.failure is not None else result.total
        left_out = schedule.page_done(job, now, total, result.listed)
        if left_out is not None:
            self._counts["sweeps"] += 1
        self._expedite(fetch, Fetch.ERROR_MESSAGE)
        if left_out:
            self._say_once(
                "swept",
                "a sweep of the %s list did not hold %d watched ids; looking them "
                "up by id",
                self.source.noun,
                len(left_out),
            )
            self._expedite([entry.id for entry in left_out], Fetch.MISSING)

    def _expedite(self, ids: list[str], reason: Fetch) -> None:
        for resource_id in ids:
            entry = self.schedule.entries.get(resource_id)
            if entry is not None:
                self.schedule.expedite(entry, reason)


async def _sleep(sleep: Sleep, delay: float) -> object:
    return await sleep(delay)
