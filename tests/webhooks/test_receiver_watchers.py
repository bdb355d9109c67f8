"""The receiver settling watchers of any kind: replicas by notify, videos by observe."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tavus_async import (
    Outcome,
    OutcomeKind,
    TavusClient,
    ValidationError,
    VideoStatus,
    Watcher,
)
from tavus_async.testing import FakeTavus
from tavus_async.webhooks import CallbackReceiver, VideoCallback
from tests.webhooks.test_receiver import SECRET, Collector, post, serving


class Watching:
    """A watch running in a task; ``polled`` is set once its first poll answered."""

    def __init__(self, watcher: Watcher[Any], ids: list[str]) -> None:
        self.polled = asyncio.Event()
        self.task = asyncio.create_task(self._run(watcher, ids))

    async def _run(
        self, watcher: Watcher[Any], ids: list[str]
    ) -> dict[str, Outcome[Any]]:
        outcomes: dict[str, Outcome[Any]] = {}
        async for event in watcher.watch(ids):
            if isinstance(event, Outcome):
                outcomes[event.id] = event
            elif event.source == "poll":
                self.polled.set()
        return outcomes

    async def started(self) -> None:
        """Wait until the watch polled (callbacks before that would be missed)."""
        async with asyncio.timeout(5):
            await self.polled.wait()

    async def outcomes(self) -> dict[str, Outcome[Any]]:
        """Wait for the watch to end; its outcomes by id."""
        async with asyncio.timeout(5):
            return await self.task


async def test_a_video_callback_settles_a_video_watch_with_the_video_it_carries(
    fake: FakeTavus, client: TavusClient
) -> None:
    """observe() gets the whole video: the outcome's URLs are the callback's."""
    fake.videos.generation_time = 3600
    video_id = fake.videos.add(status=None)
    watcher = client.videos.watcher(poll_interval=600)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    body = {
        "video_id": video_id,
        "status": "ready",
        "download_url": "https://cdn.example.com/v.mp4",
        "stream_url": "https://cdn.example.com/v.m3u8",
    }
    async with serving(receiver) as (url, http):
        watch = Watching(watcher, [video_id])
        await watch.started()
        await post(http, url, body)
        outcomes = await watch.outcomes()

    outcome = outcomes[video_id]
    assert OutcomeKind.REACHED is outcome.kind
    assert outcome.item is not None
    assert ("https://cdn.example.com/v.mp4", "https://cdn.example.com/v.m3u8") == (
        outcome.item.download_url,
        outcome.item.stream_url,
    )
    assert 1 == watcher.stats.requests
    assert 1 == receiver.stats.handled


async def test_each_callback_goes_to_the_watchers_of_its_kind_only(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A video names its replica: its ready must not settle the replica's watch."""
    fake.videos.generation_time = 3600
    replica_id = fake.add_replica(status="training")
    video_id = fake.videos.add(replica_id=replica_id, status=None)
    replicas = client.replicas.watcher(poll_interval=600)
    videos = client.videos.watcher(poll_interval=600)
    receiver = CallbackReceiver(secret=SECRET, watcher=[replicas, videos])
    async with serving(receiver) as (url, http):
        replica_watch = Watching(replicas, [replica_id])
        video_watch = Watching(videos, [video_id])
        await replica_watch.started()
        await video_watch.started()
        await post(
            http,
            url,
            {"video_id": video_id, "replica_id": replica_id, "status": "ready"},
        )
        video_outcomes = await video_watch.outcomes()
        await post(
            http,
            url,
            {"replica_id": replica_id, "status": "error", "error_message": "too short"},
        )
        replica_outcomes = await replica_watch.outcomes()

    assert OutcomeKind.REACHED is video_outcomes[video_id].kind
    assert (OutcomeKind.FAILED, "too short") == (
        replica_outcomes[replica_id].kind,
        replica_outcomes[replica_id].error_message,
    )
    assert (1, 1) == (replicas.stats.requests, videos.stats.requests)


async def test_a_video_callback_reaches_the_handler_after_the_watcher(
    fake: FakeTavus, client: TavusClient
) -> None:
    """With a handler and a watcher, the handler still gets the typed event."""
    video_id = fake.videos.add(status="ready")
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, watcher=client.videos.watcher())
    async with serving(receiver) as (url, http):
        await post(http, url, {"video_id": video_id, "status": "error"})
        (event,) = await collect.wait_for(1)

    assert isinstance(event, VideoCallback)
    assert (video_id, VideoStatus.ERROR) == (event.video_id, event.status)


async def test_verify_with_drops_video_callbacks_about_unknown_videos(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    real = fake.videos.add(status="ready")
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, verify_with=client)
    with caplog.at_level(logging.WARNING, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            for video_id in ("0000000000", real):
                await post(http, url, {"video_id": video_id, "status": "ready"})
            await receiver.aclose()

    assert [real] == [
        e.video_id for e in collect.events if isinstance(e, VideoCallback)
    ]
    assert 1 == receiver.stats.forged
    assert "callback dropped as forged: no such video 0000000000" in caplog.text


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param({"watcher": "nope"}, "watcher", id="text"),
        pytest.param({"watcher": 5}, "watcher", id="number"),
        pytest.param({"watcher": [object()]}, "watcher", id="list-of-other"),
        pytest.param({"watcher": []}, "handler", id="no-handler-no-watcher"),
    ],
)
def test_a_bad_watcher_is_refused_by_name(
    arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CallbackReceiver(secret=SECRET, **arguments)

    assert field == caught.value.field
