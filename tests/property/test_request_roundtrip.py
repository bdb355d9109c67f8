"""Every valid request survives the converter, and invalid values name their field.

For any valid request hypothesis builds (of every public request type, and
every settings object one holds: properties, persona layers, objectives,
guardrails, pronunciation rules), unstructuring then structuring gives an
equal object, and so does the wire trip: ``_serde.dumps`` to JSON bytes,
``json.loads``, structure.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tavus_async
from tavus_async import _serde
from tavus_async.errors import ValidationError
from tavus_async.types import (
    ConversationProperties,
    CreateConversationRequest,
    CreateReplicaRequest,
    RecordingStorage,
)
from tests.property.request_strategies import REQUESTS
from tests.property.strategies import texts, urls


CONVERTER = _serde.make_converter()
SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_every_public_request_type_has_a_strategy() -> None:
    """A request type added to the public API must be added to the properties."""
    public = {name for name in tavus_async.__all__ if name.endswith("Request")}
    assert {"CreateReplicaRequest", "CreateConversationRequest"} <= public
    assert public <= {cls.__name__ for cls in REQUESTS}


def _inside(cls: type) -> set[type]:
    """The attrs classes a field of ``cls`` may hold, at any depth."""
    found: set[type] = set()
    for field in attrs.fields(attrs.resolve_types(cls)):
        for kind in (field.type, *_args(field.type)):
            if attrs.has(kind) and kind not in found:
                found |= {kind, *_inside(kind)}
    return found


def _args(tp: Any) -> set[Any]:
    args = set(typing.get_args(tp))
    return args.union(*map(_args, args)) if args else args


def test_every_settings_object_inside_a_request_has_a_strategy() -> None:
    """A class a request holds (layers, properties, items) is a property too."""
    inside = set().union(*map(_inside, REQUESTS))
    assert {"PersonaLayers", "LLMLayer", "Objective"} <= {c.__name__ for c in inside}
    assert inside <= set(REQUESTS)


@pytest.mark.parametrize("cls", REQUESTS, ids=lambda cls: cls.__name__)
@SETTINGS
@given(data=st.data())
def test_request_round_trips(cls: type, data: Any) -> None:
    """A request survives the converter, and the body we send is the request.

    unstructure then structure gives back an equal request, and so does the
    body, read back with json.loads and structured; it holds no null.
    """
    request = data.draw(REQUESTS[cls], label="request")
    body = _serde.dumps(CONVERTER, request)
    sent = json.loads(body)

    assert request == CONVERTER.structure(CONVERTER.unstructure(request), cls)
    assert request == CONVERTER.structure(sent, cls)
    assert None not in sent.values(), "a field left as None is not sent"


def _no_scheme_separator(text: str) -> bool:
    """No ``://`` even after urlsplit drops tabs and newlines: never an absolute URL."""
    return "://" not in text.replace("\t", "").replace("\r", "").replace("\n", "")


not_urls = st.one_of(
    st.text(max_size=40).filter(_no_scheme_separator),
    st.builds(
        "{}://{}".format,
        st.sampled_from(["ftp", "file", "ws", "javascript", ""]),
        st.text(max_size=20),
    ),
    st.sampled_from(["http://", "https://", "http:///path", "https://?q"]),
)
"""Values that are never an absolute http(s) URL."""
blank = st.text(alphabet=" \t\r\n\u3000", max_size=5)
"""Empty or whitespace-only text."""


def fields(name: str, value: object) -> dict[str, Any]:
    """Keyword arguments setting one field, chosen by the test."""
    return {name: value}


def check_names(field: str, build: Any) -> None:
    """``build()`` raises ValidationError listing ``field`` among its problems."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert field in {name for name, _ in caught.value.problems}
    assert field in str(caught.value)


@SETTINGS
@given(url=not_urls, which=st.sampled_from(["callback_url", "consent_video_url"]))
def test_a_replica_url_that_is_not_http_names_its_field(url: str, which: str) -> None:
    """Any value that is not an absolute http(s) URL is refused, naming the field."""
    check_names(
        which,
        lambda: CreateReplicaRequest(
            train_video_url="https://a.example/v.mp4", **fields(which, url)
        ),
    )


@SETTINGS
@given(url=not_urls)
def test_a_training_url_that_is_not_http_names_its_field(url: str) -> None:
    """train_video_url is checked like the others."""
    check_names("train_video_url", lambda: CreateReplicaRequest(train_video_url=url))


@SETTINGS
@given(name=blank, which=st.sampled_from(["replica_name", "model_name", "voice_name"]))
def test_blank_replica_text_names_its_field(name: str, which: str) -> None:
    """An empty or blank name is refused (leave it out instead), naming the field."""
    check_names(
        which,
        lambda: CreateReplicaRequest(
            train_video_url="https://a.example/v.mp4", **fields(which, name)
        ),
    )


@SETTINGS
@given(count=st.integers(max_value=1), url=urls)
def test_max_participants_below_two_names_its_field(count: int, url: str) -> None:
    """A room for fewer than two is refused, whatever else is valid."""
    check_names(
        "max_participants",
        lambda: CreateConversationRequest(
            replica_id="r1", callback_url=url, max_participants=count
        ),
    )


@SETTINGS
@given(
    seconds=st.integers(max_value=-1),
    which=st.sampled_from(
        ["max_call_duration", "participant_left_timeout", "participant_absent_timeout"]
    ),
)
def test_negative_durations_name_their_field(seconds: int, which: str) -> None:
    """A negative duration is refused as ``properties.<name>``."""
    check_names(
        f"properties.{which}", lambda: ConversationProperties(**fields(which, seconds))
    )


@SETTINGS
@given(provider=texts.filter(lambda text: text not in ("s3", "gcs", "azure_blob")))
def test_an_unknown_storage_provider_names_its_field(provider: str) -> None:
    """Only s3, gcs and azure_blob are storage providers."""
    check_names("provider", lambda: RecordingStorage(provider=provider))
