"""A FakeTavus serving from an event loop of its own, in a thread.

For tests whose code under test runs its own loops: FastAPI's TestClient,
or a client tried in several ``asyncio.run()`` calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from tavus_async.testing import FakeTavus


T = TypeVar("T")


class ThreadedFake:
    """A FakeTavus serving from an event loop of its own, in a thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.fake: FakeTavus = self.run(self._start())

    async def _start(self) -> FakeTavus:
        fake = FakeTavus()
        await fake.start()
        return fake

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the fake's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)

    def call(self, function: Callable[[], T]) -> T:
        """Call ``function`` on the fake's loop (its controls are not thread-safe)."""

        async def call() -> T:
            return function()

        return self.run(call())

    def close(self) -> None:
        """Close the fake, stop its loop and join its thread."""
        try:
            self.run(self.fake.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=60)
            self._loop.close()
