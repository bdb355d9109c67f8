"""What a watcher reports: updates, one outcome per id, and its counters.

:class:`Update` and :class:`Outcome` are generic in the resource watched
(``Update[Video]``, ``Outcome[Document]``); replicas have their own
subclasses, :class:`ReplicaUpdate` and :class:`ReplicaOutcome`, which add the
replica-named properties the replica watcher always had.
"""

from __future__ import annotations

import enum
from typing import Generic, Literal, TypeVar

from attrs import frozen

from tavus_async.types._common import TrainingProgress, _Model
from tavus_async.types.replicas import Replica, ReplicaStatus


__all__ = [
    "Outcome",
    "OutcomeKind",
    "PollMode",
    "ReplicaOutcome",
    "ReplicaUpdate",
    "Update",
    "WatchEvent",
    "WatchStats",
]

_T = TypeVar("_T")


class OutcomeKind(enum.Enum):
    """How the watch of one id ended."""

    REACHED = "reached"
    """It reached one of the target statuses (or went past it: ``completed``
    satisfies a target of ``started``)."""
    FAILED = "failed"
    """The job failed: status ``error``, with Tavus's reason."""
    MISSED = "missed"
    """It ended without reaching a target, which it never can now."""
    TIMED_OUT = "timed_out"
    """Its own deadline or the watch's timeout came first."""
    GONE = "gone"
    """Tavus no longer knows the id (deleted, or a wrong id)."""


class PollMode(enum.Enum):
    """How a watcher polled in a cycle; chosen per cycle from what it costs."""

    BY_ID = "by_id"
    """One ``GET`` per id due (``/v2/videos/{id}``)."""
    FILTERED = "filtered"
    """A list filtered to the ids due, up to 100 per request
    (``/v2/replicas?replica_ids=``)."""
    SWEEP = "sweep"
    """Every page of the account's list, which covers every id watched at
    once (``/v2/videos?page=``): cheaper than one ``GET`` per id when the
    watched ids are a large share of the account."""


@frozen(kw_only=True)
class Update(_Model, Generic[_T]):
    """A watched resource changed: its status or its progress.

    The first sighting of an id is an update too (``previous`` is None).

    Attributes:
        id: The resource's id.
        item: The resource as just seen (a :class:`~tavus_async.Video`, ...).
        previous: The resource as seen before, if it had been seen.
        progress: Its progress now (``training_progress``,
            ``generation_progress`` or a document's percent), if Tavus says.
        source: ``"poll"`` when a request saw it, ``"notify"`` when it came
            through :meth:`Watcher.notify` or :meth:`Watcher.observe` (a
            webhook).
        at: When the watcher saw it, on the watcher's clock.
    """

    id: str
    item: _T
    previous: _T | None
    progress: TrainingProgress | None
    source: Literal["poll", "notify"]
    at: float


@frozen(kw_only=True)
class Outcome(_Model, Generic[_T]):
    """The final word on one watched id; exactly one per id and watch.

    Attributes:
        id: The resource's id.
        kind: How its watch ended.
        item: The last state seen; None if it was never seen (an invalid id,
            or a timeout before the first answer).
        detail: One sentence saying what happened, for logs and reports.
        error_message: Tavus's reason for a failure, if it gave one.
        at: When the watch of this id ended, on the watcher's clock.
    """

    id: str
    kind: OutcomeKind
    item: _T | None
    detail: str
    error_message: str | None = None
    at: float

    @property
    def ok(self) -> bool:
        """True when the resource reached a target status."""
        return self.kind is OutcomeKind.REACHED


@frozen(kw_only=True)
class ReplicaUpdate(Update[Replica]):
    """A replica's :class:`Update`, as :class:`~tavus_async.ReplicaWatcher` yields."""

    @property
    def replica(self) -> Replica:
        """The replica as just seen (``item``)."""
        return self.item

    @property
    def replica_id(self) -> str:
        """The replica's id."""
        return self.id

    @property
    def status(self) -> ReplicaStatus:
        """The replica's status now."""
        return self.item.status


@frozen(kw_only=True)
class ReplicaOutcome(Outcome[Replica]):
    """A replica's :class:`Outcome`, as :class:`~tavus_async.ReplicaWatcher` yields."""

    @property
    def replica(self) -> Replica | None:
        """The last state seen (``item``)."""
        return self.item

    @property
    def replica_id(self) -> str:
        """The replica's id."""
        return self.id

    @property
    def status(self) -> ReplicaStatus | None:
        """The last status seen, if any."""
        return None if self.item is None else self.item.status


WatchEvent = ReplicaUpdate | ReplicaOutcome
"""What :meth:`ReplicaWatcher.watch` yields."""


@frozen(kw_only=True)
class WatchStats(_Model):
    """Counters of one watch, from :attr:`Watcher.stats`.

    Attributes:
        list_requests: Filtered list requests (up to 100 ids each).
        get_requests: Lookups by id (``GET /v2/<resource>/{id}``).
        sweep_requests: Pages read by full list sweeps.
        sweeps: Sweeps that read every page.
        transient_failures: Requests that failed and waited for the next
            cycle (after the client's own retries).
        updates: :class:`Update` events produced.
        outcomes: :class:`Outcome` events produced.
        watching: Ids still being watched.
        mode: How the last cycle polled, if any cycle ran.
    """

    list_requests: int = 0
    get_requests: int = 0
    sweep_requests: int = 0
    sweeps: int = 0
    transient_failures: int = 0
    updates: int = 0
    outcomes: int = 0
    watching: int = 0
    mode: PollMode | None = None

    @property
    def requests(self) -> int:
        """Every call made (each counted once, however many retries it took)."""
        return self.list_requests + self.get_requests + self.sweep_requests
