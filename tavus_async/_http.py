"""The sans-I/O core: requests, responses and every decision about them.

Nothing here touches a socket or awaits. Building headers and URLs, checking
a base URL and decoding a 2xx body are plain functions, tested from tables;
reading an answer that is not a success (its error class, message,
``Retry-After`` and request id) is :mod:`tavus_async._status`'s. The two
seams are Protocols: :class:`Transport` (one HTTP exchange, implemented with
aiohttp in :mod:`tavus_async.session`) and :class:`Requester` (what services
depend on: send with retries, return a checked response).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from attrs import frozen
from cattrs.preconf.json import JsonConverter

from tavus_async import _serde
from tavus_async import _validation as v
from tavus_async._validation import require_positive
from tavus_async.errors import (
    DecodeError,
    ValidationError,
)


__all__ = [
    "DEFAULT_BASE_URL",
    "Request",
    "Requester",
    "Response",
    "Timeout",
    "Transport",
    "build_headers",
    "decode",
    "decode_data",
    "normalize_base_url",
    "path",
    "query",
    "url_for",
]

T = TypeVar("T")

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch
"""Segments made of these characters only are left as they are by ``quote``."""

DEFAULT_BASE_URL = "https://tavusapi.com"


@frozen(kw_only=True, cache_hash=True)
class Timeout:
    """Time limits for one HTTP request, in seconds (None: no limit).

    Attributes:
        total: The whole exchange, waiting for a pooled connection included.
        connect: Opening the TCP (and TLS) connection.
        read: Between two reads of the answer.
    """

    total: float | None = 60.0
    connect: float | None = 10.0
    read: float | None = 30.0

    def __attrs_post_init__(self) -> None:
        for name in ("total", "connect", "read"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int | float) and value > 0 and math.isfinite(value)
            ):
                raise ValidationError.single(
                    f"timeout.{name}",
                    f"must be a positive number or None, got {value!r}",
                )

    @classmethod
    def of(cls, value: float | Timeout) -> Timeout:
        """Return ``value`` as a Timeout; a number sets ``total`` and caps the rest."""
        if isinstance(value, Timeout):
            return value
        require_positive("timeout", value, "seconds or a Timeout", optional=False)
        return cls(total=value, connect=min(10.0, value), read=value)


@frozen(kw_only=True)
class Request:
    """One API call, relative to the base URL.

    Attributes:
        method: ``GET``, ``POST``, ``PATCH`` or ``DELETE``.
        path: Relative path without a leading slash, ids already quoted.
        params: Query parameters, already as strings.
        body: A JSON body, already encoded.
        idempotent: False for calls that must not be repeated blindly
            (creates are billed); retries then follow the stricter rule.
        done_if_gone: True for calls whose purpose is that the resource be
            gone or done (a delete, ending a conversation): when an earlier
            attempt may have acted, a retry answered "no such resource" means
            the call succeeded (see :func:`tavus_async._retry.verdict`).
        headers: Headers of this call only, on top of the client's.
        timeout: This call's time limits; None: the client's.
        accepted: Statuses outside 2xx that mean success for this call
            (304: a JSON-Patch that changed nothing).
    """

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    idempotent: bool = True
    done_if_gone: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    timeout: Timeout | None = None
    accepted: tuple[int, ...] = ()


@frozen(kw_only=True)
class Response:
    """One HTTP answer. ``headers`` lookups are by lower-case name."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


class Transport(Protocol):
    """Sends one HTTP request and returns the answer; retries are not its job.

    Implementations raise :class:`~tavus_async.APIConnectionError` (or its
    timeout subclass) for any failure without an HTTP answer.
    """

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        timeout: Timeout,  # noqa: ASYNC109 - a per-request limit given to aiohttp
    ) -> Response:
        """Perform the exchange and read the whole body.

        ``headers`` adds to the session's own; None when those are complete.
        """
        ...

    async def aclose(self) -> None:
        """Release what the transport owns."""
        ...


class Requester(Protocol):
    """What services depend on: send with retries, then a checked 2xx answer."""

    @property
    def converter(self) -> JsonConverter:
        """The converter that reads and writes the wire format."""
        ...

    async def send(self, request: Request) -> Response:
        """Send ``request``; raise an :class:`~tavus_async.APIError` on failure."""
        ...


def path(*segments: str) -> str:
    """Join ``v2`` and ``segments`` into a relative path, quoting each segment."""
    return "/".join(
        ("v2", *(s if _UNRESERVED(s) else quote(s, safe="") for s in segments))
    )


def query(**params: Any) -> tuple[tuple[str, str], ...]:
    """Encode query parameters: None is left out, booleans become ``true``/``false``,
    sequences are joined with commas, enums give their value."""
    pairs = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        elif isinstance(value, Sequence):
            text = ",".join(value)
        else:
            text = str(value)
        pairs.append((name, text))
    return tuple(pairs)


def url_for(base_url: str, request: Request) -> str:
    """The absolute URL of ``request``; ``base_url`` ends with ``/``."""
    url = base_url + request.path
    if request.params:
        url += "?" + urlencode(request.params, safe=",")
    return url


def normalize_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Check a base URL and return it ending with ``/``.

    Args:
        url: Such as ``https://tavusapi.com`` or ``http://127.0.0.1:8080``.
        allow_insecure_http: Accept plain ``http://`` to a non-loopback host.

    Raises:
        ValidationError: Not an absolute http(s) URL, has a query or fragment,
            holds the ``/v2`` the client adds itself, or is plain http to a
            remote host without the opt-in (the API key would travel in clear
            text).
    """
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError.single(
            "base_url",
            "must be an absolute http(s) URL such as 'https://tavusapi.com', "
            f"got {url!r}",
        )
    if parts.query or parts.fragment:
        raise ValidationError.single(
            "base_url", f"must not have a query or fragment, got {url!r}"
        )
    if (
        parts.scheme == "http"
        and not allow_insecure_http
        and not v.is_loopback(parts.hostname)
    ):
        raise ValidationError.single(
            "base_url",
            f"plain http to {parts.hostname!r} would send the API key in clear text; "
            "use https, or pass allow_insecure_http=True if you really mean it",
        )
    segments = parts.path.split("/")
    versions = [i for i, segment in enumerate(segments) if segment.lower() == "v2"]
    if versions:
        kept = "/".join(segments[: versions[0]])
        raise ValidationError.single(
            "base_url",
            f"holds the API version ({url!r}), but the client adds /v2/... to "
            f"every path itself; use {parts.scheme}://{parts.netloc}{kept}",
        )
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base if base.endswith("/") else base + "/"


def build_headers(api_key: str, user_agent: str) -> dict[str, str]:
    """The headers sent on every request (the key goes in ``x-api-key``)."""
    return {
        "x-api-key": api_key,
        "User-Agent": user_agent,
        "Accept": "application/json",
    }


def decode(
    converter: JsonConverter, method: str, response: Response, cls: type[T]
) -> T:
    """Parse a 2xx body into ``cls``.

    Raises:
        DecodeError: The body is not JSON or does not fit ``cls``.
    """
    try:
        return _serde.loads(converter, response.body, cls)
    except ValueError as exc:
        raise _unreadable(method, response, exc) from exc


def decode_data(
    converter: JsonConverter, method: str, response: Response, data: Any, cls: type[T]
) -> T:
    """Read ``data``, parsed from ``response`` and reshaped, into ``cls``.

    For answers whose shape a service fixes first (an envelope, one item for
    a set).

    Raises:
        DecodeError: ``data`` does not fit ``cls``; the error holds the body
            as received.
    """
    try:
        return _serde.structure(converter, data, cls)
    except ValueError as exc:
        raise _unreadable(method, response, exc) from exc


def _unreadable(method: str, response: Response, exc: ValueError) -> DecodeError:
    return DecodeError(
        f"unreadable {response.status} answer: {exc}",
        method=method,
        url=response.url,
        status_code=response.status,
        body=response.body,
    )
