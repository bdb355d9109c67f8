"""When a video watcher polls and when it ends, against FakeTavus.

Progress spaces polls out, a callback or a status learnt elsewhere ends an
id without a poll, ids join a running watch, deadlines end the slow ones.
All on the fake's virtual clock (see ``test_watch_resources.py``).
"""

from __future__ import annotations

import asyncio

from tavus_async import Outcome, OutcomeKind, TavusClient, Update
from tavus_async.testing import FakeTavus
from tavus_async.testing._videos_wire import MEDIA
from tavus_async.types import Video, VideoStatus
from tests.test_watch_resources import (
    FAILURE,
    generating,
    outcomes_of,
    video_requests,
    videos,
)


FLOAT_SLACK = 1e-6
"""Room for float rounding when clock readings of about 1e6 s are subtracted."""


async def test_videos_added_mid_watch_are_watched_to_their_end(
    fake: FakeTavus, client: TavusClient
) -> None:
    """add() joins a running watch; keep_open waits for done_adding()."""
    fake.videos.generation_time = 10.0
    first = generating(fake, 3)
    watcher = videos(client, fake)
    events: list[Update[Video] | Outcome[Video]] = []
    added: list[str] = []

    async for event in watcher.watch(first, keep_open=True):
        events.append(event)
        if isinstance(event, Update) and event.previous is None and event.id in first:
            more = generating(fake, 1, f"late {len(added)}")
            assert 1 == watcher.add([*more, event.id])
            added.extend(more)
        if len(outcomes_of(events)) == 6:
            watcher.done_adding()

    outcomes = outcomes_of(events)
    assert set(first + added) == set(outcomes)
    assert all(outcome.ok for outcome in outcomes.values())


async def test_a_video_added_when_the_last_one_settles_is_polled(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Adding the next video on the outcome of the last one keeps the watch going."""
    fake.videos.generation_time = 10.0
    (first,) = generating(fake, 1)
    watcher = videos(client, fake)
    events: list[Update[Video] | Outcome[Video]] = []
    later: list[str] = []

    async for event in watcher.watch([first], keep_open=True, timeout=60):
        events.append(event)
        if isinstance(event, Outcome) and event.id == first:
            later = generating(fake, 1, "later")
            watcher.add(later)

    assert OutcomeKind.REACHED is outcomes_of(events)[later[0]].kind


async def test_each_timeout_and_an_early_target(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A slow video times out on its own deadline; ``until`` may be ``generating``."""
    fake.videos.generation_time = 3600.0
    slow, early = generating(fake, 2)
    fake.videos.generation_time = 5.0
    (quick,) = generating(fake, 1)
    watcher = videos(client, fake, poll_interval=2.0)
    watcher.add([early])

    timed = await watcher.wait([slow, quick], each_timeout=30)
    targets = await videos(client, fake).wait([early], until={"generating"})

    assert OutcomeKind.REACHED is timed[quick].kind
    late = timed[slow]
    assert (OutcomeKind.TIMED_OUT, VideoStatus.GENERATING) == (
        late.kind,
        late.item.status if late.item else None,
    )
    assert "its own timeout" in late.detail
    assert OutcomeKind.TIMED_OUT is timed[early].kind
    reached = targets[early]
    assert (OutcomeKind.REACHED, "reached generating") == (reached.kind, reached.detail)


async def test_progress_polls_long_videos_less_often_yet_sees_each_end_in_time(
    fake: FakeTavus, client: TavusClient
) -> None:
    """With a long max_poll_interval, progress spaces polls out; each end is
    still seen within poll_interval of the moment the fake ends it."""
    for _ in range(300):
        fake.videos.add()
    loop = asyncio.get_running_loop()
    counts, lateness, reals = [], [], []
    for longest in (None, 1200.0):
        ends = {}
        for span in (300.0, 600.0, 900.0, 1200.0):
            fake.videos.generation_time = span
            (video_id,) = generating(fake, 1)
            ends[video_id] = fake.clock() + fake.videos.queue_time + span
        fake.reset_log()
        real_start = loop.time()
        watcher = videos(client, fake, poll_interval=5.0, max_poll_interval=longest)
        outcomes = await watcher.wait(list(ends))
        reals.append(loop.time() - real_start)
        assert all(outcome.ok for outcome in outcomes.values())
        counts.append(video_requests(fake))
        lateness.append(max(outcomes[i].at - end for i, end in ends.items()))

    # Every 5 s, the 4 videos cost 4 lookups a cycle for 1200 s; by progress,
    # a handful each (the gaps halve the time left, down to 5 s at the end).
    assert counts[1] * 4 < counts[0]
    # The fake's clock also moves with real time, which only makes polls late.
    assert all(
        late <= 5.0 + real + FLOAT_SLACK
        for late, real in zip(lateness, reals, strict=True)
    )


async def test_observe_and_notify_settle_videos_without_a_poll(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A callback's whole video, or a status learnt elsewhere, ends the watch."""
    fake.videos.generation_time = 600.0
    called_back, notified, failed = generating(fake, 3)
    watcher = videos(client, fake, poll_interval=1000.0)
    ready = Video(video_id=called_back, status=VideoStatus.READY, hosted_url="h")
    assert not watcher.observe(ready)  # no watch running
    events: list[Update[Video] | Outcome[Video]] = []

    async for event in watcher.watch([called_back, notified, failed]):
        events.append(event)
        if len(events) == 3:
            assert watcher.observe(ready)
            assert watcher.notify(notified, "ready")
            assert watcher.notify(failed, "error", error_message=FAILURE)
            assert not watcher.notify("ffffffffff", "ready")

    outcomes = outcomes_of(events)
    assert ready is outcomes[called_back].item
    assert OutcomeKind.REACHED is outcomes[notified].kind
    kept = outcomes[notified].item
    assert kept is not None
    assert (VideoStatus.READY, f"{MEDIA}/{notified}") == (kept.status, kept.hosted_url)
    assert (OutcomeKind.FAILED, FAILURE) == (
        outcomes[failed].kind,
        outcomes[failed].error_message,
    )
    sources = [e.source for e in events if isinstance(e, Update)]
    assert (3, 3) == (sources.count("poll"), sources.count("notify"))
    assert 1 == video_requests(fake)
