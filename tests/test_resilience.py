"""Retries and failure handling with faults injected into FakeTavus on purpose."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tavus_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    CreateConversationRequest,
    CreateReplicaRequest,
    DecodeError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    TavusClient,
    TavusError,
    Timeout,
)
from tavus_async.testing import FakeTavus, Fault, capture_retries, set_testing


CREATE = CreateReplicaRequest(train_video_url="https://cdn.example.com/v.mp4")
REPLICAS = "/v2/replicas"


async def test_get_is_retried_through_503s(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Two 503s then success: three requests, two jittered waits within the ceilings."""
    fake.inject(Fault.http(503), times=2, method="GET", path=REPLICAS)

    with capture_retries() as retries:
        page = await client.replicas.list()

    assert 0 == page.total_count
    assert 3 == fake.count("GET", REPLICAS)
    assert [1, 2] == [r.attempt for r in retries]
    assert all(0 <= r.delay <= c for r, c in zip(retries, [0.5, 1.0], strict=True))
    assert all(isinstance(r.error, InternalServerError) for r in retries)


@pytest.mark.parametrize(
    ("fault", "delay"),
    [
        (Fault.http(429, retry_after=2), 2.0),
        (Fault.http(429, retry_after="0.25"), 0.25),
        (Fault.http(503, retry_after_ms=1500), 1.5),
    ],
)
async def test_retry_after_is_honored(
    fake: FakeTavus, client: TavusClient, fault: Fault, delay: float
) -> None:
    """The wait is exactly what the server asked for."""
    fake.inject(fault, path=REPLICAS)

    with capture_retries() as retries:
        await client.replicas.list()

    assert [delay] == [r.delay for r in retries]


async def test_retry_after_http_date(fake: FakeTavus, client: TavusClient) -> None:
    """An HTTP-date Retry-After in the past means retry at once."""
    fake.inject(
        Fault.http(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), path=REPLICAS
    )

    with capture_retries() as retries:
        await client.replicas.list()

    assert [0.0] == [r.delay for r in retries]


async def test_too_long_retry_after_is_raised(fake: FakeTavus) -> None:
    """A wait past max_retry_after is not slept through: RateLimitError at once."""
    fake.inject(Fault.http(429, retry_after=600), path=REPLICAS)
    policy = RetryPolicy(max_retry_after=30)

    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, retry_policy=policy
    ) as client:
        with pytest.raises(RateLimitError) as info:
            await client.replicas.list()

    assert 600 == info.value.retry_after
    assert 1 == fake.count()


async def test_retries_are_bounded(fake: FakeTavus, client: TavusClient) -> None:
    """max_retries=2 means three attempts, then the last error."""
    fake.inject(Fault.http(502), times=10, path=REPLICAS)

    with pytest.raises(InternalServerError) as info:
        await client.replicas.list()

    assert 502 == info.value.status_code
    assert 3 == fake.count()


async def test_per_call_retries(fake: FakeTavus, client: TavusClient) -> None:
    """with_options(max_retries=0) makes one attempt for that call only."""
    fake.inject(Fault.http(503), times=2, path=REPLICAS)

    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=0).replicas.list()
    await client.replicas.list()

    assert 3 == fake.count()


async def test_dropped_connections_on_get_are_retried(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Connections dropped without an answer are retried for a read.

    aiohttp would resend a GET once by itself when its connection drops; the
    client's own session turns that off, so each drop is one of our retries.
    """
    fake.inject(Fault.drop(), times=2, path=REPLICAS)

    with capture_retries() as retries:
        await client.replicas.list()

    assert 2 == len(retries)
    assert all(isinstance(r.error, APIConnectionError) for r in retries)
    assert all(r.error.request_sent for r in retries)  # type: ignore[attr-defined]
    assert 3 == fake.count()


async def test_slow_get_times_out_then_succeeds(fake: FakeTavus) -> None:
    """A read timeout on a GET is retried; the next attempt answers."""
    fake.inject(Fault.slow(2.0), path=REPLICAS)

    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, timeout=Timeout(total=5, read=0.2)
    ) as client:
        with capture_retries() as retries:
            await client.replicas.list()

    assert [APITimeoutError] == [type(r.error) for r in retries]


@pytest.mark.parametrize(
    ("fault", "retried"),
    [
        (Fault.http(429, retry_after=0), True),
        (Fault.http(503), True),
        (Fault.http(500, after=True), False),
        (Fault.http(502, after=True), False),
        (Fault.http(504, after=True), False),
        (Fault.drop(after=True), False),
    ],
)
async def test_create_retry_rule(
    fake: FakeTavus, client: TavusClient, fault: Fault, retried: bool
) -> None:
    """A create is retried only when Tavus surely did not act; never created twice."""
    fake.inject(fault, method="POST", path=REPLICAS)

    if retried:
        await client.replicas.create(CREATE)
    else:
        with pytest.raises(TavusError) as info:
            await client.replicas.create(CREATE)
        assert info.value.may_have_succeeded  # type: ignore[attr-defined]
        assert "billed twice" in info.value.__notes__[0]

    assert (2 if retried else 1) == fake.count("POST", REPLICAS)
    assert 1 == (await client.replicas.list()).total_count


async def test_create_read_timeout_is_not_retried(fake: FakeTavus) -> None:
    """A create that times out reading the answer is raised, marked, sent once."""
    fake.inject(Fault.slow(2.0), method="POST", path=REPLICAS)

    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, timeout=Timeout(total=5, read=0.2)
    ) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.replicas.create(CREATE)

    assert info.value.may_have_succeeded
    assert isinstance(info.value, TimeoutError)
    assert 1 == fake.count("POST", REPLICAS)


async def test_garbage_success_body_is_a_decode_error(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A 200 that is not JSON raises DecodeError; on a create it may have happened."""
    fake.inject(Fault.garbage(), method="GET", path=REPLICAS)
    fake.inject(Fault.garbage(after=True), method="POST", path=REPLICAS)

    with pytest.raises(DecodeError) as listed:
        await client.replicas.list()
    with pytest.raises(DecodeError) as created:
        await client.replicas.create(CREATE)

    assert not listed.value.may_have_succeeded
    assert created.value.may_have_succeeded
    assert b"<html>" in created.value.body


async def test_html_error_page_is_read(fake: FakeTavus, client: TavusClient) -> None:
    """A proxy's HTML 502 becomes an InternalServerError with its text."""
    fake.inject(
        Fault.garbage(status=502, body=b"<html>Bad Gateway</html>"),
        times=3,
        path=REPLICAS,
    )

    with pytest.raises(InternalServerError) as info:
        await client.replicas.list()

    assert "<html>Bad Gateway</html>" == info.value.message


async def test_end_conversation_is_retried(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Ending a conversation is safe to repeat, so a 502 is retried."""
    replica_id = fake.add_replica()
    conversation = await client.conversations.create(
        CreateConversationRequest(replica_id=replica_id)
    )
    fake.inject(Fault.http(502), method="POST", path="/v2/conversations/*/end")

    await client.conversations.end(conversation.conversation_id)

    assert 2 == fake.count("POST", "/v2/conversations/*/end")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connection(fake: FakeTavus) -> None:
    """Nobody listening: retried, then APIConnectionError with request_sent False."""
    async with TavusClient(
        api_key="k", base_url=f"http://127.0.0.1:{free_port()}", max_retries=3
    ) as client:
        with capture_retries() as retries, pytest.raises(APIConnectionError) as info:
            await client.replicas.create(CREATE)

    assert 3 == len(retries)
    assert not info.value.request_sent
    assert not info.value.may_have_succeeded
    assert isinstance(info.value, ConnectionError)
    assert info.value.__cause__ is not None


async def test_faults_at_a_rate_are_absorbed(fake: FakeTavus) -> None:
    """With faults on a third of requests and enough retries, every read succeeds."""
    for i in range(5):
        fake.add_replica(replica_name=f"S{i}")
    fake.inject_rate(Fault.http(503), 0.2, method="GET")
    fake.inject_rate(Fault.drop(), 0.1, method="GET")

    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, max_retries=10
    ) as client:
        pages = [await client.replicas.list(replica_type="system") for _ in range(40)]

    assert all(5 == page.total_count for page in pages)
    assert fake.count() > 40


async def until_requested(fake: FakeTavus) -> None:
    while not fake.count():  # noqa: ASYNC110 - the fake's log has no event to wait on
        await asyncio.sleep(0.005)


def client_tasks(tasks: set[asyncio.Task[object]]) -> list[asyncio.Task[object]]:
    """Tasks left over on the client side (the fake's own handlers excluded)."""
    return [
        t
        for t in tasks
        if "aiohttp/web" not in t.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    ]


async def test_cancelling_a_request_leaves_nothing_behind(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A cancelled call raises CancelledError, leaks no task, and the client goes on."""
    fake.inject(Fault.slow(5.0), path=REPLICAS)
    before = asyncio.all_tasks()
    task = asyncio.create_task(client.replicas.list())
    await until_requested(fake)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert [] == client_tasks(asyncio.all_tasks() - before)
    assert 0 == (await client.replicas.list()).total_count


async def test_cancelling_during_a_retry_wait(fake: FakeTavus) -> None:
    """Cancellation during the backoff sleep is not swallowed or retried."""
    set_testing(False)
    fake.inject(Fault.http(503, retry_after=30), path=REPLICAS)
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        task = asyncio.create_task(client.replicas.list())
        await until_requested(fake)
        await asyncio.sleep(0.05)

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert 1 == fake.count()


@pytest.mark.parametrize(
    "fault", [Fault.http(502, after=True), Fault.drop(after=True)], ids=["502", "drop"]
)
async def test_a_delete_that_acted_behind_a_failure_succeeds(
    fake: FakeTavus, client: TavusClient, fault: Fault
) -> None:
    """The first DELETE acts, its answer is lost; the retry's 400 means done."""
    replica_id = fake.add_replica(replica_name="R")
    conversation = await client.conversations.create(
        CreateConversationRequest(replica_id=replica_id)
    )
    conversation_path = f"/v2/conversations/{conversation.conversation_id}"
    fake.inject(fault, method="DELETE", path=f"{REPLICAS}/{replica_id}")
    fake.inject(fault, method="DELETE", path=conversation_path)

    with capture_retries() as retries:
        await client.conversations.delete(conversation.conversation_id)
        await client.replicas.delete(replica_id)

    assert 2 == len(retries)
    assert 2 == fake.count("DELETE", f"{REPLICAS}/{replica_id}")
    assert 2 == fake.count("DELETE", conversation_path)
    assert [400, 400] == [r.status for r in fake.requests if r.fault is None][-2:]
    with pytest.raises(BadRequestError):
        await client.replicas.get(replica_id)


async def test_a_rename_that_acted_behind_a_failure_is_repeated(
    fake: FakeTavus, client: TavusClient
) -> None:
    replica_id = fake.add_replica(replica_name="R")
    fake.inject(Fault.drop(after=True), method="PATCH")

    await client.replicas.rename(replica_id, "S")

    assert "S" == fake.replica(replica_id)["replica_name"]
    assert 2 == fake.count("PATCH")


async def test_a_failed_delete_that_may_have_acted_says_so(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Every attempt fails, the first after acting: the error says it may be done."""
    replica_id = fake.add_replica(replica_name="R")
    fake.inject(Fault.http(502, after=True), method="DELETE")
    fake.inject(Fault.http(502), times=2, method="DELETE")

    with pytest.raises(InternalServerError) as info:
        await client.replicas.delete(replica_id)

    assert info.value.may_have_succeeded
    assert "earlier attempt" in info.value.__notes__[0]


async def test_a_delete_of_an_unknown_id_is_still_an_error(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Without an earlier attempt that may have acted, 400 is the answer."""
    fake.inject(Fault.http(503), method="DELETE")  # Tavus surely did not act

    with pytest.raises(BadRequestError) as info:
        await client.replicas.delete("r0000000000")

    assert not info.value.may_have_succeeded
    assert 2 == fake.count("DELETE")
