"""ReplicaWatcher against FakeTavus over real sockets, on the fake's virtual clock."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from tavus_async import (
    AuthenticationError,
    CreateReplicaRequest,
    NotFoundError,
    OutcomeKind,
    ReplicaOutcome,
    ReplicaUpdate,
    ReplicaWatcher,
    TavusClient,
    WatchEvent,
)
from tavus_async.testing import FakeTavus, Fault, TimelineStep


async def create(
    client: TavusClient, count: int, *, fail_every: int = 0
) -> tuple[list[str], set[str]]:
    """Create ``count`` replicas; every ``fail_every``-th one has a bad video."""

    async def one(n: int) -> str:
        bad = fail_every and n % fail_every == 0
        url = f"https://cdn.example.com/{'short' if bad else 'ok'}-{n}.mp4"
        request = CreateReplicaRequest(train_video_url=url)
        return (await client.replicas.create(request)).replica_id

    ids = list(await asyncio.gather(*(one(n) for n in range(count))))
    failing = {i for n, i in enumerate(ids) if fail_every and n % fail_every == 0}
    return ids, failing


def virtual(client: TavusClient, fake: FakeTavus, **settings: float) -> ReplicaWatcher:
    """A watcher on the fake's clock: hours of training take milliseconds."""
    settings.setdefault("poll_interval", 1.0)
    settings.setdefault("jitter", 0.0)
    return ReplicaWatcher(client, sleep=fake.sleep, clock=fake.clock, **settings)  # type: ignore[arg-type]


async def collect(events: AsyncIterator[WatchEvent]) -> list[WatchEvent]:
    return [event async for event in events]


def outcomes_of(events: list[WatchEvent]) -> dict[str, ReplicaOutcome]:
    found = [e for e in events if isinstance(e, ReplicaOutcome)]
    by_id = {outcome.replica_id: outcome for outcome in found}
    assert len(found) == len(by_id), "one outcome per replica"
    return by_id


FLOAT_SLACK = 1e-6
"""Room for float rounding when clock readings of about 1e6 s are subtracted."""


def watcher_tasks() -> list[asyncio.Task[object]]:
    """Tasks still alive besides the test's own and the fake server's handlers."""
    return [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not getattr(task.get_coro(), "__qualname__", "").startswith(
            "RequestHandler."
        )
    ]


async def test_hundreds_of_replicas_reach_their_true_final_status(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.mark_failing("short")
    ids, failing = await create(client, 300, fail_every=10)
    fake.reset_log()
    watcher = virtual(client, fake)

    events = await collect(watcher.watch(ids))

    outcomes = outcomes_of(events)
    assert set(ids) == set(outcomes)
    for replica_id in ids:
        outcome, truth = outcomes[replica_id], fake.replica(replica_id)
        assert truth["status"] == outcome.status
        if replica_id in failing:
            assert OutcomeKind.FAILED is outcome.kind
            assert truth["error_message"] == outcome.error_message
            assert outcome.error_message
        else:
            assert OutcomeKind.REACHED is outcome.kind
    # 300 replicas in batches of 100, training 5 s, polled every 1 s: about six
    # cycles of 3 list requests, where polling each id would cost 1,800.
    lists = [r for r in fake.requests if r.path == "/v2/replicas"]
    assert len(lists) <= 3 * 7
    assert all(len(r.query["replica_ids"].split(",")) <= 100 for r in lists)
    assert len(failing) == fake.count("GET", "/v2/replicas/*")
    stats = watcher.stats
    assert (len(lists), len(failing)) == (stats.list_requests, stats.get_requests)
    assert (300, 0, 0) == (stats.outcomes, stats.watching, stats.transient_failures)


async def test_each_replica_has_updates_then_exactly_one_final_outcome(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 30)
    events = await collect(virtual(client, fake).watch(ids))
    for replica_id in ids:
        mine = [e for e in events if e.replica_id == replica_id]
        updates, final = mine[:-1], mine[-1]
        assert isinstance(final, ReplicaOutcome)
        assert all(isinstance(u, ReplicaUpdate) for u in updates)
        assert updates[0].previous is None  # type: ignore[union-attr]
        assert "started" == updates[0].status  # type: ignore[union-attr]
        assert final.replica == updates[-1].replica  # type: ignore[union-attr]
        seen = [(u.status, u.progress) for u in updates]  # type: ignore[union-attr]
        assert len(seen) == len(set(seen)), "an update is a change"


async def test_a_timeline_with_unknown_statuses_is_followed_step_by_step(
    fake: FakeTavus, client: TavusClient
) -> None:
    steps = [
        TimelineStep(after=1, status="queued"),
        TimelineStep(after=2, status="training", progress=30),
        TimelineStep(after=3, status="training", progress=60),
        TimelineStep(after=4, status="completed"),
    ]
    replica_id = fake.add_replica(status="started", timeline=steps)
    events = await collect(virtual(client, fake, poll_interval=0.5).watch([replica_id]))
    seen = [
        (e.status, None if e.progress is None else e.progress.done)
        for e in events
        if isinstance(e, ReplicaUpdate)
    ]
    assert [
        ("started", 0),
        ("queued", 0),
        ("training", 30),
        ("training", 60),
        ("completed", 100),
    ] == seen
    assert OutcomeKind.REACHED is outcomes_of(events)[replica_id].kind


@pytest.mark.parametrize(
    ("until", "status", "kind"),
    [
        ({"training"}, "training", OutcomeKind.REACHED),
        ({"started"}, "started", OutcomeKind.REACHED),
        ({"error"}, "completed", OutcomeKind.MISSED),
    ],
)
async def test_until_names_the_target(
    fake: FakeTavus,
    client: TavusClient,
    until: set[str],
    status: str,
    kind: OutcomeKind,
) -> None:
    steps = [
        TimelineStep(after=2, status="training", progress=10),
        TimelineStep(after=4, status="completed"),
    ]
    replica_id = fake.add_replica(status="started", timeline=steps)
    outcomes = await virtual(client, fake).wait([replica_id], until=until)
    assert (kind, status) == (outcomes[replica_id].kind, outcomes[replica_id].status)


async def test_the_server_ignoring_the_filter_falls_back_to_lookups_by_id(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(150):
        fake.add_replica()
    ids, _ = await create(client, 20)
    fake.reset_log()
    fake.ignore_list_filter = True
    with caplog.at_level(logging.WARNING, logger="tavus_async"):
        outcomes = await virtual(client, fake).wait(ids)
    assert all(o.ok and "completed" == o.status for o in outcomes.values())
    assert 1 == fake.count("GET", "/v2/replicas")
    assert fake.count("GET", "/v2/replicas/*") >= 2 * len(ids)
    said = [r for r in caplog.records if "ignores the id filter" in r.message]
    assert 1 == len(said)


async def test_ids_left_out_of_a_list_answer_are_looked_up_by_id(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    ids, _ = await create(client, 10)
    fake.hide_from_list(ids[3])
    fake.reset_log()
    with caplog.at_level(logging.WARNING, logger="tavus_async"):
        outcomes = await virtual(client, fake).wait(ids)
    assert all(o.ok for o in outcomes.values())
    assert fake.count("GET", f"/v2/replicas/{ids[3]}") >= 2
    only_hidden = fake.count("GET", f"/v2/replicas/{ids[3]}")
    assert only_hidden == fake.count("GET", "/v2/replicas/*")
    said = [r for r in caplog.records if "left out" in r.message]
    assert 1 == len(said)


async def test_invalid_and_deleted_replicas_are_gone_and_the_others_go_on(
    fake: FakeTavus, client: TavusClient
) -> None:
    (keep, doomed), _ = await create(client, 2)
    watcher = virtual(client, fake)
    events: list[WatchEvent] = []
    async for event in watcher.watch([keep, "r0000dead00", doomed]):
        events.append(event)
        first_sight = isinstance(event, ReplicaUpdate) and event.previous is None
        if first_sight and event.replica_id == doomed:
            await client.replicas.delete(doomed)
    outcomes = outcomes_of(events)
    assert OutcomeKind.REACHED is outcomes[keep].kind
    invalid = outcomes["r0000dead00"]
    assert (OutcomeKind.GONE, None) == (invalid.kind, invalid.replica)
    assert "Invalid replica_id" in invalid.detail
    deleted = outcomes[doomed]
    assert OutcomeKind.GONE is deleted.kind
    assert deleted.replica is not None
    assert "started" == deleted.status


async def test_faults_at_rates_delay_batches_but_every_status_comes_true(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.mark_failing("short")
    ids, failing = await create(client, 200, fail_every=7)
    fake.inject(Fault.http(503), times=3, method="GET", path="/v2/replicas")
    for fault in (
        Fault.http(429, retry_after=1),
        Fault.http(503),
        Fault.drop(),
        Fault.garbage(),
    ):
        fake.inject_rate(fault, 0.08, method="GET", path="/v2/replicas*")
    watcher = virtual(client, fake)

    outcomes = await watcher.wait(ids)

    for replica_id in ids:
        expected = "error" if replica_id in failing else "completed"
        assert expected == outcomes[replica_id].status
        if replica_id in failing:
            assert outcomes[replica_id].error_message
    assert watcher.stats.transient_failures >= 1
    assert sum(r.fault is not None for r in fake.requests) >= 10


async def test_ids_added_while_watching_are_watched_until_done_adding(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 6)
    watcher = virtual(client, fake)
    assert 1 == watcher.add(ids[:1])  # before the watch: the watch takes it
    events: list[WatchEvent] = []
    all_settled = asyncio.Event()

    async def consume() -> None:
        async for event in watcher.watch(ids[1:2], keep_open=True):
            events.append(event)
            if len(outcomes_of(events)) == len(ids):
                all_settled.set()

    task = asyncio.create_task(consume())
    for replica_id in ids[2:]:
        await asyncio.sleep(0.01)
        assert 1 == watcher.add([replica_id, replica_id])
    assert 0 == watcher.add(ids[:2])
    await asyncio.wait_for(all_settled.wait(), 5)
    await asyncio.sleep(0.05)
    assert not task.done(), "keep_open waits for done_adding()"
    watcher.done_adding()
    await asyncio.wait_for(task, 5)
    assert set(ids) == set(outcomes_of(events))
    assert all(o.ok for o in outcomes_of(events).values())


async def test_each_replica_times_out_at_its_own_deadline(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.training_time = 3600
    (slow, custom), _ = await create(client, 2)
    fake.training_time = 5
    (quick,), _ = await create(client, 1)
    watcher = virtual(client, fake, poll_interval=7.0, max_poll_interval=100.0)
    loop = asyncio.get_running_loop()
    real_start = loop.time()  # read first and last: real covers the clock's readings
    start = fake.clock()
    watcher.add([custom], timeout=30)
    outcomes = await watcher.wait([slow, quick], replica_timeout=10)
    real = loop.time() - real_start
    assert OutcomeKind.REACHED is outcomes[quick].kind
    for replica_id, limit in ((slow, 10), (custom, 30)):
        outcome = outcomes[replica_id]
        assert OutcomeKind.TIMED_OUT is outcome.kind
        assert "its own timeout" in outcome.detail
        assert "started" == outcome.status
        # The watcher woke at the deadline, not at the next (slowed-down) poll,
        # seconds of the fake's time later: past the deadline, the fake's clock
        # moved by real time only (the real time of the polls counts too).
        assert limit <= outcome.at - start <= limit + real + FLOAT_SLACK


async def test_the_overall_timeout_ends_every_replica_still_watched(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.training_time = 3600
    ids, _ = await create(client, 3)
    watcher = virtual(client, fake, poll_interval=7.0)
    loop = asyncio.get_running_loop()
    real_start = loop.time()  # read first and last: real covers the clock's readings
    start = fake.clock()
    outcomes = await watcher.wait(ids, timeout=20)
    real = loop.time() - real_start
    assert [OutcomeKind.TIMED_OUT] * 3 == [o.kind for o in outcomes.values()]
    # Ended at the timeout, not at the next poll (at 21 s): see the test above.
    assert all(20 <= o.at - start <= 20 + real + FLOAT_SLACK for o in outcomes.values())
    assert all("the watch's timeout" in o.detail for o in outcomes.values())


async def test_wait_returns_outcomes_in_the_order_given(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 12)
    order = [*reversed(ids), ids[0]]
    outcomes = await virtual(client, fake).wait(order)
    assert list(reversed(ids)) == list(outcomes)


async def test_notify_settles_a_replica_without_polling(
    fake: FakeTavus, client: TavusClient
) -> None:
    (done, failed), _ = await create(client, 2)
    watcher = virtual(client, fake, poll_interval=1000.0)
    assert not watcher.notify(done, "ready")  # no watch running
    events: list[WatchEvent] = []
    async for event in watcher.watch([done, failed]):
        events.append(event)
        if len(events) == 2:
            assert watcher.notify(done, "ready")
            assert watcher.notify(failed, "error", error_message="bad lighting")
            assert not watcher.notify("r0000other0", "ready")
    outcomes = outcomes_of(events)
    assert (OutcomeKind.REACHED, "ready") == (
        outcomes[done].kind,
        outcomes[done].status,
    )
    assert OutcomeKind.FAILED is outcomes[failed].kind
    assert "bad lighting" == outcomes[failed].error_message
    notified = [
        e for e in events if isinstance(e, ReplicaUpdate) and e.source == "notify"
    ]
    assert 2 == len(notified)
    assert 1 == fake.count("GET", "/v2/replicas")
    assert 0 == fake.count("GET", "/v2/replicas/*")


async def test_cancelling_the_iterating_task_leaves_nothing_behind(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 250)
    fake.inject(Fault.slow(600), times=2, method="GET", path="/v2/replicas")
    watcher = ReplicaWatcher(client, poll_interval=0.05)
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in watcher.watch(ids):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    # The requests in flight wait 600 s on the server: only cancelling them
    # lets the task end within the 5 s allowed here.
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled()
    assert [] == watcher_tasks()


async def test_breaking_out_of_the_loop_stops_polling(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 250)
    fake.inject(Fault.slow(600), times=2, method="GET", path="/v2/replicas")
    async for _ in ReplicaWatcher(client, poll_interval=0.05).watch(ids):
        break
    for _ in range(5):
        await asyncio.sleep(0)
    assert [] == watcher_tasks()
    sent = fake.count("GET", "/v2/replicas")
    await asyncio.sleep(0.2)
    assert sent == fake.count("GET", "/v2/replicas")


async def test_closing_the_generator_cancels_requests_in_flight(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 250)
    fake.inject(Fault.slow(600), times=2, method="GET", path="/v2/replicas")

    async def first_event() -> None:
        events = ReplicaWatcher(client, poll_interval=0.05).watch(ids)
        async with aclosing(events):
            async for _ in events:
                break

    # Two requests in flight wait 600 s on the server: closing returns within
    # the 5 s allowed only because it cancels them.
    await asyncio.wait_for(first_event(), 5)
    assert [] == watcher_tasks()


async def test_a_refused_api_key_stops_the_watch_at_once(fake: FakeTavus) -> None:
    replica_id = fake.add_replica()
    async with TavusClient(api_key="wrong", base_url=fake.url) as client:
        watcher = ReplicaWatcher(client, poll_interval=0.01)
        with pytest.raises(AuthenticationError) as caught:
            await watcher.wait([replica_id])
    assert any("refused the API key" in note for note in caught.value.__notes__)
    assert 1 == len(fake.requests)
    assert [] == watcher_tasks()


async def test_a_wrong_base_url_stops_the_watch_with_a_hint(fake: FakeTavus) -> None:
    async with TavusClient(api_key=fake.api_key, base_url=f"{fake.url}/v9") as client:
        with pytest.raises(NotFoundError) as caught:
            await ReplicaWatcher(client).wait(["r0000000001"])
    assert any("base_url" in note for note in caught.value.__notes__)


async def test_slowing_down_polls_unchanged_replicas_less_often(
    fake: FakeTavus, client: TavusClient
) -> None:
    steps = [TimelineStep(after=60, status="completed")]
    loop = asyncio.get_running_loop()
    counts, reals = [], []
    for slowest in (1.0, 8.0):
        real_start = loop.time()
        replica_id = fake.add_replica(status="started", timeline=steps)
        fake.reset_log()
        watcher = virtual(client, fake, max_poll_interval=slowest)
        assert (await watcher.wait([replica_id]))[replica_id].ok
        counts.append(fake.count("GET", "/v2/replicas"))
        reals.append(loop.time() - real_start)
    # Every 1 s of the fake's time over 60 s: one poll at 0 and one per second,
    # less one for each second of real time the watch took (it moves the
    # fake's clock too, and the watcher sleeps only what is left).
    assert counts[0] >= 61 - math.ceil(reals[0])
    # Slowing down 1.5 times a poll to every 8 s at most: 12 polls (fewer with
    # real time).
    assert counts[1] <= 15


async def test_a_refused_filter_and_failing_lookups_only_delay_replicas(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    ids, _ = await create(client, 5)
    fake.inject(Fault.http(400), method="GET", path="/v2/replicas")
    fake.inject(Fault.http(503), times=3, method="GET", path=f"/v2/replicas/{ids[0]}")
    watcher = virtual(client, fake)
    with caplog.at_level(logging.WARNING, logger="tavus_async"):
        outcomes = await watcher.wait(ids)
    assert all(o.ok for o in outcomes.values())
    assert 1 == watcher.stats.transient_failures
    assert fake.count("GET", "/v2/replicas/*") >= len(ids) + 1
    said = [r for r in caplog.records if "refused an id filter" in r.message]
    assert 1 == len(said)


async def test_a_notify_while_a_batch_is_in_flight_wins(
    fake: FakeTavus, client: TavusClient
) -> None:
    ids, _ = await create(client, 2)
    fake.inject(Fault.slow(0.3), method="GET", path="/v2/replicas")
    watcher = ReplicaWatcher(client, poll_interval=60)
    task = asyncio.create_task(collect(watcher.watch(ids, until={"started"})))
    await asyncio.sleep(0.1)
    assert watcher.notify(ids[0], "training")
    outcomes = outcomes_of(await asyncio.wait_for(task, 5))
    assert ("training", "started") == (outcomes[ids[0]].status, outcomes[ids[1]].status)
    assert 1 == fake.count("GET", "/v2/replicas")


async def test_an_injected_sleep_is_cancelled_when_something_else_wakes_the_watch(
    fake: FakeTavus, client: TavusClient
) -> None:
    asleep = asyncio.Event()
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        asleep.set()
        await asyncio.Event().wait()

    replica_id = fake.add_replica(status="started")
    watcher = ReplicaWatcher(client, poll_interval=30, sleep=sleep)
    task = asyncio.create_task(watcher.wait([replica_id]))
    await asyncio.wait_for(asleep.wait(), 5)
    assert watcher.notify(replica_id, "completed")
    outcomes = await asyncio.wait_for(task, 5)
    assert 0 < sleeps[0] <= 30
    assert OutcomeKind.REACHED is outcomes[replica_id].kind
    assert [] == watcher_tasks()


async def test_an_injected_sleep_that_fails_ends_the_watch(
    fake: FakeTavus, client: TavusClient
) -> None:
    async def sleep(seconds: float) -> None:
        raise RuntimeError("clock broke")

    watcher = ReplicaWatcher(client, sleep=sleep)
    with pytest.raises(RuntimeError, match="clock broke"):
        await watcher.wait([fake.add_replica(status="started")])
    assert [] == watcher_tasks()


async def test_cancelling_a_watch_asleep_in_an_injected_sleep(
    fake: FakeTavus, client: TavusClient
) -> None:
    asleep = asyncio.Event()

    async def sleep(seconds: float) -> None:
        asleep.set()
        await asyncio.Event().wait()

    watcher = ReplicaWatcher(client, sleep=sleep)
    task = asyncio.create_task(watcher.wait([fake.add_replica(status="started")]))
    await asyncio.wait_for(asleep.wait(), 5)
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled()
    assert [] == watcher_tasks()


async def test_every_kind_of_outcome_at_once(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.mark_failing("short")
    ids, failing = await create(client, 300, fail_every=6)
    fake.training_time = 10_000
    stuck, _ = await create(client, 20)
    doomed = [fake.add_replica(status="started") for _ in range(30)]
    invalid = [f"r{n:010x}" for n in range(1, 21)]
    watcher = virtual(client, fake, poll_interval=5.0)
    watcher.add(stuck, timeout=120)
    events: list[WatchEvent] = []
    async for event in watcher.watch([*ids, *doomed, *invalid], timeout=600):
        events.append(event)
        if isinstance(event, ReplicaUpdate) and event.replica_id in doomed:
            await client.replicas.delete(event.replica_id)
    outcomes = outcomes_of(events)
    kinds = {
        kind: {i for i, o in outcomes.items() if o.kind is kind} for kind in OutcomeKind
    }
    assert set(ids) - failing == kinds[OutcomeKind.REACHED]
    assert failing == kinds[OutcomeKind.FAILED]
    assert set(stuck) == kinds[OutcomeKind.TIMED_OUT]
    assert {*doomed, *invalid} == kinds[OutcomeKind.GONE]
    assert set() == kinds[OutcomeKind.MISSED]
    assert all(outcomes[i].replica is None for i in invalid)
    assert all(outcomes[i].replica is not None for i in doomed)


async def test_a_watch_in_real_time_follows_training_to_the_end(
    fake: FakeTavus, client: TavusClient
) -> None:
    """The watcher's own sleep and clock: it polls in real time until the end."""
    fake.training_time = 3600
    ids, _ = await create(client, 50)
    watcher = ReplicaWatcher(client, poll_interval=0.05)
    task = asyncio.create_task(watcher.wait(ids))
    # Training ends once two polls have seen it going on (however long the
    # creates took): a third poll at least must see the end.
    async with asyncio.timeout(10):
        while fake.count("GET", "/v2/replicas") < 2:  # noqa: ASYNC110 - the fake's log has no event
            await asyncio.sleep(0.01)
    fake.finish_training()
    outcomes = await asyncio.wait_for(task, 10)
    assert all(o.ok and "completed" == o.status for o in outcomes.values())
    assert watcher.stats.list_requests >= 3
