"""Watchers of videos, documents and transcriptions against FakeTavus.

Real sockets, on the fake's virtual clock (``sleep=fake.sleep``,
``clock=fake.clock``): minutes of generation take milliseconds. Request
counts are bounded from the policy (pages per sweep times cycles), never
measured once and pinned.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest

from tavus_async import (
    CreateDocumentRequest,
    Outcome,
    OutcomeKind,
    PollMode,
    TavusClient,
    Update,
    Watcher,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.testing._videos_wire import MEDIA
from tavus_async.types import Video, VideoStatus
from tavus_async.watch._modes import sweep_pages


_T = TypeVar("_T")

FAILURE = "The replica could not say this script."


def videos(client: TavusClient, fake: FakeTavus, **settings: Any) -> Watcher[Video]:
    """A video watcher on the fake's clock, polling every second by default."""
    settings.setdefault("poll_interval", 1.0)
    settings.setdefault("jitter", 0.0)
    return client.videos.watcher(sleep=fake.sleep, clock=fake.clock, **settings)


def generating(fake: FakeTavus, count: int, name: str = "video") -> list[str]:
    """``count`` videos generating from now, named ``"<name> <n>"``."""
    return [
        fake.videos.add(video_name=f"{name} {n}", status=None) for n in range(count)
    ]


async def collect(
    events: AsyncIterator[Update[_T] | Outcome[_T]],
) -> list[Update[_T] | Outcome[_T]]:
    return [event async for event in events]


def outcomes_of(events: list[Update[_T] | Outcome[_T]]) -> dict[str, Outcome[_T]]:
    found = [e for e in events if isinstance(e, Outcome)]
    by_id = {outcome.id: outcome for outcome in found}
    assert len(found) == len(by_id), "one outcome per id"
    return by_id


def video_requests(fake: FakeTavus) -> int:
    return fake.count("GET", "/v2/videos") + fake.count("GET", "/v2/videos/*")


async def test_a_sweep_follows_hundreds_of_videos_to_their_end(
    fake: FakeTavus, client: TavusClient
) -> None:
    """300 videos of 360: every end is seen, for a few pages per cycle."""
    others = [fake.videos.add() for _ in range(60)]
    fake.videos.queue_time, fake.videos.generation_time = 0.2, 20.0
    fake.videos.fail_matching("doomed", FAILURE)
    ids = generating(fake, 270) + generating(fake, 30, "doomed")
    fake.reset_log()
    watcher = videos(client, fake, poll_interval=5.0)
    modes: set[PollMode | None] = set()
    start = fake.clock()

    events = []
    async for event in watcher.watch(ids):
        events.append(event)
        modes.add(watcher.stats.mode)
    elapsed = fake.clock() - start

    outcomes = outcomes_of(events)
    assert set(ids) == set(outcomes)
    assert not set(others) & set(outcomes)
    for video_id in ids[:270]:
        outcome = outcomes[video_id]
        assert outcome.item is not None
        assert (OutcomeKind.REACHED, VideoStatus.READY) == (
            outcome.kind,
            outcome.item.status,
        )
        assert outcome.error_message is None  # status_details is no failure
        assert f"{MEDIA}/{video_id}" == outcome.item.hosted_url
        assert f"{MEDIA}/{video_id}/video.mp4" == outcome.item.download_url
        assert f"{MEDIA}/{video_id}/stream.m3u8" == outcome.item.stream_url
    for video_id in ids[270:]:
        outcome = outcomes[video_id]
        assert (OutcomeKind.FAILED, FAILURE) == (outcome.kind, outcome.error_message)
        assert FAILURE in outcome.detail
    stats = watcher.stats
    assert {PollMode.SWEEP} == modes - {None}
    # A sweep reads every page of the list: 4 for 360 videos. Ids seen by a
    # sweep are due one interval after it, so cycles start at least 5 s
    # apart; by id, the same watch would cost 300 GETs a cycle.
    cycles = math.floor(elapsed / 5.0) + 1
    assert stats.requests <= sweep_pages(360, 100) * cycles
    assert (stats.requests, 0) == (video_requests(fake), stats.get_requests)
    assert stats.sweeps >= 2
    assert (300, 0, 0) == (stats.outcomes, stats.watching, stats.transient_failures)


@pytest.mark.parametrize("placed", ["first", "last"])
async def test_a_few_videos_of_a_large_account_are_looked_up_by_id(
    fake: FakeTavus, client: TavusClient, placed: str
) -> None:
    """5 videos of 500: after a first page (or a first sweep, while the account's
    size is unknown), each cycle looks the 5 up by id."""
    fake.videos.queue_time, fake.videos.generation_time = 0.2, 20.0
    ids = generating(fake, 5) if placed == "first" else []
    for _ in range(495):
        fake.videos.add()
    ids = ids or generating(fake, 5)
    fake.reset_log()
    watcher = videos(client, fake, poll_interval=5.0)
    start = fake.clock()

    outcomes = await watcher.wait(ids)
    elapsed = fake.clock() - start

    assert all(outcome.ok for outcome in outcomes.values())
    stats = watcher.stats
    # One page answers the size; lookups cost no more than the 5-page sweep.
    first_cycle = 1 if placed == "first" else sweep_pages(500, 100)
    assert (first_cycle, PollMode.BY_ID) == (stats.sweep_requests, stats.mode)
    cycles = math.floor(elapsed / 5.0) + 1
    assert stats.get_requests <= len(ids) * cycles
    assert stats.get_requests >= len(ids) * (cycles - 2)  # each cycle but the first
    assert stats.requests == video_requests(fake)


async def test_failed_deleted_and_unknown_videos_end_as_they_should(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A failure ends FAILED with its reason; deleted or unknown ids end GONE."""
    fake.videos.fail_matching("doomed", FAILURE)
    fine, doomed = generating(fake, 1) + generating(fake, 1, "doomed")
    deleted = fake.videos.add(status="deleted")
    unknown = "ffffffffff"

    outcomes = await videos(client, fake).wait([fine, doomed, deleted, unknown])

    assert [OutcomeKind.REACHED, OutcomeKind.FAILED] + [OutcomeKind.GONE] * 2 == [
        outcome.kind for outcome in outcomes.values()
    ]
    assert FAILURE == outcomes[doomed].error_message
    assert "its status is deleted" in outcomes[deleted].detail
    gone = outcomes[unknown]
    assert (None, True) == (gone.item, "Invalid video_id" in gone.detail)


async def test_videos_deleted_while_watched_end_gone(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Deleted (or deleted for good) mid-watch: GONE with the last state seen."""
    fake.videos.generation_time = 60.0
    keep, soft, hard = generating(fake, 3)
    watcher = videos(client, fake)
    events = []

    async for event in watcher.watch([keep, soft, hard]):
        events.append(event)
        if isinstance(event, Update) and event.previous is None:
            if event.id == soft:
                await client.videos.delete(soft)
            elif event.id == hard:
                await client.videos.delete(hard, hard=True)

    outcomes = outcomes_of(events)
    assert OutcomeKind.REACHED is outcomes[keep].kind
    for video_id in (soft, hard):
        outcome = outcomes[video_id]
        assert OutcomeKind.GONE is outcome.kind
        assert outcome.item is not None
    assert VideoStatus.DELETED == outcomes[soft].item.status  # type: ignore[union-attr]
    assert "Invalid video_id" in outcomes[hard].detail


async def test_a_sweep_under_faults_settles_every_video_once(
    fake: FakeTavus, client: TavusClient
) -> None:
    """503s and dropped connections on list pages only delay what they cover."""
    for _ in range(50):
        fake.videos.add()
    fake.videos.generation_time = 20.0
    fake.videos.fail_matching("doomed", FAILURE)
    ids = generating(fake, 180) + generating(fake, 20, "doomed")
    # Three 503s outlast the client's two retries: page 0 fails once.
    fake.inject(Fault.http(503), times=3, method="GET", path="/v2/videos")
    for fault in (Fault.http(503), Fault.drop(), Fault.garbage()):
        fake.inject_rate(fault, 0.1, method="GET", path="/v2/videos")
    watcher = videos(client, fake, poll_interval=3.0)

    outcomes = outcomes_of(await collect(watcher.watch(ids)))

    assert set(ids) == set(outcomes)
    assert {OutcomeKind.REACHED} == {outcomes[i].kind for i in ids[:180]}
    assert {FAILURE} == {outcomes[i].error_message for i in ids[180:]}
    stats = watcher.stats
    assert stats.transient_failures >= 1
    assert stats.sweeps >= 1
    assert sum(r.fault is not None for r in fake.requests) >= 10


async def test_documents_settle_ready_or_error(
    fake: FakeTavus, client: TavusClient
) -> None:
    """The document watcher follows processing to ready, or error with its reason."""
    fake.documents.processing_time = 30.0
    fake.documents.fail_matching("broken", "file_format_unsupported")
    ids = []
    for n in range(12):
        name = "broken" if n % 4 == 0 else "handbook"
        url = f"https://cdn.example.com/{name}-{n}.pdf"
        document = await client.documents.create(
            CreateDocumentRequest(document_url=url)
        )
        ids.append(document.document_id)
    watcher = client.documents.watcher(
        poll_interval=5.0, jitter=0.0, sleep=fake.sleep, clock=fake.clock
    )

    events = await collect(watcher.watch(ids))

    outcomes = outcomes_of(events)
    for n, document_id in enumerate(ids):
        outcome = outcomes[document_id]
        if n % 4 == 0:
            assert (OutcomeKind.FAILED, "file_format_unsupported") == (
                outcome.kind,
                outcome.error_message,
            )
        else:
            assert outcome.ok
    progress = [e.progress for e in events if isinstance(e, Update) and e.progress]
    assert progress, "processing reports its percent as progress"
    assert "document" == watcher.noun


async def test_transcriptions_settle_completed_or_error(
    fake: FakeTavus, client: TavusClient
) -> None:
    """The transcription watcher sweeps a list that counts pages from 1."""
    fake.transcriptions.transcription_time = 12.0
    fake.transcriptions.failure_rate = 0.2
    ids = [fake.transcriptions.add(f"https://x.example/{n}.mp4") for n in range(150)]
    watcher = client.transcriptions.watcher(
        poll_interval=5.0, jitter=0.0, sleep=fake.sleep, clock=fake.clock
    )

    outcomes = await watcher.wait(ids)

    truth = {
        t.transcription_id: t.status async for t in client.transcriptions.iter_all()
    }
    assert {"completed", "error"} == {truth[i] for i in ids}
    for transcription_id, outcome in outcomes.items():
        failed = truth[transcription_id] == "error"
        assert outcome.item is not None
        assert (truth[transcription_id], failed) == (
            outcome.item.status,
            outcome.kind is OutcomeKind.FAILED,
        )
    assert watcher.stats.sweeps >= 1
    assert 0 == watcher.stats.get_requests
