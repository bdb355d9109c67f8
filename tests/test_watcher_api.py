"""ReplicaWatcher's contract: arguments, wait(), raising, state, the shared gate."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tavus_async import (
    ClientStateError,
    OutcomeKind,
    ReplicaOutcome,
    ReplicaWatcher,
    TavusClient,
    ValidationError,
    WatchError,
    WatchStats,
    WatchTimeoutError,
)
from tavus_async.testing import FakeTavus, Fault, TimelineStep, set_testing


def virtual(client: TavusClient, fake: FakeTavus, **settings: Any) -> ReplicaWatcher:
    settings.setdefault("poll_interval", 1.0)
    return ReplicaWatcher(client, sleep=fake.sleep, clock=fake.clock, **settings)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": float("nan")}, "poll_interval"),
        ({"poll_interval": "30"}, "poll_interval"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 2.5}, "max_concurrency"),
        ({"batch_size": 0}, "batch_size"),
        ({"jitter": 1}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": True}, "jitter"),
        ({"max_poll_interval": 10.0}, "max_poll_interval"),
        ({"max_poll_interval": -1}, "max_poll_interval"),
    ],
)
def test_bad_settings_name_the_field(
    client: TavusClient, settings: dict[str, Any], field: str
) -> None:
    settings.setdefault("poll_interval", 30.0)
    with pytest.raises(ValidationError) as caught:
        ReplicaWatcher(client, **settings)
    assert field == caught.value.field


@pytest.mark.parametrize(
    ("ids", "arguments", "field", "fragment"),
    [
        ("r1", {}, "replica_ids", "not one string"),
        ([], {}, "replica_ids", "keep_open=True"),
        ([""], {}, "replica_ids", "non-empty id"),
        (["r1,r2"], {}, "replica_ids", "commas"),
        (["r1"], {"until": {"complete"}}, "until", "not a replica status"),
        (["r1"], {"timeout": 0}, "timeout", "positive number"),
        (["r1"], {"replica_timeout": "1h"}, "replica_timeout", "positive number"),
    ],
)
async def test_bad_watch_arguments_fail_before_any_request(
    fake: FakeTavus,
    client: TavusClient,
    ids: Any,
    arguments: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    watcher = ReplicaWatcher(client)
    with pytest.raises(ValidationError) as caught:
        watcher.watch(ids, **arguments)
    with pytest.raises(ValidationError):
        await watcher.wait(ids, **arguments)
    assert field == caught.value.field
    assert fragment in str(caught.value)
    assert [] == fake.requests


async def test_bad_add_and_notify_arguments(client: TavusClient) -> None:
    watcher = ReplicaWatcher(client)
    with pytest.raises(ValidationError, match="replica_ids"):
        watcher.add("r1")
    with pytest.raises(ValidationError, match="timeout"):
        watcher.add(["r1"], timeout=-5)
    with pytest.raises(ValidationError, match="replica_id"):
        watcher.notify("", "ready")
    with pytest.raises(ValidationError, match="status"):
        watcher.notify("r1", "")


async def test_a_watcher_runs_one_watch_at_a_time(
    fake: FakeTavus, client: TavusClient
) -> None:
    first, second = fake.add_replica(), fake.add_replica()
    watcher = virtual(client, fake)
    events = watcher.watch([first])
    await anext(events)
    with pytest.raises(ClientStateError, match="already running"):
        watcher.watch([second])
    await events.aclose()
    outcomes = await watcher.wait([second])
    assert outcomes[second].ok


async def test_a_generator_is_iterated_once(
    fake: FakeTavus, client: TavusClient
) -> None:
    watcher = virtual(client, fake)
    events = watcher.watch([fake.add_replica()])
    assert 2 == len([e async for e in events])
    stale = watcher.watch([fake.add_replica()])
    newer = watcher.watch([fake.add_replica()])
    assert 4 == len([e async for e in newer])
    with pytest.raises(ClientStateError, match="already ran"):
        await anext(stale)


async def test_wait_raises_on_request_with_every_outcome(
    fake: FakeTavus, client: TavusClient
) -> None:
    good = fake.add_replica()
    bad = fake.add_replica(status="error", error_message="video too short")
    watcher = virtual(client, fake)
    outcomes = await watcher.wait([good, bad])
    assert [True, False] == [o.ok for o in outcomes.values()]
    with pytest.raises(WatchError) as caught:
        await watcher.wait([good, bad], raise_on_error=True)
    error = caught.value
    assert not isinstance(error, WatchTimeoutError)
    assert {good, bad} == set(error.outcomes)
    assert [bad] == list(error.failures)
    assert "video too short" in str(error)


async def test_wait_raises_a_timeout_when_only_timeouts_failed(
    fake: FakeTavus, client: TavusClient
) -> None:
    good = fake.add_replica()
    slow = fake.add_replica(
        status="started", timeline=[TimelineStep(after=3600, status="completed")]
    )
    watcher = virtual(client, fake)
    with pytest.raises(WatchTimeoutError) as caught:
        await watcher.wait([good, slow], timeout=60, raise_on_error=True)
    assert isinstance(caught.value, TimeoutError)
    assert [slow] == list(caught.value.failures)
    assert OutcomeKind.TIMED_OUT is caught.value.failures[slow].kind


async def test_stats_count_the_watch(fake: FakeTavus, client: TavusClient) -> None:
    watcher = virtual(client, fake)
    assert WatchStats() == watcher.stats
    ids = [fake.add_replica() for _ in range(150)]
    events = watcher.watch(ids, until={"started"})
    assert 150 == watcher.stats.watching
    outcomes = [e async for e in events if isinstance(e, ReplicaOutcome)]
    assert 150 == len(outcomes)
    stats = watcher.stats
    assert (2, 0, 2) == (stats.list_requests, stats.get_requests, stats.requests)
    assert (150, 150, 0) == (stats.updates, stats.outcomes, stats.watching)


async def test_a_429_pauses_every_batch_of_the_client(fake: FakeTavus) -> None:
    set_testing(False)
    ids = [fake.add_replica() for _ in range(800)]
    fake.inject(Fault.http(429, retry_after_ms=300), method="GET", path="/v2/replicas")
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        watcher = ReplicaWatcher(client, poll_interval=5.0, max_concurrency=4)
        outcomes = await asyncio.wait_for(watcher.wait(ids), 10)
    assert all(o.ok for o in outcomes.values())
    lists = [r for r in fake.requests if r.path == "/v2/replicas"]
    (limited,) = [r for r in lists if r.status == 429]
    # Only the three batches already in flight beside it may come before the
    # pause ends; the other four batches and the retry wait for the gate.
    early = [r for r in lists if r is not limited and r.at < limited.at + 0.29]
    assert len(early) <= 3
    assert 9 == len(lists)
