"""A caller's converter: every setting and hook of it applies to our types.

``make_converter(converter)`` adds the wire rules to a converter the caller
made. Its settings (``forbid_extra_keys``, ``use_alias``,
``prefer_attrib_converters``, ``detailed_validation``) and the hooks registered
on it afterwards hold for every class it reads, as they do in plain cattrs.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from cattrs.preconf.json import make_converter as make_json_converter

from tavus_async import (
    CreateConversationRequest,
    Replica,
    ReplicaPage,
    make_converter,
    types,
)
from tavus_async._serde import loads
from tavus_async.types import webhooks
from tests.test_serde import SPEC_REPLICA


CONVERTER = make_converter()


def caller(**settings: Any) -> Any:
    """A caller's own JSON converter with ``settings``, configured by us."""
    return make_converter(make_json_converter(**settings))


def body(data: Any) -> bytes:
    return json.dumps(data).encode()


@attrs.frozen(kw_only=True)
class Aliased:
    """A caller's class whose keys differ from its field names under use_alias."""

    _secret: str | None = None
    nick: str | None = attrs.field(default=None, alias="nickname")
    level: int = attrs.field(default=3, alias="lvl")
    name: str


def test_forbid_extra_keys_refuses_an_unknown_key() -> None:
    """A caller who forbids extra keys gets an error for a key Replica lacks."""
    converter = caller(forbid_extra_keys=True)

    with pytest.raises(
        ValueError, match=re.escape("extra fields found (brand_new) @ $")
    ):
        loads(converter, body({**SPEC_REPLICA, "brand_new": 1}), Replica)


def test_forbid_extra_keys_names_the_list_item() -> None:
    """In a page, the error names the item that carries the unknown key."""
    items = [{"replica_id": f"r{n}", "status": "started"} for n in range(5)]
    items[3]["brand_new"] = True

    with pytest.raises(ValueError, match=re.escape("(brand_new) @ $.data[3]")):
        loads(
            caller(forbid_extra_keys=True),
            body({"data": items, "total_count": 5}),
            ReplicaPage,
        )


@pytest.mark.parametrize(
    "data",
    [
        SPEC_REPLICA,
        {"face_id": "r1", "face_name": "Rio", "face_type": "user", "status": "ready"},
        {"replica_id": "r1", "face_id": "r9", "status": "started"},
    ],
    ids=["spec", "face-names", "both-names"],
)
def test_forbid_extra_keys_accepts_every_documented_name(data: dict[str, Any]) -> None:
    """The Face names are part of the wire format, not unknown keys."""
    expected = loads(make_converter(), body(data), Replica)

    assert expected == loads(caller(forbid_extra_keys=True), body(data), Replica)


def test_a_users_str_hook_reaches_every_str_field() -> None:
    """Required, optional and nested ``str`` fields all go through the caller's hook."""
    converter = make_converter()
    page = {"data": [SPEC_REPLICA], "total_count": 1}
    loads(converter, body(page), ReplicaPage)
    converter.register_structure_hook(str, lambda value, _: f"<{value}>")

    replica = loads(converter, body(page), ReplicaPage).data[0]

    assert (
        "<r90bbd427f71>",
        "<My Replica>",
        "<string>",
        "<string>",
        "<phoenix-3>",
    ) == (
        replica.replica_id,
        replica.replica_name,
        replica.thumbnail_video_url,
        replica.error_message,
        replica.model_name,
    )


def test_a_users_datetime_hook_reaches_every_datetime_field() -> None:
    """``datetime | None`` fields use the caller's datetime hook, not ours."""
    converter = make_converter()
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    converter.register_structure_hook(datetime, lambda value, _: epoch)

    replica = loads(converter, body(SPEC_REPLICA), Replica)

    assert (epoch, epoch) == (replica.created_at, replica.updated_at)


def register_class(converter: Any, hook: Any) -> None:
    converter.register_structure_hook(str | None, hook)


def register_predicate(converter: Any, hook: Any) -> None:
    converter.register_structure_hook_func(lambda cls: cls == str | None, hook)


@pytest.mark.parametrize("register", [register_class, register_predicate])
def test_a_hook_for_an_optional_type_wins(register: Any) -> None:
    """A hook the caller registers for ``str | None`` itself reads those fields."""
    converter = make_converter()
    register(converter, lambda value, _: "optional")

    replica = loads(converter, body(SPEC_REPLICA), Replica)

    assert ("r90bbd427f71", "optional", "optional") == (
        replica.replica_id,
        replica.replica_name,
        replica.model_name,
    )


def test_a_callers_hook_for_an_optional_type_is_kept() -> None:
    """Registered for ``str | None`` before ``make_converter``, it is not replaced."""
    converter = make_json_converter()
    converter.register_structure_hook(str | None, lambda value, _: "optional")

    replica = loads(make_converter(converter), body(SPEC_REPLICA), Replica)

    assert ("r90bbd427f71", "optional") == (replica.replica_id, replica.model_name)


def test_prefer_attrib_converters_hands_the_value_to_the_field_converter() -> None:
    """With the setting, a field's attrs converter gets the JSON value as it came."""
    data = {"replica_id": "r1", "document_ids": ["d1", 2]}

    request = caller(prefer_attrib_converters=True).structure(
        data, CreateConversationRequest
    )

    assert ("d1", 2) == request.document_ids


def test_use_alias_reads_each_field_under_its_alias() -> None:
    """With the setting, keys are the attrs aliases, for every rule of ours too.

    A null for a field with a default still gives the default.
    """
    data = {"secret": "s", "nickname": "n", "lvl": None, "name": "a"}

    aliased = caller(use_alias=True).structure(data, Aliased)

    assert Aliased(secret="s", nickname="n", lvl=3, name="a") == aliased


def test_without_detailed_validation_a_bad_body_is_still_a_value_error() -> None:
    """A caller's terse converter reports bad bodies too (without cattrs' path)."""
    with pytest.raises(ValueError, match="does not fit Replica"):
        loads(caller(detailed_validation=False), body({"replica_id": "r1"}), Replica)


def test_a_bad_item_deep_in_a_page_is_named_by_its_path() -> None:
    """The error of a read that failed fast still carries cattrs' full path."""
    items = [{"replica_id": f"r{n}", "status": "started"} for n in range(5)]
    items[3]["status"] = {"value": "started"}

    with pytest.raises(ValueError, match=re.escape("$.data[3].status")):
        loads(make_converter(), body({"data": items, "total_count": 5}), ReplicaPage)


STRINGS = [
    "",
    "r90bbd427f71",
    "completed",
    "user'",
    " Training ",
    "37/100",
    "100",
    "2024-01-24T07:14:03.327Z",
    "2024-01-24 07:14:03",
    "not a date",
    "https://example.com/x.mp4",
    "é ✓",
]
NESTED_UNKNOWN = {"a": 1}
"""An object with a key none of our classes has."""
VALUES: list[Any] = [
    *STRINGS,
    *[None, True, False, 0, 1, -3, 2.5, 1e20, 1_700_000_000],
    *[[], ["a"], {}, NESTED_UNKNOWN],
]
FAILED = object()
READ_OFTEN = {"Replica", "CreatedReplica", "Conversation", "VoiceTag"}
"""Classes whose random samples must often be read, so the comparison has teeth."""


def our_classes() -> list[type]:
    """Every non-generic attrs class of ours that is read from an object.

    TrainingProgress is read from its text (``"37/100"``) by a hook of its own.
    """
    found = {
        cls
        for module in (types, webhooks)
        for cls in vars(module).values()
        if isinstance(cls, type)
        and attrs.has(cls)
        and not getattr(cls, "__parameters__", ())
        and cls is not types.TrainingProgress
    }
    return sorted(found, key=lambda cls: cls.__name__)


def sample(cls: type, rng: random.Random) -> dict[str, Any]:
    """Some of ``cls``'s keys with random JSON values; at times an unknown key."""
    data: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name != "raw" and rng.random() < 0.8:
            data[field.name] = rng.choice(STRINGS if rng.random() < 0.6 else VALUES)
    if rng.random() < 0.3:
        data["unknown_field"] = rng.choice(VALUES)
    return data


def outcome(converter: Any, data: dict[str, Any], cls: type) -> Any:
    try:
        return converter.structure(data, cls)
    except Exception:  # noqa: BLE001 - only whether it failed is compared
        return FAILED


def samples(cls: type, seed: str) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed} {cls.__name__}")
    return [sample(cls, rng) for _ in range(1000)]


def check_teeth(cls: type, read: int) -> None:
    if cls.__name__ in READ_OFTEN:
        assert read > 30, "too few samples read; the test would prove little"


@pytest.mark.parametrize("cls", our_classes(), ids=lambda cls: cls.__name__)
def test_forbid_extra_keys_refuses_unknown_keys_and_nothing_else(cls: type) -> None:
    """Forbidding, an object reads as by default, or fails for an unknown key."""
    forbidding = caller(forbid_extra_keys=True)
    read = 0
    for data in samples(cls, "forbid"):
        got = outcome(forbidding, data, cls)
        if "unknown_field" in data:
            assert FAILED is got, data
        elif NESTED_UNKNOWN not in data.values():  # refused where a class reads it
            expected = outcome(CONVERTER, data, cls)
            read += expected is not FAILED

            assert expected == got, data
    check_teeth(cls, read)


@pytest.mark.parametrize("cls", our_classes(), ids=lambda cls: cls.__name__)
def test_detailed_validation_changes_only_the_error(cls: type) -> None:
    """With detailed validation or without it: one same object, or an error."""
    terse = caller(detailed_validation=False)
    read = 0
    for data in samples(cls, "terse"):
        expected = outcome(CONVERTER, data, cls)
        read += expected is not FAILED

        assert expected == outcome(terse, data, cls), data
    check_teeth(cls, read)
