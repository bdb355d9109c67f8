"""What the fake's objectives and guardrails share: sets of items under one id.

A set is stored as its document, ``{"data": [item, ...]}`` (a guardrail set
also has ``name``), and answered as the spec shapes it:

- Create: 200 with the new id, ``status`` ``active`` and ``created_at``; a
  body Tavus would refuse is 400 ``{"message": ...}`` (the key the spec
  documents for Create) naming the first problem, such as
  ``data[0].objective_name is required``.
- Get: ``{"data": {...}}``, the set without its id. The spec's schema shows
  one flat item there, which cannot hold a set of several; it allows other
  members, so the fake answers the set (``data``, timestamps) inside it.
- List: ``{"data": [...], "total_count": n}``, rows as each family says.
- Patch: RFC 6902 against the document (``/data/0/objective_prompt``), the
  result checked as a create body is (400 ``{"error": ...}`` and nothing
  changed when it fails); 200 ``{"message": "... updated successfully"}``,
  304 (no body) when nothing changed. A malformed patch, or one touching
  the id or timestamps, is 400 ``{"error": "Invalid patch operation"}``
  (the spec's example; these families document no 422).
- Delete: 204.

An id of the family's shape (its letter, then letters and digits) that is
not stored is 404 ``{"error": "... not found"}``; any other is 400
``{"error": "Invalid objectives_id"}`` (both documented).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import web
from attrs import frozen

from tavus_async.testing._collection import (
    Account,
    Collection,
    Family,
    Item,
    Route,
    json_body,
    missing,
)
from tavus_async.testing._faults import ApiError, bad_request


__all__ = ["SetFamily", "SetRules"]

Rule = type | tuple[str, ...]
"""A field's rule: a JSON type (an array or object of strings), or its values."""
_KINDS: dict[type, str] = {
    str: "a string",
    list: "an array of strings",
    dict: "an object of strings",
}


@frozen(kw_only=True)
class SetRules:
    """One family of sets: its path, ids, messages and the rules of its fields.

    Attributes:
        path: The collection, such as ``"objectives"``.
        id_field: Such as ``"objectives_id"``.
        prefix: The ids' letter, such as ``"o"``.
        title: The family in messages, such as ``"Objective"``.
        top: The set's own fields beside ``data`` and their rules.
        items: Each item field's rule; the first two (name, prompt) are
            required.
        name_pattern: What an item's name must match in full.
        name_rule: What it says, for the message.
    """

    path: str
    id_field: str
    prefix: str
    title: str
    top: Mapping[str, Rule]
    items: Mapping[str, Rule]
    name_pattern: re.Pattern[str]
    name_rule: str


def check_set(document: Mapping[str, Any], rules: SetRules) -> str | None:
    """The first problem of a set's document, as Tavus would say it; None if fine.

    Keys the documentation does not list are kept without a check.
    """
    for key, rule in rules.top.items():
        problem = _misfit(document.get(key), rule, key)
        if problem:
            return problem
    data = document.get("data")
    if not isinstance(data, list) or not data:
        return "data must be a non-empty array"
    name, prompt = list(rules.items)[:2]
    for index, item in enumerate(data):
        where = f"data[{index}]"
        if not isinstance(item, dict):
            return f"{where} must be an object"
        for key in (name, prompt):
            if not item.get(key):
                return f"{where}.{key} is required"
        for key, rule in rules.items.items():
            problem = _misfit(item.get(key), rule, f"{where}.{key}")
            if problem:
                return problem
        if not rules.name_pattern.fullmatch(item[name]):
            return f"{where}.{name} {rules.name_rule}"
    return None


def _misfit(value: object, rule: Rule, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(rule, tuple):
        return None if value in rule else f"{where} must be one of: {', '.join(rule)}"
    members: Iterable[object] = ()
    if isinstance(value, dict):
        members = value.values()
    elif isinstance(value, list):
        members = value
    if isinstance(value, rule) and all(isinstance(each, str) for each in members):
        return None
    return f"{where} must be {_KINDS[rule]}"


class SetFamily(Family):
    """The sets of one family, answered as the module docstring says.

    Subclasses give their :class:`SetRules` and may change :meth:`_created`
    and :meth:`_row`; their public methods are the test controls.
    """

    def __init__(self, account: Account, rules: SetRules) -> None:
        super().__init__(account)
        self._rules = rules
        self._read_only = (rules.id_field, "created_at", "updated_at")
        shape = re.compile(re.escape(rules.prefix) + "[0-9a-z]+")
        self._items = Collection(
            account,
            id_field=rules.id_field,
            prefix=rules.prefix,
            digits=11,
            unknown=lambda item_id: (
                missing(f"{rules.title} not found", status=404)
                if shape.fullmatch(item_id)
                else missing(f"Invalid {rules.id_field}")
            ),
        )

    def add(self, **fields: Any) -> str:
        """Store a set without the checks of the API; return its id.

        Args:
            **fields: Its document, such as ``data=[{"objective_name": ...}]``.
        """
        return self._items.add(fields).id

    def stored(self, set_id: str) -> dict[str, Any]:
        """A set's current document, with its id and timestamps; ``KeyError``
        if unknown."""
        item = self._items.find(set_id)
        if item is None:
            raise KeyError(set_id)
        return self._items.stamped(item)

    def ids(self) -> list[str]:
        """The stored sets' ids, in creation order."""
        return [item.id for item in self._items]

    def routes(self) -> Iterable[Route]:
        """Create, list, get, patch and delete sets."""
        many = f"/v2/{self._rules.path}"
        one = f"{many}/{{{self._rules.id_field}}}"
        return (
            ("POST", many, self._create),
            ("GET", many, self._list),
            ("GET", one, self._get),
            ("PATCH", one, self._patch),
            ("DELETE", one, self._delete),
        )

    def _post(self, set_id: str, name: str, payload: dict[str, Any]) -> bool:
        """POST ``payload`` to the ``callback_url`` of item ``name``, if it has one.

        Raises:
            KeyError: No such set, or no item of that name in it.
        """
        name_field = next(iter(self._rules.items))
        found = [
            item
            for item in self.stored(set_id).get("data", [])
            if isinstance(item, dict) and item.get(name_field) == name
        ]
        if not found:
            raise KeyError(name)
        url = found[0].get("callback_url")
        if not isinstance(url, str):
            return False
        self._account.outbox.put(url, payload)
        return True

    def _created(self, item: Item) -> dict[str, Any]:
        """Create's answer."""
        return {
            self._rules.id_field: item.id,
            "status": "active",
            "created_at": self._account.iso(item.created),
        }

    def _row(self, item: Item) -> dict[str, Any]:
        """A List row: the whole set."""
        return self._items.stamped(item)

    def _one(self, request: web.Request) -> Item:
        return self._items.get(request.match_info[self._rules.id_field])

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        problem = check_set(body, self._rules)
        if problem:
            raise ApiError(400, {"message": problem})
        fields = {k: v for k, v in body.items() if k not in self._read_only}
        return web.json_response(self._created(self._items.add(fields)))

    async def _list(self, request: web.Request) -> web.StreamResponse:
        page = self._items.page(request.query, self._items, self._row)
        return web.json_response(page)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        wire = self._items.stamped(self._one(request))
        del wire[self._rules.id_field]
        return web.json_response({"data": wire})

    async def _patch(self, request: web.Request) -> web.StreamResponse:
        item = self._one(request)
        operations = await json_body(request, object)
        before = item.fields, item.updated
        try:
            changed = self._items.patch(item, operations, read_only=self._read_only)
        except ApiError as exc:
            if exc.status != HTTPStatus.UNPROCESSABLE_ENTITY:
                raise
            raise bad_request("Invalid patch operation") from None
        if not changed:
            return web.Response(status=304)
        problem = check_set(item.fields, self._rules)
        if problem:
            item.fields, item.updated = before
            raise bad_request(problem)
        title = self._rules.title
        return web.json_response({"message": f"{title} updated successfully"})

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self._items.remove(self._one(request).id)
        return web.Response(status=204)
