"""Request checks and JSON wire shapes of the fake Tavus server's records."""

from __future__ import annotations

import math
from collections.abc import Container, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs

from tavus_async.testing._faults import bad_request


__all__ = [
    "STOCK_VOICES",
    "Conversation",
    "Query",
    "Replica",
    "check_conversation_options",
    "check_replica_body",
    "choice",
    "conversation_callbacks",
    "conversation_wire",
    "created_conversation_wire",
    "flag",
    "iso_time",
    "optional",
    "paginate",
    "replica_callback",
    "replica_wire",
    "training_percent",
    "voice_wire",
]

Query = Mapping[str, str]
"""The query string of a request."""

_MEDIA = "https://fake.tavus.io"
_T = TypeVar("_T")
_WEBHOOK_KEYS = {"reason": "shutdown_reason"}
_CREATED_KEYS = (
    *("conversation_id", "conversation_name", "conversation_url"),
    *("status", "callback_url", "created_at"),
)


@attrs.define
class Replica:
    """A stored replica; ``created`` and ``updated`` are clock seconds."""

    replica_id: str
    seq: int
    replica_name: str
    replica_type: str
    model_name: str
    created: float
    updated: float
    training_time: float
    request: dict[str, Any]
    status: str = "started"
    progress: int = 0
    error_message: str | None = None


@attrs.define
class Conversation:
    """A stored conversation; ``created``, ``updated``, ``ended`` are clock seconds."""

    conversation_id: str
    conversation_name: str
    status: str
    created: float
    updated: float
    meeting_token: str | None
    request: dict[str, Any]
    ended: float | None = None


# Request checks

STOCK_VOICES = (
    ("anna", ("female", "en")),
    ("ben", ("male", "en")),
    ("chloe", ("female", "fr")),
    ("daniel", ("male", "en")),
    ("emma", ("female", "en")),
)
"""The voices of a new fake: name and tags."""


def optional(body: Mapping[str, Any], key: str, kind: type) -> Any:
    """``body[key]``, or ``None`` when absent or null; 400 when not a ``kind``."""
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise bad_request(f"Invalid {key}")
    return value


def check_replica_body(body: Mapping[str, Any], voices: Container[str]) -> str:
    """Check a Create Replica body (400 naming the problem); return its model.

    ``voices`` holds the lower-cased names of the known voices.
    """
    video = optional(body, "train_video_url", str)
    image = optional(body, "train_image_url", str)
    voice = optional(body, "voice_name", str)
    if not video and not image:
        raise bad_request("Either train_video_url or train_image_url must be provided.")
    if video and image:
        raise bad_request("Provide only one of train_video_url or train_image_url.")
    if image and not voice:
        raise bad_request("voice_name is required when train_image_url is provided.")
    if voice is not None and voice.lower() not in voices:
        raise bad_request("Invalid voice_name")
    for key in ("replica_name", "consent_video_url", "callback_url"):
        optional(body, key, str)
    optional(body, "auto_fix_training_image", bool)
    properties = optional(body, "properties", dict) or {}
    optional(properties, "background_green_screen", bool)
    return optional(body, "model_name", str) or "phoenix-4"


def check_conversation_options(body: Mapping[str, Any]) -> tuple[bool, bool]:
    """Check the optional Create Conversation fields; return test_mode, require_auth."""
    for key in ("conversation_name", "callback_url", "custom_greeting"):
        optional(body, key, str)
    test_mode = optional(body, "test_mode", bool) or False
    properties = optional(body, "properties", dict) or {}
    require_auth = bool(
        optional(body, "require_auth", bool)
        or optional(properties, "require_auth", bool)
    )
    return bool(test_mode), require_auth


def _int(
    query: Query, name: str, default: int, top: int | None = None, low: int = 1
) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
    if value < low or (top is not None and value > top):
        raise bad_request(
            f"{name} must be " + (f"{low} to {top}" if top else f"at least {low}")
        )
    return value


def choice(query: Query, name: str, choices: Sequence[str]) -> str | None:
    """The lowercased query parameter ``name``, if given; 400 unless in ``choices``."""
    raw = query.get(name)
    if raw is not None and raw.lower() not in choices:
        raise bad_request(f"{name} must be one of: {', '.join(choices)}")
    return None if raw is None else raw.lower()


def flag(query: Query, name: str) -> bool:
    """Whether the boolean query parameter ``name`` is ``true``; 400 if not a bool."""
    return choice(query, name, ("true", "false")) == "true"


def paginate(
    items: list[_T],
    query: Query,
    top: int | None = None,
    cap: int | None = None,
    first: int = 1,
) -> tuple[list[_T], int, int]:
    """The page of ``items`` that ``limit`` and ``page`` ask for, and those two.

    ``top`` is the largest ``limit`` accepted (400 above it); ``cap``, when
    given, the largest one served: a larger ``limit`` is taken as ``cap``,
    for the page's items and offset and in the ``limit`` returned. ``first``
    is the number of the first page (and the default): 1, or 0 for the lists
    Tavus documents as 0-based (documents, videos, pronunciation dictionaries).
    """
    limit = _int(query, "limit", 10, top)
    page = _int(query, "page", first, low=first)
    if cap is not None:
        limit = min(limit, cap)
    start = (page - first) * limit
    return items[start : start + limit], limit, page


# Wire shapes


def iso_time(epoch: float, moment: float) -> str:
    """Clock time ``moment`` as ISO-8601 with milliseconds and ``Z``."""
    wall = datetime.fromtimestamp(epoch + moment, tz=UTC)
    return wall.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def training_percent(replica: Replica, at: float) -> int:
    """The progress percent of a replica still training at clock time ``at``."""
    if replica.training_time <= 0:
        return 99
    return min(99, math.floor(100 * (at - replica.created) / replica.training_time))


def replica_wire(
    replica: Replica, progress: int, epoch: float, *, verbose: bool, full: bool
) -> dict[str, Any]:
    """The JSON of ``replica``: ``full`` as Get Replica, else as List Replicas.

    ``epoch`` is the wall time of clock zero. ``thumbnail_video_url``, a
    non-nullable string in the spec, is left out until the replica is completed.
    """
    wire: dict[str, Any] = {
        "replica_id": replica.replica_id,
        "replica_name": replica.replica_name,
        "training_progress": f"{progress}/100",
        "status": replica.status,
        "created_at": iso_time(epoch, replica.created),
    }
    if replica.status == "completed":
        thumbnail = f"{_MEDIA}/replicas/{replica.replica_id}/thumbnail.mp4"
        wire["thumbnail_video_url"] = thumbnail
    if full:
        wire["updated_at"] = iso_time(epoch, replica.updated)
        wire["error_message"] = replica.error_message
    if verbose:
        wire["replica_type"] = replica.replica_type
    wire["model_name"] = replica.model_name
    return wire


def voice_wire(voice_name: str, tags: Sequence[str], replica_id: str) -> dict[str, Any]:
    """The JSON of a stock voice, as List Voices returns it."""
    return {
        "voice_name": voice_name,
        "replica_id": replica_id,
        "audio_url": f"{_MEDIA}/voices/{voice_name}.mp3",
        "tags": [{"tag_name": tag} for tag in tags],
    }


def conversation_wire(
    c: Conversation, epoch: float, *, verbose: bool
) -> dict[str, Any]:
    """The JSON of a conversation, with its events when ``verbose``.

    ``callback_url``, ``replica_id`` and ``persona_id``, non-nullable strings in
    the spec, are left out when the create did not give them.
    """
    given = {
        "callback_url": c.request.get("callback_url"),
        "replica_id": c.request.get("replica_id") or None,
        "persona_id": c.request.get("persona_id") or None,
    }
    wire: dict[str, Any] = {
        "conversation_id": c.conversation_id,
        "conversation_name": c.conversation_name,
        "conversation_url": f"https://tavus.daily.co/{c.conversation_id}",
        "status": c.status,
        **{key: value for key, value in given.items() if value is not None},
        "created_at": iso_time(epoch, c.created),
        "updated_at": iso_time(epoch, c.updated),
    }
    if verbose:
        wire["events"] = _events(c, epoch)
    return wire


def created_conversation_wire(c: Conversation, epoch: float) -> dict[str, Any]:
    """The JSON that Create Conversation returns for ``c``."""
    full = conversation_wire(c, epoch, verbose=False)
    wire = {key: full[key] for key in _CREATED_KEYS if key in full}
    if c.meeting_token is not None:
        wire["meeting_token"] = c.meeting_token
    return wire


def replica_callback(replica: Replica) -> dict[str, Any]:
    """The body POSTed to a replica's ``callback_url`` when its training ended.

    Tavus says ``"ready"`` here for the ``"completed"`` of Get Replica.
    """
    if replica.status == "completed":
        return {"replica_id": replica.replica_id, "status": "ready"}
    return {
        "replica_id": replica.replica_id,
        "status": "error",
        "error_message": replica.error_message,
    }


def conversation_callbacks(
    c: Conversation, epoch: float, *, pal: bool
) -> list[dict[str, Any]]:
    """The bodies POSTed to ``c``'s ``callback_url`` for its latest change.

    While ``c`` is active: ``system.replica_joined``, then ``system.pal_joined``
    when ``pal``. Once ended: ``system.shutdown``, then
    ``application.transcription_ready``. None for a ``test_mode`` one. The
    events are those of verbose Get Conversation, in the envelope of Tavus's
    webhooks, with ``replica_id`` in ``properties`` and the shutdown reason as
    ``shutdown_reason``.
    """
    replica_id = c.request.get("replica_id") or None
    happened = _happenings(c, epoch)
    if c.ended is not None:
        return [
            _envelope(c, kind, at, {"replica_id": replica_id, **_webhook_keys(props)})
            for kind, at, props in happened[1:]
        ]
    bodies = [_envelope(c, k, at, {"replica_id": replica_id}) for k, at, _ in happened]
    if pal:
        face = {"face_id": replica_id}
        bodies += [_envelope(c, "system.pal_joined", at, face) for _, at, _ in happened]
    return bodies


def _webhook_keys(properties: dict[str, Any]) -> dict[str, Any]:
    return {_WEBHOOK_KEYS.get(key, key): value for key, value in properties.items()}


def _envelope(
    c: Conversation, kind: str, at: str, properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "properties": properties,
        "conversation_id": c.conversation_id,
        "webhook_url": c.request.get("callback_url"),
        "event_type": kind,
        "message_type": kind.partition(".")[0],
        "timestamp": at,
    }


def _events(c: Conversation, epoch: float) -> list[dict[str, Any]]:
    return [
        {
            "event_type": kind,
            "timestamp": at,
            **({"properties": props} if props else {}),
        }
        for kind, at, props in _happenings(c, epoch)
    ]


def _happenings(c: Conversation, epoch: float) -> list[tuple[str, str, dict[str, Any]]]:
    if c.request.get("test_mode"):
        return []
    joined: tuple[str, str, dict[str, Any]]
    joined = ("system.replica_joined", iso_time(epoch, c.created), {})
    if c.ended is None:
        return [joined]
    start = epoch + c.created
    greeting = c.request.get("custom_greeting") or "Hi there! How can I help you today?"
    transcript = [
        {"role": "assistant", "content": greeting, "timestamp": start + 1.0,
         "seconds_from_start": 1.0, "duration": 2.0},
        {"role": "user", "content": "Just testing.", "timestamp": start + 4.0,
         "seconds_from_start": 4.0, "duration": 1.0},
    ]  # fmt: skip
    ended = iso_time(epoch, c.ended)
    return [
        joined,
        ("system.shutdown", ended, {"reason": "end_conversation_endpoint_hit"}),
        ("application.transcription_ready", ended, {"transcript": transcript}),
    ]
