"""A framework-neutral callback receiver: check, parse, answer at once, hand over later.

:meth:`CallbackReceiver.receive` takes what any web framework gives (the body,
the content type, the query) and returns the answer to send, within
microseconds: the token, size, content type and JSON are checked, the event is
queued, and a 200 goes back before any user code runs. Queued events are handed
to the user's handler in the background, in arrival order per replica, video or
conversation and concurrently across them, so a handler that is slow, hangs or
raises never delays the answer, never makes Tavus retry, and never holds up
events about other resources. Watchers given to the receiver learn of training
and video callbacks first, so their watches settle without another poll.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from cattrs.preconf.json import JsonConverter

from tavus_async import _validation as v
from tavus_async.errors import (
    APIError,
    BadRequestError,
    NotFoundError,
    ValidationError,
    WebhookError,
)
from tavus_async.types.webhooks import (
    CallbackEvent,
    ReplicaTrainingCallback,
    VideoCallback,
)
from tavus_async.watch.watcher import Watcher
from tavus_async.webhooks._parse import parse_callback
from tavus_async.webhooks._rules import (
    CallbackResponse,
    ReceiverStats,
    answer,
    describe,
    event_key,
    is_json,
    lane_key,
    subject,
)
from tavus_async.webhooks._token import TOKEN_PARAMETER, check_secrets, token_matches


if TYPE_CHECKING:
    from tavus_async.client import TavusClient


__all__ = ["CallbackHandler", "CallbackReceiver", "CallbackResponse", "ReceiverStats"]

_log = logging.getLogger("tavus_async.webhooks")

CallbackHandler = Callable[[CallbackEvent], Awaitable[object] | None]
"""Your code: called once per event, ``async def`` or plain."""

_COUNTERS = (
    *("received", "accepted", "duplicates", "rejected"),
    *("forged", "handled", "failed"),
)


class CallbackReceiver:
    """Receives Tavus callbacks for any web framework; see the module docstring.

    Use :func:`~tavus_async.webhooks.aiohttp_handler` or
    :class:`~tavus_async.webhooks.CallbackServer` with aiohttp, or call
    :meth:`receive` from a FastAPI or Starlette route. Close it with
    :meth:`aclose` (or ``async with``) so that queued events are handed over
    before the process ends.

    Before the handler runs, a replica training callback is passed to each
    replica watcher in ``watcher``
    (:meth:`~tavus_async.watch.watcher.Watcher.notify`) and a video
    callback's video to each video watcher
    (:meth:`~tavus_async.watch.watcher.Watcher.observe`), so a watched replica
    or video settles at once, without another poll.
    """

    def __init__(
        self,
        handler: CallbackHandler | None = None,
        *,
        secret: str | Iterable[str] | None,
        watcher: Watcher[Any] | Iterable[Watcher[Any]] | None = None,
        verify_with: TavusClient | None = None,
        max_body_size: int = 1 << 20,
        max_concurrency: int = 64,
        handler_timeout: float | None = 300.0,
        dedupe_window: int = 10_000,
        converter: JsonConverter | None = None,
    ) -> None:
        """Set the receiver up; it needs a running event loop only to receive.

        Args:
            handler: Called with each new event. Its exceptions are logged
                (logger ``tavus_async.webhooks``) and counted, never answered.
            secret: The token that callback URLs carry (see
                :func:`~tavus_async.webhooks.callback_url_for`), or several
                during a rotation. None turns the check off; do that only
                behind authentication of your own.
            watcher: A watcher, or several, to settle from callbacks: one
                of replicas (a :class:`~tavus_async.ReplicaWatcher`, or
                ``client.replicas.watcher()``) learns of training callbacks,
                one of videos (``client.videos.watcher()``) of video
                callbacks. Tavus documents no callback body for documents
                or transcriptions, so their watchers learn nothing here.
            verify_with: A client used to look each event's replica, video
                or conversation up before handing the event over; an event
                whose resource does not exist is dropped as forged.
            max_body_size: Bodies above this many bytes get a 413.
            max_concurrency: Handlers running at once, at most.
            handler_timeout: Seconds a handler may run before it is cancelled
                and counted as failed; None for no limit.
            dedupe_window: How many recent events are remembered to drop
                duplicates; 0 turns deduplication off.
            converter: A converter from :func:`tavus_async.make_converter`.

        Raises:
            ValidationError: Every bad argument, at once, by name.
        """
        problems: v.Problems = []
        watchers = _watchers(problems, watcher)
        if handler is None and not watchers:
            problems.append(("handler", "give a handler, a watcher or both"))
        elif handler is not None and not callable(cast(object, handler)):
            problems.append(("handler", "must be a function taking the event"))
        v.check_min(problems, "max_body_size", max_body_size, 1)
        v.check_min(problems, "max_concurrency", max_concurrency, 1)
        v.check_min(problems, "dedupe_window", dedupe_window, 0)
        v.raise_if(problems)
        v.require_positive("handler_timeout", handler_timeout, "seconds")
        self._secrets = None if secret is None else check_secrets("secret", secret)
        self._handler = handler
        self._watchers = watchers
        self._verify_with = verify_with
        self._max_body_size = max_body_size
        self._handler_timeout = handler_timeout
        self._dedupe_window = dedupe_window
        self._converter = converter
        self._slots = asyncio.Semaphore(max_concurrency)
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._lanes: dict[Hashable, deque[CallbackEvent]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._counts = dict.fromkeys(_COUNTERS, 0)

    @property
    def max_body_size(self) -> int:
        """The largest body accepted, in bytes."""
        return self._max_body_size

    @property
    def stats(self) -> ReceiverStats:
        """The counters so far."""
        pending = sum(len(lane) for lane in self._lanes.values())
        return ReceiverStats(**self._counts, pending=pending)

    async def receive(
        self,
        body: bytes | bytearray | memoryview | str,
        *,
        content_type: str | None,
        query: Mapping[str, str] | None = None,
        content_length: int | None = None,
    ) -> CallbackResponse:
        """Check and take one callback request; return the answer to send.

        Checks run in this order, and the first that fails decides the
        answer: the receiver is open (503), the token (401), the size (413),
        the content type (415, JSON or none), the body (400). An accepted
        event is queued for the handler and answered 200 at once.

        Args:
            body: The request body as received.
            content_type: The ``Content-Type`` header, if any.
            query: The request URL's query parameters (holding the token).
            content_length: The declared length, when the body was not read
                because it was too large; the larger of this and the body's
                length is checked.

        Returns:
            The status, body and headers to answer with, and the event.
        """
        self._counts["received"] += 1
        size = len(body.encode()) if isinstance(body, str) else len(body)
        if content_length is not None:
            size = max(size, content_length)
        rejection = self._check(size, content_type, query)
        if rejection is not None:
            return rejection
        try:
            event = parse_callback(body, converter=self._converter)
        except WebhookError as exc:
            return self._reject(400, f"not a Tavus callback: {exc}")
        key = event_key(event)
        if self._dedupe_window and key in self._seen:
            self._seen.move_to_end(key)
            self._counts["duplicates"] += 1
            return answer(200, {"status": "duplicate"}, event)
        self._remember(key)
        self._counts["accepted"] += 1
        self._enqueue(event)
        return answer(200, {"status": "accepted"}, event)

    async def aclose(self, grace: float = 10.0) -> None:
        """Stop taking callbacks and hand over what is queued; idempotent.

        From now on :meth:`receive` answers 503. Handlers get up to
        ``grace`` seconds to finish; events still queued after that are
        logged at ERROR, one line each, and their handlers are cancelled.
        Cancelling ``aclose`` cuts the grace short the same way.
        """
        self._closed = True
        tasks = set(self._tasks)
        if not tasks:
            return
        try:
            _, late = await asyncio.wait(tasks, timeout=grace)
        except asyncio.CancelledError:
            await self._abandon(tasks)
            raise
        if late:
            await self._abandon(late)

    async def _abandon(self, late: set[asyncio.Task[None]]) -> None:
        for lane in self._lanes.values():
            for event in lane:
                _log.error(
                    "callback not handled before the receiver closed: %s",
                    describe(event),
                )
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def __aenter__(self) -> CallbackReceiver:
        """Return the receiver."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the receiver (see :meth:`aclose`)."""
        await self.aclose()

    def _check(
        self, size: int, content_type: str | None, query: Mapping[str, str] | None
    ) -> CallbackResponse | None:
        if self._closed:
            return self._reject(503, "the receiver is closed", {"Retry-After": "30"})
        if self._secrets is not None and not token_matches(query, self._secrets):
            return self._reject(401, f"missing or wrong {TOKEN_PARAMETER}")
        if size > self._max_body_size:
            return self._reject(
                413, f"the body is larger than {self._max_body_size} bytes"
            )
        if not is_json(content_type):
            return self._reject(415, "the content type must be application/json")
        return None

    def _reject(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> CallbackResponse:
        self._counts["rejected"] += 1
        _log.warning("callback refused with %d: %s", status, message)
        return answer(status, {"error": message}, None, headers)

    def _remember(self, key: Hashable) -> None:
        if not self._dedupe_window:
            return
        self._seen[key] = None
        if len(self._seen) > self._dedupe_window:
            self._seen.popitem(last=False)

    def _enqueue(self, event: CallbackEvent) -> None:
        key = lane_key(event)
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(event)
            return
        self._lanes[key] = deque([event])
        task = asyncio.get_running_loop().create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                async with self._slots:
                    await self._deliver(lane[0])
                lane.popleft()
        finally:
            del self._lanes[key]

    async def _deliver(self, event: CallbackEvent) -> None:
        if self._verify_with is not None and not await self._verified(event):
            self._counts["forged"] += 1
            return
        self._settle(event)
        if self._handler is None:
            self._counts["handled"] += 1
            return
        deadline = asyncio.timeout(self._handler_timeout)
        try:
            async with deadline:
                result = self._handler(event)
                if inspect.isawaitable(result):
                    await result
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            self._counts["failed"] += 1
            _log.error("callback handler was cancelled for %s", describe(event))
        except Exception:  # noqa: BLE001 (the user's code may raise anything: log it)
            self._counts["failed"] += 1
            if deadline.expired():
                _log.error(
                    "callback handler ran out of its %s s for %s",
                    self._handler_timeout,
                    describe(event),
                )
            else:
                _log.exception("callback handler failed for %s", describe(event))
        else:
            self._counts["handled"] += 1

    def _settle(self, event: CallbackEvent) -> None:
        for watcher in self._watchers:
            if watcher.noun == "video" and isinstance(event, VideoCallback):
                watcher.observe(event.video)
            elif watcher.noun == "replica" and isinstance(
                event, ReplicaTrainingCallback
            ):
                _notify(watcher, event)

    async def _verified(self, event: CallbackEvent) -> bool:
        assert self._verify_with is not None
        try:
            if isinstance(event, ReplicaTrainingCallback):
                await self._verify_with.replicas.get(event.replica_id)
            elif isinstance(event, VideoCallback):
                await self._verify_with.videos.get(event.video_id)
            else:
                await self._verify_with.conversations.get(event.conversation_id)
        except (BadRequestError, NotFoundError, ValidationError):
            _log.warning("callback dropped as forged: no such %s", subject(event))
            return False
        except APIError as exc:
            _log.warning(
                "callback handed over unverified (%s could not be looked up: %s)",
                subject(event),
                exc,
            )
        return True


def _notify(watcher: Watcher[Any], event: ReplicaTrainingCallback) -> None:
    try:
        watcher.notify(
            event.replica_id, event.status, error_message=event.error_message
        )
    except ValidationError as exc:
        _log.warning("callback not passed to the watcher: %s", exc)


def _watchers(
    problems: v.Problems, watcher: Watcher[Any] | Iterable[Watcher[Any]] | None
) -> tuple[Watcher[Any], ...]:
    if watcher is None:
        return ()
    if isinstance(watcher, Watcher):
        return (watcher,)
    given: object = watcher  # anything, at runtime
    if isinstance(given, Iterable) and not isinstance(given, str):
        watchers = tuple(given)
        if all(isinstance(one, Watcher) for one in watchers):
            return watchers
    problems.append(
        (
            "watcher",
            "must be a watcher (client.videos.watcher(), a ReplicaWatcher...) "
            f"or a list of them, got {watcher!r}",
        )
    )
    return ()
