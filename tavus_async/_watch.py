"""The watcher's decisions, free of I/O: targets, outcomes, reading answers.

Every function here is tested from tables, without sockets or an event loop.
When to poll what lives in :mod:`tavus_async._schedule`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import cast

from tavus_async.errors import ValidationError
from tavus_async.types import Replica, ReplicaStatus
from tavus_async.types.watch import OutcomeKind


__all__ = [
    "DEFAULT_UNTIL",
    "changed",
    "classify",
    "describe",
    "normalize_until",
    "read_listing",
]

DEFAULT_UNTIL = frozenset(
    {ReplicaStatus.COMPLETED, ReplicaStatus.READY, ReplicaStatus.ERROR}
)
"""The terminal statuses: what a watch waits for unless told otherwise."""

_RANK: dict[str, int] = {
    ReplicaStatus.STARTED: 0,
    ReplicaStatus.TRAINING: 1,
    ReplicaStatus.COMPLETED: 2,
    ReplicaStatus.READY: 2,
}


def normalize_until(until: Iterable[ReplicaStatus | str] | None) -> frozenset[str]:
    """Check a target set; ``ready`` and ``completed`` stand for each other.

    Strings must be statuses this version knows (a typo would otherwise wait
    for hours); pass ``ReplicaStatus("new_status")`` to target one it does not.

    Raises:
        ValidationError: An empty set, a single string, or an unknown string.
    """
    if until is None:
        return DEFAULT_UNTIL
    if isinstance(until, str):
        raise ValidationError.single(
            "until", f"must be a set of statuses, not one string; use {{{until!r}}}"
        )
    targets: set[str] = set()
    for value in cast("Iterable[object]", until):
        if isinstance(value, ReplicaStatus):
            targets.add(value)
        elif isinstance(value, str) and ReplicaStatus(value).is_known:
            targets.add(ReplicaStatus(value))
        else:
            known = ", ".join(repr(s.value) for s in ReplicaStatus)
            raise ValidationError.single(
                "until",
                f"{value!r} is not a replica status; use one of {known}, or "
                f"ReplicaStatus({value!r}) for a status Tavus added since",
            )
    if not targets:
        raise ValidationError.single(
            "until", "must name at least one status, e.g. {ReplicaStatus.COMPLETED}"
        )
    if targets & {ReplicaStatus.COMPLETED, ReplicaStatus.READY}:
        targets |= {ReplicaStatus.COMPLETED, ReplicaStatus.READY}
    return frozenset(targets)


def classify(status: ReplicaStatus, until: Collection[str]) -> OutcomeKind | None:
    """How a replica's watch ends at ``status``, or None to keep watching.

    ``error`` always fails. A status in ``until`` is reached, and so is a
    status past a target in the training order started < training <
    completed. ``completed`` that satisfies no target is missed. Other
    statuses, unknown ones included, keep the watch going.
    """
    if status == ReplicaStatus.ERROR:
        return OutcomeKind.FAILED
    if status in until:
        return OutcomeKind.REACHED
    rank = _RANK.get(status)
    if rank is not None and any(_RANK.get(t, 3) <= rank for t in until):
        return OutcomeKind.REACHED
    if rank == 2:
        return OutcomeKind.MISSED
    return None


def describe(kind: OutcomeKind, replica: Replica | None, why: str = "") -> str:
    """The one-sentence ``detail`` of an outcome."""
    status = "never seen" if replica is None else f"last status {replica.status}"
    if kind is OutcomeKind.REACHED:
        assert replica is not None
        return f"reached {replica.status}"
    if kind is OutcomeKind.FAILED:
        message = replica.error_message if replica is not None else None
        return f"training failed: {message or 'Tavus gave no error_message'}"
    if kind is OutcomeKind.MISSED:
        return f"ended as {replica.status if replica else '?'}, not a target status"
    if kind is OutcomeKind.TIMED_OUT:
        return f"timed out ({why}); {status}"
    return f"Tavus no longer knows this id ({why}): deleted, or a wrong id; {status}"


def changed(previous: Replica | None, current: Replica) -> bool:
    """Whether ``current`` differs from ``previous`` in status or progress."""
    return (
        previous is None
        or previous.status != current.status
        or previous.training_progress != current.training_progress
    )


def read_listing(
    asked: Collection[str], data: Iterable[Replica]
) -> tuple[dict[str, Replica], list[str], bool]:
    """Match a filtered list answer to the ids asked for.

    Returns:
        The replicas found by id, the ids left out (in asked order), and
        whether the answer held ids not asked for (the filter was ignored).
    """
    found: dict[str, Replica] = {}
    foreign = False
    wanted = set(asked)
    for replica in data:
        if replica.replica_id in wanted:
            found[replica.replica_id] = replica
        else:
            foreign = True
    missing = [replica_id for replica_id in asked if replica_id not in found]
    return found, missing, foreign
