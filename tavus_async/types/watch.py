"""What a :class:`~tavus_async.ReplicaWatcher` reports: updates, outcomes, counters."""

from __future__ import annotations

import enum
from typing import Literal

from attrs import frozen

from tavus_async.types._common import TrainingProgress, _Model
from tavus_async.types.replicas import Replica, ReplicaStatus


__all__ = ["OutcomeKind", "ReplicaOutcome", "ReplicaUpdate", "WatchEvent", "WatchStats"]


class OutcomeKind(enum.Enum):
    """How the watch of one replica ended."""

    REACHED = "reached"
    """It reached one of the target statuses (or went past it: ``completed``
    satisfies a target of ``started``)."""
    FAILED = "failed"
    """Training failed: status ``error``, with Tavus's ``error_message``."""
    MISSED = "missed"
    """It ended (``completed``) without reaching a target, which it never can now."""
    TIMED_OUT = "timed_out"
    """Its own deadline or the watch's timeout came first."""
    GONE = "gone"
    """Tavus no longer knows the id: the replica was deleted, or the id is wrong."""


@frozen(kw_only=True)
class ReplicaUpdate(_Model):
    """A watched replica changed: its status or its training progress.

    The first sighting of a replica is an update too (``previous`` is None).

    Attributes:
        replica: The replica as just seen.
        previous: The replica as seen before, if it had been seen.
        source: ``"poll"`` when a request saw it, ``"notify"`` when it came
            through :meth:`ReplicaWatcher.notify` (a webhook).
        at: When the watcher saw it, on the watcher's clock.
    """

    replica: Replica
    previous: Replica | None
    source: Literal["poll", "notify"]
    at: float

    @property
    def replica_id(self) -> str:
        """The replica's id."""
        return self.replica.replica_id

    @property
    def status(self) -> ReplicaStatus:
        """The replica's status now."""
        return self.replica.status

    @property
    def progress(self) -> TrainingProgress | None:
        """The replica's training progress now, when Tavus sends one."""
        return self.replica.training_progress


@frozen(kw_only=True)
class ReplicaOutcome(_Model):
    """The final word on one watched replica; exactly one per replica and watch.

    Attributes:
        replica_id: The replica's id.
        kind: How its watch ended.
        replica: The last state seen; None if it was never seen (an invalid
            id, or a timeout before the first answer).
        detail: One sentence saying what happened, for logs and reports.
        at: When the watch of this replica ended, on the watcher's clock.
    """

    replica_id: str
    kind: OutcomeKind
    replica: Replica | None
    detail: str
    at: float

    @property
    def ok(self) -> bool:
        """True when the replica reached a target status."""
        return self.kind is OutcomeKind.REACHED

    @property
    def status(self) -> ReplicaStatus | None:
        """The last status seen, if any."""
        return None if self.replica is None else self.replica.status

    @property
    def error_message(self) -> str | None:
        """Tavus's reason for a failed training, if it gave one."""
        return None if self.replica is None else self.replica.error_message


WatchEvent = ReplicaUpdate | ReplicaOutcome
"""What :meth:`ReplicaWatcher.watch` yields."""


@frozen(kw_only=True)
class WatchStats(_Model):
    """Counters of one watch, from :attr:`ReplicaWatcher.stats`.

    Attributes:
        list_requests: ``GET /v2/replicas`` calls (one per batch and cycle).
        get_requests: ``GET /v2/replicas/{id}`` calls (fallbacks, error messages).
        transient_failures: Batches or lookups that failed and waited for
            the next cycle (after the client's own retries).
        updates: :class:`ReplicaUpdate` events produced.
        outcomes: :class:`ReplicaOutcome` events produced.
        watching: Replicas still being watched.
    """

    list_requests: int = 0
    get_requests: int = 0
    transient_failures: int = 0
    updates: int = 0
    outcomes: int = 0
    watching: int = 0

    @property
    def requests(self) -> int:
        """Every call made (each counted once, however many retries it took)."""
        return self.list_requests + self.get_requests
