"""Cancelling the callback receiver and server at seeded random points.

``CallbackReceiver.receive`` cancelled while handlers run, ``aclose()`` with
handlers in flight (and itself cancelled), ``CallbackServer.start`` and
``close`` cancelled midway. After each: every accepted event was handed over
once or logged as not handled, no task is left, nothing listens, and no
aiohttp object is left unclosed (:mod:`tests._leaks`).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter

import aiohttp
import pytest

from tavus_async.testing import free_port
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackServer,
    ReplicaTrainingCallback,
)
from tests._leaks import no_leaks


ITERATIONS = 12
HELD = 30.0  # a grace no test may wait out
BOUND = 5.0  # seconds within which a cancelled or closed part must end


def training_callback(n: int) -> bytes:
    """A replica training callback body, one replica per ``n``."""
    return json.dumps({"replica_id": f"r{n:010d}", "status": "ready"}).encode()


class Handler:
    """Counts each event it is handed; holds every call until ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started: Counter[str] = Counter()
        self.handled: Counter[str] = Counter()

    async def __call__(self, event: CallbackEvent) -> None:
        assert isinstance(event, ReplicaTrainingCallback)
        self.started[event.replica_id] += 1
        await self.release.wait()
        self.handled[event.replica_id] += 1


async def refused(port: int) -> bool:
    """Whether nothing listens on ``port`` of the loopback."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_receive_cancelled_while_handlers_run() -> None:
    """A receive cancelled before it runs takes nothing; running handlers go on."""
    handler = Handler()
    async with no_leaks():
        receiver = CallbackReceiver(handler, secret=None)
        first = await receiver.receive(training_callback(1), content_type=None)
        assert 200 == first.status
        await asyncio.sleep(0)  # the handler of the first event is running
        cancelled = asyncio.create_task(
            receiver.receive(training_callback(2), content_type=None)
        )
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        after = asyncio.create_task(
            receiver.receive(training_callback(3), content_type=None)
        )
        await asyncio.sleep(0)
        after.cancel()  # too late: receive() answered without suspending
        assert 200 == (await after).status
        assert 2 == receiver.stats.received == receiver.stats.accepted
        handler.release.set()
        await receiver.aclose(grace=BOUND)
    assert Counter({"r0000000001": 1, "r0000000003": 1}) == handler.handled


async def test_posts_cancelled_at_random_points_hand_each_event_over_once() -> None:
    """Callbacks whose POST is cut off anywhere: each accepted one is handled once."""
    rng, handler = random.Random(31), Handler()
    async with no_leaks(servers=True):
        receiver = CallbackReceiver(handler, secret=None)
        async with (
            CallbackServer(receiver) as server,
            aiohttp.ClientSession() as http,
        ):

            async def post(n: int) -> int:
                headers = {"Content-Type": "application/json"}
                body = training_callback(n)
                async with http.post(server.url, data=body, headers=headers) as answer:
                    return answer.status

            posts = [asyncio.create_task(post(n)) for n in range(ITERATIONS * 4)]
            for task in posts:
                if rng.random() < 0.5:
                    asyncio.get_running_loop().call_later(
                        rng.uniform(0, 0.02), task.cancel
                    )
            results = await asyncio.gather(*posts, return_exceptions=True)
            handler.release.set()
            await receiver.aclose(grace=BOUND)
    answered = [n for n, r in enumerate(results) if r == 200]
    assert all(r == 200 or isinstance(r, asyncio.CancelledError) for r in results)
    assert receiver.stats.accepted == sum(handler.handled.values())
    assert {1} == set(handler.handled.values())  # never handed over twice
    assert {f"r{n:010d}" for n in answered} <= set(handler.handled)
    assert 0 == receiver.stats.pending


@pytest.mark.parametrize("cancel_aclose", [False, True])
async def test_aclose_with_handlers_in_flight(
    caplog: pytest.LogCaptureFixture, cancel_aclose: bool
) -> None:
    """aclose() ending its grace, or cancelled in it, cancels handlers still running."""
    rng = random.Random(37)
    for _ in range(ITERATIONS // 2):
        handler = Handler()
        caplog.clear()
        async with no_leaks():
            receiver = CallbackReceiver(handler, secret=None)
            for n in range(6):
                await receiver.receive(training_callback(n), content_type=None)
            if cancel_aclose:  # handlers that never end: only the cancel stops them
                closing = asyncio.create_task(receiver.aclose(grace=HELD))
                await asyncio.sleep(rng.uniform(0, 0.02))
                closing.cancel()
            else:  # handlers released before, during or after the grace
                asyncio.get_running_loop().call_later(
                    rng.uniform(0, 0.04), handler.release.set
                )
                closing = asyncio.create_task(receiver.aclose(grace=0.02))
            async with asyncio.timeout(BOUND):
                await asyncio.gather(closing, return_exceptions=True)
        lost = [
            r
            for r in caplog.records
            if r.getMessage().startswith("callback not handled before")
        ]
        assert 6 == sum(handler.handled.values()) + len(lost)
        assert {1} >= set(handler.handled.values())
        assert 0 == receiver.stats.pending


@pytest.mark.parametrize("cancels", [1, 2])
async def test_async_with_receiver_exited_by_cancellation(cancels: int) -> None:
    """Cancelled in `async with CallbackReceiver`, the exit still hands events over
    within the grace; cancelled again during it, it cancels the handler and ends."""
    handler = Handler()
    async with no_leaks():

        async def serve() -> None:
            async with CallbackReceiver(handler, secret=None) as receiver:
                await receiver.receive(training_callback(1), content_type=None)
                await asyncio.Event().wait()

        task = asyncio.create_task(serve())
        await asyncio.sleep(0.01)
        for _ in range(cancels):
            task.cancel()  # the first ends the body, a second the exit's grace
            await asyncio.sleep(0.01)
        handler.release.set()
        async with asyncio.timeout(BOUND):  # aclose's grace is 10 s
            await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert 1 == sum(handler.started.values())
    assert (2 - cancels) == sum(handler.handled.values())


async def test_server_start_cancelled_at_each_step() -> None:
    """start() cancelled at any step leaves nothing listening, and close() is safe."""
    receiver = CallbackReceiver(Handler(), secret=None)
    for steps in range(12):
        port = free_port()
        async with no_leaks(servers=True):
            server = CallbackServer(receiver, port=port)
            task = asyncio.create_task(server.start())
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            started = not isinstance(
                (await asyncio.gather(task, return_exceptions=True))[0],
                asyncio.CancelledError,
            )
            assert started is not await refused(port)
            await server.close()
            assert await refused(port)
    await receiver.aclose()


async def test_server_close_cancelled_midway_then_closed_again() -> None:
    """A close() cancelled while a request hangs has closed when it raises."""
    rng = random.Random(41)
    receiver = CallbackReceiver(Handler(), secret=None)
    for _ in range(3):  # each close waits the server's 1 s shutdown grace
        async with no_leaks(servers=True):
            server = CallbackServer(receiver)
            await server.start()
            port = int(server.url.rsplit(":", 1)[1].split("/", 1)[0])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"  # and no more: the read waits 30 s
            )
            await writer.drain()
            await asyncio.sleep(0.01)
            closing = asyncio.create_task(server.close())
            await asyncio.sleep(rng.uniform(0, 0.3))  # within the 1 s shutdown grace
            closing.cancel()
            await asyncio.gather(closing, return_exceptions=True)
            assert closing.cancelled()
            assert await refused(port)  # closed before the cancellation came out
            async with asyncio.timeout(BOUND):
                await server.close()
                assert b"" == await reader.read()  # the server dropped the request
            writer.close()
            await writer.wait_closed()
            assert await refused(port)
    await receiver.aclose()
