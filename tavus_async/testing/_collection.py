"""What every resource family of the fake shares: the account, a store, routes.

A family (personas, videos, documents, ...) is a :class:`Family`: it keeps its
items in a :class:`Collection` and answers its routes from it. The
:class:`Account` gives every family the same clock, ids, timestamps, pages,
random draws and outbox, so that faults, the virtual clock, callbacks and
``max_page_size`` work alike for every resource.
"""

from __future__ import annotations

import abc
import json
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from typing import Any, Protocol

import attrs
from aiohttp import web

from tavus_async import _patch
from tavus_async.testing import _json_patch
from tavus_async.testing._callbacks import Outbox
from tavus_async.testing._faults import ApiError, bad_request
from tavus_async.testing._wire import paginate


__all__ = [
    "BODY_KEY",
    "Account",
    "Collection",
    "Family",
    "Item",
    "Route",
    "json_body",
    "missing",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]
"""``(method, path, handler)``, as ``router.add_route`` takes them."""


class Account(Protocol):
    """What the fake's state lends each family (implemented by ``State``)."""

    outbox: Outbox
    max_page_size: int | None
    failure_rate: float

    @property
    def rng(self) -> random.Random:
        """The seeded draws of the fake (ids, failures)."""
        ...

    def now(self) -> float:
        """The fake's clock, in seconds."""
        ...

    def new_id(self, prefix: str, digits: int) -> str:
        """A fresh id such as ``p`` and 11 hex digits, never issued before."""
        ...

    def iso(self, moment: float) -> str:
        """Clock time ``moment`` as Tavus writes a timestamp."""
        ...

    def catch_up(self) -> None:
        """Apply what is due by now to watched things, as reads would."""
        ...

    def replica_status(self, replica_id: str) -> str | None:
        """A stored replica's status now (``"completed"``...), None if unknown."""
        ...


@attrs.define
class Item:
    """One stored item: its id, order, clock times and wire fields.

    Attributes:
        id: Such as ``"p5f1c0a9b3e2"``.
        seq: Creation order, for lists.
        created: Clock seconds at creation.
        updated: Clock seconds at the last change.
        fields: The item's own wire fields (no id, no timestamps).
        state: What a family keeps beside the fields (a timeline, a flag).
    """

    id: str
    seq: int
    created: float
    updated: float
    fields: dict[str, Any]
    state: dict[str, Any] = attrs.Factory(dict)


def missing(message: str, *, status: int = 400, key: str = "error") -> ApiError:
    """The answer to an unknown id, as each family documents it.

    Replicas and personas answer 400 ``{"error": "Invalid persona_id"}``;
    objectives 404 ``{"error": ...}``; documents 404 ``{"message": ...}``.
    """
    return ApiError(status, {key: message})


BODY_KEY: web.RequestKey[Any] = web.RequestKey("tavus_async.json", object)
"""Where a middleware leaves a body it already read (and translated)."""


async def json_body(request: web.Request, kind: type = dict) -> Any:
    """The request's JSON body; 400 unless it is a ``kind`` (object or array)."""
    if BODY_KEY in request:
        body = request[BODY_KEY]
    else:
        try:
            body = json.loads(await request.read())
        except ValueError:
            raise bad_request("The request body must be valid JSON.") from None
    if not isinstance(body, kind):
        name = "a JSON object" if kind is dict else "a JSON array"
        raise bad_request(f"The request body must be {name}.")
    return body


class Collection:
    """The items of one family, in creation order, with ids of one shape.

    Args:
        account: The fake's state.
        id_field: The id's wire name, such as ``"persona_id"``.
        prefix: The ids' first letter(s), such as ``"p"``.
        digits: How many hex digits follow.
        unknown: The error for an id not stored (see :func:`missing`).
    """

    def __init__(
        self,
        account: Account,
        *,
        id_field: str,
        prefix: str,
        digits: int,
        unknown: Callable[[str], ApiError],
    ) -> None:
        self.account = account
        self.id_field = id_field
        self._prefix, self._digits = prefix, digits
        self._unknown = unknown
        self._items: dict[str, Item] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Item]:
        return iter(list(self._items.values()))

    def add(self, fields: Mapping[str, Any]) -> Item:
        """Store a new item with a fresh id, created and updated now."""
        now = self.account.now()
        self._seq += 1
        item = Item(
            self.account.new_id(self._prefix, self._digits),
            self._seq,
            now,
            now,
            deepcopy(dict(fields)),
        )
        self._items[item.id] = item
        return item

    def get(self, item_id: str) -> Item:
        """The stored item; the family's unknown-id error otherwise."""
        item = self._items.get(item_id)
        if item is None:
            raise self._unknown(item_id)
        return item

    def find(self, item_id: str) -> Item | None:
        """The stored item, or None."""
        return self._items.get(item_id)

    def watch(
        self, item_id: str, at: float, bring: Callable[[Item, float], None]
    ) -> None:
        """Have ``bring(item, at)`` run once the clock passes ``at``, if still stored.

        For an item that changes on its own (a video being generated) and has a
        ``callback_url``: the outbox brings it up to ``at`` then, whether or not
        anyone reads it, so its callback goes out on time.
        """

        def bring_stored(moment: float) -> None:
            item = self._items.get(item_id)
            if item is not None:
                bring(item, moment)

        self.account.outbox.watch(at, bring_stored)

    def remove(self, item_id: str) -> Item:
        """Forget an item (unknown-id error if not stored) and return it."""
        item = self.get(item_id)
        del self._items[item_id]
        return item

    def stamped(self, item: Item, **more: Any) -> dict[str, Any]:
        """The item's wire form: id first, its fields, ``created_at``/``updated_at``.

        Fields whose value is None are left out: the schema marks most of them
        as non-nullable strings, and an absent field is what Tavus documents
        for unknown values.
        """
        wire = {self.id_field: item.id}
        wire.update((k, deepcopy(v)) for k, v in item.fields.items() if v is not None)
        wire["created_at"] = self.account.iso(item.created)
        wire["updated_at"] = self.account.iso(item.updated)
        wire.update((k, v) for k, v in more.items() if v is not None)
        return wire

    def page(
        self,
        query: Mapping[str, str],
        matches: Iterable[Item],
        render: Callable[[Item], dict[str, Any]],
        *,
        echo: bool = False,
        top: int | None = None,
        first: int = 1,
    ) -> dict[str, Any]:
        """A list answer: the page of ``matches`` that ``limit``/``page`` ask for.

        Args:
            query: The request's query (``limit`` default 10, ``page`` from 1).
            matches: The items that pass the family's filters, in order.
            render: An item's wire form in a list.
            echo: Also answer ``page`` and ``limit``, as some lists do.
            top: The largest ``limit`` accepted (400 above it).
            first: The first page's number: 1, or 0 for 0-based lists.
        """
        found = list(matches)
        cap = self.account.max_page_size
        page, limit, number = paginate(found, query, top, cap, first)
        answer: dict[str, Any] = {
            "data": [render(item) for item in page],
            "total_count": len(found),
        }
        if echo:
            answer.update(page=number, limit=limit)
        return answer

    def patch(self, item: Item, operations: Any, *, read_only: Iterable[str]) -> bool:
        """Apply a JSON-Patch body to the item's fields; whether anything changed.

        Answers 422 ``{"message": "Invalid JSON patch format"}`` for a malformed
        patch or one touching ``read_only`` fields, and 400 for one that cannot
        apply (a missing path, a failed ``test``), as Tavus documents them.
        """
        if not isinstance(operations, list):
            raise ApiError(422, {"message": "Invalid JSON patch format"})
        fixed = set(read_only)
        for op in operations:
            paths = (op.get("path"), op.get("from")) if isinstance(op, dict) else ()
            if any(_top(path) in fixed for path in paths):
                raise ApiError(422, {"message": "Invalid JSON patch format"})
        try:
            patched = _json_patch.apply(item.fields, operations)
        except _json_patch.PatchError as exc:
            if exc.malformed:
                raise ApiError(422, {"message": "Invalid JSON patch format"}) from None
            raise bad_request(str(exc)) from None
        if _patch.json_equal(patched, item.fields):
            return False
        item.fields, item.updated = patched, self.account.now()
        return True


class Family(abc.ABC):
    """One resource family of the fake: its collection, controls and routes.

    Subclasses set up their :class:`Collection` in ``__init__`` and list their
    handlers in :meth:`routes`; their public methods are the test controls
    reached as ``fake.<family>`` (such as ``fake.videos.finish(video_id)``).
    """

    def __init__(self, account: Account) -> None:
        self._account = account

    @abc.abstractmethod
    def routes(self) -> Iterable[Route]:
        """Every ``(method, path, handler)`` the family serves."""


def _top(pointer: object) -> str | None:
    parts = pointer.split("/") if isinstance(pointer, str) else []
    return parts[1] if len(parts) > 1 and parts[0] == "" else None
