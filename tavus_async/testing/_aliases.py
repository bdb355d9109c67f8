"""The Face/PAL spellings the live API accepts beside the replica/persona ones.

Since mid-2026 Tavus calls replicas *Faces* and personas *PALs*: ``/v2/faces``
and ``/v2/pals`` serve the same resources as ``/v2/replicas`` and
``/v2/personas``, with ``face_id``, ``face_name``, ``pal_id`` ... in place of
``replica_id``, ``replica_name``, ``persona_id`` ... The fake serves both. A
request on a new path has its body and query keys read under the old names,
and its JSON answer written with the new ones; with ``new_names`` set, answers
on the old paths use the new names too (as a live API in transition may). This
runs before the fake records a request, so the request log shows the query of
a new path under the old names (its body as sent).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from tavus_async.testing._collection import BODY_KEY


__all__ = [
    "ALIASES",
    "NEW_NAMES",
    "add_alias_routes",
    "new_names_middleware",
    "with_old_names",
]

ALIASES = {"/v2/replicas": "/v2/faces", "/v2/personas": "/v2/pals"}
"""Old path prefix to new path prefix."""

NEW_NAMES = {
    "replica_id": "face_id",
    "replica_name": "face_name",
    "replica_type": "face_type",
    "replica_ids": "face_ids",
    "persona_id": "pal_id",
    "persona_name": "pal_name",
    "persona_type": "pal_type",
    "default_replica_id": "default_face_id",
}
"""Old key to new key, in bodies, queries and answers."""

_OLD_NAMES = {new: old for old, new in NEW_NAMES.items()}
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_alias_routes(router: web.UrlDispatcher) -> None:
    """Serve each ``/v2/replicas...`` and ``/v2/personas...`` route at its new path.

    The path variables keep their old names (``{replica_id}``), so the same
    handler answers both.
    """
    for route in list(router.routes()):
        path = route.resource.canonical if route.resource is not None else ""
        for old, new in ALIASES.items():
            if path == old or path.startswith(old + "/"):
                router.add_route(route.method, new + path[len(old) :], route.handler)


def renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with the keys of its objects (and of objects in ``data``) renamed."""
    if isinstance(value, list):
        return [renamed(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        names.get(key, key): renamed(item, names) if key == "data" else item
        for key, item in value.items()
    }


def with_old_names(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with each new-name key (``face_id``) under its old name, if absent.

    For the bodies the old paths take in either spelling, such as Create
    Conversation's ``face_id``/``pal_id``.
    """
    fixed = dict(body)
    for new, old in _OLD_NAMES.items():
        if new in fixed:
            value = fixed.pop(new)
            fixed.setdefault(old, value)
    return fixed


def _is_new_path(path: str) -> bool:
    return any(path == new or path.startswith(new + "/") for new in ALIASES.values())


def new_names_middleware(answers_in_new_names: Callable[[], bool]) -> Any:
    """The middleware translating requests on new paths, and their answers.

    Args:
        answers_in_new_names: Whether answers on the old paths use the new
            names as well (``FakeTavus.new_names``).
    """

    @web.middleware
    async def middleware(request: web.Request, handler: _Handler) -> web.StreamResponse:
        if not _is_new_path(request.path):
            response = await handler(request)
            return _translated(response) if answers_in_new_names() else response
        query = {_OLD_NAMES.get(k, k): v for k, v in request.query.items()}
        inner = request.clone(rel_url=request.rel_url.with_query(query))
        raw = await inner.read()
        if raw:
            with contextlib.suppress(ValueError):
                inner[BODY_KEY] = renamed(json.loads(raw), _OLD_NAMES)
        return _translated(await handler(inner))

    return middleware


def _translated(response: web.StreamResponse) -> web.StreamResponse:
    if not isinstance(response, web.Response) or response.content_type != (
        "application/json"
    ):
        return response
    body = response.body
    if not isinstance(body, bytes) or not body:
        return response
    data = renamed(json.loads(body), NEW_NAMES)
    return web.json_response(data, status=response.status, headers=_kept(response))


def _kept(response: web.Response) -> dict[str, str]:
    skip = {"content-type", "content-length"}
    return {k: v for k, v in response.headers.items() if k.lower() not in skip}
