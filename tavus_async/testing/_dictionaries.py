"""The fake's pronunciation dictionaries: ``/v2/pronunciation-dictionaries``.

Bodies are checked as Tavus documents them (400 ``{"error": "Invalid
request: ..."}``): a ``name`` of at most 255 characters, rules with ``text``
(at most 200), ``pronunciation`` (at most 500) and a ``type`` of ``alias``
or ``ipa``, no two with the same ``text``. Stored rules carry Tavus's
defaults (``case_sensitive`` false, ``word_boundaries`` true). Create
answers 201 with the whole dictionary; List answers pages from 0, newest
first unless ``sort=asc``, without the rules but with ``rules_count``, and
echoes ``page`` and ``limit``. A patch is applied as RFC 6902 says, its
operations on the read-only fields silently dropped (as documented), and
the result checked as a create is; one that changes nothing is answered 304
with no body. An unknown id is 404 ``{"message": "Pronunciation dictionary
not found"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

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
from tavus_async.testing._wire import choice


__all__ = ["PronunciationDictionaries", "check_dictionary"]

_READ_ONLY = ("pronunciation_dictionary_id", "rules_count", "created_at", "updated_at")
_MAX = {"name": 255, "text": 200, "pronunciation": 500}
_TYPES = ("alias", "ipa")
_DEFAULTS = {"case_sensitive": False, "word_boundaries": True}


def _invalid(problem: str) -> ApiError:
    return bad_request(f"Invalid request: {problem}")


def _text(body: Mapping[str, Any], key: str, where: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _invalid(f"{where} is required")
    if len(value) > _MAX[key]:
        raise _invalid(f"{where} must be at most {_MAX[key]} characters")
    return value


def check_dictionary(body: Mapping[str, Any]) -> dict[str, Any]:
    """A dictionary's stored fields from a body, checked as Tavus would (400).

    Returns:
        ``name`` and ``rules``, each rule with Tavus's defaults filled in.
    """
    name = _text(body, "name", "name")
    rules = body.get("rules", [])
    if not isinstance(rules, list):
        raise _invalid("rules must be an array")
    stored, texts = [], set()
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict):
            raise _invalid(f"{where} must be an object")
        text = _text(rule, "text", f"{where}.text")
        _text(rule, "pronunciation", f"{where}.pronunciation")
        if rule.get("type") not in _TYPES:
            raise _invalid(f"{where}.type must be one of: {', '.join(_TYPES)}")
        for key in _DEFAULTS:
            if not isinstance(rule.get(key, False), bool):
                raise _invalid(f"{where}.{key} must be a boolean")
        if text in texts:
            raise _invalid("duplicate text values in rules")
        texts.add(text)
        stored.append({**_DEFAULTS, **rule})
    return {"name": name, "rules": stored}


class PronunciationDictionaries(Family):
    """The dictionaries of the fake, as ``fake.pronunciation_dictionaries``.

    See the module docstring for what it answers.
    """

    def __init__(self, account: Account) -> None:
        """Start with no dictionaries."""
        super().__init__(account)
        self._items = Collection(
            account,
            id_field="pronunciation_dictionary_id",
            prefix="pd_",
            digits=14,
            unknown=lambda _: missing(
                "Pronunciation dictionary not found", status=404, key="message"
            ),
        )

    def add(self, name: str = "Brand Terms", **fields: Any) -> str:
        """Store a dictionary without the API's checks; return its id.

        Args:
            name: Its name.
            **fields: More wire fields, such as ``rules=[{"text": ...}]``
                (stored as given) or a field Tavus may add later.
        """
        return self._items.add({"name": name, "rules": [], **fields}).id

    def dictionary(self, dictionary_id: str) -> dict[str, Any]:
        """The current wire JSON of a dictionary, as Get answers; ``KeyError``."""
        item = self._items.find(dictionary_id)
        if item is None:
            raise KeyError(dictionary_id)
        return self._wire(item)

    def ids(self) -> list[str]:
        """The stored dictionaries' ids, oldest first."""
        return [item.id for item in self._items]

    def routes(self) -> Iterable[Route]:
        """Create, list, get, patch and delete dictionaries."""
        many = "/v2/pronunciation-dictionaries"
        one = many + "/{dictionary_id}"
        return (
            ("POST", many, self._create),
            ("GET", many, self._list),
            ("GET", one, self._get),
            ("PATCH", one, self._patch),
            ("DELETE", one, self._delete),
        )

    def _wire(self, item: Item) -> dict[str, Any]:
        return self._items.stamped(item, rules_count=len(item.fields["rules"]))

    def _summary(self, item: Item) -> dict[str, Any]:
        wire = self._wire(item)
        del wire["rules"]
        return wire

    def _item(self, request: web.Request) -> Item:
        return self._items.get(request.match_info["dictionary_id"])

    async def _create(self, request: web.Request) -> web.StreamResponse:
        fields = check_dictionary(await json_body(request))
        item = self._items.add(fields)
        return web.json_response(self._wire(item), status=201)

    async def _list(self, request: web.Request) -> web.StreamResponse:
        ascending = choice(request.query, "sort", ("asc", "desc")) == "asc"
        items = sorted(self._items, key=lambda i: i.seq, reverse=not ascending)
        answer = self._items.page(
            request.query, items, self._summary, echo=True, top=100, first=0
        )
        return web.json_response(answer)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._wire(self._item(request)))

    async def _patch(self, request: web.Request) -> web.StreamResponse:
        item = self._item(request)
        operations = await json_body(request, object)
        if isinstance(operations, list):
            operations = [op for op in operations if not _read_only(op)]
        before = item.fields, item.updated
        if not self._items.patch(item, operations, read_only=()):
            return web.Response(status=304)
        try:
            item.fields = {**item.fields, **check_dictionary(item.fields)}
        except ApiError:
            item.fields, item.updated = before
            raise
        return web.json_response(self._wire(item))

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self._items.remove(request.match_info["dictionary_id"])
        return web.Response(status=204)


def _read_only(op: object) -> bool:
    """Whether an operation targets a field Tavus sets (dropped, as documented)."""
    path = op.get("path") if isinstance(op, dict) else None
    parts = path.split("/") if isinstance(path, str) else []
    return len(parts) > 1 and parts[0] == "" and parts[1] in _READ_ONLY
