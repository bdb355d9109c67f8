"""A client belongs to the event loop it first ran in; any other gets a clear error.

A module-level client used by two ``asyncio.run()`` calls (or by tests that
each get a loop of their own) used to fail with aiohttp's raw ``RuntimeError:
Event loop is closed``. The fake runs in a thread of its own here, so that it
outlives the loops the client is tried in.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from tavus_async import ClientStateError, TavusClient, create_session
from tests._threaded_fake import ThreadedFake


@pytest.fixture
def threaded() -> Iterator[ThreadedFake]:
    threaded = ThreadedFake()
    try:
        yield threaded
    finally:
        threaded.close()


# A connection pooled in a loop that asyncio.run() has closed can be closed by
# no one (aiohttp's close from another loop cannot reach it): its socket is
# reported when collected, which these tests do before they end. That is the
# situation of the user these tests stand for.
_LEFT_IN_A_CLOSED_LOOP = pytest.mark.filterwarnings(
    "ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"
)


async def _count_replicas(client: TavusClient) -> int:
    return (await client.replicas.list()).total_count


@_LEFT_IN_A_CLOSED_LOOP
def test_a_second_asyncio_run_gets_a_client_state_error(
    threaded: ThreadedFake,
) -> None:
    """The second loop is refused before anything is sent, saying what to do."""
    fake = threaded.fake
    threaded.call(lambda: fake.add_replica(status="completed"))
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)

    assert 1 == asyncio.run(_count_replicas(client))
    with pytest.raises(ClientStateError) as info:
        asyncio.run(_count_replicas(client))
    asyncio.run(client.aclose())
    message = str(info.value)
    del client, info
    gc.collect()

    assert "another event loop, which is now closed" in message
    assert "asyncio.run()" in message
    assert "pytest fixture" in message
    assert 1 == threaded.call(lambda: fake.count("GET", "/v2/replicas"))


@_LEFT_IN_A_CLOSED_LOOP
def test_entering_the_client_in_a_second_loop_is_refused(
    threaded: ThreadedFake,
) -> None:
    """`async with` in another loop fails like a call does."""
    fake = threaded.fake
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)
    asyncio.run(_count_replicas(client))

    async def enter(client: TavusClient) -> None:
        async with client:
            pass

    with pytest.raises(ClientStateError, match="another event loop"):
        asyncio.run(enter(client))
    asyncio.run(client.aclose())
    del client
    gc.collect()


def test_a_loop_running_in_another_thread_is_refused(
    threaded: ThreadedFake,
) -> None:
    """A client first used in a loop that still runs is not shared with another."""
    fake = threaded.fake
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)
    owner = asyncio.new_event_loop()
    thread = threading.Thread(target=owner.run_forever, daemon=True)
    thread.start()
    try:
        first: Future[int] = asyncio.run_coroutine_threadsafe(
            _count_replicas(client), owner
        )
        assert 0 == first.result(timeout=30)
        with pytest.raises(ClientStateError) as info:
            asyncio.run(_count_replicas(client))
        assert "now closed" not in str(info.value)
        asyncio.run_coroutine_threadsafe(client.aclose(), owner).result(timeout=30)
    finally:
        owner.call_soon_threadsafe(owner.stop)
        thread.join(timeout=30)
        owner.close()


def test_a_client_built_outside_any_loop_binds_to_its_first(
    threaded: ThreadedFake,
) -> None:
    """Building a client needs no loop; the loop that first uses it owns it."""
    fake = threaded.fake
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)

    async def use_and_close() -> int:
        async with client:
            return await _count_replicas(client)

    assert 0 == asyncio.run(use_and_close())


def test_a_session_of_your_own_binds_the_client_to_its_loop(
    threaded: ThreadedFake,
) -> None:
    """With `session=`, the session's loop is the client's from the start."""

    async def make() -> tuple[TavusClient, object]:
        session = create_session()
        return TavusClient(
            api_key=threaded.fake.api_key, base_url=threaded.fake.url, session=session
        ), session

    loop = asyncio.new_event_loop()
    try:
        client, session = loop.run_until_complete(make())
        with pytest.raises(ClientStateError, match="another event loop"):
            asyncio.run(_count_replicas(client))
        assert 0 == loop.run_until_complete(_count_replicas(client))
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(session.close())  # type: ignore[attr-defined]
    finally:
        loop.close()
    assert 1 == threaded.call(lambda: threaded.fake.count("GET", "/v2/replicas"))
