"""Contract test: client.documents against Prism serving Tavus's published spec.

Each method's request must pass Prism's checks (``--errors``), and each
answer, built from the spec's examples, must parse. Every optional field and
query parameter is sent at least once across the file.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest

from tavus_async import TavusClient, with_raw_response
from tavus_async.services.documents import DocumentsService
from tavus_async.types.documents import (
    CrawlConfig,
    CreateDocumentRequest,
    DocumentStatus,
)
from tests.contract._prism import Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

DOCUMENT_ID = "d8-5c71baca86fc"
SITE = "https://docs.example.com/"
ITER_BOUND = 5

COVERED = {
    DocumentsService: {
        "create": "test_create_document_with_every_field/_minimal",
        "get": "test_get_document",
        "list": "test_list_documents_with_every_filter",
        "iter_all": "test_iter_all_documents",
        "update": "test_update_document",
        "delete": "test_delete_document",
        "recrawl": "test_recrawl_document/_with_crawl",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of the documents service has a test listed in COVERED."""
    assert_covered(COVERED)


async def test_create_document_with_every_field(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Document with a crawl and every optional field is accepted."""
    request = CreateDocumentRequest(
        document_url=SITE,
        document_name="Company Knowledge Base",
        callback_url="https://your-server.com/webhook",
        tags=["docs", "website"],
        crawl=CrawlConfig(depth=2, max_pages=20),
    )
    with accepted(exchanges):
        document = await client.documents.create(request)
    assert ("POST", "/v2/documents", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
    assert DOCUMENT_ID == document.document_id
    assert DocumentStatus.STARTED == document.status
    assert None is document.progress
    assert CrawlConfig(depth=2, max_pages=10) == document.crawl_config
    assert 3 == len(document.crawled_urls)
    assert datetime(2024, 1, 1, 12, 0, tzinfo=UTC) == document.last_crawled_at


async def test_create_document_minimal(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Document with only the URL is accepted."""
    with accepted(exchanges):
        document = await client.documents.create(
            CreateDocumentRequest(document_url="https://cdn.example.com/a.pdf")
        )
    assert DOCUMENT_ID == document.document_id


async def test_get_document(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Document parses the spec's example."""
    with accepted(exchanges):
        document = await client.documents.get(DOCUMENT_ID)
    assert f"/v2/documents/{DOCUMENT_ID}" == exchanges.last().path
    assert DocumentStatus.STARTED == document.status  # Prism takes the enum's first
    assert "string" == document.error_message  # Prism's filler, status aside
    assert "https://your-server.com/webhook" == document.callback_url
    assert ("docs", "website") == document.tags
    assert datetime(2024, 1, 1, 12, 5, tzinfo=UTC) == document.updated_at
    assert 1 == document.crawl_count


async def test_list_documents_with_every_filter(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """List Documents with every query parameter is accepted; page and limit echo."""
    with accepted(exchanges):
        page = await client.documents.list(
            limit=10,
            page=0,
            sort="descending",
            status=DocumentStatus.READY,
            name_or_uuid="Example",
            tags=["important", "meeting"],
        )
    assert {
        "limit": "10",
        "page": "0",
        "sort": "descending",
        "status": "ready",
        "name_or_uuid": "Example",
        "tags": "important,meeting",
    } == exchanges.last().query
    assert (42, 0, 10) == (page.total_count, page.page, page.limit)
    (document,) = page.data
    assert DOCUMENT_ID == document.document_id
    assert 2 == len(document.crawled_urls)


async def test_iter_all_documents(client: TavusClient, exchanges: Exchanges) -> None:
    """iter_all starts at page 0 and stops once Prism's one page comes again.

    Page 1 repeating page 0 is taken for a server counting from 1 and skipped;
    page 2 repeating it too ends the listing.
    """
    seen = []
    with accepted(exchanges):
        iterator = client.documents.iter_all(limit=10, sort="ascending")
        async with contextlib.aclosing(iterator) as documents:
            async for document in documents:
                seen.append(document.document_id)
                if len(seen) >= ITER_BOUND:
                    break
    assert [DOCUMENT_ID] == seen
    assert ["0", "1", "2"] == [e.query["page"] for e in exchanges.seen]


async def test_update_document(client: TavusClient, exchanges: Exchanges) -> None:
    """Update Document's plain JSON body is accepted and its answer parsed."""
    with accepted(exchanges):
        document = await client.documents.update(
            DOCUMENT_ID,
            document_name="Updated Document Name",
            tags=["docs", "website", "updated"],
        )
    assert ("PATCH", 200) == (exchanges.last().method, exchanges.last().status)
    assert "Updated Document Name" == document.document_name
    assert ("docs", "website", "updated") == document.tags


async def test_delete_document(client: TavusClient, exchanges: Exchanges) -> None:
    """Delete Document is accepted (204)."""
    with accepted(exchanges):
        await client.documents.delete(DOCUMENT_ID)
    assert ("DELETE", 204) == (exchanges.last().method, exchanges.last().status)


async def test_recrawl_document(client: TavusClient, exchanges: Exchanges) -> None:
    """Recrawl Document without a body is accepted and answered 202."""
    with accepted(exchanges):
        raw = await with_raw_response(client.documents.recrawl, DOCUMENT_ID)
    assert f"/v2/documents/{DOCUMENT_ID}/recrawl" == exchanges.last().path
    assert 202 == raw.status_code
    document = raw.parsed
    assert DocumentStatus.STARTED == document.status  # Prism takes the enum's first
    assert ("website", "company") == document.tags
    assert datetime(2024, 1, 15, 10, 30, tzinfo=UTC) == document.updated_at


async def test_recrawl_document_with_crawl(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Recrawl Document with crawl settings for this run is accepted."""
    with accepted(exchanges):
        document = await client.documents.recrawl(
            DOCUMENT_ID, crawl=CrawlConfig(depth=3, max_pages=50)
        )
    assert ("POST", 202) == (exchanges.last().method, exchanges.last().status)
    assert CrawlConfig(depth=2, max_pages=10) == document.crawl_config
