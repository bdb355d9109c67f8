"""What can go wrong with a request to the fake Tavus server, and what happened.

Pure code: nothing here touches aiohttp. :class:`ApiError` is a request the fake
API itself rejects. :class:`Fault` describes trouble injected by a test,
:class:`FaultPlan` decides which requests it happens to (see :func:`matches`), and
:func:`render_fault` turns an HTTP-shaped fault into status, body and headers.
:class:`RecordedRequest` is the log entry of one request and its outcome.
"""

from __future__ import annotations

import fnmatch
import json
import random
from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Literal

import attrs


__all__ = [
    "ApiError",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "RecordedRequest",
    "bad_request",
    "matches",
    "render_fault",
]

FaultKind = Literal["status", "drop", "slow", "garbage", "truncate"]
"""The kinds of :class:`Fault`: an HTTP error, a dropped connection, a delay, a
non-JSON body, or a connection dropped in the middle of the answer's body."""

_GARBAGE = b"<html>upstream error</html>"


class ApiError(Exception):
    """A request the fake API rejects, with the HTTP status and JSON body to answer."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        """Store ``status`` and ``body``."""
        super().__init__(status, body)
        self.status = status
        self.body = body


def bad_request(message: str) -> ApiError:
    """A 400 with Tavus's documented body ``{"error": message}``."""
    return ApiError(400, {"error": message})


def _frozen_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(headers))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _format_seconds(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@attrs.frozen(kw_only=True)
class Fault:
    """One thing that goes wrong with a request to the fake server.

    Build faults with the named constructors :meth:`http`, :meth:`drop`,
    :meth:`slow`, :meth:`garbage` and :meth:`truncate`. Every fault but
    ``truncate`` first waits ``delay`` seconds. Then, when ``after`` is false,
    the request is not processed at all; when ``after`` is true, the request is
    processed normally (state changes happen, for example a replica is created)
    and the fault replaces the response.

    Attributes:
        kind: ``"status"`` answers with ``status``, ``body`` and ``headers``;
            ``"drop"`` closes the connection without any response; ``"slow"``
            only waits ``delay`` and then answers normally; ``"garbage"`` answers
            with ``status`` and a non-JSON ``text/html`` body; ``"truncate"``
            processes the request, sends the real answer's status, headers and
            the first half of its body, waits ``delay``, then closes the
            connection (``after`` is always true).
        status: HTTP status of ``"status"`` and ``"garbage"`` faults (200-599).
        body: Response body; ``None`` means a JSON body shaped like Tavus's own
            errors (``{"message": ...}`` for 401, ``{"error": ...}`` otherwise).
        headers: Extra response headers (stored as a read-only mapping).
        delay: Seconds to wait before acting, at least 0.
        after: Whether the request is processed before the fault replaces the
            response.
    """

    kind: FaultKind
    status: int = attrs.field(
        default=503, validator=attrs.validators.in_(range(200, 600))
    )
    body: bytes | None = None
    headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_headers, hash=False
    )
    delay: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    after: bool = False

    @classmethod
    def http(
        cls,
        status: int,
        *,
        retry_after: float | str | None = None,
        retry_after_ms: int | None = None,
        body: bytes | None = None,
        after: bool = False,
    ) -> Fault:
        """An HTTP error response, e.g. ``Fault.http(429, retry_after=2)``.

        Args:
            status: The status code to answer with (200-599).
            retry_after: Value of a ``Retry-After`` header: seconds (a number) or a
                verbatim string such as an HTTP date. Omitted when ``None``.
            retry_after_ms: Value of a ``retry-after-ms`` header, in milliseconds.
            body: The raw body; ``None`` gives the Tavus-shaped JSON error body.
            after: Process the request first, then answer with this error.
        """
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = _format_seconds(retry_after)
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        return cls(
            kind="status", status=status, body=body, headers=headers, after=after
        )

    @classmethod
    def drop(cls, *, after: bool = False) -> Fault:
        """Close the connection without sending any response.

        Args:
            after: Process the request first (state changes), then drop.
        """
        return cls(kind="drop", after=after)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (at least 0), then answer normally.

        Use it to trigger client read timeouts. The wait ends early, with the
        connection dropped, when the fake server closes.
        """
        return cls(kind="slow", delay=seconds)

    @classmethod
    def garbage(
        cls, *, status: int = 200, body: bytes = _GARBAGE, after: bool = False
    ) -> Fault:
        """Answer with a non-JSON ``text/html`` body, as a broken proxy would.

        Args:
            status: The status code to answer with (200-599).
            body: The raw body.
            after: Process the request first, then answer with the garbage.
        """
        return cls(kind="garbage", status=status, body=body, after=after)

    @classmethod
    def truncate(cls, *, pause: float = 0.0) -> Fault:
        """Cut the connection in the middle of the answer's body.

        The request is processed (state changes happen), then the real status,
        headers (with the full ``Content-Length``) and the first half of the
        body are sent; after ``pause`` seconds the connection is closed. The
        client sees a connection lost mid-response. The pause ends early, with
        the connection closed, when the fake server closes.

        Args:
            pause: Seconds (at least 0) between the half body and the close:
                time for a test to cancel a call that is reading the body.
        """
        return cls(kind="truncate", delay=pause, after=True)


def render_fault(fault: Fault) -> tuple[int, bytes, dict[str, str]]:
    """The status, body and headers that answer a ``"status"`` or ``"garbage"`` fault.

    A ``Content-Type`` in ``fault.headers`` wins over the default, which is
    ``application/json`` for status faults and ``text/html`` for garbage.
    """
    if fault.kind not in ("status", "garbage"):
        raise ValueError(f"a {fault.kind!r} fault has no response of its own")
    body = fault.body
    if body is None:
        key = "message" if fault.status == HTTPStatus.UNAUTHORIZED else "error"
        message = "Invalid access token" if key == "message" else _reason(fault.status)
        body = json.dumps({key: message}).encode()
    content_type = "application/json" if fault.kind == "status" else "text/html"
    headers = {"Content-Type": content_type}
    for name, value in fault.headers.items():
        if name.lower() == "content-type":
            headers.pop("Content-Type", None)
        headers[name] = value
    return fault.status, body, headers


def matches(
    request_method: str, request_path: str, *, method: str | None, path: str | None
) -> bool:
    """Whether a request matches a ``method`` and ``path`` filter.

    ``method`` matches when ``None`` or equal ignoring case; ``path`` matches when
    ``None``, equal, or an :func:`fnmatch.fnmatchcase` glob of the request path
    (``*`` also matches ``/``).
    """
    if method is not None and method.upper() != request_method.upper():
        return False
    return (
        path is None or path == request_path or fnmatch.fnmatchcase(request_path, path)
    )


@attrs.define
class _Rule:
    fault: Fault
    method: str | None
    path: str | None
    remaining: int
    rate: float


class FaultPlan:
    """Scripted and random fault rules, and the choice of a fault for each request.

    Rules match requests as :func:`matches` says. Scripted rules take precedence
    over random ones; within each group the rule added first wins.
    """

    def __init__(self, rng: random.Random) -> None:
        """Create an empty plan drawing random faults from ``rng``."""
        self._rng = rng
        self._scripted: list[_Rule] = []
        self._random: list[_Rule] = []

    def add_scripted(
        self, fault: Fault, *, times: int, method: str | None, path: str | None
    ) -> None:
        """Give ``fault`` to the next ``times`` (at least 1) matching requests."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        self._scripted.append(_Rule(fault, method, path, times, 1.0))

    def add_rate(
        self, fault: Fault, rate: float, *, method: str | None, path: str | None
    ) -> None:
        """Give ``fault`` to each matching request with probability ``rate`` (0-1)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        self._random.append(_Rule(fault, method, path, 0, rate))

    def clear(self) -> None:
        """Remove every rule."""
        self._scripted.clear()
        self._random.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault for one request, or ``None``; consumes one scripted use."""
        for rule in self._scripted:
            if matches(method, path, method=rule.method, path=rule.path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._scripted.remove(rule)
                return rule.fault
        for rule in self._random:
            hit = matches(method, path, method=rule.method, path=rule.path)
            if hit and self._rng.random() < rule.rate:
                return rule.fault
        return None


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request received by the fake server.

    Attributes:
        method: The HTTP method, upper case.
        path: The URL path, e.g. ``"/v2/replicas/r1234567890"``.
        query: The query parameters (the first value of repeated ones).
        headers: The headers, names lower-cased, ``x-api-key`` shown as
            ``"<redacted>"``.
        json: The parsed JSON body, or ``None`` when empty or not JSON.
        status: The status answered, or ``None`` when the connection was dropped
            or the request is still in flight.
        fault: The kind of the injected fault (``"status"``, ``"drop"``,
            ``"slow"``, ``"garbage"``, ``"truncate"``), or ``None``.
        at: When the request arrived, in event-loop time (``loop.time()``).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int | None
    fault: str | None
    at: float
