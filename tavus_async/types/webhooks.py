"""What Tavus POSTs to a ``callback_url``: training, video and conversation events.

These classes describe data only; the converter (:func:`tavus_async.make_converter`)
holds the wire rules: which class a body is (by its ids and ``event_type``),
the Face/PAL names, the two spellings of a shutdown reason, ``ready`` meaning
``completed`` for a replica, and a video callback being the video itself.
:func:`tavus_async.webhooks.parse_callback` applies them.

::

    CallbackEvent = ReplicaTrainingCallback | VideoCallback | ConversationCallback

    ConversationCallback          any conversation callback, unknown ones too
    ├── ReplicaJoined             system.replica_joined, system.pal_joined
    ├── ConversationShutdown      system.shutdown
    ├── TranscriptionReady        application.transcription_ready
    ├── RecordingReady            application.recording_ready
    ├── RecordingCopyFailed       application.recording_copy_failed
    └── PerceptionAnalysis        application.perception_analysis
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeAlias

from attrs import Attribute, field, frozen

from tavus_async.types._common import OpenStrEnum, _Model
from tavus_async.types.replicas import ReplicaStatus
from tavus_async.types.videos import Video, VideoStatus


__all__ = [
    "CallbackEvent",
    "ConversationCallback",
    "ConversationShutdown",
    "JoinedProperties",
    "PerceptionAnalysis",
    "PerceptionProperties",
    "RecordingCopyFailed",
    "RecordingCopyFailedProperties",
    "RecordingProperties",
    "RecordingReady",
    "ReplicaJoined",
    "ReplicaTrainingCallback",
    "ShutdownProperties",
    "ShutdownReason",
    "TranscriptTurn",
    "TranscriptionProperties",
    "TranscriptionReady",
    "VideoCallback",
]


class ShutdownReason(OpenStrEnum):
    """Why a conversation's room shut down, without Tavus's `` reached`` suffix.

    Tavus sends ``"max_call_duration reached"`` in some places and
    ``"participant_left_timeout"`` in others; both read as the member below.
    Reasons not listed (such as ``"internal error occurred at step 3"``) parse
    as themselves (see :class:`~tavus_async.OpenStrEnum`).
    """

    MAX_CALL_DURATION = "max_call_duration"
    PARTICIPANT_LEFT_TIMEOUT = "participant_left_timeout"
    PARTICIPANT_ABSENT_TIMEOUT = "participant_absent_timeout"
    BOT_COULD_NOT_JOIN = "bot_could_not_join_meeting_it_was_probably_ended"
    DAILY_ROOM_DELETED = "daily_room_has_been_deleted"
    STARTUP_EXCEPTION = "exception_encountered_during_conversation_startup"
    END_CONVERSATION_ENDPOINT_HIT = "end_conversation_endpoint_hit"


@frozen(kw_only=True)
class ReplicaTrainingCallback(_Model):
    """Training of a replica finished: POSTed to the Create Replica ``callback_url``.

    Tavus sends ``"ready"`` here where Get Replica says ``"completed"``; the
    converter reports both as ``completed``, so one vocabulary serves both.
    """

    replica_id: str
    """The replica, such as ``"r90bbd427f71"`` (``face_id`` on the wire fills it)."""
    status: ReplicaStatus
    """``completed`` or ``error``; unlisted values still parse."""
    error_message: str | None = None
    """Why training failed, when ``status`` is ``error``."""
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)
    """The JSON object as received, unknown keys included."""

    @property
    def succeeded(self) -> bool:
        """True when training completed."""
        return self.status.is_success


def _has_status(_: object, __: Attribute[Video], video: Video) -> None:
    if video.status is None:
        raise ValueError("a VideoCallback's video needs a status (ready or error)")


@frozen(kw_only=True)
class VideoCallback(_Model):
    """A video finished generating: POSTed to the Generate Video ``callback_url``.

    Tavus POSTs the whole video, as Get Video returns it, once it is
    ``ready`` (with its download, stream and hosted URLs) or ``error`` (the
    reason in ``status_details``, or ``error_details``). :attr:`video` holds
    it typed: hand it to a video watcher's
    :meth:`~tavus_async.watch.watcher.Watcher.observe` to settle a watch at
    once (a :class:`~tavus_async.webhooks.CallbackReceiver` given the watcher
    does). Statuses and fields this version does not know parse (see
    :class:`~tavus_async.OpenStrEnum`).

    Raises:
        ValueError: ``video`` has no ``status`` (a parsed callback always has
            one; :func:`~tavus_async.webhooks.parse_callback` refuses a body
            without it).
    """

    video: Video = field(validator=_has_status)
    """The video as Tavus sent it (its timestamps, written
    ``"2024-08-28 15:27:40.824457"``, read as UTC)."""
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)
    """The JSON object as received, unknown keys included."""

    @property
    def video_id(self) -> str:
        """The video, such as ``"1e30440cf9"``."""
        return self.video.video_id

    @property
    def status(self) -> VideoStatus:
        """``ready`` or ``error``; unlisted values still parse."""
        status = self.video.status
        assert status is not None  # checked when the callback was made
        return status

    @property
    def succeeded(self) -> bool:
        """True when the video is ready to download, stream and show."""
        return self.status.is_success

    @property
    def error_message(self) -> str | None:
        """Why generation failed (``error_details``, else ``status_details``)
        when ``status`` is ``error``; None otherwise."""
        if self.status is not VideoStatus.ERROR:
            return None
        return self.video.error_details or self.video.status_details


@frozen(kw_only=True)
class ConversationCallback(_Model):
    """A conversation callback: the common envelope Tavus sends for every event.

    Events this version does not know (``application.post_call_action_executed``,
    guardrail and objective callbacks, whatever comes next) arrive as this
    class itself, with their data in :attr:`properties` and :attr:`raw`.
    """

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ()
    """The ``event_type`` values a subclass stands for."""

    conversation_id: str
    """The conversation, such as ``"c123456"``."""
    event_type: str | None = None
    """Such as ``"system.shutdown"``; None for callbacks sent without one."""
    message_type: str | None = None
    """``"system"`` or ``"application"``."""
    timestamp: datetime | None = None
    """When Tavus sent it (timezone-aware)."""
    webhook_url: str | None = None
    """The callback URL Tavus posted to."""
    properties: Any = field(factory=dict)
    """The event's data: a mapping here, a typed class in the subclasses."""
    raw: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)
    """The JSON object as received, unknown keys included."""


@frozen(kw_only=True)
class JoinedProperties(_Model):
    """``properties`` of :class:`ReplicaJoined`."""

    replica_id: str | None = None
    """The replica that joined (``face_id`` on the wire fills it)."""


@frozen(kw_only=True)
class ReplicaJoined(ConversationCallback):
    """The replica is in the room and ready to talk.

    Since the Face/PAL rename Tavus may send ``system.pal_joined`` as well as
    ``system.replica_joined`` for the same moment; both parse to this class,
    and a :class:`~tavus_async.webhooks.CallbackReceiver` hands it over once.
    """

    EVENT_TYPES: ClassVar[tuple[str, ...]] = (
        "system.replica_joined",
        "system.pal_joined",
    )
    properties: JoinedProperties = field(factory=JoinedProperties)


@frozen(kw_only=True)
class ShutdownProperties(_Model):
    """``properties`` of :class:`ConversationShutdown`."""

    replica_id: str | None = None
    """The replica in the call."""
    shutdown_reason: ShutdownReason | None = None
    """Why (sent as ``shutdown_reason`` or ``reason``, with or without
    `` reached``)."""


@frozen(kw_only=True)
class ConversationShutdown(ConversationCallback):
    """The room shut down; ``properties.shutdown_reason`` says why."""

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ("system.shutdown",)
    properties: ShutdownProperties = field(factory=ShutdownProperties)


@frozen(kw_only=True)
class TranscriptTurn(_Model):
    """One turn of a transcript; the timing fields came in May 2026."""

    role: str
    """``"system"``, ``"user"`` or ``"assistant"``."""
    content: str
    """What was said."""
    timestamp: datetime | None = None
    """When the turn started (sent as epoch seconds)."""
    seconds_from_start: float | None = None
    """Seconds from the start of the conversation."""
    duration: float | None = None
    """How long the turn lasted, in seconds."""
    inference_id: str | None = None
    """The LLM inference that produced an assistant turn."""


@frozen(kw_only=True)
class TranscriptionProperties(_Model):
    """``properties`` of :class:`TranscriptionReady`."""

    transcript: tuple[TranscriptTurn, ...]
    """The turns, in order."""
    replica_id: str | None = None
    """The replica in the call."""


@frozen(kw_only=True)
class TranscriptionReady(ConversationCallback):
    """The transcript, sent after the conversation ends."""

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ("application.transcription_ready",)
    properties: TranscriptionProperties


@frozen(kw_only=True)
class RecordingProperties(_Model):
    """``properties`` of :class:`RecordingReady`."""

    bucket_name: str | None = None
    """The bucket the recording was written to."""
    s3_key: str | None = None
    """The object key (also used for GCS and Azure)."""
    duration: float | None = None
    """The recording's length in seconds."""
    storage_provider: str | None = None
    """``"s3"``, ``"gcs"`` or ``"azure_blob"`` (since May 2026)."""
    storage_uri: str | None = None
    """Such as ``"s3://bucket/key"`` (since May 2026)."""


@frozen(kw_only=True)
class RecordingReady(ConversationCallback):
    """A recording is durably written to your storage."""

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ("application.recording_ready",)
    properties: RecordingProperties = field(factory=RecordingProperties)


@frozen(kw_only=True)
class RecordingCopyFailedProperties(_Model):
    """``properties`` of :class:`RecordingCopyFailed`."""

    recording_id: str | None = None
    """The recording Tavus could not copy."""
    s3_key: str | None = None
    """The object key it tried to write."""
    duration: float | None = None
    """The recording's length in seconds."""
    storage_provider: str | None = None
    """``"s3"``, ``"gcs"`` or ``"azure_blob"``."""
    error_code: str | None = None
    """Such as ``"DESTINATION_AUTH_FAILED"``."""
    error_message: str | None = None
    """Tavus's explanation."""


@frozen(kw_only=True)
class RecordingCopyFailed(ConversationCallback):
    """Copying a recording to your storage failed after Tavus's retries."""

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ("application.recording_copy_failed",)
    properties: RecordingCopyFailedProperties = field(
        factory=RecordingCopyFailedProperties
    )


@frozen(kw_only=True)
class PerceptionProperties(_Model):
    """``properties`` of :class:`PerceptionAnalysis`."""

    analysis: str
    """The visual summary of the call."""


@frozen(kw_only=True)
class PerceptionAnalysis(ConversationCallback):
    """Raven's perception summary, sent after the conversation ends."""

    EVENT_TYPES: ClassVar[tuple[str, ...]] = ("application.perception_analysis",)
    properties: PerceptionProperties


CallbackEvent: TypeAlias = (
    ReplicaTrainingCallback | VideoCallback | ConversationCallback
)
"""Any callback :func:`~tavus_async.webhooks.parse_callback` returns."""
