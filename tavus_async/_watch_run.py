"""One watch in motion: the asyncio loop that sends what the schedule plans.

The loop runs inside the consumer's own task, in the async generator
:meth:`Run.events`: nothing polls while no one iterates, and closing or
cancelling the iteration cancels the requests in flight before it returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import Any, Literal, Protocol

import attrs

from tavus_async import _watch
from tavus_async._retry import is_retryable
from tavus_async._schedule import Entry, Fetch, Job, Schedule
from tavus_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientStateError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
)
from tavus_async.types import Replica, ReplicaPage
from tavus_async.types.watch import (
    OutcomeKind,
    ReplicaOutcome,
    ReplicaUpdate,
    WatchEvent,
    WatchStats,
)


__all__ = ["ReplicaSource", "Run", "Sleep"]

_log = logging.getLogger("tavus_async")

Sleep = Callable[[float], Awaitable[object]]
"""An injectable ``asyncio.sleep``."""


class _Replicas(Protocol):
    async def get(self, replica_id: str) -> Replica: ...

    async def list(
        self, *, limit: int | None = None, replica_ids: Iterable[str] | None = None
    ) -> ReplicaPage: ...


class ReplicaSource(Protocol):
    """What a watcher polls through: a :class:`~tavus_async.TavusClient`."""

    @property
    def replicas(self) -> _Replicas:
        """The replica service (``get`` and ``list``)."""
        ...


@attrs.define
class _Result:
    found: dict[str, Replica] = attrs.Factory(dict)
    missing: list[str] = attrs.Factory(list)
    foreign: bool = False
    gone: dict[str, str] = attrs.Factory(dict)
    failure: APIError | None = None


class Run:
    """The state of one watch and the loop that drives it."""

    def __init__(
        self,
        source: ReplicaSource,
        schedule: Schedule,
        *,
        max_concurrency: int,
        sleep: Sleep | None,
        clock: Callable[[], float] | None,
    ) -> None:
        self.schedule = schedule
        self.until: frozenset[str] = _watch.DEFAULT_UNTIL
        self.timeout: float | None = None
        self.replica_timeout: float | None = None
        self.adding_done = False
        self.incoming: list[tuple[str, float | None, bool]] = []
        self.started = False
        self.finished = False
        self._source = source
        self._max_concurrency = max_concurrency
        self._sleep = sleep
        self._clock = clock
        self._timeout_at: float | None = None
        self._known: set[str] = set()
        self._events: deque[WatchEvent] = deque()
        self._counts: Counter[str] = Counter()
        self._said: set[str] = set()
        self._wake: asyncio.Future[None] | None = None

    # Called by the watcher

    def accept(self, replica_id: str, timeout: float | None, *, now: bool) -> bool:
        """Queue ``replica_id`` unless this watch already had it; wake the loop."""
        if replica_id in self._known:
            return False
        self._known.add(replica_id)
        self.incoming.append((replica_id, timeout, now))
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
        return WatchStats(**self._counts, watching=watching)

    def observe(
        self,
        entry: Entry,
        replica: Replica,
        source: Literal["poll", "notify"],
        now: float,
        *,
        may_fetch: bool,
    ) -> tuple[bool, bool]:
        """Record a sighting; return (changed, needs its error_message fetched)."""
        previous = entry.replica
        is_changed = _watch.changed(previous, replica)
        entry.replica = replica
        if is_changed:
            self._events.append(
                ReplicaUpdate(replica=replica, previous=previous, source=source, at=now)
            )
            self._counts["updates"] += 1
        kind = _watch.classify(replica.status, self.until)
        if kind is OutcomeKind.FAILED and replica.error_message is None and may_fetch:
            return is_changed, True
        if kind is not None:
            self._settle(entry.replica_id, kind, replica, now)
        return is_changed, False

    async def events(self) -> AsyncGenerator[WatchEvent, None]:
        """Poll until every replica has its outcome, yielding events as they come."""
        if self.started:
            raise ClientStateError("this watch already ran; call watch() again")
        self.started = True
        loop = asyncio.get_running_loop()
        in_flight: dict[asyncio.Task[_Result], tuple[Job, float]] = {}
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
                if not self.schedule and not self.incoming and self.adding_done:
                    return
                free = self._max_concurrency - len(in_flight)
                for job in self.schedule.plan(now, free):
                    in_flight[loop.create_task(self._send(job))] = (job, now)
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
        for replica_id, timeout, immediate in self.incoming:
            limit = timeout if timeout is not None else self.replica_timeout
            due = now if immediate else self.schedule.next_cycle(now)
            self.schedule.add(replica_id, due, None if limit is None else now + limit)
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
        last = entry.replica
        kind = None if last is None else _watch.classify(last.status, self.until)
        self._settle(entry.replica_id, kind or OutcomeKind.TIMED_OUT, last, now, why)

    def _settle(
        self,
        replica_id: str,
        kind: OutcomeKind,
        replica: Replica | None,
        now: float,
        why: str = "",
    ) -> None:
        self.schedule.remove(replica_id)
        detail = _watch.describe(kind, replica, why)
        self._events.append(
            ReplicaOutcome(
                replica_id=replica_id, kind=kind, replica=replica, detail=detail, at=now
            )
        )
        self._counts["outcomes"] += 1

    def _say_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._said:
            self._said.add(key)
            _log.warning(message + " (said once per watch)", *args)

    async def _send(self, job: Job) -> _Result:
        replicas = self._source.replicas
        if job.by_id:
            (replica_id,) = job.ids
            self._counts["get_requests"] += 1
            try:
                replica = await replicas.get(replica_id)
            except (BadRequestError, NotFoundError) as error:
                return _Result(
                    gone={replica_id: f"{error.status_code} {error.message}"}
                )
            except APIError as error:
                return _Result(failure=_transient(error))
            return _Result(found={replica_id: replica})
        self._counts["list_requests"] += 1
        try:
            page = await replicas.list(replica_ids=job.ids, limit=len(job.ids))
        except BadRequestError as error:
            self._say_once(
                "refused",
                "List Replicas refused a replica_ids filter (%s); looking those "
                "replicas up one by one",
                error.message,
            )
            return _Result(missing=list(job.ids))
        except APIError as error:
            return _Result(failure=_transient(error))
        found, missing, foreign = _watch.read_listing(job.ids, page.data)
        if missing and not foreign:
            self._say_once(
                "missing",
                "List Replicas left out %d of %d replicas asked for; looking them "
                "up by id",
                len(missing),
                len(job.ids),
            )
        return _Result(found=found, missing=missing, foreign=foreign)

    def _absorb(self, job: Job, started: float, now: float, result: _Result) -> None:
        schedule = self.schedule
        if result.failure is not None:
            self._counts["transient_failures"] += 1
            _log.warning(
                "polling %d replica(s) failed; trying again next cycle: %s",
                len(job.ids),
                result.failure,
            )
            schedule.finish(job, started, now, job.ids)
            return
        if result.foreign and not schedule.by_id_only:
            schedule.by_id_only = True
            _log.warning(
                "the server ignores the replica_ids filter of List Replicas (its "
                "answer holds replicas not asked for); polling each replica by "
                "id from now on"
            )
        changed: set[str] = set()
        fetch: list[str] = []
        for replica_id, replica in result.found.items():
            entry = schedule.entries.get(replica_id)
            if entry is None:
                continue
            may_fetch = not (job.by_id and entry.fetch is Fetch.ERROR_MESSAGE)
            if job.by_id:
                entry.fetch = None
            is_changed, needs = self.observe(
                entry, replica, "poll", now, may_fetch=may_fetch
            )
            if is_changed:
                changed.add(replica_id)
            if needs:
                fetch.append(replica_id)
        for replica_id, why in result.gone.items():
            entry = schedule.entries.get(replica_id)
            if entry is not None:
                self._settle(replica_id, OutcomeKind.GONE, entry.replica, now, why)
        schedule.finish(job, started, now, changed)
        for ids, reason in (
            (fetch, Fetch.ERROR_MESSAGE),
            (result.missing, Fetch.MISSING),
        ):
            for replica_id in ids:
                entry = schedule.entries.get(replica_id)
                if entry is not None:
                    schedule.expedite(entry, now, reason)


async def _sleep(sleep: Sleep, delay: float) -> object:
    return await sleep(delay)


def _transient(error: APIError) -> APIError:
    """Return ``error`` if another cycle may fix it; raise it if the watch must end."""
    if isinstance(error, DecodeError) or is_retryable(error, idempotent=True):
        return error
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        error.add_note(
            "ReplicaWatcher stopped: Tavus refused the API key; check the key "
            "(TAVUS_API_KEY) and its IP restrictions"
        )
    else:
        error.add_note(
            "ReplicaWatcher stopped: polling again will not change this answer; "
            "check the client's base_url"
        )
    raise error
