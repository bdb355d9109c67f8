"""The watcher's pure decisions, from tables: targets, outcomes and answers.

Targets and outcomes are read through each resource's
:class:`~tavus_async.watch.Lifecycle`. The schedule has its own tables:
``test_watch_schedule.py`` (filtered lists), ``test_watch_sweeps.py`` and
``test_watch_plan.py`` (the mode of a cycle, the cadence from progress).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from tavus_async import ReplicaStatus, TrainingProgress, ValidationError
from tavus_async._validation import require_positive
from tavus_async.types import DocumentStatus, Replica, VideoStatus
from tavus_async.types._common import Page
from tavus_async.watch import (
    Lifecycle,
    document_source,
    replica_source,
    transcription_source,
    video_source,
)
from tavus_async.watch._fetch import fetch
from tavus_async.watch._outcomes import (
    changed,
    classify,
    default_until,
    describe,
    normalize_until,
)
from tavus_async.watch._schedule import Job
from tavus_async.watch.events import OutcomeKind, PollMode


class Unasked:
    """A service the pure decisions never call: only its lifecycle is read."""

    async def get(self, resource_id: str) -> Any:
        raise AssertionError(f"no request expected, got a lookup of {resource_id}")

    async def list(self, **query: Any) -> Any:
        raise AssertionError(f"no request expected, got a list {query}")


REPLICA = replica_source(Unasked()).lifecycle
VIDEO = video_source(Unasked()).lifecycle
DOCUMENT = document_source(Unasked()).lifecycle
TRANSCRIPTION = transcription_source(Unasked()).lifecycle

S, V, D = ReplicaStatus, VideoStatus, DocumentStatus
R, F, M, G = (
    OutcomeKind.REACHED,
    OutcomeKind.FAILED,
    OutcomeKind.MISSED,
    OutcomeKind.GONE,
)


def replica(replica_id: str = "r1", status: str = "started") -> Replica:
    return Replica(replica_id=replica_id, status=ReplicaStatus(status))


# Targets


@pytest.mark.parametrize(
    ("lifecycle", "until", "expected"),
    [
        (REPLICA, None, {S.COMPLETED, S.READY, S.ERROR}),
        (REPLICA, {"completed"}, {S.COMPLETED, S.READY}),
        (REPLICA, {"ready"}, {S.COMPLETED, S.READY}),
        (REPLICA, [S.STARTED], {S.STARTED}),
        (REPLICA, ("Training",), {S.TRAINING}),
        (REPLICA, {S("archived")}, {"archived"}),
        (REPLICA, {"error", "started"}, {S.ERROR, S.STARTED}),
        (VIDEO, None, {V.READY, V.ERROR}),
        (VIDEO, {"generating"}, {V.GENERATING}),
        (VIDEO, {"ready"}, {V.READY}),
        (DOCUMENT, None, {D.READY, D.ERROR}),
        (DOCUMENT, {"recrawling"}, {D.RECRAWLING}),
        (TRANSCRIPTION, None, {"completed", "error"}),
    ],
)
def test_normalize_until(
    lifecycle: Lifecycle, until: set[str] | None, expected: set[str]
) -> None:
    """Targets are checked against the resource's statuses; success spellings join."""
    assert expected == normalize_until(lifecycle, until, "job")


def test_the_default_targets_are_the_end_statuses() -> None:
    """Without ``until`` a watch waits for success or failure, never ``deleted``."""
    assert {V.READY, V.ERROR} == default_until(VIDEO)
    assert V.DELETED not in default_until(VIDEO)


@pytest.mark.parametrize(
    ("lifecycle", "noun", "until", "fragment"),
    [
        (REPLICA, "replica", "completed", "not one string; use {'completed'}"),
        (REPLICA, "replica", {"complted"}, "'complted' is not a replica status"),
        (REPLICA, "replica", {5}, "5 is not a replica status"),
        (REPLICA, "replica", set(), "e.g. {ReplicaStatus.STARTED}"),
        (VIDEO, "video", {"completed"}, "'completed' is not a video status"),
        (VIDEO, "video", set(), "e.g. {VideoStatus.QUEUED}"),
        (DOCUMENT, "document", {"queued"}, "DocumentStatus('queued')"),
    ],
)
def test_normalize_until_refuses(
    lifecycle: Lifecycle, noun: str, until: object, fragment: str
) -> None:
    """A typo, a bare string or an empty set fails at once, naming the resource."""
    with pytest.raises(ValidationError, match="until") as caught:
        normalize_until(lifecycle, until, noun)  # type: ignore[arg-type]

    assert "until" == caught.value.field
    assert fragment in str(caught.value)


# Outcomes


@pytest.mark.parametrize(
    ("lifecycle", "status", "until", "expected"),
    [
        (REPLICA, "started", None, None),
        (REPLICA, "training", None, None),
        (REPLICA, "completed", None, R),
        (REPLICA, "ready", None, R),
        (REPLICA, "error", None, F),
        (REPLICA, "queued", None, None),
        (REPLICA, None, None, None),
        (REPLICA, "error", {"started"}, F),
        (REPLICA, "error", {"error"}, F),
        (REPLICA, "started", {"started"}, R),
        (REPLICA, "training", {"started"}, R),
        (REPLICA, "completed", {"started"}, R),
        (REPLICA, "started", {"training"}, None),
        (REPLICA, "completed", {"training"}, R),
        (REPLICA, "completed", {"error"}, M),
        (REPLICA, "completed", {S("archived")}, M),
        (REPLICA, "archived", {S("archived")}, R),
        (REPLICA, "queued", {"started"}, None),
        (VIDEO, "queued", None, None),
        (VIDEO, "generating", None, None),
        (VIDEO, "ready", None, R),
        (VIDEO, "error", None, F),
        (VIDEO, "deleted", None, G),
        (VIDEO, "deleted", {"queued"}, G),
        (VIDEO, "generating", {"queued"}, R),
        (VIDEO, "ready", {"generating"}, R),
        (VIDEO, "queued", {"generating"}, None),
        (VIDEO, "ready", {"error"}, M),
        (DOCUMENT, "started", None, None),
        (DOCUMENT, "processing", None, None),
        (DOCUMENT, "recrawling", None, None),
        (DOCUMENT, "recrawling", {"processing"}, R),
        (DOCUMENT, "processing", {"recrawling"}, R),
        (DOCUMENT, "ready", {"recrawling"}, R),
        (DOCUMENT, "started", {"recrawling"}, None),
        (DOCUMENT, "error", {"processing"}, F),
        (TRANSCRIPTION, "started", None, None),
        (TRANSCRIPTION, "completed", None, R),
        (TRANSCRIPTION, "error", None, F),
    ],
)
def test_classify(
    lifecycle: Lifecycle,
    status: str | None,
    until: set[str] | None,
    expected: OutcomeKind | None,
) -> None:
    """Failure fails, gone is gone, a target or a later rank is reached."""
    targets = normalize_until(lifecycle, until, "job")

    assert expected is classify(lifecycle, status, targets)


@pytest.mark.parametrize(
    ("kind", "status", "message", "why", "fragments"),
    [
        (R, "completed", None, "", ["reached completed"]),
        (F, "error", "too short", "", ["training failed: too short"]),
        (F, "error", None, "", ["training failed: Tavus gave no reason"]),
        (M, "completed", None, "", ["ended as completed, not a target"]),
        (OutcomeKind.TIMED_OUT, None, None, "its own timeout", ["its own", "never"]),
        (OutcomeKind.TIMED_OUT, "started", None, "x", ["last status started"]),
        (G, None, None, "400 Invalid replica_id", ["Invalid replica_id", "never"]),
        (G, "deleted", None, "its status is deleted", ["status is deleted"]),
    ],
)
def test_describe(
    kind: OutcomeKind,
    status: str | None,
    message: str | None,
    why: str,
    fragments: list[str],
) -> None:
    """Each outcome's detail says what happened, with Tavus's reason if any."""
    detail = describe(kind, "training failed", status, message, why)

    assert [] == [fragment for fragment in fragments if fragment not in detail]


def progress(done: int) -> TrainingProgress:
    return TrainingProgress(done=done)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, ("started", None), True),
        (("started", None), ("started", None), False),
        (("started", None), ("training", None), True),
        (("training", progress(10)), ("training", progress(10)), False),
        (("training", progress(10)), ("training", progress(11)), True),
        (("training", progress(10)), ("training", None), True),
        ((None, None), (None, None), False),
    ],
)
def test_changed(
    previous: tuple[str | None, TrainingProgress | None] | None,
    current: tuple[str | None, TrainingProgress | None],
    expected: bool,
) -> None:
    """A change is a new status or new progress; the first sighting is one."""
    assert expected is changed(previous, current)


class Listing:
    """A replica service whose filtered list answers ``answered``."""

    def __init__(self, answered: Sequence[str]) -> None:
        self.answered = answered

    async def get(self, replica_id: str) -> Replica:
        raise AssertionError(replica_id)

    async def list(self, **query: Any) -> Page[Replica]:
        data = tuple(replica(i) for i in self.answered)
        return Page(data=data, total_count=len(data))


@pytest.mark.parametrize(
    ("asked", "answered", "found", "missing", "foreign"),
    [
        (["a", "b"], ["a", "b"], ["a", "b"], [], False),
        (["a", "b", "c"], ["c", "a"], ["c", "a"], ["b"], False),
        (["a"], ["a", "z"], ["a", "z"], [], True),
        (["a", "b"], ["x", "y"], ["x", "y"], ["a", "b"], True),
        (["a"], [], [], ["a"], False),
    ],
)
async def test_a_filtered_answer_is_sorted(
    asked: list[str],
    answered: list[str],
    found: list[str],
    missing: list[str],
    foreign: bool,
) -> None:
    """Ids left out are looked up; ids not asked for mean the filter is ignored."""
    source = replica_source(Listing(answered))
    job = Job(PollMode.FILTERED, tuple(asked))

    result = await fetch(source, job, lambda *_: None)

    assert (found, missing, foreign) == (
        list(result.found),
        result.missing,
        result.foreign,
    )


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, "5", True])
def test_require_positive_refuses(value: object) -> None:
    """A number of seconds must be a positive finite number."""
    with pytest.raises(ValidationError, match="poll_interval") as caught:
        require_positive("poll_interval", value, "seconds")

    assert "positive number of seconds, or None" in str(caught.value)


def test_require_positive_accepts() -> None:
    """None (where optional), floats and ints pass."""
    require_positive("timeout", None, "seconds")
    require_positive("timeout", 0.5, "seconds")
    require_positive("timeout", 3, "seconds")
    with pytest.raises(ValidationError, match="timeout"):
        require_positive("timeout", None, "seconds", optional=False)
