"""The one cattrs converter: every JSON rule of the Tavus wire format lives here.

- Fields left as None (or at their default) are omitted when unstructuring, so
  a request sends only what the caller set.
- Unknown response keys are ignored; a null sent for a field that has a
  non-null default falls back to that default.
- ISO-8601 timestamps (``Z``, offsets, microseconds, a space separator) become
  timezone-aware datetimes; one without a zone is taken as UTC; unreadable
  ones become None rather than failing the whole response.
- ``training_progress`` ``"37/100"`` becomes a :class:`TrainingProgress`.
- Booleans sent as strings (``"false"``, as in the spec's ``audio_only``) parse.
- Open enums accept any string (see :class:`OpenStrEnum`).
- The Face/PAL names (``face_id``, ``face_name``, ``face_type``, ``pal_id``)
  fill the legacy replica/persona fields when those are absent.
- A string field takes a string (a number is written out); an object, array
  or boolean where a string belongs is an error, never its Python repr. A
  tuple field takes a JSON array only, a class a JSON object only.
- Each attrs class is read by cattrs' own function, generated once per class
  from the converter: its settings (``forbid_extra_keys``, ``use_alias``,
  ``prefer_attrib_converters``, ``detailed_validation``) and the hooks
  registered on it later (for ``X | None`` too) apply to our types as well.
- Callbacks (:data:`~tavus_async.types.webhooks.CallbackEvent`) pick their
  class by ``event_type`` (a conversation event) or by ``replica_id`` (a
  training callback); unknown event types become the generic
  :class:`~tavus_async.types.webhooks.ConversationCallback`. Each keeps the
  object as received in ``raw``. A training callback's ``ready`` reads as
  ``completed``; a shutdown reason under ``reason`` fills ``shutdown_reason``
  and loses Tavus's " reached" suffix.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import JsonConverter
from cattrs.preconf.json import make_converter as _make_json_converter

from tavus_async.errors import WebhookError
from tavus_async.types import (
    Conversation,
    CreatedReplica,
    OpenStrEnum,
    Replica,
    ReplicaStatus,
    TrainingProgress,
    Voice,
)
from tavus_async.types.webhooks import (
    CallbackEvent,
    ConversationCallback,
    ConversationShutdown,
    JoinedProperties,
    PerceptionAnalysis,
    RecordingCopyFailed,
    RecordingReady,
    ReplicaJoined,
    ReplicaTrainingCallback,
    ShutdownProperties,
    ShutdownReason,
    TranscriptionReady,
)


__all__ = ["dumps", "loads", "make_converter", "parse_json"]

_fast_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - dev installs orjson; a subprocess test
    _fast_loads = None

T = TypeVar("T")

_log = logging.getLogger("tavus_async")

_FACE = {"face_id": "replica_id"}
_ALIASES: dict[type, dict[str, str]] = {
    Replica: {**_FACE, "face_name": "replica_name", "face_type": "replica_type"},
    CreatedReplica: _FACE,
    Voice: _FACE,
    Conversation: {**_FACE, "pal_id": "persona_id"},
    ReplicaTrainingCallback: _FACE,
    JoinedProperties: _FACE,
    ShutdownProperties: {"reason": "shutdown_reason"},
}
_EVENTS: dict[str, type[ConversationCallback]] = {
    event_type: cls
    for cls in (
        ReplicaJoined,
        ConversationShutdown,
        TranscriptionReady,
        RecordingReady,
        RecordingCopyFailed,
        PerceptionAnalysis,
    )
    for event_type in cls.EVENT_TYPES
}
_REACHED = " reached"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


def make_converter(converter: JsonConverter | None = None) -> JsonConverter:
    """Return a converter that reads and writes the Tavus wire format.

    Args:
        converter: A converter to configure (for example one with hooks of
            your own for your types); a new one is made when None. Its
            settings hold for our types too (``forbid_extra_keys=True``
            refuses keys Tavus adds later; the Face/PAL names are not
            unknown). Our hooks (``str``, ``bool``, ``datetime``, enums,
            ``X | None``, attrs classes) replace its own for those types,
            but for a hook registered for one ``X | None`` type, which is
            kept; a hook registered after this call with
            ``register_structure_hook`` wins over ours.

    Returns:
        The configured converter. Pass it to ``TavusClient(converter=...)``
        or use it to turn our types into JSON (``converter.dumps(replica)``).
    """
    conv = converter if converter is not None else _make_json_converter()
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(TrainingProgress, _structure_progress)
    conv.register_unstructure_hook(TrainingProgress, str)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(OpenStrEnum, _structure_open_enum)
    conv.register_structure_hook(ShutdownReason, _structure_reason)
    conv.register_unstructure_hook(OpenStrEnum, _unstructure_enum)
    conv.register_structure_hook_factory(attrs.has, _structure_factory)
    conv.register_structure_hook_factory(_is_array, _structure_array_factory)
    conv.register_structure_hook_factory(_is_optional, _structure_optional_factory)
    conv.register_structure_hook_func(
        lambda cls: cls == CallbackEvent, lambda data, _: _structure_event(conv, data)
    )
    conv.register_unstructure_hook_factory(attrs.has, _unstructure_factory)
    return conv


@functools.cache
def default_converter() -> JsonConverter:
    """The library's converter, made once: clients without ``converter=``,
    ``to_dict()``, callbacks. Register hooks on one of your own instead."""
    return make_converter()


def loads(converter: JsonConverter, body: bytes, cls: type[T]) -> T:
    """Parse a JSON body into ``cls``.

    Raises:
        ValueError: The body is not JSON (or nests too deeply to read), or
            does not fit ``cls``; the message says where (cattrs' path, such
            as ``$.data[3].status``).
    """
    try:
        data = parse_json(body)
    except ValueError as exc:
        raise ValueError(f"the body is not JSON ({exc})") from exc
    except RecursionError:
        raise ValueError("the body nests too deeply to read") from None
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        details = "; ".join(cattrs.transform_error(exc)) or repr(exc)
        raise ValueError(f"the JSON does not fit {_name(cls)}: {details}") from exc


def parse_json(body: bytes) -> Any:
    """``json.loads(body)``, done by orjson when it is installed.

    orjson (the ``orjson`` extra) reads a body several times faster. What it
    refuses and ``json`` accepts (UTF-16, NaN, a lone surrogate) is read by
    ``json``, so the result is the same, but for one case: orjson reads an
    integer past 64 bits as a float, where ``json`` keeps it exact (Tavus
    sends none).

    Raises:
        ValueError: The body is not JSON.
    """
    if _fast_loads is not None:
        with contextlib.suppress(ValueError):
            return _fast_loads(body)
    return json.loads(body)


def dumps(converter: JsonConverter, obj: object) -> bytes:
    """Serialize one of our types (a request body, a model) to compact JSON."""
    return json.dumps(converter.unstructure(obj), separators=(",", ":")).encode()


def _name(cls: object) -> str:
    return getattr(cls, "__name__", None) or repr(cls)


def _structure_datetime(value: Any, _: type) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            _log.debug("out-of-range timestamp %r taken as None", value)
            return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        _log.debug("unreadable timestamp %r taken as None", value)
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {_json_type(value)}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def _structure_reason(value: Any, _: type) -> ShutdownReason:
    text = _structure_str(value, str).strip()
    if text.lower().endswith(_REACHED):
        text = text[: -len(_REACHED)].rstrip()
    return ShutdownReason(text)


def _is_array(cls: Any) -> bool:
    args = getattr(cls, "__args__", ())
    return getattr(cls, "__origin__", None) is tuple and args[1:] == (Ellipsis,)


def _structure_array_factory(
    cls: Any, converter: cattrs.Converter
) -> Callable[[Any, Any], Any]:
    base = homogenous_tuple_structure_factory(cls, converter)

    def structure(value: Any, target: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected an array, got {_json_type(value)}")
        return base(value, target)

    return structure


def _structure_event(converter: cattrs.Converter, data: Any) -> CallbackEvent:
    if not isinstance(data, Mapping):
        raise WebhookError(f"a callback must be a JSON object, got {_json_type(data)}")
    cls: type[CallbackEvent]
    if "event_type" in data or "conversation_id" in data:
        event_type = data.get("event_type")
        try:
            name = None if event_type is None else _structure_str(event_type, str)
        except ValueError as exc:
            raise WebhookError(str(exc), field="event_type") from None
        cls = _EVENTS.get(name or "", ConversationCallback)
        properties = data.get("properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise WebhookError(
                f"expected an object, got {_json_type(properties)}", field="properties"
            )
    elif "replica_id" in data or "face_id" in data:
        cls = ReplicaTrainingCallback
    else:
        raise WebhookError(
            "not a Tavus callback: expected replica_id and status (a replica "
            "training callback) or conversation_id and event_type (a "
            "conversation callback)"
        )
    return converter.structure(data, cls)


def _structure_progress(value: Any, _: type) -> TrainingProgress | None:
    if value is None:
        return None
    text = str(value)
    return _progress(text) if len(text) <= _PROGRESS_CACHED else _parse_progress(text)


_PROGRESS_CACHED = 32
_parse_progress = TrainingProgress.parse
_progress = functools.lru_cache(maxsize=1024)(_parse_progress)
"""Parses of short progress texts, shared: a few hundred values cover every replica."""


def _structure_open_enum(value: Any, cls: type[OpenStrEnum]) -> OpenStrEnum:
    if type(value) is str and (member := cls._value2member_map_.get(value)):
        return member  # type: ignore[return-value]
    return cls(_structure_str(value, str))


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, UnionType) and len(args) == 2 and NoneType in args


def _structure_optional_factory(
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
    if hook in (_structure_datetime, _structure_progress):  # they read null as None
        return hook
    if hook is _structure_str:  # a user's own str hook is called for every value

        def structure_str(value: Any, _: Any) -> Any:
            return value if value is None or type(value) is str else hook(value, inner)

        return structure_str
    if hook is _structure_open_enum:
        members = inner._value2member_map_

        def structure_enum(value: Any, _: Any) -> Any:
            if type(value) is str and (member := members.get(value)) is not None:
                return member
            return None if value is None else hook(value, inner)

        return structure_enum

    def structure(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure


def _unstructure_enum(value: OpenStrEnum) -> str:
    return value._value_


def _structure_factory(
    cls: Any, converter: cattrs.Converter
) -> Callable[[Any, Any], Any]:
    """cattrs' function for ``cls``, built from ``converter`` with its settings."""
    origin = getattr(cls, "__origin__", cls)
    keeps_raw = "raw" in attrs.fields_dict(origin)
    overrides = {"raw": override(omit=True)} if keeps_raw else {}
    base = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
    overridden = base.overrides.items()  # type: ignore[attr-defined]
    keys = {name: o.rename for name, o in overridden if o.rename}  # use_alias, renames
    aliases = _ALIASES.get(origin, {})
    defaults = frozenset(keys.get(name, name) for name in _null_defaults(origin))
    touched = defaults.union(aliases)

    def structure(data: Any, target: Any) -> Any:
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {_json_type(data)}")
        fixed = (
            data if touched.isdisjoint(data) else _normalize(data, aliases, defaults)
        )
        result = base(fixed, target)
        return _received(result, data) if keeps_raw else result

    return structure


def _received(event: Any, data: Mapping[str, Any]) -> Any:
    """Attach the object as received; a training callback's ``ready`` is completed."""
    changes: dict[str, Any] = {"raw": data}
    if isinstance(event, ReplicaTrainingCallback) and event.status.is_success:
        changes["status"] = ReplicaStatus.COMPLETED
    return attrs.evolve(event, **changes)


def _unstructure_factory(cls: Any, converter: cattrs.Converter) -> Callable[..., Any]:
    """cattrs' function for ``cls``; a callback's ``raw`` is ours, not Tavus's."""
    origin = getattr(cls, "__origin__", cls)
    overrides = (
        {"raw": override(omit=True)} if "raw" in attrs.fields_dict(origin) else {}
    )
    return make_dict_unstructure_fn(
        cls,
        converter,
        _cattrs_omit_if_default=True,
        **overrides,  # type: ignore[arg-type]
    )


def _null_defaults(cls: type) -> frozenset[str]:
    """Fields with a default that a null from the server should not override."""
    names = set()
    for field in attrs.fields(cls):
        if field.default is not attrs.NOTHING and field.default is not None:
            names.add(field.name)
    return frozenset(names)


def _normalize(
    data: Mapping[str, Any], aliases: Mapping[str, str], defaults: frozenset[str]
) -> Mapping[str, Any]:
    """Without aliases (filling an absent or null field) or nulls for ``defaults``."""
    fixed = dict(data)
    for alias, name in aliases.items():
        if alias in fixed:
            value = fixed.pop(alias)
            if fixed.get(name) is None:
                fixed[name] = value
    for name in defaults:
        if name in fixed and fixed[name] is None:
            del fixed[name]
    return fixed
