"""client.videos against FakeTavus over real sockets, and the video types."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tavus_async import (
    APIStatusError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    TavusClient,
    TrainingProgress,
    UnknownIdError,
    ValidationError,
    make_converter,
    with_raw_response,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.testing._videos import GENERATION_ERROR
from tavus_async.types.videos import (
    CreatedVideo,
    GenerateVideoRequest,
    Video,
    VideoData,
    VideoProperties,
    VideoStatus,
)
from tavus_async.webhooks._aiohttp import start_app


AUDIO = "https://cdn.example.com/speech.mp3"
SITE = "https://example.com/"
VIDEOS = "/v2/videos"
CALLBACK_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
"""As in Tavus's video callbacks: "2024-08-28 15:27:40.824457", no zone."""


@pytest.fixture
def replica_id(fake: FakeTavus) -> str:
    """A completed replica; videos take 10 s queued, then 100 s generating.

    Long enough that the real time a test takes (the fake's clock runs with
    the event loop's) moves no status and no progress percent.
    """
    fake.videos.queue_time, fake.videos.generation_time = 10.0, 100.0
    return fake.add_replica()


@pytest.fixture
async def hook() -> AsyncIterator[tuple[str, list[Any]]]:
    """A webhook receiver on 127.0.0.1: its URL, and the bodies POSTed to it."""
    bodies: list[Any] = []

    async def receive(request: web.Request) -> web.StreamResponse:
        bodies.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner, url = await start_app(app, "127.0.0.1", 0, shutdown_timeout=0.1)
    yield f"{url}/hook", bodies
    await runner.cleanup()


async def generate(
    client: TavusClient, replica_id: str, name: str, **extras: Any
) -> str:
    """Generate a video from a script named after ``name``; return its id."""
    request = GenerateVideoRequest.from_script(
        replica_id, f"Script of {name}", video_name=name, **extras
    )
    return (await client.videos.generate(request)).video_id


# The request type


@pytest.mark.parametrize(
    ("fields", "field", "fix"),
    [
        ({}, "script", "exactly one of script"),
        ({"script": "Hi", "audio_url": AUDIO}, "audio_url", "not both"),
        ({"script": " "}, "script", "must not be empty"),
        ({"replica_id": None, "script": "Hi"}, "replica_id", "is required"),
        ({"replica_id": "", "script": "Hi"}, "replica_id", "must not be empty"),
        ({"audio_url": "speech.mp3"}, "audio_url", "absolute http(s) URL"),
        ({"script": "Hi", "callback_url": "/hook"}, "callback_url", "http(s)"),
        ({"script": "Hi", "background_url": "example"}, "background_url", "URL"),
        ({"script": "Hi", "watermark_image_url": "x"}, "watermark_image_url", "URL"),
        ({"script": "Hi", "video_name": ""}, "video_name", "must not be empty"),
        (
            {"script": "Hi", "transparent_background": True},
            "transparent_background",
            "needs fast=True",
        ),
        (
            {"script": "Hi", "properties": VideoProperties(background_scroll=True)},
            "properties",
            "set background_url",
        ),
    ],
)  # fmt: skip
def test_request_names_the_field_and_the_fix(
    fields: dict[str, Any], field: str, fix: str
) -> None:
    """A request Tavus would refuse raises ValidationError naming field and fix."""
    with pytest.raises(ValidationError) as info:
        GenerateVideoRequest(**{"replica_id": "r1", **fields})

    assert field == info.value.field
    assert fix in info.value.problems[0][1]


@pytest.mark.parametrize(
    ("properties", "field", "fix"),
    [
        ({"background_scroll_type": "jerky"}, "background_scroll_type", "'human'"),
        ({"background_scroll_depth": "top"}, "background_scroll_depth", "'bottom'"),
        ({"background_scroll_return": "back"}, "background_scroll_return", "'halt'"),
        (
            {"background_scroll": False, "background_scroll_type": "smooth"},
            "background_scroll_type",
            "while background_scroll is true",
        ),
    ],
)
def test_properties_check_their_choices(
    properties: dict[str, Any], field: str, fix: str
) -> None:
    """Scroll settings take their documented choices, and only while scrolling."""
    with pytest.raises(ValidationError) as info:
        VideoProperties(**properties)

    assert f"properties.{field}" == info.value.field
    assert fix in info.value.problems[0][1]


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        ("queued", False, False),
        ("generating", False, False),
        ("ready", True, True),
        ("error", True, False),
        ("deleted", True, False),
        ("rendering", False, False),
    ],
)
def test_status_predicates(status: str, terminal: bool, success: bool) -> None:
    """ready is the one success; ready, error and deleted end a video."""
    parsed = VideoStatus(status)

    assert (terminal, success) == (parsed.is_terminal, parsed.is_success)


def test_unknown_fields_and_statuses_parse() -> None:
    """A new status and a new field never break parsing."""
    data = {"video_id": "v1", "status": "rendering", "data": {}, "new_field": 1}

    video = make_converter().structure(data, Video)

    assert "rendering" == video.status
    assert video.status is not None
    assert not video.status.is_known
    assert VideoData() == video.data


def test_face_id_fills_replica_id() -> None:
    """A video named with the Face spelling fills replica_id."""
    data = {"video_id": "v1", "face_id": "r1"}

    assert "r1" == make_converter().structure(data, Video).replica_id


def test_created_at_as_an_http_date() -> None:
    """Generate Video's created_at ("Mon, 14 Jul 2025 09:14:24 GMT") parses."""
    data = {"video_id": "v1", "created_at": "Mon, 14 Jul 2025 09:14:24 GMT"}

    created = make_converter().structure(data, CreatedVideo)

    assert datetime(2025, 7, 14, 9, 14, 24, tzinfo=UTC) == created.created_at


# Generate


async def test_generate_sends_only_what_was_set(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """Generate posts the set fields and returns the new id, queued, with its page."""
    created = await client.videos.generate(
        GenerateVideoRequest.from_script(replica_id, "Hello!", video_name="Intro")
    )

    assert {"replica_id": replica_id, "script": "Hello!", "video_name": "Intro"} == (
        fake.requests[-1].json
    )
    assert (VideoStatus.QUEUED, "Intro") == (created.status, created.video_name)
    assert created.hosted_url is not None
    assert created.hosted_url.endswith(created.video_id)


async def test_generate_from_audio(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """A video from audio sends audio_url, its settings under their own names."""
    properties = VideoProperties(
        background_scroll_depth="bottom", start_with_wave=False
    )
    request = GenerateVideoRequest.from_audio(
        replica_id, AUDIO, background_url=SITE, fast=True, properties=properties
    )

    await client.videos.generate(request)

    assert {
        "replica_id": replica_id,
        "audio_url": AUDIO,
        "background_url": SITE,
        "fast": True,
        "properties": {"background_scroll_depth": "bottom", "start_with_wave": False},
    } == fake.requests[-1].json


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"script": "Hi"}, "replica_id is required"),
        ({"replica_id": "r0", "script": "Hi"}, "Invalid replica_id"),
        ({"replica_id": "{ok}"}, "Either script or audio_url must be provided."),
        ({"replica_id": "{ok}", "script": "Hi", "audio_url": AUDIO}, "only one"),
        ({"replica_id": "{ok}", "script": ""}, "script must not be empty"),
        ({"replica_id": "{ok}", "script": "Hi", "fast": "yes"}, "Invalid fast"),
        ({"replica_id": "{ok}", "script": "Hi", "properties": []}, "properties"),
        (
            {"replica_id": "{ok}", "script": "Hi",
             "properties": {"background_scroll_depth": "top"}},
            "Invalid background_scroll_depth",
        ),
        ({"replica_id": "{training}", "script": "Hi"}, "not ready (status: started)"),
        ({"replica_id": "{ok}", "script": "Hi", "video_name": 7}, "Invalid video_name"),
    ],
)  # fmt: skip
async def test_the_fake_refuses_what_tavus_would(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    replica_id: str,
    body: dict[str, Any],
    error: str,
) -> None:
    """Generate Video answers 400 {"error": ...} naming the problem; stores nothing."""
    ids = {"{ok}": replica_id, "{training}": fake.add_replica(status="started")}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}

    async with http.post(VIDEOS, json=body) as answer:
        assert 400 == answer.status
        assert error in (await answer.json())["error"]
    async with http.get(VIDEOS) as listed:
        assert 0 == (await listed.json())["total_count"]


async def test_unknown_replica(client: TavusClient) -> None:
    """Generating with a replica Tavus does not know is an UnknownIdError."""
    with pytest.raises(UnknownIdError) as info:
        await client.videos.generate(GenerateVideoRequest.from_script("r0", "Hi"))

    assert "replica_id" == info.value.id_field


# Generation on the fake clock


async def test_status_follows_the_clock(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """queued, then generating with rising progress, then ready with its URLs."""
    video_id = await generate(client, replica_id, "Clock")

    queued = await client.videos.get(video_id)
    fake.advance(60)
    halfway = await client.videos.get(video_id)
    fake.advance(60)
    ready = await client.videos.get(video_id)
    verbose = await client.videos.get(video_id, verbose=True)

    assert (VideoStatus.QUEUED, 0.0) == (
        queued.status,
        queued.generation_progress.fraction,
    )
    assert VideoStatus.GENERATING is halfway.status
    assert TrainingProgress(done=50, total=100) == halfway.generation_progress
    assert (None, None) == (halfway.download_url, halfway.stream_url)
    assert VideoStatus.READY is ready.status
    assert TrainingProgress(done=100, total=100) == ready.generation_progress
    assert f"/{video_id}/video.mp4" in str(ready.download_url)
    assert f"/{video_id}/stream.m3u8" in str(ready.stream_url)
    assert (None, None) == (ready.still_image_thumbnail_url, ready.gif_thumbnail_url)
    assert f"/{video_id}/thumbnail.gif" in str(verbose.gif_thumbnail_url)
    assert f"/{video_id}/thumbnail.jpg" in str(verbose.still_image_thumbnail_url)
    assert (VideoData(script="Script of Clock"), replica_id) == (
        ready.data,
        ready.replica_id,
    )
    assert ready.updated_at > ready.created_at  # type: ignore[operator]
    assert ready.created_at.tzinfo is not None  # type: ignore[union-attr]


async def test_fast_video(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """A fast transparent video is a .webm without stream or thumbnails."""
    video_id = await generate(
        client, replica_id, "Fast", fast=True, transparent_background=True
    )

    fake.videos.finish(video_id)
    video = await client.videos.get(video_id, verbose=True)

    assert video.download_url is not None
    assert video.download_url.endswith(".webm")
    assert (None, None) == (video.stream_url, video.gif_thumbnail_url)


async def test_spread_and_failure_rate(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """Generation times spread per video; failure_rate 1 fails every new one."""
    fake.videos.generation_spread = 1000.0
    spread = [await generate(client, replica_id, f"S{i}") for i in range(5)]
    fake.videos.failure_rate = 1.0
    fake.videos.generation_time = fake.videos.generation_spread = 0
    doomed = await generate(client, replica_id, "Doomed")

    fake.advance(610)
    midway = [(await client.videos.get(v)).status for v in spread]
    fake.advance(500)
    done = [(await client.videos.get(v)).status for v in spread]
    failed = await client.videos.get(doomed)

    assert {VideoStatus.GENERATING, VideoStatus.READY} == set(midway)
    assert {VideoStatus.READY} == set(done)
    assert VideoStatus.ERROR is failed.status
    assert (GENERATION_ERROR, 99) == (
        failed.error_details,
        failed.generation_progress.done,
    )


async def test_fail_matching_and_finish(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """Matching videos still generating fail; finished ones keep their outcome."""
    early = await generate(client, replica_id, "bad early")
    fake.advance(120)
    fake.videos.fail_matching("bad", "the script is too long")
    late = await generate(client, replica_id, "bad late")
    fine = await generate(client, replica_id, "Fine")

    fake.videos.finish(late)
    failed = await client.videos.get(late)
    running = await client.videos.get(fine)
    fake.videos.finish()

    assert VideoStatus.READY is (await client.videos.get(early)).status
    assert VideoStatus.ERROR is failed.status
    assert ("the script is too long",) * 2 == (
        failed.status_details,
        failed.error_details,
    )
    assert VideoStatus.QUEUED is running.status
    assert VideoStatus.READY is (await client.videos.get(fine)).status
    with pytest.raises(KeyError):
        fake.videos.finish("0000000000")


@pytest.mark.usefixtures("replica_id")
async def test_seeded_videos_and_unknown_statuses(
    fake: FakeTavus, client: TavusClient
) -> None:
    """add() seeds ended videos, generating ones, and statuses Tavus may add."""
    failed = fake.videos.add(status="error", error_message="no audio")
    odd = fake.videos.add(status="rendering", video_name="Odd")
    running = fake.videos.add(status=None)

    statuses = [(await client.videos.get(v)).status for v in (failed, odd, running)]

    assert [VideoStatus.ERROR, "rendering", VideoStatus.QUEUED] == statuses
    assert not statuses[1].is_known  # type: ignore[union-attr]
    assert "no audio" == (await client.videos.get(failed)).status_details


# Callbacks


async def test_callbacks_post_the_whole_video(
    fake: FakeTavus,
    client: TavusClient,
    http: aiohttp.ClientSession,
    replica_id: str,
    hook: tuple[str, list[Any]],
) -> None:
    """Ready and error POST the video as Get renders it, even if nobody reads it."""
    url, bodies = hook
    ready_id = await generate(client, replica_id, "Hooked", callback_url=url)
    fake.videos.fail_matching("Broken")
    error_id = await generate(client, replica_id, "Broken", callback_url=url)

    fake.advance(120)
    deliveries = await fake.wait_callbacks(2)
    ready, error = (make_converter().structure(b, Video) for b in bodies)
    async with http.get(f"{VIDEOS}/{ready_id}") as answer:
        got = await answer.json()

    assert [200, 200] == [d.status for d in deliveries]
    assert [ready_id, error_id] == [d.payload["video_id"] for d in deliveries]
    assert bodies == [d.payload for d in deliveries]
    assert set(got) == set(bodies[0])
    assert "100/100" == bodies[0]["generation_progress"]
    assert CALLBACK_TIME.fullmatch(bodies[0]["updated_at"])
    assert (VideoStatus.READY, replica_id) == (ready.status, ready.replica_id)
    assert f"/{ready_id}/stream.m3u8" in str(ready.stream_url)
    assert (VideoStatus.ERROR, GENERATION_ERROR) == (error.status, error.status_details)


async def test_a_soft_deleted_video_is_not_called_back(
    fake: FakeTavus, client: TavusClient, replica_id: str, hook: tuple[str, list[Any]]
) -> None:
    """Deleting a video while it generates stops it: no callback comes."""
    url, _ = hook
    deleted = await generate(client, replica_id, "Deleted", callback_url=url)
    gone = await generate(client, replica_id, "Gone", callback_url=url)
    fake.videos.generation_time = 200.0
    sentinel = await generate(client, replica_id, "Sentinel", callback_url=url)

    await client.videos.delete(deleted)
    await client.videos.delete(gone, hard=True)
    fake.advance(300)
    deliveries = await fake.wait_callbacks(1)

    assert [sentinel] == [d.payload["video_id"] for d in deliveries]
    assert VideoStatus.DELETED is (await client.videos.get(deleted)).status


# Reads, lists, renames and deletes


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.videos.get("0000000000"),
        lambda c: c.videos.rename("0000000000", "New"),
        lambda c: c.videos.delete("0000000000"),
    ],
)
@pytest.mark.parametrize("caught", [NotFoundError, BadRequestError, UnknownIdError])
async def test_unknown_video_id(
    client: TavusClient, call: Any, caught: type[APIStatusError]
) -> None:
    """Tavus answers 400 "Invalid video_id": `except NotFoundError` catches it."""
    with pytest.raises(caught) as info:
        await call(client)

    assert UnknownIdError is type(info.value)
    assert ("Invalid video_id", 400) == (info.value.message, info.value.status_code)
    assert "video_id" == getattr(info.value, "id_field", None)


async def test_list_and_iter_all(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """List pages through videos in order; iter_all reads every page."""
    ids = [await generate(client, replica_id, f"V{i}") for i in range(23)]
    fake.max_page_size = 4
    fake.reset_log()

    last = await client.videos.list(limit=4, page=5)
    seen = [v.video_id async for v in client.videos.iter_all(limit=10)]

    assert (ids[20:], 23) == ([v.video_id for v in last.data], last.total_count)
    assert {"limit": "4", "page": "5"} == fake.requests[0].query
    assert ids == seen
    assert 1 + 6 == fake.count("GET", VIDEOS)


async def test_rename(
    client: TavusClient, http: aiohttp.ClientSession, replica_id: str
) -> None:
    """Rename changes the name Get returns; the fake wants a video_name."""
    video_id = await generate(client, replica_id, "Old")

    await client.videos.rename(video_id, "New")

    assert "New" == (await client.videos.get(video_id)).video_name
    async with http.patch(f"{VIDEOS}/{video_id}/name", json={}) as answer:
        assert (400, {"error": "video_name is required"}) == (
            answer.status,
            await answer.json(),
        )


async def test_soft_and_hard_delete(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """A soft delete leaves the video listed as deleted; a hard one removes it."""
    video_id = await generate(client, replica_id, "Gone")

    await client.videos.delete(video_id)
    fake.advance(500)
    await client.videos.delete(video_id)
    soft = await client.videos.list()
    await client.videos.delete(video_id, hard=True)

    assert {} == fake.requests[-3].query
    assert [VideoStatus.DELETED] == [v.status for v in soft.data]
    assert [TrainingProgress(done=0)] == [v.generation_progress for v in soft.data]
    assert soft.data[0].updated_at < soft.data[0].created_at + timedelta(seconds=500)  # type: ignore[operator]
    assert {"hard": "true"} == fake.requests[-1].query
    with pytest.raises(UnknownIdError):
        await client.videos.get(video_id)
    assert 0 == (await client.videos.list()).total_count


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.videos.get(""), "video_id"),
        (lambda c: c.videos.get("v 1 "), "video_id"),
        (lambda c: c.videos.delete(""), "video_id"),
        (lambda c: c.videos.rename("v1", ""), "video_name"),
        (lambda c: c.videos.rename("", "New"), "video_id"),
        (lambda c: c.videos.list(page=-1), "page"),
        (lambda c: c.videos.list(limit=0), "limit"),
        (lambda c: c.videos.iter_all(limit=0), "limit"),
        (lambda c: c.videos.generate({"replica_id": "r1", "script": "Hi"}), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, call: Any, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; no request is made."""
    with pytest.raises(ValidationError) as info:
        await call(client)

    assert field == info.value.field
    assert 0 == fake.count()


# Resilience and concurrency


async def test_a_read_is_retried(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """A 503 on Get Video is retried."""
    video_id = await generate(client, replica_id, "Retry")
    fake.inject(Fault.http(503), method="GET")

    video = await client.videos.get(video_id)

    assert video_id == video.video_id
    assert 2 == fake.count("GET", f"{VIDEOS}/{video_id}")


async def test_a_generate_answered_502_is_not_retried(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """A 502 after Tavus acted is not retried and may have succeeded."""
    fake.inject(Fault.http(502, after=True), method="POST", path=VIDEOS)

    with pytest.raises(InternalServerError) as info:
        await generate(client, replica_id, "Billed")

    assert info.value.may_have_succeeded
    assert 1 == fake.count("POST", VIDEOS)
    assert ["Billed"] == [v.video_name for v in (await client.videos.list()).data]


async def test_a_hundred_generates_through_a_429_burst(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """100 generates in flight through 20 injected 429s each succeed exactly once."""
    fake.inject(Fault.http(429, retry_after=0), times=20, method="POST", path=VIDEOS)
    names = [f"Batch {i}" for i in range(100)]

    ids = await asyncio.gather(*(generate(client, replica_id, n) for n in names))
    videos = await asyncio.gather(*(client.videos.get(v) for v in ids))

    statuses = Counter(r.status for r in fake.requests if r.method == "POST")
    assert {200: 100, 429: 20} == statuses
    assert 100 == len(set(ids))
    assert names == [v.video_name for v in videos]
    assert 100 == (await client.videos.list(limit=200)).total_count


async def test_with_raw_response(client: TavusClient, replica_id: str) -> None:
    """with_raw_response gives the parsed video with the answer's status."""
    video_id = await generate(client, replica_id, "Raw")

    raw = await with_raw_response(client.videos.get, video_id, verbose=True)

    assert (video_id, 200, "GET") == (raw.parsed.video_id, raw.status_code, raw.method)
    assert raw.url.endswith(f"{VIDEOS}/{video_id}?verbose=true")
