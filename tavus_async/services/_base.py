"""What the services share: one call with decoding, and pagination."""

from __future__ import annotations

import enum
import logging
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Collection,
    Mapping,
    Sequence,
)
from typing import Any, TypeVar

import attrs
from attrs import frozen

from tavus_async import _http, _options, _patch, _serde
from tavus_async import _validation as v
from tavus_async.errors import DecodeError, ValidationError
from tavus_async.types import Page
from tavus_async.types.patch import PatchOperation


T = TypeVar("T")

_log = logging.getLogger("tavus_async")

DEFAULT_PAGE_SIZE = 100
NOT_MODIFIED = 304


@frozen
class Resource:
    """Where one resource family lives (``v2/<path>``) and what its id is called.

    Attributes:
        path: The collection's path segment, such as ``"personas"``.
        id_field: The id's name in messages, such as ``"persona_id"``.
    """

    path: str
    id_field: str

    def one(
        self,
        method: str,
        resource_id: object,
        *rest: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        done_if_gone: bool = False,
    ) -> _http.Request:
        """A request on one item, such as ``GET v2/personas/{id}``, id checked first.

        ``done_if_gone`` marks a delete or an end (see :class:`_http.Request`).

        Raises:
            ValidationError: ``resource_id`` is empty or malformed.
        """
        checked = v.require_id(self.id_field, resource_id)
        return _http.Request(
            method=method,
            path=_http.path(self.path, checked, *rest),
            params=_http.query(**params) if params else (),
            body=body,
            done_if_gone=done_if_gone,
        )

    def all(
        self,
        method: str = "GET",
        *,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        idempotent: bool = True,
    ) -> _http.Request:
        """A request on the collection, such as ``GET v2/personas?limit=10``."""
        return _http.Request(
            method=method,
            path=_http.path(self.path),
            params=_http.query(**params) if params else (),
            body=body,
            idempotent=idempotent,
        )


async def call(
    requester: _http.Requester,
    request: _http.Request,
    cls: type[T],
    options: Mapping[str, object],
) -> T:
    """Send ``request`` with the per-call ``options``; decode the 2xx body into ``cls``.

    A create whose answer cannot be read may still have happened, so its
    ``DecodeError`` is marked ``may_have_succeeded``.
    """
    request = _options.apply(request, options)
    response = await requester.send(request)
    try:
        return _http.decode(requester.converter, request.method, response, cls)
    except DecodeError as error:
        if not request.idempotent:
            error.mark_may_have_succeeded()
        raise


async def send(
    requester: _http.Requester, request: _http.Request, options: Mapping[str, object]
) -> None:
    """Send ``request`` with the per-call ``options``; the answer's body is not read."""
    await requester.send(_options.apply(request, options))


async def rename(
    requester: _http.Requester,
    resource: Resource,
    item_id: object,
    field: str,
    name: object,
    options: Mapping[str, object],
) -> None:
    """PATCH ``v2/<path>/{id}/name`` with ``{field: name}``, both checked first.

    Raises:
        ValidationError: An empty id or name.
    """
    v.require_text(field, name)
    data = body(requester, {field: name})
    await send(requester, resource.one("PATCH", item_id, "name", body=data), options)


async def delete(
    requester: _http.Requester,
    resource: Resource,
    item_id: object,
    options: Mapping[str, object],
    *,
    hard: bool = False,
) -> None:
    """DELETE an item (``?hard=true`` when asked); gone on a retry counts as done.

    Raises:
        ValidationError: An empty or malformed id.
    """
    params = {"hard": True} if hard else None
    request = resource.one("DELETE", item_id, params=params, done_if_gone=True)
    await send(requester, request, options)


def body(requester: _http.Requester, value: object) -> bytes:
    """``value`` (one of our types, or plain JSON data) as a JSON body."""
    return _serde.dumps(requester.converter, value)


def require_type(name: str, value: object, cls: type) -> None:
    """Refuse ``value`` unless it is a ``cls``, naming the argument.

    Raises:
        ValidationError: ``value`` is of another type.
    """
    if not isinstance(value, cls):
        raise ValidationError.single(
            name, f"must be a {cls.__name__}, got {type(value).__name__}"
        )


async def create(
    requester: _http.Requester,
    resource: Resource,
    request: object,
    request_type: type,
    cls: type[T],
    options: Mapping[str, object],
) -> T:
    """POST a create body (billed: not retry-safe) after checking its type."""
    require_type("request", request, request_type)
    req = resource.all("POST", body=body(requester, request), idempotent=False)
    return await call(requester, req, cls, options)


async def json_patch(
    requester: _http.Requester,
    resource: Resource,
    item_id: object,
    operations: Sequence[PatchOperation],
    model: type,
    options: Mapping[str, object],
    *,
    read_only: Collection[str],
) -> bool:
    """PATCH an item with a JSON-Patch, every path checked against ``model`` first.

    Returns:
        True when Tavus changed the item (200), False when it answered 304
        (nothing to change).

    Raises:
        ValidationError: A bad id, or a path ``model`` does not have, or one
            in ``read_only``; every problem named, nothing sent.
    """
    checked = _patch.check(operations, model, read_only=read_only)
    data = body(requester, [_patch.to_wire(op) for op in checked])
    request = attrs.evolve(
        resource.one("PATCH", item_id, body=data), accepted=(NOT_MODIFIED,)
    )
    response = await requester.send(_options.apply(request, options))
    return response.status != NOT_MODIFIED


def model_diff(
    old: object, new: object, read_only: Collection[str]
) -> tuple[PatchOperation, ...]:
    """The JSON-Patch from model ``old`` to model ``new``, fields Tavus sets left out.

    Both are written as JSON by the library's converter; :func:`_patch.diff`
    replaces a changed array whole.
    """
    unstructure = _serde.default_converter().unstructure
    before, after = (
        {key: value for key, value in unstructure(one).items() if key not in read_only}
        for one in (old, new)
    )
    return _patch.diff(before, after)


def pages(
    list_page: Callable[..., Awaitable[Page[T]]],
    limit: int,
    options: Mapping[str, object],
    /,
    *,
    first_page: int = 1,
    **filters: Any,
) -> AsyncGenerator[T, None]:
    """:func:`paginate` over a service's ``list``, with the same filters each page.

    ``options`` are checked now; the filters were checked by the caller.
    ``first_page`` is the number Tavus gives the first page: 1, or 0 for the
    lists it documents as 0-based.

    Raises:
        ValidationError: Bad per-call options.
    """
    _options.check(options)
    offset = first_page - 1

    async def fetch(number: int) -> Page[T]:
        return await list_page(limit=limit, page=number + offset, **filters, **options)

    return paginate(fetch, from_zero=first_page == 0)


class Step(enum.Enum):
    """What :func:`paginate` does with a page it fetched."""

    MORE = "more"
    """Yield its items, then fetch the next page."""
    DONE = "done"
    """Yield its items (if any), then stop: the listing is complete."""
    REPEATED = "repeated"
    """Stop without yielding: it repeats the previous page (``page`` ignored)."""
    SKIPPED = "skipped"
    """Go on without yielding: page 0 was page 1 (the server counts from 1)."""
    RUNAWAY = "runaway"
    """Yield its items, then stop: the page bound is reached."""


def page_bound(first_total: int) -> int:
    """The most pages :func:`paginate` fetches when the first said ``first_total``.

    A list that does not change needs at most ``first_total`` pages, since every
    page but an empty last one brings at least one item. As many again, plus
    10, leave room for items created while the pages are read; only a server
    that keeps raising ``total_count`` gets that far.
    """
    return 2 * max(first_total, 0) + 10


def page_step(
    *,
    number: int,
    data: tuple[object, ...],
    previous: tuple[object, ...],
    seen: int,
    total_count: int,
    first_total: int,
    from_zero: bool = False,
) -> Step:
    """Decide what to do with page ``number``, in the order of these rules.

    1. An empty page ends the listing (:attr:`Step.DONE`), even when
       ``total_count`` promises more: it lies high, or items were deleted.
    2. A page equal to the previous one means the server ignores ``page``
       (:attr:`Step.REPEATED`); its items came already. But for a list
       documented as counting from 0 (``from_zero``), a second page equal to
       the first means the server counts from 1 and read page 0 as page 1
       (Tavus's pages disagree on which lists count from 0): it is skipped
       (:attr:`Step.SKIPPED`) and the listing goes on, so that no page is
       lost whichever way the server counts.
    3. Once ``seen`` plus this page reach this page's ``total_count``, the
       listing is complete (:attr:`Step.DONE`). A ``total_count`` that lies
       low is taken at its word: the page that reaches it is the last.
    4. Page :func:`page_bound` of ``first_total`` is the last
       (:attr:`Step.RUNAWAY`).

    A page shorter than the ``limit`` asked is not a sign of the end: Tavus
    documents no largest page size, and a server may answer fewer.

    Args:
        number: The page number, from 1.
        data: The page's items.
        previous: The items of page ``number - 1`` (empty for page 1).
        seen: How many items the pages before this one brought.
        total_count: This page's ``total_count``.
        first_total: Page 1's ``total_count``.
        from_zero: Whether the list is documented as counting from 0.

    Returns:
        The step to take.
    """
    if not data:
        return Step.DONE
    if data == previous:
        return Step.SKIPPED if from_zero and number == 2 else Step.REPEATED
    if seen + len(data) >= total_count:
        return Step.DONE
    if number >= page_bound(first_total):
        return Step.RUNAWAY
    return Step.MORE


async def paginate(
    fetch: Callable[[int], Awaitable[Page[T]]], *, from_zero: bool = False
) -> AsyncGenerator[T, None]:
    """Yield every item of every page, fetching page after page from 1.

    :func:`page_step` decides, page by page, when to stop: at an empty page,
    once ``total_count`` items came, or (with a warning logged on the
    ``tavus_async`` logger) when the server repeats a page or the page bound
    is reached. A misbehaving server therefore cannot make it loop forever:
    every page it goes on from brings at least one item, so the count or the
    bound ends a server that cycles through older pages. With a list that
    changes while it is read, items may come twice or be missed, as with any
    paging by number.

    Args:
        fetch: Fetches one page by number, from 1.
        from_zero: Whether the server is documented as counting from 0
            (see :func:`page_step`).
    """
    number, seen, first_total = 1, 0, 0
    previous: tuple[T, ...] = ()
    while True:
        page = await fetch(number)
        if number == 1:
            first_total = page.total_count
        step = page_step(
            number=number,
            data=page.data,
            previous=previous,
            seen=seen,
            total_count=page.total_count,
            first_total=first_total,
            from_zero=from_zero,
        )
        if step is Step.SKIPPED:
            _log.info(
                "page 0 and page 1 are the same: the server counts pages from 1, "
                "so the listing goes on from page 2"
            )
            number += 1
            continue
        if step is Step.REPEATED:
            _log.warning(
                "page %d repeated page %d; the server seems to ignore `page`, "
                "so pagination stops here",
                number,
                number - 1,
            )
            return
        if step is Step.RUNAWAY:
            _log.warning(
                "page %d reached the bound of %d pages for the %d items page 1 "
                "announced; total_count keeps growing, so pagination stops "
                "after this page",
                number,
                page_bound(first_total),
                first_total,
            )
        for item in page.data:
            yield item
        if step is not Step.MORE:
            return
        seen += len(page.data)
        previous = page.data
        number += 1
