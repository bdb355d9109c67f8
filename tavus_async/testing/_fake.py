"""An in-process fake of the Tavus HTTP API, served by ``aiohttp.web`` on loopback.

The fake speaks the wire format of the Tavus API (``/v2/replicas``, ``/v2/voices``,
``/v2/conversations``), keeps its state in memory, lets tests control replica
training and inject faults, records every request it receives, and POSTs the
webhooks Tavus sends to a ``callback_url`` (see ``_callbacks``).

Each request goes through these steps, in order:

1. It is recorded in :attr:`FakeTavus.requests`.
2. A fault is picked (scripted faults first, then random ones). Faults therefore
   apply even to requests with a wrong API key or an unknown path: they stand for
   trouble in front of the API, such as a proxy or a load balancer.
3. The ``x-api-key`` header is checked (401 ``{"message": "Invalid access token"}``).
4. The route is resolved (404 ``{"message": "Not found"}``, 405 for a wrong method)
   and the handler runs.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from tavus_async.testing._aliases import new_names_middleware
from tavus_async.testing._callbacks import CallbackDelivery, Dispatcher
from tavus_async.testing._control import StateControls
from tavus_async.testing._faults import (
    ApiError,
    Fault,
    FaultPlan,
    RecordedRequest,
    matches,
    render_fault,
)
from tavus_async.testing._handlers import add_routes
from tavus_async.webhooks._aiohttp import ShieldedClose, start_app


__all__ = ["FakeTavus"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SHUTDOWN_TIMEOUT = 0.1


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class FakeTavus(StateControls):
    """A fake Tavus API server for tests, bound to a real loopback socket.

    Use it as an async context manager (or call :meth:`start` and :meth:`close`)
    and point a client at :attr:`url` with :attr:`api_key`. It starts with five
    stock voices (anna, ben, chloe, daniel, emma) and no replicas.

    Time: the fake's clock (:meth:`~FakeTavus.clock`) is the event loop's time plus
    the offset added by :meth:`~FakeTavus.advance` and :meth:`~FakeTavus.sleep`.
    Replicas created through the API train for :attr:`~FakeTavus.training_time`
    seconds of that clock, plus a random share of
    :attr:`~FakeTavus.training_spread`; replicas given a timeline
    (:meth:`~FakeTavus.set_timeline`) follow its steps instead. Status and progress
    are computed when a replica is read.

    Callbacks: while it runs, the fake POSTs JSON to the ``callback_url`` of
    creates, as Tavus does. A replica created through the API with one is called
    back each time it enters ``"completed"`` (``{"replica_id": ..., "status":
    "ready"}``) or ``"error"`` (``{"replica_id": ..., "status": "error",
    "error_message": ...}``) from another status: when the clock reaches the end of
    its training or a timeline step (whether or not anyone reads it;
    :meth:`~FakeTavus.advance` and :meth:`~FakeTavus.sleep` count), or at once
    through :meth:`~FakeTavus.finish_training`. A deleted replica, or one from
    :meth:`~FakeTavus.add_replica`, is not called back. A conversation created with
    one, unless in ``test_mode``, is called back in Tavus's webhook envelope with
    ``system.replica_joined`` (then ``system.pal_joined`` under
    :attr:`~FakeTavus.pal_events`) once the create is answered, and with
    ``system.shutdown`` then ``application.transcription_ready`` when it is first
    ended; the events are those of verbose Get Conversation. Each POST is one
    attempt with a 10 second total timeout, in its own task, at most 100 at a time;
    failures are recorded in ``callbacks``, never raised. Use :meth:`wait_callbacks`
    rather than sleeping.

    Attributes:
        requests: Every request received, in arrival order, including faulted,
            dropped and rejected ones. :meth:`reset_log` empties it.
        callbacks: Every callback POSTed, as a :class:`CallbackDelivery`, in the
            order the POSTs completed, failed ones included. Assign ``[]`` to
            forget them. POSTs cut short by :meth:`close` are not recorded.
    """

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        training_time: float = 1.0,
        training_spread: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
    ) -> None:
        """Create a stopped fake.

        Args:
            api_key: The only ``x-api-key`` value accepted.
            training_time: Initial value of :attr:`~FakeTavus.training_time`.
            training_spread: Initial value of :attr:`~FakeTavus.training_spread`.
            host: Address to bind.
            port: Port to bind; 0 picks a free one.
            seed: Seed for generated ids and random faults; ``None`` is random.
        """
        super().__init__(
            training_time=training_time, training_spread=training_spread, seed=seed
        )
        self._api_key = api_key
        self._host = host
        self._port = port
        self._faults = FaultPlan(random.Random(seed))
        self.requests: list[RecordedRequest] = []
        self.callbacks: list[CallbackDelivery] = []
        self._delivered = asyncio.Event()
        self._dispatcher = Dispatcher(
            self._state.outbox, self._state.catch_up, self.clock, self._record
        )
        self._state.outbox.notify = self._dispatcher.wake
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._closing = asyncio.Event()
        self._stopping = ShieldedClose()

    # Lifecycle

    async def start(self) -> None:
        """Bind ``host:port`` and start serving; ``RuntimeError`` if already started."""
        if self._runner is not None:
            raise RuntimeError("FakeTavus is already started")
        self._closing = asyncio.Event()
        self._delivered = asyncio.Event()
        self._runner, self._url = await start_app(
            self._make_app(), self._host, self._port, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await self._dispatcher.start()

    async def close(self) -> None:
        """Stop serving; idempotent and quick, even with slow requests in flight.

        Requests waiting in a ``slow`` fault have their connection dropped.
        Callback POSTs in flight are cancelled and callbacks not yet sent are
        dropped, so a hanging receiver does not hold the fake up. Cancelling
        it does not stop the closing; calling it again waits for it.
        """
        await self._stopping.run(self._stop)

    async def _stop(self) -> None:
        runner, self._url = self._runner, None
        if runner is None:
            return
        self._closing.set()
        await self._dispatcher.close()
        await runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeTavus:
        """Start the fake and return it."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the fake."""
        await self.close()

    @property
    def url(self) -> str:
        """The base URL, ``"http://HOST:PORT"``; ``RuntimeError`` if not started."""
        if self._url is None:
            raise RuntimeError("FakeTavus is not started")
        return self._url

    @property
    def api_key(self) -> str:
        """The API key the fake accepts."""
        return self._api_key

    @property
    def open_connections(self) -> int:
        """How many client connections to the fake are open now (0 when stopped).

        A connection the client closed leaves the count once the fake has
        noticed, a moment later: a leak check polls it for a short while
        rather than reading it once, even while a ``slow`` or ``truncate``
        fault still holds the request's handler (aiohttp keeps such a
        connection in its list until the handler returns).
        """
        server = self._runner.server if self._runner is not None else None
        return 0 if server is None else sum(h.connected for h in server.connections)

    # Callbacks

    @property
    def callbacks_enabled(self) -> bool:
        """Whether the fake sends callbacks at all (default ``True``).

        ``False`` stands for Tavus not calling back: callbacks that fall due
        meanwhile are dropped, not sent later, so clients must poll instead.
        """
        return self._dispatcher.enabled

    @callbacks_enabled.setter
    def callbacks_enabled(self, enabled: bool) -> None:
        self._dispatcher.enabled = enabled

    async def wait_callbacks(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test's bound, in real seconds
    ) -> list[CallbackDelivery]:
        """Wait until ``callbacks`` holds at least ``count`` deliveries.

        Args:
            count: How many deliveries (successful or not) to wait for.
            timeout: Seconds of real event-loop time, not of the fake's clock.

        Returns:
            A copy of ``callbacks``.

        Raises:
            TimeoutError: Fewer than ``count`` deliveries after ``timeout``
                seconds; the message says how many there are.
        """
        try:
            async with asyncio.timeout(timeout):
                while len(self.callbacks) < count:
                    self._delivered.clear()
                    await self._delivered.wait()
        except TimeoutError:
            raise TimeoutError(
                f"{len(self.callbacks)} of {count} callbacks delivered after "
                f"{timeout} s; is the fake started and the callback due on its clock?"
            ) from None
        return list(self.callbacks)

    def _record(self, delivery: CallbackDelivery) -> None:
        self.callbacks.append(delivery)
        self._delivered.set()

    # Faults

    def inject(
        self,
        fault: Fault,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Give ``fault`` to the next ``times`` matching requests.

        A request matches when ``method`` is ``None`` or equal (case-insensitive)
        and ``path`` is ``None``, equal, or an fnmatch glob such as
        ``"/v2/replicas/*"`` matching the request path. Scripted faults take
        precedence over :meth:`inject_rate` ones, and earlier ones over later ones.
        """
        self._faults.add_scripted(fault, times=times, method=method, path=path)

    def inject_rate(
        self,
        fault: Fault,
        rate: float,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Give ``fault`` to each matching request with probability ``rate`` (0-1).

        Matching is as in :meth:`inject`; draws come from the ``seed`` given at
        construction.
        """
        self._faults.add_rate(fault, rate, method=method, path=path)

    def clear_faults(self) -> None:
        """Remove every scripted and random fault."""
        self._faults.clear()

    # Request log

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many logged requests match ``method`` and ``path`` (exact or glob)."""
        return sum(
            matches(r.method, r.path, method=method, path=path) for r in self.requests
        )

    def reset_log(self) -> None:
        """Forget every logged request."""
        self.requests = []

    # Serving

    def _make_app(self) -> web.Application:
        @web.middleware
        async def middleware(
            request: web.Request, handler: _Handler
        ) -> web.StreamResponse:
            return await self._dispatch(request, handler)

        state = self._state
        translating = new_names_middleware(lambda: state.new_names)
        app = web.Application(middlewares=[translating, middleware])
        add_routes(app.router, state)
        return app

    async def _dispatch(
        self, request: web.Request, handler: _Handler
    ) -> web.StreamResponse:
        headers = {name.lower(): value for name, value in request.headers.items()}
        if "x-api-key" in headers:
            headers["x-api-key"] = "<redacted>"
        body = _parse_json(await request.read())
        fault = self._faults.pick(request.method, request.path)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=headers,
            json=body,
            status=None,
            fault=fault.kind if fault is not None else None,
            at=asyncio.get_running_loop().time(),
        )
        log, index = self.requests, len(self.requests)
        log.append(record)
        response = await self._respond(request, handler, fault)
        if response is not None:
            if index < len(log) and log[index] is record:
                log[index] = attrs.evolve(record, status=response.status)
            return response
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never sent: the connection is closed

    async def _respond(
        self, request: web.Request, handler: _Handler, fault: Fault | None
    ) -> web.StreamResponse | None:
        if fault is None:
            return await self._serve(request, handler)
        if fault.kind == "truncate":
            await self._truncate(request, await self._serve(request, handler), fault)
            return None
        if fault.delay > 0 and await self._interrupted(fault.delay):
            return None
        if fault.kind == "slow" or fault.after:
            response = await self._serve(request, handler)
            if fault.kind == "slow":
                return response
        if fault.kind == "drop":
            return None
        status, body, headers = render_fault(fault)
        return web.Response(status=status, body=body, headers=headers)

    async def _truncate(
        self, request: web.Request, answer: web.StreamResponse, fault: Fault
    ) -> None:
        body = answer.body if isinstance(answer, web.Response) else None
        content = body if isinstance(body, bytes) else b""
        partial = web.StreamResponse(status=answer.status, headers=answer.headers)
        partial.content_length = len(content)
        await partial.prepare(request)
        await partial.write(content[: len(content) // 2])
        if fault.delay > 0:
            await self._interrupted(fault.delay)

    async def _interrupted(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self._closing.wait()
        except TimeoutError:
            return False
        return True

    async def _serve(
        self, request: web.Request, handler: _Handler
    ) -> web.StreamResponse:
        if request.headers.get("x-api-key") != self._api_key:
            return web.json_response({"message": "Invalid access token"}, status=401)
        try:
            return await handler(request)
        except ApiError as exc:
            return web.json_response(exc.body, status=exc.status)
        except web.HTTPMethodNotAllowed as exc:
            return web.json_response(
                {"message": "Method not allowed"},
                status=exc.status,
                headers={"Allow": ", ".join(sorted(exc.allowed_methods))},
            )
        except web.HTTPNotFound:
            return web.json_response({"message": "Not found"}, status=404)
