"""The HTTP answer behind a successful call: :func:`with_raw_response`.

Service methods return parsed models. To read the status, headers or request
id of the answer as well, wrap the call: the requester records each
successful answer into the slot of the current task, set only while
:func:`with_raw_response` awaits, so other calls pay one context lookup.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, ParamSpec, TypeVar

from attrs import frozen

from tavus_async import _http
from tavus_async._status import request_id


__all__ = ["RawResponse", "record", "with_raw_response"]

P = ParamSpec("P")
T = TypeVar("T")


@frozen(kw_only=True)
class RawResponse(Generic[T]):
    """A call's parsed result with the HTTP answer it came from.

    Attributes:
        parsed: What the method returns (None for a delete or a rename).
        status_code: The answer's HTTP status, such as 200 or 204.
        headers: The answer's headers (lookups ignore case).
        request_id: The server's id for the answer (``x-request-id`` and
            kin), for support tickets; None when it sent none.
        method: The request's method.
        url: The request's URL, query included.
        attempts: How many attempts the call made (1 without a retry).
    """

    parsed: T
    status_code: int
    headers: Mapping[str, str]
    request_id: str | None
    method: str
    url: str
    attempts: int


class _Slot:
    __slots__ = ("answer",)

    def __init__(self) -> None:
        self.answer: tuple[str, _http.Response, int] | None = None


_SLOT: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar(
    "tavus_async_raw", default=None
)


def record(method: str, response: _http.Response, attempts: int) -> None:
    """Keep ``response`` for the :func:`with_raw_response` awaiting, if any."""
    slot = _SLOT.get()
    if slot is not None:
        slot.answer = (method, response, attempts)


async def with_raw_response(
    method: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
) -> RawResponse[T]:
    """Call a service method and return its result with the HTTP answer.

    ::

        raw = await with_raw_response(client.replicas.get, "r90bbd427f71")
        print(raw.status_code, raw.request_id, raw.parsed.status)

    Errors are raised as the method raises them (an :class:`APIStatusError`
    already carries its status, headers and request id). A delete taken as
    done because an earlier attempt may have acted (see
    :meth:`ReplicasService.delete`) reports a 204 without headers.

    Args:
        method: A service method such as ``client.personas.get`` (not an
            ``iter_all``, which sends a request per page).
        *args: Its positional arguments.
        **kwargs: Its keyword arguments, per-call options included.

    Returns:
        The parsed result and the last successful answer of the call.

    Raises:
        TypeError: ``method`` finished without sending a request.
    """
    slot = _Slot()
    token = _SLOT.set(slot)
    try:
        parsed = await method(*args, **kwargs)
    finally:
        _SLOT.reset(token)
    if slot.answer is None:
        raise TypeError(f"{method!r} returned without a request to Tavus")
    verb, response, attempts = slot.answer
    return RawResponse(
        parsed=parsed,
        status_code=response.status,
        headers=response.headers,
        request_id=request_id(response.headers),
        method=verb,
        url=response.url,
        attempts=attempts,
    )
