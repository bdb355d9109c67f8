"""What the services share: one call with decoding, and pagination."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from tavus_async import _http, _serde
from tavus_async import _validation as v
from tavus_async.errors import DecodeError, ValidationError
from tavus_async.types import Page


T = TypeVar("T")

_log = logging.getLogger("tavus_async")

DEFAULT_PAGE_SIZE = 100


def by_id(
    method: str,
    resource: str,
    id_field: str,
    resource_id: object,
    *rest: str,
    params: Mapping[str, Any] | None = None,
    body: bytes | None = None,
) -> _http.Request:
    """A request on one resource, such as ``GET v2/replicas/{id}``, id checked first."""
    checked = v.require_id(id_field, resource_id)
    return _http.Request(
        method=method,
        path=_http.path(resource, checked, *rest),
        params=_http.query(**params) if params else (),
        body=body,
    )


async def call(requester: _http.Requester, request: _http.Request, cls: type[T]) -> T:
    """Send ``request`` and decode the 2xx body into ``cls``.

    A create whose answer cannot be read may still have happened, so its
    ``DecodeError`` is marked ``may_have_succeeded``.
    """
    response = await requester.send(request)
    try:
        return _http.decode(requester.converter, request.method, response, cls)
    except DecodeError as error:
        if not request.idempotent:
            error.mark_may_have_succeeded()
        raise


async def create(
    requester: _http.Requester,
    resource: str,
    request: object,
    request_type: type,
    cls: type[T],
) -> T:
    """POST a create body (billed: not retry-safe) after checking its type."""
    if not isinstance(request, request_type):
        raise ValidationError.single(
            "request",
            f"must be a {request_type.__name__}, got {type(request).__name__}",
        )
    req = _http.Request(
        method="POST",
        path=_http.path(resource),
        body=_serde.dumps(requester.converter, request),
        idempotent=False,
    )
    return await call(requester, req, cls)


async def paginate(
    fetch: Callable[[int], Awaitable[Page[T]]], page_size: int
) -> AsyncGenerator[T, None]:
    """Yield every item of every page, fetching page after page from 1.

    Stops at an empty or short page, once ``total_count`` items came, or when
    the server answers a page with the same items as the page before (it
    ignores ``page``), so a misbehaving server cannot make it loop.
    """
    page_number, seen = 1, 0
    previous: tuple[T, ...] = ()
    while True:
        page = await fetch(page_number)
        if page.data and page.data == previous:
            _log.warning(
                "page %d repeated page %d; the server seems to ignore `page`, "
                "so pagination stops here",
                page_number,
                page_number - 1,
            )
            return
        for item in page.data:
            yield item
        seen += len(page.data)
        if len(page.data) < page_size or seen >= page.total_count:
            return
        previous = page.data
        page_number += 1
