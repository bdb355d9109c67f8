"""The fake's knowledge-base documents (``/v2/documents``), on the fake's clock.

A document is processed for :attr:`Documents.processing_time` seconds from
its create (or recrawl): ``started`` for the first tenth of that time, then
``processing`` with ``progress`` rising, then ``ready``, or ``error`` when a
:meth:`Documents.fail_matching` rule matches its URL or name. Statuses are
computed when a document is read; one with a ``callback_url`` is also watched
in the outbox, so its ``ready`` or ``error`` is POSTed there (the document, as
Get Document returns it) when the clock passes that moment.

Answers follow the spec: unknown ids 404 ``{"message": "Document not found"}``,
bad bodies 400 ``{"error": "Invalid request: ..."}``, a recrawl of a document
that is not ``ready`` or ``error`` 409, and the crawl limits 429 (100 crawl
documents, 5 crawls at once, an hour between two recrawls of a document).
Lists count pages from 0 and echo ``page`` and ``limit``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from tavus_async.testing import _documents_wire as wire
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
from tavus_async.testing._wire import choice


__all__ = ["DEFAULT_FAILURE", "Documents"]

DEFAULT_FAILURE = "document_processing_failed"
"""The ``error_message`` of a document failed by :meth:`Documents.fail_matching`."""

_ONE = "/v2/documents/{document_id}"


class Documents(Family):
    """The knowledge-base documents of the fake, reached as ``fake.documents``.

    See the module docstring for their timeline and answers.

    Attributes:
        processing_time: Seconds that documents created or recrawled from
            now on take to process (at least 0).
        recrawl_cooldown: Seconds after a recrawl during which the document
            cannot be recrawled again (Tavus: an hour).
        crawl_limit: The most crawl documents (created with ``crawl``) the
            account may hold (Tavus: 100).
        max_concurrent_crawls: The most crawls running at once (Tavus: 5).
    """

    def __init__(self, account: Account) -> None:
        """Create an empty family on ``account``."""
        super().__init__(account)
        self._docs = Collection(
            account,
            id_field="document_id",
            prefix="d8-",
            digits=12,
            unknown=lambda _: missing("Document not found", status=404, key="message"),
        )
        self._failing: list[tuple[str, str]] = []
        self.processing_time: float = 10.0
        self.recrawl_cooldown: float = 3600.0
        self.crawl_limit: int = 100
        self.max_concurrent_crawls: int = 5

    def routes(self) -> Iterable[Route]:
        """Create, list, get, update, delete and recrawl."""
        return (
            ("POST", "/v2/documents", self._create),
            ("GET", "/v2/documents", self._list),
            ("GET", _ONE, self._get),
            ("PATCH", _ONE, self._update),
            ("DELETE", _ONE, self._delete),
            ("POST", _ONE + "/recrawl", self._recrawl),
        )

    # Test controls

    def add(
        self,
        document_url: str = "https://docs.example.com/",
        *,
        document_name: str | None = None,
        status: str = "ready",
        error_message: str | None = None,
        tags: Iterable[str] = (),
        crawl: Mapping[str, int] | None = None,
        callback_url: str | None = None,
    ) -> str:
        """Store a document that stays in ``status``, created now; return its id.

        Nothing is called back for it.

        Args:
            document_url: Its URL; its name is made from it when not given.
            document_name: Its name.
            status: Where it stays: a ``"processing"`` one stays processing,
                so a recrawl of it is answered 409.
            error_message: Shown while ``status`` is ``"error"``.
            tags: Its tags.
            crawl: Its ``crawl_config``, such as ``{"depth": 2}``; a
                ``"ready"`` one has then been crawled once, now.
            callback_url: Where its later status updates go.

        Raises:
            ApiError: A field the create would refuse (as a 400 body).
        """
        fields = wire.new_fields(
            {
                "document_url": document_url,
                "document_name": document_name,
                "tags": list(tags),
                "crawl": None if crawl is None else dict(crawl),
                "callback_url": callback_url,
            }
        )
        item = self._docs.add(fields)
        item.state.update(status=status, error=error_message, run=None)
        if status == "ready" and fields["crawl_config"] is not None:
            self._crawled(item, fields["crawl_config"], item.created)
        return item.id

    def finish(self, document_id: str | None = None) -> None:
        """End the processing of one document (``KeyError`` if unknown) or all, now.

        Each ends ``ready``, or ``error`` when a :meth:`fail_matching` rule
        matches it, and is called back as it would have been.
        """
        if document_id is not None and self._docs.find(document_id) is None:
            raise KeyError(document_id)
        now = self._account.now()
        self._account.catch_up()
        for item in self._docs:
            run = item.state["run"]
            if run is not None and document_id in (None, item.id):
                run["ends"] = now
                self._bring(item, now)

    def fail_matching(self, substring: str, message: str = DEFAULT_FAILURE) -> None:
        """Fail the runs that end from now on of documents whose URL or name
        contains ``substring``, with ``message`` as their ``error_message``.

        Runs that were already due end first, so the rule never rewrites a
        finished outcome.
        """
        self._catch_up_all()
        self._failing.append((substring, message))

    # Timeline

    def _catch_up_all(self) -> list[Item]:
        self._account.catch_up()
        now = self._account.now()
        items = list(self._docs)
        for item in items:
            self._bring(item, now)
        return items

    def _current(self, request: web.Request) -> Item:
        self._account.catch_up()
        item = self._docs.get(request.match_info["document_id"])
        self._bring(item, self._account.now())
        return item

    def _start(self, item: Item, kind: str, crawl: dict[str, int] | None) -> None:
        now = self._account.now()
        ends = now + max(self.processing_time, 0.0)
        item.state.update(
            status="started" if kind == "process" else "recrawling",
            error=None,
            run={"start": now, "ends": ends, "crawl": crawl},
        )
        if item.fields["callback_url"]:
            self._docs.watch(item.id, ends, self._bring)

    def _bring(self, item: Item, now: float) -> None:
        run = item.state["run"]
        if run is None or now < run["ends"]:
            return
        at = run["ends"]
        item.state["run"] = None
        failure = self._failure(item.fields)
        if failure is None:
            item.state.update(status="ready", error=None)
            if run["crawl"] is not None:
                self._crawled(item, run["crawl"], at)
        else:
            item.state.update(status="error", error=failure)
        item.updated = max(item.updated, at)
        url = item.fields["callback_url"]
        if url:
            self._account.outbox.put(url, self._wire(item, at))

    def _crawled(self, item: Item, crawl: Mapping[str, int], at: float) -> None:
        fields = item.fields
        fields["crawled_urls"] = wire.crawled_urls(fields["document_url"], crawl)
        fields["crawl_count"] = (fields.get("crawl_count") or 0) + 1
        item.state["last_crawled"] = at

    def _failure(self, fields: Mapping[str, Any]) -> str | None:
        haystacks = (fields["document_url"], fields["document_name"])
        for substring, message in self._failing:
            if any(substring in text for text in haystacks):
                return message
        return None

    def _status(self, item: Item, now: float) -> tuple[str, int | None]:
        run = item.state["run"]
        if run is None:
            return item.state["status"], None
        span = run["ends"] - run["start"]
        share = (now - run["start"]) / span if span > 0 else 0.0
        if share < 0.1:
            return item.state["status"], None
        status = "recrawling" if item.state["status"] == "recrawling" else "processing"
        return status, min(99, math.floor(100 * share))

    def _wire(self, item: Item, now: float) -> dict[str, Any]:
        status, progress = self._status(item, now)
        run, last = item.state["run"], item.state.get("last_crawled")
        wire = self._docs.stamped(
            item,
            status=status,
            error_message=item.state["error"] if status == "error" else None,
            crawl_config=run["crawl"] if run is not None else None,
            last_crawled_at=None if last is None else self._account.iso(last),
        )
        wire["progress"] = progress
        return wire

    # Handlers

    async def _create(self, request: web.Request) -> web.StreamResponse:
        fields = wire.new_fields(await json_body(request))
        crawl = fields["crawl_config"]
        if crawl is not None:
            items = self._catch_up_all()
            crawls = sum(i.fields["crawl_config"] is not None for i in items)
            if crawls >= self.crawl_limit:
                raise wire.too_many_crawls(self.crawl_limit)
            self._check_concurrent(items)
        item = self._docs.add(fields)
        self._start(item, "process", crawl)
        return web.json_response(self._wire(item, self._account.now()))

    def _check_concurrent(self, items: Iterable[Item]) -> None:
        running = sum(
            i.state["run"] is not None and i.state["run"]["crawl"] is not None
            for i in items
        )
        if running >= self.max_concurrent_crawls:
            raise wire.too_many_crawling(self.max_concurrent_crawls)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        item = self._current(request)
        return web.json_response(self._wire(item, self._account.now()))

    async def _list(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        descending = choice(query, "sort", ("ascending", "descending")) == "descending"
        status, search = query.get("status"), query.get("name_or_uuid")
        tags = {tag for tag in query.get("tags", "").split(",") if tag}
        now = self._account.now()
        items = sorted(self._catch_up_all(), key=lambda i: i.seq, reverse=descending)
        matches = (
            item
            for item in items
            if (status is None or self._status(item, now)[0] == status)
            and (search is None or wire.found(search, item.id, item.fields))
            and (not tags or not tags.isdisjoint(item.fields["tags"]))
        )
        answer = self._docs.page(
            query, matches, lambda item: self._wire(item, now), echo=True, first=0
        )
        return web.json_response(answer)

    async def _update(self, request: web.Request) -> web.StreamResponse:
        item = self._current(request)
        body = await json_body(request)
        name, tags = wire.text(body, "document_name"), wire.tags(body)
        if name is None and tags is None:
            raise wire.invalid("give document_name or tags")
        if name is not None:
            item.fields["document_name"] = name
        if tags is not None:
            item.fields["tags"] = tags
        item.updated = self._account.now()
        return web.json_response(self._wire(item, item.updated))

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self._docs.remove(self._current(request).id)
        return web.Response(status=204)

    async def _recrawl(self, request: web.Request) -> web.StreamResponse:
        item = self._current(request)
        now = self._account.now()
        status = self._status(item, now)[0]
        if status not in ("ready", "error"):
            raise wire.not_ready(status)
        crawl = wire.crawl_config((await wire.optional_body(request)).get("crawl"))
        crawl = crawl if crawl is not None else item.fields["crawl_config"]
        if crawl is None:
            raise bad_request("Document was not created with crawl configuration")
        last = item.state.get("recrawled")
        if last is not None and now - last < self.recrawl_cooldown:
            minutes = math.ceil((self.recrawl_cooldown - (now - last)) / 60)
            raise wire.cooling_down(minutes)
        self._check_concurrent(self._catch_up_all())
        item.state["recrawled"] = item.updated = now
        self._start(item, "recrawl", crawl)
        return web.json_response(self._wire(item, now), status=202)
