"""Strict strings in the converter: numbers are written out, nothing else is."""

from __future__ import annotations

import json
from typing import Any

import cattrs
import pytest

from tavus_async import Replica, ReplicaStatus, ReplicaType, Voice, make_converter
from tavus_async._serde import loads
from tavus_async.types.webhooks import (
    CallbackEvent,
    ConversationCallback,
    ConversationShutdown,
    ReplicaTrainingCallback,
)


CONVERTER = make_converter()
REPLICA = {"replica_id": "r1", "status": "started"}


def replica_with(name: str, value: Any) -> bytes:
    return json.dumps({**REPLICA, name: value}).encode()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("replica_id", 12, "12"),
        ("replica_id", -3, "-3"),
        ("replica_name", 1.5, "1.5"),
        ("replica_name", 0, "0"),
        ("model_name", 3, "3"),
        ("thumbnail_video_url", "", ""),
        ("status", 5, ReplicaStatus("5")),
        ("replica_type", 7, ReplicaType("7")),
        ("replica_name", None, None),
    ],
)
def test_numbers_become_strings(name: str, value: Any, expected: Any) -> None:
    replica = loads(CONVERTER, replica_with(name, value), Replica)

    assert expected == getattr(replica, name)
    assert isinstance(getattr(replica, name), str | None)


@pytest.mark.parametrize("name", ["replica_id", "replica_name", "model_name"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param({}, id="empty-object"),
        pytest.param({"name": "Ana"}, id="object"),
        pytest.param([], id="empty-array"),
        pytest.param(["Ana"], id="array"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
    ],
)
def test_objects_arrays_and_booleans_are_not_strings(name: str, value: Any) -> None:
    """Never the Python repr ("{}", "['Ana']", "True"): an error naming the field."""
    with pytest.raises(ValueError, match=rf"\$\.{name}\b"):
        loads(CONVERTER, replica_with(name, value), Replica)


@pytest.mark.parametrize("name", ["status", "replica_type"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param({}, id="empty-object"),
        pytest.param({"status": "started"}, id="object"),
        pytest.param(["started"], id="array"),
        pytest.param(True, id="boolean"),
    ],
)
def test_open_enums_refuse_objects_arrays_and_booleans(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=rf"\$\.{name}\b"):
        loads(CONVERTER, replica_with(name, value), Replica)


def test_nested_strings_are_strict_too() -> None:
    body = {"voice_name": "anna", "tags": [{"tag_name": {"lang": "en"}}]}

    with pytest.raises(ValueError, match=r"\$\.tags\[0\]\.tag_name"):
        loads(CONVERTER, json.dumps(body).encode(), Voice)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"replica_id": 42, "status": "ready", "error_message": 7},
            ReplicaTrainingCallback(
                replica_id="42", status=ReplicaStatus.COMPLETED, error_message="7"
            ),
        ),
        (
            {"conversation_id": 123, "event_type": "x", "webhook_url": 1},
            ConversationCallback(
                conversation_id="123", event_type="x", webhook_url="1"
            ),
        ),
        (
            {"conversation_id": 1, "event_type": "system.shutdown", "properties": {}},
            ConversationShutdown(conversation_id="1", event_type="system.shutdown"),
        ),
    ],
)
def test_callback_types_write_numbers_out(data: dict[str, Any], expected: Any) -> None:
    structured: Any = CONVERTER.structure(data, CallbackEvent)  # type: ignore[arg-type]

    assert type(expected) is type(structured)
    assert expected == structured


def test_a_numeric_shutdown_reason_is_written_out() -> None:
    data = {"conversation_id": "c1", "properties": {"reason": 404}}

    structured = CONVERTER.structure(data, ConversationShutdown)

    assert "404" == structured.properties.shutdown_reason


@pytest.mark.parametrize(
    ("data", "cls", "where"),
    [
        (
            {"replica_id": {"id": "r1"}, "status": "ready"},
            ReplicaTrainingCallback,
            "$.replica_id",
        ),
        (
            {"replica_id": "r1", "status": ["ready"]},
            ReplicaTrainingCallback,
            "$.status",
        ),
        (
            {"replica_id": "r1", "status": "error", "error_message": True},
            ReplicaTrainingCallback,
            "$.error_message",
        ),
        ({"conversation_id": ["c1"]}, ConversationCallback, "$.conversation_id"),
        (
            {"conversation_id": "c1", "message_type": False},
            ConversationCallback,
            "$.message_type",
        ),
        (
            {"conversation_id": "c1", "properties": {"reason": {}}},
            ConversationShutdown,
            "$.properties.shutdown_reason",
        ),
    ],
)
def test_callback_types_refuse_non_strings(
    data: dict[str, Any], cls: type[Any], where: str
) -> None:
    with pytest.raises(cattrs.BaseValidationError) as caught:
        CONVERTER.structure(data, cls)

    problems = cattrs.transform_error(caught.value)
    assert [where] == [problem.partition(" @ ")[2] for problem in problems]
