"""The fake's transcriptions (placeholder, being written)."""

from __future__ import annotations

from collections.abc import Iterable

from tavus_async.testing._collection import Family, Route


class Transcriptions(Family):
    """The transcriptions of the fake (placeholder)."""

    def routes(self) -> Iterable[Route]:
        """Every route of the family."""
        return ()
