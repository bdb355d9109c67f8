"""``ReplicaWatcher``: follow many replicas to a target status, polling in batches.

The watcher polls ``GET /v2/replicas?replica_ids=...`` for up to
``batch_size`` replicas per request, with up to ``max_concurrency`` requests
in flight, and falls back to ``GET /v2/replicas/{id}`` for replicas a list
answer leaves out. ``tavus_async._schedule`` decides what to poll when,
``tavus_async._watch_run`` sends it and turns answers into events.
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, Callable, Iterable
from contextlib import aclosing

import attrs

from tavus_async import _validation as v
from tavus_async import _watch
from tavus_async._schedule import Schedule
from tavus_async._watch_run import ReplicaSource, Run, Sleep
from tavus_async.errors import (
    ClientStateError,
    ValidationError,
    WatchError,
    WatchTimeoutError,
)
from tavus_async.types import Replica, ReplicaStatus
from tavus_async.types.watch import (
    OutcomeKind,
    ReplicaOutcome,
    WatchEvent,
    WatchStats,
)


__all__ = ["ReplicaSource", "ReplicaWatcher"]


class ReplicaWatcher:
    """Watch many replicas at once until each reaches a target status.

    ::

        watcher = ReplicaWatcher(client, poll_interval=30.0)
        async for event in watcher.watch(ids):
            if isinstance(event, ReplicaOutcome):
                print(event.replica_id, event.kind, event.detail)
        outcomes = await watcher.wait(ids, timeout=6 * 3600)

    Replicas are polled in batches through ``GET /v2/replicas?replica_ids=``,
    so N replicas cost about ``ceil(N / batch_size)`` requests per cycle. One
    replica's failure never stops the others. Transient failures (timeouts,
    resets, 5xx, 429s after the client's own retries, bodies that are not
    JSON) delay only the affected batch to its next cycle; they are counted
    in :attr:`stats` and logged. The client's shared gate applies: a 429 on
    any request pauses every batch.

    Args:
        client: A :class:`~tavus_async.TavusClient` (anything with
            ``.replicas.get`` and ``.replicas.list``).
        poll_interval: Seconds between two polls of a replica; each batch
            polls up to ``jitter`` of it earlier, so batches spread out.
        max_concurrency: Most requests in flight at once. Keep it below the
            client's ``connection_limit``.
        batch_size: Replicas per list request (a full page, 100, by default).
        jitter: Fraction of ``poll_interval``, from 0 to below 1, by which a
            batch's next poll comes early, drawn at random per batch.
        max_poll_interval: Slow down for replicas that do not change: each
            unchanged poll stretches their interval 1.5 times, up to this.
            None (the default) keeps ``poll_interval``.
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

    def __init__(
        self,
        client: ReplicaSource,
        *,
        poll_interval: float = 30.0,
        max_concurrency: int = 8,
        batch_size: int = 100,
        jitter: float = 0.1,
        max_poll_interval: float | None = None,
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
        self._client = client
        self._interval = float(poll_interval)
        self._max_interval = float(max_poll_interval or poll_interval)
        self._max_concurrency = max_concurrency
        self._batch_size = batch_size
        self._jitter = float(jitter)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        self._run: Run | None = None

    # The public surface

    def watch(
        self,
        replica_ids: Iterable[str] = (),
        *,
        until: Iterable[ReplicaStatus | str] | None = None,
        timeout: float | None = None,
        replica_timeout: float | None = None,
        keep_open: bool = False,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Watch replicas; yield an event per change, then one outcome each.

        Every replica first yields a :class:`ReplicaUpdate` when first seen
        and on every change of status or training progress, then exactly one
        :class:`ReplicaOutcome`. Iteration ends when every replica has its
        outcome (with ``keep_open``, once :meth:`done_adding` was called too).
        Breaking out of the loop, cancelling the task or an exception stops
        polling; wrap it in ``contextlib.aclosing`` to stop at that very
        moment rather than when the generator is collected.

        Args:
            replica_ids: The replicas to watch; more can come through :meth:`add`.
            until: Target statuses; default ``completed`` (or ``ready``) and
                ``error``. ``error`` always ends a replica as FAILED.
            timeout: Seconds for the whole watch; replicas still watched then
                end as TIMED_OUT.
            replica_timeout: Seconds for each replica from when it is added.
            keep_open: Keep watching, even with nothing left to watch, until
                :meth:`done_adding` (or ``timeout``).

        Returns:
            An async generator of :data:`WatchEvent` values.

        Raises:
            ValidationError: Bad arguments (raised here, before any request).
            ClientStateError: This watcher is already running a watch.
            AuthenticationError: While iterating, if Tavus refuses the API
                key (401), or ``PermissionDeniedError`` (403).
            APIStatusError: While iterating, an answer that cannot be a
                passing fault, such as a 404 for the list endpoint.
        """
        targets = _watch.normalize_until(until)
        ids = _check_ids(replica_ids)
        v.require_positive("timeout", timeout, "seconds")
        v.require_positive("replica_timeout", replica_timeout, "seconds")
        run = self._current()
        if run.started:
            raise ClientStateError(
                "this ReplicaWatcher is already running a watch; add() ids to it, "
                "or make another ReplicaWatcher"
            )
        if not ids and not run.incoming and not keep_open:
            raise ValidationError.single(
                "replica_ids",
                "must hold at least one id, or pass keep_open=True and add() ids later",
            )
        run.until, run.timeout, run.replica_timeout = targets, timeout, replica_timeout
        run.adding_done = run.adding_done or not keep_open
        queued, run.incoming = run.incoming, []
        for replica_id in ids:
            run.accept(replica_id, None, now=True)
        run.incoming.extend(queued)  # added before the start: due at once too
        return run.events()

    async def wait(
        self,
        replica_ids: Iterable[str],
        *,
        until: Iterable[ReplicaStatus | str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - ends as TIMED_OUT outcomes
        replica_timeout: float | None = None,
        raise_on_error: bool = False,
    ) -> dict[str, ReplicaOutcome]:
        """Watch replicas to the end and return every outcome.

        Args:
            replica_ids: As for :meth:`watch`.
            until: As for :meth:`watch`.
            timeout: As for :meth:`watch`.
            replica_timeout: As for :meth:`watch`.
            raise_on_error: Raise when a replica did not reach a target.

        Returns:
            Each replica's outcome by id, in the order given (ids added with
            :meth:`add` during the wait follow).

        Raises:
            ValidationError: Bad arguments, before any request.
            WatchTimeoutError: With ``raise_on_error``, when every replica
                that is not ok timed out; ``WatchError`` for other failures.
                ``.outcomes`` holds every outcome.
            AuthenticationError: Tavus refused the API key.
        """
        ids = _check_ids(replica_ids)
        outcomes: dict[str, ReplicaOutcome] = {}
        events = self.watch(
            ids, until=until, timeout=timeout, replica_timeout=replica_timeout
        )
        async with aclosing(events):
            async for event in events:
                if isinstance(event, ReplicaOutcome):
                    outcomes[event.replica_id] = event
        ordered = {i: outcomes[i] for i in dict.fromkeys(ids)}
        ordered.update(outcomes)
        failures = [o for o in ordered.values() if not o.ok]
        if raise_on_error and failures:
            timed_out = all(o.kind is OutcomeKind.TIMED_OUT for o in failures)
            error = WatchTimeoutError if timed_out else WatchError
            first = failures[0]
            raise error(
                f"{len(failures)} of {len(ordered)} replicas did not reach their "
                f"target; first {first.replica_id}: {first.detail}",
                ordered,
            )
        return ordered

    def add(self, replica_ids: Iterable[str], *, timeout: float | None = None) -> int:
        """Watch more replicas, in the running watch or else the next one.

        New replicas join the next batches due (within one poll interval).
        Ids already watched, or already settled in this watch, are skipped.

        Args:
            replica_ids: The replicas to add.
            timeout: Seconds for each of these replicas from now; default
                the watch's ``replica_timeout``.

        Returns:
            How many ids were new.

        Raises:
            ValidationError: A malformed id or timeout.
        """
        ids = _check_ids(replica_ids)
        v.require_positive("timeout", timeout, "seconds")
        run = self._current()
        return sum(run.accept(i, timeout, now=not run.started) for i in ids)

    def done_adding(self) -> None:
        """Let a ``keep_open`` watch end once every replica has its outcome."""
        run = self._current()
        run.adding_done = True
        run.poke()

    def notify(
        self,
        replica_id: str,
        status: ReplicaStatus | str,
        *,
        error_message: str | None = None,
    ) -> bool:
        """Feed a status learnt another way, such as a training webhook.

        A target or final status settles the replica at once, without a poll
        (``ready`` counts as ``completed``).

        Args:
            replica_id: The replica.
            status: Its new status.
            error_message: Tavus's reason, for ``error``.

        Returns:
            True if the running watch was watching the replica.

        Raises:
            ValidationError: A malformed id or status.
        """
        v.require_id("replica_id", replica_id)
        v.require_text("status", status)
        run = self._run
        entry = None if run is None else run.schedule.entries.get(replica_id)
        if run is None or entry is None or not run.started:
            return False
        previous, new_status = entry.replica, ReplicaStatus(status)
        replica = (
            Replica(
                replica_id=replica_id, status=new_status, error_message=error_message
            )
            if previous is None
            else attrs.evolve(
                previous,
                status=new_status,
                error_message=error_message or previous.error_message,
            )
        )
        run.observe(entry, replica, "notify", run.now(), may_fetch=False)
        run.poke()
        return True

    @property
    def stats(self) -> WatchStats:
        """Counters of the running (or last) watch."""
        run = self._run
        return WatchStats() if run is None else run.stats()

    def _current(self) -> Run:
        run = self._run
        if run is None or run.finished:
            schedule = Schedule(
                batch_size=self._batch_size,
                interval=self._interval,
                max_interval=self._max_interval,
                jitter=self._jitter,
                rng=self._rng,
            )
            run = self._run = Run(
                self._client,
                schedule,
                max_concurrency=self._max_concurrency,
                sleep=self._sleep,
                clock=self._clock,
            )
        return run


def _check_ids(replica_ids: Iterable[str]) -> list[str]:
    ids = v.require_ids("replica_ids", replica_ids, allow_empty=True)
    return list(dict.fromkeys(ids))
