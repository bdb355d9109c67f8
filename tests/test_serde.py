"""The converter against the wire format: spec examples, quirks, drift, round trips."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tavus_async import (
    Conversation,
    ConversationPage,
    ConversationProperties,
    ConversationStatus,
    CreateConversationRequest,
    CreatedReplica,
    CreateReplicaRequest,
    RecordingStorage,
    Replica,
    ReplicaPage,
    ReplicaProperties,
    ReplicaStatus,
    ReplicaType,
    TrainingProgress,
    VoicePage,
    make_converter,
)
from tavus_async._serde import dumps, loads
from tavus_async.types.webhooks import ConversationShutdown


CONVERTER = make_converter()

SPEC_REPLICA = {
    "replica_id": "r90bbd427f71",
    "replica_name": "My Replica",
    "thumbnail_video_url": "string",
    "training_progress": "100/100",
    "status": "completed",
    "created_at": "2024-01-24T07:14:03.327Z",
    "updated_at": "2024-01-24T07:14:03.327Z",
    "error_message": "string",
    "replica_type": "user'",
    "model_name": "phoenix-3",
}


def parse(data: Any, cls: Any) -> Any:
    return loads(CONVERTER, json.dumps(data).encode(), cls)


def test_spec_replica_example_parses_with_its_quirks() -> None:
    """The spec's Get Replica example, typo and placeholder included, parses."""
    replica = parse(SPEC_REPLICA, Replica)

    assert ReplicaStatus.COMPLETED is replica.status
    assert ReplicaType.USER is replica.replica_type
    assert TrainingProgress(done=100, total=100) == replica.training_progress
    assert datetime(2024, 1, 24, 7, 14, 3, 327000, tzinfo=UTC) == replica.created_at
    assert "string" == replica.error_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2024-01-24T07:14:03.327Z",
            datetime(2024, 1, 24, 7, 14, 3, 327000, tzinfo=UTC),
        ),
        (
            "2025-07-11T06:45:47.472000Z",
            datetime(2025, 7, 11, 6, 45, 47, 472000, tzinfo=UTC),
        ),
        ("2026-04-29T03:47:01Z", datetime(2026, 4, 29, 3, 47, 1, tzinfo=UTC)),
        (
            "2026-04-29T05:47:01+02:00",
            datetime(2026, 4, 29, 5, 47, 1, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2024-08-28 15:27:40.824457",
            datetime(2024, 8, 28, 15, 27, 40, 824457, tzinfo=UTC),
        ),
        (1779475657.5, datetime(2026, 5, 22, 18, 47, 37, 500000, tzinfo=UTC)),
        ("<string>", None),
        ("", None),
    ],
)
def test_timestamps(text: Any, expected: datetime | None) -> None:
    """Timestamps become aware datetimes; unreadable ones become None, not errors."""
    replica = parse(
        {"replica_id": "r1", "status": "started", "created_at": text}, Replica
    )

    assert expected == replica.created_at
    assert replica.created_at is None or replica.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "done", "total", "fraction"),
    [
        ("37/100", 37, 100, 0.37),
        ("0/100", 0, 100, 0.0),
        (" 5 / 10 ", 5, 10, 0.5),
        ("42", 42, 100, 0.42),
        ("42%", 42, 100, 0.42),
        ("12.5/100", 12.5, 100, 0.125),
        ("150/100", 150, 100, 1.0),
    ],
)
def test_training_progress(
    text: str, done: float, total: float, fraction: float
) -> None:
    """training_progress parses to a value with a fraction clamped to [0, 1]."""
    progress = parse(
        {"replica_id": "r1", "status": "started", "training_progress": text}, Replica
    ).training_progress

    assert (done, total) == (progress.done, progress.total)
    assert fraction == pytest.approx(progress.fraction)


@pytest.mark.parametrize("text", ["", "n/a", "1/0", "abc/100"])
def test_unreadable_progress_is_none(text: str) -> None:
    """A progress value we cannot read does not fail the replica."""
    replica = parse(
        {"replica_id": "r1", "status": "started", "training_progress": text}, Replica
    )

    assert replica.training_progress is None


def test_progress_string_round_trips() -> None:
    """A parsed progress prints and unstructures as Tavus wrote it."""
    assert "37/100" == str(TrainingProgress.parse("37/100"))
    assert "12.5/100" == CONVERTER.unstructure(TrainingProgress(done=12.5, total=100))


@pytest.mark.parametrize(
    ("wire", "known", "success", "terminal"),
    [
        ("started", True, False, False),
        ("training", True, False, False),
        ("completed", True, True, True),
        ("ready", True, True, True),
        ("error", True, False, True),
        ("Completed", True, True, True),
        ("queued", False, False, False),
        ("paused_for_review", False, False, False),
    ],
)
def test_statuses_are_open(
    wire: str, known: bool, success: bool, terminal: bool
) -> None:
    """Any status parses; unknown ones compare equal to their string."""
    status = parse({"replica_id": "r1", "status": wire}, Replica).status

    assert known == status.is_known
    assert success == status.is_success
    assert terminal == status.is_terminal
    assert wire.lower() == status or not known


def test_unknown_status_keeps_its_text() -> None:
    """An unlisted status is a ReplicaStatus equal to the text Tavus sent."""
    status = parse({"replica_id": "r1", "status": "queued"}, Replica).status

    assert isinstance(status, ReplicaStatus)
    assert "queued" == status
    assert "queued" == CONVERTER.unstructure(status)


def test_unknown_fields_are_ignored() -> None:
    """New fields from Tavus never break parsing."""
    data = {**SPEC_REPLICA, "brand_new": {"nested": [1, 2]}, "another": None}

    assert parse(SPEC_REPLICA, Replica) == parse(data, Replica)


def test_face_names_fill_replica_fields() -> None:
    """Responses in the Face naming map onto the replica fields."""
    data = {"face_id": "r1", "face_name": "Rio", "face_type": "user", "status": "ready"}

    replica = parse(data, Replica)

    assert ("r1", "Rio", ReplicaType.USER) == (
        replica.replica_id,
        replica.replica_name,
        replica.replica_type,
    )
    assert (
        "r2" == parse({"face_id": "r2", "status": "started"}, CreatedReplica).replica_id
    )


def test_legacy_names_win_over_new_ones() -> None:
    """When both spellings come, the documented legacy field is used."""
    replica = parse({"replica_id": "r1", "face_id": "r9", "status": "started"}, Replica)

    assert "r1" == replica.replica_id


def test_pal_and_face_fill_conversation_fields() -> None:
    """A conversation in PAL/Face naming fills persona_id and replica_id."""
    conversation = parse(
        {"conversation_id": "c1", "status": "active", "pal_id": "p1", "face_id": "r1"},
        Conversation,
    )

    assert ("r1", "p1") == (conversation.replica_id, conversation.persona_id)


def test_verbose_conversation_with_events() -> None:
    """The spec's verbose conversation example parses, events and transcript too."""
    data = {
        "conversation_id": "conv_123",
        "status": "ended",
        "replica_id": "replica_abc",
        "persona_id": "persona_xyz",
        "audio_only": "false",
        "created_at": "2026-04-29T03:45:49Z",
        "events": [
            {
                "event_type": "system.replica_joined",
                "timestamp": "2026-04-29T03:45:53Z",
            },
            {
                "event_type": "application.transcription_ready",
                "timestamp": "2026-04-29T03:47:00Z",
                "properties": {"transcript": [{"role": "user", "content": "Hi"}]},
            },
            {"event_type": "system.shutdown", "properties": None},
        ],
    }

    conversation = parse(data, Conversation)

    assert ConversationStatus.ENDED is conversation.status
    assert [
        "system.replica_joined",
        "application.transcription_ready",
        "system.shutdown",
    ] == [e.event_type for e in conversation.events]
    assert [{"role": "user", "content": "Hi"}] == conversation.events[1].properties[
        "transcript"
    ]
    assert {} == conversation.events[2].properties


def test_pages() -> None:
    """List answers parse into pages; voices echo page and limit; null tags: ()."""
    replicas = parse({"data": [SPEC_REPLICA], "total_count": 42}, ReplicaPage)
    voices = parse(
        {
            "data": [
                {
                    "voice_name": "anna",
                    "replica_id": "r1",
                    "audio_url": None,
                    "tags": None,
                }
            ],
            "total_count": 1,
            "page": 1,
            "limit": 10,
        },
        VoicePage,
    )
    conversations = parse({"data": [], "total_count": 0}, ConversationPage)

    assert (1, 42) == (len(replicas.data), replicas.total_count)
    assert ((), 1, 10) == (voices.data[0].tags, voices.page, voices.limit)
    assert () == conversations.data


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"replica_name": "x", "status": "started"}, "$.replica_id"),
        ({"replica_id": "r1"}, "$.status"),
        ({"data": "nope", "total_count": 1}, "$.data"),
        ({"data": [{"replica_id": "r1"}], "total_count": 1}, "$.data[0].status"),
        ({"data": [], "total_count": "many"}, "$.total_count"),
    ],
)
def test_bad_shapes_name_the_path(data: Any, where: str) -> None:
    """A body that does not fit raises ValueError naming where it broke."""
    cls = ReplicaPage if "data" in data else Replica

    with pytest.raises(ValueError, match=re.escape(where)):
        parse(data, cls)


def test_request_omits_unset_fields() -> None:
    """Only the fields the caller set are sent."""
    request = CreateReplicaRequest(
        train_video_url="https://cdn.example.com/v.mp4",
        replica_name="Rio",
        properties=ReplicaProperties(background_green_screen=True),
    )

    expected = {
        "train_video_url": "https://cdn.example.com/v.mp4",
        "replica_name": "Rio",
        "properties": {"background_green_screen": True},
    }
    assert expected == json.loads(dumps(CONVERTER, request))


def test_conversation_request_body() -> None:
    """Nested properties and recording storage serialize as the API documents them."""
    request = CreateConversationRequest(
        replica_id="r1",
        persona_id="p1",
        document_ids=["d1", "d2"],
        test_mode=False,
        properties=ConversationProperties(
            max_call_duration=600,
            recording_storage=RecordingStorage(provider="s3", bucket_name="b"),
        ),
    )

    expected = {
        "replica_id": "r1",
        "persona_id": "p1",
        "document_ids": ["d1", "d2"],
        "test_mode": False,
        "properties": {
            "max_call_duration": 600,
            "recording_storage": {"provider": "s3", "bucket_name": "b"},
        },
    }
    assert expected == json.loads(dumps(CONVERTER, request))


@pytest.mark.parametrize(
    "obj",
    [
        parse(SPEC_REPLICA, Replica),
        parse({"replica_id": "r1", "status": "queued"}, Replica),
        parse(
            {"conversation_id": "c1", "status": "active", "meeting_token": "t"},
            Conversation,
        ),
    ],
)
def test_responses_round_trip(obj: Any) -> None:
    """Our types survive JSON and back (users store them, e.g. in results files)."""
    assert obj == loads(CONVERTER, CONVERTER.dumps(obj).encode(), type(obj))


@pytest.mark.parametrize(
    ("cls", "data", "where"),
    [
        (
            CreateConversationRequest,
            {"replica_id": "r1", "audio_only": "maybe"},
            "audio_only",
        ),
        (Replica, ["r1", "started"], "Replica"),
        (
            Replica,
            {"replica_id": "r1", "status": {"value": "started"}},
            "status",
        ),
    ],
)
def test_unreadable_values_name_their_place(cls: Any, data: Any, where: str) -> None:
    """A value no rule reads fails with the field (or class) it was meant for."""
    with pytest.raises(ValueError, match=where):
        loads(CONVERTER, json.dumps(data).encode(), cls)


@pytest.mark.parametrize(
    ("wire", "expected"), [("false", False), ("True", True), (1, True)]
)
def test_lenient_booleans(wire: Any, expected: bool) -> None:
    """Booleans sent as strings parse (the spec's audio_only is "false")."""
    request = CONVERTER.structure(
        {"replica_id": "r1", "audio_only": wire}, CreateConversationRequest
    )

    assert expected is request.audio_only


def test_a_users_string_hook_reaches_optional_fields_too() -> None:
    """Hooks of one's own, registered on our converter, apply to ``str | None``."""
    converter = make_converter()
    converter.register_structure_hook(str, lambda value, _: str(value).upper())

    replica = converter.structure(
        {"replica_id": "r1", "status": "started", "replica_name": "rio"}, Replica
    )

    assert ("R1", "RIO") == (replica.replica_id, replica.replica_name)


@pytest.mark.parametrize(
    ("data", "cls", "where"),
    [
        (
            {"conversation_id": "c1", "properties": "max_call_duration"},
            ConversationShutdown,
            "$.properties",
        ),
        (
            {"replica_id": "r1", "properties": ["max_call_duration", 60]},
            CreateConversationRequest,
            "$.properties",
        ),
        ({"data": ["r1"], "total_count": 1}, ReplicaPage, "$.data[0]"),
    ],
)
def test_a_class_takes_an_object_only(data: Any, cls: Any, where: str) -> None:
    """A string or array where an object belongs is an error, never an empty object."""
    with pytest.raises(ValueError, match=re.escape(f"@ {where}") + "$"):
        loads(CONVERTER, json.dumps(data).encode(), cls)
