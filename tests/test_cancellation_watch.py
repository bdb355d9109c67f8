"""Cancelling ``ReplicaWatcher`` watches and waits at seeded random points.

A watch is cancelled while it sleeps until its next poll and while polls are
in flight, closed early with ``aclose()`` or ``break``, and ``keep_open``
watches are cancelled with nothing or something to watch. After each: no
task is left, the same watcher watches again, the client still answers, and
after ``aclose()`` nothing stays open (:mod:`tests._leaks`).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncGenerator
from contextlib import aclosing

import pytest

from tavus_async import (
    CreateReplicaRequest,
    OutcomeKind,
    ReplicaUpdate,
    ReplicaWatcher,
    TavusClient,
    WatchEvent,
)
from tavus_async.testing import FakeTavus, Fault
from tests._leaks import (
    assert_no_new_tasks,
    assert_still_works,
    no_leaks,
    settled_connections,
)


ITERATIONS = 12
HELD = 30.0  # a slow poll no test may wait out
BOUND = 5.0  # seconds within which a cancelled or closed watch must end
POLLS = "/v2/replicas"


async def train(client: TavusClient, count: int) -> list[str]:
    """Create ``count`` replicas (still training for the fake's 5 s)."""
    ids = []
    for n in range(count):
        request = CreateReplicaRequest(train_video_url=f"https://example.com/{n}.mp4")
        ids.append((await client.replicas.create(request)).replica_id)
    return ids


async def consume(
    events: AsyncGenerator[WatchEvent, None], into: list[WatchEvent]
) -> None:
    """Record every event of a watch, closing it on the way out."""
    async with aclosing(events):
        into.extend([event async for event in events])


def polls_in_flight(fake: FakeTavus, since: int) -> bool:
    """Whether a poll logged since ``since`` is still unanswered."""
    return any(
        r.path.startswith(POLLS) and r.status is None for r in fake.requests[since:]
    )


async def check_watcher_again(
    watcher: ReplicaWatcher, fake: FakeTavus, ids: list[str]
) -> None:
    """The same watcher runs a new watch to its end after a cancelled one."""
    fake.clear_faults()
    fake.finish_training()
    async with asyncio.timeout(BOUND):
        outcomes = await watcher.wait(ids)
    assert {OutcomeKind.REACHED} == {o.kind for o in outcomes.values()}


async def test_watch_cancelled_asleep_or_polling(fake: FakeTavus) -> None:
    """A watch cancelled between polls or with polls in flight leaves nothing."""
    rng = random.Random(21)
    where: Counter[str] = Counter()
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        watcher = ReplicaWatcher(
            client, poll_interval=0.05, batch_size=2, max_concurrency=2
        )
        for n in range(ITERATIONS):
            ids = await train(client, 4)
            if n % 2:
                fake.inject(Fault.slow(HELD), times=2, method="GET", path=POLLS)
            events: list[WatchEvent] = []
            before, count = asyncio.all_tasks(), len(fake.requests)
            task = asyncio.create_task(consume(watcher.watch(ids), events))
            await asyncio.sleep(rng.uniform(0.001, 0.12))
            where["polling" if polls_in_flight(fake, count) else "asleep"] += 1
            task.cancel()
            async with asyncio.timeout(BOUND):  # only cancelling ends a 30 s poll
                await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled()
            # training takes 5 s: sightings only, no outcome yet
            assert all(
                isinstance(e, ReplicaUpdate) and e.replica.replica_id in ids
                for e in events
            )
            await assert_no_new_tasks(before)
            assert 2 >= await settled_connections(fake, at_most=2)
            await assert_still_works(client, fake)
            await check_watcher_again(watcher, fake, ids)
    assert where["polling"], where
    assert where["asleep"], where


@pytest.mark.parametrize("how", ["aclose", "break"])
async def test_watch_closed_early_with_polls_in_flight(
    fake: FakeTavus, how: str
) -> None:
    """Closing a watch after its first event cancels the polls it has in flight."""
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        watcher = ReplicaWatcher(client, poll_interval=0.01, batch_size=1)
        ids = await train(client, 3)
        before = asyncio.all_tasks()
        fake.inject(Fault.slow(0.05), method="GET", path=POLLS)
        fake.inject(Fault.slow(HELD), times=2, method="GET", path=POLLS)
        async with asyncio.timeout(BOUND):
            if how == "aclose":
                events = watcher.watch(ids)
                await anext(events)
                await events.aclose()
            else:
                async for _ in watcher.watch(ids):
                    break
        await assert_no_new_tasks(before)
        await assert_still_works(client, fake)
        await check_watcher_again(watcher, fake, ids)


async def test_wait_cancelled_at_random_points(fake: FakeTavus) -> None:
    """wait() cancelled anywhere raises CancelledError and the next wait() ends well."""
    rng = random.Random(23)
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        watcher = ReplicaWatcher(client, poll_interval=0.03, batch_size=2)
        for _ in range(ITERATIONS // 2):
            ids = await train(client, 3)
            fake.inject_rate(Fault.slow(0.02), 0.5, method="GET", path=POLLS)
            before = asyncio.all_tasks()
            task = asyncio.create_task(watcher.wait(ids, timeout=HELD))
            await asyncio.sleep(rng.uniform(0, 0.1))
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await assert_no_new_tasks(before)
            await assert_still_works(client, fake)
            await check_watcher_again(watcher, fake, ids)


async def test_keep_open_watch_cancelled_idle_or_watching(fake: FakeTavus) -> None:
    """A keep_open watch cancelled empty or with ids added leaves nothing behind."""
    rng = random.Random(29)
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        watcher = ReplicaWatcher(client, poll_interval=0.02)
        for n in range(ITERATIONS // 2):
            ids = await train(client, 2)
            before, seen = asyncio.all_tasks(), list[WatchEvent]()
            task = asyncio.create_task(consume(watcher.watch(keep_open=True), seen))
            await asyncio.sleep(rng.uniform(0, 0.03))
            if n % 2:
                assert 2 == watcher.add(ids)  # something to poll from now on
                await asyncio.sleep(rng.uniform(0, 0.05))
            task.cancel()
            async with asyncio.timeout(BOUND):
                await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled()
            await assert_no_new_tasks(before)
            await assert_still_works(client, fake)
            await check_watcher_again(watcher, fake, ids)
