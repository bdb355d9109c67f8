"""The converter's rules for single values: strings, booleans, timestamps, enums."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory

from tavus_async.types import OpenStrEnum, TrainingProgress
from tavus_async.types.webhooks import ShutdownReason


_log = logging.getLogger("tavus_async")

_REACHED = " reached"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


def structure_datetime(value: Any, _: type) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            _log.debug("out-of-range timestamp %r taken as None", value)
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:  # Generate Video answers an HTTP date: "Mon, 14 Jul 2025 09:14:24 GMT"
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            _log.debug("unreadable timestamp %r taken as None", value)
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {json_type(value)}")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def structure_reason(value: Any, _: type) -> ShutdownReason:
    text = structure_str(value, str).strip()
    if text.lower().endswith(_REACHED):
        text = text[: -len(_REACHED)].rstrip()
    return ShutdownReason(text)


def is_array(cls: Any) -> bool:
    args = getattr(cls, "__args__", ())
    return getattr(cls, "__origin__", None) is tuple and args[1:] == (Ellipsis,)


def structure_array_factory(
    cls: Any, converter: cattrs.Converter
) -> Callable[[Any, Any], Any]:
    base = homogenous_tuple_structure_factory(cls, converter)

    def structure(value: Any, target: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected an array, got {json_type(value)}")
        return base(value, target)

    return structure


def structure_progress(value: Any, _: type) -> TrainingProgress | None:
    if value is None:
        return None
    text = str(value)
    return _progress(text) if len(text) <= _PROGRESS_CACHED else _parse_progress(text)


_PROGRESS_CACHED = 32
_parse_progress = TrainingProgress.parse
_progress = functools.lru_cache(maxsize=1024)(_parse_progress)
"""Parses of short progress texts, shared: a few hundred values cover every replica."""


def structure_open_enum(value: Any, cls: type[OpenStrEnum]) -> OpenStrEnum:
    if type(value) is str and (member := cls._value2member_map_.get(value)):
        return member  # type: ignore[return-value]
    return cls(structure_str(value, str))


def is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, UnionType) and len(args) == 2 and NoneType in args


def structure_optional_factory(
    cls: Any, converter: cattrs.Converter
) -> Callable[[Any, Any], Any]:
    """``X | None`` with X's hook looked up once, not at every value.

    A hook registered for ``X | None`` itself wins: cattrs keeps those in a
    registry of its own, which no public method reads.
    """
    unions: dict[Any, Callable[[Any, Any], Any]]
    unions = getattr(converter, "_union_struct_registry", {})
    registered = unions.get(cls)
    if registered is not None:
        return registered
    (inner,) = (arg for arg in cls.__args__ if arg is not NoneType)
    hook = converter.get_structure_hook(inner)
    if hook in (structure_datetime, structure_progress):  # they read null as None
        return hook
    if hook is structure_str:  # a user's own str hook is called for every value

        def structure_text(value: Any, _: Any) -> Any:
            return value if value is None or type(value) is str else hook(value, inner)

        return structure_text
    if hook is structure_open_enum:
        members = inner._value2member_map_

        def structure_enum(value: Any, _: Any) -> Any:
            if type(value) is str and (member := members.get(value)) is not None:
                return member
            return None if value is None else hook(value, inner)

        return structure_enum

    def structure(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure


def unstructure_enum(value: OpenStrEnum) -> str:
    return value._value_
