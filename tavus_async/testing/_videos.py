"""The fake's videos: Generate, Get, List, Rename and Delete Video.

A generated video is ``queued`` for :attr:`Videos.queue_time` seconds, then
``generating`` for :attr:`Videos.generation_time` (plus a seeded share of
:attr:`Videos.generation_spread`) seconds, its ``generation_progress`` rising
from ``0/100``, then ``ready`` with its URLs, or ``error``. Statuses are
computed from the fake's clock when a video is read. A video with a
``callback_url`` is also watched in the outbox, so that the whole video, as
Get Video renders it, is POSTed there when the clock passes the moment it
ends, whether or not anyone reads it.

Quirks kept from Tavus's documentation: Generate Video answers ``created_at``
as an HTTP date (``"Mon, 14 Jul 2025 09:14:24 GMT"``), and callbacks write
timestamps with a space and no zone (``"2024-08-28 15:27:40.824457"``) and
send a failed video's ``download_url`` and ``stream_url`` as null.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from tavus_async.testing._faults import ApiError, bad_request
from tavus_async.testing._videos_wire import (
    GENERATION_ERROR,
    MEDIA,
    callback_body,
    check_video_body,
    http_date,
    percent,
    ready_fields,
    thumbnails,
)
from tavus_async.testing._wire import flag, optional


__all__ = ["GENERATION_ERROR", "Videos"]


def _unknown(_: str) -> ApiError:
    return missing("Invalid video_id")


class Videos(Family):
    """The videos of the fake, reached as ``fake.videos``; see the module docstring.

    Generate Video needs a stored replica whose status is ``completed``
    (400 ``Invalid replica_id`` for an unknown one, 400 "not ready" for one
    still training or failed). A delete without ``hard`` leaves the video
    readable with status ``deleted`` (its generation stops, no callback
    follows); with ``hard``, it is gone (400 ``Invalid video_id``).

    Attributes:
        queue_time: Seconds that videos generated from now on stay queued.
        generation_time: Seconds they then spend generating.
        generation_spread: Up to this many extra seconds of generation, drawn
            per video from the fake's seeded random generator.
        failure_rate: The share (0 to 1) of videos generated from now on that
            end in ``error``, drawn from the same generator; the replicas'
            ``fake.failure_rate`` does not apply to videos.
    """

    def __init__(self, account: Account) -> None:
        """Create the family: no videos, 0.2 s queued, 1 s generating."""
        super().__init__(account)
        self._videos = Collection(
            account, id_field="video_id", prefix="", digits=10, unknown=_unknown
        )
        self._failing: list[tuple[str, str]] = []
        self.queue_time: float = 0.2
        self.generation_time: float = 1.0
        self.generation_spread: float = 0.0
        self.failure_rate: float = 0.0

    def routes(self) -> Iterable[Route]:
        """Every route of the family."""
        one = "/v2/videos/{video_id}"
        return (
            ("POST", "/v2/videos", self._generate),
            ("GET", "/v2/videos", self._list),
            ("GET", one, self._get),
            ("DELETE", one, self._delete),
            ("PATCH", one + "/name", self._rename),
        )

    # Test controls

    def add(
        self,
        *,
        replica_id: str = "r90bbd427f71",
        script: str = "Hello from Tavus!",
        video_name: str | None = None,
        status: str | None = "ready",
        error_message: str = GENERATION_ERROR,
    ) -> str:
        """Add a video without Generate Video's checks (its replica need not exist).

        Args:
            replica_id: The replica it names.
            script: Its script.
            video_name: Its name; None makes one up, as Tavus does.
            status: ``"ready"`` (with its URLs) or ``"error"`` (with
                ``error_message``) ends it now; any other string (``"deleted"``,
                a status Tavus may add) is kept as it is; None generates it
                from now, as Generate Video would.
            error_message: Its ``status_details`` and ``error_details`` when
                ``status`` is ``"error"``.

        Returns:
            The new video's id.
        """
        body = {"replica_id": replica_id, "script": script, "video_name": video_name}
        item = self._store({key: value for key, value in body.items() if value})
        now = self._account.now()
        if status in ("ready", "error"):
            self._settle(item, now, None if status == "ready" else error_message)
        elif status is not None:
            item.state["status"] = status
        return item.id

    def finish(self, video_id: str | None = None) -> None:
        """End the generation of one video (``KeyError`` if unknown) or of all, now.

        Each ends as it would have: ``ready``, or ``error`` when it drew a
        failure or matches :meth:`fail_matching`, and is called back at once
        when it has a ``callback_url``. Videos already ended are left alone.
        """
        if video_id is not None and self._videos.find(video_id) is None:
            raise KeyError(video_id)
        self._account.catch_up()
        now = self._account.now()
        for item in self._videos:
            if video_id in (None, item.id) and item.state["status"] is None:
                self._settle(item, now, self._failure(item))

    def fail_matching(self, substring: str, message: str = GENERATION_ERROR) -> None:
        """Make generation fail for videos whose script or name holds ``substring``.

        Videos still queued or generating, and those generated later, end in
        ``error`` with ``message`` as their ``status_details`` and
        ``error_details``. Videos whose end was already due end first and
        keep their outcome.
        """
        self._bring_all()
        self._failing.append((substring, message))

    # Time

    def _store(self, body: dict[str, Any]) -> Item:
        rng, span = self._account.rng, self.generation_time
        if self.generation_spread > 0:
            span += rng.uniform(0.0, self.generation_spread)
        replica_id, script = body["replica_id"], body.get("script")
        item = self._videos.add(
            {
                "video_name": body.get("video_name"),
                "replica_id": replica_id,
                "data": None if script is None else {"script": script},
                "background_url": body.get("background_url"),
                "background_source_url": body.get("background_source_url"),
            }
        )
        item.fields["video_name"] = (
            item.fields["video_name"] or f"replica_id: {replica_id} - video: {item.id}"
        )
        item.fields["hosted_url"] = f"{MEDIA}/{item.id}"
        start = item.created + self.queue_time
        item.state.update(
            request=body,
            start=start,
            span=span,
            status=None,
            progress=0,
            doomed=self.failure_rate > 0 and rng.random() < self.failure_rate,
        )
        if body.get("callback_url"):
            self._videos.watch(item.id, start + span, self._bring)
        return item

    def _bring(self, item: Item, now: float) -> None:
        state = item.state
        due = state["start"] + state["span"]
        if state["status"] is None and now >= due:
            self._settle(item, due, self._failure(item))

    def _bring_all(self) -> None:
        self._account.catch_up()
        now = self._account.now()
        for item in self._videos:
            self._bring(item, now)

    def _read(self, video_id: str) -> Item:
        self._account.catch_up()
        item = self._videos.get(video_id)
        self._bring(item, self._account.now())
        return item

    def _failure(self, item: Item) -> str | None:
        if item.state["doomed"]:
            return GENERATION_ERROR
        script = (item.fields.get("data") or {}).get("script") or ""
        for substring, message in self._failing:
            if substring in script or substring in item.fields["video_name"]:
                return message
        return None

    def _settle(self, item: Item, at: float, message: str | None) -> None:
        state = item.state
        if message is None:
            state["status"], state["progress"] = "ready", 100
            item.fields.update(ready_fields(item.id, state["request"]))
            if not state["request"].get("fast"):
                state["thumbnails"] = thumbnails(item.id)
        else:
            state["status"] = "error"
            state["progress"] = percent(state["start"], state["span"], at)
            item.fields.update(status_details=message, error_details=message)
        item.updated = max(item.updated, at)
        url = state["request"].get("callback_url")
        if url:
            body = callback_body(self._wire(item, at, verbose=False))
            self._account.outbox.put(url, body)

    # Wire

    def _now_status(self, item: Item, at: float) -> tuple[str, int]:
        state = item.state
        if state["status"] is not None:
            return state["status"], state["progress"]
        if at < state["start"]:
            return "queued", 0
        return "generating", percent(state["start"], state["span"], at)

    def _wire(self, item: Item, at: float, *, verbose: bool) -> dict[str, Any]:
        status, progress = self._now_status(item, at)
        extra = item.state.get("thumbnails", {}) if verbose else {}
        return self._videos.stamped(
            item, status=status, generation_progress=f"{progress}/100", **extra
        )

    # Handlers

    async def _generate(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        replica_id = check_video_body(body)
        status = self._account.replica_status(replica_id)
        if status is None:
            raise bad_request("Invalid replica_id")
        if status != "completed":
            raise bad_request(f"Replica {replica_id} is not ready (status: {status}).")
        item = self._store(body)
        return web.json_response(
            {
                "video_id": item.id,
                "video_name": item.fields["video_name"],
                "status": "queued",
                "hosted_url": item.fields["hosted_url"],
                "created_at": http_date(self._account.iso(item.created)),
            }
        )

    async def _get(self, request: web.Request) -> web.StreamResponse:
        verbose = flag(request.query, "verbose")
        item = self._read(request.match_info["video_id"])
        return web.json_response(self._wire(item, self._account.now(), verbose=verbose))

    async def _list(self, request: web.Request) -> web.StreamResponse:
        self._account.catch_up()
        now = self._account.now()

        def render(item: Item) -> dict[str, Any]:  # only the page's videos are brought
            self._bring(item, now)
            return self._wire(item, now, verbose=True)

        answer = self._videos.page(request.query, self._videos, render, first=0)
        return web.json_response(answer)

    async def _rename(self, request: web.Request) -> web.StreamResponse:
        item = self._read(request.match_info["video_id"])
        name = optional(await json_body(request), "video_name", str)
        if not name:
            raise bad_request("video_name is required")
        item.fields["video_name"], item.updated = name, self._account.now()
        return web.Response(text="OK")

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        hard = flag(request.query, "hard")
        item = self._read(request.match_info["video_id"])
        now = self._account.now()
        if hard:
            self._videos.remove(item.id)
        elif item.state["status"] != "deleted":
            _, item.state["progress"] = self._now_status(item, now)
            item.state["status"], item.updated = "deleted", now
        return web.Response()
