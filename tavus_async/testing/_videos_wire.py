"""Request checks and wire quirks of the fake's videos (pure, no state)."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tavus_async.testing._faults import bad_request
from tavus_async.testing._wire import optional


__all__ = [
    "GENERATION_ERROR",
    "MEDIA",
    "READY_DETAILS",
    "callback_body",
    "check_video_body",
    "http_date",
    "percent",
    "ready_fields",
    "thumbnails",
]

MEDIA = "https://fake.tavus.io/videos"
"""Where the fake's video files, streams, pages and thumbnails "live"."""

GENERATION_ERROR = (
    "An error occurred while generating this request. Please check your inputs "
    "or try your request again."
)
"""The ``status_details`` of Tavus's own example of a failed video."""

READY_DETAILS = "Your request has processed successfully!"
"""The ``status_details`` of Tavus's own example of a ready video."""

_SCROLL = {
    "background_scroll_type": ("human", "smooth"),
    "background_scroll_depth": ("middle", "bottom"),
    "background_scroll_return": ("return", "halt"),
}


def check_video_body(body: Mapping[str, Any]) -> str:
    """Check a Generate Video body (400 naming the problem); return its replica_id."""
    replica_id = optional(body, "replica_id", str)
    if not replica_id:
        raise bad_request("replica_id is required")
    script = optional(body, "script", str)
    audio_url = optional(body, "audio_url", str)
    if script is None and audio_url is None:
        raise bad_request("Either script or audio_url must be provided.")
    if script is not None and audio_url is not None:
        raise bad_request("Provide only one of script or audio_url.")
    if script is not None and not script.strip():
        raise bad_request("script must not be empty")
    for key in (
        "video_name",
        "background_url",
        "background_source_url",
        "callback_url",
        "watermark_image_url",
    ):
        optional(body, key, str)
    optional(body, "fast", bool)
    optional(body, "transparent_background", bool)
    properties = optional(body, "properties", dict) or {}
    optional(properties, "background_scroll", bool)
    optional(properties, "start_with_wave", bool)
    for key, choices in _SCROLL.items():
        if optional(properties, key, str) not in (None, *choices):
            raise bad_request(f"Invalid {key}")
    return str(replica_id)


def percent(start: float, span: float, at: float) -> int:
    """The progress of a video generating from ``start`` for ``span`` s, at ``at``."""
    if span <= 0:
        return 99
    return max(0, min(99, math.floor(100 * (at - start) / span)))


def ready_fields(video_id: str, request: Mapping[str, Any]) -> dict[str, str]:
    """The fields a video gains when ready: details, download and stream URLs.

    A ``fast`` video has no stream; a transparent one is a ``.webm``.
    """
    fast = request.get("fast") is True
    kind = "webm" if fast and request.get("transparent_background") else "mp4"
    fields = {
        "status_details": READY_DETAILS,
        "download_url": f"{MEDIA}/{video_id}/video.{kind}",
    }
    if not fast:
        fields["stream_url"] = f"{MEDIA}/{video_id}/stream.m3u8"
    return fields


def thumbnails(video_id: str) -> dict[str, str]:
    """The thumbnail URLs of a ready video (lists and verbose Get show them)."""
    return {
        "still_image_thumbnail_url": f"{MEDIA}/{video_id}/thumbnail.jpg",
        "gif_thumbnail_url": f"{MEDIA}/{video_id}/thumbnail.gif",
    }


def http_date(iso: str) -> str:
    """``"Mon, 14 Jul 2025 09:14:24 GMT"``: Generate Video's ``created_at``."""
    return email.utils.format_datetime(datetime.fromisoformat(iso), usegmt=True)


def callback_body(video: Mapping[str, Any]) -> dict[str, Any]:
    """``video`` (as Get Video renders it) as its callback POSTs it.

    As in Tavus's examples, timestamps have a space and no zone
    (``"2024-08-28 15:27:40.824457"``), and a failed video sends its URLs
    as null.
    """
    body = dict(video)
    for key in ("created_at", "updated_at"):
        when = datetime.fromisoformat(body[key])
        body[key] = when.strftime("%Y-%m-%d %H:%M:%S.%f")
    if body["status"] == "error":
        body.update(download_url=None, stream_url=None)
    return body
