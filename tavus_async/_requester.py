"""The request path, top to bottom: from a service's ``Request`` to a checked answer.

A service calls :meth:`Requester.send`. What happens then, in order:

1. backoff's loop (``backoff.on_exception``) makes the first attempt. Its wait
   generator is :func:`~tavus_async._retry.retry_waits`, its give-up rule
   :func:`~tavus_async._retry.should_retry`: the pure rules of ``_retry``.
2. Each attempt (:meth:`Requester._attempt`) waits at the client's rate gate
   (a pause after a 429, the request budget: :mod:`tavus_async._gate`), sends
   through the transport (:mod:`tavus_async.session`, the only aiohttp code),
   and turns a non-2xx answer into an :class:`~tavus_async.APIStatusError`
   (:func:`~tavus_async._status.error_from_response`), telling the gate either way.
3. Between attempts backoff sleeps what the wait generator computed; the
   handler :meth:`Requester._before_retry_wait` notes whether the failed
   attempt may have acted, and lets :meth:`Shared.aclose` end the sleep.
4. When backoff gives up, :func:`~tavus_async._retry.verdict` reads the last
   error in the light of the earlier attempts: raised as it is, raised with
   ``may_have_succeeded``, or (a delete that had already acted) a success.

:class:`Shared` is what a client and its ``with_options`` views share: the
base URL, the headers, the transport, the gate and the lifecycle. Closing it
ends every wait in progress, which then raises :class:`ClientStateError`.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import backoff
from backoff.types import Details
from cattrs.preconf.json import JsonConverter

from tavus_async import _http, _raw
from tavus_async._gate import Gate
from tavus_async._options import merge_headers
from tavus_async._retry import (
    RetryPolicy,
    Verdict,
    may_have_been_processed,
    retry_waits,
    should_retry,
    verdict,
)
from tavus_async._status import error_from_response
from tavus_async.errors import APIConnectionError, APIError, ClientStateError
from tavus_async.session import (
    AiohttpTransport,
    ClientSession,
    TraceConfig,
    create_session,
    session_loop,
    user_agent,
)


__all__ = ["CLOSED", "ClientState", "Requester", "Shared"]

_log = logging.getLogger("tavus_async")

CLOSED = (
    "this TavusClient is closed; create a new client (or keep the "
    "`async with` block open while you use it)"
)

_OTHER_LOOP = (
    "this TavusClient was first used in another event loop{closed}; a client "
    "belongs to the loop it first ran in (its aiohttp session and connections "
    "are bound to it). Create the client inside the loop that uses it: within "
    "the coroutine you give asyncio.run(), in a FastAPI lifespan or an aiohttp "
    "cleanup_ctx, or in a pytest fixture with the same loop scope as the tests "
    "that use it"
)

_ACTED_NOTE = (
    "Tavus may have acted on this request before it failed: an earlier "
    "attempt's answer was lost and the request was retried. Check the "
    "resource before relying on either outcome."
)


class ClientState(enum.Enum):
    """Where a client is in its life: it opens once and closes once."""

    UNOPENED = "unopened"
    """Built; no connection made yet."""
    OPENED = "opened"
    """Entered with ``async with``, or has sent a request."""
    CLOSED = "closed"
    """Closed: every further call raises :class:`ClientStateError`."""


class _Call:
    """One call's state across its attempts."""

    __slots__ = ("acted", "attempt", "cancelling", "task")

    def __init__(self) -> None:
        self.attempt = 0
        self.acted = False  # an earlier, retried attempt may have acted
        self.task: asyncio.Task[object] | None = None  # set while in a wait
        self.cancelling = 0  # the task's cancel requests when its wait began


class Shared:
    """What a client and its views share: transport, headers, gate, lifecycle.

    Args:
        api_key: Sent as ``x-api-key`` with every request.
        base_url: Normalized, ending with ``/``.
        session: A session the caller owns, or None to create one on open.
        connection_limit: The pool size of a session created here.
        timeout: The default limits of a session created here.
        gate: The rate gate.
        trace_configs: aiohttp tracing hooks of a session created here.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        session: ClientSession | None,
        connection_limit: int,
        timeout: _http.Timeout,
        gate: Gate,
        trace_configs: Sequence[TraceConfig] = (),
    ) -> None:
        self.base_url = base_url
        self.gate = gate
        self._all_headers = _http.build_headers(api_key, user_agent())
        self.headers: dict[str, str] = {}
        self.body_headers: dict[str, str] = {}
        self.state = ClientState.UNOPENED
        self.entered = False
        self._connection_limit = connection_limit
        self._timeout = timeout
        self._trace_configs = tuple(trace_configs)
        self.transport: AiohttpTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        if session is not None:
            self._use(AiohttpTransport(session, owns_session=False))
            self._loop = session_loop(session)
        self._waiting: set[asyncio.Task[object]] = set()

    def _use(self, transport: AiohttpTransport) -> AiohttpTransport:
        """Send through ``transport``, each request adding what its session lacks.

        The key always goes with the request (a session never holds it); the
        ``User-Agent`` and ``Accept`` of :func:`create_session` only when the
        session does not send them already.
        """
        defaults = transport.session.headers
        self.headers = {
            name: value
            for name, value in self._all_headers.items()
            if defaults.get(name) != value
        }
        self.body_headers = {**self.headers, "Content-Type": "application/json"}
        self.transport = transport
        return transport

    def open(self) -> AiohttpTransport:
        """The transport, creating the session on first use.

        Raises:
            ClientStateError: The client is closed, or was first used in
                another event loop.
        """
        if self.is_closed():
            raise ClientStateError(CLOSED)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._enter_loop(loop)
        transport = self.transport
        if transport is None:
            session = create_session(
                timeout=self._timeout,
                limit=self._connection_limit,
                trace_configs=self._trace_configs,
            )
            transport = self._use(AiohttpTransport(session, owns_session=True))
        self.state = ClientState.OPENED
        return transport

    def _enter_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind the client to ``loop``, its first; refuse any other."""
        if self._loop is None:
            self._loop = loop
            return
        closed = ", which is now closed" if self._loop.is_closed() else ""
        raise ClientStateError(_OTHER_LOOP.format(closed=closed))

    def is_closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self.state is ClientState.CLOSED

    def start_waiting(self, call: _Call) -> None:
        """Mark the current task as waiting, so that closing the client ends it.

        Raises:
            ClientStateError: The client is closed.
        """
        if self.is_closed():
            raise ClientStateError(CLOSED)
        task = asyncio.current_task()
        assert task is not None
        call.task, call.cancelling = task, task.cancelling()
        self._waiting.add(task)

    def stop_waiting(self, call: _Call) -> None:
        """The wait :meth:`start_waiting` marked is over."""
        if call.task is not None:
            self._waiting.discard(call.task)
            call.task = None

    def closed_during_wait(self, call: _Call) -> bool:
        """Whether a cancellation of ``call`` came from :meth:`aclose`.

        True when the call was waiting, the client is closed and, once the
        cancellation :meth:`aclose` made is taken back, the task has no other
        (the caller's own cancellation stays one).
        """
        task = call.task
        self.stop_waiting(call)
        return (
            task is not None and self.is_closed() and task.uncancel() <= call.cancelling
        )

    async def aclose(self) -> None:
        """Close: end every wait, and close the session if it was created here."""
        if not self.is_closed():
            self.state = ClientState.CLOSED
            for task in self._waiting:
                task.cancel()
        if self.transport is not None:
            await self.transport.aclose()


def _gives_up(error: Exception, *, idempotent: bool, policy: RetryPolicy) -> bool:
    assert isinstance(error, APIError)
    return not should_retry(error, idempotent=idempotent, policy=policy)


class Requester:
    """The :class:`~tavus_async._http.Requester` services use.

    One per client or view: the shared part, a converter, a timeout and a
    retry policy.
    """

    def __init__(
        self,
        shared: Shared,
        converter: JsonConverter,
        timeout: _http.Timeout,
        policy: RetryPolicy,
    ) -> None:
        self.shared = shared
        self.timeout = timeout
        self.policy = policy
        self._converter = converter
        self._retrying = {
            idempotent: self._with_retries(idempotent=idempotent)
            for idempotent in (True, False)
        }

    @property
    def converter(self) -> JsonConverter:
        """The converter that reads and writes the wire format."""
        return self._converter

    def _with_retries(
        self, *, idempotent: bool
    ) -> Callable[[_http.Request, _Call], Awaitable[_http.Response]]:
        retrying: Callable[[_http.Request, _Call], Awaitable[_http.Response]] = (
            backoff.on_exception(
                functools.partial(retry_waits, self.policy),
                APIError,
                max_tries=self.policy.max_retries + 1,
                giveup=functools.partial(
                    _gives_up, idempotent=idempotent, policy=self.policy
                ),
                on_backoff=self._before_retry_wait,
                jitter=None,
                logger=None,
            )(self._attempt)
        )
        return retrying

    async def send(self, request: _http.Request) -> _http.Response:
        """Send ``request`` with retries; return the 2xx answer.

        Raises:
            APIError: The last failure, read by :func:`~tavus_async._retry.verdict`.
            ClientStateError: The client is closed, or was closed meanwhile.
        """
        call = _Call()
        try:
            response = await self._retrying[request.idempotent](request, call)
        except APIError as error:
            self.shared.stop_waiting(call)
            outcome = verdict(request, error, acted_before=call.acted)
            if outcome is Verdict.DONE:
                _log.info(
                    "%s %s: %s after an earlier attempt may have acted; taken as done",
                    request.method,
                    error.url,
                    error,
                )
                done = _http.Response(status=204, headers={}, body=b"", url=error.url)
                _raw.record(request.method, done, call.attempt)
                return done
            if outcome is Verdict.MAY_HAVE_SUCCEEDED:
                error.mark_may_have_succeeded(
                    _ACTED_NOTE if request.idempotent else None
                )
            raise
        except asyncio.CancelledError:
            if self.shared.closed_during_wait(call):
                raise ClientStateError(CLOSED) from None
            raise
        _raw.record(request.method, response, call.attempt)
        return response

    async def _before_retry_wait(self, details: Details) -> None:
        """backoff's handler before its sleep: what the attempt did; mark the wait."""
        error: APIError = details["exception"]  # type: ignore[typeddict-item]
        call: _Call = details["args"][1]
        call.acted = call.acted or may_have_been_processed(error)
        self.shared.start_waiting(call)

    async def _attempt(self, request: _http.Request, call: _Call) -> _http.Response:
        shared = self.shared
        shared.stop_waiting(call)  # backoff's sleep, if any, is over
        transport = shared.open()
        call.attempt += 1
        url = _http.url_for(shared.base_url, request)
        gate = shared.gate
        epoch = gate.epoch
        if gate.may_wait:
            shared.start_waiting(call)
            epoch = await gate.wait(request.method, url, self.policy)
            shared.stop_waiting(call)
        debug = _log.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        headers = shared.headers if request.body is None else shared.body_headers
        if request.headers:
            headers = merge_headers(headers, request.headers)
        try:
            response = await transport.send(
                request.method,
                url,
                headers=headers,
                body=request.body,
                timeout=request.timeout or self.timeout,
            )
        except APIConnectionError as error:
            if debug:
                _log.debug(
                    "%s %s failed after %.3fs (attempt %d): %s",
                    request.method,
                    url,
                    time.perf_counter() - started,
                    call.attempt,
                    error.message,
                )
            raise
        if debug:
            _log.debug(
                "%s %s -> %d in %.3fs (attempt %d)",
                request.method,
                url,
                response.status,
                time.perf_counter() - started,
                call.attempt,
            )
        if not 200 <= response.status < 300 and response.status not in request.accepted:
            failure = error_from_response(request.method, response)
            gate.failed(failure, self.policy, epoch)
            raise failure
        gate.succeeded(epoch)
        return response
