"""The aiohttp side of the callback receiver: a request handler and a small server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType

from aiohttp import hdrs, web

from tavus_async._cleanup import finish
from tavus_async.webhooks._receiver import CallbackReceiver, CallbackResponse


__all__ = ["CallbackServer", "ShieldedClose", "aiohttp_handler", "start_app"]

_READ_TIMEOUT = 30.0
_SHUTDOWN_TIMEOUT = 1.0

AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def aiohttp_handler(receiver: CallbackReceiver) -> AiohttpHandler:
    """Return an aiohttp request handler that feeds ``receiver``.

    Route POSTs to it: ``app.router.add_post("/tavus/callbacks", handler)``.
    The body is read only up to the receiver's ``max_body_size`` (a larger
    declared ``Content-Length`` is refused unread), within 30 seconds, and
    the connection is closed after a refused oversized body.

    Args:
        receiver: The receiver that checks, parses and hands events over.

    Returns:
        The handler.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        limit = receiver.max_body_size
        declared = request.content_length
        content_type = request.headers.get(hdrs.CONTENT_TYPE)
        if declared is not None and declared > limit:
            answer = await receiver.receive(
                b"",
                content_type=content_type,
                query=request.query,
                content_length=declared,
            )
            return _response(answer, close=True)
        try:
            async with asyncio.timeout(_READ_TIMEOUT):
                body = await _read(request, limit + 1)
        except TimeoutError:
            return _response(
                CallbackResponse(status=408, body=b'{"error": "body too slow"}'),
                close=True,
            )
        answer = await receiver.receive(
            body, content_type=content_type, query=request.query
        )
        return _response(answer, close=len(body) > limit)

    return handle


async def _read(request: web.Request, most: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < most:
        chunk = await request.content.read(most - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _response(answer: CallbackResponse, *, close: bool) -> web.Response:
    response = web.Response(
        status=answer.status,
        body=answer.body,
        content_type=answer.content_type,
        headers=answer.headers,
    )
    if close:
        response.force_close()
    return response


async def start_app(
    app: web.Application, host: str, port: int, *, shutdown_timeout: float
) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``host:port``; return its runner and ``"http://HOST:PORT"``.

    Raises:
        OSError: The address cannot be bound; nothing is left running.
    """
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    # Cancelled at its very end, loop.create_server() would leave its socket
    # listening and unknown to the site: the start runs to its end, then the
    # cleanup closes whatever it opened.
    starting = asyncio.ensure_future(web.TCPSite(runner, host, port).start())
    try:
        await asyncio.shield(starting)
    except BaseException:
        await asyncio.wait([starting])
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    where = f"[{bound_host}]" if ":" in bound_host else bound_host
    return runner, f"http://{where}:{bound_port}"


class ShieldedClose:
    """A server's close that runs to its end even when its caller is cancelled.

    :meth:`run` starts ``close()`` in a task of its own and waits for it to
    end even when the caller is cancelled (the cancellation is raised once the
    server is closed, so a caller that goes on finds the port free); a call
    made while it runs waits for the same task, and a call after it ended
    starts anew.
    """

    def __init__(self) -> None:
        self._task: asyncio.Future[None] | None = None

    async def run(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run ``close()``, or wait for the one already running."""
        task = self._task
        if task is None:
            task = self._task = asyncio.ensure_future(close())
            task.add_done_callback(self._ended)
        await finish(task)

    def _ended(self, _: asyncio.Future[None]) -> None:
        self._task = None


class CallbackServer:
    """A small aiohttp server that runs a :class:`CallbackReceiver` on one port.

    It serves POSTs to ``path`` (any path when None; other methods get a 405)
    and owns only its socket: closing it does not close the receiver.
    """

    def __init__(
        self,
        receiver: CallbackReceiver,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str | None = "/",
    ) -> None:
        """Prepare the server; :meth:`start` binds it.

        Args:
            receiver: Where requests go.
            host: The address to listen on (``"0.0.0.0"`` for every one).
            port: The port; 0 picks a free one.
            path: The URL path to serve, or None for every path.
        """
        self._receiver = receiver
        self._host = host
        self._port = port
        self._path = path
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._closing = ShieldedClose()

    @property
    def url(self) -> str:
        """The local URL served, such as ``"http://127.0.0.1:8080/"``.

        Raises:
            RuntimeError: The server is not started.
        """
        if self._url is None:
            raise RuntimeError("CallbackServer is not started")
        return self._url

    async def start(self) -> None:
        """Bind and start serving.

        Raises:
            RuntimeError: It is already started.
            OSError: The address cannot be bound (in use, not local).
        """
        if self._runner is not None:
            raise RuntimeError("CallbackServer is already started")
        app = web.Application()
        app.router.add_post(self._path or "/{tail:.*}", aiohttp_handler(self._receiver))
        self._runner, base_url = await start_app(
            app, self._host, self._port, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        self._url = base_url + (self._path or "/")

    async def close(self) -> None:
        """Stop serving; idempotent. The receiver stays open.

        Cancelling it does not stop the closing, which ends in the background
        (requests in flight get up to a second); calling it again waits for it.
        """
        await self._closing.run(self._stop)

    async def _stop(self) -> None:
        runner, self._url = self._runner, None
        if runner is not None:
            await runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> CallbackServer:
        """Start the server and return it."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the server."""
        await self.close()
