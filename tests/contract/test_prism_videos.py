"""Contract test: every method of client.videos against Prism serving Tavus's spec.

Prism checks each request against the document (the generate body against
its ``oneOf`` of a script or an audio_url) and answers with its examples,
which the client must parse: ``""`` for URLs not yet set, and an HTTP date
as Generate Video's ``created_at``.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tavus_async import TavusClient
from tavus_async.services.videos import VideosService
from tavus_async.types.videos import (
    GenerateVideoRequest,
    VideoData,
    VideoProperties,
    VideoStatus,
)
from tests.contract._prism import API_KEY, Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

REPLICA_ID = "r90bbd427f71"
VIDEO_ID = "8a4f94e736"
BUCKET = "https://my-example-bucket.s3.us-east-1.amazonaws.com"
ITER_BOUND = 5

# Every public method of the service, and the test that calls it.
COVERED = {
    VideosService: {
        "generate": "test_generate_from_script_with_every_field/_from_audio",
        "get": "test_get_video/_verbose",
        "list": "test_list_videos",
        "iter_all": "test_iter_all_videos",
        "rename": "test_rename_video",
        "delete": "test_delete_video",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of VideosService has a contract test listed in COVERED."""
    assert_covered(COVERED)


@pytest.mark.parametrize(
    "body",
    [
        {"replica_id": REPLICA_ID},
        {"replica_id": REPLICA_ID, "script": "Hi", "audio_url": f"{BUCKET}/a.mp3"},
    ],
    ids=["neither", "both"],
)
async def test_the_spec_wants_one_of_script_and_audio_url(
    prism_url: str, body: dict[str, Any]
) -> None:
    """Prism refuses what GenerateVideoRequest refuses: not exactly one of the two."""
    async with (
        aiohttp.ClientSession(headers={"x-api-key": API_KEY}) as session,
        session.post(f"{prism_url}/v2/videos", json=body) as answer,
    ):
        violations = answer.headers.get("sl-violations", "")
        assert 400 == answer.status  # the spec's own 400, the violation beside it
    assert "exactly one schema in oneOf" in violations


async def test_generate_from_script_with_every_field(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Generate Video from a script, every optional field set, is accepted."""
    request = GenerateVideoRequest.from_script(
        REPLICA_ID,
        "Hi, this is my first video.",
        video_name="My First Video",
        background_url="https://yourwebsite.com/",
        background_source_url=f"{BUCKET}/your-background-video.mp4",
        callback_url="https://yourwebsite.com/webhook",
        fast=True,
        transparent_background=True,
        watermark_image_url="https://s3.amazonaws.com/watermark.png",
        properties=VideoProperties(
            background_scroll=True,
            background_scroll_type="human",
            background_scroll_depth="middle",
            background_scroll_return="return",
            start_with_wave=True,
        ),
    )
    with accepted(exchanges):
        created = await client.videos.generate(request)
    assert ("POST", "/v2/videos", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
    assert ("abcd123", "Sample Video") == (created.video_id, created.video_name)
    assert VideoStatus.QUEUED == created.status
    assert "https://tavus.video/abcd123" == created.hosted_url
    assert datetime(2025, 7, 14, 9, 14, 24, tzinfo=UTC) == created.created_at


async def test_generate_from_audio(client: TavusClient, exchanges: Exchanges) -> None:
    """Generate Video from an audio file (the oneOf's other branch) is accepted."""
    request = GenerateVideoRequest.from_audio(REPLICA_ID, f"{BUCKET}/speech.mp3")
    with accepted(exchanges):
        created = await client.videos.generate(request)
    assert "abcd123" == created.video_id


async def test_get_video(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Video parses the spec's example."""
    with accepted(exchanges):
        video = await client.videos.get(VIDEO_ID)
    assert ("GET", f"/v2/videos/{VIDEO_ID}", {}) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().query,
    )
    assert "" == video.video_id  # the example's
    assert VideoStatus.READY == video.status


async def test_get_video_verbose(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Video with verbose is accepted."""
    with accepted(exchanges):
        video = await client.videos.get(VIDEO_ID, verbose=True)
    assert {"verbose": "true"} == exchanges.last().query
    assert VideoStatus.READY == video.status


async def test_list_videos(client: TavusClient, exchanges: Exchanges) -> None:
    """List Videos with limit and page is accepted and its example parsed."""
    with accepted(exchanges):
        page = await client.videos.list(limit=10, page=1)
    assert {"limit": "10", "page": "1"} == exchanges.last().query
    (video,) = page.data
    assert ("783537ef5", "My First Video") == (video.video_id, video.video_name)
    assert VideoStatus.GENERATING == video.status
    assert VideoData(script="Hello from Tavus! Enjoy your new replica") == video.data
    assert ("", "") == (video.download_url, video.stream_url)


async def test_iter_all_videos(client: TavusClient, exchanges: Exchanges) -> None:
    """Videos iter_all stops after Prism's one page (its total_count is 0)."""
    seen = []
    with accepted(exchanges):
        async with contextlib.aclosing(client.videos.iter_all(limit=20)) as videos:
            async for video in videos:
                seen.append(video.video_id)
                if len(seen) >= ITER_BOUND:
                    break
    assert ["783537ef5"] == seen
    assert [{"limit": "20", "page": "0"}] == [e.query for e in exchanges.seen]


async def test_rename_video(client: TavusClient, exchanges: Exchanges) -> None:
    """Rename Video's PATCH body is accepted."""
    with accepted(exchanges):
        await client.videos.rename(VIDEO_ID, "Sales")
    assert ("PATCH", f"/v2/videos/{VIDEO_ID}/name", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


@pytest.mark.parametrize("hard", [False, True])
async def test_delete_video(
    client: TavusClient, exchanges: Exchanges, hard: bool
) -> None:
    """Delete Video, soft and hard, is accepted."""
    with accepted(exchanges):
        await client.videos.delete(VIDEO_ID, hard=hard)
    assert ({"hard": "true"} if hard else {}) == exchanges.last().query
    assert ("DELETE", 200) == (exchanges.last().method, exchanges.last().status)
