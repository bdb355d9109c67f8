"""Knowledge-base document types: what you send to add one and what Tavus returns.

A document is a file or a website that personas can draw on in
conversations. These classes describe data only; the JSON rules live in the
converter (:func:`tavus_async.make_converter`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import field, frozen

from tavus_async import _validation as v
from tavus_async.errors import ValidationError
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = [
    "CrawlConfig",
    "CreateDocumentRequest",
    "Document",
    "DocumentPage",
    "DocumentStatus",
]

_BOUNDS = {"depth": (1, 10), "max_pages": (1, 100)}
"""The ``crawl`` values Tavus accepts, lowest and highest."""

_URL_RULE = (
    "must be a direct http(s) URL to a file (.pdf, .txt, .docx, .doc, .png, "
    ".jpg, .pptx, .csv or .xlsx, at most 50 MB) or to a website; Tavus "
    "downloads it, so a local path will not do: upload the file first (a "
    "presigned S3 URL, for one)"
)


def _strings(value: Iterable[str] | None) -> tuple[str, ...] | None:
    """A list of tags as a tuple; one string is refused, not split into letters.

    Raises:
        ValidationError: ``value`` is a string.
    """
    if isinstance(value, str):
        raise ValidationError.single(
            "tags", f"must be a list of tags, not one string; use [{value!r}]"
        )
    return None if value is None else tuple(value)


class DocumentStatus(OpenStrEnum):
    """Where a document is in its processing.

    ``started`` when created, ``processing`` while Tavus reads it, then
    ``ready`` (usable in conversations) or ``error``; ``recrawling`` while a
    website document is crawled again. Values not listed here still parse
    (see :class:`OpenStrEnum`).
    """

    STARTED = "started"
    PROCESSING = "processing"
    READY = "ready"
    ERROR = "error"
    RECRAWLING = "recrawling"

    @property
    def is_success(self) -> bool:
        """True for ``ready``: conversations can use the document."""
        return self is DocumentStatus.READY

    @property
    def is_terminal(self) -> bool:
        """True once processing has ended, well (``ready``) or badly (``error``)."""
        return self.is_success or self is DocumentStatus.ERROR


@frozen(kw_only=True)
class CrawlConfig(_Model):
    """How far Tavus follows links from a website document's URL.

    Sent as ``crawl`` when creating or recrawling a document, and returned as
    a document's ``crawl_config``. The bounds (``depth`` 1 to 10,
    ``max_pages`` 1 to 100) are checked by the request that sends it, not
    here, so that a document Tavus returns always parses.
    """

    depth: int | None = None
    """How many levels of links to follow from the URL (1 to 10); 1 means
    only the pages the URL links to."""
    max_pages: int | None = None
    """The most pages crawled (1 to 100); the crawl stops there."""


def _check_crawl(problems: v.Problems, crawl: object) -> None:
    """Append a problem for a ``crawl`` that is not a CrawlConfig within bounds."""
    if crawl is None:
        return
    if not isinstance(crawl, CrawlConfig):
        problems.append(("crawl", f"must be a CrawlConfig, got {type(crawl).__name__}"))
        return
    for name, (low, high) in _BOUNDS.items():
        value = getattr(crawl, name)
        before = len(problems)
        v.check_min(problems, f"crawl.{name}", value, low)
        if len(problems) == before and value is not None and value > high:
            problems.append((f"crawl.{name}", f"must be at most {high}, got {value}"))


def _check_tags(problems: v.Problems, tags: Iterable[object] | None) -> None:
    """Append a problem for each tag that is not a non-empty string."""
    for tag in tags or ():
        if not isinstance(tag, str) or not tag.strip():
            problems.append(("tags", f"must hold non-empty strings, got {tag!r}"))


@frozen(kw_only=True)
class CreateDocumentRequest(_Model):
    """The body of ``POST /v2/documents``: a file or a website for the knowledge base.

    Tavus processes it asynchronously (a few minutes, by file size); the
    document can be used in conversations once its status is ``ready``.
    Every problem is reported at once, as a
    :class:`~tavus_async.ValidationError`, when the request is built. Fields
    left as None are not sent.

    Raises:
        ValidationError: A missing or unusable URL, a bad name, tag or crawl.
    """

    document_url: str
    """A direct URL to a file (.pdf, .txt, .docx, .doc, .png, .jpg, .pptx,
    .csv, .xlsx; at most 50 MB) or to a website. Without ``crawl``, only
    the page at the URL is read."""
    document_name: str | None = None
    """A name; Tavus makes one up when it is left out."""
    callback_url: str | None = None
    """Receives the document's status updates while it is processed."""
    tags: tuple[str, ...] | None = field(default=None, converter=_strings)
    """Tags that group documents (``document_tags`` of personas and
    conversations select by them)."""
    crawl: CrawlConfig | None = None
    """Follow the links of a website URL and read many pages into one
    document. Tavus allows 100 crawl documents per account, 5 crawls at once."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        url = self.document_url
        found: v.Problems = []
        v.check_url(found, "document_url", url)
        if found or not url:
            problems.append(("document_url", f"{_URL_RULE}, got {url!r}"))
        v.check_text(problems, "document_name", self.document_name)
        v.check_url(problems, "callback_url", self.callback_url)
        _check_tags(problems, self.tags)
        _check_crawl(problems, self.crawl)
        v.raise_if(problems)


@frozen(kw_only=True)
class _RecrawlBody(_Model):
    """The body of ``POST /v2/documents/{id}/recrawl``: settings for this run only."""

    crawl: CrawlConfig | None = None

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        _check_crawl(problems, self.crawl)
        v.raise_if(problems)


@frozen(kw_only=True)
class _UpdateBody(_Model):
    """The body of ``PATCH /v2/documents/{id}`` (plain JSON, not a JSON-Patch)."""

    document_name: str | None = None
    tags: tuple[str, ...] | None = field(default=None, converter=_strings)

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        if self.document_name is None and self.tags is None:
            problems.append(("document_name", "give document_name, tags or both"))
        v.check_text(problems, "document_name", self.document_name)
        _check_tags(problems, self.tags)
        v.raise_if(problems)


@frozen(kw_only=True)
class Document(_Model):
    """A document as Create, Get, List, Update and Recrawl Document return it.

    Fields Tavus leaves out (``crawl_config`` and the crawl fields of a
    document that is not a crawled website, ``error_message`` unless the
    status is ``error``) are None, or empty for lists.
    """

    document_id: str
    """The id, such as ``"d8-5c71baca86fc"``."""
    document_name: str | None = None
    """The name given, or made up by Tavus."""
    document_url: str | None = None
    """The file's or the website's URL."""
    status: DocumentStatus | None = None
    """Where processing is; see :class:`DocumentStatus`."""
    progress: int | None = None
    """Percent processed (0 to 100) while processing; None before and after."""
    error_message: str | None = None
    """Why processing failed, as a code such as ``"file_download_failed"``
    or ``"website_processing_failed"``; only with status ``error``."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""
    callback_url: str | None = None
    """Where status updates go."""
    tags: tuple[str, ...] = ()
    """Its tags."""
    crawl_config: CrawlConfig | None = None
    """The crawl settings of a crawled website (those of the run in progress,
    while recrawling)."""
    crawled_urls: tuple[str, ...] = ()
    """The pages a crawl read, once it has finished."""
    last_crawled_at: datetime | None = None
    """When it was last crawled (timezone-aware)."""
    crawl_count: int | None = None
    """How many times it has been crawled."""


DocumentPage = Page[Document]
"""A page of documents from ``client.documents.list()``; it echoes ``page``
(counted from 0) and ``limit``."""
