"""The fake's transcriptions: ``/v2/transcriptions``.

A transcription is ``started`` for :attr:`Transcriptions.transcription_time`
seconds of the fake's clock, then ``completed`` with its ``text``, or
``error`` (drawn with :attr:`Transcriptions.failure_rate`). Statuses are
computed when read; each transcription is also watched in the outbox, so
that when the clock passes its end the transcription, as Get renders it, is
POSTed to its ``callback_url`` whether or not anyone reads it.

Create needs ``file_url`` and ``callback_url`` (400 ``{"error": ...}``) and
answers 200 with the id, ``status`` and ``callback_url``, as documented.
Tavus documents no error answers for this family: an unknown id is answered
400 ``{"error": "Invalid transcription_id"}``, as the older resources do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from tavus_async.testing._collection import (
    Account,
    Collection,
    Family,
    Item,
    Route,
    json_body,
    missing,
)
from tavus_async.testing._faults import bad_request
from tavus_async.testing._wire import optional


__all__ = ["Transcriptions", "transcript_of"]


_REQUIRED = ("file_url", "callback_url")


def _required(body: Mapping[str, Any], key: str) -> str:
    value = optional(body, key, str)
    if not value:
        raise bad_request(f"{key} is required")
    return str(value)


def transcript_of(file_url: str) -> str:
    """The text the fake "hears" in a file: it names the file."""
    return f"This is the transcript of {file_url.rsplit('/', 1)[-1]}."


class Transcriptions(Family):
    """The transcriptions of the fake, reached as ``fake.transcriptions``.

    Attributes:
        transcription_time: Seconds that transcriptions created from now on
            stay ``started``.
        failure_rate: The share (0 to 1) of those that end in ``error``,
            drawn from the fake's seeded random generator.
    """

    def __init__(self, account: Account) -> None:
        """Start with no transcriptions; each takes 1 s."""
        super().__init__(account)
        self._items = Collection(
            account,
            id_field="transcription_id",
            prefix="t",
            digits=12,
            unknown=lambda _: missing("Invalid transcription_id"),
        )
        self.transcription_time: float = 1.0
        self.failure_rate: float = 0.0

    def add(
        self,
        file_url: str = "https://example.com/video.mp4",
        *,
        status: str | None = None,
        text: str | None = None,
        callback_url: str | None = None,
    ) -> str:
        """Store a transcription without the API's checks; return its id.

        Args:
            file_url: The file.
            status: Any status kept as it is (``"completed"``, one Tavus may
                add); None transcribes it from now, as Create would.
            text: Its text, with a ``status``.
            callback_url: Where to POST it when it ends (with no ``status``).
        """
        item = self._store(file_url, callback_url)
        if status is not None:
            item.state["status"] = status
            item.fields["text"] = text
        return item.id

    def routes(self) -> Iterable[Route]:
        """Create, list, get and delete transcriptions."""
        one = "/v2/transcriptions/{transcription_id}"
        return (
            ("POST", "/v2/transcriptions", self._create),
            ("GET", "/v2/transcriptions", self._list),
            ("GET", one, self._get),
            ("DELETE", one, self._delete),
        )

    def _store(self, file_url: str, callback_url: str | None) -> Item:
        item = self._items.add({"file_url": file_url})
        rng = self._account.rng
        doomed = self.failure_rate > 0 and rng.random() < self.failure_rate
        end = item.created + self.transcription_time
        item.state.update(status=None, end=end, doomed=doomed, callback=callback_url)
        if callback_url:
            self._items.watch(item.id, end, self._bring)
        return item

    def _bring(self, item: Item, now: float) -> None:
        state = item.state
        if state["status"] is not None or now < state["end"]:
            return
        if state["doomed"]:
            state["status"] = "error"
        else:
            state["status"] = "completed"
            item.fields["text"] = transcript_of(item.fields["file_url"])
        item.updated = state["end"]
        if state["callback"]:
            self._account.outbox.put(state["callback"], self._wire(item))

    def _read(self, item: Item) -> Item:
        self._account.catch_up()
        self._bring(item, self._account.now())
        return item

    def _wire(self, item: Item) -> dict[str, Any]:
        return {
            "transcription_id": item.id,
            **{k: v for k, v in item.fields.items() if v is not None},
            "status": item.state["status"] or "started",
            "created_at": self._account.iso(item.created),
        }

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        file_url, callback_url = (_required(body, k) for k in _REQUIRED)
        item = self._store(file_url, callback_url)
        answer = {"transcription_id": item.id, "status": "started"}
        return web.json_response({**answer, "callback_url": callback_url})

    async def _list(self, request: web.Request) -> web.StreamResponse:
        items = [self._read(item) for item in self._items]
        return web.json_response(self._items.page(request.query, items, self._wire))

    async def _get(self, request: web.Request) -> web.StreamResponse:
        item = self._items.get(request.match_info["transcription_id"])
        return web.json_response(self._wire(self._read(item)))

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self._items.remove(request.match_info["transcription_id"])
        return web.Response(status=204)
