"""Shared hypothesis strategies: JSON values, Tavus-shaped objects, request parts.

``shaped(cls)`` builds objects the way a server might send ``cls``: each field
present or not, usually with a value of its own kind (an id, a status, a
timestamp, ``"37/100"``, a nested object), sometimes with any JSON value at all,
plus keys this version does not know and the Face/PAL aliases. The strategies
for valid requests are in :mod:`tests.property.request_strategies`.

Nothing here registers a profile: each test sets its own ``@settings``.
"""

from __future__ import annotations

import enum
import functools
import json
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from tavus_async import _serde
from tavus_async.types import TrainingProgress


T = typing.TypeVar("T")
Strategy = st.SearchStrategy

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
"""Integers orjson and json read alike (orjson reads wider ones as floats)."""

json_scalars: Strategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    INT64,
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
"""JSON scalars both decoders read to the same value (no NaN: NaN != NaN)."""


def json_values(scalars: Strategy[Any] = json_scalars) -> Strategy[Any]:
    """Nested JSON arrays and objects over ``scalars``."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=8), children, max_size=4),
        ),
        max_leaves=12,
    )


long_strings: Strategy[str] = st.builds(
    str.__mul__,
    st.sampled_from(["x", "é", "\u2028", "😀", "\\", '"']),
    st.integers(1_000, 200_000),
)
"""Very long strings, up to 200,000 characters."""

wild_scalars: Strategy[Any] = st.one_of(
    json_scalars,
    st.floats(),
    st.integers(),
    st.sampled_from([2**64, -(2**63) - 1, 10**400, 1e308, -0.0]),
)
"""Also NaN, infinities and integers of any size."""

wild_values: Strategy[Any] = st.one_of(json_values(wild_scalars), long_strings)
"""Any JSON value a server could send."""


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


_ZONES = st.one_of(
    st.none(), st.just(UTC), st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(_offset)
)

iso_timestamps: Strategy[str] = st.builds(
    lambda moment, sep, spec, zulu: _zulu(moment.isoformat(sep, spec), zulu),
    st.datetimes(timezones=_ZONES),
    st.sampled_from(["T", " "]),
    st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]),
    st.booleans(),
)
"""ISO-8601 texts: either separator, any precision, ``Z``, offsets, no zone."""


def _zulu(text: str, zulu: bool) -> str:
    return text.replace("+00:00", "Z") if zulu else text


timestamps: Strategy[Any] = st.one_of(
    iso_timestamps,
    st.sampled_from(
        [
            "",
            "not a date",
            "2024-01-24T07:14:03.327Z",
            "2024-13-45T99:99:99Z",
            "0000-00-00",
            "9999-12-31T23:59:59.999999-23:59",
            "0001-01-01T00:00:00+23:59",
            "1779475657.84",
        ]
    ),
    st.text(max_size=30),
    st.floats(),
    st.integers(),
)
"""What a server might send for a timestamp: ISO texts, epochs, garbage."""

progress_texts: Strategy[Any] = st.one_of(
    st.sampled_from(["37/100", "100/100", "0", "37%", "1/0", "-1/100", " 5 / 10 "]),
    st.builds("{}/{}".format, st.integers(0, 10**30), st.integers(0, 10**30)),
    st.builds("{}/{}".format, st.floats(0), st.floats(0)),
    st.text(max_size=12),
    st.integers(),
)
"""``training_progress``: ``"37/100"`` and what else a server might write."""

ids: Strategy[str] = st.one_of(
    st.sampled_from(["r90bbd427f71", "c123456", "pcb7a34da5fe", "", " "]),
    st.text(max_size=20),
)


def _members(cls: type[enum.Enum]) -> Strategy[Any]:
    values = [member.value for member in cls]
    return st.one_of(
        st.sampled_from(values),
        st.sampled_from(values).map(lambda value: f" {value.upper()}' "),
        st.text(max_size=12),
    )


def plausible(tp: Any) -> Strategy[Any]:
    """A JSON value of the kind a field of type ``tp`` usually receives."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([plausible(arg) for arg in args])
    if tp is type(None):
        return st.none()
    if origin is tuple:
        return st.lists(plausible(args[0]), max_size=3)
    if tp is Any or origin in (Mapping, dict) or tp is Mapping:
        return st.dictionaries(st.text(max_size=8), json_values(), max_size=3)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _members(tp)
    if tp is datetime:
        return timestamps
    if tp is TrainingProgress:
        return progress_texts
    if tp is bool:
        return st.one_of(st.booleans(), st.sampled_from(["true", "false", "no", "x"]))
    if tp is int:
        return st.one_of(st.integers(), st.sampled_from(["10", "1.5"]))
    if tp is float:
        return st.one_of(st.floats(), st.integers())
    if tp is str:
        return ids
    if attrs.has(origin or tp):
        return shaped(tp)
    raise NotImplementedError(f"no strategy for {tp!r}")


def field_value(tp: Any) -> Strategy[Any]:
    """Usually a plausible value; sometimes null, any JSON, or a very long string."""
    choices = (plausible(tp), st.none(), wild_values)
    return st.sampled_from((0, 0, 0, 0, 0, 1, 2)).flatmap(choices.__getitem__)


def _deferred(tp: Any) -> Strategy[Any]:
    """``field_value(tp)``, built on first use (classes may nest each other)."""
    return st.deferred(lambda: field_value(tp))


@functools.cache
def shaped(cls: Any) -> Strategy[dict[str, Any]]:
    """Objects shaped like ``cls`` on the wire, as a server might send them."""
    origin = typing.get_origin(cls) or cls
    attrs.resolve_types(origin)
    item = typing.get_args(cls)[0] if origin is not cls else None
    required: dict[str, Strategy[Any]] = {}
    optional: dict[str, Strategy[Any]] = {}
    for field in attrs.fields(origin):
        if field.name == "raw":
            continue
        tp = field.type
        if item is not None and typing.get_origin(tp) is tuple:
            tp = tuple[item, ...]  # type: ignore[valid-type]
        kind = _deferred(tp)
        if field.name == "event_type" and getattr(origin, "EVENT_TYPES", ()):
            kind = st.one_of(st.sampled_from(origin.EVENT_TYPES), kind)
        target = required if field.default is attrs.NOTHING else optional
        target[field.name] = kind
    for alias, name in _serde._objects.ALIASES.get(origin, {}).items():
        optional[alias] = {**optional, **required}[name]
    objects = st.one_of(
        st.fixed_dictionaries(required, optional=optional),
        st.fixed_dictionaries(required, optional=optional),
        st.fixed_dictionaries({}, optional={**required, **optional}),
    )
    extras = st.dictionaries(st.text(max_size=10), wild_values, max_size=2)
    return st.builds(lambda extra, known: {**extra, **known}, extras, objects)


def deeply_nested(obj: Mapping[str, Any], key: str, depth: int) -> bytes:
    """``obj`` as JSON with ``key`` set to arrays nested ``depth`` deep."""
    deep = "[" * depth + "]" * depth
    rest = {name: value for name, value in obj.items() if name != key}
    text = json.dumps(rest)
    head = text[:-1] + ", " if rest else "{"
    return f'{head}"{key}": {deep}}}'.encode()


# Building blocks of valid requests.

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True)
urls: Strategy[str] = st.builds(
    "{}://{}{}/{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    hosts,
    st.sampled_from(["", ":8080"]),
    st.text(max_size=30),
)
"""Absolute http(s) URLs; the path is any text."""

texts: Strategy[str] = st.text(min_size=1, max_size=40).filter(str.strip)
"""Non-empty text that is not only whitespace."""

free_objects: Strategy[dict[str, Any]] = st.dictionaries(
    st.text(max_size=8),
    json_values(
        st.one_of(
            st.none(),
            st.booleans(),
            INT64,
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=20),
        )
    ),
    max_size=3,
)
"""Free-form JSON objects (tools, headers, voice settings): finite numbers."""


def maybe(strategy: Strategy[T]) -> Strategy[T | None]:
    """``strategy`` or None (the field left out)."""
    return st.one_of(st.none(), strategy)


def open_values(cls: type[enum.Enum]) -> Strategy[Any]:
    """A member of ``cls``, usually; sometimes any text (an unlisted value)."""
    return st.one_of(st.sampled_from(cls), st.sampled_from(cls), st.text(max_size=12))
