"""The knowledge-base document service: ``client.documents``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import Any, Literal, Unpack

import attrs

from tavus_async import _http
from tavus_async import _validation as v
from tavus_async._options import RequestOptions
from tavus_async.services._base import (
    DEFAULT_PAGE_SIZE,
    Resource,
    body,
    call,
    create,
    delete,
    pages,
)
from tavus_async.types.documents import (
    CrawlConfig,
    CreateDocumentRequest,
    Document,
    DocumentPage,
    DocumentStatus,
    _RecrawlBody,
    _UpdateBody,
)
from tavus_async.watch import Watcher, WatchSettings, document_source


__all__ = ["DocumentsService"]

_DOCUMENTS = Resource("documents", "document_id")
_SORTS = ("ascending", "descending")


def _filters(
    problems: v.Problems,
    sort: str | None,
    status: str | None,
    name_or_uuid: str | None,
    tags: Iterable[str] | None,
) -> dict[str, Any]:
    """The list filters as query parameters; their problems go to ``problems``."""
    if sort is not None and sort not in _SORTS:
        problems.append(("sort", f"must be 'ascending' or 'descending', got {sort!r}"))
    v.check_text(problems, "status", status)
    v.check_text(problems, "name_or_uuid", name_or_uuid)
    wanted: list[object] | None = None
    if isinstance(tags, str):
        problems.append(
            ("tags", f"must be a list of tags, not one string; use [{tags!r}]")
        )
    elif tags is not None:
        given: list[object] = list(tags)
        if not given:
            problems.append(("tags", "must hold at least one tag; omit it instead"))
        wanted = given
        problems.extend(
            (
                "tags",
                "must hold non-empty tags without commas (Tavus reads them "
                f"from one comma-separated text), got {tag!r}",
            )
            for tag in given
            if not isinstance(tag, str) or not tag.strip() or "," in tag
        )
    return {
        "sort": sort,
        "status": status,
        "name_or_uuid": name_or_uuid,
        "tags": wanted,
    }


class DocumentsService:
    """Add, read, rename, retag, recrawl and delete knowledge-base documents
    (``/v2/documents``).

    Reach it as ``client.documents``. A document is a file or a website that
    Tavus processes asynchronously; attach ``ready`` ones to personas and
    conversations with ``document_ids`` or ``document_tags``. Every method
    validates its arguments before sending anything and raises
    :class:`~tavus_async.ValidationError` for bad ones; API failures raise
    :class:`~tavus_async.APIError` subclasses (an id Tavus does not know is a
    :class:`~tavus_async.NotFoundError`: Tavus answers 404 here).

    Tavus's crawl limits (100 crawl documents per account, 5 crawls at once,
    an hour between two recrawls of a document) are answered with 429, a
    :class:`~tavus_async.RateLimitError`: waiting seconds does not lift them.
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self, request: CreateDocumentRequest, **options: Unpack[RequestOptions]
    ) -> Document:
        """Add a document for Tavus to process. Not retried if Tavus may have acted.

        Args:
            request: The URL and settings; see :class:`CreateDocumentRequest`.

        Returns:
            The new document, usually with status ``started``.

        Raises:
            ValidationError: ``request`` is not a CreateDocumentRequest.
            RateLimitError: The account's crawl limit is reached (with ``crawl``).
            APIError: The create failed. When ``may_have_succeeded`` is set,
                look the document up (``list(name_or_uuid=...)``) before
                creating it again.
        """
        return await create(
            self._requester,
            _DOCUMENTS,
            request,
            CreateDocumentRequest,
            Document,
            options,
        )

    async def get(
        self, document_id: str, **options: Unpack[RequestOptions]
    ) -> Document:
        """Fetch one document, with its status and progress.

        Args:
            document_id: Such as ``"d8-5c71baca86fc"``.

        Raises:
            ValidationError: ``document_id`` is empty or malformed.
            NotFoundError: Tavus does not know the id (404).
        """
        req = _DOCUMENTS.one("GET", document_id)
        return await call(self._requester, req, Document, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        sort: Literal["ascending", "descending"] | None = None,
        status: DocumentStatus | str | None = None,
        name_or_uuid: str | None = None,
        tags: Iterable[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> DocumentPage:
        """Fetch one page of documents.

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, **from 0** as Tavus counts document pages
                (Tavus default 0).
            sort: ``"ascending"`` (Tavus default) or ``"descending"``.
            status: Only documents with this status, such as ``"ready"``.
            name_or_uuid: Only documents whose name contains this text, or
                whose id it is.
            tags: Only documents with these tags.

        Returns:
            The page: ``.data``, ``.total_count``, and the ``.page`` and
            ``.limit`` Tavus echoes.

        Raises:
            ValidationError: A bad page, limit, sort, status, text or tag.
        """
        problems: v.Problems = []
        v.check_min(problems, "limit", limit, 1)
        v.check_min(problems, "page", page, 0)
        filters = _filters(problems, sort, status, name_or_uuid, tags)
        v.raise_if(problems)
        req = _DOCUMENTS.all(params={"limit": limit, "page": page, **filters})
        return await call(self._requester, req, DocumentPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        sort: Literal["ascending", "descending"] | None = None,
        status: DocumentStatus | str | None = None,
        name_or_uuid: str | None = None,
        tags: Iterable[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Document, None]:
        """Every document matching the filters, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        ``client.replicas.iter_all`` is (until an empty page or
        ``total_count`` documents), from page 0. Close the generator when
        leaving early, as with ``contextlib.aclosing``.

        Args:
            limit: Documents asked per request (the page size).
            sort: As for :meth:`list`.
            status: As for :meth:`list`.
            name_or_uuid: As for :meth:`list`.
            tags: As for :meth:`list`.

        Returns:
            An async generator of the documents.

        Raises:
            ValidationError: A bad page size, sort, status, text or tag, at
                the call.
        """
        problems: v.Problems = []
        v.check_min(problems, "limit", limit, 1)
        filters = _filters(problems, sort, status, name_or_uuid, tags)
        v.raise_if(problems)
        return pages(self.list, limit, options, first_page=0, **filters)

    async def update(
        self,
        document_id: str,
        *,
        document_name: str | None = None,
        tags: Iterable[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Document:
        """Rename a document, replace its tags, or both.

        Args:
            document_id: The document.
            document_name: Its new name.
            tags: Its new tags, replacing all the old ones (``[]`` removes
                them all).

        Returns:
            The document as changed.

        Raises:
            ValidationError: A bad id, name or tag, or neither given.
            NotFoundError: Tavus does not know the id (404).
        """
        changes = _UpdateBody(document_name=document_name, tags=tags)
        data = body(self._requester, changes)
        req = _DOCUMENTS.one("PATCH", document_id, body=data)
        return await call(self._requester, req, Document, options)

    def watcher(self, **settings: Unpack[WatchSettings]) -> Watcher[Document]:
        """A watcher of this account's documents, polling through this service.

        It polls each cycle by id, or by a sweep of every page of the list
        when that costs fewer requests (see :class:`~tavus_async.Watcher`).
        Its default targets are ``ready`` and ``error``.

        Args:
            settings: The :class:`~tavus_async.Watcher` settings, such as
                ``poll_interval`` and ``max_poll_interval``.

        Returns:
            A new watcher; it sends nothing until a watch is iterated.

        Raises:
            ValidationError: A bad setting.
        """
        return Watcher(document_source(self), **settings)

    async def delete(self, document_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a document and what Tavus derived from it.

        When an attempt may have deleted it but its answer was lost, and the
        retry hears that Tavus does not know the id, this returns normally:
        the document is gone either way.

        Raises:
            ValidationError: An empty id.
            NotFoundError: Tavus does not know the id (404).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted the document.
        """
        await delete(self._requester, _DOCUMENTS, document_id, options)

    async def recrawl(
        self,
        document_id: str,
        *,
        crawl: CrawlConfig | None = None,
        **options: Unpack[RequestOptions],
    ) -> Document:
        """Crawl a website document again, to fetch fresh content (Tavus answers 202).

        Not retried when Tavus may have acted: a second attempt would meet
        the run the first began (409) or its cooldown (429).

        Args:
            document_id: A document in status ``ready`` or ``error``.
            crawl: Settings for this run only; None reuses those the document
                was created with (a document created without ``crawl`` needs
                them).

        Returns:
            The document, usually ``recrawling``; ``crawl_count`` and
            ``last_crawled_at`` change when the run ends.

        Raises:
            ValidationError: A bad id, or ``crawl`` out of bounds.
            NotFoundError: Tavus does not know the id (404).
            ConflictError: The document is not ``ready`` or ``error`` (409).
            RateLimitError: The document was recrawled less than an hour ago,
                or the account's crawl limits are reached (429).
            BadRequestError: No ``crawl`` for a document created without one.
        """
        data = None
        if crawl is not None:
            data = body(self._requester, _RecrawlBody(crawl=crawl))
        req = _DOCUMENTS.one("POST", document_id, "recrawl", body=data)
        req = attrs.evolve(req, idempotent=False)
        return await call(self._requester, req, Document, options)
