"""Where the library's time per call goes: ``replicas.get`` built up layer by layer.

Each variant adds one layer of ``TavusClient`` to the one before, down to the
raw aiohttp call; ``bench_overhead.py --layers`` times them interleaved and
prints what each layer adds. It reaches into the client's private parts
(``client._requester``), so it is a diagnostic for this repository's version
of the library, not an example of use.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from tavus_async import TavusClient
from tavus_async._requester import _Call
from tavus_async.services._base import Resource, call
from tavus_async.types import Replica


Call = Callable[[int], Awaitable[object]]

_REPLICAS = Resource("replicas", "replica_id")


LAYERS = {
    "aiohttp": "raw session.get + raise_for_status + json.loads (the baseline)",
    "transport": "+ the aiohttp adapter (AiohttpTransport.send), json.loads",
    "attempt": "+ request built and checked (Resource.one), URL, gate, status check",
    "retrier": "+ the retrying send (backoff's loop around every attempt)",
    "decode": "+ typed decoding (cattrs converter) instead of json.loads",
    "get": "+ ReplicasService.get: the whole public call",
}


def layer_calls(
    client: TavusClient, base: str, *, raw: Call, whole: Call
) -> dict[str, Call]:
    """One ``get`` per layer of :data:`LAYERS`, in the same order.

    ``raw`` and ``whole`` are the first and last layers: the comparison's own
    aiohttp and ``client.replicas.get`` calls.
    """
    requester = client._requester
    transport = requester.shared.open()

    def request(i: int) -> object:
        return _REPLICAS.one("GET", f"r{i:011x}")

    async def adapter(i: int) -> object:
        answer = await transport.send(
            "GET",
            f"{base}/v2/replicas/r{i:011x}",
            headers=requester.shared.headers,
            body=None,
            timeout=requester.timeout,
        )
        return json.loads(answer.body)

    async def attempt(i: int) -> object:
        return json.loads((await requester._attempt(request(i), _Call())).body)

    async def retrier(i: int) -> object:
        return json.loads((await requester.send(request(i))).body)

    async def decode(i: int) -> object:
        return await call(requester, request(i), Replica, {})

    async def get(i: int) -> object:
        return await client.replicas.get(f"r{i:011x}")

    return dict(zip(LAYERS, (raw, adapter, attempt, retrier, decode, get), strict=True))
