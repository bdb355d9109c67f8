"""Video types: what you send to generate a video and what Tavus returns.

These classes describe data only; the JSON rules (renames, timestamps, omitted
fields) live in the converter (:func:`tavus_async.make_converter`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict, Unpack

from attrs import frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, TrainingProgress, _Model


__all__ = [
    "CreatedVideo",
    "GenerateVideoRequest",
    "Video",
    "VideoData",
    "VideoPage",
    "VideoProperties",
    "VideoStatus",
]

_SCROLL_CHOICES = {
    "background_scroll_type": ("human", "smooth"),
    "background_scroll_depth": ("middle", "bottom"),
    "background_scroll_return": ("return", "halt"),
}


class VideoStatus(OpenStrEnum):
    """A video's status: ``queued``, ``generating``, then ``ready`` or ``error``.

    ``deleted`` is a video deleted without ``hard``. Values not listed here
    still parse (see :class:`OpenStrEnum`).
    """

    QUEUED = "queued"
    GENERATING = "generating"
    READY = "ready"
    DELETED = "deleted"
    ERROR = "error"

    @property
    def is_success(self) -> bool:
        """True for ``ready``: the download, stream and hosted URLs are set."""
        return self is VideoStatus.READY

    @property
    def is_terminal(self) -> bool:
        """True once the video no longer changes on its own: ready, error, deleted."""
        return self in (VideoStatus.READY, VideoStatus.ERROR, VideoStatus.DELETED)


@frozen(kw_only=True)
class VideoProperties(_Model):
    """Optional settings sent under ``properties`` when generating a video.

    The ``background_scroll*`` settings apply to a ``background_url``
    (a website recorded as the background); the type, depth and return apply
    only while ``background_scroll`` is true, its default.

    Raises:
        ValidationError: A scroll setting is not one of its choices, or is
            given with ``background_scroll=False``.
    """

    background_scroll: bool | None = None
    """Scroll down the website (Tavus default true) or show its top."""
    background_scroll_type: Literal["human", "smooth"] | None = None
    """``"human"`` (Tavus default: pauses as a reader would) or ``"smooth"``."""
    background_scroll_depth: Literal["middle", "bottom"] | None = None
    """How far to scroll: ``"middle"`` (Tavus default) or ``"bottom"``."""
    background_scroll_return: Literal["return", "halt"] | None = None
    """At that depth: scroll back up (``"return"``, Tavus default) or ``"halt"``."""
    start_with_wave: bool | None = None
    """Start with a wave (Tavus default true; select stock replicas only)."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        for name, choices in _SCROLL_CHOICES.items():
            value = getattr(self, name)
            if value is None:
                continue
            if value not in choices:
                problems.append(
                    (
                        f"properties.{name}",
                        f"must be one of {', '.join(map(repr, choices))}, "
                        f"got {value!r}",
                    )
                )
            elif self.background_scroll is False:
                problems.append(
                    (
                        f"properties.{name}",
                        "applies only while background_scroll is true (its "
                        "default); leave it out or drop background_scroll=False",
                    )
                )
        v.raise_if(problems)


def _scrolls(properties: VideoProperties | None) -> bool:
    return properties is not None and any(
        getattr(properties, name) is not None
        for name in ("background_scroll", *_SCROLL_CHOICES)
    )


class _Extras(TypedDict, total=False):
    video_name: str | None
    background_url: str | None
    background_source_url: str | None
    callback_url: str | None
    fast: bool | None
    transparent_background: bool | None
    watermark_image_url: str | None
    properties: VideoProperties | None


@frozen(kw_only=True)
class GenerateVideoRequest(_Model):
    """The body of ``POST /v2/videos``: a replica speaking a script or an audio file.

    ``replica_id`` and exactly one of ``script`` and ``audio_url`` are
    required; :meth:`from_script` and :meth:`from_audio` build each kind.
    Every problem is reported at once, as a
    :class:`~tavus_async.ValidationError`, when the request is built. Fields
    left as None are not sent, so Tavus applies its own defaults.

    Raises:
        ValidationError: A missing id, not exactly one of ``script`` and
            ``audio_url``, an invalid URL, or a setting that needs another.
    """

    replica_id: str
    """The replica that speaks (``status`` completed), such as ``"r90bbd427f71"``."""
    script: str | None = None
    """The text the replica speaks."""
    audio_url: str | None = None
    """Public URL of a ``.wav`` or ``.mp3`` file the replica lip-syncs to."""
    video_name: str | None = None
    """Display name."""
    background_url: str | None = None
    """A public website, recorded (scrolling, see :class:`VideoProperties`) as
    the background."""
    background_source_url: str | None = None
    """Direct URL of a public video (a presigned S3 URL) used as the background."""
    callback_url: str | None = None
    """Receives a POST of the whole video when it is ready or fails."""
    fast: bool | None = None
    """The fast renderer: quicker, without backgrounds, thumbnails or streaming."""
    transparent_background: bool | None = None
    """A ``.webm`` with a transparent background; needs ``fast=True``."""
    watermark_image_url: str | None = None
    """Direct URL of a public PNG or JPEG watermark."""
    properties: VideoProperties | None = None
    """Background scrolling and the opening wave."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        replica_id: object = self.replica_id  # None despite the type, at runtime
        if replica_id is None:
            problems.append(
                (
                    "replica_id",
                    "is required: the replica that speaks, e.g. 'r90bbd427f71'",
                )
            )
        v.check_text(problems, "replica_id", replica_id)
        if self.script is None and self.audio_url is None:
            problems.append(
                (
                    "script",
                    "give exactly one of script (text to speak) or audio_url "
                    "(a .wav or .mp3 to lip-sync)",
                )
            )
        elif self.script is not None and self.audio_url is not None:
            problems.append(("audio_url", "give script or audio_url, not both"))
        v.check_text(problems, "script", self.script)
        v.check_text(problems, "video_name", self.video_name)
        for name in (
            "audio_url",
            "background_url",
            "background_source_url",
            "callback_url",
            "watermark_image_url",
        ):
            v.check_url(problems, name, getattr(self, name))
        if self.transparent_background and not self.fast:
            problems.append(
                (
                    "transparent_background",
                    "needs fast=True: only the fast renderer makes transparent videos",
                )
            )
        if _scrolls(self.properties) and self.background_url is None:
            problems.append(
                (
                    "properties",
                    "background_scroll settings apply to a background_url; "
                    "set background_url or leave them out",
                )
            )
        v.raise_if(problems)

    @classmethod
    def from_script(
        cls, replica_id: str, script: str, **extras: Unpack[_Extras]
    ) -> GenerateVideoRequest:
        """Build a request for a video of ``replica_id`` speaking ``script``.

        Args:
            replica_id: The replica that speaks.
            script: The text it speaks.
            **extras: Any other field, by keyword (``video_name``,
                ``callback_url``, ``properties``...).

        Raises:
            ValidationError: As for the constructor.
        """
        return cls(replica_id=replica_id, script=script, **extras)

    @classmethod
    def from_audio(
        cls, replica_id: str, audio_url: str, **extras: Unpack[_Extras]
    ) -> GenerateVideoRequest:
        """Build a request for a video of ``replica_id`` lip-syncing ``audio_url``.

        Args:
            replica_id: The replica that speaks.
            audio_url: Public URL of a ``.wav`` or ``.mp3`` file.
            **extras: Any other field, by keyword, as for :meth:`from_script`.

        Raises:
            ValidationError: As for the constructor.
        """
        return cls(replica_id=replica_id, audio_url=audio_url, **extras)


@frozen(kw_only=True)
class CreatedVideo(_Model):
    """Tavus's answer to Generate Video: the new id, its first status, its page."""

    video_id: str
    """The new video's id, such as ``"abcd123"``."""
    video_name: str | None = None
    """Its name (Tavus makes one up when none was sent)."""
    status: VideoStatus | None = None
    """Usually ``queued``."""
    hosted_url: str | None = None
    """The Tavus page that shows the video once it is ready."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""


@frozen(kw_only=True)
class VideoData(_Model):
    """A video's ``data``: what it was generated from."""

    script: str | None = None
    """The script it was generated from (None for a video from audio)."""


@frozen(kw_only=True)
class Video(_Model):
    """A video as Get Video or List Videos returns it, or as its callback POSTs it.

    Only ``video_id`` is sure to be there; the URLs come once ``status`` is
    ``ready`` (Tavus may send them as ``""`` before), the thumbnails with
    ``verbose`` (and in lists), and never for a ``fast`` video.
    """

    video_id: str
    """The id, such as ``"783537ef5"``."""
    video_name: str | None = None
    """Display name."""
    status: VideoStatus | None = None
    """See :class:`VideoStatus`."""
    data: VideoData | None = None
    """What it was generated from (the script)."""
    replica_id: str | None = None
    """The replica that speaks, when Tavus says (callbacks do)."""
    generation_progress: TrainingProgress | None = None
    """Parsed ``"37/100"``; None when absent or unreadable."""
    download_url: str | None = None
    """A link to download the video file, once ready."""
    stream_url: str | None = None
    """A link to stream it (HLS), once ready."""
    hosted_url: str | None = None
    """The Tavus page that shows it."""
    status_details: str | None = None
    """A sentence about the status, such as why generation failed."""
    error_details: str | None = None
    """The error, when ``status`` is ``error``."""
    background_url: str | None = None
    """The website recorded as its background."""
    background_source_url: str | None = None
    """The video used as its background."""
    still_image_thumbnail_url: str | None = None
    """A still thumbnail (with ``verbose``)."""
    gif_thumbnail_url: str | None = None
    """An animated thumbnail (with ``verbose``)."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""


VideoPage = Page[Video]
"""A page of videos from ``client.videos.list()``."""
