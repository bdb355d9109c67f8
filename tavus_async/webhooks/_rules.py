"""The receiver's pure decisions: answers, content types, event identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping

from attrs import field, frozen

from tavus_async.types.webhooks import (
    CallbackEvent,
    ReplicaJoined,
    ReplicaTrainingCallback,
    VideoCallback,
)


__all__ = [
    "CallbackResponse",
    "ReceiverStats",
    "answer",
    "describe",
    "event_key",
    "is_json",
    "lane_key",
    "subject",
]

_JSON_TYPES = ("application/json", "text/json")


@frozen(kw_only=True)
class CallbackResponse:
    """The answer to send back for one callback request.

    Attributes:
        status: The HTTP status: 200 when the event was taken (or was a
            duplicate), 400 bad body, 401 wrong or missing token, 413 too
            large, 415 not JSON, 503 the receiver is closed.
        body: A small JSON body saying what happened.
        event: The parsed event, when the body was one (duplicates included).
        headers: Extra headers to send (``Retry-After`` with a 503).
        content_type: The body's content type.
    """

    status: int
    body: bytes
    event: CallbackEvent | None = None
    headers: Mapping[str, str] = field(factory=dict)
    content_type: str = "application/json"

    @property
    def accepted(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300


@frozen(kw_only=True)
class ReceiverStats:
    """Counters of a :class:`CallbackReceiver` since it was made.

    Attributes:
        received: Requests given to :meth:`~CallbackReceiver.receive`.
        accepted: Events taken for handling (duplicates not counted).
        duplicates: Events seen before (a redelivery, or ``system.pal_joined``
            after ``system.replica_joined``), answered 200 and not handed over.
        rejected: Requests answered with a 4xx or 5xx.
        forged: Events dropped because ``verify_with`` found no such replica,
            video or conversation.
        handled: Events handed over whose handler returned.
        failed: Events whose handler raised or ran out of time.
        pending: Events taken and not yet handed over.
    """

    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    forged: int = 0
    handled: int = 0
    failed: int = 0
    pending: int = 0


def answer(
    status: int,
    payload: Mapping[str, str],
    event: CallbackEvent | None,
    headers: Mapping[str, str] | None = None,
) -> CallbackResponse:
    """The response with ``payload`` as its JSON body."""
    return CallbackResponse(
        status=status,
        body=json.dumps(payload).encode(),
        event=event,
        headers=dict(headers or {}),
    )


def is_json(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` is JSON (or absent, as some senders leave it)."""
    mime = (content_type or "").partition(";")[0].strip().lower()
    return not mime or mime in _JSON_TYPES or mime.endswith("+json")


def lane_key(event: CallbackEvent) -> tuple[str, str]:
    """The resource an event is about: events of one are handed over in order."""
    if isinstance(event, ReplicaTrainingCallback):
        return ("replica", event.replica_id)
    if isinstance(event, VideoCallback):
        return ("video", event.video_id)
    return ("conversation", event.conversation_id)


def event_key(event: CallbackEvent) -> Hashable:
    """Events with one key are one event: Tavus's resends and the PAL twin."""
    if isinstance(event, ReplicaTrainingCallback | VideoCallback):
        kind, resource_id = lane_key(event)
        return (kind, resource_id, str(event.status), event.error_message)
    if isinstance(event, ReplicaJoined):
        return ("joined", event.conversation_id)
    text = json.dumps(event.raw, sort_keys=True, default=str).encode()
    return ("conversation", hashlib.blake2b(text, digest_size=16).digest())


def subject(event: CallbackEvent) -> str:
    """The resource an event is about, for log lines."""
    kind, resource_id = lane_key(event)
    return f"{kind} {resource_id}"


def describe(event: CallbackEvent) -> str:
    """One phrase naming an event, for log lines."""
    if isinstance(event, ReplicaTrainingCallback | VideoCallback):
        return f"{subject(event)} {event.status}"
    return f"{event.event_type or 'callback'} of conversation {event.conversation_id}"
