"""The watcher's decisions about statuses, free of I/O: targets and outcomes.

Every function here is tested from tables, without sockets or an event loop.
A resource's statuses come from its :class:`~tavus_async.watch.sources.Lifecycle`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import cast

from tavus_async.errors import ValidationError
from tavus_async.types._common import TrainingProgress
from tavus_async.watch.events import OutcomeKind
from tavus_async.watch.sources import Lifecycle


__all__ = ["changed", "classify", "default_until", "describe", "normalize_until"]


def default_until(lifecycle: Lifecycle) -> frozenset[str]:
    """The end statuses: what a watch waits for unless told otherwise."""
    return lifecycle.success | lifecycle.failed


def normalize_until(
    lifecycle: Lifecycle, until: Iterable[str] | None, noun: str
) -> frozenset[str]:
    """Check a target set; the spellings of success stand for each other.

    Strings must be statuses this version knows (a typo would otherwise wait
    for hours); pass e.g. ``ReplicaStatus("new_status")`` to target one it
    does not.

    Raises:
        ValidationError: An empty set, a single string, or an unknown string.
    """
    if until is None:
        return default_until(lifecycle)
    if isinstance(until, str):
        raise ValidationError.single(
            "until", f"must be a set of statuses, not one string; use {{{until!r}}}"
        )
    kind = lifecycle.status_type
    targets: set[str] = set()
    for value in cast("Iterable[object]", until):
        if isinstance(value, kind):
            targets.add(value)
        elif isinstance(value, str) and kind(value).is_known:
            targets.add(kind(value))
        else:
            known = ", ".join(repr(s.value) for s in kind)
            raise ValidationError.single(
                "until",
                f"{value!r} is not a {noun} status; use one of {known}, or "
                f"{kind.__name__}({value!r}) for a status Tavus added since",
            )
    if not targets:
        example = f"{kind.__name__}.{next(iter(kind)).name}"
        raise ValidationError.single(
            "until", f"must name at least one status, e.g. {{{example}}}"
        )
    if targets & lifecycle.success:
        targets |= lifecycle.success
    return frozenset(targets)


def classify(
    lifecycle: Lifecycle, status: str | None, until: Collection[str]
) -> OutcomeKind | None:
    """How a watch ends at ``status``, or None to keep watching.

    A failed status always fails and a gone one is gone. A status in
    ``until`` is reached, and so is a status past a target in the
    lifecycle's order. A success that satisfies no target is missed. Other
    statuses, unknown ones and None included, keep the watch going.
    """
    if status is None:
        return None
    if status in lifecycle.failed:
        return OutcomeKind.FAILED
    if status in lifecycle.gone:
        return OutcomeKind.GONE
    if status in until:
        return OutcomeKind.REACHED
    rank = lifecycle.rank(status)
    if rank is not None and any(
        (target := lifecycle.rank(t)) is not None and target <= rank for t in until
    ):
        return OutcomeKind.REACHED
    if status in lifecycle.success:
        return OutcomeKind.MISSED
    return None


def describe(
    kind: OutcomeKind,
    failure: str,
    status: str | None,
    message: str | None,
    why: str = "",
) -> str:
    """The one-sentence ``detail`` of an outcome; ``status`` None if never seen."""
    last = "never seen" if status is None else f"last status {status}"
    if kind is OutcomeKind.REACHED:
        return f"reached {status}"
    if kind is OutcomeKind.FAILED:
        return f"{failure}: {message or 'Tavus gave no reason'}"
    if kind is OutcomeKind.MISSED:
        return f"ended as {status}, not a target status"
    if kind is OutcomeKind.TIMED_OUT:
        return f"timed out ({why}); {last}"
    return f"Tavus no longer knows this id ({why}): deleted, or a wrong id; {last}"


def changed(
    previous: tuple[str | None, TrainingProgress | None] | None,
    current: tuple[str | None, TrainingProgress | None],
) -> bool:
    """Whether (status, progress) ``current`` differs from ``previous``."""
    return previous != current
