"""Every exception tavus_async raises, in one tree.

This module is a leaf: it imports nothing from the package, so any other
module (types, the converter, the HTTP core) can raise these errors.

::

    TavusError
    ├── ValidationError (ValueError)          bad input, caught before any request
    ├── WebhookError (ValueError)             a body that is not a Tavus callback
    ├── ClientStateError (RuntimeError)       a closed or twice-opened client
    ├── WatchError                            a watch ended with replicas not ok
    │   └── WatchTimeoutError (TimeoutError)  ... and every one of them timed out
    └── APIError                              something went wrong talking to Tavus
        ├── APIConnectionError (ConnectionError)
        │   └── APITimeoutError (TimeoutError)
        ├── DecodeError (ValueError)          a 2xx body that is not what we expect
        └── APIStatusError                    a non-2xx answer
            ├── BadRequestError               400
            ├── AuthenticationError           401
            ├── PermissionDeniedError         403
            ├── NotFoundError                 404
            │   └── UnknownIdError            400 "Invalid replica_id" (both)
            ├── ConflictError                 409
            ├── UnprocessableEntityError      422
            ├── RateLimitError                429
            └── InternalServerError           500 and above

:class:`UnknownIdError` is the one error with two parents: Tavus answers an
id it does not know with 400 ``Invalid replica_id`` where other APIs say 404,
so the error is a :class:`NotFoundError` (``except NotFoundError`` catches
it, as a user expects) and a :class:`BadRequestError` (code written for the
400 keeps working).

Errors also inherit the matching built-in, so ``except TimeoutError`` or
``except ValueError`` catch ours too.

:class:`ClientStateError` is deliberately not an :class:`APIError`: it says
the program used a client outside its life (after ``aclose()``, or opened
twice), not that talking to Tavus failed. Code that catches ``APIError`` to
retry later or to fall back would otherwise swallow that bug, and retrying it
can never succeed. httpx draws the same line (a closed client raises
``RuntimeError``, not ``httpx.HTTPError``). A call that ``aclose()`` cut short
raises it too, since closing was the program's own decision.

No ``aiohttp`` exception ever escapes a public method: transport failures
become :class:`APIConnectionError` with the original as ``__cause__``. The API
key never appears in an error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from tavus_async.watch.events import Outcome


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientStateError",
    "ConflictError",
    "DecodeError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "TavusError",
    "UnknownIdError",
    "UnprocessableEntityError",
    "ValidationError",
    "WatchError",
    "WatchTimeoutError",
    "WebhookError",
]

_MAY_HAVE_SUCCEEDED_NOTE = (
    "Tavus may have acted on this request before it failed; it was not retried "
    "because creating twice is billed twice. Look the resource up (for example "
    "list replicas by name) before sending it again."
)


class TavusError(Exception):
    """The root of every exception raised by tavus_async."""


class ValidationError(TavusError, ValueError):
    """Input that Tavus would reject, caught before any request is sent.

    Attributes:
        field: The name of the first offending field or argument.
        problems: Every ``(field, message)`` pair found, in field order.
    """

    def __init__(self, problems: list[tuple[str, str]] | tuple[tuple[str, str], ...]):
        if not problems:
            raise ValueError("ValidationError needs at least one problem")
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        self.field: str = self.problems[0][0]
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.problems))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        """Build the error for one offending field."""
        return cls([(field, message)])


class WebhookError(TavusError, ValueError):
    """A callback body that cannot be a Tavus callback: not JSON, or the wrong shape.

    Attributes:
        field: Where the problem is, such as ``"properties.transcript"``; None
            when it concerns the body as a whole.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class ClientStateError(TavusError, RuntimeError):
    """The client was used after ``aclose()``, or opened twice."""


class WatchError(TavusError):
    """Raised by a watcher's ``wait(raise_on_error=True)`` when an id is not ok.

    Attributes:
        outcomes: Every id's outcome, ok ones included, by id
            (:class:`~tavus_async.ReplicaOutcome` values from a replica watcher).
        failures: The outcomes that are not ok, by id.
    """

    def __init__(self, message: str, outcomes: Mapping[str, Outcome[Any]]) -> None:
        super().__init__(message)
        self.outcomes: Mapping[str, Outcome[Any]] = dict(outcomes)
        self.failures: Mapping[str, Outcome[Any]] = {
            key: outcome for key, outcome in outcomes.items() if not outcome.ok
        }


class WatchTimeoutError(WatchError, TimeoutError):
    """A :class:`WatchError` where every id that is not ok timed out."""


class APIError(TavusError):
    """A request to Tavus failed.

    Attributes:
        method: The HTTP method, such as ``"GET"``.
        url: The URL that was requested (it never holds the API key).
        may_have_succeeded: True when the request changes something and
            failed in a way that leaves open whether Tavus acted on it: a
            create (never retried then) that met a read timeout, a connection
            lost after sending, or a 500/502/504; or a delete, rename or end
            whose earlier attempt met one of those before the last one failed.
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.may_have_succeeded: bool = False

    def __str__(self) -> str:
        return f"{self.message} ({self.method} {self.url})"

    def mark_may_have_succeeded(self, note: str | None = None) -> None:
        """Record that Tavus may have acted on the request, with a note saying so.

        Args:
            note: The note to add; by default, the one for a create that was
                not retried.
        """
        if not self.may_have_succeeded:
            self.may_have_succeeded = True
            self.add_note(note or _MAY_HAVE_SUCCEEDED_NOTE)


class APIConnectionError(APIError, ConnectionError):
    """No HTTP answer: the connection failed, was reset or was dropped.

    Attributes:
        request_sent: False only when the request certainly never reached
            Tavus (connection refused, DNS failure, connect timeout).
    """

    def __init__(
        self, message: str, *, method: str, url: str, request_sent: bool
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError, TimeoutError):
    """The request timed out (connect, read or total timeout)."""


class DecodeError(APIError, ValueError):
    """A successful answer whose body is not the JSON the client expects.

    Attributes:
        status_code: The HTTP status of the answer.
        body: The raw body, truncated to 2,000 bytes.
    """

    def __init__(
        self, message: str, *, method: str, url: str, status_code: int, body: bytes
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body: bytes = body[:2000]


class APIStatusError(APIError):
    """Tavus answered with a non-2xx status.

    Attributes:
        status_code: The HTTP status.
        message: The error text, read from the body's ``error`` or ``message``
            key, or the raw body when it is not JSON.
        body: The parsed JSON body, or the raw text when it is not JSON.
        request_id: The request id header, when Tavus sent one.
        retry_after: Seconds the server asked us to wait (``Retry-After`` or
            ``retry-after-ms``), when it asked.
        headers: The response headers, names lower-cased.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int,
        body: Any = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.retry_after = retry_after
        self.headers: Mapping[str, str] = {
            name.lower(): value for name, value in (headers or {}).items()
        }

    def __str__(self) -> str:
        where = f"{self.method} {self.url}"
        if self.request_id:
            where += f", request id {self.request_id}"
        return f"{self.status_code}: {self.message} ({where})"


class BadRequestError(APIStatusError):
    """400: Tavus rejected the request (including invalid ids)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example an IP-restricted key)."""


class NotFoundError(APIStatusError):
    """404: no such endpoint or resource."""


class UnknownIdError(NotFoundError, BadRequestError):
    """An id Tavus does not know, answered with 400 ``Invalid replica_id``.

    Tavus says 400 where other APIs say 404, so this error is both a
    :class:`NotFoundError` and a :class:`BadRequestError`; its
    ``status_code`` stays 400.

    Attributes:
        id_field: The id the answer names, such as ``"replica_id"`` or
            ``"conversation_id"``; None when the answer names none.
    """

    id_field: str | None = None


class ConflictError(APIStatusError):
    """409: the resource is not in a state that allows this."""


class UnprocessableEntityError(APIStatusError):
    """422: the body was understood but is invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long to wait, if known."""


class InternalServerError(APIStatusError):
    """500 and above: Tavus or a proxy in front of it failed."""
