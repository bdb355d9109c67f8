"""The hand-written baseline: each call with a raw ``aiohttp.ClientSession``.

What a user writes without a client library: one request, ``raise_for_status``,
``json.loads`` of the body, on a session with the connector and time limits
``tavus_async.create_session`` uses. The benchmarks compare the library with it.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp


TIMEOUT = aiohttp.ClientTimeout(total=60.0, sock_connect=10.0, sock_read=30.0)
"""The same limits as ``tavus_async.Timeout()``."""


def raw_session(api_key: str, *, limit: int = 100) -> aiohttp.ClientSession:
    """A session with the connector settings of ``tavus_async.create_session``."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, ttl_dns_cache=300),
        timeout=TIMEOUT,
        headers={"x-api-key": api_key, "Accept": "application/json"},
    )


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    """GET ``url``; raise on a non-2xx status; return the decoded body."""
    async with session.get(url, allow_redirects=False) as response:
        response.raise_for_status()
        return json.loads(await response.read())


async def post_json(session: aiohttp.ClientSession, url: str, body: Any) -> Any:
    """POST ``body`` as JSON; raise on a non-2xx status; return the decoded answer."""
    async with session.post(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        allow_redirects=False,
    ) as response:
        response.raise_for_status()
        return json.loads(await response.read())


async def get_replica(
    session: aiohttp.ClientSession, base: str, replica_id: str
) -> Any:
    """``GET /v2/replicas/{replica_id}``."""
    return await get_json(session, f"{base}/v2/replicas/{replica_id}")


async def list_replicas(session: aiohttp.ClientSession, base: str, limit: int) -> Any:
    """``GET /v2/replicas?limit=...``."""
    return await get_json(session, f"{base}/v2/replicas?limit={limit}")


async def create_conversation(
    session: aiohttp.ClientSession, base: str, replica_id: str
) -> Any:
    """``POST /v2/conversations`` with a replica id."""
    return await post_json(
        session, f"{base}/v2/conversations", {"replica_id": replica_id}
    )
