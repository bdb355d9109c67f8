"""parse_callback refusing bad bodies, forgiving trailing commas, never crashing."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from cattrs.preconf.json import make_converter as make_json_converter

from tavus_async import make_converter
from tavus_async.errors import TavusError, WebhookError
from tavus_async.types.webhooks import (
    ConversationCallback,
    ReplicaTrainingCallback,
    VideoCallback,
)
from tavus_async.webhooks import parse_callback
from tavus_async.webhooks._parse import drop_trailing_commas


def conversation(event_type: str, properties: Any) -> dict[str, Any]:
    return {"conversation_id": "c1", "event_type": event_type, "properties": properties}


def transcript(turns: Any) -> dict[str, Any]:
    return conversation("application.transcription_ready", {"transcript": turns})


def joined(replica_id: Any) -> dict[str, Any]:
    return conversation("system.replica_joined", {"replica_id": replica_id})


def replica(**fields: Any) -> dict[str, Any]:
    return {"replica_id": "r1", "status": "ready", **fields}


def video(**fields: Any) -> dict[str, Any]:
    return {"video_id": "v1", "replica_id": "r1", "status": "ready", **fields}


DEEP = "[" * 100_000

BAD_BODIES: list[Any] = [
    pytest.param(b"\xff\xfe{}", None, id="not-utf8"),
    pytest.param(b'{"replica_id": "r\xe9"}', None, id="latin1-byte"),
    pytest.param(b"nope", None, id="not-json"),
    pytest.param(b'{"replica_id": "r1", "status": ', None, id="truncated"),
    pytest.param(b"", None, id="empty"),
    pytest.param(b"  \n", None, id="blank"),
    pytest.param(b"[]", None, id="array"),
    pytest.param(b'[{"replica_id": "r1", "status": "ready"}]', None, id="array-of-one"),
    pytest.param(b'"replica_id"', None, id="string"),
    pytest.param(b"5", None, id="number"),
    pytest.param(b"true", None, id="boolean"),
    pytest.param(b"null", None, id="null"),
    pytest.param(b"{}", None, id="empty-object"),
    pytest.param({"video_id": "v1"}, "status", id="video-missing-status"),
    pytest.param(video(status=None), "status", id="video-status-null"),
    pytest.param(video(status=["ready"]), "status", id="video-status-array"),
    pytest.param(video(video_id=None), "video_id", id="video-id-null"),
    pytest.param(video(video_id={"id": "v1"}), "video_id", id="video-id-object"),
    pytest.param(video(download_url=True), "download_url", id="video-url-boolean"),
    pytest.param(video(data="Hi"), "data", id="video-data-string"),
    pytest.param(video(data={"script": []}), "data.script", id="video-script-array"),
    pytest.param(
        {"document_id": "d1", "status": "ready"}, None, id="document-callback"
    ),
    pytest.param(
        {"transcription_id": "t1", "status": "completed"},
        None,
        id="transcription-callback",
    ),
    pytest.param({"status": "ready"}, None, id="missing-replica-id"),
    pytest.param({"replica_id": "r1"}, "status", id="missing-status"),
    pytest.param({"event_type": "system.shutdown"}, "conversation_id", id="no-conv-id"),
    pytest.param(
        conversation("application.transcription_ready", {}),
        "properties.transcript",
        id="missing-transcript",
    ),
    pytest.param(
        {"conversation_id": "c1", "event_type": "application.transcription_ready"},
        "properties",
        id="missing-transcription-properties",
    ),
    pytest.param(
        transcript([{"role": "user"}]),
        "properties.transcript[0].content",
        id="turn-missing-content",
    ),
    pytest.param(
        transcript([{"content": "Hi"}]),
        "properties.transcript[0].role",
        id="turn-missing-role",
    ),
    pytest.param(transcript([None]), "properties.transcript[0]", id="turn-null"),
    pytest.param(
        conversation("application.perception_analysis", {}),
        "properties.analysis",
        id="missing-analysis",
    ),
    pytest.param(replica(replica_id={}), "replica_id", id="replica-id-object"),
    pytest.param(replica(replica_id=["r1"]), "replica_id", id="replica-id-array"),
    pytest.param(replica(replica_id=True), "replica_id", id="replica-id-boolean"),
    pytest.param(replica(replica_id=None), "replica_id", id="replica-id-null"),
    pytest.param(replica(status={}), "status", id="status-object"),
    pytest.param(replica(status=["ready"]), "status", id="status-array"),
    pytest.param(replica(status=False), "status", id="status-boolean"),
    pytest.param(replica(status=None), "status", id="status-null"),
    pytest.param(replica(error_message=["x"]), "error_message", id="message-array"),
    pytest.param(
        {**joined("r1"), "conversation_id": {"id": "c1"}},
        "conversation_id",
        id="conversation-id-object",
    ),
    pytest.param({**joined("r1"), "event_type": True}, "event_type", id="event-bool"),
    pytest.param({**joined("r1"), "webhook_url": []}, "webhook_url", id="url-array"),
    pytest.param(joined({}), "properties.replica_id", id="joined-replica-object"),
    pytest.param(
        conversation("system.shutdown", {"shutdown_reason": ["x"]}),
        "properties.shutdown_reason",
        id="reason-array",
    ),
    pytest.param(
        conversation("system.shutdown", {"reason": {"code": 1}}),
        "properties.shutdown_reason",
        id="reason-alias-object",
    ),
    pytest.param(
        transcript([{"role": "user", "content": {"text": "Hi"}}]),
        "properties.transcript[0].content",
        id="turn-content-object",
    ),
    pytest.param(
        transcript([{"role": True, "content": "Hi"}]),
        "properties.transcript[0].role",
        id="turn-role-boolean",
    ),
    pytest.param(
        transcript([{"role": "user", "content": "Hi", "duration": {}}]),
        "properties.transcript[0].duration",
        id="turn-duration-object",
    ),
    pytest.param(
        conversation("application.perception_analysis", {"analysis": True}),
        "properties.analysis",
        id="analysis-boolean",
    ),
    pytest.param(
        conversation("application.recording_ready", {"duration": "long"}),
        "properties.duration",
        id="duration-text",
    ),
    pytest.param(DEEP.encode(), None, id="deep-bytes"),
    pytest.param(DEEP, None, id="deep-str"),
    pytest.param('{"a": ' * 100_000, None, id="deep-objects"),
    pytest.param(DEEP + "1" + ",]" * 100_000, None, id="deep-with-trailing-commas"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_body_is_refused_naming_the_field(body: Any, field: str | None) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_callback(body)

    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, TavusError)
    assert field == error.field
    assert str(error).startswith(f"{field}: " if field else "")
    assert len(str(error)) > len(f"{field}: ")


@pytest.mark.parametrize(
    "timestamp",
    ["not a date", "2025-13-45T00:00:00Z", "", 1e300, -1e300, float("nan")],
)
def test_an_unreadable_timestamp_becomes_none(timestamp: str | float) -> None:
    """As everywhere in the converter, a bad timestamp does not fail the event."""
    parsed = parse_callback({**joined("r1"), "timestamp": timestamp})

    assert isinstance(parsed, ConversationCallback)
    assert parsed.timestamp is None
    assert timestamp is parsed.raw["timestamp"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\xff\xfe{}", "UTF-8"),
        (b"nope", "not JSON"),
        (b"[]", "JSON object"),
        (b"{}", "replica_id"),
        (b"{}", "conversation_id"),
        (b"{}", "video_id"),
        (DEEP, "nests too deeply"),
        (
            b'{"document_id": "d1", "status": "ready", "progress": 40}',
            "a document callback .* Tavus documents no body",
        ),
        (
            b'{"transcription_id": "t1", "status": "error"}',
            r"a transcription callback .* client\.transcriptions\.watcher\(\)",
        ),
    ],
)
def test_whole_body_errors_say_what_is_wrong(body: Any, words: str) -> None:
    with pytest.raises(WebhookError, match=words):
        parse_callback(body)


@pytest.mark.parametrize(
    "properties", [pytest.param([], id="array"), pytest.param("x", id="string")]
)
def test_properties_that_are_not_an_object_are_refused(properties: Any) -> None:
    with pytest.raises(WebhookError, match="properties: expected an object"):
        parse_callback(conversation("system.shutdown", properties))


def test_properties_not_an_object_names_the_field() -> None:
    with pytest.raises(WebhookError) as caught:
        parse_callback(conversation("system.shutdown", []))

    assert "properties" == caught.value.field


@pytest.mark.parametrize(
    "event_type", [pytest.param(["system.shutdown"], id="array"), {"a": 1}]
)
def test_an_unhashable_event_type_is_a_webhook_error(event_type: Any) -> None:
    with pytest.raises(WebhookError):
        parse_callback({**joined("r1"), "event_type": event_type})


@pytest.mark.parametrize(
    "event_type", [pytest.param(["system.shutdown"], id="array"), {"a": 1}]
)
def test_an_unhashable_event_type_names_the_field(event_type: Any) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_callback({**joined("r1"), "event_type": event_type})

    assert "event_type" == caught.value.field


@pytest.mark.parametrize(
    "turns",
    [
        pytest.param({}, id="empty-object"),
        pytest.param("", id="empty-string"),
        pytest.param({"role": "user", "content": "Hi"}, id="turn-object"),
        pytest.param("Hi", id="string"),
    ],
)
def test_a_transcript_that_is_not_a_list_is_refused(turns: Any) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_callback(transcript(turns))

    assert "properties.transcript" == caught.value.field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1,}', '{"a": 1}'),
        ("[1, 2, ]", "[1, 2 ]"),
        ('{"a": [1,\n  ],\n}', '{"a": [1\n  ]\n}'),
        ("[1,\t\r\n]", "[1\t\r\n]"),
        ('{"a": {"b": [],},}', '{"a": {"b": []}}'),
        ('{"a": ",}"}', '{"a": ",}"}'),
        ('{"a": ",]", "b": 1,}', '{"a": ",]", "b": 1}'),
        ('{"a": "x\\",]"}', '{"a": "x\\",]"}'),
        ('{"a": "x\\",]",}', '{"a": "x\\",]"}'),
        ('{"a": "\\\\",}', '{"a": "\\\\"}'),
        ('{"a": "\\\\\\",}"}', '{"a": "\\\\\\",}"}'),
        ('{"a": [1, 2], "b": {"c": ", ]"}}', '{"a": [1, 2], "b": {"c": ", ]"}}'),
        ('{"a": 1, "b": 2}', '{"a": 1, "b": 2}'),
        ("", ""),
    ],
)
def test_drop_trailing_commas(text: str, expected: str) -> None:
    assert expected == drop_trailing_commas(text)


def test_valid_json_is_unchanged_by_drop_trailing_commas() -> None:
    text = json.dumps(
        {"a": [1, ",", {"b": "],}"}], "c": "\\,]", "d": '"x",}'}, indent=2
    )

    assert text == drop_trailing_commas(text)
    assert json.loads(text) == json.loads(drop_trailing_commas(text))


def test_trailing_commas_deep_in_a_callback_are_forgiven() -> None:
    body = (
        b'{"conversation_id": "c1", "event_type": "application.transcription_ready",'
        b' "properties": {"transcript": [{"role": "user", "content": "a,}",},],},}'
    )

    parsed = parse_callback(body)

    assert {
        "conversation_id": "c1",
        "event_type": "application.transcription_ready",
        "properties": {"transcript": [{"role": "user", "content": "a,}"}]},
    } == parsed.raw


MIB = 1 << 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("," * MIB, "," * MIB, id="only-commas"),
        pytest.param(
            "[" + ",\n" * (MIB // 2) + "]",
            "[" + ",\n" * (MIB // 2 - 1) + "\n]",
            id="commas-in-an-array",
        ),
        pytest.param(
            '{"a": "' + "," * MIB + '",}',
            '{"a": "' + "," * MIB + '"}',
            id="commas-in-a-string",
        ),
    ],
)
def test_a_mebibyte_of_commas_is_handled(text: str, expected: str) -> None:
    """The scan is one pass, so a 1 MiB body of commas simply completes."""
    assert expected == drop_trailing_commas(text)
    with pytest.raises(WebhookError):
        parse_callback(text.encode())


VALID: list[dict[str, Any]] = [
    replica(),
    replica(status="error", error_message="too short"),
    {**joined("r1"), "message_type": "system", "timestamp": "2025-07-11T06:45:47Z"},
    conversation("system.pal_joined", {"face_id": "r1"}),
    conversation("system.shutdown", {"replica_id": "r1", "reason": "x reached"}),
    transcript(
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Yo", "timestamp": 1.7e9, "duration": 1},
        ]
    ),
    conversation("application.recording_ready", {"s3_key": "k", "duration": 14}),
    conversation("application.recording_copy_failed", {"error_code": "E"}),
    conversation("application.perception_analysis", {"analysis": "calm"}),
    conversation("application.post_call_action_executed", {"a": [1, {"b": 2}]}),
    {"conversation_id": "c1", "objective_name": "o", "output_variables": {"k": 1}},
    video(data={"script": "Hi"}, generation_progress="100/100", stream_url="s"),
    video(status="error", error_details=None, created_at="2024-08-28 15:32:53.05"),
]
SUBSTITUTES: list[Any] = [
    *(None, True, False, 0, -1, 1.5, 1e300, -1e300, float("nan")),
    *("", "x", "ready", "system.shutdown", "application.transcription_ready"),
    *([], {}, [None], {"role": "user"}, [[[]]], "9" * 30),
]
KEYS = ["replica_id", "face_id", "status", "conversation_id", "event_type"]
KEYS += ["video_id", "document_id"]
KEYS += ["properties", "transcript", "reason", "timestamp", "unknown"]


def locations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            yield from locations(child, (*path, key))


def mutate_value(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    paths = list(locations(data))[1:]
    if not paths:
        return data
    data = copy.deepcopy(data)
    path = rng.choice(paths)
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    choice = rng.random()
    if choice < 0.6:
        parent[path[-1]] = rng.choice(SUBSTITUTES)
    elif choice < 0.8:
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[rng.choice(KEYS)] = rng.choice(SUBSTITUTES)
    return data


def mutate_bytes(rng: random.Random, body: bytes) -> bytes:
    out = bytearray(body)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) + 1)
        choice = rng.random()
        if choice < 0.4 and at < len(out):
            out[at] = rng.randrange(256)
        elif choice < 0.7:
            del out[at : at + rng.randint(1, 8)]
        else:
            out[at:at] = bytes([rng.choice(b'{}[],:"\\ 0e-.')])
    return bytes(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_mutations_parse_or_raise_webhook_error(seed: int) -> None:
    """Hundreds of mangled payloads: an event or a WebhookError, nothing else."""
    rng = random.Random(seed)
    outcomes: set[str] = set()
    for _ in range(200):
        data = rng.choice(VALID)
        for _ in range(rng.randint(1, 3)):
            data = mutate_value(rng, data)
        body: Any = data
        if rng.random() < 0.6:
            body = json.dumps(data).encode()
            body = mutate_bytes(rng, body) if rng.random() < 0.5 else body
        try:
            parsed = parse_callback(body)
        except WebhookError:
            outcomes.add("refused")
        else:
            assert isinstance(
                parsed, ReplicaTrainingCallback | VideoCallback | ConversationCallback
            )
            outcomes.add("parsed")

    assert {"parsed", "refused"} == outcomes


def test_a_converter_without_detailed_validation_still_raises_webhook_error() -> None:
    plain = make_converter(make_json_converter(detailed_validation=False))
    body = {"conversation_id": "c1", "event_type": "application.perception_analysis"}

    with pytest.raises(WebhookError):
        parse_callback(
            {**body, "properties": {"analysis": ["not", "text"]}}, converter=plain
        )
