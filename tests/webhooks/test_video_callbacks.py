"""Video generation callbacks: the whole video, read by the one converter."""

from __future__ import annotations

from typing import Any

import pytest

from tavus_async import make_converter
from tavus_async.types.videos import Video, VideoStatus
from tavus_async.types.webhooks import CallbackEvent, VideoCallback
from tavus_async.webhooks import parse_callback
from tests.webhooks._videos import VIDEO_ERROR, VIDEO_FAILED, VIDEO_READY


def video(**fields: Any) -> dict[str, Any]:
    """A video callback body: an id and a status, plus ``fields``."""
    return {"video_id": "v1", "status": "ready", **fields}


def parsed_video(body: Any) -> VideoCallback:
    event = parse_callback(body)
    assert isinstance(event, VideoCallback)
    return event


@pytest.mark.parametrize(
    ("body", "status", "succeeded", "error_message"),
    [
        pytest.param(VIDEO_READY, VideoStatus.READY, True, None, id="ready"),
        pytest.param(VIDEO_ERROR, VideoStatus.ERROR, False, VIDEO_FAILED, id="error"),
        pytest.param(
            video(status="error", error_details="no face", status_details="failed"),
            VideoStatus.ERROR,
            False,
            "no face",
            id="error-details-first",
        ),
        pytest.param(
            video(status="error"), VideoStatus.ERROR, False, None, id="error-bare"
        ),
        pytest.param(
            video(status_details="Your request has processed successfully!"),
            VideoStatus.READY,
            True,
            None,
            id="ready-details-are-no-error",
        ),
        pytest.param(
            video(status="READY"), VideoStatus.READY, True, None, id="upper-case"
        ),
        pytest.param(
            video(status="queued", status_details="in line"),
            VideoStatus.QUEUED,
            False,
            None,
            id="queued",
        ),
    ],
)
def test_status_success_and_error_message(
    body: dict[str, Any],
    status: VideoStatus,
    succeeded: bool,
    error_message: str | None,
) -> None:
    """The convenience properties read the video: error_details, else status_details."""
    event = parsed_video(body)

    assert status is event.status
    assert status is event.video.status
    assert body["video_id"] == event.video_id
    assert succeeded is event.succeeded
    assert error_message == event.error_message


def test_an_unknown_status_and_unknown_fields_parse() -> None:
    """An open vocabulary: a status Tavus may add later is kept as sent."""
    body = video(status="rendering_4k", resolution="4k", captions={"en": "x"})

    event = parsed_video(body)

    assert "rendering_4k" == event.status
    assert not event.status.is_known
    assert not event.succeeded
    assert event.error_message is None
    assert body == event.raw


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(video(), id="id-and-status-only"),
        pytest.param(
            video(
                **dict.fromkeys(
                    (
                        "video_name",
                        "data",
                        "replica_id",
                        "generation_progress",
                        "download_url",
                        "stream_url",
                        "hosted_url",
                        "status_details",
                        "error_details",
                        "created_at",
                        "updated_at",
                    )
                )
            ),
            id="every-other-field-null",
        ),
        pytest.param(
            video(generation_progress="most of it", created_at="yesterday"),
            id="unreadable-progress-and-time",
        ),
    ],
)
def test_missing_null_or_unreadable_optional_fields_are_none(
    body: dict[str, Any],
) -> None:
    """Only video_id and status are needed; everything else may be absent."""
    event = parsed_video(body)

    assert VideoCallback(video=Video(video_id="v1", status=VideoStatus.READY)) == (
        event
    )


def test_a_video_body_holding_replica_id_is_a_video_callback() -> None:
    """Every video callback names its replica: the video check comes first."""
    event = parse_callback(video(replica_id="r1", face_id="r2"))

    assert isinstance(event, VideoCallback)
    assert "r1" == event.video.replica_id


def test_face_id_fills_the_replica_of_a_video_callback() -> None:
    """The Face/PAL name of the replica, as in Get Video."""
    event = parsed_video(video(face_id="r2"))

    assert "r2" == event.video.replica_id


def test_a_conversation_envelope_with_a_video_id_stays_a_conversation_callback() -> (
    None
):
    body = {"conversation_id": "c1", "event_type": "x.y", "video_id": "v1"}

    event = parse_callback(body)

    assert not isinstance(event, VideoCallback)


@pytest.mark.parametrize("body", [VIDEO_READY, VIDEO_ERROR, video()])
def test_to_dict_is_the_video_and_reads_back(body: dict[str, Any]) -> None:
    """On the wire a video callback is the video itself, both ways."""
    converter = make_converter()
    event = parsed_video(body)

    data = event.to_dict()

    assert converter.unstructure(event.video) == data
    assert event == converter.structure(data, VideoCallback)
    assert event == converter.structure(data, CallbackEvent)  # type: ignore[arg-type]
    assert event == parse_callback(event.to_json())


def test_raw_is_the_body_as_received() -> None:
    body = dict(VIDEO_ERROR)

    event = parsed_video(body)

    assert body is event.raw


def test_a_video_callback_needs_a_status() -> None:
    """Made by hand, as parsed: a callback says ready or error."""
    with pytest.raises(ValueError, match="needs a status"):
        VideoCallback(video=Video(video_id="v1"))
