"""Cleanup that a cancellation cannot cut short.

A journal's file opened in a worker thread, a server's close: work that must
end before the cancelled caller goes on, or the caller restarts into a lock or
a port still held.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TypeVar


__all__ = ["finish"]

T = TypeVar("T")


async def finish(work: asyncio.Future[T]) -> T:
    """``work``'s result, once it is done, even if the awaiting task is cancelled.

    A cancellation (and any that come after it) waits for ``work`` to end and
    is raised then, never swallowed: the caller can undo what ``work`` did
    before the cancellation goes on. ``work`` itself is never cancelled.

    Raises:
        asyncio.CancelledError: The awaiting task was cancelled; ``work`` is done.
    """
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        while not work.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([work])
        raise
