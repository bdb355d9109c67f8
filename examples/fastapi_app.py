"""A FastAPI backend that serves Tavus replicas as JSON.

Run it with ``TAVUS_API_KEY=... uvicorn examples.fastapi_app:app``; set
``TAVUS_BASE_URL`` to point it at another server, such as a ``FakeTavus``.

- ``GET /replicas?page=1&limit=20``: one page, ``{"data": [...], "total_count": n}``.
- ``GET /replicas/{replica_id}``: one replica, as Tavus describes it.

A failed call to Tavus is answered ``{"detail": "..."}`` with 422 (bad
input), 404 (an unknown id), 504 (Tavus timed out) or 502 (Tavus failed).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from tavus_async import (
    APIError,
    APITimeoutError,
    NotFoundError,
    TavusClient,
    ValidationError,
)


class State(TypedDict):
    """What the lifespan gives every request, as ``request.state``."""

    tavus: TavusClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncGenerator[State, None]:
    """Give the app one client for its life."""
    async with TavusClient() as client:
        yield {"tavus": client}


def tavus(request: Request) -> TavusClient:
    """The app's client, for ``Depends``."""
    client: TavusClient = request.state.tavus
    return client


Tavus = Annotated[TavusClient, Depends(tavus)]

app = FastAPI(lifespan=lifespan)


@app.get("/replicas")
async def list_replicas(
    client: Tavus, page: int | None = None, limit: int | None = None
) -> dict[str, Any]:
    """One page of replicas."""
    replicas = await client.replicas.list(page=page, limit=limit)
    return replicas.to_dict()


@app.get("/replicas/{replica_id}")
async def get_replica(replica_id: str, client: Tavus) -> dict[str, Any]:
    """One replica."""
    replica = await client.replicas.get(replica_id)
    return replica.to_dict()


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


@app.exception_handler(APIError)
@app.exception_handler(ValidationError)
async def tavus_error(
    request: Request, error: APIError | ValidationError
) -> JSONResponse:
    """Answer a failed call to Tavus with a JSON error."""
    status, detail = error_answer(error)
    return JSONResponse({"detail": detail}, status_code=status)
