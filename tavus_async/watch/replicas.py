"""``ReplicaWatcher``: the replica :class:`~tavus_async.watch.Watcher`, by its
long-standing name and arguments (``replica_ids``, ``replica_timeout``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Protocol

from tavus_async.types import Replica, ReplicaStatus
from tavus_async.watch._run import Sleep
from tavus_async.watch.events import (
    Outcome,
    ReplicaOutcome,
    ReplicaUpdate,
    Update,
    WatchEvent,
)
from tavus_async.watch.sources import _Replicas as _ReplicaService
from tavus_async.watch.sources import replica_source
from tavus_async.watch.watcher import Watcher, _check_ids


__all__ = ["ReplicaSource", "ReplicaWatcher"]


class ReplicaSource(Protocol):
    """What a :class:`ReplicaWatcher` polls through: a ``TavusClient``."""

    @property
    def replicas(self) -> _ReplicaService:
        """The replica service (``get`` and ``list``)."""
        ...


class ReplicaWatcher(Watcher[Replica]):
    """Watch many replicas at once until each reaches a target status.

    ::

        watcher = ReplicaWatcher(client, poll_interval=30.0)
        async for event in watcher.watch(ids):
            if isinstance(event, ReplicaOutcome):
                print(event.replica_id, event.kind, event.detail)
        outcomes = await watcher.wait(ids, timeout=6 * 3600)

    ``client.replicas.watcher(...)`` makes the same. Replicas are polled in
    batches through ``GET /v2/replicas?replica_ids=``, so N replicas cost
    about ``ceil(N / batch_size)`` requests per cycle, and looked up by id
    when a list leaves one out. Everything else is :class:`Watcher`'s; the
    events are :class:`ReplicaUpdate` and :class:`ReplicaOutcome`.

    Args:
        client: A :class:`~tavus_async.TavusClient` (anything with
            ``.replicas.get`` and ``.replicas.list``).
        poll_interval: As for :class:`Watcher`.
        max_concurrency: As for :class:`Watcher`.
        batch_size: Replicas per list request (a full page, 100, by default).
        jitter: As for :class:`Watcher`.
        max_poll_interval: As for :class:`Watcher`: above ``poll_interval``,
            replicas are polled by their ``training_progress``.
        sleep: As for :class:`Watcher`.
        clock: As for :class:`Watcher`.

    Raises:
        ValidationError: A bad setting.
    """

    _update_type = ReplicaUpdate
    _outcome_type = ReplicaOutcome
    _ids_name = "replica_ids"
    _id_name = "replica_id"

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
        super().__init__(
            replica_source(client.replicas),
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_concurrency=max_concurrency,
            batch_size=batch_size,
            jitter=jitter,
            sleep=sleep,
            clock=clock,
        )

    def watch(  # type: ignore[override]  # replica_ids, replica_timeout
        self,
        replica_ids: Iterable[str] = (),
        *,
        until: Iterable[ReplicaStatus | str] | None = None,
        timeout: float | None = None,
        replica_timeout: float | None = None,
        keep_open: bool = False,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Watch replicas; yield an event per change, then one outcome each.

        As :meth:`Watcher.watch`, with the replica names of its arguments.

        Args:
            replica_ids: The replicas to watch; more can come through
                :meth:`~tavus_async.watch.watcher.Watcher.add`.
            until: Target statuses; default ``completed`` (or ``ready``) and
                ``error``. ``error`` always ends a replica as FAILED.
            timeout: Seconds for the whole watch.
            replica_timeout: Seconds for each replica from when it is added.
            keep_open: Keep watching until
                :meth:`~tavus_async.watch.watcher.Watcher.done_adding`.

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
        return self._start(  # type: ignore[return-value]  # replica events
            replica_ids,
            "replica_ids",
            until,
            timeout,
            ("replica_timeout", replica_timeout),
            keep_open,
        )

    async def wait(  # type: ignore[override]  # replica_ids, replica_timeout
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
            :meth:`~tavus_async.watch.watcher.Watcher.add` during the wait follow).

        Raises:
            ValidationError: Bad arguments, before any request.
            WatchTimeoutError: With ``raise_on_error``, when every replica
                that is not ok timed out; ``WatchError`` for other failures.
                ``.outcomes`` holds every outcome.
            AuthenticationError: Tavus refused the API key.
        """
        ids = _check_ids("replica_ids", replica_ids)
        events: AsyncGenerator[Update[Replica] | Outcome[Replica], None] = self._start(
            ids,
            "replica_ids",
            until,
            timeout,
            ("replica_timeout", replica_timeout),
            False,
        )
        outcomes = await self._gather(ids, events, raise_on_error)
        return outcomes  # type: ignore[return-value]  # noqa: RET504 (replica outcomes)

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
        return super().notify(replica_id, status, error_message=error_message)
