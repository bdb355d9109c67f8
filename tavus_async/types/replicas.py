"""Replica and voice types: what you send to create one and what Tavus returns.

These classes describe data only; the JSON rules (renames, timestamps, omitted
fields) live in the converter (:func:`tavus_async.make_converter`).
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, TrainingProgress, _Model


__all__ = [
    "CreateReplicaRequest",
    "CreatedReplica",
    "Replica",
    "ReplicaPage",
    "ReplicaProperties",
    "ReplicaStatus",
    "ReplicaType",
    "Voice",
    "VoicePage",
    "VoiceTag",
]


class ReplicaStatus(OpenStrEnum):
    """A replica's training status.

    Tavus documents ``started``, ``completed`` and ``error``; its guides also
    say ``training`` and its training callback says ``ready`` (meaning
    completed). Values not listed here still parse (see :class:`OpenStrEnum`).
    """

    STARTED = "started"
    TRAINING = "training"
    COMPLETED = "completed"
    READY = "ready"
    ERROR = "error"

    @property
    def is_success(self) -> bool:
        """True for ``completed`` and its webhook spelling ``ready``."""
        return self in (ReplicaStatus.COMPLETED, ReplicaStatus.READY)

    @property
    def is_terminal(self) -> bool:
        """True once training has ended, well or badly."""
        return self.is_success or self is ReplicaStatus.ERROR


class ReplicaType(OpenStrEnum):
    """Who owns a replica: ``user`` (yours) or ``system`` (Tavus stock)."""

    USER = "user"
    SYSTEM = "system"


@frozen(kw_only=True)
class ReplicaProperties(_Model):
    """Optional replica settings sent under ``properties``."""

    background_green_screen: bool | None = None
    """Train the replica on a green-screen background."""


@frozen(kw_only=True)
class CreateReplicaRequest(_Model):
    """The body of ``POST /v2/replicas``: train a replica from a video or an image.

    Exactly one of ``train_video_url`` and ``train_image_url`` must be given;
    an image also needs ``voice_name``. Every problem is reported at once, as a
    :class:`~tavus_async.ValidationError`, when the request is built. Fields
    left as None are not sent, so Tavus applies its own defaults.

    Raises:
        ValidationError: The combination or a URL is invalid.
    """

    train_video_url: str | None = None
    """Direct download URL of the training video (valid for at least 24 h)."""
    train_image_url: str | None = None
    """Public URL of a training image (image-to-replica); needs ``voice_name``."""
    voice_name: str | None = None
    """Stock voice slug such as ``"anna"``; see ``client.voices.list()``."""
    consent_video_url: str | None = None
    """A separate consent-statement video, for personal replicas."""
    replica_name: str | None = None
    """Display name."""
    model_name: str | None = None
    """Phoenix model, such as ``"phoenix-4"``; None lets Tavus choose."""
    callback_url: str | None = None
    """Receives a POST when training completes or fails."""
    auto_fix_training_image: bool | None = None
    """Let Tavus fix the training image (image training only)."""
    properties: ReplicaProperties | None = None
    """Further settings, such as a green-screen background."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        video, image = self.train_video_url, self.train_image_url
        if video is None and image is None:
            problems.append(
                (
                    "train_video_url",
                    "give exactly one of train_video_url or train_image_url",
                )
            )
        elif video is not None and image is not None:
            problems.append(
                (
                    "train_image_url",
                    "give train_video_url or train_image_url, not both",
                )
            )
        v.check_url(problems, "train_video_url", video)
        v.check_url(problems, "train_image_url", image)
        v.check_url(problems, "consent_video_url", self.consent_video_url)
        v.check_url(problems, "callback_url", self.callback_url)
        if image is not None and video is None and self.voice_name is None:
            problems.append(
                (
                    "voice_name",
                    "is required with train_image_url; pick one from "
                    "client.voices.list(), e.g. voice_name='anna'",
                )
            )
        if self.auto_fix_training_image is not None and image is None:
            problems.append(
                ("auto_fix_training_image", "applies to train_image_url only")
            )
        for name in ("voice_name", "replica_name", "model_name"):
            v.check_text(problems, name, getattr(self, name))
        v.raise_if(problems)

    @classmethod
    def from_video(
        cls,
        train_video_url: str,
        *,
        replica_name: str | None = None,
        consent_video_url: str | None = None,
        model_name: str | None = None,
        callback_url: str | None = None,
        properties: ReplicaProperties | None = None,
    ) -> CreateReplicaRequest:
        """Build a video-trained replica request.

        Args:
            train_video_url: Direct download URL of the training video.
            replica_name: Display name.
            consent_video_url: A separate consent-statement video.
            model_name: Phoenix model; None lets Tavus choose.
            callback_url: Receives a POST when training completes or fails.
            properties: Further settings, such as a green-screen background.

        Raises:
            ValidationError: As for the constructor.
        """
        return cls(
            train_video_url=train_video_url,
            replica_name=replica_name,
            consent_video_url=consent_video_url,
            model_name=model_name,
            callback_url=callback_url,
            properties=properties,
        )

    @classmethod
    def from_image(
        cls,
        train_image_url: str,
        *,
        voice_name: str,
        replica_name: str | None = None,
        consent_video_url: str | None = None,
        model_name: str | None = None,
        callback_url: str | None = None,
        auto_fix_training_image: bool | None = None,
        properties: ReplicaProperties | None = None,
    ) -> CreateReplicaRequest:
        """Build an image-trained replica request.

        Args:
            train_image_url: Public URL of the training image.
            voice_name: The stock voice the replica speaks with
                (``tavus-async voices list``, ``client.voices.list()``).
            replica_name: Display name.
            consent_video_url: A separate consent-statement video.
            model_name: Phoenix model; None lets Tavus choose.
            callback_url: Receives a POST when training completes or fails.
            auto_fix_training_image: Let Tavus fix the training image.
            properties: Further settings, such as a green-screen background.

        Raises:
            ValidationError: As for the constructor.
        """
        return cls(
            train_image_url=train_image_url,
            voice_name=voice_name,
            replica_name=replica_name,
            consent_video_url=consent_video_url,
            model_name=model_name,
            callback_url=callback_url,
            auto_fix_training_image=auto_fix_training_image,
            properties=properties,
        )


@frozen(kw_only=True)
class CreatedReplica(_Model):
    """Tavus's answer to a create: the new id and its first status."""

    replica_id: str
    """The new replica's id, such as ``"r90bbd427f71"``."""
    status: ReplicaStatus
    """Usually ``started`` (older APIs said ``training``)."""


@frozen(kw_only=True)
class Replica(_Model):
    """A replica as Get Replica or List Replicas returns it.

    List items carry fewer fields than Get (no ``updated_at`` or
    ``error_message``); ``replica_type`` only comes with ``verbose``.
    Responses using the new Face names (``face_id``, ``face_name``,
    ``face_type``) fill the same fields.
    """

    replica_id: str
    """The id, such as ``"r90bbd427f71"``."""
    status: ReplicaStatus
    """Training status; see :class:`ReplicaStatus`."""
    replica_name: str | None = None
    """Display name."""
    training_progress: TrainingProgress | None = None
    """Parsed ``"37/100"``; None when absent or unreadable."""
    thumbnail_video_url: str | None = None
    """A short preview video."""
    created_at: datetime | None = None
    """When the replica was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""
    error_message: str | None = None
    """Why training failed, when ``status`` is ``error``."""
    replica_type: ReplicaType | None = None
    """``user`` or ``system``; sent only with ``verbose``."""
    model_name: str | None = None
    """The Phoenix model it was trained with."""


ReplicaPage = Page[Replica]
"""A page of replicas from ``client.replicas.list()``."""


@frozen(kw_only=True)
class VoiceTag(_Model):
    """A tag on a stock voice."""

    tag_name: str


@frozen(kw_only=True)
class Voice(_Model):
    """A stock voice usable as ``voice_name`` when training from an image."""

    voice_name: str
    """The slug to send as ``voice_name``, such as ``"anna"``."""
    replica_id: str | None = None
    """The stock replica that speaks with this voice."""
    audio_url: str | None = None
    """A sample of the voice, when Tavus has one."""
    tags: tuple[VoiceTag, ...] = ()
    """Tags such as language or gender."""


VoicePage = Page[Voice]
"""A page of voices from ``client.voices.list()``."""
