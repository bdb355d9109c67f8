"""parse_callback against every documented payload, every input form, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tavus_async import ReplicaStatus, make_converter
from tavus_async.types import TrainingProgress
from tavus_async.types.videos import Video, VideoData, VideoStatus
from tavus_async.types.webhooks import (
    ConversationCallback,
    ConversationShutdown,
    JoinedProperties,
    PerceptionAnalysis,
    PerceptionProperties,
    RecordingCopyFailed,
    RecordingCopyFailedProperties,
    RecordingProperties,
    RecordingReady,
    ReplicaJoined,
    ReplicaTrainingCallback,
    ShutdownProperties,
    ShutdownReason,
    TranscriptionProperties,
    TranscriptionReady,
    TranscriptTurn,
    VideoCallback,
)
from tavus_async.webhooks import parse_callback
from tests.webhooks._videos import VIDEO_ERROR, VIDEO_FAILED, VIDEO_READY


CONVERSATION_ID = "c123456"
REPLICA_ID = "r79e1c033f"
WEBHOOK_URL = "https://example.com/webhook"
TRAINING_ERROR = (
    "There was an issue processing your training video. The video provided does "
    "not meet the minimum duration requirement for training"
)
SENT_AT = "2025-07-11T06:48:37.564961Z"
SENT = datetime(2025, 7, 11, 6, 48, 37, 564961, tzinfo=UTC)
ENVELOPE: dict[str, Any] = {
    "conversation_id": CONVERSATION_ID,
    "webhook_url": WEBHOOK_URL,
    "timestamp": SENT_AT,
}
TYPED_ENVELOPE: dict[str, Any] = {
    "conversation_id": CONVERSATION_ID,
    "webhook_url": WEBHOOK_URL,
    "timestamp": SENT,
}
OLD_TURNS = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hi!"},
    {"role": "assistant", "content": "Hello, how can I help?"},
]
NEW_TURNS = [
    {
        "role": "user",
        "content": "Hi!",
        "timestamp": 1767225600.25,
        "seconds_from_start": 1.5,
        "duration": 0.75,
    },
    {
        "role": "assistant",
        "content": "Hello!",
        "timestamp": 1767225601,
        "seconds_from_start": 2.5,
        "duration": 1.25,
        "inference_id": "inf-42",
    },
]


def event(event_type: str, message_type: str, properties: Any) -> dict[str, Any]:
    """A conversation callback in the documented envelope."""
    return {
        "properties": properties,
        **ENVELOPE,
        "event_type": event_type,
        "message_type": message_type,
    }


def typed(event_type: str, message_type: str) -> dict[str, Any]:
    return {**TYPED_ENVELOPE, "event_type": event_type, "message_type": message_type}


DOCUMENTED: list[Any] = [
    pytest.param(
        {"replica_id": "rxxxxxxxxx", "status": "ready"},
        ReplicaTrainingCallback(
            replica_id="rxxxxxxxxx", status=ReplicaStatus.COMPLETED
        ),
        id="training-ready",
    ),
    pytest.param(
        {
            "replica_id": "rxxxxxxxxx",
            "status": "error",
            "error_message": TRAINING_ERROR,
        },
        ReplicaTrainingCallback(
            replica_id="rxxxxxxxxx",
            status=ReplicaStatus.ERROR,
            error_message=TRAINING_ERROR,
        ),
        id="training-error",
    ),
    pytest.param(
        {"face_id": REPLICA_ID, "status": "completed"},
        ReplicaTrainingCallback(replica_id=REPLICA_ID, status=ReplicaStatus.COMPLETED),
        id="training-face-id",
    ),
    pytest.param(
        VIDEO_READY,
        VideoCallback(
            video=Video(
                video_id="1e30440cf9",
                video_name=VIDEO_READY["video_name"],
                status=VideoStatus.READY,
                data=VideoData(script=VIDEO_READY["data"]["script"]),
                replica_id="r79e1c033f",
                generation_progress=TrainingProgress(done=100, total=100),
                download_url=VIDEO_READY["download_url"],
                stream_url=VIDEO_READY["stream_url"],
                hosted_url="https://videos.tavus.io/video/1e30440cf9",
                status_details="Your request has processed successfully!",
                created_at=datetime(2024, 8, 28, 15, 27, 40, 824457, tzinfo=UTC),
                updated_at=datetime(2024, 8, 28, 15, 29, 19, 802670, tzinfo=UTC),
            )
        ),
        id="video-ready",
    ),
    pytest.param(
        VIDEO_ERROR,
        VideoCallback(
            video=Video(
                video_id="c9b85a6d36",
                video_name=VIDEO_ERROR["video_name"],
                status=VideoStatus.ERROR,
                data=VideoData(script=VIDEO_ERROR["data"]["script"]),
                replica_id="ra5ed77426",
                generation_progress=TrainingProgress(done=0, total=100),
                hosted_url="https://videos.tavus.io/video/c9b85a6d36",
                status_details=VIDEO_FAILED,
                created_at=datetime(2024, 8, 28, 15, 32, 53, 58894, tzinfo=UTC),
                updated_at=datetime(2024, 8, 28, 15, 35, 3, 762392, tzinfo=UTC),
            )
        ),
        id="video-error",
    ),
    pytest.param(
        event("system.replica_joined", "system", {"replica_id": REPLICA_ID}),
        ReplicaJoined(
            **typed("system.replica_joined", "system"),
            properties=JoinedProperties(replica_id=REPLICA_ID),
        ),
        id="replica-joined",
    ),
    pytest.param(
        event("system.pal_joined", "system", {"face_id": REPLICA_ID}),
        ReplicaJoined(
            **typed("system.pal_joined", "system"),
            properties=JoinedProperties(replica_id=REPLICA_ID),
        ),
        id="pal-joined",
    ),
    pytest.param(
        event(
            "system.shutdown",
            "system",
            {"replica_id": REPLICA_ID, "shutdown_reason": "participant_left_timeout"},
        ),
        ConversationShutdown(
            **typed("system.shutdown", "system"),
            properties=ShutdownProperties(
                replica_id=REPLICA_ID,
                shutdown_reason=ShutdownReason.PARTICIPANT_LEFT_TIMEOUT,
            ),
        ),
        id="shutdown",
    ),
    pytest.param(
        event(
            "application.transcription_ready",
            "application",
            {"replica_id": REPLICA_ID, "transcript": OLD_TURNS},
        ),
        TranscriptionReady(
            **typed("application.transcription_ready", "application"),
            properties=TranscriptionProperties(
                replica_id=REPLICA_ID,
                transcript=tuple(
                    TranscriptTurn(role=turn["role"], content=turn["content"])
                    for turn in OLD_TURNS
                ),
            ),
        ),
        id="transcript-old-turns",
    ),
    pytest.param(
        event(
            "application.transcription_ready",
            "application",
            {"replica_id": REPLICA_ID, "transcript": NEW_TURNS},
        ),
        TranscriptionReady(
            **typed("application.transcription_ready", "application"),
            properties=TranscriptionProperties(
                replica_id=REPLICA_ID,
                transcript=(
                    TranscriptTurn(
                        role="user",
                        content="Hi!",
                        timestamp=datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=UTC),
                        seconds_from_start=1.5,
                        duration=0.75,
                    ),
                    TranscriptTurn(
                        role="assistant",
                        content="Hello!",
                        timestamp=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
                        seconds_from_start=2.5,
                        duration=1.25,
                        inference_id="inf-42",
                    ),
                ),
            ),
        ),
        id="transcript-may-2026-turns",
    ),
    pytest.param(
        event(
            "application.recording_ready",
            "application",
            {"bucket_name": "my-bucket", "s3_key": "rec/c123456.mp4", "duration": 14},
        ),
        RecordingReady(
            **typed("application.recording_ready", "application"),
            properties=RecordingProperties(
                bucket_name="my-bucket", s3_key="rec/c123456.mp4", duration=14.0
            ),
        ),
        id="recording-old",
    ),
    pytest.param(
        event(
            "application.recording_ready",
            "application",
            {
                "bucket_name": "my-bucket",
                "s3_key": "rec/c123456.mp4",
                "duration": 14,
                "storage_provider": "s3",
                "storage_uri": "s3://my-bucket/rec/c123456.mp4",
            },
        ),
        RecordingReady(
            **typed("application.recording_ready", "application"),
            properties=RecordingProperties(
                bucket_name="my-bucket",
                s3_key="rec/c123456.mp4",
                duration=14.0,
                storage_provider="s3",
                storage_uri="s3://my-bucket/rec/c123456.mp4",
            ),
        ),
        id="recording-new",
    ),
    pytest.param(
        event(
            "application.recording_copy_failed",
            "application",
            {
                "recording_id": "rec-1",
                "s3_key": "rec/c123456.mp4",
                "duration": 14.5,
                "storage_provider": "gcs",
                "error_code": "DESTINATION_AUTH_FAILED",
                "error_message": "the bucket refused our credentials",
            },
        ),
        RecordingCopyFailed(
            **typed("application.recording_copy_failed", "application"),
            properties=RecordingCopyFailedProperties(
                recording_id="rec-1",
                s3_key="rec/c123456.mp4",
                duration=14.5,
                storage_provider="gcs",
                error_code="DESTINATION_AUTH_FAILED",
                error_message="the bucket refused our credentials",
            ),
        ),
        id="recording-copy-failed",
    ),
    pytest.param(
        event(
            "application.perception_analysis",
            "application",
            {"analysis": "The user wore glasses and smiled throughout."},
        ),
        PerceptionAnalysis(
            **typed("application.perception_analysis", "application"),
            properties=PerceptionProperties(
                analysis="The user wore glasses and smiled throughout."
            ),
        ),
        id="perception-analysis",
    ),
    pytest.param(
        event(
            "application.post_call_action_executed",
            "application",
            {"action": "send_email", "ok": True},
        ),
        ConversationCallback(
            **typed("application.post_call_action_executed", "application"),
            properties={"action": "send_email", "ok": True},
        ),
        id="unknown-post-call-action",
    ),
    pytest.param(
        event("application.perception_unavailable", "application", {"why": "camera"}),
        ConversationCallback(
            **typed("application.perception_unavailable", "application"),
            properties={"why": "camera"},
        ),
        id="unknown-perception-unavailable",
    ),
    pytest.param(
        {
            "conversation_id": CONVERSATION_ID,
            "properties": {"guardrail": "no_pricing", "guardrail_uuid": "g-1"},
        },
        ConversationCallback(
            conversation_id=CONVERSATION_ID,
            properties={"guardrail": "no_pricing", "guardrail_uuid": "g-1"},
        ),
        id="guardrail",
    ),
    pytest.param(
        {
            "conversation_id": CONVERSATION_ID,
            "objective_name": "collect_email",
            "output_variables": {"email": "ana@example.com"},
        },
        ConversationCallback(conversation_id=CONVERSATION_ID),
        id="objective",
    ),
]


@pytest.mark.parametrize(("body", "expected"), DOCUMENTED)
def test_documented_payload_parses(body: dict[str, Any], expected: Any) -> None:
    """Each documented callback becomes its exact class with typed fields and raw."""
    parsed = parse_callback(json.dumps(body).encode())

    assert type(expected) is type(parsed)
    assert expected == parsed
    assert body == parsed.raw


@pytest.mark.parametrize(("body", "expected"), DOCUMENTED)
def test_unknown_keys_are_ignored_and_kept_in_raw(
    body: dict[str, Any], expected: Any
) -> None:
    """Keys Tavus may add later change nothing but raw."""
    body = {**body, "added_in_2027": {"nested": [1, 2]}}
    if type(expected) is not ConversationCallback and "properties" in body:
        body["properties"] = {**body["properties"], "also_new": "x"}

    parsed = parse_callback(body)

    assert type(expected) is type(parsed)
    assert expected == parsed
    assert body == parsed.raw


def test_the_2025_example_with_a_trailing_comma_parses() -> None:
    """The 2025 doc example had a trailing comma; it is forgiven."""
    body = b'{\n  "replica_id": "rxxxxxxxxx",\n  "status": "ready",\n}\n'

    parsed = parse_callback(body)

    assert (
        ReplicaTrainingCallback(replica_id="rxxxxxxxxx", status=ReplicaStatus.COMPLETED)
        == parsed
    )
    assert {"replica_id": "rxxxxxxxxx", "status": "ready"} == parsed.raw


@pytest.mark.parametrize(
    ("status", "expected", "succeeded"),
    [
        ("ready", ReplicaStatus.COMPLETED, True),
        ("completed", ReplicaStatus.COMPLETED, True),
        ("READY", ReplicaStatus.COMPLETED, True),
        ("error", ReplicaStatus.ERROR, False),
        ("started", ReplicaStatus.STARTED, False),
    ],
)
def test_training_status_reads_ready_as_completed(
    status: str, expected: ReplicaStatus, succeeded: bool
) -> None:
    parsed = parse_callback({"replica_id": REPLICA_ID, "status": status})

    assert isinstance(parsed, ReplicaTrainingCallback)
    assert expected is parsed.status
    assert succeeded is parsed.succeeded


def test_an_unlisted_training_status_is_kept() -> None:
    parsed = parse_callback({"replica_id": REPLICA_ID, "status": "queued"})

    assert isinstance(parsed, ReplicaTrainingCallback)
    assert "queued" == parsed.status
    assert not parsed.status.is_known
    assert not parsed.succeeded


SHUTDOWN_SPELLINGS = [
    pytest.param(key, reason.value + suffix, reason, id=f"{key}={reason}{suffix}")
    for reason in ShutdownReason
    for key in ("shutdown_reason", "reason")
    for suffix in ("", " reached")
]


@pytest.mark.parametrize(("key", "wire", "expected"), SHUTDOWN_SPELLINGS)
def test_shutdown_reason_spellings_normalise(
    key: str, wire: str, expected: ShutdownReason
) -> None:
    """Under shutdown_reason or reason, with or without " reached": one member."""
    body = event("system.shutdown", "system", {"replica_id": REPLICA_ID, key: wire})

    parsed = parse_callback(body)

    assert isinstance(parsed, ConversationShutdown)
    assert expected is parsed.properties.shutdown_reason


@pytest.mark.parametrize("key", ["shutdown_reason", "reason"])
def test_an_unknown_shutdown_reason_is_kept_as_is(key: str) -> None:
    wire = "internal error occurred at step 3"
    parsed = parse_callback(event("system.shutdown", "system", {key: wire}))

    assert isinstance(parsed, ConversationShutdown)
    reason = parsed.properties.shutdown_reason
    assert reason is not None
    assert wire == reason
    assert not reason.is_known


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"replica_id": REPLICA_ID, "status": "error", "error_message": None},
            ReplicaTrainingCallback(replica_id=REPLICA_ID, status=ReplicaStatus.ERROR),
            id="training-error-message",
        ),
        pytest.param(
            {"replica_id": None, "face_id": REPLICA_ID, "status": "ready"},
            ReplicaTrainingCallback(
                replica_id=REPLICA_ID, status=ReplicaStatus.COMPLETED
            ),
            id="legacy-id-null-face-id-set",
        ),
        pytest.param(
            {
                "conversation_id": CONVERSATION_ID,
                "event_type": "system.replica_joined",
                "message_type": None,
                "timestamp": None,
                "webhook_url": None,
                "properties": None,
            },
            ReplicaJoined(
                conversation_id=CONVERSATION_ID, event_type="system.replica_joined"
            ),
            id="envelope-and-properties",
        ),
        pytest.param(
            event("system.shutdown", "system", {"replica_id": None, "reason": None}),
            ConversationShutdown(**typed("system.shutdown", "system")),
            id="shutdown-properties",
        ),
        pytest.param(
            event(
                "application.transcription_ready",
                "application",
                {
                    "replica_id": None,
                    "transcript": [
                        {
                            "role": "user",
                            "content": "Hi!",
                            "timestamp": None,
                            "seconds_from_start": None,
                            "duration": None,
                            "inference_id": None,
                        }
                    ],
                },
            ),
            TranscriptionReady(
                **typed("application.transcription_ready", "application"),
                properties=TranscriptionProperties(
                    transcript=(TranscriptTurn(role="user", content="Hi!"),)
                ),
            ),
            id="turn-timing",
        ),
        pytest.param(
            event(
                "application.recording_ready",
                "application",
                dict.fromkeys(("bucket_name", "s3_key", "duration", "storage_uri")),
            ),
            RecordingReady(**typed("application.recording_ready", "application")),
            id="recording-fields",
        ),
        pytest.param(
            event("application.post_call_action_executed", "application", None),
            ConversationCallback(
                **typed("application.post_call_action_executed", "application")
            ),
            id="generic-properties",
        ),
    ],
)
def test_nulls_for_optional_fields_are_fine(
    body: dict[str, Any], expected: Any
) -> None:
    parsed = parse_callback(body)

    assert type(expected) is type(parsed)
    assert expected == parsed


READY = b'{"replica_id": "r1", "status": "ready"}'
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(READY, id="bytes"),
        pytest.param(READY.decode(), id="str"),
        pytest.param(bytearray(READY), id="bytearray"),
        pytest.param(memoryview(READY), id="memoryview"),
        pytest.param(json.loads(READY), id="dict"),
        pytest.param(BOM + READY, id="bytes-with-bom"),
        pytest.param(bytearray(BOM + READY), id="bytearray-with-bom"),
        pytest.param(memoryview(BOM + READY), id="memoryview-with-bom"),
        pytest.param(
            (BOM + READY).decode("utf-8"),
            id="str-with-bom",
        ),
    ],
)
def test_every_input_form_parses_alike(body: Any) -> None:
    parsed = parse_callback(body)

    assert ReplicaTrainingCallback(replica_id="r1", status=ReplicaStatus.COMPLETED) == (
        parsed
    )
    assert {"replica_id": "r1", "status": "ready"} == parsed.raw


def test_an_explicit_converter_is_used() -> None:
    body = event("system.pal_joined", "system", {"face_id": REPLICA_ID})

    parsed = parse_callback(json.dumps(body), converter=make_converter())

    assert (
        ReplicaJoined(
            **typed("system.pal_joined", "system"),
            properties=JoinedProperties(replica_id=REPLICA_ID),
        )
        == parsed
    )
    assert body == parsed.raw
