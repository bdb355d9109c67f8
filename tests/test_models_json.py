"""``to_dict()`` and ``to_json()``: every model's JSON form is the wire converter's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

import tavus_async.types
import tavus_async.types.webhooks
from tavus_async import (
    Conversation,
    ConversationEvent,
    CreateConversationRequest,
    CreatedReplica,
    CreateReplicaRequest,
    OutcomeKind,
    Page,
    PollMode,
    Replica,
    ReplicaOutcome,
    ReplicaStatus,
    ReplicaUpdate,
    TrainingProgress,
    Voice,
    WatchStats,
    make_converter,
)
from tavus_async.webhooks import CallbackEvent


CONVERTER = make_converter()

REPLICA = {
    "replica_id": "r90bbd427f71",
    "status": "training-v2",
    "replica_name": "Rio",
    "training_progress": "37/100",
    "thumbnail_video_url": "https://x/t.mp4",
    "created_at": "2026-05-01T10:00:00+02:00",
    "updated_at": "2026-05-01T08:30:00.250000+00:00",
    "error_message": "none yet",
    "replica_type": "user",
    "model_name": "phoenix-4",
}
"""Every field set: an unlisted status, a zone other than UTC, microseconds."""

VOICE = {"voice_name": "anna", "replica_id": "r1", "tags": [{"tag_name": "en"}]}
CONVERSATION = {
    "conversation_id": "c123456",
    "status": "ended",
    "conversation_name": "Demo",
    "conversation_url": "https://tavus.daily.co/c123456",
    "replica_id": "r1",
    "persona_id": "p1",
    "created_at": "2026-05-01T10:00:00+00:00",
    "events": [
        {
            "event_type": "system.shutdown",
            "timestamp": "2026-05-01T10:05:00+00:00",
            "message_type": "system",
            "properties": {"reason": "max_call_duration reached"},
        }
    ],
}


def callback(event_type: str, properties: Any) -> dict[str, Any]:
    """A conversation callback in Tavus's envelope."""
    return {
        "conversation_id": "c123456",
        "event_type": event_type,
        "message_type": "application",
        "timestamp": "2026-05-01T10:06:00+00:00",
        "webhook_url": "https://example.com/hook",
        "properties": properties,
    }


WIRE_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("replica", Replica, REPLICA),
    ("created replica", CreatedReplica, {"replica_id": "r1", "status": "started"}),
    ("voice", Voice, VOICE),
    ("replica page", Page[Replica], {"data": [REPLICA, REPLICA], "total_count": 5}),
    ("voice page", Page[Voice], {"data": [VOICE], "total_count": 1, "page": 2}),
    ("conversation", Conversation, CONVERSATION),
    (
        "replica request",
        CreateReplicaRequest,
        {
            "train_video_url": "https://x/v.mp4",
            "replica_name": "Rio",
            "properties": {"background_green_screen": True},
        },
    ),
    (
        "conversation request",
        CreateConversationRequest,
        {
            "replica_id": "r1",
            "document_ids": ["d1", "d2"],
            "properties": {
                "max_call_duration": 600,
                "recording_storage": {"provider": "s3", "bucket_name": "b"},
            },
        },
    ),
    ("training callback", CallbackEvent, {"face_id": "r1", "status": "ready"}),
    (
        "replica joined",
        CallbackEvent,
        callback("system.replica_joined", {"face_id": "r1"}),
    ),
    (
        "shutdown",
        CallbackEvent,
        callback("system.shutdown", {"reason": "participant_left_timeout reached"}),
    ),
    (
        "transcription",
        CallbackEvent,
        callback(
            "application.transcription_ready",
            {
                "replica_id": "r1",
                "transcript": [
                    {"role": "user", "content": "Hi", "timestamp": 1777629600},
                    {"role": "assistant", "content": "Hello", "duration": 1.5},
                ],
            },
        ),
    ),
    (
        "recording",
        CallbackEvent,
        callback("application.recording_ready", {"s3_key": "k", "duration": 12.5}),
    ),
    (
        "recording copy failed",
        CallbackEvent,
        callback(
            "application.recording_copy_failed",
            {"recording_id": "rec1", "error_code": "DESTINATION_AUTH_FAILED"},
        ),
    ),
    (
        "perception",
        CallbackEvent,
        callback("application.perception_analysis", {"analysis": "smiling"}),
    ),
    (
        "unknown callback",
        CallbackEvent,
        callback("application.next_thing", {"nested": {"list": [1, "two"]}}),
    ),
]
"""Models read from the wire, with the type they are read as."""

SEEN = CONVERTER.structure(REPLICA, Replica)
BUILT_CASES: list[tuple[str, Any, Any]] = [
    (
        "update",
        ReplicaUpdate,
        ReplicaUpdate(
            id=SEEN.replica_id,
            item=SEEN,
            previous=None,
            progress=SEEN.training_progress,
            source="poll",
            at=12.5,
        ),
    ),
    (
        "outcome",
        ReplicaOutcome,
        ReplicaOutcome(
            id=SEEN.replica_id,
            kind=OutcomeKind.FAILED,
            item=SEEN,
            detail="training failed",
            error_message=SEEN.error_message,
            at=30.0,
        ),
    ),
    (
        "stats",
        WatchStats,
        WatchStats(list_requests=3, updates=2, watching=1, mode=PollMode.SWEEP),
    ),
]
"""Models the library builds itself (what a watcher reports)."""

CASES = [
    pytest.param(CONVERTER.structure(data, cls), cls, id=name)
    for name, cls, data in WIRE_CASES
] + [pytest.param(model, cls, id=name) for name, cls, model in BUILT_CASES]


@pytest.mark.parametrize(("model", "cls"), CASES)
def test_to_dict_is_what_the_converter_writes(model: Any, cls: Any) -> None:
    """to_dict() gives exactly the wire converter's unstructured form."""
    assert CONVERTER.unstructure(model) == model.to_dict()


@pytest.mark.parametrize(("model", "cls"), CASES)
def test_to_dict_reads_back_as_the_same_model(model: Any, cls: Any) -> None:
    """The converter reads to_dict()'s output back into an equal model."""
    assert model == CONVERTER.structure(model.to_dict(), cls)


@pytest.mark.parametrize(("model", "cls"), CASES)
def test_to_json_is_to_dict_as_text(model: Any, cls: Any) -> None:
    """to_json() is compact JSON text of to_dict()."""
    text = model.to_json()

    expected = model.to_dict()
    assert (expected, json.dumps(expected, separators=(",", ":"))) == (
        json.loads(text),
        text,
    )


def test_a_replica_is_written_as_tavus_sends_it() -> None:
    """Unlisted statuses, zones, microseconds and progress keep their wire form."""
    replica = CONVERTER.structure(REPLICA, Replica)

    assert REPLICA == replica.to_dict()


def test_fields_left_unset_are_left_out() -> None:
    """None fields and defaults are not written, as the converter omits them."""
    replica = Replica(replica_id="r1", status=ReplicaStatus.COMPLETED)

    assert '{"replica_id":"r1","status":"completed"}' == replica.to_json()


def test_face_names_are_written_under_the_fields_they_fill() -> None:
    """A replica read with face_* names is written with replica_* names."""
    data = {"face_id": "r1", "status": "completed", "face_name": "Rio"}

    replica = CONVERTER.structure(data, Replica)

    expected = {"replica_id": "r1", "status": "completed", "replica_name": "Rio"}
    assert expected == replica.to_dict()


def test_a_page_is_data_and_total_count() -> None:
    """A page is written as Tavus's list answer: data and total_count."""
    page = Page(
        data=(Replica(replica_id="r1", status=ReplicaStatus.ERROR),), total_count=9
    )

    expected = {"data": [{"replica_id": "r1", "status": "error"}], "total_count": 9}
    assert expected == page.to_dict()


def test_a_callback_is_written_without_raw() -> None:
    """raw (the body as received) is ours, not a field Tavus sends."""
    event = CONVERTER.structure(
        {"face_id": "r1", "status": "ready", "x": 1}, CallbackEvent
    )

    assert {"replica_id": "r1", "status": "completed"} == event.to_dict()


def test_a_shutdown_reason_is_written_without_reached() -> None:
    """A shutdown's properties are written as the converter reads them."""
    event = CONVERTER.structure(
        callback("system.shutdown", {"reason": "max_call_duration reached"}),
        CallbackEvent,
    )

    assert {"shutdown_reason": "max_call_duration"} == event.to_dict()["properties"]


def test_an_aware_datetime_keeps_its_offset() -> None:
    """A datetime is written as ISO-8601 with its own offset."""
    replica = Replica(
        replica_id="r1",
        status=ReplicaStatus.STARTED,
        created_at=datetime(2026, 5, 1, 8, tzinfo=UTC),
        training_progress=TrainingProgress(done=12.5),
    )

    expected = {
        "created_at": "2026-05-01T08:00:00+00:00",
        "training_progress": "12.5/100",
    }
    assert expected == {key: replica.to_dict()[key] for key in expected}


def test_to_dict_is_a_copy() -> None:
    """Changing to_dict()'s result leaves the frozen model as it was."""
    event = ConversationEvent(event_type="x", properties={"a": {"b": [1]}})

    event.to_dict()["properties"]["a"]["b"].append(2)

    assert {"a": {"b": [1]}} == event.properties


def test_models_stay_slotted_frozen_and_evolvable() -> None:
    """The shared base adds no __dict__; evolve and frozenness still work."""
    replica = Replica(replica_id="r1", status=ReplicaStatus.STARTED)

    renamed = attrs.evolve(replica, replica_name="Rio")

    assert (False, "Rio") == (
        hasattr(replica, "__dict__"),
        renamed.to_dict()["replica_name"],
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        replica.replica_name = "x"  # type: ignore[misc]


def _classes(module: Any) -> list[type]:
    return [
        getattr(module, name)
        for name in module.__all__
        if attrs.has(getattr(module, name))
    ]


@pytest.mark.parametrize(
    "cls",
    _classes(tavus_async.types) + _classes(tavus_async.types.webhooks),
    ids=lambda cls: cls.__name__,
)
def test_every_model_has_a_json_form(cls: type) -> None:
    """Every attrs class of tavus_async.types has to_dict and to_json, but progress.

    TrainingProgress is a string on the wire (``"37/100"``), not an object.
    """
    expected = cls is not TrainingProgress

    assert (expected, expected) == (hasattr(cls, "to_dict"), hasattr(cls, "to_json"))
