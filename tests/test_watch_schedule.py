"""The schedule of filtered lists, from tables: batches, jitter, slowdown,
lookups by id and deadlines, as the replica watcher polls."""

from __future__ import annotations

import math
import random

from tavus_async.watch._schedule import Fetch, Job, Schedule, Sighting
from tavus_async.watch.events import PollMode


def schedule(
    batch_size: int = 100,
    interval: float = 1.0,
    max_interval: float | None = None,
    jitter: float = 0.0,
) -> Schedule:
    """A replica watcher's schedule: filtered lists, no sweeps."""
    return Schedule(
        batch_size=batch_size,
        interval=interval,
        max_interval=max_interval or interval,
        jitter=jitter,
        rng=random.Random(7),
    )


def sizes(jobs: list[Job]) -> list[int]:
    return [len(job.ids) for job in jobs]


CHANGED = Sighting(changed=True, fraction=None)


def test_plan_batches_everything_due() -> None:
    """Ids due go out in full lists of ``batch_size``, each id once."""
    plan = schedule()
    for n in range(250):
        plan.add(f"r{n}", 0.0, None)

    jobs = plan.plan(0.0, 8)

    assert [100, 100, 50] == sizes(jobs)
    assert {PollMode.FILTERED} == {job.mode for job in jobs}
    polled = [i for job in jobs for i in job.ids]
    assert sorted(f"r{n}" for n in range(250)) == sorted(polled)
    assert 250 == len(set(polled))
    assert plan.next_due() is None


def test_plan_respects_capacity_and_resumes() -> None:
    """No more jobs than the free capacity; the rest go out next time."""
    plan = schedule()
    for n in range(250):
        plan.add(f"r{n}", 0.0, None)

    assert [100, 100] == sizes(plan.plan(0.0, 2))
    assert 0.0 == plan.next_due()
    assert [] == plan.plan(0.0, 0)
    assert [50] == sizes(plan.plan(0.0, 1))


def test_plan_waits_for_the_due_time() -> None:
    """Nothing goes out before an id is due."""
    plan = schedule()
    plan.add("r1", 5.0, None)

    assert [] == plan.plan(4.0, 8)
    assert 5.0 == plan.next_due()
    assert [("r1",)] == [job.ids for job in plan.plan(5.0, 8)]


def test_a_partial_batch_fills_up_with_ids_due_within_half_an_interval() -> None:
    """A list with room takes ids due soon, not those due later."""
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
    """The next poll is an interval after the request started, not ended."""
    plan = schedule(interval=2.0)
    plan.add("a", 0.0, None)
    plan.add("b", 0.0, None)
    (job,) = plan.plan(0.0, 8)

    plan.finish(job, 0.0, 0.4, {"a": CHANGED})

    assert 2.0 == plan.next_due()
    assert [2] == sizes(plan.plan(2.0, 8))


def test_finish_of_a_slow_request_makes_it_due_at_once() -> None:
    """A request slower than the interval makes its ids due when it ends."""
    plan = schedule(interval=1.0)
    plan.add("a", 0.0, None)
    (job,) = plan.plan(0.0, 8)

    plan.finish(job, 0.0, 3.0, {})

    assert 3.0 == plan.next_due()


def test_jitter_spreads_requests_within_the_interval() -> None:
    """Each request comes up to ``jitter`` of the interval early, drawn apart."""
    plan = schedule(batch_size=1, interval=10.0, jitter=0.5)
    for n in range(20):
        plan.add(f"r{n}", 0.0, None)
    for job in plan.plan(0.0, 20):
        plan.finish(job, 0.0, 0.1, dict.fromkeys(job.ids, CHANGED))

    dues = sorted(plan.entries[f"r{n}"].due for n in range(20))

    assert 5.0 <= dues[0]
    assert dues[-1] <= 10.0
    assert 20 == len(set(dues))


def test_slowdown_stretches_unchanged_ids_up_to_the_maximum() -> None:
    """1.5 times longer per unchanged poll up to the maximum; a change resets it."""
    plan = schedule(interval=1.0, max_interval=4.0)
    plan.add("a", 0.0, None)
    intervals = []
    now = 0.0
    for _ in range(5):
        (job,) = plan.plan(now, 1)
        plan.finish(job, now, now, {})
        intervals.append(plan.entries["a"].interval)
        now = plan.entries["a"].due
    (job,) = plan.plan(now, 1)
    plan.finish(job, now, now, {"a": CHANGED})

    assert [1.5, 2.25, 3.375, 4.0, 4.0] == intervals
    assert 1.0 == plan.entries["a"].interval


def test_expedited_ids_are_looked_up_by_id() -> None:
    """An id a list left out is looked up by id at once, whenever it is due."""
    plan = schedule(interval=5.0)
    for name in "abc":
        plan.add(name, 0.0, None)
    (job,) = plan.plan(0.0, 8)
    plan.finish(job, 0.0, 0.1, dict.fromkeys("abc", CHANGED))

    plan.expedite(plan.entries["b"], Fetch.MISSING)

    assert -math.inf == plan.next_due()
    assert [Job(PollMode.BY_ID, ("b",))] == plan.plan(0.1, 8)
    assert Fetch.MISSING is plan.entries["b"].fetch
    assert 5.0 == plan.next_due()


def test_an_id_expedited_twice_is_looked_up_once() -> None:
    """Two reasons to look an id up make one lookup, with the later reason."""
    plan = schedule()
    plan.add("a", 5.0, None)

    plan.expedite(plan.entries["a"], Fetch.MISSING)
    plan.expedite(plan.entries["a"], Fetch.ERROR_MESSAGE)

    assert [Job(PollMode.BY_ID, ("a",))] == plan.plan(0.0, 8)
    assert Fetch.ERROR_MESSAGE is plan.entries["a"].fetch
    assert [] == plan.plan(0.0, 8)


def test_ignoring_the_filter_turns_every_poll_into_a_lookup() -> None:
    """Once the server ignores the id filter, each id is looked up by id."""
    plan = schedule()
    for name in "abc":
        plan.add(name, 0.0, None)

    plan.ignore_filter()

    assert plan.by_id_only
    assert [Job(PollMode.BY_ID, (n,)) for n in "ab"] == plan.plan(0.0, 2)
    assert PollMode.BY_ID is plan.mode


def test_busy_and_removed_ids_are_not_planned() -> None:
    """An id in flight or no longer watched is never planned."""
    plan = schedule()
    plan.add("a", 0.0, None)
    plan.add("b", 0.0, None)

    assert plan.remove("b") is not None
    assert plan.remove("b") is None
    (job,) = plan.plan(0.0, 8)
    assert ("a",) == job.ids
    assert [] == plan.plan(10.0, 8)
    plan.remove("a")
    plan.finish(job, 0.0, 1.0, {})
    assert plan.next_due() is None
    assert 0 == len(plan)


def test_deadlines_expire_in_order_and_skip_removed_ids() -> None:
    """Own deadlines come out earliest first; a removed id's deadline is dropped."""
    plan = schedule()
    plan.add("a", 0.0, 5.0)
    plan.add("b", 0.0, 3.0)
    plan.add("c", 0.0, 4.0)
    plan.add("d", 0.0, None)

    plan.remove("b")

    assert 4.0 == plan.next_deadline()
    assert [] == [e.id for e in plan.expired(3.9)]
    assert ["c", "a"] == [e.id for e in plan.expired(5.0)]
    assert plan.next_deadline() is None
    assert ["d"] == list(plan.entries)
