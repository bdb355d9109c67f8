"""The transcriptions service (placeholder, being written)."""

from __future__ import annotations

from tavus_async import _http


__all__ = ["TranscriptionsService"]


class TranscriptionsService:
    """The transcriptions service (placeholder)."""

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester
