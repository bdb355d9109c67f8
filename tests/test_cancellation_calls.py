"""Cancelling every public coroutine of ``TavusClient`` at seeded random points.

Each call is cancelled before its first step, before the server answers
(``Fault.slow``), while it reads a body the server stops sending halfway
(``Fault.truncate``), in a retry wait and at the 429 gate. After every
cancellation: no task is left, the fake saw what it should (a create is never
sent twice), the same client still answers its next call on a sound
connection, and after ``aclose()`` nothing stays open (:mod:`tests._leaks`).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
)
from fnmatch import fnmatchcase
from typing import Any

import attrs
import pytest

from tavus_async import (
    APIConnectionError,
    ClientStateError,
    CreateConversationRequest,
    CreateReplicaRequest,
    Replica,
    TavusClient,
)
from tavus_async.testing import FakeTavus, Fault, capture_retries, set_testing
from tests._leaks import (
    CHECK_LIMIT,
    STOCK_VOICES,
    assert_no_new_tasks,
    assert_still_works,
    no_leaks,
    settled_connections,
)


ITERATIONS = 12
WINDOW = 0.05  # cancel delays are drawn from 0 to this many seconds
HELD = 30.0  # a truncate pause or Retry-After no test may wait out
BOUND = 5.0  # seconds within which a call must end once it is cancelled or closed

Call = Callable[[], Coroutine[Any, Any, object]]


async def collect(items: AsyncIterator[Any]) -> list[Any]:
    """Every item of an async iterator."""
    return [item async for item in items]


@attrs.frozen
class Case:
    """A public coroutine, the requests it sends, and how to set one call up.

    Attributes:
        method: Its HTTP method.
        path: A glob of the paths it requests.
        prepare: Seeds what the call needs (through the fake's controls or
            the client, before any fault is armed) and returns the call.
        body: Whether the answer has a body to cut in half (``truncate``).
        pages: How many requests one call sends (``iter_all``).
    """

    method: str
    path: str
    prepare: Callable[[TavusClient, FakeTavus, int], Awaitable[Call]]
    body: bool = True
    pages: int = 1


async def _create_replica(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    request = CreateReplicaRequest(
        replica_name=f"cancel-{n}", train_video_url=f"https://example.com/{n}.mp4"
    )
    return lambda: client.replicas.create(request)


async def _get_replica(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    replica_id = fake.add_replica(replica_name=f"stock-{n}")
    return lambda: client.replicas.get(replica_id)


async def _list_replicas(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    fake.add_replica(replica_name=f"stock-{n}")
    return lambda: client.replicas.list()


async def _rename_replica(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    replica_id = fake.add_replica(replica_name=f"stock-{n}")
    return lambda: client.replicas.rename(replica_id, f"renamed-{n}")


async def _delete_replica(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    replica_id = fake.add_replica(replica_name=f"stock-{n}")
    return lambda: client.replicas.delete(replica_id)


async def _iter_replicas(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    if n == 0:
        for k in range(5):
            fake.add_replica(replica_name=f"stock-{k}")
    return lambda: collect(client.replicas.iter_all(limit=2))


async def _conversation(client: TavusClient, fake: FakeTavus, n: int) -> str:
    replica_id = fake.add_replica(replica_name=f"stock-{n}")
    request = CreateConversationRequest(replica_id=replica_id)
    return (await client.conversations.create(request)).conversation_id


async def _create_conversation(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    request = CreateConversationRequest(replica_id=fake.add_replica())
    return lambda: client.conversations.create(request)


async def _get_conversation(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    conversation_id = await _conversation(client, fake, n)
    return lambda: client.conversations.get(conversation_id)


async def _list_conversations(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    await _conversation(client, fake, n)
    return lambda: client.conversations.list()


async def _iter_conversations(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    if n == 0:
        for k in range(5):
            await _conversation(client, fake, k)
    return lambda: collect(client.conversations.iter_all(limit=2))


async def _end_conversation(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    conversation_id = await _conversation(client, fake, n)
    return lambda: client.conversations.end(conversation_id)


async def _delete_conversation(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    conversation_id = await _conversation(client, fake, n)
    return lambda: client.conversations.delete(conversation_id)


async def _list_voices(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    return lambda: client.voices.list()


async def _iter_voices(client: TavusClient, fake: FakeTavus, n: int) -> Call:
    return lambda: collect(client.voices.iter_all(limit=2))


CASES = {
    "replicas.create": Case("POST", "/v2/replicas", _create_replica),
    "replicas.get": Case("GET", "/v2/replicas/*", _get_replica),
    "replicas.list": Case("GET", "/v2/replicas", _list_replicas),
    "replicas.rename": Case("PATCH", "/v2/replicas/*/name", _rename_replica),
    # an empty answer cannot be cut in half: only slow faults for deletes
    "replicas.delete": Case("DELETE", "/v2/replicas/*", _delete_replica, body=False),
    "replicas.iter_all": Case("GET", "/v2/replicas", _iter_replicas, pages=3),
    "conversations.create": Case("POST", "/v2/conversations", _create_conversation),
    "conversations.get": Case("GET", "/v2/conversations/*", _get_conversation),
    "conversations.list": Case("GET", "/v2/conversations", _list_conversations),
    "conversations.iter_all": Case(
        "GET", "/v2/conversations", _iter_conversations, pages=3
    ),
    "conversations.end": Case("POST", "/v2/conversations/*/end", _end_conversation),
    "conversations.delete": Case(
        "DELETE", "/v2/conversations/*", _delete_conversation, body=False
    ),
    "voices.list": Case("GET", "/v2/voices", _list_voices),
    "voices.iter_all": Case("GET", "/v2/voices", _iter_voices, pages=3),
}


def sent(fake: FakeTavus, case: Case) -> int:
    """How many of ``case``'s requests the fake has logged (not the checks')."""
    return sum(
        r.method == case.method
        and fnmatchcase(r.path, case.path)
        and r.query.get("limit") != str(CHECK_LIMIT)
        for r in fake.requests
    )


async def check_after_cancel(
    client: TavusClient, fake: FakeTavus, before: set[asyncio.Task[Any]]
) -> None:
    """No task left; the client answers right; the pool kept one connection at most."""
    await assert_no_new_tasks(before)
    await assert_still_works(client, fake)
    assert 1 >= await settled_connections(fake, at_most=1)


@pytest.mark.parametrize("name", list(CASES))
async def test_cancelled_at_random_points(fake: FakeTavus, name: str) -> None:
    """Cancelled before its first step, before the answer or mid-body: no leak."""
    case, rng = CASES[name], random.Random(name)
    where: Counter[str] = Counter()
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        for n in range(ITERATIONS):
            call = await case.prepare(client, fake, n)
            if n % 2 and case.body:
                fault = Fault.truncate(pause=HELD)
            else:
                fault = Fault.slow(rng.uniform(0, WINDOW))
            fake.inject(fault, times=case.pages, method=case.method, path=case.path)
            before, count = asyncio.all_tasks(), sent(fake, case)
            task = asyncio.create_task(call())
            if n:
                await asyncio.sleep(rng.uniform(0, WINDOW))
            task.cancel()
            outcome = "cancelled"
            try:
                await task
            except asyncio.CancelledError:
                pass
            else:
                outcome = "completed"
            await check_after_cancel(client, fake, before)
            # counted after the check: a request sent just before the cancel
            # may reach the fake's log a moment later
            reached = sent(fake, case) > count
            assert n or not reached  # cancelled before its first step
            where[f"{outcome}, {'sent' if reached else 'unsent'}"] += 1
    assert 1 <= where["cancelled, unsent"]
    assert 1 <= where["cancelled, sent"], where
    assert 0 == where["completed, unsent"]


async def test_a_cancelled_create_is_never_sent_twice(fake: FakeTavus) -> None:
    """Creates cancelled at random points: one POST per name, one replica per POST."""
    rng = random.Random(7)
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        for n in range(ITERATIONS):
            fault = Fault.truncate(pause=HELD) if n % 2 else Fault.slow(0.02)
            fake.inject(fault, method="POST", path="/v2/replicas")
            call = await _create_replica(client, fake, n)
            task = asyncio.create_task(call())
            await asyncio.sleep(rng.uniform(0, WINDOW))
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        fake.clear_faults()
        async with asyncio.timeout(BOUND):  # slow POSTs the client left still land
            while any(r.fault == "slow" and r.status is None for r in fake.requests):  # noqa: ASYNC110 - the fake's log has no event
                await asyncio.sleep(0.005)
        posts = Counter(
            r.json["replica_name"] for r in fake.requests if r.method == "POST"
        )
        names = Counter([str(r.replica_name) async for r in client.replicas.iter_all()])
    assert posts == names
    assert {1} == set(posts.values())


async def test_cancelled_while_paused_at_the_429_gate(fake: FakeTavus) -> None:
    """Calls paused by a 429, and the one waiting to retry, cancelled: none is sent."""
    set_testing(False)
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        fake.inject(Fault.http(429, retry_after=HELD), path="/v2/voices")
        limited = asyncio.create_task(client.voices.list())
        with capture_retries() as retries:  # in its retry wait: the gate is paused
            while not retries:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.005)
        before = asyncio.all_tasks()
        waiting = [
            asyncio.create_task(client.replicas.list()),
            asyncio.create_task(client.voices.list()),
            asyncio.create_task(client.conversations.list()),
        ]
        await asyncio.sleep(0.02)
        for task in (*waiting, limited):
            task.cancel()
        results = await asyncio.gather(*waiting, limited, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert [("/v2/voices", 429)] == [(r.path, r.status) for r in fake.requests]
        await assert_no_new_tasks(before - {limited})
        set_testing(True)  # the pause stays recorded; testing mode does not honour it
        await assert_still_works(client, fake)


async def test_cancelled_while_waiting_for_a_budget_slot(fake: FakeTavus) -> None:
    """Under requests_per_second, cancelled waiters send nothing; the rest answer."""
    rng = random.Random(3)
    async with (
        no_leaks(fake),
        TavusClient(
            api_key=fake.api_key, base_url=fake.url, requests_per_second=50
        ) as client,
    ):
        for _ in range(4):
            before, count = asyncio.all_tasks(), len(fake.requests)
            tasks = [asyncio.create_task(client.voices.list()) for _ in range(8)]
            await asyncio.sleep(rng.uniform(0, 0.1))
            cancelled = rng.sample(tasks, 4)
            for task in cancelled:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            answered = [r for r in results if not isinstance(r, BaseException)]
            assert all(
                STOCK_VOICES == sorted(v.voice_name for v in page.data)
                for page in answered
            )
            assert all(
                isinstance(r, asyncio.CancelledError)
                for r in results
                if r not in answered
            )
            assert len(answered) == len(fake.requests) - count
            assert len(answered) >= 4
            await check_after_cancel(client, fake, before)


@pytest.mark.parametrize("status", [429, 503])
async def test_cancelled_during_a_retry_wait(fake: FakeTavus, status: int) -> None:
    """A call cancelled while it waits to retry is not retried and leaks nothing."""
    set_testing(False)
    rng = random.Random(status)
    async with no_leaks(fake):
        for _ in range(3):  # a client each: the Retry-After pauses the client's gate
            async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
                fake.inject(Fault.http(status, retry_after=HELD), path="/v2/replicas")
                before, count = asyncio.all_tasks(), len(fake.requests)
                task = asyncio.create_task(client.replicas.list())
                while len(fake.requests) == count:  # noqa: ASYNC110 - the fake's log has no event
                    await asyncio.sleep(0.005)
                await asyncio.sleep(rng.uniform(0, WINDOW))
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert 1 == len(fake.requests) - count
                set_testing(True)  # the pause stays; testing mode does not honour it
                await check_after_cancel(client, fake, before)
                set_testing(False)


async def handle_slowly(replicas: AsyncIterator[Replica], into: list[str]) -> None:
    """Take each replica with a pause, as a consumer doing work per item would."""
    async for replica in replicas:
        into.append(replica.replica_id)
        await asyncio.sleep(0.005)  # mid-page: iter_all waits at its yield


async def test_iter_all_cancelled_between_pages_and_mid_page(fake: FakeTavus) -> None:
    """A consumer cancelled while a page loads or while it handles an item: no leak."""
    rng, where = random.Random(11), Counter[str]()
    for k in range(7):
        fake.add_replica(replica_name=f"stock-{k}")
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        for _ in range(ITERATIONS):
            fake.inject(Fault.slow(0.01), times=4, method="GET", path="/v2/replicas")
            seen: list[str] = []
            before, count = asyncio.all_tasks(), len(fake.requests)
            items = client.replicas.iter_all(limit=2)
            task = asyncio.create_task(handle_slowly(items, seen))
            await asyncio.sleep(rng.uniform(0.001, 0.08))
            loading = any(r.status is None for r in fake.requests[count:])
            where["between pages" if loading else "mid-page"] += 1
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await check_after_cancel(client, fake, before)
            pages = len(fake.requests) - count - 1  # the check sent one
            assert len(seen) <= 2 * pages  # never an item of a page not fetched
    assert where["between pages"], where
    assert where["mid-page"], where


async def test_aclose_of_a_partly_consumed_iterator(fake: FakeTavus) -> None:
    """Closing iter_all after its first item sends no further page and leaks nothing."""
    for k in range(5):
        fake.add_replica(replica_name=f"stock-{k}")
    async with (
        no_leaks(fake),
        TavusClient(api_key=fake.api_key, base_url=fake.url) as client,
    ):
        for n in range(2):
            await _conversation(client, fake, n)
        before = asyncio.all_tasks()
        for iterator in (
            client.replicas.iter_all(limit=2),
            client.voices.iter_all(limit=2),
            client.conversations.iter_all(limit=1),
        ):
            assert isinstance(iterator, AsyncGenerator)  # typed AsyncIterator: closable
            count = len(fake.requests)
            assert await anext(iterator)
            await iterator.aclose()
            assert 1 == len(fake.requests) - count
            with pytest.raises(StopAsyncIteration):
                await anext(iterator)
        await check_after_cancel(client, fake, before)


async def test_aclose_ends_every_call_in_flight(fake: FakeTavus) -> None:
    """aclose() at once ends calls sending, reading, retrying, paused, mid-iteration."""
    set_testing(False)
    for k in range(3):
        fake.add_replica(replica_name=f"stock-{k}")
    replica_id = fake.add_replica()
    between_pages = asyncio.Event()
    closed = asyncio.Event()

    async def page_by_page() -> None:
        async for _ in client.replicas.iter_all(limit=2):
            between_pages.set()
            await closed.wait()

    async with no_leaks(fake):
        client = TavusClient(api_key=fake.api_key, base_url=fake.url)
        iterating = asyncio.create_task(page_by_page())
        await between_pages.wait()
        fake.inject(Fault.slow(HELD), path="/v2/replicas/*")
        fake.inject(Fault.truncate(pause=HELD), path="/v2/conversations")
        fake.inject(Fault.truncate(pause=HELD), method="POST", path="/v2/replicas")
        fake.inject(Fault.http(503, retry_after=HELD), path="/v2/voices")
        request = CreateReplicaRequest(
            replica_name="cut", train_video_url="https://example.com/cut.mp4"
        )
        calls = [
            asyncio.create_task(client.replicas.get(replica_id)),  # awaits the answer
            asyncio.create_task(client.conversations.list()),  # reads half a body
            asyncio.create_task(client.voices.list()),  # waits to retry
        ]
        creating = asyncio.create_task(client.replicas.create(request))
        with capture_retries() as retries:  # the 503's retry wait: the gate is paused
            while not retries or len(fake.requests) < 5:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.005)
        paused = asyncio.create_task(client.conversations.list())
        await asyncio.sleep(0.02)
        async with asyncio.timeout(BOUND):  # every wait above lasts HELD seconds
            await client.aclose()
            closed.set()
            results = await asyncio.gather(
                *calls, paused, iterating, return_exceptions=True
            )
            with pytest.raises(APIConnectionError) as cut:
                await creating
        assert all(isinstance(r, ClientStateError) for r in results), results
        assert cut.value.may_have_succeeded  # the create was sent: never a state error
        assert 5 == len(fake.requests)  # the paused call was never sent
        with pytest.raises(ClientStateError):
            await client.replicas.list()


async def test_a_call_cancelled_as_the_client_closes_stays_cancelled(
    fake: FakeTavus,
) -> None:
    """Cancelled by its caller while aclose() ends its wait: CancelledError wins."""
    set_testing(False)
    async with no_leaks(fake):
        client = TavusClient(api_key=fake.api_key, base_url=fake.url)
        fake.inject(Fault.http(503, retry_after=HELD), path="/v2/voices")
        with capture_retries() as retries:
            task = asyncio.create_task(client.voices.list())
            while not retries:  # noqa: ASYNC110 - the retry log has no event
                await asyncio.sleep(0.005)
        task.cancel()
        async with asyncio.timeout(BOUND):
            await client.aclose()
            with pytest.raises(asyncio.CancelledError):
                await task


async def test_async_with_exited_by_cancellation(fake: FakeTavus) -> None:
    """A task cancelled anywhere in `async with TavusClient()` closes the client."""
    rng = random.Random(5)
    clients: list[TavusClient] = []

    async def use() -> None:
        async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
            clients.append(client)
            await client.voices.list()
            await client.replicas.list()

    async with no_leaks(fake):
        for n in range(ITERATIONS):
            fake.inject(Fault.slow(0.01), path="/v2/replicas")
            task = asyncio.create_task(use())
            if n:
                await asyncio.sleep(rng.uniform(0, 0.03))
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            fake.clear_faults()
    assert all(client.is_closed for client in clients)
    assert clients
