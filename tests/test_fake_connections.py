"""FakeTavus: `Fault.truncate` (a connection cut mid-body) and `open_connections`."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tavus_async import APIConnectionError, CreateReplicaRequest, TavusClient
from tavus_async.testing import FakeTavus, Fault
from tests._leaks import settled_connections
from tests.test_cancellation_webhooks import refused


async def test_truncate_sends_half_the_body_then_closes(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """The status and headers arrive, then the body stops short of its length."""
    fake.inject(Fault.truncate(), path="/v2/voices")
    async with http.get("/v2/voices") as answer:
        assert 200 == answer.status
        assert answer.content_length is not None
        with pytest.raises(aiohttp.ClientPayloadError):
            await answer.read()
    assert [("truncate", None)] == [(r.fault, r.status) for r in fake.requests]


async def test_truncate_processes_the_request(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A create cut mid-answer happened: the error says it may have succeeded."""
    fake.inject(Fault.truncate(), method="POST", path="/v2/replicas")
    request = CreateReplicaRequest(
        replica_name="cut", train_video_url="https://example.com/cut.mp4"
    )
    with pytest.raises(APIConnectionError) as caught:
        await client.replicas.create(request)
    assert caught.value.may_have_succeeded
    assert ["cut"] == [r.replica_name async for r in client.replicas.iter_all()]


async def test_a_get_cut_mid_answer_is_retried(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A retry-safe call cut mid-body is sent again and succeeds."""
    fake.inject(Fault.truncate(), path="/v2/voices")
    page = await client.voices.list()
    assert page.data
    assert 2 == fake.count("GET", "/v2/voices")


async def test_truncate_pause_holds_the_body_until_the_fake_closes() -> None:
    """A long pause ends, with the connection closed, when the fake closes."""
    async with FakeTavus() as fake:
        fake.inject(Fault.truncate(pause=60), path="/v2/voices")
        async with (
            aiohttp.ClientSession(
                fake.url, headers={"x-api-key": fake.api_key}
            ) as http,
            http.get("/v2/voices") as answer,
        ):
            reading = asyncio.create_task(answer.read())
            await asyncio.sleep(0.05)
            assert not reading.done()
            await fake.close()
            with pytest.raises(aiohttp.ClientPayloadError):
                await asyncio.wait_for(reading, 5)


async def test_open_connections_counts_and_forgets_connections(
    fake: FakeTavus,
) -> None:
    """Each open keep-alive connection counts once; closing the client frees them."""
    assert 0 == fake.open_connections
    connector = aiohttp.TCPConnector(limit=3)
    async with aiohttp.ClientSession(
        fake.url, headers={"x-api-key": fake.api_key}, connector=connector
    ) as http:
        fake.inject(Fault.slow(0.2), times=3, path="/v2/voices")

        async def one() -> None:
            async with http.get("/v2/voices") as answer:
                await answer.read()

        await asyncio.gather(one(), one(), one())
        assert 3 == fake.open_connections
    assert 0 == await settled_connections(fake)


async def test_open_connections_is_zero_when_stopped() -> None:
    """A fake that is not running has no connections."""
    fake = FakeTavus()
    assert 0 == fake.open_connections


async def test_a_cancelled_close_still_closes() -> None:
    """close() cancelled at any step still stops serving; close() again waits."""
    for steps in range(8):
        fake = FakeTavus()
        await fake.start()
        port = int(fake.url.rsplit(":", 1)[1])
        closing = asyncio.create_task(fake.close())
        for _ in range(steps):
            await asyncio.sleep(0)
        closing.cancel()
        await asyncio.gather(closing, return_exceptions=True)
        await fake.close()
        assert await refused(port), f"still listening after {steps} steps"
