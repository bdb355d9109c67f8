"""For ``bench_watcher.py``: the library's own variants, warmed up and followed.

- ``watcher`` of replicas: ``ReplicaWatcher``, filtered lists of 100 ids.
- ``watcher`` of videos: ``client.videos.watcher()``, the engine's own choice
  each cycle between one ``GET`` per video due and a sweep of every page of
  List Videos, whichever costs fewer requests.
- ``watcher-by-id`` of videos: the same engine on ``video_source`` without its
  pages (``page=None``), so it can only look each video up by id: per-id
  polling, done by the library.

Every variant reports to the same ``Tally`` as the hand-written loops and
returns the watcher's own counters, mode and sweeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import aclosing, asynccontextmanager
from functools import partial
from typing import Any

import attrs
from _baselines import Poll, Tally
from _fake_server import ERROR_MESSAGE, VIDEO_ERROR

from tavus_async import Outcome, OutcomeKind, ReplicaWatcher, TavusClient, Watcher
from tavus_async.watch import video_source


LIBRARY = {"replicas": ("watcher",), "videos": ("watcher", "watcher-by-id")}
"""The library's variants of each resource."""

EXPECTED = {
    "replicas": {
        "completed": ("reached", "completed", None),
        "error": ("failed", "error", ERROR_MESSAGE),
    },
    "videos": {
        "ready": ("reached", "ready", None),
        "error": ("failed", "error", VIDEO_ERROR),
    },
}
"""The outcome a watcher must report, by the server's final status.

The reason is compared for failures only: a ready video's outcome carries its
``status_details`` ("Your request has processed successfully!").
"""


async def follow(
    watcher: Watcher[Any], ids: list[str], interval: float, tally: Tally
) -> dict[str, Any]:
    """Watch every id; report each event to ``tally``; return the watcher's counts.

    ``interval`` is the watcher's own, given when it was built.
    """
    async with aclosing(watcher.watch(ids)) as events:
        async for event in events:
            now = time.monotonic()
            if isinstance(event, Outcome):
                status = None if event.item is None else event.item.status.value
                failed = event.kind is OutcomeKind.FAILED
                reason = event.error_message if failed else None
                tally.ended(event.id, (event.kind.value, status, reason), now)
            else:
                was = None if event.previous is None else event.previous.status.value
                tally.saw(event.id, was, event.item.status.value, now, event.at)
    stats = watcher.stats
    return {
        "watcher_list_requests": stats.list_requests,
        "watcher_get_requests": stats.get_requests,
        "watcher_sweep_requests": stats.sweep_requests,
        "watcher_sweeps": stats.sweeps,
        "watcher_mode": None if stats.mode is None else stats.mode.value,
        "watcher_requests": stats.requests,
        "watcher_updates": stats.updates,
        "transient_failures": stats.transient_failures,
    }


def watcher_of(
    client: TavusClient, resource: str, variant: str, interval: float, concurrency: int
) -> Watcher[Any]:
    """A new watcher of ``variant`` for ``resource``."""
    if resource == "replicas":
        return ReplicaWatcher(
            client, poll_interval=interval, max_concurrency=concurrency
        )
    if variant == "watcher":
        return client.videos.watcher(
            poll_interval=interval, max_concurrency=concurrency
        )
    by_id = attrs.evolve(video_source(client.videos), page=None)
    return Watcher(by_id, poll_interval=interval, max_concurrency=concurrency)


def warm_up(
    client: TavusClient, resource: str, ids: list[str], concurrency: int
) -> list[Awaitable[Any]]:
    """``concurrency`` list requests, which open the connections and build hooks."""
    if resource == "replicas":
        batch = ids[:100]
        return [
            client.replicas.list(replica_ids=batch, limit=len(batch))
            for _ in range(concurrency)
        ]
    return [client.videos.list(limit=100, page=0) for _ in range(concurrency)]


async def poll_with(
    client: TavusClient,
    resource: str,
    variant: str,
    concurrency: int,
    ids: list[str],
    interval: float,
    tally: Tally,
) -> dict[str, Any]:
    """Build the variant's watcher and follow ``ids`` with it (a ``Poll``)."""
    watcher = watcher_of(client, resource, variant, interval, concurrency)
    return await follow(watcher, ids, interval, tally)


@asynccontextmanager
async def by_library(
    resource: str, variant: str, hello: dict[str, Any], concurrency: int
) -> AsyncIterator[Poll]:
    """The library's ``variant`` on a warmed-up client, as a ``Poll``.

    ``concurrency`` connections are opened first: a running application has
    its connections (and the converter its hooks) before it polls anything.
    """
    async with TavusClient(api_key=hello["api_key"], base_url=hello["url"]) as c:
        await asyncio.gather(*warm_up(c, resource, hello["ids"], concurrency))
        yield partial(poll_with, c, resource, variant, concurrency)
