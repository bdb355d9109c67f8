"""The aiohttp route handlers of the fake Tavus API, one per endpoint."""

from __future__ import annotations

from aiohttp import web

from tavus_async.testing._aliases import add_alias_routes
from tavus_async.testing._collection import json_body
from tavus_async.testing._state import State


__all__ = ["add_routes"]


def add_routes(router: web.UrlDispatcher, state: State) -> None:
    """Route every Tavus endpoint to a handler that answers from ``state``."""
    handlers = _Handlers(state)
    replica = "/v2/replicas/{replica_id}"
    conversation = "/v2/conversations/{conversation_id}"
    router.add_post("/v2/replicas", handlers.create_replica)
    router.add_get("/v2/replicas", handlers.list_replicas, allow_head=False)
    router.add_get(replica, handlers.get_replica, allow_head=False)
    router.add_delete(replica, handlers.delete_replica)
    router.add_patch(replica + "/name", handlers.rename_replica)
    router.add_get("/v2/voices", handlers.list_voices, allow_head=False)
    router.add_post("/v2/conversations", handlers.create_conversation)
    router.add_get("/v2/conversations", handlers.list_conversations, allow_head=False)
    router.add_get(conversation, handlers.get_conversation, allow_head=False)
    router.add_delete(conversation, handlers.delete_conversation)
    router.add_post(conversation + "/end", handlers.end_conversation)
    for family in state.families:
        for method, path, handler in family.routes():
            router.add_route(method, path, handler)
    add_alias_routes(router)


class _Handlers:
    def __init__(self, state: State) -> None:
        self._state = state

    async def create_replica(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        return web.json_response(self._state.create_replica(body))

    async def get_replica(self, request: web.Request) -> web.StreamResponse:
        replica_id = request.match_info["replica_id"]
        return web.json_response(self._state.get_replica(replica_id, request.query))

    async def list_replicas(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._state.list_replicas(request.query))

    async def rename_replica(self, request: web.Request) -> web.StreamResponse:
        replica_id = request.match_info["replica_id"]
        self._state.check_replica(replica_id)
        self._state.rename_replica(replica_id, await json_body(request))
        return web.Response(text="OK")

    async def delete_replica(self, request: web.Request) -> web.StreamResponse:
        self._state.delete_replica(request.match_info["replica_id"], request.query)
        return web.Response()

    async def list_voices(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._state.list_voices(request.query))

    async def create_conversation(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        return web.json_response(self._state.create_conversation(body))

    async def get_conversation(self, request: web.Request) -> web.StreamResponse:
        conversation_id = request.match_info["conversation_id"]
        body = self._state.get_conversation(conversation_id, request.query)
        return web.json_response(body)

    async def list_conversations(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._state.list_conversations(request.query))

    async def end_conversation(self, request: web.Request) -> web.StreamResponse:
        self._state.end_conversation(request.match_info["conversation_id"])
        return web.Response(text="OK")

    async def delete_conversation(self, request: web.Request) -> web.StreamResponse:
        conversation_id = request.match_info["conversation_id"]
        self._state.delete_conversation(conversation_id, request.query)
        return web.Response(status=204)
