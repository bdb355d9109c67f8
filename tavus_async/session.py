"""The aiohttp boundary: the session factory and the transport built on it.

This is the only module of the client that imports aiohttp. Every aiohttp or
socket failure is turned into :class:`~tavus_async.APIConnectionError` (or
:class:`~tavus_async.APITimeoutError`) here, with the original as
``__cause__``, so no aiohttp exception escapes a public method.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version

import aiohttp

from tavus_async._http import Response, Timeout
from tavus_async.errors import APIConnectionError, APITimeoutError, ClientStateError


__all__ = [
    "AiohttpTransport",
    "ClientSession",
    "TraceConfig",
    "create_session",
    "package_version",
    "session_loop",
    "user_agent",
]

ClientSession = aiohttp.ClientSession
"""The aiohttp session type, for annotations outside this module."""

TraceConfig = aiohttp.TraceConfig
"""aiohttp's tracing hooks type, for annotations outside this module."""


def package_version() -> str:
    """The installed version of tavus-async; ``0+unknown`` when not installed."""
    try:
        return version("tavus-async")
    except PackageNotFoundError:
        return "0+unknown"


def user_agent() -> str:
    """The ``User-Agent`` sent with every request: ``tavus-async/<version>``."""
    return f"tavus-async/{package_version()}"


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """An aiohttp timeout with all three limits set.

    ``connect`` maps to aiohttp's ``sock_connect`` (the socket connect itself)
    rather than its ``connect``, which also counts the wait for a free pooled
    connection: under a concurrent batch that wait is normal, and ``total``
    already bounds it. The last 64 are kept: most clients use one or two, and
    a backend passing the time left of a deadline makes a new one per call,
    which must not grow memory without bound.
    """
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


_RETRY_CONNECTION = "_retry_connection"


def create_session(
    *,
    timeout: Timeout | None = None,
    limit: int = 100,
    limit_per_host: int = 0,
    headers: Mapping[str, str] | None = None,
    trace_configs: Iterable[aiohttp.TraceConfig] | None = None,
) -> aiohttp.ClientSession:
    """Build the ``aiohttp.ClientSession`` tavus_async uses.

    Call it inside a running event loop (aiohttp binds the session to it).
    aiohttp's own silent resend of a GET or DELETE after a dropped connection
    is turned off: the client retries by its own rules, which must see every
    failure (see docs/retries.md). The session carries
    ``User-Agent: tavus-async/<version>`` and ``Accept: application/json``;
    the API key is not stored in it but sent by the client on each request,
    so one session may serve several clients.
    Pass the result to ``TavusClient(session=...)`` to share it; you then
    close it yourself.

    Args:
        timeout: Default time limits (total, connect, read); the client also
            sends its own limits with every request.
        limit: Most connections open at once (aiohttp's default, 100).
        limit_per_host: Most connections to one host (0: no separate limit).
        headers: Extra default headers.
        trace_configs: aiohttp tracing hooks, for metrics.

    Returns:
        A new session that owns its connector.

    Raises:
        ClientStateError: No event loop is running.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ClientStateError(
            "create_session() must be called inside a running event loop "
            "(from async code), not at import time"
        ) from None
    connector = aiohttp.TCPConnector(
        limit=limit, limit_per_host=limit_per_host, ttl_dns_cache=300
    )
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=_client_timeout(timeout or Timeout()),
        headers={
            "User-Agent": user_agent(),
            "Accept": "application/json",
            **(headers or {}),
        },
        trace_configs=list(trace_configs) if trace_configs else None,
        raise_for_status=False,
    )
    if _RETRY_CONNECTION in aiohttp.ClientSession.ATTRS:
        # aiohttp resends a GET or DELETE once, unseen, when its connection
        # drops (aio-libs/aiohttp#10790: no public switch; its own test client
        # sets this too). The client's retry rules must see every failure: a
        # DELETE that acted before the drop, resent, hears "Invalid
        # replica_id", and only a retry the client made knows that is success.
        setattr(session, _RETRY_CONNECTION, False)
    return session


def session_loop(session: aiohttp.ClientSession) -> asyncio.AbstractEventLoop | None:
    """The event loop ``session`` is bound to, when aiohttp lets us read it."""
    loop = getattr(session, "_loop", None)  # public `loop` warns it is deprecated
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


class AiohttpTransport:
    """The :class:`~tavus_async._http.Transport` over one aiohttp session.

    Args:
        session: The session to send through.
        owns_session: Close the session in :meth:`aclose` (True only for a
            session the client created itself).
    """

    def __init__(self, session: aiohttp.ClientSession, *, owns_session: bool) -> None:
        self.session = session
        self.owns_session = owns_session
        # Answers whose body is being read: closing the session does not wake
        # their readers (aiohttp drops the payload before the connection is
        # lost), so aclose() ends those reads itself.
        self._reading: set[aiohttp.ClientResponse] = set()

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        timeout: Timeout,  # noqa: ASYNC109 - a per-request limit given to aiohttp
    ) -> Response:
        """Perform one exchange and read the whole answer.

        Redirects are not followed: aiohttp would forward ``x-api-key`` to
        whatever host a redirect names. A 3xx becomes an ``APIStatusError``.

        Raises:
            APITimeoutError: A connect, read or total timeout.
            APIConnectionError: Any other failure without an HTTP answer.
            ClientStateError: The session was closed by its owner.
        """
        if self.session.closed:
            raise ClientStateError(
                "the aiohttp session passed to TavusClient was closed; "
                "keep it open while the client is in use"
            )
        try:
            async with self.session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=_client_timeout(timeout),
                allow_redirects=False,
            ) as answer:
                self._reading.add(answer)
                try:
                    content = await answer.read()
                finally:
                    self._reading.discard(answer)
                return Response(
                    status=answer.status, headers=answer.headers, body=content, url=url
                )
        except aiohttp.ConnectionTimeoutError as exc:
            raise _failure(APITimeoutError, exc, method, url, sent=False) from exc
        except aiohttp.ClientConnectorError as exc:
            raise _failure(APIConnectionError, exc, method, url, sent=False) from exc
        except TimeoutError as exc:
            raise _failure(APITimeoutError, exc, method, url, sent=True) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _failure(APIConnectionError, exc, method, url, sent=True) from exc

    async def aclose(self) -> None:
        """Close the session if this transport owns it; reads in progress fail."""
        if self.owns_session and not self.session.closed:
            for answer in self._reading:
                answer.content.set_exception(
                    aiohttp.ClientConnectionError("the client was closed")
                )
            await self.session.close()


def _failure(
    cls: type[APIConnectionError],
    exc: BaseException,
    method: str,
    url: str,
    *,
    sent: bool,
) -> APIConnectionError:
    _redact_key(exc)
    reason = str(exc) or type(exc).__name__
    kind = "timed out" if cls is APITimeoutError else "connection failed"
    return cls(f"{kind}: {reason}", method=method, url=url, request_sent=sent)


def _redact_key(exc: BaseException) -> None:
    """Blank out the API key that an aiohttp error keeps with the request headers.

    A ``ClientResponseError`` (a malformed answer, for one) holds the request
    headers, ``x-api-key`` included, in ``request_info`` and ``args``, which its
    ``repr`` shows; it becomes the ``__cause__`` of our error, where an error
    tracker that records exceptions in full would show the key.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        info = exc.request_info
        headers = info.headers.copy()
        if "x-api-key" in headers:
            headers["x-api-key"] = "<redacted>"
        exc.request_info = aiohttp.RequestInfo(
            info.url, info.method, type(info.headers)(headers), info.real_url
        )
        exc.args = (exc.request_info, *exc.args[1:])
