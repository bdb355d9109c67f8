"""The receiver's pure decisions: content types, event identity, phrases, answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tavus_async.types.webhooks import CallbackEvent
from tavus_async.webhooks import parse_callback
from tavus_async.webhooks._rules import (
    CallbackResponse,
    answer,
    describe,
    event_key,
    is_json,
    lane_key,
    subject,
)


def conversation(event_type: str | None, properties: Any, **extra: Any) -> bytes:
    body: dict[str, Any] = {"conversation_id": "c1", "properties": properties}
    if event_type is not None:
        body["event_type"] = event_type
    return json.dumps({**body, **extra}).encode()


def replica(status: str, error_message: str | None = None, rid: str = "r1") -> bytes:
    body = {"replica_id": rid, "status": status, "error_message": error_message}
    return json.dumps(body).encode()


def video(status: str, rid: str = "v1", **fields: Any) -> bytes:
    body = {"video_id": rid, "replica_id": "r1", "status": status, **fields}
    return json.dumps(body).encode()


def parsed(body: bytes) -> CallbackEvent:
    return parse_callback(body)


SHUTDOWN = conversation("system.shutdown", {"shutdown_reason": "max_call_duration"})
TRANSCRIPT = conversation(
    "application.transcription_ready",
    {"transcript": [{"role": "user", "content": "Hi", "timestamp": 1.5}]},
)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        (" Application/JSON ;charset=UTF-8", True),
        ("text/json", True),
        ("application/vnd.tavus.event+json", True),
        ("application/problem+json; charset=utf-8", True),
        (None, True),
        ("", True),
        ("text/plain", False),
        ("text/plain; charset=utf-8", False),
        ("multipart/form-data; boundary=xyz", False),
        ("application/x-www-form-urlencoded", False),
        ("application/jsonx", False),
        ("application/octet-stream", False),
    ],
)
def test_is_json(content_type: str | None, expected: bool) -> None:
    assert expected is is_json(content_type)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            conversation("system.replica_joined", {"replica_id": "r1"}),
            conversation("system.pal_joined", {"face_id": "r1"}),
            id="replica-and-pal-joined",
        ),
        pytest.param(
            conversation("system.replica_joined", {"replica_id": "r1"}, timestamp="1"),
            conversation("system.pal_joined", {"face_id": "r1"}, timestamp="2"),
            id="joined-at-other-times",
        ),
        pytest.param(SHUTDOWN, SHUTDOWN, id="same-body"),
        pytest.param(
            b'{"conversation_id": "c1", "event_type": "x", "properties": {"a": 1, '
            b'"b": [1, {"c": 2, "d": 3}]}}',
            b'{"properties":{"b":[1,{"d":3,"c":2}],"a":1},"event_type":"x",'
            b'"conversation_id":"c1"}',
            id="same-body-other-key-order",
        ),
        pytest.param(TRANSCRIPT, b" \n" + TRANSCRIPT + b"\n", id="other-whitespace"),
        pytest.param(replica("ready"), replica("ready"), id="replica-resend"),
        pytest.param(replica("ready"), replica("completed"), id="ready-is-completed"),
        pytest.param(
            replica("error", "too short"),
            replica("error", "too short"),
            id="replica-error-resend",
        ),
        pytest.param(video("ready"), video("ready"), id="video-resend"),
        pytest.param(
            video("ready", updated_at="2024-08-28 15:29:19.802670"),
            video("ready", updated_at="2024-08-28 15:29:20.000000"),
            id="video-resend-stamped-again",
        ),
        pytest.param(
            video("error", status_details="no face"),
            video("error", error_details="no face"),
            id="video-error-either-field",
        ),
    ],
)
def test_one_event_has_one_key(first: bytes, second: bytes) -> None:
    key = event_key(parsed(first))

    assert key == event_key(parsed(second))
    assert hash(key) == hash(event_key(parsed(second)))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            conversation("system.replica_joined", {"replica_id": "r1"}),
            conversation("system.replica_joined", {"replica_id": "r1"}).replace(
                b'"c1"', b'"c2"'
            ),
            id="joined-other-conversation",
        ),
        pytest.param(
            SHUTDOWN,
            conversation("system.shutdown", {"shutdown_reason": "participant_left"}),
            id="other-reason",
        ),
        pytest.param(SHUTDOWN, TRANSCRIPT, id="other-event"),
        pytest.param(
            SHUTDOWN,
            conversation(
                "system.shutdown", {"shutdown_reason": "max_call_duration"}, t="2"
            ),
            id="extra-key",
        ),
        pytest.param(
            conversation("system.replica_joined", {"replica_id": "r1"}),
            conversation("system.shutdown", {"replica_id": "r1"}),
            id="joined-and-shutdown",
        ),
        pytest.param(
            conversation(None, {"guardrail": "a"}),
            conversation(None, {"guardrail": "b"}),
            id="guardrails",
        ),
        pytest.param(replica("ready"), replica("error"), id="replica-status"),
        pytest.param(replica("ready"), replica("ready", rid="r2"), id="replica-id"),
        pytest.param(
            replica("error", "too short"),
            replica("error", "no face"),
            id="replica-error-message",
        ),
        pytest.param(
            replica("ready", rid="c1"),
            conversation("system.shutdown", {}),
            id="replica-and-conversation-of-one-id",
        ),
        pytest.param(video("ready"), video("error"), id="video-status"),
        pytest.param(video("ready"), video("ready", rid="v2"), id="video-id"),
        pytest.param(
            video("error", status_details="no face"),
            video("error", status_details="no audio"),
            id="video-error-message",
        ),
        pytest.param(
            video("ready", rid="r1"),
            replica("ready", rid="r1"),
            id="video-and-replica-of-one-id",
        ),
    ],
)
def test_different_events_have_different_keys(first: bytes, second: bytes) -> None:
    assert event_key(parsed(first)) != event_key(parsed(second))


@pytest.mark.parametrize(
    ("body", "lane", "about", "phrase"),
    [
        (replica("ready"), ("replica", "r1"), "replica r1", "replica r1 completed"),
        (
            replica("error", "too short"),
            ("replica", "r1"),
            "replica r1",
            "replica r1 error",
        ),
        (video("ready"), ("video", "v1"), "video v1", "video v1 ready"),
        (video("error"), ("video", "v1"), "video v1", "video v1 error"),
        (video("rendering"), ("video", "v1"), "video v1", "video v1 rendering"),
        (
            SHUTDOWN,
            ("conversation", "c1"),
            "conversation c1",
            "system.shutdown of conversation c1",
        ),
        (
            TRANSCRIPT,
            ("conversation", "c1"),
            "conversation c1",
            "application.transcription_ready of conversation c1",
        ),
        (
            conversation("application.future_event", {"x": 1}),
            ("conversation", "c1"),
            "conversation c1",
            "application.future_event of conversation c1",
        ),
        (
            conversation(None, {"guardrail": "a"}),
            ("conversation", "c1"),
            "conversation c1",
            "callback of conversation c1",
        ),
    ],
)
def test_lane_subject_and_description(
    body: bytes, lane: tuple[str, str], about: str, phrase: str
) -> None:
    event = parsed(body)

    assert lane == lane_key(event)
    assert about == subject(event)
    assert phrase == describe(event)


@pytest.mark.parametrize(
    ("status", "accepted"),
    [
        *((200, True), (202, True), (299, True), (199, False), (301, False)),
        *((400, False), (401, False), (413, False), (415, False), (503, False)),
    ],
)
def test_answer_is_accepted_only_for_2xx(status: int, accepted: bool) -> None:
    response = answer(status, {"status": "x"}, None)

    assert accepted is response.accepted
    assert status == response.status


def test_answer_has_a_json_body_and_copies_headers() -> None:
    event = parsed(SHUTDOWN)
    headers = {"Retry-After": "5"}

    response = answer(503, {"status": "closed", "detail": "é"}, event, headers)
    headers["Retry-After"] = "999"

    assert (
        CallbackResponse(
            status=503,
            body=response.body,
            event=event,
            headers={"Retry-After": "5"},
        )
        == response
    )
    assert {"status": "closed", "detail": "é"} == json.loads(response.body)
    assert "application/json" == response.content_type
    assert {"Retry-After": "5"} == response.headers


def test_answer_without_headers_has_none() -> None:
    response = answer(200, {"status": "accepted"}, None)

    assert {} == response.headers
    assert response.event is None
    assert {"status": "accepted"} == json.loads(response.body)
