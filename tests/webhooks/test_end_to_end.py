"""FakeTavus calling a real CallbackReceiver: watches settle, events arrive typed.

Replicas and videos alike: the fake POSTs each one's callback when its clock
passes the end, and a watcher given to the receiver settles from it.
"""

from __future__ import annotations

import asyncio

from tavus_async import (
    CreateConversationRequest,
    CreateReplicaRequest,
    GenerateVideoRequest,
    Outcome,
    OutcomeKind,
    ReplicaStatus,
    ReplicaWatcher,
    TavusClient,
    Video,
    VideoStatus,
)
from tavus_async.testing import FakeTavus
from tavus_async.testing._videos_wire import GENERATION_ERROR
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackServer,
    ConversationShutdown,
    ReplicaJoined,
    ShutdownReason,
    TranscriptionReady,
    VideoCallback,
    callback_url_for,
    new_callback_secret,
)


SECRET = new_callback_secret()
VIDEO = "https://example.com/video.mp4"


async def test_fake_callbacks_settle_a_watch_long_before_the_next_poll(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.training_time, fake.training_spread = 0.2, 0.3
    fake.mark_failing("too-short")
    watcher = ReplicaWatcher(client, poll_interval=600)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRET)
        videos = [f"https://example.com/{n}.mp4" for n in range(40)]
        videos[7] = "https://example.com/too-short.mp4"
        created = [
            await client.replicas.create(
                CreateReplicaRequest.from_video(video, callback_url=url)
            )
            for video in videos
        ]
        ids = [c.replica_id for c in created]
        async with asyncio.timeout(10):
            outcomes = await watcher.wait(ids)

    kinds = [outcomes[i].kind for i in ids]
    assert [
        OutcomeKind.FAILED if n == 7 else OutcomeKind.REACHED for n in range(40)
    ] == (kinds)
    assert "minimum duration" in str(outcomes[ids[7]].error_message)
    assert 1 == watcher.stats.list_requests
    assert 40 == receiver.stats.handled
    assert [200] * 40 == [d.status for d in fake.callbacks]


async def test_without_callbacks_the_same_watch_falls_back_to_polling(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.training_time = 0.2
    fake.callbacks_enabled = False
    watcher = ReplicaWatcher(client, poll_interval=0.3)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRET)
        request = CreateReplicaRequest.from_video(
            "https://e.com/v.mp4", callback_url=url
        )
        created = await client.replicas.create(request)
        async with asyncio.timeout(10):
            outcomes = await watcher.wait([created.replica_id])

    assert ReplicaStatus.COMPLETED == outcomes[created.replica_id].status
    assert 0 == receiver.stats.received
    assert watcher.stats.list_requests >= 2


async def generate(
    client: TavusClient, replica_id: str, url: str, count: int
) -> list[str]:
    """Generate ``count`` videos called back at ``url``; the 3rd says "Broken"."""
    ids = []
    for n in range(count):
        script = "Broken on purpose" if n == 2 else f"Hello number {n}"
        request = GenerateVideoRequest.from_script(replica_id, script, callback_url=url)
        ids.append((await client.videos.generate(request)).video_id)
    return ids


async def test_fake_video_callbacks_arrive_typed_as_the_videos_they_report(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Ready and error arrive as VideoCallback, each the video Get Video shows."""
    fake.videos.fail_matching("Broken")
    replica_id = fake.add_replica()
    events: list[CallbackEvent] = []
    receiver = CallbackReceiver(events.append, secret=SECRET)
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRET)
        ids = await generate(client, replica_id, url, 4)
        fake.advance(60)
        await fake.wait_callbacks(4)
        await receiver.aclose()
    now = {video_id: await client.videos.get(video_id) for video_id in ids}

    videos = [e.video for e in events if isinstance(e, VideoCallback)]
    assert sorted(ids) == sorted(v.video_id for v in videos)
    for video in videos:
        assert now[video.video_id] == video
    failed = next(e for e in events if isinstance(e, VideoCallback) and not e.succeeded)
    assert (ids[2], VideoStatus.ERROR, GENERATION_ERROR) == (
        failed.video_id,
        failed.status,
        failed.error_message,
    )
    assert [200] * 4 == [d.status for d in fake.callbacks]


async def test_fake_video_callbacks_settle_a_video_watch_without_another_poll(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Once the first poll has seen them queued, only callbacks end the videos."""
    fake.videos.generation_time = 3600
    fake.videos.fail_matching("Broken")
    replica_id = fake.add_replica()
    watcher = client.videos.watcher(poll_interval=600)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    outcomes: dict[str, Outcome[Video]] = {}
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRET)
        ids = await generate(client, replica_id, url, 20)
        polled: set[str] = set()
        async with asyncio.timeout(10):
            async for event in watcher.watch(ids):
                if isinstance(event, Outcome):
                    outcomes[event.id] = event
                elif event.source == "poll":
                    polled.add(event.id)
                    if len(polled) == len(ids):
                        fake.advance(4000)
    payloads = {d.payload["video_id"]: d.payload for d in fake.callbacks}

    assert 1 == watcher.stats.requests
    assert [
        OutcomeKind.FAILED if n == 2 else OutcomeKind.REACHED for n in range(20)
    ] == [outcomes[i].kind for i in ids]
    assert GENERATION_ERROR == outcomes[ids[2]].error_message
    items = [outcomes[video_id].item for video_id in ids]
    assert [
        (payloads[video_id].get("download_url"), payloads[video_id]["hosted_url"])
        for video_id in ids
    ] == [(item.download_url, item.hosted_url) for item in items if item is not None]
    assert f"/{ids[0]}/video.mp4" in str(payloads[ids[0]]["download_url"])
    assert payloads[ids[2]]["download_url"] is None
    assert 20 == receiver.stats.handled


async def test_conversation_events_arrive_typed_once_and_in_order(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.pal_events = True
    replica_id = fake.add_replica()
    events: list[CallbackEvent] = []
    receiver = CallbackReceiver(events.append, secret=SECRET)
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRET)
        conversation = await client.conversations.create(
            CreateConversationRequest(replica_id=replica_id, callback_url=url)
        )
        await fake.wait_callbacks(2)
        await client.conversations.end(conversation.conversation_id)
        await fake.wait_callbacks(4)
        await receiver.aclose()
    verbose = await client.conversations.get(conversation.conversation_id, verbose=True)

    assert [ReplicaJoined, ConversationShutdown, TranscriptionReady] == [
        type(e) for e in events
    ]
    joined, shutdown, transcript = events
    assert isinstance(joined, ReplicaJoined)
    assert replica_id == joined.properties.replica_id
    assert isinstance(shutdown, ConversationShutdown)
    assert (
        ShutdownReason.END_CONVERSATION_ENDPOINT_HIT
        == shutdown.properties.shutdown_reason
    )
    assert isinstance(transcript, TranscriptionReady)
    assert verbose.events is not None
    assert [
        (turn["role"], turn["content"])
        for turn in verbose.events[2].properties["transcript"]
    ] == [(t.role, t.content) for t in transcript.properties.transcript]
    assert 1 == receiver.stats.duplicates
    assert {conversation.conversation_id} == {
        e.conversation_id for e in events if isinstance(e, ReplicaJoined)
    }
