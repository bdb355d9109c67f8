"""Transcription types: speech-to-text of a video file.

These classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

from datetime import datetime

from attrs import converters, field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = [
    "CreateTranscriptionRequest",
    "Transcription",
    "TranscriptionPage",
    "TranscriptionStatus",
]


class TranscriptionStatus(OpenStrEnum):
    """A transcription's status: ``started``, then ``completed`` or ``error``.

    Values not listed here still parse (see :class:`OpenStrEnum`).
    """

    STARTED = "started"
    COMPLETED = "completed"
    ERROR = "error"

    @property
    def is_terminal(self) -> bool:
        """True once the transcription no longer changes: completed or error."""
        return self in (TranscriptionStatus.COMPLETED, TranscriptionStatus.ERROR)


@frozen(kw_only=True)
class CreateTranscriptionRequest(_Model):
    """The body of ``POST /v2/transcriptions``: both URLs are required.

    Raises:
        ValidationError: A URL is missing or not an absolute http(s) URL;
            every problem is named at once.
    """

    file_url: str
    """A direct link to the video, publicly readable (a presigned S3 URL)."""
    callback_url: str
    """Where Tavus POSTs the transcription when it completes or fails."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        for name in ("file_url", "callback_url"):
            value = getattr(self, name)
            if value is None:
                problems.append((name, "is required"))
            v.check_url(problems, name, value)
        v.raise_if(problems)


@frozen(kw_only=True)
class Transcription(_Model):
    """A transcription as Tavus returns it.

    Create answers the id, ``status`` and ``callback_url``; Get and List the
    file, ``text`` (once completed), ``status`` and ``created_at``. Fields
    Tavus leaves out are None; unknown ones are ignored.
    """

    transcription_id: str
    """The id, such as ``"t0108f2d24k2a"``."""
    file_url: str | None = None
    """The video transcribed."""
    text: str | None = None
    """The transcribed text, once completed."""
    status: TranscriptionStatus | None = field(
        default=None, converter=converters.optional(TranscriptionStatus)
    )
    """See :class:`TranscriptionStatus`."""
    callback_url: str | None = None
    """The callback URL sent (in Create's answer)."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""


TranscriptionPage = Page[Transcription]
"""A page of transcriptions from ``client.transcriptions.list()``."""
