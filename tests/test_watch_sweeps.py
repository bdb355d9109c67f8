"""Sweeps of a whole list, page by page, from tables: as the watcher of videos,
documents and transcriptions plans them (``Schedule.plan``/``page_done``)."""

from __future__ import annotations

import math
import random

from tavus_async.watch._schedule import Entry, Fetch, Job, Schedule, Sighting
from tavus_async.watch.events import PollMode


BY_ID, SWEEP = PollMode.BY_ID, PollMode.SWEEP


def sweeper() -> Schedule:
    """A video watcher's schedule: by id or sweeps of 100-item pages, 10 s apart."""
    return Schedule(
        batch_size=100,
        interval=10.0,
        max_interval=10.0,
        jitter=0.0,
        rng=random.Random(5),
        filtered=False,
        sweepable=True,
        page_size=100,
    )


def watch(plan: Schedule, ids: list[str], due: float = 0.0) -> None:
    for resource_id in ids:
        plan.add(resource_id, due, None)


def answer(
    plan: Schedule,
    job: Job,
    now: float,
    listed: list[str] | None,
    total: int | None = None,
) -> list[Entry] | None:
    """A page's answer as the loop takes it: ids watched are seen, then
    ``page_done``; ``listed`` None is a failed page."""
    if listed is None:
        return plan.page_done(job, now, None, ())
    for resource_id in listed:
        entry = plan.entries.get(resource_id)
        if entry is not None and not entry.busy:
            plan.seen(entry, now, now, Sighting(changed=False, fraction=None))
    return plan.page_done(job, now, total, tuple(listed))


def account(size: int) -> list[list[str]]:
    """The list of an account of ``size`` videos, ``v0``... in 100-item pages."""
    ids = [f"v{n}" for n in range(size)]
    return [ids[start : start + 100] for start in range(0, size, 100)]


def pages_of(jobs: list[Job]) -> list[int]:
    assert {SWEEP} == {job.mode for job in jobs}
    return [job.page for job in jobs]


def test_a_sweep_reads_page_0_alone_then_the_rest_up_to_capacity() -> None:
    """Page 0 says the account's size; the other pages then go out together."""
    plan, pages = sweeper(), account(360)
    watch(plan, [f"v{n}" for n in range(60, 360)])

    assert [Job(SWEEP, page=0)] == plan.plan(0.0, 8)
    assert (SWEEP, None) == (plan.mode, plan.next_due())
    assert [] == plan.plan(0.0, 8)
    assert answer(plan, Job(SWEEP, page=0), 0.1, pages[0], total=360) is None
    assert 360 == plan.total
    assert [1, 2] == pages_of(plan.plan(0.1, 2))
    assert [3] == pages_of(plan.plan(0.1, 8))
    assert [] == plan.plan(0.1, 8)
    for page in (2, 1):
        assert answer(plan, Job(SWEEP, page=page), 0.2, pages[page], 360) is None

    assert [] == answer(plan, Job(SWEEP, page=3), 0.3, pages[3], total=360)
    assert 10.1 == plan.next_due()
    assert [Job(SWEEP, page=0)] == plan.plan(10.1, 8)


def test_a_sweep_stops_after_page_0_when_lookups_are_cheaper() -> None:
    """5 videos of 500: once page 0 says so, the 2 it lacked are looked up."""
    plan, pages = sweeper(), account(500)
    watch(plan, ["v1", "v2", "v3", "v410", "v420"])
    (job,) = plan.plan(0.0, 8)

    assert answer(plan, job, 0.1, pages[0], total=500) is None
    assert BY_ID is plan.mode
    assert plan.next_due() is not None
    jobs = plan.plan(0.1, 8)
    assert [Job(BY_ID, ("v410",)), Job(BY_ID, ("v420",))] == jobs


def test_page_0_holding_every_id_is_the_whole_cycle() -> None:
    """5 videos of 500, all on page 0: one request, then by id while lookups pay."""
    plan, pages = sweeper(), account(500)
    watch(plan, ["v1", "v2", "v3", "v4", "v5"])
    (job,) = plan.plan(0.0, 8)

    assert answer(plan, job, 0.1, pages[0], total=500) is None
    assert [] == plan.plan(0.1, 8)
    assert 10.1 == plan.next_due()
    assert {BY_ID} == {job.mode for job in plan.plan(10.1, 8)}


def test_a_server_counting_pages_from_1_adds_a_page() -> None:
    """Page 1 answering page 0's ids means page 0 was page 1: one more page."""
    plan = sweeper()
    ids = [f"v{n}" for n in range(250)]
    pages = [ids[:100], ids[:100], ids[100:200], ids[200:]]
    watch(plan, ids)
    (job,) = plan.plan(0.0, 8)
    answer(plan, job, 0.1, pages[0], total=250)
    assert [1, 2] == pages_of(plan.plan(0.1, 8))

    assert answer(plan, Job(SWEEP, page=1), 0.2, pages[1], total=250) is None
    assert [3] == pages_of(plan.plan(0.2, 8))
    answer(plan, Job(SWEEP, page=2), 0.3, pages[2], total=250)
    assert [] == answer(plan, Job(SWEEP, page=3), 0.3, pages[3], total=250)


def test_a_failed_page_postpones_what_it_left_unseen() -> None:
    """Ids on a failed page wait a cycle; they are not looked up one by one."""
    plan, pages = sweeper(), account(300)
    watch(plan, [f"v{n}" for n in range(300)])
    (job,) = plan.plan(0.0, 8)
    answer(plan, job, 0.1, pages[0], total=300)
    assert [1, 2] == pages_of(plan.plan(0.1, 8))

    assert answer(plan, Job(SWEEP, page=1), 0.2, None) is None
    assert answer(plan, Job(SWEEP, page=2), 0.3, pages[2], total=300) is None

    assert [] == plan.plan(0.3, 8)
    assert {10.1, 10.3} == {plan.entries[f"v{n}"].due for n in range(300)}
    assert 10.3 == plan.entries["v150"].due


def test_a_failed_page_0_ends_the_sweep_at_once() -> None:
    """Without a first page the size stays unknown: everything waits a cycle."""
    plan = sweeper()
    watch(plan, ["v1", "v2", "v3"])
    (job,) = plan.plan(0.0, 8)

    assert answer(plan, job, 0.5, None) is None
    assert plan.total is None
    assert 10.5 == plan.next_due()
    assert [Job(SWEEP, page=0)] == plan.plan(10.5, 8)


def test_a_complete_sweep_returns_the_due_ids_it_left_out() -> None:
    """Watched ids on no page (deleted for good, wrong ids) are returned to look up."""
    plan = sweeper()
    watch(plan, ["v1", "v2", "gone", "typo"])
    watch(plan, ["later"], due=8.0)
    (job,) = plan.plan(0.0, 8)

    left_out = answer(plan, job, 0.1, ["v1", "v2", "v3"], total=3)

    assert ["gone", "typo"] == [entry.id for entry in left_out or []]


def test_urgent_lookups_go_first_even_mid_sweep() -> None:
    """A lookup expedited mid-sweep takes the first free slot; next_due says so."""
    plan, pages = sweeper(), account(300)
    watch(plan, [f"v{n}" for n in range(300)])
    (job,) = plan.plan(0.0, 8)
    answer(plan, job, 0.1, pages[0], total=300)

    plan.expedite(plan.entries["v250"], Fetch.MISSING)

    assert -math.inf == plan.next_due()
    jobs = plan.plan(0.1, 2)
    assert [Job(BY_ID, ("v250",)), Job(SWEEP, page=1)] == jobs
    assert plan.next_due() is None
    assert [2] == pages_of(plan.plan(0.1, 8))
