"""An aiohttp backend that serves Tavus replicas as JSON.

Run it with ``TAVUS_API_KEY=... python -m examples.aiohttp_app``; set
``TAVUS_BASE_URL`` to point it at another server, such as a ``FakeTavus``.

- ``GET /replicas?page=1&limit=20``: one page, ``{"data": [...], "total_count": n}``.
- ``GET /replicas/{replica_id}``: one replica, as Tavus describes it.

A failed call to Tavus is answered ``{"detail": "..."}`` with 422 (bad
input), 404 (an unknown id), 504 (Tavus timed out) or 502 (Tavus failed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from tavus_async import (
    APIError,
    APITimeoutError,
    NotFoundError,
    TavusClient,
    ValidationError,
    create_session,
)


TAVUS = web.AppKey("tavus", TavusClient)


async def tavus_client(app: web.Application) -> AsyncIterator[None]:
    """Give the app one client, on a session it owns, closed after the client."""
    async with (
        create_session(limit=50) as session,
        TavusClient(session=session) as client,
    ):
        app[TAVUS] = client
        yield


def error_answer(error: APIError | ValidationError) -> tuple[int, str]:
    """The status and message to answer when a call to Tavus fails."""
    match error:
        case ValidationError():
            return 422, str(error)  # refused before anything was sent
        case NotFoundError():
            return 404, error.message  # Tavus's 400 "Invalid replica_id" too
        case APITimeoutError():
            return 504, error.message
        case _:
            return 502, error.message  # Tavus failed or refused us


@web.middleware
async def tavus_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a failed call to Tavus with a JSON error."""
    try:
        return await handler(request)
    except (APIError, ValidationError) as error:
        status, detail = error_answer(error)
        return web.json_response({"detail": detail}, status=status)


def query_int(request: web.Request, name: str) -> int | None:
    """The query parameter ``name`` as an integer, if given."""
    value = request.query.get(name)
    try:
        return None if value is None else int(value)
    except ValueError:
        message = f"must be an integer, got {value!r}"
        raise ValidationError.single(name, message) from None


async def list_replicas(request: web.Request) -> web.Response:
    """One page of replicas."""
    page = await request.app[TAVUS].replicas.list(
        page=query_int(request, "page"), limit=query_int(request, "limit")
    )
    return web.json_response(page.to_dict())


async def get_replica(request: web.Request) -> web.Response:
    """One replica."""
    replica = await request.app[TAVUS].replicas.get(request.match_info["replica_id"])
    return web.json_response(replica.to_dict())


def make_app() -> web.Application:
    """The application: a Tavus client for its life, two routes, JSON errors."""
    app = web.Application(middlewares=[tavus_errors])
    app.cleanup_ctx.append(tavus_client)
    app.router.add_get("/replicas", list_replicas)
    app.router.add_get("/replicas/{replica_id}", get_replica)
    return app


if __name__ == "__main__":
    web.run_app(make_app())
