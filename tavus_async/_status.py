"""Reading an answer that is not a success: its error, message, wait and request id.

Pure functions, tested from tables: :func:`error_from_response` maps a status
and body to the :class:`~tavus_async.APIStatusError` subclass (an unknown id
to :class:`~tavus_async.UnknownIdError`, :func:`unknown_id`), with the message
Tavus put under ``error`` or ``message``, the wait it asked for
(:func:`parse_retry_after`) and its request id (:func:`request_id`, read from
successful answers too).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from tavus_async.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnknownIdError,
    UnprocessableEntityError,
)


if TYPE_CHECKING:
    from tavus_async._http import Response


__all__ = [
    "error_from_response",
    "parse_retry_after",
    "refused_error",
    "request_id",
    "status_error_class",
    "unknown_id",
]

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}
_INVALID_ID = re.compile(r"\s*invalid\s+([a-z][a-z0-9_]*_ids?)\s*[.!]?\s*", re.I)
_NOT_FOUND = re.compile(r".*\b(?:not\s+found|does\s+not\s+exist)\b.*", re.I | re.S)
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")
_MAX_MESSAGE = 500


def parse_retry_after(
    headers: Mapping[str, str], *, now: datetime | None = None
) -> float | None:
    """Seconds the server asked to wait, or None if it did not ask (readably).

    ``retry-after-ms`` wins over ``Retry-After``; ``Retry-After`` may hold
    seconds or an HTTP date. Negative waits count as zero.

    Args:
        headers: Response headers, looked up by lower-case name.
        now: The current time, for HTTP dates (defaults to now, UTC).
    """
    millis = _finite(headers.get("retry-after-ms"))
    if millis is not None:
        return max(millis / 1000.0, 0.0)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _finite(raw)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max((when - current).total_seconds(), 0.0)


def _finite(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def error_from_response(method: str, response: Response) -> APIStatusError:
    """Map a non-2xx answer to the matching :class:`APIStatusError` subclass.

    The message comes from the body's ``error`` or ``message`` key (Tavus
    uses both, even for the same status), else from the raw text, else from
    the status phrase.
    """
    body: Any
    try:
        body = json.loads(response.body) if response.body else None
    except (ValueError, RecursionError):
        body = response.body.decode("utf-8", "replace")
    message = _message(body) or _phrase(response.status)
    status = response.status
    fields = {
        "method": method,
        "url": response.url,
        "status_code": status,
        "body": body,
        "request_id": request_id(response.headers),
        "retry_after": parse_retry_after(response.headers),
        "headers": response.headers,
    }
    unknown, id_field = unknown_id(status, message)
    if not unknown:
        return status_error_class(status)(message, **fields)
    error = UnknownIdError(message, **fields)
    error.id_field = id_field
    return error


def request_id(headers: Mapping[str, str]) -> str | None:
    """The id a server gave an answer (``x-request-id`` and kin), if any."""
    return next((headers[h] for h in _REQUEST_ID_HEADERS if h in headers), None)


def unknown_id(status: int, message: str) -> tuple[bool, str | None]:
    """Whether an answer says "this id does not exist", and which id it names.

    Tavus answers an unknown id with 400 ``Invalid replica_id`` (or
    ``Invalid conversation_id``, ...), where other APIs say 404; a 400 that
    says "not found" or "does not exist" means the same.

    Args:
        status: The HTTP status.
        message: The error text read from the body.

    Returns:
        ``(True, "replica_id")`` for ``Invalid replica_id``, ``(True, None)``
        for a 400 "not found" naming no id field, else ``(False, None)``.
    """
    if status != 400:
        return False, None
    invalid = _INVALID_ID.fullmatch(message)
    if invalid is not None:
        return True, invalid.group(1).lower()
    return _NOT_FOUND.fullmatch(message) is not None, None


def status_error_class(status: int) -> type[APIStatusError]:
    """The :class:`APIStatusError` subclass for an HTTP status."""
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        return InternalServerError if status >= 500 else APIStatusError
    return cls


def refused_error(
    cause: APIStatusError, method: str, url: str, remaining: float, cap: float
) -> APIStatusError:
    """The error of a request not sent because the server asked for a long wait.

    Args:
        cause: The answer whose ``Retry-After`` began the wait.
        method: The refused request's method.
        url: The refused request's URL.
        remaining: Seconds of the wait still to go.
        cap: ``max_retry_after``, the longest wait the client makes.

    Returns:
        An error of ``cause``'s class and status, ``retry_after`` set to
        ``remaining``, with a message saying that nothing was sent.
    """
    message = (
        f"not sent: Tavus asked this client to wait {remaining:.1f}s more "
        f"(after {cause.status_code} on {cause.method} {cause.url}: "
        f"{cause.message}), longer than max_retry_after ({cap:g}s); every "
        "request fails at once until then"
    )
    return status_error_class(cause.status_code)(
        message,
        method=method,
        url=url,
        status_code=cause.status_code,
        retry_after=remaining,
    )


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, Mapping):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return value.strip()[:_MAX_MESSAGE]
        return ""
    if isinstance(body, str):
        return " ".join(body.split())[:_MAX_MESSAGE]
    return ""


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
