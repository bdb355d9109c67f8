"""Client-side validation of requests: every problem named, before anything is sent."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tavus_async import (
    ConversationProperties,
    CreateConversationRequest,
    CreateReplicaRequest,
    RecordingStorage,
    Replica,
    ReplicaStatus,
    ValidationError,
)


VIDEO = "https://cdn.example.com/train.mp4"
IMAGE = "https://cdn.example.com/face.png"


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({}, ["train_video_url"]),
        (
            {"train_video_url": VIDEO, "train_image_url": IMAGE, "voice_name": "anna"},
            ["train_image_url"],
        ),
        ({"train_image_url": IMAGE}, ["voice_name"]),
        ({"train_video_url": VIDEO, "train_image_url": IMAGE}, ["train_image_url"]),
        ({"train_video_url": "s3://bucket/key.mp4"}, ["train_video_url"]),
        ({"train_video_url": "/local/file.mp4"}, ["train_video_url"]),
        (
            {"train_video_url": VIDEO, "consent_video_url": "nope"},
            ["consent_video_url"],
        ),
        ({"train_video_url": VIDEO, "callback_url": "ftp://x/y"}, ["callback_url"]),
        ({"train_video_url": VIDEO, "replica_name": "  "}, ["replica_name"]),
        (
            {"train_video_url": VIDEO, "auto_fix_training_image": True},
            ["auto_fix_training_image"],
        ),
        ({"train_video_url": VIDEO, "voice_name": ""}, ["voice_name"]),
        ({"train_video_url": 42}, ["train_video_url"]),
        ({"train_video_url": VIDEO, "replica_name": 7}, ["replica_name"]),
        (
            {"train_image_url": "bad", "callback_url": "bad"},
            ["train_image_url", "callback_url", "voice_name"],
        ),
    ],
)
def test_bad_replica_requests(kwargs: dict[str, Any], fields: list[str]) -> None:
    """Each invalid combination raises one ValidationError listing every field."""
    with pytest.raises(ValidationError) as info:
        CreateReplicaRequest(**kwargs)

    assert fields == [field for field, _ in info.value.problems]
    assert fields[0] == info.value.field
    assert isinstance(info.value, ValueError)


def test_good_replica_requests() -> None:
    """Video and image variants build, through the constructor or the named ones."""
    video = CreateReplicaRequest.from_video(VIDEO, replica_name="Rio")
    image = CreateReplicaRequest.from_image(
        IMAGE, voice_name="anna", auto_fix_training_image=True
    )

    assert CreateReplicaRequest(train_video_url=VIDEO, replica_name="Rio") == video
    assert ("anna", True) == (image.voice_name, image.auto_fix_training_image)


def test_error_message_says_the_fix() -> None:
    """The message names the field and what to do."""
    with pytest.raises(
        ValidationError, match=r"voice_name: is required with train_image_url"
    ):
        CreateReplicaRequest(train_image_url=IMAGE)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "replica_id"),
        ({"replica_id": ""}, "replica_id"),
        ({"persona_id": " "}, "persona_id"),
        ({"replica_id": "r1", "callback_url": "example.com/hook"}, "callback_url"),
        ({"replica_id": "r1", "max_participants": 1}, "max_participants"),
        (
            {"replica_id": "r1", "properties": ConversationProperties()},
            None,
        ),
    ],
)
def test_conversation_requests(kwargs: dict[str, Any], field: str | None) -> None:
    """A conversation needs a replica or persona; URLs and limits are checked."""
    if field is None:
        assert "r1" == CreateConversationRequest(**kwargs).replica_id
        return
    with pytest.raises(ValidationError) as info:
        CreateConversationRequest(**kwargs)

    assert field == info.value.field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_call_duration": -1}, "properties.max_call_duration"),
        ({"participant_left_timeout": 1.5}, "properties.participant_left_timeout"),
        ({"participant_absent_timeout": True}, "properties.participant_absent_timeout"),
    ],
)
def test_conversation_properties(kwargs: dict[str, Any], field: str) -> None:
    """Durations are whole, non-negative seconds."""
    with pytest.raises(ValidationError) as info:
        ConversationProperties(**kwargs)

    assert field == info.value.field


def test_recording_storage_provider() -> None:
    """Only the three documented storage providers are accepted."""
    with pytest.raises(ValidationError, match="provider"):
        RecordingStorage(provider="dropbox")

    assert "gcs" == RecordingStorage(provider="gcs", bucket_name="b").provider


def test_open_enum_refuses_non_strings() -> None:
    """Only strings can become statuses."""
    with pytest.raises(ValueError, match="not a valid"):
        ReplicaStatus(3)  # type: ignore[arg-type]


def test_sequences_become_tuples() -> None:
    """List arguments are stored as tuples so the request stays immutable."""
    request = CreateConversationRequest(replica_id="r1", document_tags=["a", "b"])

    assert ("a", "b") == request.document_tags


def test_models_are_frozen_and_keyword_only() -> None:
    """Types are immutable values and take keywords only."""
    replica = Replica(replica_id="r1", status=ReplicaStatus.STARTED)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        replica.replica_id = "r2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Replica("r1", ReplicaStatus.STARTED)  # type: ignore[misc]
