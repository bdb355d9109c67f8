"""The converter's rules for objects: our attrs classes, aliases, callbacks.

Each attrs class is read by cattrs' own function for it, generated once from
the converter; the rules here wrap it: the Face/PAL names fill the old fields
(:data:`ALIASES`), a null for a field with a default keeps the default, and a
callback keeps the object as received in ``raw``. A video callback is the
video itself on the wire: it is read as a :class:`Video` and written as one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from tavus_async._serde._values import json_type, structure_str
from tavus_async.errors import WebhookError
from tavus_async.types import (
    Conversation,
    CreatedReplica,
    Replica,
    ReplicaStatus,
    Voice,
)
from tavus_async.types.personas import CreatedPersona, Persona
from tavus_async.types.videos import Video
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
    TranscriptionReady,
    VideoCallback,
)


_FACE = {"face_id": "replica_id"}
_PAL = {"pal_id": "persona_id", "pal_name": "persona_name"}
ALIASES: dict[type, dict[str, str]] = {
    Replica: {**_FACE, "face_name": "replica_name", "face_type": "replica_type"},
    CreatedReplica: _FACE,
    Voice: _FACE,
    Conversation: {**_FACE, "pal_id": "persona_id"},
    Persona: {
        **_PAL,
        "pal_type": "persona_type",
        "default_face_id": "default_replica_id",
    },
    CreatedPersona: _PAL,
    Video: _FACE,
    ReplicaTrainingCallback: _FACE,
    JoinedProperties: _FACE,
    ShutdownProperties: {"reason": "shutdown_reason"},
}
EVENTS: dict[str, type[ConversationCallback]] = {
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
_UNREAD = {"document_id": "document", "transcription_id": "transcription"}
"""Callbacks Tavus sends without documenting their body, by their id's key."""


def structure_event(converter: cattrs.Converter, data: Any) -> CallbackEvent:
    if not isinstance(data, Mapping):
        raise WebhookError(f"a callback must be a JSON object, got {json_type(data)}")
    cls: type[CallbackEvent]
    if "event_type" in data or "conversation_id" in data:
        event_type = data.get("event_type")
        try:
            name = None if event_type is None else structure_str(event_type, str)
        except ValueError as exc:
            raise WebhookError(str(exc), field="event_type") from None
        cls = EVENTS.get(name or "", ConversationCallback)
        properties = data.get("properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise WebhookError(
                f"expected an object, got {json_type(properties)}", field="properties"
            )
    elif "video_id" in data:
        cls = VideoCallback
    elif "replica_id" in data or "face_id" in data:
        cls = ReplicaTrainingCallback
    else:
        raise WebhookError(_not_a_callback(data))
    return converter.structure(data, cls)


def _not_a_callback(data: Mapping[str, Any]) -> str:
    unread = next((kind for key, kind in _UNREAD.items() if key in data), None)
    if unread is not None:
        return (
            f"a {unread} callback (it has {unread}_id): Tavus documents no body "
            f"for these, so this version does not read them; watch the "
            f"{unread}s with client.{unread}s.watcher() instead"
        )
    return (
        "not a Tavus callback: expected video_id (a video generation callback), "
        "replica_id and status (a replica training callback) or conversation_id "
        "and event_type (a conversation callback)"
    )


def _structure_video_callback(
    converter: cattrs.Converter, data: Any, _: Any
) -> VideoCallback:
    video = converter.structure(data, Video)
    if video.status is None:
        raise WebhookError(
            "required field missing (a video callback says ready or error)",
            field="status",
        )
    return VideoCallback(video=video, raw=data)


def structure_factory(
    cls: Any, converter: cattrs.Converter
) -> Callable[[Any, Any], Any]:
    """cattrs' function for ``cls``, built from ``converter`` with its settings."""
    origin = getattr(cls, "__origin__", cls)
    if origin is VideoCallback:
        return functools.partial(_structure_video_callback, converter)
    keeps_raw = "raw" in attrs.fields_dict(origin)
    overrides = {"raw": override(omit=True)} if keeps_raw else {}
    base = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
    overridden = base.overrides.items()  # type: ignore[attr-defined]
    keys = {name: o.rename for name, o in overridden if o.rename}  # use_alias, renames
    aliases = ALIASES.get(origin, {})
    defaults = frozenset(keys.get(name, name) for name in _null_defaults(origin))
    touched = defaults.union(aliases)

    def structure(data: Any, target: Any) -> Any:
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {json_type(data)}")
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


def unstructure_factory(cls: Any, converter: cattrs.Converter) -> Callable[..., Any]:
    """cattrs' function for ``cls``; a callback's ``raw`` is ours, not Tavus's."""
    origin = getattr(cls, "__origin__", cls)
    if origin is VideoCallback:
        return lambda event: converter.unstructure(event.video, Video)
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
