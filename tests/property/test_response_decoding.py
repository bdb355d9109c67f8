"""Whatever a server sends as a 2xx body, ``decode`` gives the class or DecodeError.

Bodies are objects shaped like each response class (fields present or not,
replaced by nulls, any JSON, unknown statuses, odd timestamps, very long
strings), arbitrary JSON, deep nesting, and bytes that are not JSON at all.
Where a body parses, every path reads it alike: orjson or the ``json``
fallback, with cattrs' detailed validation or without it. Callbacks get the
same treatment through ``parse_callback`` (WebhookError is their one error),
and a non-2xx answer with any body maps to its APIStatusError.
"""

from __future__ import annotations

import json
import math
from typing import Any, get_args
from unittest import mock

import pytest
from cattrs.preconf.json import make_converter as make_json_converter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tavus_async import _http, _serde, _status
from tavus_async.errors import APIStatusError, DecodeError, WebhookError
from tavus_async.types import (
    Conversation,
    ConversationPage,
    CreatedGuardrails,
    CreatedObjectives,
    CreatedPersona,
    CreatedReplica,
    CreatedVideo,
    Document,
    DocumentPage,
    GuardrailSet,
    GuardrailSetPage,
    ObjectiveSet,
    ObjectiveSetPage,
    Page,
    Persona,
    PersonaPage,
    Replica,
    ReplicaPage,
    Video,
    VideoPage,
    VoicePage,
)
from tavus_async.types import webhooks as hooks
from tavus_async.types._sets import _Answer, _Rows
from tavus_async.types.personas import _PersonaAnswer
from tavus_async.types.pronunciation_dictionaries import (
    PronunciationDictionary,
    PronunciationDictionaryPage,
)
from tavus_async.types.transcriptions import Transcription, TranscriptionPage
from tavus_async.webhooks import parse_callback
from tests.property.decoded import services_decode
from tests.property.strategies import deeply_nested, shaped, wild_values


RESPONSES: dict[str, Any] = {
    "CreatedReplica": CreatedReplica,
    "Replica": Replica,
    "ReplicaPage": ReplicaPage,
    "VoicePage": VoicePage,
    "Conversation": Conversation,
    "ConversationPage": ConversationPage,
    "Document": Document,
    "DocumentPage": DocumentPage,
    "CreatedPersona": CreatedPersona,
    "Persona": Persona,
    "PersonaPage": PersonaPage,
    "_PersonaAnswer": _PersonaAnswer,
    "CreatedVideo": CreatedVideo,
    "Video": Video,
    "VideoPage": VideoPage,
    "CreatedObjectives": CreatedObjectives,
    "ObjectiveSet": ObjectiveSet,
    "ObjectiveSetPage": ObjectiveSetPage,
    "CreatedGuardrails": CreatedGuardrails,
    "GuardrailSet": GuardrailSet,
    "GuardrailSetPage": GuardrailSetPage,
    "_Answer": _Answer,
    "_Rows": _Rows,
    "PronunciationDictionary": PronunciationDictionary,
    "PronunciationDictionaryPage": PronunciationDictionaryPage,
    "Transcription": Transcription,
    "TranscriptionPage": TranscriptionPage,
}
"""Every class the services decode a 2xx body into, by the name they use.

``_PersonaAnswer`` is Get Persona's envelope, ``_Answer`` and ``_Rows`` the
answers of Get and List for objectives and guardrails, read before the set.
"""
CLASSES = list(RESPONSES.values())
CALLBACKS = [
    hooks.ReplicaTrainingCallback,
    hooks.VideoCallback,
    hooks.ConversationCallback,
    hooks.ReplicaJoined,
    hooks.ConversationShutdown,
    hooks.TranscriptionReady,
    hooks.RecordingReady,
    hooks.RecordingCopyFailed,
    hooks.PerceptionAnalysis,
]
CONVERTER = _serde.make_converter()
URL = "http://127.0.0.1/v2/replicas"
SLOW = [HealthCheck.too_slow, HealthCheck.large_base_example]


TERSE = _serde.make_converter(make_json_converter(detailed_validation=False))
"""A converter whose cattrs functions skip detailed validation."""


def decode(body: bytes, cls: Any, converter: Any = CONVERTER) -> Any:
    """``_http.decode`` of a 200 answer with ``body``."""
    response = _http.Response(status=200, headers={}, body=body, url=URL)
    return _http.decode(converter, "GET", response, cls)


def outcome(body: bytes, cls: Any, converter: Any = CONVERTER) -> Any:
    """The decoded object, or DecodeError; any other exception propagates."""
    try:
        return decode(body, cls, converter)
    except DecodeError as error:
        refused = error
    assert 200 == refused.status_code
    assert body[:2000] == refused.body
    return DecodeError


def check_instance(value: Any, cls: Any) -> None:
    """``value`` is an instance of ``cls`` (for a page, its items too)."""
    origin = getattr(cls, "__origin__", cls)
    assert isinstance(value, origin)
    if origin is Page:
        (item,) = cls.__args__
        kind = getattr(item, "__origin__", item)
        assert all(isinstance(entry, kind) for entry in value.data)


def check_decodes_or_refuses(body: bytes, cls: Any) -> bool:
    """The contract: an instance of ``cls``, or DecodeError and nothing else.

    Returns:
        Whether the body decoded.
    """
    result = outcome(body, cls)
    if result is DecodeError:
        return False
    check_instance(result, cls)
    return True


def tame(value: Any) -> bool:
    """True when orjson and json read ``value`` alike and it equals itself."""
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(map(tame, value))
    if isinstance(value, dict):
        return all(map(tame, value.values()))
    return True


def test_every_class_the_services_decode_is_covered() -> None:
    """The properties below run over exactly the classes the services decode.

    :func:`services_decode` reads them from the services' source, and fails
    on a decoding call it cannot read.
    """
    assert RESPONSES == services_decode()


@pytest.mark.parametrize("cls", CLASSES, ids=list(RESPONSES))
def test_shaped_bodies_decode_or_raise_decode_error(cls: Any) -> None:
    """An object shaped like ``cls``, however odd its fields, decodes or is refused.

    Both outcomes must occur among the examples, so the property has teeth.
    """
    outcomes: set[bool] = set()

    @settings(max_examples=120, deadline=None, suppress_health_check=SLOW)
    @given(obj=shaped(cls))
    def decodes_or_refuses(obj: dict[str, Any]) -> None:
        outcomes.add(check_decodes_or_refuses(json.dumps(obj).encode(), cls))

    decodes_or_refuses()
    assert {True, False} == outcomes


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW)
@given(
    cls=st.sampled_from(CLASSES),
    body=st.one_of(
        wild_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
    ),
)
def test_any_json_or_garbage_decodes_or_raises_decode_error(
    cls: Any, body: bytes
) -> None:
    """Any JSON value, any bytes, any text: an instance of the class or DecodeError."""
    check_decodes_or_refuses(body, cls)


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(
    cls=st.sampled_from(CLASSES),
    data=st.data(),
    depth=st.one_of(st.integers(1, 1100), st.integers(1, 100_000)),
    orjson=st.booleans(),
)
def test_deep_nesting_decodes_or_raises_decode_error(
    cls: Any, data: Any, depth: int, orjson: bool
) -> None:
    """Arrays nested up to 100,000 deep in any field, orjson or json: the contract."""
    obj = data.draw(shaped(cls), label="body")
    key = data.draw(st.sampled_from([*obj, "data", "status"]), label="key")
    body = deeply_nested(obj, key, depth)
    with mock.patch.object(
        _serde, "_fast_loads", _serde._fast_loads if orjson else None
    ):
        check_decodes_or_refuses(body, cls)


@pytest.mark.parametrize("cls", CLASSES, ids=list(RESPONSES))
@settings(max_examples=80, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_every_path_reads_a_body_alike(cls: Any, data: Any) -> None:
    """orjson or json, detailed validation or not: one same object, or DecodeError."""
    obj = data.draw(shaped(cls), label="body")
    assume(tame(obj))
    body = json.dumps(obj).encode()
    assert _serde._fast_loads is not None, "orjson is a dev dependency"
    fast = outcome(body, cls)
    with mock.patch.object(_serde, "_fast_loads", None):
        standard = outcome(body, cls)
    terse = outcome(body, cls, TERSE)
    assert fast == standard
    assert fast == terse


@pytest.mark.parametrize("cls", CALLBACKS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_shaped_callbacks_parse_or_raise_webhook_error(cls: Any, data: Any) -> None:
    """A callback shaped like ``cls``, as bytes or as a dict: an event or WebhookError.

    Both forms agree, and the event keeps the very dict it was given as ``raw``.
    """
    shape = hooks.Video if cls is hooks.VideoCallback else cls  # the body is a video
    obj = data.draw(shaped(shape), label="callback")
    body = json.dumps(obj).encode()
    try:
        event = parse_callback(obj)
    except WebhookError:
        with pytest.raises(WebhookError):
            parse_callback(body)
        return
    assert isinstance(event, get_args(hooks.CallbackEvent))
    assert event.raw is obj
    assert type(event) is type(parse_callback(body))


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(
    status=st.integers(400, 599),
    body=st.one_of(
        wild_values.map(lambda value: json.dumps(value).encode()),
        st.builds(
            deeply_nested,
            st.just({}),
            st.sampled_from(["error", "message"]),
            st.integers(1, 100_000),
        ),
        st.binary(max_size=200),
    ),
)
def test_any_error_body_gives_the_status_error(status: int, body: bytes) -> None:
    """A non-2xx answer with any body maps to an APIStatusError carrying its status."""
    response = _http.Response(status=status, headers={}, body=body, url=URL)
    error = _status.error_from_response("GET", response)
    assert isinstance(error, APIStatusError)
    assert status == error.status_code
    assert error.message
