"""The client-wide gate on a real loopback server.

No assertion here depends on how fast the machine is. When a request left is
read from an aiohttp trace hook (``on_request_start``, in event-loop time, in
the same step as the gate's decision to let it go); when a pause began and
until when is read from the gate as it logs the pause. What is asserted is what
the gate guarantees: no request leaves inside a pause, retries leave after it,
one burst is one step; never an upper bound on elapsed time, except one
derived from a pause that must not have been slept.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import aiohttp
import pytest

from tavus_async import (
    APIConnectionError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    TavusClient,
    create_session,
)
from tavus_async.testing import FakeTavus, Fault, capture_retries, set_testing


REPLICAS = "/v2/replicas"


class Starts:
    """When each request left, in loop time, from aiohttp's trace hooks."""

    def __init__(self) -> None:
        self.times: list[tuple[float, str]] = []

    def trace_config(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()

        async def on_start(
            _: aiohttp.ClientSession,
            __: SimpleNamespace,
            params: aiohttp.TraceRequestStartParams,
        ) -> None:
            self.times.append((asyncio.get_running_loop().time(), params.url.path))

        config.on_request_start.append(on_start)
        return config


class Pauses(logging.Handler):
    """Each pause the gate begins: (loop time, paused until, message)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.client: TavusClient | None = None
        self.seen: list[tuple[float, float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "pausing every request" in message and self.client is not None:
            until = self.client._core.gate.paused_until
            assert until is not None
            self.seen.append((asyncio.get_running_loop().time(), until, message))


@pytest.fixture
def pauses() -> Iterator[Pauses]:
    handler = Pauses()
    logger = logging.getLogger("tavus_async")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def traced(
    fake: FakeTavus, pauses: Pauses
) -> AsyncIterator[tuple[TavusClient, Starts]]:
    """A client whose session records request starts; pauses are recorded too."""
    starts = Starts()
    session = create_session(trace_configs=[starts.trace_config()])
    policy = RetryPolicy(max_retries=1, initial_delay=0.2, max_delay=6.4)
    async with (
        session,
        TavusClient(
            api_key=fake.api_key,
            base_url=fake.url,
            session=session,
            retry_policy=policy,
        ) as client,
    ):
        pauses.client = client
        yield client, starts


async def hammer(client: TavusClient, replica_id: str, stop: asyncio.Event) -> None:
    """Get one replica over and over until ``stop``."""
    while not stop.is_set():
        assert replica_id == (await client.replicas.get(replica_id)).replica_id
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.http(429, retry_after_ms=300), "rate limited (429 on GET "),
        (Fault.http(503, retry_after=0.3), "asked to retry later (503 on GET "),
    ],
)
async def test_one_pause_holds_every_request(
    fake: FakeTavus,
    traced: tuple[TavusClient, Starts],
    pauses: Pauses,
    fault: Fault,
    reason: str,
) -> None:
    """While one call waits out a 429 or 503, the concurrent ones send nothing."""
    set_testing(False)
    client, starts = traced
    ids = [fake.add_replica(replica_name=f"R{i}") for i in range(8)]
    fake.inject(fault, path=f"{REPLICAS}/{ids[0]}")
    stop = asyncio.Event()
    hammers = [asyncio.create_task(hammer(client, i, stop)) for i in ids[1:]]
    await asyncio.sleep(0)  # each hammer's first request has left

    assert ids[0] == (await client.replicas.get(ids[0])).replica_id
    stop.set()
    await asyncio.gather(*hammers)

    ((began, until, message),) = pauses.seen
    assert message.startswith(reason)
    assert message.endswith(": pausing every request of this client for 0.300s")
    assert [] == [t for t, _ in starts.times if began <= t < until]
    assert any(t < began for t, _ in starts.times)  # hammering before the pause
    assert any(t >= until for t, _ in starts.times)  # and again after it
    assert fake.api_key not in message


@pytest.mark.parametrize(
    ("fault", "pause"),
    [(Fault.http(429), "0.200s"), (Fault.http(429, retry_after=0.3), "0.300s")],
)
async def test_twenty_concurrent_429s_are_one_step(
    fake: FakeTavus,
    traced: tuple[TavusClient, Starts],
    pauses: Pauses,
    fault: Fault,
    pause: str,
) -> None:
    """Twenty 429s to calls in flight together: one pause, one step of the streak.

    Each retry then meets a 500, which leaves the streak as it is, so the
    streak after the burst can be read at the end. No retry leaves before the
    pause is over.
    """
    set_testing(False)
    client, starts = traced
    ids = [fake.add_replica(replica_name=f"R{i}") for i in range(20)]
    fake.inject(fault, times=20, path=f"{REPLICAS}/*")
    fake.inject(Fault.http(500), times=20, path=f"{REPLICAS}/*")

    with capture_retries() as retries:
        outcomes = await asyncio.gather(
            *(client.replicas.get(i) for i in ids), return_exceptions=True
        )

    assert all(isinstance(o, InternalServerError) for o in outcomes), outcomes
    assert 20 == len(retries)
    assert 40 == fake.count("GET", f"{REPLICAS}/*")
    assert 1 == client._core.gate.streak
    assert 1 == client._core.gate.epoch
    ((_, until, message),) = pauses.seen
    assert message.endswith(f" for {pause}")
    first_sends, retry_sends = starts.times[:20], starts.times[20:]
    assert all(t < until for t, _ in first_sends)
    assert all(t >= until for t, _ in retry_sends)


async def test_a_server_that_keeps_refusing_is_probed_one_pause_at_a_time(
    fake: FakeTavus, traced: tuple[TavusClient, Starts], pauses: Pauses
) -> None:
    """Held requests leave spread out; each fresh 429 begins the next, longer pause.

    Four calls, every request refused: the burst is one pause; then each retry
    that meets a 429 after leaving a pause doubles it (up to ``max_delay``),
    and the retries still held wait for that pause too.
    """
    set_testing(False)
    client, starts = traced
    ids = [fake.add_replica(replica_name=f"R{i}") for i in range(4)]
    fake.inject(Fault.http(429), times=100, path=f"{REPLICAS}/*")

    outcomes = await asyncio.gather(
        *(client.replicas.get(i) for i in ids), return_exceptions=True
    )

    assert all(isinstance(o, RateLimitError) for o in outcomes)
    lengths = [m.rsplit(" ", 1)[1] for _, _, m in pauses.seen]
    assert 2 <= len(lengths) <= 5
    assert ["0.200s", "0.400s", "0.800s", "1.600s", "3.200s"][: len(lengths)] == lengths
    assert len(lengths) == client._core.gate.streak
    for (_, until, _), (began, _, _) in itertools.pairwise(pauses.seen):
        assert until <= began  # each pause began after the one before ended
    assert all(t < pauses.seen[0][1] for t, _ in starts.times[:4])


@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        (Fault.http(429, retry_after=3600), RateLimitError),
        (Fault.http(503, retry_after=7200), InternalServerError),
    ],
)
async def test_a_retry_after_past_the_cap_fails_every_call_at_once(
    fake: FakeTavus, client: TavusClient, fault: Fault, cls: type[Exception]
) -> None:
    """Tavus asked for an hour: no call of the client or its views waits or sends."""
    fake.inject(fault, path=REPLICAS)
    replica_id = fake.add_replica(replica_name="R")
    with pytest.raises(cls) as info:
        await client.replicas.list()
    assert info.value.retry_after > 3000  # type: ignore[attr-defined]

    outcomes = await asyncio.gather(
        *(client.voices.list() for _ in range(10)),
        client.with_options(max_retries=5).replicas.get(replica_id),
        client.replicas.delete(replica_id),
        return_exceptions=True,
    )

    assert all(isinstance(o, cls) for o in outcomes), outcomes
    for error in outcomes:
        assert 60 < error.retry_after <= info.value.retry_after  # type: ignore[union-attr]
        assert "not sent" in error.message  # type: ignore[union-attr]
        assert not error.may_have_succeeded  # type: ignore[union-attr]
    assert 1 == len(fake.requests)
    assert replica_id == fake.replica(replica_id)["replica_id"]  # not deleted


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
    fake.inject(Fault.http(429, retry_after_ms=200), path=REPLICAS)
    with pytest.raises(RateLimitError):
        await client.with_options(max_retries=0).replicas.list()

    blocked = asyncio.create_task(client.voices.list())
    await asyncio.sleep(0)  # it reaches the gate and sleeps there
    assert blocked in client._core._waiting
    blocked.cancel()
    await client.voices.list()

    assert blocked.cancelled()
    assert ["/v2/replicas", "/v2/voices"] == [r.path for r in fake.requests]
    assert fake.requests[1].at - fake.requests[0].at >= 0.2


async def test_streak_and_outcomes_through_the_client(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A 429 to a request sent after a pause is the next step; a drop is no outcome."""
    gate = client._core.gate
    fake.inject(Fault.http(429), times=2, path=REPLICAS)
    with pytest.raises(RateLimitError):
        await client.with_options(max_retries=1).replicas.list()
    paused_until = gate.paused_until
    assert 2 == gate.streak
    assert paused_until is not None

    fake.inject(Fault.drop(), path="/v2/voices")
    with pytest.raises(APIConnectionError):
        await client.with_options(max_retries=0).voices.list()
    assert (2, paused_until) == (gate.streak, gate.paused_until)

    await client.voices.list()
    assert 0 == gate.streak


@pytest.mark.parametrize(("testing", "calls"), [(True, 10), (False, 5)])
async def test_budget_spaces_requests(
    fake: FakeTavus, testing: bool, calls: int
) -> None:
    """Concurrent calls through a client and its views: the k-th leaves k/rps on."""
    set_testing(testing)
    loop = asyncio.get_running_loop()
    starts = Starts()
    async with (
        create_session(trace_configs=[starts.trace_config()]) as session,
        TavusClient(
            api_key=fake.api_key,
            base_url=fake.url,
            session=session,
            requests_per_second=20,
        ) as client,
    ):
        views = [client, client.with_options(timeout=5), client.with_options()]
        began = loop.time()
        await asyncio.gather(*(views[i % 3].voices.list() for i in range(calls)))

    left = sorted(t for t, _ in starts.times)
    assert calls == len(left) == len(fake.requests)
    assert all(t >= began + k * 0.05 - 1e-9 for k, t in enumerate(left))


async def test_testing_mode_logs_the_pause_but_does_not_sleep(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A 30 s pause in testing mode: logged, recorded, and the call goes on."""
    caplog.set_level(logging.INFO, logger="tavus_async")
    loop = asyncio.get_running_loop()
    replica_id = fake.add_replica(replica_name="R")
    fake.inject(Fault.http(429, retry_after=30), path=f"{REPLICAS}/{replica_id}")
    began = loop.time()

    await client.replicas.get(replica_id)
    await client.voices.list()

    assert loop.time() - began < 30.0
    assert "pausing every request of this client for 30.000s" in caplog.text
    assert client._core.gate.paused_until is not None
