"""A minimal aiohttp server answering a few Tavus calls with canned JSON.

The per-call benchmarks (``bench_overhead.py``, ``bench_peers.py``) measure what
a client adds on top of the wire, so the server should cost as little as
possible and the same for every client: bodies are encoded once at start-up,
each handler only checks the key and writes bytes. It runs in a process of its
own on 127.0.0.1.

Routes (every one requires the header ``x-api-key: bench-key``, else 401):

- ``GET /v2/replicas/{id}``: the documented Get Replica example, with the id
  from the path (``verbose`` adds ``replica_type``).
- ``GET /v2/replicas``: a page of ``limit`` replicas (default 100, at most
  ``--items``) shaped as the List Replicas example, ``total_count`` = ``--items``.
- ``POST /v2/conversations``: the documented Create Conversation answer.
- ``GET /v2/conversations/{id}``: a conversation with that id.

Protocol, one JSON line per message on stdout: once serving it prints
``{"url", "api_key"}``; when stdin closes, or on SIGTERM, it prints
``{"requests", "cpu_seconds"}`` and exits.

Run it by hand with ``python benchmarks/_raw_server.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import sys
from typing import Any

from aiohttp import web


API_KEY = "bench-key"
"""The only key the server accepts."""

UNAUTHORIZED = b'{"message":"Invalid access token"}'


def replica(replica_id: str, index: int, *, verbose: bool) -> dict[str, Any]:
    """One replica as Get Replica documents it."""
    body: dict[str, Any] = {
        "replica_id": replica_id,
        "replica_name": f"Benchmark replica {index}",
        "thumbnail_video_url": f"https://cdn.example.com/thumbnails/{replica_id}.mp4",
        "training_progress": "100/100",
        "status": "completed",
        "created_at": "2024-01-24T07:14:03.327Z",
        "updated_at": "2024-01-24T07:14:03.327Z",
        "error_message": None,
        "model_name": "phoenix-3",
    }
    if verbose:
        body["replica_type"] = "user"
    return body


def encode(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()


def split_around(body: dict[str, Any], key: str) -> tuple[bytes, bytes]:
    """The encoding of ``body`` cut around the value of ``key`` (a marker string)."""
    marker = "\x00id\x00"
    encoded = encode(body | {key: marker})
    before, after = encoded.split(encode(marker))
    return before + b'"', b'"' + after


class Canned:
    """Every answer, encoded once."""

    def __init__(self, items: int) -> None:
        self.items = items
        self.replica = {
            verbose: split_around(replica("x", 0, verbose=verbose), "replica_id")
            for verbose in (False, True)
        }
        self.listed = [replica(f"r{i:011x}", i, verbose=True) for i in range(items)]
        for item in self.listed:
            del item["updated_at"], item["error_message"]
        self.pages: dict[int, bytes] = {}
        self.conversation = split_around(
            {
                "conversation_id": "x",
                "conversation_name": "Benchmark",
                "status": "active",
                "conversation_url": "https://tavus.daily.co/c123456",
                "replica_id": "r90bbd427f71",
                "persona_id": "p9a95912",
                "created_at": "2024-01-24T07:14:03.327Z",
            },
            "conversation_id",
        )
        self.created = encode(
            {
                "conversation_id": "c123456",
                "conversation_name": "Benchmark",
                "status": "active",
                "conversation_url": "https://tavus.daily.co/c123456",
                "replica_id": "r90bbd427f71",
                "persona_id": "p9a95912",
                "callback_url": None,
                "created_at": "2024-01-24T07:14:03.327Z",
            }
        )

    def page(self, limit: int) -> bytes:
        """The list answer for ``limit``, encoded on first use."""
        limit = max(0, min(limit, self.items))
        body = self.pages.get(limit)
        if body is None:
            body = self.pages[limit] = encode(
                {"data": self.listed[:limit], "total_count": self.items}
            )
        return body


def application(canned: Canned, counter: list[int]) -> web.Application:
    """The routes above."""

    def answer(request: web.Request, body: bytes, status: int = 200) -> web.Response:
        counter[0] += 1
        if request.headers.get("x-api-key") != API_KEY:
            body, status = UNAUTHORIZED, 401
        return web.Response(body=body, status=status, content_type="application/json")

    async def get_replica(request: web.Request) -> web.Response:
        before, after = canned.replica["verbose" in request.query]
        return answer(request, before + request.match_info["id"].encode() + after)

    async def list_replicas(request: web.Request) -> web.Response:
        return answer(request, canned.page(int(request.query.get("limit", "100"))))

    async def create_conversation(request: web.Request) -> web.Response:
        await request.read()
        return answer(request, canned.created)

    async def get_conversation(request: web.Request) -> web.Response:
        before, after = canned.conversation
        return answer(request, before + request.match_info["id"].encode() + after)

    app = web.Application()
    app.router.add_get("/v2/replicas/{id}", get_replica)
    app.router.add_get("/v2/replicas", list_replicas)
    app.router.add_post("/v2/conversations", create_conversation)
    app.router.add_get("/v2/conversations/{id}", get_conversation)
    return app


def emit(message: dict[str, Any]) -> None:
    """Write one JSON line to the parent."""
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def serve(items: int) -> None:
    """Serve until stdin closes or SIGTERM; then report the counts."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    counter = [0]
    runner = web.AppRunner(application(Canned(items), counter), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    emit({"url": f"http://127.0.0.1:{port}", "api_key": API_KEY})
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    async def drain() -> None:
        while await stdin.readline():
            pass

    waits = {asyncio.create_task(drain()), asyncio.create_task(stop.wait())}
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()
    await runner.cleanup()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    emit({"requests": counter[0], "cpu_seconds": usage.ru_utime + usage.ru_stime})


def main() -> None:
    """Parse the arguments and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100, help="replicas listed")
    asyncio.run(serve(parser.parse_args().items))


if __name__ == "__main__":
    main()
