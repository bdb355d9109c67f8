"""Conversation types: what you send to start one and what Tavus returns.

These classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from attrs import field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = [
    "Conversation",
    "ConversationEvent",
    "ConversationPage",
    "ConversationProperties",
    "ConversationStatus",
    "CreateConversationRequest",
    "RecordingStorage",
]

_PROVIDERS = ("s3", "gcs", "azure_blob")


def _strings(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


class ConversationStatus(OpenStrEnum):
    """A conversation's status: ``active`` until it ends, then ``ended``."""

    ACTIVE = "active"
    ENDED = "ended"


@frozen(kw_only=True)
class RecordingStorage(_Model):
    """Where Tavus writes recordings, with federated identity (no secrets).

    Raises:
        ValidationError: ``provider`` is not ``s3``, ``gcs`` or ``azure_blob``.
    """

    provider: str
    """``"s3"``, ``"gcs"`` or ``"azure_blob"``."""
    bucket_name: str | None = None
    """S3 or GCS bucket."""
    bucket_region: str | None = None
    """S3 region."""
    assume_role_arn: str | None = None
    """S3: the role Tavus assumes."""
    external_id: str | None = None
    """S3: the external id of that role."""
    project_id: str | None = None
    """GCS project."""
    workload_identity_provider: str | None = None
    """GCS workload identity provider."""
    service_account_email: str | None = None
    """GCS service account."""
    storage_account: str | None = None
    """Azure storage account."""
    container: str | None = None
    """Azure container."""
    tenant_id: str | None = None
    """Azure tenant."""
    client_id: str | None = None
    """Azure client (application) id."""

    def __attrs_post_init__(self) -> None:
        if self.provider not in _PROVIDERS:
            v.raise_if(
                [("provider", f"must be one of {_PROVIDERS}, got {self.provider!r}")]
            )


@frozen(kw_only=True)
class ConversationProperties(_Model):
    """Call settings sent under ``properties`` when creating a conversation.

    Raises:
        ValidationError: A duration is negative or not an integer.
    """

    max_call_duration: int | None = None
    """Seconds before the call shuts down (Tavus default 3600)."""
    participant_left_timeout: int | None = None
    """Seconds after the last participant leaves before shutdown."""
    participant_absent_timeout: int | None = None
    """Seconds to wait for anyone to join (Tavus default 300)."""
    enable_recording: bool | None = None
    """Allow recording (needs ``recording_storage``)."""
    enable_closed_captions: bool | None = None
    """Send captions as app messages."""
    apply_greenscreen: bool | None = None
    """Replace the background with green."""
    require_auth: bool | None = None
    """A private room: participants must authenticate before joining (the
    spec lists it here as well as at the top level of the request)."""
    language: str | None = None
    """Full language name (``"english"``) or ``"multilingual"``."""
    recording_storage: RecordingStorage | None = None
    """Where recordings go."""
    recording_s3_bucket_name: str | None = None
    """Deprecated by Tavus: use ``recording_storage``."""
    recording_s3_bucket_region: str | None = None
    """Deprecated by Tavus: use ``recording_storage``."""
    aws_assume_role_arn: str | None = None
    """Deprecated by Tavus: use ``recording_storage``."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        for name in (
            "max_call_duration",
            "participant_left_timeout",
            "participant_absent_timeout",
        ):
            v.check_min(problems, f"properties.{name}", getattr(self, name), 0)
        v.raise_if(problems)


@frozen(kw_only=True)
class CreateConversationRequest(_Model):
    """The body of ``POST /v2/conversations``.

    Give ``replica_id``, ``persona_id`` or both (a persona may bring its own
    default replica). Creating a conversation starts billing and takes a
    concurrency slot until it ends. Fields left as None are not sent.

    Raises:
        ValidationError: Neither id is given, a URL is invalid, or
            ``max_participants`` is below 2.
    """

    replica_id: str | None = None
    """The replica that joins the call."""
    persona_id: str | None = None
    """The persona to use; a Tavus default when omitted."""
    conversation_name: str | None = None
    """A name for the conversation."""
    callback_url: str | None = None
    """Receives the conversation's webhooks."""
    conversational_context: str | None = None
    """Context appended to the persona's."""
    custom_greeting: str | None = None
    """What the replica says when someone joins."""
    audio_only: bool | None = None
    """A voice-only conversation."""
    memory_stores: tuple[str, ...] | None = field(default=None, converter=_strings)
    """Memory store ids the persona reads and writes."""
    document_ids: tuple[str, ...] | None = field(default=None, converter=_strings)
    """Knowledge-base document ids."""
    document_retrieval_strategy: str | None = None
    """``"speed"``, ``"quality"`` or ``"balanced"`` (Tavus default)."""
    document_tags: tuple[str, ...] | None = field(default=None, converter=_strings)
    """Knowledge-base tags."""
    test_mode: bool | None = None
    """Create without the replica joining: no cost, status ``ended``."""
    require_auth: bool | None = None
    """A private room; the answer then carries ``meeting_token``."""
    max_participants: int | None = None
    """Room capacity, the replica included (at least 2)."""
    properties: ConversationProperties | None = None
    """Call settings."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        if self.replica_id is None and self.persona_id is None:
            problems.append(
                (
                    "replica_id",
                    "give replica_id, persona_id (with a default replica) or both",
                )
            )
        v.check_text(problems, "replica_id", self.replica_id)
        v.check_text(problems, "persona_id", self.persona_id)
        v.check_url(problems, "callback_url", self.callback_url)
        v.check_min(problems, "max_participants", self.max_participants, 2)
        v.raise_if(problems)


@frozen(kw_only=True)
class ConversationEvent(_Model):
    """One event of a verbose Get Conversation (the callbacks, as a list)."""

    event_type: str
    """Such as ``"system.replica_joined"`` or ``"system.shutdown"``."""
    timestamp: datetime | None = None
    """When it happened (timezone-aware)."""
    message_type: str | None = None
    """``"system"`` or ``"application"``, when sent."""
    properties: Mapping[str, Any] = field(factory=dict)
    """The event's data as sent (for example ``transcript`` or ``reason``)."""


@frozen(kw_only=True)
class Conversation(_Model):
    """A conversation as Create, Get or List Conversations returns it.

    Responses using the new names (``face_id``, ``pal_id``) fill
    ``replica_id`` and ``persona_id``.
    """

    conversation_id: str
    """The id, such as ``"c123456"``."""
    status: ConversationStatus
    """``active`` or ``ended``; unlisted values still parse."""
    conversation_name: str | None = None
    """The conversation's name."""
    conversation_url: str | None = None
    """The room to join."""
    callback_url: str | None = None
    """Where webhooks go."""
    replica_id: str | None = None
    """The replica in the call."""
    persona_id: str | None = None
    """The persona used."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""
    meeting_token: str | None = None
    """A short-lived token to join a ``require_auth`` room."""
    events: tuple[ConversationEvent, ...] | None = None
    """With ``verbose=True``: what happened in the call."""


ConversationPage = Page[Conversation]
"""A page of conversations from ``client.conversations.list()``."""
