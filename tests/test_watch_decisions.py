"""The watcher's pure decisions, from tables: targets, outcomes, answers, schedule."""

from __future__ import annotations

import math
import random

import pytest

from tavus_async import ReplicaStatus, TrainingProgress, ValidationError
from tavus_async._schedule import Fetch, Job, Schedule
from tavus_async._validation import require_positive
from tavus_async._watch import (
    DEFAULT_UNTIL,
    changed,
    classify,
    describe,
    normalize_until,
    read_listing,
)
from tavus_async.types import Replica
from tavus_async.types.watch import OutcomeKind


S = ReplicaStatus
R, F, M = OutcomeKind.REACHED, OutcomeKind.FAILED, OutcomeKind.MISSED


def replica(
    replica_id: str = "r1",
    status: str = "started",
    progress: int | None = None,
    error_message: str | None = None,
) -> Replica:
    return Replica(
        replica_id=replica_id,
        status=ReplicaStatus(status),
        training_progress=None if progress is None else TrainingProgress(done=progress),
        error_message=error_message,
    )


def schedule(
    batch_size: int = 100,
    interval: float = 1.0,
    max_interval: float | None = None,
    jitter: float = 0.0,
) -> Schedule:
    return Schedule(
        batch_size=batch_size,
        interval=interval,
        max_interval=max_interval or interval,
        jitter=jitter,
        rng=random.Random(7),
    )


# Targets


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (None, DEFAULT_UNTIL),
        ({"completed"}, {S.COMPLETED, S.READY}),
        ({"ready"}, {S.COMPLETED, S.READY}),
        ([S.STARTED], {S.STARTED}),
        (("Training",), {S.TRAINING}),
        ({S("archived")}, {"archived"}),
        ({"error", "started"}, {S.ERROR, S.STARTED}),
    ],
)
def test_normalize_until(until: set[str] | None, expected: set[str]) -> None:
    assert expected == normalize_until(until)


@pytest.mark.parametrize(
    ("until", "fragment"),
    [
        ("completed", "not one string; use {'completed'}"),
        ({"complted"}, "'complted' is not a replica status"),
        ({5}, "5 is not a replica status"),
        (set(), "must name at least one status"),
    ],
)
def test_normalize_until_refuses(until: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match="until") as caught:
        normalize_until(until)  # type: ignore[arg-type]
    assert "until" == caught.value.field
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("status", "until", "expected"),
    [
        ("started", None, None),
        ("training", None, None),
        ("completed", None, R),
        ("ready", None, R),
        ("error", None, F),
        ("queued", None, None),
        ("error", {"started"}, F),
        ("error", {"error"}, F),
        ("started", {"started"}, R),
        ("training", {"started"}, R),
        ("completed", {"started"}, R),
        ("started", {"training"}, None),
        ("completed", {"training"}, R),
        ("completed", {"error"}, M),
        ("completed", {S("archived")}, M),
        ("archived", {S("archived")}, R),
        ("queued", {"started"}, None),
    ],
)
def test_classify(
    status: str, until: set[str] | None, expected: OutcomeKind | None
) -> None:
    assert expected is classify(S(status), normalize_until(until))


@pytest.mark.parametrize(
    ("kind", "seen", "why", "fragments"),
    [
        (R, replica(status="completed"), "", ["reached completed"]),
        (F, replica(status="error", error_message="too short"), "", ["too short"]),
        (F, replica(status="error"), "", ["Tavus gave no error_message"]),
        (M, replica(status="completed"), "", ["ended as completed"]),
        (OutcomeKind.TIMED_OUT, None, "its own timeout", ["its own", "never seen"]),
        (OutcomeKind.TIMED_OUT, replica(), "x", ["last status started"]),
        (OutcomeKind.GONE, None, "400 Invalid replica_id", ["Invalid replica_id"]),
    ],
)
def test_describe(
    kind: OutcomeKind, seen: Replica | None, why: str, fragments: list[str]
) -> None:
    detail = describe(kind, seen, why)
    for fragment in fragments:
        assert fragment in detail


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, replica(), True),
        (replica(), replica(), False),
        (replica(), replica(status="training"), True),
        (replica(progress=10), replica(progress=10), False),
        (replica(progress=10), replica(progress=11), True),
        (replica(progress=10), replica(), True),
        (replica(), replica(error_message="x"), False),
    ],
)
def test_changed(previous: Replica | None, current: Replica, expected: bool) -> None:
    assert expected is changed(previous, current)


@pytest.mark.parametrize(
    ("asked", "answered", "found", "missing", "foreign"),
    [
        (["a", "b"], ["a", "b"], ["a", "b"], [], False),
        (["a", "b", "c"], ["c", "a"], ["c", "a"], ["b"], False),
        (["a"], ["a", "z"], ["a"], [], True),
        (["a", "b"], ["x", "y"], [], ["a", "b"], True),
        (["a"], [], [], ["a"], False),
    ],
)
def test_read_listing(
    asked: list[str],
    answered: list[str],
    found: list[str],
    missing: list[str],
    foreign: bool,
) -> None:
    got, left_out, ignored = read_listing(asked, [replica(i) for i in answered])
    assert found == list(got)
    assert missing == left_out
    assert foreign is ignored


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, "5", True])
def test_require_positive_refuses(value: object) -> None:
    with pytest.raises(ValidationError, match="poll_interval") as caught:
        require_positive("poll_interval", value, "seconds")
    assert "positive number of seconds, or None" in str(caught.value)


def test_require_positive_accepts() -> None:
    require_positive("timeout", None, "seconds")
    require_positive("timeout", 0.5, "seconds")
    require_positive("timeout", 3, "seconds")
    with pytest.raises(ValidationError, match="timeout"):
        require_positive("timeout", None, "seconds", optional=False)


# The schedule


def sizes(jobs: list[Job]) -> list[int]:
    return [len(job.ids) for job in jobs]


def test_plan_batches_everything_due() -> None:
    plan = schedule()
    for n in range(250):
        plan.add(f"r{n}", 0.0, None)
    jobs = plan.plan(0.0, 8)
    assert [100, 100, 50] == sizes(jobs)
    assert not any(job.by_id for job in jobs)
    polled = [i for job in jobs for i in job.ids]
    assert sorted(f"r{n}" for n in range(250)) == sorted(polled)
    assert len(set(polled)) == 250
    assert plan.next_due() is None


def test_plan_respects_capacity_and_resumes() -> None:
    plan = schedule()
    for n in range(250):
        plan.add(f"r{n}", 0.0, None)
    assert [100, 100] == sizes(plan.plan(0.0, 2))
    assert 0.0 == plan.next_due()
    assert [] == plan.plan(0.0, 0)
    assert [50] == sizes(plan.plan(0.0, 1))


def test_plan_waits_for_the_due_time() -> None:
    plan = schedule()
    plan.add("r1", 5.0, None)
    assert [] == plan.plan(4.0, 8)
    assert 5.0 == plan.next_due()
    assert [("r1",)] == [job.ids for job in plan.plan(5.0, 8)]


def test_a_partial_batch_fills_up_with_replicas_due_within_half_an_interval() -> None:
    plan = schedule(interval=2.0)
    for n in range(50):
        plan.add(f"now{n}", 0.0, None)
    for n in range(60):
        plan.add(f"soon{n}", 0.9, None)
    for n in range(5):
        plan.add(f"late{n}", 1.5, None)
    assert [100] == sizes(plan.plan(0.0, 8))
    assert 0.9 == plan.next_due()
    assert [15] == sizes(plan.plan(1.0, 8))


def test_finish_reschedules_one_interval_after_the_start() -> None:
    plan = schedule(interval=2.0)
    plan.add("a", 0.0, None)
    plan.add("b", 0.0, None)
    (job,) = plan.plan(0.0, 8)
    plan.finish(job, 0.0, 0.4, {"a"})
    assert 2.0 == plan.next_due()
    assert [2] == sizes(plan.plan(2.0, 8))


def test_finish_of_a_slow_request_makes_it_due_at_once() -> None:
    plan = schedule(interval=1.0)
    plan.add("a", 0.0, None)
    (job,) = plan.plan(0.0, 8)
    plan.finish(job, 0.0, 3.0, ())
    assert 3.0 == plan.next_due()


def test_jitter_spreads_batches_within_the_interval() -> None:
    plan = schedule(batch_size=1, interval=10.0, jitter=0.5)
    for n in range(20):
        plan.add(f"r{n}", 0.0, None)
    jobs = plan.plan(0.0, 20)
    for job in jobs:
        plan.finish(job, 0.0, 0.1, job.ids)
    dues = sorted(plan.entries[f"r{n}"].due for n in range(20))
    assert 5.0 <= dues[0]
    assert dues[-1] <= 10.0
    assert len(set(dues)) == 20


def test_slowdown_stretches_unchanged_replicas_up_to_the_maximum() -> None:
    plan = schedule(interval=1.0, max_interval=4.0)
    plan.add("a", 0.0, None)
    intervals = []
    now = 0.0
    for _ in range(5):
        (job,) = plan.plan(now, 1)
        plan.finish(job, now, now, ())
        intervals.append(plan.entries["a"].interval)
        now = plan.entries["a"].due
    assert [1.5, 2.25, 3.375, 4.0, 4.0] == intervals
    (job,) = plan.plan(now, 1)
    plan.finish(job, now, now, {"a"})
    assert 1.0 == plan.entries["a"].interval


def test_expedited_replicas_are_looked_up_by_id() -> None:
    plan = schedule(interval=5.0)
    for name in "abc":
        plan.add(name, 0.0, None)
    (job,) = plan.plan(0.0, 8)
    plan.finish(job, 0.0, 0.1, "abc")
    plan.expedite(plan.entries["b"], 0.1, Fetch.MISSING)
    assert [Job(("b",), by_id=True)] == plan.plan(0.1, 8)
    assert Fetch.MISSING is plan.entries["b"].fetch


def test_by_id_only_turns_every_poll_into_a_lookup() -> None:
    plan = schedule()
    for name in "abc":
        plan.add(name, 0.0, None)
    plan.by_id_only = True
    assert [Job((n,), by_id=True) for n in "ab"] == plan.plan(0.0, 2)


def test_busy_and_removed_replicas_are_not_planned() -> None:
    plan = schedule()
    plan.add("a", 0.0, None)
    plan.add("b", 0.0, None)
    assert plan.remove("b") is not None
    assert plan.remove("b") is None
    (job,) = plan.plan(0.0, 8)
    assert ("a",) == job.ids
    assert [] == plan.plan(10.0, 8)
    plan.remove("a")
    plan.finish(job, 0.0, 1.0, ())
    assert plan.next_due() is None
    assert 0 == len(plan)


def test_deadlines_expire_in_order_and_skip_removed_replicas() -> None:
    plan = schedule()
    plan.add("a", 0.0, 5.0)
    plan.add("b", 0.0, 3.0)
    plan.add("c", 0.0, 4.0)
    plan.add("d", 0.0, None)
    plan.remove("b")
    assert 4.0 == plan.next_deadline()
    assert [] == [e.replica_id for e in plan.expired(3.9)]
    assert ["c", "a"] == [e.replica_id for e in plan.expired(5.0)]
    assert plan.next_deadline() is None
    assert ["d"] == list(plan.entries)
