"""The client-wide gate: pause decisions and budget slots as tables, then loopback.

The loopback tests read the fake's request log (``RecordedRequest.at``, event
loop time of arrival) to check what reached the server and when.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math

import pytest

from tavus_async import (
    APIConnectionError,
    RateLimitError,
    RetryPolicy,
    TavusClient,
    ValidationError,
)
from tavus_async._gate import Gate, pause_for
from tavus_async.testing import FakeTavus, Fault, set_testing


POLICY = RetryPolicy(initial_delay=0.5, max_delay=8.0, max_retry_after=60.0)
SHORT = RetryPolicy(initial_delay=0.5, max_delay=8.0, max_retry_after=1.0)
REPLICAS = "/v2/replicas"
INTERVAL = 0.05  # requests_per_second=20
# Slots are absolute times: a timer that fires late on a busy machine (or a
# request the fake reads late) shortens the next gap. 5 ms is typical, 15 ms
# was seen with every core busy.
SLACK = 0.015


@pytest.mark.parametrize(
    ("policy", "status", "retry_after", "streak", "pause"),
    [
        # a 429 waits for its Retry-After, whatever the streak
        (POLICY, 429, 1.5, 1, 1.5),
        (POLICY, 429, 1.5, 4, 1.5),
        (POLICY, 429, 0.0, 1, 0.0),
        # without one it backs off with the streak, up to max_delay
        (POLICY, 429, None, 1, 0.5),
        (POLICY, 429, None, 2, 1.0),
        (POLICY, 429, None, 3, 2.0),
        (POLICY, 429, None, 5, 8.0),
        (POLICY, 429, None, 9, 8.0),
        (POLICY, 429, None, 500, 8.0),
        (POLICY, 429, None, 0, 0.5),
        # other errors pause only when they carry Retry-After
        (POLICY, 503, 2.0, 0, 2.0),
        (POLICY, 500, 3.0, 0, 3.0),
        (POLICY, 503, None, 0, None),
        (POLICY, 500, None, 3, None),
        (POLICY, 404, None, 3, None),
        (POLICY, 200, 5.0, 0, None),
        # every pause is capped at max_retry_after
        (POLICY, 429, 600.0, 1, 60.0),
        (POLICY, 503, 600.0, 0, 60.0),
        (SHORT, 429, None, 5, 1.0),
        (SHORT, 429, 30.0, 1, 1.0),
    ],
)
def test_pause_for(
    policy: RetryPolicy,
    status: int,
    retry_after: float | None,
    streak: int,
    pause: float | None,
) -> None:
    assert pause == pause_for(policy, status, retry_after, streak)


@pytest.mark.parametrize(
    ("rps", "nows", "waits"),
    [
        (None, [10.0, 10.0, 10.0], [0.0, 0.0, 0.0]),
        (20, [10.0, 10.0, 10.0], [0.0, 0.05, 0.1]),
        (20, [10.0, 10.01, 10.2, 10.2], [0.0, 0.04, 0.0, 0.05]),
        (0.5, [0.0, 1.0, 3.0, 7.0], [0.0, 1.0, 1.0, 0.0]),
    ],
)
def test_budget_slots(rps: float | None, nows: list[float], waits: list[float]) -> None:
    """Each request takes the next slot, 1/rps after the last one; no burst."""
    gate = Gate(rps)

    assert waits == pytest.approx([gate.reserve(now) for now in nows])


def test_pause_then_budget() -> None:
    """After a pause the requests leave one interval apart, not all at once."""
    gate = Gate(10)

    assert 1.0 == gate.pause(0.0, 1.0)
    assert [1.0, 1.1, 1.2] == pytest.approx([gate.reserve(0.0) for _ in range(3)])
    assert 1.3 == pytest.approx(gate.reserve(0.0, honour_pause=False))


def test_pause_decisions() -> None:
    """A pause begins once, only lengthens, ends on its own, and may be ignored."""
    gate = Gate(None)

    assert gate.pause(10.0, 0.0) is None
    assert 1.0 == gate.pause(10.0, 1.0)
    assert gate.pause(10.2, 0.5) is None  # inside the running pause
    assert 11.0 == gate.paused_until
    assert gate.pause(10.5, 2.0) is None  # lengthens it, begins nothing
    assert 12.5 == gate.paused_until
    assert 1.5 == gate.paused_for(11.0)
    assert 0.0 == gate.reserve(11.0, honour_pause=False)
    assert 1.5 == gate.reserve(11.0)
    assert 0.0 == gate.reserve(12.5)
    assert gate.paused_until is None
    assert 0.0 == gate.paused_for(13.0)
    assert 0.5 == gate.pause(13.0, 0.5)  # a new pause begins


def test_release_gives_back_only_the_latest_slot() -> None:
    gate = Gate(20)
    assert [0.0, 0.05] == pytest.approx([gate.reserve(0.0) for _ in range(2)])

    gate.release(0.05)
    assert 0.05 == pytest.approx(gate.reserve(0.0))

    gate.release(0.0)  # an earlier slot: others were reserved after it
    assert 0.1 == pytest.approx(gate.reserve(0.0))


# (now, status, retry_after) -> (pause begun, streak after, paused until)
OUTCOMES = [
    ((0.0, 429, None), (0.5, 1, 0.5)),
    ((0.1, 429, None), (None, 2, 1.1)),  # lengthened by the streak's 1.0
    ((0.2, 404, None), (None, 2, 1.1)),
    ((0.3, 503, None), (None, 2, 1.1)),
    ((2.0, 429, None), (2.0, 3, 4.0)),
    ((2.1, 200, None), (None, 0, 4.0)),
    ((5.0, 429, None), (0.5, 1, 5.5)),
    ((6.0, 503, 1.25), (1.25, 1, 7.25)),
    ((7.0, 429, 0.0), (None, 2, 7.25)),
    ((8.0, 204, None), (None, 0, 7.25)),
    ((9.0, 429, 120.0), (60.0, 1, 69.0)),
]


def test_record_outcomes() -> None:
    """A 2xx ends the 429 streak; 429s and Retry-After begin or lengthen pauses."""
    gate = Gate(None)
    seen = []
    for (now, status, retry_after), _ in OUTCOMES:
        begun = gate.record(now, status, retry_after, POLICY)
        seen.append((begun, gate.streak, gate.paused_until))

    assert [expected for _, expected in OUTCOMES] == seen


@pytest.mark.parametrize(
    "rps", [0, 0.0, -1, math.nan, math.inf, -math.inf, "5", True, [20]]
)
def test_requests_per_second_is_checked(rps: object) -> None:
    with pytest.raises(ValidationError) as info:
        TavusClient(api_key="k", requests_per_second=rps)  # type: ignore[arg-type]

    assert "requests_per_second" == info.value.field
    assert "positive number" in str(info.value)


@pytest.mark.parametrize("rps", [None, 0.5, 20, 1e6])
def test_requests_per_second_accepted(rps: float | None) -> None:
    client = TavusClient(api_key="k", requests_per_second=rps)

    assert client._core.gate.interval == (None if rps is None else 1 / rps)


def test_unused_gate_does_not_yield() -> None:
    """No budget and no pause: wait() finishes at its first step, without a loop."""
    waiting = Gate(None).wait()

    with pytest.raises(StopIteration) as info:
        waiting.send(None)

    assert info.value.value is False


async def test_testing_mode_skips_pauses_but_keeps_the_budget() -> None:
    loop = asyncio.get_running_loop()
    gate = Gate(50)
    gate.pause(loop.time(), 30.0)
    started = loop.time()

    async with asyncio.timeout(1):
        for _ in range(3):
            await gate.wait()

    assert 2 * 0.02 <= loop.time() - started < 1
    assert gate.paused_until is not None  # recorded, not slept


async def test_a_pause_begun_during_the_wait_is_waited_for() -> None:
    """A waiter that slept for its budget slot checks the pause again."""
    set_testing(False)
    loop = asyncio.get_running_loop()
    gate = Gate(50)
    started = loop.time()
    await gate.wait()  # the first slot, at once
    second = asyncio.create_task(gate.wait())  # sleeps 0.02 for its slot

    await asyncio.sleep(0.01)
    gate.pause(loop.time(), 0.05)  # until about started + 0.06
    assert await second

    assert loop.time() - started >= 0.06


async def test_cancelled_waiters_do_not_break_the_gate() -> None:
    set_testing(False)
    loop = asyncio.get_running_loop()
    gate = Gate(20)
    started = loop.time()
    gate.pause(started, 0.05)

    async def through() -> float:
        await gate.wait()
        return loop.time() - started

    first, middle, last = (asyncio.create_task(through()) for _ in range(3))
    await asyncio.sleep(0)  # each reserved its slot: +0.05, +0.1, +0.15
    middle.cancel()
    last.cancel()
    late = asyncio.create_task(through())  # gets the slot `last` gave back
    first_at, late_at = await asyncio.gather(first, late)

    assert middle.cancelled()
    assert last.cancelled()
    assert 0.05 <= first_at < 0.1
    assert 0.15 <= late_at < 0.19  # 0.2 had `last` kept its slot
    assert 0.0 == gate.reserve(loop.time() + 1)


async def hammer(client: TavusClient, replica_id: str, stop: asyncio.Event) -> int:
    """Get one replica over and over, 10 ms apart, until ``stop``; count the calls."""
    calls = 0
    while not stop.is_set():
        assert replica_id == (await client.replicas.get(replica_id)).replica_id
        calls += 1
        await asyncio.sleep(0.01)
    return calls


async def one_fault_among_hammers(
    fake: FakeTavus, client: TavusClient, fault: Fault
) -> float:
    """Seven replicas hammered while an eighth gets ``fault``; its arrival time."""
    ids = [fake.add_replica(replica_name=f"R{i}") for i in range(8)]
    stop = asyncio.Event()
    hammers = [asyncio.create_task(hammer(client, i, stop)) for i in ids[1:]]
    await asyncio.sleep(0.02)
    path = f"{REPLICAS}/{ids[0]}"
    fake.inject(fault, path=path)

    assert ids[0] == (await client.replicas.get(ids[0])).replica_id
    await asyncio.sleep(0.02)
    stop.set()
    assert all(calls >= 3 for calls in await asyncio.gather(*hammers))
    faulted = [r for r in fake.requests if r.fault is not None]
    assert [(path, fault.status)] == [(r.path, r.status) for r in faulted]
    assert all(r.status == 200 for r in fake.requests if r.fault is None)
    return faulted[0].at


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.http(429, retry_after_ms=300), "rate limited (429 on GET "),
        (Fault.http(503, retry_after=0.3), "asked to retry later (503 on GET "),
    ],
)
async def test_one_pause_holds_every_request(
    fake: FakeTavus,
    client: TavusClient,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    reason: str,
) -> None:
    """While one call waits out a 429 or 503, the concurrent ones send nothing."""
    set_testing(False)
    caplog.set_level(logging.INFO, logger="tavus_async")

    t = await one_fault_among_hammers(fake, client, fault)

    arrivals = [r.at - t for r in fake.requests]
    assert [] == [a for a in arrivals if 0.05 < a < 0.3]
    assert any(a < 0 for a in arrivals)  # hammering before the fault
    assert sum(a >= 0.3 for a in arrivals) >= 2  # and again after the pause
    pauses = [r.getMessage() for r in caplog.records if "pausing" in r.getMessage()]
    assert 1 == len(pauses)
    assert pauses[0].startswith(reason)
    assert pauses[0].endswith(": pausing every request of this client for 0.300s")
    assert fake.api_key not in caplog.text


async def test_testing_mode_logs_the_pause_but_does_not_sleep(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tavus_async")

    await one_fault_among_hammers(fake, client, Fault.http(429, retry_after_ms=300))

    arrivals = sorted(r.at for r in fake.requests)
    assert max(b - a for a, b in itertools.pairwise(arrivals)) < 0.3
    assert "pausing every request of this client for 0.300s" in caplog.text


@pytest.mark.parametrize(("testing", "calls"), [(True, 10), (False, 5)])
async def test_budget_spaces_requests(
    fake: FakeTavus, testing: bool, calls: int
) -> None:
    """Concurrent calls through a client and its views leave 1/rps apart."""
    set_testing(testing)
    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, requests_per_second=20
    ) as client:
        views = [client, client.with_options(timeout=5), client.with_options()]
        await asyncio.gather(*(views[i % 3].voices.list() for i in range(calls)))

    arrivals = sorted(r.at for r in fake.requests)
    assert calls == len(arrivals)
    assert min(b - a for a, b in itertools.pairwise(arrivals)) >= INTERVAL - SLACK


async def test_views_share_the_pause(fake: FakeTavus, client: TavusClient) -> None:
    """A 429 answered to a with_options view holds the parent client too."""
    set_testing(False)
    view = client.with_options(max_retries=0)
    fake.inject(Fault.http(429, retry_after_ms=100), path=REPLICAS)

    with pytest.raises(RateLimitError):
        await view.replicas.list()
    await client.voices.list()

    assert view._core.gate is client._core.gate
    rate_limited, after = (r.at for r in fake.requests)
    assert after - rate_limited >= 0.1


async def test_a_call_cancelled_in_a_pause_leaves_the_others_going(
    fake: FakeTavus, client: TavusClient
) -> None:
    set_testing(False)
    fake.inject(Fault.http(429, retry_after_ms=60), path=REPLICAS)
    with pytest.raises(RateLimitError):
        await client.with_options(max_retries=0).replicas.list()

    blocked = asyncio.create_task(client.voices.list())
    await asyncio.sleep(0.01)
    blocked.cancel()
    await client.voices.list()

    assert blocked.cancelled()
    assert ["/v2/replicas", "/v2/voices"] == [r.path for r in fake.requests]
    assert fake.requests[1].at - fake.requests[0].at >= 0.06


async def test_streak_and_outcomes_through_the_client(
    fake: FakeTavus, client: TavusClient
) -> None:
    """429s lengthen the streak, a dropped connection is no outcome, a 2xx ends it."""
    gate = client._core.gate
    fake.inject(Fault.http(429), times=2, path=REPLICAS)
    with pytest.raises(RateLimitError):
        await client.with_options(max_retries=1).replicas.list()
    paused_until = gate.paused_until
    assert 2 == gate.streak
    assert paused_until is not None

    fake.inject(Fault.drop(), times=2, path="/v2/voices")  # aiohttp resends once
    with pytest.raises(APIConnectionError):
        await client.with_options(max_retries=0).voices.list()
    assert (2, paused_until) == (gate.streak, gate.paused_until)

    await client.voices.list()
    assert 0 == gate.streak
