"""The client side of ``bench_peers.py``: every variant in one process, interleaved.

``bench_peers.py`` runs this script with the throwaway venv's Python, where the
pinned peers (``tavus-cli``, ``livekit-plugins-tavus``) and this project are
installed. Each variant gets one client, created once and warmed up; then, for
several rounds, every (call, mode, variant) makes a fixed number of calls and
its mean time per call is recorded. The order of the variants rotates each
round. Every answer is checked, so no variant measures an error path.

It prints one JSON line (versions, per-round means, requests sent) on stdout
and its progress on stderr. Run it through ``bench_peers.py``, not by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import platform
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from importlib import metadata
from typing import Any

import _calls
from livekit.agents.utils import http_context
from livekit.plugins.tavus.api import TavusAPI
from tavus_mcp.sdk.auth.session import TavusSession
from tavus_mcp.sdk.client.http import Resource
from tavus_mcp.sdk.client.http import TavusClient as CliClient
from tavus_mcp.sdk.env import TavusConfig

from tavus_async import CreateConversationRequest, TavusClient


CALLS = ("get replica", "list 100 replicas", "create conversation")
MODES = ("sequential", "concurrent")
LIMIT = 100
IDS = [f"r{i:011x}" for i in range(LIMIT)]
"""The ids ``_raw_server.py`` lists, in order; the get calls cycle through them."""
CONVERSATION_ID = "c123456"
"""What ``_raw_server.py`` answers to every create."""
PACKAGES = (
    "tavus-async",
    "tavus-cli",
    "livekit-plugins-tavus",
    "livekit-agents",
    "aiohttp",
    "httpx",
    "pydantic",
)

Call = Callable[[str], Awaitable[None]]
"""One call with a replica id; raises unless the answer is the right one."""
Calls = dict[str, Call]
"""A variant's calls by name; a call it cannot make is absent."""


def expect(got: object, want: object, what: str) -> None:
    """Raise unless ``got == want``."""
    if got != want:
        raise RuntimeError(f"{what}: expected {want!r}, got {got!r}")


def expect_page(count: int, first: str, last: str) -> None:
    """Raise unless a list answer held the server's first ``LIMIT`` replicas."""
    expect((count, first, last), (LIMIT, IDS[0], IDS[-1]), "list")


@asynccontextmanager
async def ours(url: str, key: str) -> AsyncIterator[Calls]:
    """``tavus_async.TavusClient`` with its defaults (retries armed)."""
    async with TavusClient(api_key=key, base_url=url) as client:

        async def get(replica_id: str) -> None:
            replica = await client.replicas.get(replica_id)
            expect(replica.replica_id, replica_id, "get")

        async def listing(_: str) -> None:
            data = (await client.replicas.list(limit=LIMIT)).data
            expect_page(len(data), data[0].replica_id, data[-1].replica_id)

        async def create(replica_id: str) -> None:
            request = CreateConversationRequest(replica_id=replica_id)
            conversation = await client.conversations.create(request)
            expect(conversation.conversation_id, CONVERSATION_ID, "create")

        yield dict(zip(CALLS, (get, listing, create), strict=True))


@asynccontextmanager
async def raw(url: str, key: str) -> AsyncIterator[Calls]:
    """The hand-written baseline of ``_calls.py`` on ``raw_session``."""
    async with _calls.raw_session(key) as session:

        async def get(replica_id: str) -> None:
            body = await _calls.get_replica(session, url, replica_id)
            expect(body["replica_id"], replica_id, "get")

        async def listing(_: str) -> None:
            data = (await _calls.list_replicas(session, url, LIMIT))["data"]
            expect_page(len(data), data[0]["replica_id"], data[-1]["replica_id"])

        async def create(replica_id: str) -> None:
            body = await _calls.create_conversation(session, url, replica_id)
            expect(body["conversation_id"], CONVERSATION_ID, "create")

        yield dict(zip(CALLS, (get, listing, create), strict=True))


@asynccontextmanager
async def cli(url: str, key: str) -> AsyncIterator[Calls]:
    """``tavus-cli``'s SDK client (httpx) with its defaults (no retries).

    Its base URL comes from the constructor's ``TavusConfig``. It has no
    replicas resource (its ``faces`` resource is ``/v2/faces``), so get and
    list go through its generic ``Resource`` named ``replicas``: the code path
    of ``client.faces.get`` and ``client.faces.list``.
    """
    config = TavusConfig(
        public_api_base_url=f"{url}/v2",
        portal_api_base_url=f"{url}/api",
        dev_portal_url=url,
        pal_maker_url=url,
    )
    session = TavusSession(api_key=key, source="benchmark")
    async with CliClient(config, session) as client:
        replicas = Resource(client, "replicas")

        async def get(replica_id: str) -> None:
            body = await replicas.get(replica_id)
            expect(body["replica_id"], replica_id, "get")

        async def listing(_: str) -> None:
            data = (await replicas.list(limit=LIMIT))["data"]
            expect_page(len(data), data[0]["replica_id"], data[-1]["replica_id"])

        async def create(replica_id: str) -> None:
            body = await client.conversations.create({"replica_id": replica_id})
            expect(body["conversation_id"], CONVERSATION_ID, "create")

        yield dict(zip(CALLS, (get, listing, create), strict=True))


@asynccontextmanager
async def livekit(url: str, key: str) -> AsyncIterator[Calls]:
    """``livekit-plugins-tavus``'s ``TavusAPI`` as its ``AvatarSession`` builds it.

    The base URL is the constructor's ``api_url``; the session is livekit's
    shared ``http_context`` session (``limit_per_host=50``), opened as livekit
    documents for use outside a worker. Its retries (3, 2 s apart) are armed.
    It can only create: ``face_id`` is the current name of ``replica_id``, which
    it still takes but warns about on every call.
    """
    async with http_context.open() as session:
        api = TavusAPI(api_key=key, api_url=f"{url}/v2", session=session)

        async def create(replica_id: str) -> None:
            conversation_id = await api.create_conversation(face_id=replica_id)
            expect(conversation_id, CONVERSATION_ID, "create")

        yield {"create conversation": create}


VARIANTS = {"tavus_async": ours, "aiohttp": raw, "tavus-cli": cli, "livekit": livekit}


async def sequential(call: Call, n: int) -> float:
    """Await ``n`` calls one after another; the mean seconds per call."""
    start = time.perf_counter()
    for i in range(n):
        await call(IDS[i % LIMIT])
    return (time.perf_counter() - start) / n


async def concurrent(call: Call, n: int, width: int) -> float:
    """``n`` calls by ``width`` workers; wall seconds over ``n``."""
    numbers = itertools.count()

    async def worker() -> None:
        while (i := next(numbers)) < n:
            await call(IDS[i % LIMIT])

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(width)))
    return (time.perf_counter() - start) / n


async def run(url: str, key: str, args: argparse.Namespace) -> dict[str, Any]:
    """Warm every variant up, then time the rounds; the per-round means in µs."""
    names = list(VARIANTS)
    means: dict[str, dict[str, dict[str, list[float]]]] = {
        name: {call: {mode: [] for mode in MODES} for call in CALLS} for name in names
    }
    sent = 0
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(VARIANTS[name](url, key))
            for name in names
        }
        for calls in clients.values():
            for call in calls.values():
                await concurrent(call, args.concurrency * 2, args.concurrency)
                sent += args.concurrency * 2
        for round_number in range(args.rounds):
            start = time.perf_counter()
            shift = round_number % len(names)
            order = names[shift:] + names[:shift]
            for call_name, mode, name in itertools.product(CALLS, MODES, order):
                call = clients[name].get(call_name)
                if call is None:
                    continue
                if mode == "sequential":
                    mean = await sequential(call, args.calls)
                else:
                    mean = await concurrent(call, args.calls, args.concurrency)
                means[name][call_name][mode].append(mean * 1e6)
                sent += args.calls
            print(
                f"round {round_number + 1}/{args.rounds}: "
                f"{time.perf_counter() - start:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return {
        "python": platform.python_version(),
        "versions": {package: metadata.version(package) for package in PACKAGES},
        "can": {name: sorted(calls) for name, calls in clients.items()},
        "means_us": means,
        "requests_sent": sent,
    }


def main() -> None:
    """Parse the arguments, run, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.key, args))))


if __name__ == "__main__":
    main()
