"""The fake Tavus server's webhooks: what is due, and how it is POSTed.

:class:`Outbox` (pure) holds the callbacks waiting to be sent and the moments of
the fake's clock at which a replica may change on its own. :class:`Dispatcher`
runs one background task, only while the outbox is not empty: it sleeps until
the earliest such moment or until it is woken, has the state catch up, and
POSTs each queued callback in its own task, at most :data:`MAX_DELIVERIES` at
once. A fake whose creates carry no ``callback_url`` runs no background task.
Callbacks about the same replica or conversation go one after the other, in
the order they were queued, so a receiver sees ``system.shutdown`` before
``application.transcription_ready``. :class:`CallbackDelivery` records the
outcome of one POST.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
from attrs import frozen


__all__ = ["MAX_DELIVERIES", "Callback", "CallbackDelivery", "Dispatcher", "Outbox"]

MAX_DELIVERIES = 100
"""How many callback POSTs a fake has in flight at most; the rest wait their turn."""

_TIMEOUT = aiohttp.ClientTimeout(total=10)
Callback = tuple[str, dict[str, Any]]
"""A callback to send: the URL and the JSON body."""


@frozen(kw_only=True)
class CallbackDelivery:
    """One callback the fake POSTed (see ``FakeTavus.callbacks``).

    Attributes:
        url: The ``callback_url`` it was POSTed to.
        payload: The JSON body sent.
        status: The HTTP status answered, or ``None`` when no answer came.
        error: Why no answer came (refused connection, timeout, bad URL), as
            ``"ExceptionName: message"``; ``None`` when one came, whatever
            its status.
        at: The fake's clock (:meth:`FakeTavus.clock`) when the POST started.
    """

    url: str
    payload: dict[str, Any]
    status: int | None
    error: str | None
    at: float


def _nothing() -> None:
    return None


class Outbox:
    """Callbacks waiting to be sent, and when stored things may next change.

    Attributes:
        notify: Called with no arguments whenever a callback is queued or the
            earliest watched moment changes; the owner of the clock also calls
            it when the clock jumps.
    """

    def __init__(self) -> None:
        """Create an empty outbox whose :attr:`notify` does nothing."""
        self.notify: Callable[[], None] = _nothing
        self._pending: list[Callback] = []
        self._due: list[tuple[float, int, Callable[[float], None]]] = []
        self._tickets = itertools.count()

    def put(self, url: str, payload: dict[str, Any]) -> None:
        """Queue one callback and :attr:`notify`."""
        self._pending.append((url, payload))
        self.notify()

    def take(self) -> list[Callback]:
        """Every queued callback, oldest first; the outbox forgets them."""
        pending, self._pending = self._pending, []
        return pending

    def watch(self, at: float, bring: Callable[[float], None]) -> None:
        """Remember that something may change on its own at clock time ``at``.

        ``bring(at)`` is what :meth:`due` hands back then: it brings that
        thing (a replica in training, a video being generated) up to ``at``.
        :attr:`notify` is called when ``at`` is now the earliest moment watched.
        """
        entry = (at, next(self._tickets), bring)
        heapq.heappush(self._due, entry)
        if self._due[0] is entry:
            self.notify()

    def due(self, now: float) -> Iterator[tuple[float, Callable[[float], None]]]:
        """Pop the watched ``(at, bring)`` with ``at <= now``, earliest first."""
        while self._due and self._due[0][0] <= now:
            at, _, bring = heapq.heappop(self._due)
            yield at, bring

    def busy(self) -> bool:
        """Whether a callback is queued or a moment is watched."""
        return bool(self._pending or self._due)

    def next_due(self) -> float | None:
        """The earliest watched moment, or ``None`` when nothing is watched."""
        return self._due[0][0] if self._due else None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _subject(payload: dict[str, Any]) -> str:
    return str(
        payload.get("conversation_id")
        or payload.get("video_id")
        or payload.get("document_id")
        or payload.get("transcription_id")
        or payload.get("replica_id")
    )


class Dispatcher:
    """Sends the callbacks of a fake while it runs; see the module docstring."""

    def __init__(
        self,
        outbox: Outbox,
        catch_up: Callable[[], None],
        clock: Callable[[], float],
        record: Callable[[CallbackDelivery], None],
    ) -> None:
        """Create a stopped dispatcher.

        Args:
            outbox: Where the state queues callbacks and watches moments.
            catch_up: Brings the watched replicas up to the clock's time,
                queuing the callbacks that this causes.
            clock: The fake's clock.
            record: Called with the outcome of each POST, as it completes.
        """
        self._outbox, self._catch_up = outbox, catch_up
        self._clock, self._record = clock, record
        self.enabled = True
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._queue: deque[Callback] = deque()
        self._held: dict[str, deque[Callback]] = {}
        self._sending: dict[asyncio.Task[None], str] = {}

    async def start(self) -> None:
        """Open the HTTP session; the background task starts when there is work."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        self.wake()

    def wake(self) -> None:
        """Look for due callbacks soon; a no-op when stopped.

        Safe outside a running event loop: the background task then runs when
        the fake's loop does.
        """
        if self._session is None or self._loop is None:
            return
        if self._runner is None and self._outbox.busy():
            self._runner = self._loop.create_task(
                self._run(), name="FakeTavus callbacks"
            )
        elif self._runner is not None:
            self._wake.set()

    async def close(self) -> None:
        """Cancel the background task and every POST in flight; forget the rest."""
        session, self._session = self._session, None
        if session is None:
            return
        self._queue.clear()
        self._held.clear()
        tasks = [*self._sending]
        if self._runner is not None:
            tasks.append(self._runner)
        self._runner = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._catch_up()
            callbacks = self._outbox.take()
            if self.enabled:
                self._queue.extend(callbacks)
                self._pump()
            due = self._outbox.next_due()
            if due is None:
                self._runner = None
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, due - self._clock())):
                    await self._wake.wait()

    def _pump(self) -> None:
        while self._queue and len(self._sending) < MAX_DELIVERIES:
            url, payload = callback = self._queue.popleft()
            subject = _subject(payload)
            if subject in self._held:
                self._held[subject].append(callback)
                continue
            self._held[subject] = deque()
            task = asyncio.create_task(self._deliver(url, payload))
            self._sending[task] = subject
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        held = self._held.pop(self._sending.pop(task), deque())
        if self._session is not None:
            self._queue.extendleft(reversed(held))
            self._pump()

    async def _deliver(self, url: str, payload: dict[str, Any]) -> None:
        assert self._session is not None
        at, status, error = self._clock(), None, None
        try:
            async with self._session.post(url, json=payload) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            error = _reason(exc)
        self._record(
            CallbackDelivery(
                url=url, payload=payload, status=status, error=error, at=at
            )
        )
