"""Leak checks for cancellation tests: tasks, connections, unclosed aiohttp objects.

``async with no_leaks(fake):`` around a block that opens *and closes* its
clients fails on exit when the block left behind an asyncio task, a connection
to the fake, or an aiohttp session, connector or transport nobody closed.
While a client is still open, :func:`assert_still_works` and
:func:`settled_connections` check that a cancelled call did not spoil it.

Tasks of the servers a test runs (FakeTavus, a ``CallbackServer``: aiohttp's
``web`` code and ``tavus_async.testing``) are not the client's and are left
out; the fake ends them when it closes.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

from tavus_async import TavusClient
from tavus_async.testing import FakeTavus


__all__ = [
    "CHECK_LIMIT",
    "STOCK_VOICES",
    "assert_no_new_tasks",
    "assert_still_works",
    "describe",
    "new_tasks",
    "no_leaks",
    "settled_connections",
]

STOCK_VOICES = ["anna", "ben", "chloe", "daniel", "emma"]
"""The voices a new FakeTavus holds, in name order."""

CHECK_LIMIT = 99
"""The ``limit`` of :func:`assert_still_works`'s call, which no other call sends."""

_SERVER_CODE = ("/aiohttp/web", "/tavus_async/testing/")
_SETTLE_YIELDS = 20  # bare loop iterations first: most cancellations end in 1-3
_SETTLE_SLEEPS = 100  # then up to 1 s in 10 ms steps
_CONNECTION_POLLS = 200  # 2 s in 10 ms steps: the fake notices closes a moment later
_HANG_BOUND = 10.0  # seconds: far above a loopback call, far below a hang


def _code_file(task: asyncio.Task[Any]) -> str:
    code = getattr(task.get_coro(), "cr_code", None)
    return "" if code is None else code.co_filename.replace("\\", "/")


def _is_server_task(task: asyncio.Task[Any]) -> bool:
    return any(part in _code_file(task) for part in _SERVER_CODE)


def describe(task: asyncio.Task[Any]) -> str:
    """The task's coroutine and where it is suspended, for a failure message."""
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", repr(coro))
    frame = getattr(coro, "cr_frame", None)
    where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame else ""
    return f"{task.get_name()}: {name}{where}"


async def new_tasks(
    before: Collection[asyncio.Task[Any]], *, servers: bool = False
) -> list[asyncio.Task[Any]]:
    """Tasks alive now that were not in ``before``, once cancellations settled.

    Gives pending cancellations and async-generator finalizers a bounded
    number of loop iterations to finish; the current task never counts.

    Args:
        before: The tasks alive at the start (``asyncio.all_tasks()``).
        servers: Count the tasks of servers (FakeTavus, aiohttp.web) too.
    """
    current = asyncio.current_task()
    left: list[asyncio.Task[Any]] = []
    for round_ in range(_SETTLE_YIELDS + _SETTLE_SLEEPS):
        left = [
            task
            for task in asyncio.all_tasks()
            if task not in before
            and task is not current
            and (servers or not _is_server_task(task))
        ]
        if not left:
            break
        await asyncio.sleep(0 if round_ < _SETTLE_YIELDS else 0.01)
    return left


async def assert_no_new_tasks(
    before: Collection[asyncio.Task[Any]], *, servers: bool = False
) -> None:
    """Fail naming each task alive now that was not in ``before`` (see new_tasks)."""
    left = await new_tasks(before, servers=servers)
    assert not left, "leaked tasks:\n  " + "\n  ".join(map(describe, left))


async def settled_connections(fake: FakeTavus, *, at_most: int = 0) -> int:
    """``fake.open_connections`` once it is ``at_most`` or less, or after 2 s."""
    for _ in range(_CONNECTION_POLLS):
        if fake.open_connections <= at_most:
            break
        await asyncio.sleep(0.01)
    return fake.open_connections


async def assert_still_works(client: TavusClient, fake: FakeTavus) -> None:
    """The same client answers its next call right, on a sound connection.

    Clears the fake's faults first (a fault meant for a call cancelled before
    it was sent is still armed). The call goes without retries of the
    client's own, so a pooled connection left half-read would give a wrong
    answer or an error, and one the server still holds (a ``truncate``
    pause) a hang, which the bound turns into a failure. The fake must have
    logged this request once, answered 200.
    """
    fake.clear_faults()
    sent = len(fake.requests)
    async with asyncio.timeout(_HANG_BOUND):
        page = await client.with_options(max_retries=0).voices.list(limit=CHECK_LIMIT)
    names = sorted(voice.voice_name for voice in page.data)
    assert STOCK_VOICES == names, names
    # A request the cancelled call had sent may be logged late: only this
    # call's own counts.
    mine = [
        (r.method, r.status, r.fault)
        for r in fake.requests[sent:]
        if r.path == "/v2/voices" and r.query.get("limit") == str(CHECK_LIMIT)
    ]
    assert [("GET", 200, None)] == mine, mine


@asynccontextmanager
async def no_leaks(
    fake: FakeTavus | None = None, *, servers: bool = False
) -> AsyncIterator[None]:
    """Fail on exit if the block leaked a task, a connection or an aiohttp object.

    On a normal exit: (a) no task alive that was not alive on entry (see
    :func:`new_tasks`; ``servers`` counts server tasks too, for blocks that
    also close their servers); (b) ``fake.open_connections`` falls to 0
    within 2 s, so every client of the block must be closed by then; (c) after
    ``gc.collect()``, no ``ResourceWarning`` (unclosed session, connector,
    connection, transport or socket) and nothing passed to the loop's
    exception handler during the block (aiohttp's "Unclosed client session",
    asyncio's "Task was destroyed but it is pending!", an exception never
    retrieved).
    """
    loop = asyncio.get_running_loop()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        gc.collect()  # garbage of earlier tests is not this block's
    before = asyncio.all_tasks()
    contexts: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: contexts.append(context))
    try:
        yield
        await assert_no_new_tasks(before, servers=servers)
        if fake is not None:
            assert 0 == await settled_connections(fake), (
                "connections to the fake still open after the block"
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gc.collect()
        unclosed = [
            str(w.message) for w in caught if issubclass(w.category, ResourceWarning)
        ]
        assert not unclosed, unclosed
        messages = [str(context.get("message")) for context in contexts]
        assert not messages, messages
    finally:
        loop.set_exception_handler(previous)
