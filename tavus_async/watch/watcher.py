"""``Watcher``: follow many long-running Tavus jobs to a target status.

:class:`Watcher` is one engine for every resource; a
:class:`~tavus_async.watch.sources.Source` says how to fetch and read the
resource. ``client.replicas.watcher()``, ``client.videos.watcher()``,
``client.documents.watcher()`` and ``client.transcriptions.watcher()`` give
one ready-made; :class:`ReplicaWatcher` is the replica watcher by its
long-standing name.
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, Callable, Iterable
from contextlib import aclosing
from typing import Any, ClassVar, Generic, TypedDict, TypeVar

from tavus_async import _validation as v
from tavus_async.errors import (
    ClientStateError,
    ValidationError,
    WatchError,
    WatchTimeoutError,
)
from tavus_async.watch import _outcomes
from tavus_async.watch._run import Run, Sleep
from tavus_async.watch._schedule import Entry, Schedule
from tavus_async.watch.events import (
    Outcome,
    OutcomeKind,
    Update,
    WatchStats,
)
from tavus_async.watch.sources import Source


__all__ = ["WatchSettings", "Watcher"]

_T = TypeVar("_T")


class WatchSettings(TypedDict, total=False):
    """The settings of a watcher, as ``client.videos.watcher(**settings)``
    takes them; each is described at :class:`Watcher`."""

    poll_interval: float
    max_poll_interval: float | None
    max_concurrency: int
    batch_size: int
    jitter: float
    sleep: Sleep | None
    clock: Callable[[], float] | None


class Watcher(Generic[_T]):
    """Watch many ids of one resource at once until each reaches a target status.

    ::

        watcher = client.videos.watcher(poll_interval=30.0)
        async for event in watcher.watch(video_ids):
            if isinstance(event, Outcome):
                print(event.id, event.kind, event.detail)
        outcomes = await watcher.wait(video_ids, timeout=3600)

    Each cycle polls the cheapest way the resource allows (see
    :class:`PollMode`): by id; through a list filtered to the ids (replicas,
    100 per request); or by a sweep of the account's whole list when that
    costs fewer requests than one lookup per id (videos, documents,
    transcriptions: 10,000 videos watched in an account of 12,000 cost 120
    pages, not 10,000 lookups). :attr:`stats` and the ``tavus_async`` debug
    log say which. One id's failure never stops the others. Transient
    failures (timeouts, resets, 5xx, 429s after the client's own retries,
    bodies that are not JSON) delay only what they affect to its next cycle;
    they are counted in :attr:`stats` and logged. The client's shared gate
    applies: a 429 on any request pauses every poll.

    Args:
        source: How to fetch and read the resource
            (:mod:`tavus_async.watch.sources`).
        poll_interval: Seconds between two polls of an id, at the most
            (near the end of its job, or whenever it changes); each request
            polls up to ``jitter`` of it earlier, so requests spread out.
        max_poll_interval: Seconds between two polls of an id, at the least.
            Above ``poll_interval`` the gap follows progress: an id whose
            progress moves is polled at half the time its progress says is
            left (a job 5% done far less often than one 95% done), an id
            without progress 1.5 times less often per unchanged poll. None
            (the default) polls every id every ``poll_interval``.
        max_concurrency: Most requests in flight at once. Keep it below the
            client's ``connection_limit``.
        batch_size: Ids per filtered list request (a full page, 100, by
            default).
        jitter: Fraction of the gap, from 0 to below 1, by which a request
            comes early, drawn at random per request.
        sleep: ``await sleep(seconds)`` to wait for the next poll or
            deadline while no request is in flight; default ``asyncio.sleep``.
            Tests pass ``FakeTavus.sleep``, which moves the fake's clock, so
            hours of training take milliseconds. (While requests are in
            flight the watcher waits for them on asyncio's own timer.)
        clock: Monotonic seconds; default the event loop's clock. Tests pass
            ``FakeTavus.clock``.

    Raises:
        ValidationError: A bad setting.
    """

    _update_type: ClassVar[type[Update[Any]]] = Update
    _outcome_type: ClassVar[type[Outcome[Any]]] = Outcome

    def __init__(
        self,
        source: Source[_T],
        *,
        poll_interval: float = 30.0,
        max_poll_interval: float | None = None,
        max_concurrency: int = 8,
        batch_size: int = 100,
        jitter: float = 0.1,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        problems: v.Problems = []
        v.check_min(problems, "max_concurrency", max_concurrency, 1)
        v.check_min(problems, "batch_size", batch_size, 1)
        v.raise_if(problems)
        v.require_positive("poll_interval", poll_interval, "seconds", optional=False)
        v.require_positive("max_poll_interval", max_poll_interval, "seconds")
        if max_poll_interval is not None and max_poll_interval < poll_interval:
            raise ValidationError.single(
                "max_poll_interval",
                f"must be at least poll_interval ({poll_interval}), "
                f"got {max_poll_interval}",
            )
        if isinstance(jitter, bool) or not isinstance(jitter, int | float):
            raise ValidationError.single("jitter", f"must be a number, got {jitter!r}")
        if not 0 <= jitter < 1:
            raise ValidationError.single(
                "jitter", f"must be at least 0 and below 1, got {jitter}"
            )
        self._source = source
        self._interval = float(poll_interval)
        self._max_interval = float(max_poll_interval or poll_interval)
        self._max_concurrency = max_concurrency
        self._batch_size = min(batch_size, source.page_size)
        self._jitter = float(jitter)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        self._run: Run[_T] | None = None

    @property
    def noun(self) -> str:
        """What this watcher watches: ``"replica"``, ``"video"``, ..."""
        return self._source.noun

    def watch(
        self,
        ids: Iterable[str] = (),
        *,
        until: Iterable[str] | None = None,
        timeout: float | None = None,
        each_timeout: float | None = None,
        keep_open: bool = False,
    ) -> AsyncGenerator[Update[_T] | Outcome[_T], None]:
        """Watch ids; yield an event per change, then one outcome each.

        Every id first yields an :class:`Update` when first seen and on every
        change of status or progress, then exactly one :class:`Outcome`.
        Iteration ends when every id has its outcome (with ``keep_open``,
        once :meth:`done_adding` was called too). Breaking out of the loop,
        cancelling the task or an exception stops polling; wrap it in
        ``contextlib.aclosing`` to stop at that very moment rather than when
        the generator is collected.

        Args:
            ids: The ids to watch; more can come through :meth:`add`.
            until: Target statuses; default the end statuses (a replica's
                ``completed``/``ready`` and ``error``, a video's ``ready``
                and ``error``, ...). ``error`` always ends an id as FAILED.
            timeout: Seconds for the whole watch; ids still watched then end
                as TIMED_OUT.
            each_timeout: Seconds for each id from when it is added.
            keep_open: Keep watching, even with nothing left to watch, until
                :meth:`done_adding` (or ``timeout``).

        Returns:
            An async generator of :class:`Update` and :class:`Outcome` values.

        Raises:
            ValidationError: Bad arguments (raised here, before any request).
            ClientStateError: This watcher is already running a watch.
            AuthenticationError: While iterating, if Tavus refuses the API
                key (401), or ``PermissionDeniedError`` (403).
            APIStatusError: While iterating, an answer that cannot be a
                passing fault, such as a 404 for the list endpoint.
        """
        return self._start(
            ids, "ids", until, timeout, ("each_timeout", each_timeout), keep_open
        )

    async def wait(
        self,
        ids: Iterable[str],
        *,
        until: Iterable[str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - ends as TIMED_OUT outcomes
        each_timeout: float | None = None,
        raise_on_error: bool = False,
    ) -> dict[str, Outcome[_T]]:
        """Watch ids to the end and return every outcome.

        Args:
            ids: As for :meth:`watch`.
            until: As for :meth:`watch`.
            timeout: As for :meth:`watch`.
            each_timeout: As for :meth:`watch`.
            raise_on_error: Raise when an id did not reach a target.

        Returns:
            Each id's outcome, in the order given (ids added with
            :meth:`add` during the wait follow).

        Raises:
            ValidationError: Bad arguments, before any request.
            WatchTimeoutError: With ``raise_on_error``, when every id that is
                not ok timed out; ``WatchError`` for other failures.
                ``.outcomes`` holds every outcome.
            AuthenticationError: Tavus refused the API key.
        """
        ids = _check_ids("ids", ids)
        events = self.watch(
            ids, until=until, timeout=timeout, each_timeout=each_timeout
        )
        return await self._gather(ids, events, raise_on_error)

    def add(self, ids: Iterable[str], *, timeout: float | None = None) -> int:
        """Watch more ids, in the running watch or else the next one.

        New ids join the next requests due (within one poll interval). Ids
        already watched, or already settled in this watch, are skipped.

        Args:
            ids: The ids to add.
            timeout: Seconds for each of these ids from now; default the
                watch's own per-id timeout.

        Returns:
            How many ids were new.

        Raises:
            ValidationError: A malformed id or timeout.
        """
        checked = _check_ids(self._ids_name, ids)
        v.require_positive("timeout", timeout, "seconds")
        run = self._current()
        return sum(run.accept(i, timeout, now=not run.started) for i in checked)

    def done_adding(self) -> None:
        """Let a ``keep_open`` watch end once every id has its outcome."""
        run = self._current()
        run.adding_done = True
        run.poke()

    def notify(
        self, resource_id: str, status: str, *, error_message: str | None = None
    ) -> bool:
        """Feed a status learnt another way, such as a webhook.

        A target or final status settles the id at once, without a poll.

        Args:
            resource_id: The id.
            status: Its new status.
            error_message: Tavus's reason, for ``error``.

        Returns:
            True if the running watch was watching the id.

        Raises:
            ValidationError: A malformed id or status.
        """
        v.require_id(self._id_name, resource_id)
        v.require_text("status", status)
        entry = self._entry(resource_id)
        if entry is None:
            return False
        last: _T | None = entry.item  # type: ignore[assignment]
        item = self._source.with_status(resource_id, status, error_message, last)
        return self._feed(entry, item)

    def observe(self, item: _T) -> bool:
        """Feed a whole object learnt another way, such as a callback's body.

        Args:
            item: The resource as Tavus sent it (a :class:`~tavus_async.Video`
                from a ``VideoCallback``, ...).

        Returns:
            True if the running watch was watching its id.
        """
        entry = self._entry(self._source.id_of(item))
        return entry is not None and self._feed(entry, item)

    @property
    def stats(self) -> WatchStats:
        """Counters of the running (or last) watch."""
        run = self._run
        return WatchStats() if run is None else run.stats()

    # The engine behind the public names

    _ids_name: ClassVar[str] = "ids"
    _id_name: ClassVar[str] = "resource_id"

    def _start(
        self,
        ids: Iterable[str],
        ids_name: str,
        until: Iterable[str] | None,
        timeout: float | None,
        each: tuple[str, float | None],
        keep_open: bool,
    ) -> AsyncGenerator[Update[_T] | Outcome[_T], None]:
        source = self._source
        targets = _outcomes.normalize_until(source.lifecycle, until, source.noun)
        checked = _check_ids(ids_name, ids)
        v.require_positive("timeout", timeout, "seconds")
        v.require_positive(each[0], each[1], "seconds")
        run = self._current()
        if run.started:
            raise ClientStateError(
                f"this {type(self).__name__} is already running a watch; add() ids "
                f"to it, or make another {type(self).__name__}"
            )
        if not checked and not run.incoming and not keep_open:
            raise ValidationError.single(
                ids_name,
                "must hold at least one id, or pass keep_open=True and add() ids later",
            )
        run.until, run.timeout, run.each_timeout = targets, timeout, each[1]
        run.adding_done = run.adding_done or not keep_open
        queued, run.incoming = run.incoming, []
        for resource_id in checked:
            run.accept(resource_id, None, now=True)
        run.incoming.extend(queued)  # added before the start: due at once too
        return run.events()

    async def _gather(
        self,
        ids: list[str],
        events: AsyncGenerator[Update[_T] | Outcome[_T], None],
        raise_on_error: bool,
    ) -> dict[str, Outcome[_T]]:
        outcomes: dict[str, Outcome[_T]] = {}
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Outcome):
                    outcomes[event.id] = event
        ordered = {i: outcomes[i] for i in dict.fromkeys(ids)}
        ordered.update(outcomes)
        failures = [o for o in ordered.values() if not o.ok]
        if raise_on_error and failures:
            timed_out = all(o.kind is OutcomeKind.TIMED_OUT for o in failures)
            error = WatchTimeoutError if timed_out else WatchError
            first = failures[0]
            raise error(
                f"{len(failures)} of {len(ordered)} {self.noun}s did not reach "
                f"their target; first {first.id}: {first.detail}",
                ordered,
            )
        return ordered

    def _entry(self, resource_id: str) -> Entry | None:
        run = self._run
        if run is None or not run.started:
            return None
        return run.schedule.entries.get(resource_id)

    def _feed(self, entry: Entry, item: _T) -> bool:
        run = self._run
        assert run is not None
        run.observe(entry, item, "notify", run.now(), may_fetch=False)
        run.poke()
        return True

    def _current(self) -> Run[_T]:
        run = self._run
        if run is None or run.finished:
            source = self._source
            schedule = Schedule(
                batch_size=self._batch_size,
                interval=self._interval,
                max_interval=self._max_interval,
                jitter=self._jitter,
                rng=self._rng,
                filtered=source.find is not None,
                sweepable=source.page is not None,
                page_size=source.page_size,
            )
            run = self._run = Run(
                source,
                schedule,
                update_type=self._update_type,
                outcome_type=self._outcome_type,
                max_concurrency=self._max_concurrency,
                sleep=self._sleep,
                clock=self._clock,
            )
        return run


def _check_ids(name: str, ids: Iterable[str]) -> list[str]:
    checked = v.require_ids(name, ids, allow_empty=True)
    return list(dict.fromkeys(checked))
