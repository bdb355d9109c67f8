"""The generated shortcut reads every object exactly as cattrs' own function does.

For each of our attrs classes the shortcut accepts, thousands of seeded random
objects (fields present or not, values of every JSON type, strings that are
timestamps, progress, statuses) go through both; where the shortcut returns, cattrs
must return an equal value. Where it raises, the converter falls back to cattrs.
"""

from __future__ import annotations

import inspect
import random
from typing import Any

import attrs
import pytest
from cattrs.gen import make_dict_structure_fn

from tavus_async import _serde, types
from tavus_async._serde_fast import fast_structure_fn
from tavus_async.types import webhooks


CONVERTER = _serde.make_converter()
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
SCALARS: list[Any] = [None, True, False, 0, 1, -3, 2.5, 1e20, 1_700_000_000]
VALUES: list[Any] = STRINGS + SCALARS + [[], ["a"], {}, {"a": 1}]


FELL_BACK = object()
READ_OFTEN = {"Replica", "CreatedReplica", "Conversation", "VoiceTag"}
"""Classes whose random samples must often be read, so the comparison has teeth."""


def plain_classes() -> list[type]:
    """Our attrs classes that get a shortcut."""
    found = []
    for module in (types, webhooks):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if attrs.has(cls) and not getattr(cls, "__parameters__", ()):
                shortcut = fast_structure_fn(
                    attrs.resolve_types(cls),
                    CONVERTER,
                    strict_str=_serde._structure_str,
                )
                if shortcut is not None:
                    found.append(cls)
    return sorted(set(found), key=lambda cls: cls.__name__)


PLAIN = plain_classes()


def test_the_response_types_that_matter_get_a_shortcut() -> None:
    """Replica (every list item) and the other plain responses are among them."""
    names = {cls.__name__ for cls in PLAIN}
    assert names >= READ_OFTEN


def sample(cls: type, rng: random.Random) -> dict[str, Any]:
    """An object with some of ``cls``'s fields, each a random JSON value."""
    data: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if rng.random() < 0.8:
            data[field.name] = rng.choice(STRINGS if rng.random() < 0.6 else VALUES)
    if rng.random() < 0.3:
        data["unknown_field"] = rng.choice(VALUES)
    return data


@pytest.mark.parametrize("cls", PLAIN, ids=lambda cls: cls.__name__)
def test_shortcut_agrees_with_cattrs(cls: type) -> None:
    """Whatever the shortcut returns, cattrs returns too, and equal."""
    shortcut = fast_structure_fn(
        cls,
        CONVERTER,
        strict_str=_serde._structure_str,
    )
    assert shortcut is not None
    reference = make_dict_structure_fn(cls, CONVERTER)
    rng = random.Random(f"shortcut {cls.__name__}")
    returned = 0
    for _ in range(3000):
        data = sample(cls, rng)
        try:
            got = shortcut(data)
        except Exception:  # noqa: BLE001 - the converter falls back to cattrs then
            got = FELL_BACK
        if got is not FELL_BACK:
            returned += 1
            assert reference(data, cls) == got, data
    if cls.__name__ in READ_OFTEN:
        assert returned > 100, "too few samples read; the test would prove little"
