"""What ``client.objectives`` and ``client.guardrails`` share: sets under one id.

Both families keep their items as a set: one create for the whole set, one
id for it, JSON-Patch against the set's document (``{"data": [...]}``).
:class:`SetService` does it all; each family's service only says which
:class:`SetKind` it serves. :mod:`tavus_async.types._sets` tells the two
shapes Tavus answers in, and how both are read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Generic, TypeVar, Unpack

import attrs
from attrs import frozen

from tavus_async import _http, _options
from tavus_async import _validation as v
from tavus_async._options import RequestOptions
from tavus_async.errors import ValidationError
from tavus_async.services._base import (
    DEFAULT_PAGE_SIZE,
    Resource,
    create,
    delete,
    json_patch,
    model_diff,
    pages,
    require_type,
)
from tavus_async.types import Page
from tavus_async.types._sets import ItemSet, _Answer, _Rows, set_json
from tavus_async.types.patch import PatchOperation


__all__ = ["SetKind", "SetService"]

S = TypeVar("S", bound=ItemSet)
Q = TypeVar("Q")
C = TypeVar("C")
T = TypeVar("T")


@frozen(kw_only=True)
class SetKind(Generic[S, Q, C]):
    """One family of sets: where it lives, and its types.

    Attributes:
        resource: Its path and id, such as ``objectives`` and ``objectives_id``.
        noun: One item, for messages: ``"objective"``.
        item: The item class, such as ``Objective``.
        set: The set class, such as ``ObjectiveSet``.
        page: A page of sets, such as ``ObjectiveSetPage``.
        request: The create body, such as ``CreateObjectivesRequest``.
        created: Create's answer, such as ``CreatedObjectives``.
    """

    resource: Resource
    noun: str
    item: type
    set: type[S]
    page: type[Page[S]]
    request: type[Q]
    created: type[C]

    @property
    def items(self) -> frozenset[str]:
        """The item's field names, such as ``objective_name``."""
        return frozenset(attrs.fields_dict(self.item))


class SetService(Generic[S, Q, C]):
    """Create, read, patch and delete sets of one kind; see its subclasses.

    Every method validates its arguments before sending anything and raises
    :class:`~tavus_async.ValidationError` for bad ones; API failures raise
    :class:`~tavus_async.APIError` subclasses. Tavus answers an id it does not
    know with 404 (a :class:`~tavus_async.NotFoundError`), or one it cannot
    read with 400 ``Invalid objectives_id`` (or ``guardrails_id``: an
    :class:`~tavus_async.UnknownIdError`, a ``NotFoundError`` as well).
    """

    def __init__(self, requester: _http.Requester, kind: SetKind[S, Q, C]) -> None:
        self._requester = requester
        self._kind = kind

    async def create(self, request: Q, **options: Unpack[RequestOptions]) -> C:
        """Create a set. Retried only when Tavus surely did not act.

        Args:
            request: The set's items, in order (a ``CreateObjectivesRequest``
                for objectives, a ``CreateGuardrailsRequest`` for guardrails).

        Returns:
            The new set's id, to give to a persona, and its status.

        Raises:
            ValidationError: ``request`` is of another type.
            APIError: The create failed. When ``may_have_succeeded`` is set,
                look for the set in :meth:`list` before creating it again.
        """
        kind = self._kind
        return await create(
            self._requester, kind.resource, request, kind.request, kind.created, options
        )

    async def get(self, set_id: str, /, **options: Unpack[RequestOptions]) -> S:
        """Fetch one set, with its items.

        Tavus's answer, ``{"data": {...}}``, has no id: the set returned has
        the one asked for. An answer holding one item's fields where the set
        would hold ``data`` (as Tavus documents it) is a set of that item.

        Args:
            set_id: The set's id (``objectives_id``, ``guardrails_id``).

        Returns:
            The set.

        Raises:
            ValidationError: ``set_id`` is empty or malformed.
            NotFoundError: Tavus does not know the id.
            DecodeError: The answer is not a set.
        """
        kind = self._kind
        request = kind.resource.one("GET", set_id)
        response = await self._requester.send(_options.apply(request, options))
        converter = self._requester.converter
        answer = _http.decode(converter, "GET", response, _Answer)
        found = set_json(answer.data, kind.items, **{kind.resource.id_field: set_id})
        return _http.decode_data(converter, "GET", response, found, kind.set)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[S]:
        """Fetch one page of sets.

        Rows are read as :meth:`get` reads its answer. List Guardrails sends
        only ids and timestamps: those sets have no items (get them).

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, from 1 (Tavus default 1).

        Returns:
            The page: ``.data`` and ``.total_count``.

        Raises:
            ValidationError: A bad page or limit.
            DecodeError: A row is not a set, or has no id.
        """
        v.require_page(page, limit)
        kind = self._kind
        request = kind.resource.all(params={"limit": limit, "page": page})
        response = await self._requester.send(_options.apply(request, options))
        converter = self._requester.converter
        rows = _http.decode(converter, "GET", response, _Rows)
        found = {
            "data": [set_json(row, kind.items) for row in rows.data],
            "total_count": rows.total_count,
        }
        return _http.decode_data(converter, "GET", response, found, kind.page)

    def iter_all(
        self, *, limit: int = DEFAULT_PAGE_SIZE, **options: Unpack[RequestOptions]
    ) -> AsyncGenerator[S, None]:
        """Every set, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        ``client.replicas.iter_all`` is: until an empty page or
        ``total_count`` sets, whatever the size of each page.

        Args:
            limit: Sets asked per request (the page size).

        Returns:
            An async generator of the sets, in the server's order.

        Raises:
            ValidationError: A bad page size, at the call.
        """
        v.require_page(1, limit)
        return pages(self.list, limit, options)

    async def patch(
        self,
        set_id: str,
        operations: Sequence[PatchOperation],
        /,
        **options: Unpack[RequestOptions],
    ) -> bool:
        """Change a set with a JSON-Patch (RFC 6902) against its document.

        Paths address the set as :meth:`get` returns it: an item's field is
        under ``/data`` by position (``/data/0/objective_prompt``), ``/data``
        is every item (``Add("/data/-", {...})`` appends one). A path such as
        ``/objective_name`` (as in Tavus's examples) names no field of the
        set and is refused, as are the fields Tavus sets (the id and the
        timestamps). Build the operations by hand or with :meth:`diff`.

        Args:
            set_id: The set's id.
            operations: The operations, applied in order, all or nothing.

        Returns:
            True when Tavus changed the set, False when it answered 304 (the
            patch left it as it was).

        Raises:
            ValidationError: A bad id or path, naming ``patch[i].path``.
            NotFoundError: Tavus does not know the id.
            BadRequestError: The patch does not fit the set (a missing path,
                a failed ``test``, a result Tavus refuses).
        """
        kind = self._kind
        v.raise_if(_item_paths(operations, kind))
        return await json_patch(
            self._requester,
            kind.resource,
            set_id,
            operations,
            kind.set,
            options,
            read_only=kind.set.READ_ONLY,
        )

    @staticmethod
    def diff(old: S, new: S) -> tuple[PatchOperation, ...]:
        """The patch that turns the set ``old`` into ``new``, for :meth:`patch`.

        Nothing is sent. Both are compared in their JSON form, without the
        fields Tavus sets, so two reads of one set differ only where it was
        changed. ``data`` changed in any way is replaced whole, so the
        patch is right whatever happened to the items since they were read::

            old = await client.objectives.get(objectives_id)
            first = attrs.evolve(old.data[0], objective_prompt="Ask kindly")
            new = attrs.evolve(old, data=(first, *old.data[1:]))
            operations = client.objectives.diff(old, new)
            await client.objectives.patch(objectives_id, operations)

        Args:
            old: The set as read (an ``ObjectiveSet`` or a ``GuardrailSet``).
            new: The set as it should be, of the same class.

        Returns:
            The operations; empty when the two are equal (do not send it).

        Raises:
            ValidationError: ``old`` is not a set, or ``new`` is not of its
                class.
        """
        if not isinstance(old, ItemSet):
            raise ValidationError.single(
                "old", f"must be a set from get() or list(), got {type(old).__name__}"
            )
        require_type("new", new, type(old))
        return model_diff(old, new, old.READ_ONLY)

    async def delete(self, set_id: str, /, **options: Unpack[RequestOptions]) -> None:
        """Delete a set (its items with it).

        When an attempt may have deleted it but its answer was lost (a 502, a
        dropped connection), and the retry hears that Tavus does not know the
        id, this returns normally: the set is gone either way.

        Args:
            set_id: The set's id.

        Raises:
            ValidationError: An empty id.
            NotFoundError: Tavus does not know the id.
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted the set.
        """
        await delete(self._requester, self._kind.resource, set_id, options)


def _item_paths(operations: object, kind: SetKind[Any, Any, Any]) -> v.Problems:
    """Problems for paths naming an item's field at the top (``/objective_name``).

    Tavus's examples write them so; in the set's document an item's fields
    are under ``/data/<i>``. Anything else is left to :func:`_patch.check`.
    """
    if isinstance(operations, str | bytes) or not isinstance(operations, Sequence):
        return []
    problems: v.Problems = []
    for index, op in enumerate(operations):
        path = getattr(op, "path", None)
        top = path.split("/")[1] if isinstance(path, str) and path[:1] == "/" else ""
        if top in kind.items:
            problems.append(
                (
                    f"patch[{index}].path",
                    f"{path!r}: each {kind.noun}'s fields are under '/data', by "
                    f"position; '/data/0{path}' is the first {kind.noun}'s",
                )
            )
    return problems
