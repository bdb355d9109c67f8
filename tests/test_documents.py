"""client.documents against FakeTavus over real sockets, and the fake's documents."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tavus_async import (
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    TavusClient,
    ValidationError,
    with_raw_response,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.types.documents import (
    CrawlConfig,
    CreateDocumentRequest,
    Document,
    DocumentStatus,
)
from tavus_async.webhooks._aiohttp import start_app


SITE = "https://docs.example.com/"
PDF = "https://cdn.example.com/handbook.pdf"
RECRAWL = "/v2/documents/*/recrawl"


async def add(client: TavusClient, url: str = PDF, **fields: Any) -> Document:
    return await client.documents.create(
        CreateDocumentRequest(document_url=url, **fields)
    )


async def crawled(fake: FakeTavus, client: TavusClient) -> str:
    """A ready website document crawled once; the request log is emptied."""
    document = await add(client, SITE, crawl=CrawlConfig(depth=2, max_pages=3))
    fake.documents.finish(document.document_id)
    fake.reset_log()
    return document.document_id


@pytest.fixture
async def hooks() -> AsyncIterator[tuple[str, list[Any]]]:
    """A callback receiver on 127.0.0.1: its URL and the bodies it got."""
    bodies: list[Any] = []

    async def receive(request: web.Request) -> web.Response:
        bodies.append(json.loads(await request.read()))
        return web.Response(text="thanks")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner, url = await start_app(app, "127.0.0.1", 0, shutdown_timeout=0.1)
    yield f"{url}/hook", bodies
    await runner.cleanup()


# Types


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        ("started", False, False),
        ("processing", False, False),
        ("recrawling", False, False),
        ("ready", True, True),
        ("error", True, False),
        ("archived", False, False),
    ],
)
def test_status_ends(status: str, terminal: bool, success: bool) -> None:
    """ready and error end processing; unknown statuses parse and end nothing."""
    parsed = DocumentStatus(status)

    assert (terminal, success) == (parsed.is_terminal, parsed.is_success)
    assert (status != "archived") == parsed.is_known


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"document_url": ""}, "document_url", "direct http(s) URL to a file"),
        ({"document_url": None}, "document_url", "or to a website"),
        ({"document_url": "/home/me/handbook.pdf"}, "document_url", "local path"),
        ({"document_url": "ftp://x.com/a.pdf"}, "document_url", "upload the file"),
        ({"document_name": " "}, "document_name", "must not be empty"),
        ({"callback_url": "hook"}, "callback_url", "absolute http(s) URL"),
        ({"tags": "docs"}, "tags", "use ['docs']"),
        ({"tags": ["docs", ""]}, "tags", "non-empty strings, got ''"),
        ({"crawl": {"depth": 2}}, "crawl", "must be a CrawlConfig, got dict"),
        ({"crawl": CrawlConfig(depth=0)}, "crawl.depth", "at least 1, got 0"),
        ({"crawl": CrawlConfig(depth=11)}, "crawl.depth", "at most 10, got 11"),
        ({"crawl": CrawlConfig(depth=True)}, "crawl.depth", "an integer, got bool"),
        ({"crawl": CrawlConfig(max_pages=101)}, "crawl.max_pages", "at most 100"),
    ],
)
def test_create_request_is_checked(
    fields: dict[str, Any], field: str, words: str
) -> None:
    """A create request that Tavus would refuse names its field and the fix."""
    with pytest.raises(ValidationError) as info:
        CreateDocumentRequest(**{"document_url": PDF, **fields})

    assert field == info.value.field
    assert words in str(info.value)


def test_every_create_problem_at_once() -> None:
    """All the problems of a request come in one error, in field order."""
    with pytest.raises(ValidationError) as info:
        CreateDocumentRequest(
            document_url="handbook.pdf",
            callback_url="hook",
            crawl=CrawlConfig(depth=0, max_pages=0),
        )

    expected = ["document_url", "callback_url", "crawl.depth", "crawl.max_pages"]
    assert expected == [field for field, _ in info.value.problems]


# Create, get, progress, callbacks


async def test_create_returns_the_document(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Create sends only what was set and answers the whole document, started."""
    document = await add(
        client,
        SITE,
        document_name="Company Knowledge Base",
        tags=["docs", "website"],
        crawl=CrawlConfig(depth=2, max_pages=20),
    )

    expected_body = {
        "document_url": SITE,
        "document_name": "Company Knowledge Base",
        "tags": ["docs", "website"],
        "crawl": {"depth": 2, "max_pages": 20},
    }
    assert expected_body == fake.requests[-1].json
    assert DocumentStatus.STARTED is document.status
    assert document.document_id.startswith("d8-")
    assert ("docs", "website") == document.tags
    assert CrawlConfig(depth=2, max_pages=20) == document.crawl_config
    assert (None, None, (), None) == (
        document.progress,
        document.callback_url,
        document.crawled_urls,
        document.crawl_count,
    )
    assert document.created_at is not None
    assert document.created_at.tzinfo is not None


async def test_status_follows_the_clock(fake: FakeTavus, client: TavusClient) -> None:
    """started, then processing with progress rising, then ready at processing_time."""
    fake.documents.processing_time = 1000.0  # the real time between calls is noise
    document = await add(client)
    seen = []
    for seconds in (50, 300, 400, 250):
        fake.advance(seconds)
        now = await client.documents.get(document.document_id)
        seen.append((now.status, now.progress))

    expected = [("started", None), ("processing", 35), ("processing", 75)]
    assert [*expected, ("ready", None)] == seen
    assert "handbook.pdf" == now.document_name  # made up from the URL
    assert () == now.crawled_urls  # not a crawl


async def test_failures_and_crawls_settle(fake: FakeTavus, client: TavusClient) -> None:
    """A fail_matching rule ends matching runs in error; a crawl records its pages."""
    early = await add(client, "https://cdn.example.com/broken-early.pdf")
    fake.advance(10)
    fake.documents.fail_matching("broken", "file_format_unsupported")
    late = await add(client, "https://cdn.example.com/broken-late.pdf")
    site = await add(client, SITE, crawl=CrawlConfig(max_pages=3))
    fake.documents.finish()

    early_now, late_now, site_now = [
        await client.documents.get(d.document_id) for d in (early, late, site)
    ]
    assert ("ready", None) == (early_now.status, early_now.error_message)
    assert ("error", "file_format_unsupported") == (
        late_now.status,
        late_now.error_message,
    )
    assert 3 == len(site_now.crawled_urls)
    assert (1, site_now.updated_at) == (site_now.crawl_count, site_now.last_crawled_at)


async def test_callbacks_carry_the_finished_document(
    fake: FakeTavus, client: TavusClient, hooks: tuple[str, list[Any]]
) -> None:
    """ready and error are POSTed to callback_url as the document, when due."""
    url, bodies = hooks
    fake.documents.fail_matching("broken")
    good = await add(client, callback_url=url)
    fake.advance(5)
    bad = await add(client, "https://cdn.example.com/broken.pdf", callback_url=url)
    fake.advance(10)

    deliveries = await fake.wait_callbacks(2)

    assert [200, 200] == [d.status for d in deliveries]
    parsed = [client.converter.structure(body, Document) for body in bodies]
    assert [(good.document_id, "ready"), (bad.document_id, "error")] == [
        (d.document_id, d.status) for d in parsed
    ]
    assert "document_processing_failed" == parsed[1].error_message
    assert await client.documents.get(good.document_id) == parsed[0]


async def test_a_deleted_document_is_not_called_back(
    fake: FakeTavus, client: TavusClient, hooks: tuple[str, list[Any]]
) -> None:
    """Deleted while processing, a document's callback never comes."""
    url, bodies = hooks
    gone = await add(client, callback_url=url)
    await client.documents.delete(gone.document_id)
    fake.advance(1)
    sentinel = await add(client, callback_url=url)
    fake.advance(10)

    await fake.wait_callbacks(1)

    assert [sentinel.document_id] == [body["document_id"] for body in bodies]


@pytest.mark.parametrize(
    "call",
    [
        lambda docs: docs.get("d8-000000000000"),
        lambda docs: docs.update("d8-000000000000", document_name="x"),
        lambda docs: docs.delete("d8-000000000000"),
        lambda docs: docs.recrawl("d8-000000000000"),
    ],
)
async def test_unknown_ids_are_not_found(client: TavusClient, call: Any) -> None:
    """Tavus answers 404 "Document not found" for an id it does not know."""
    with pytest.raises(NotFoundError) as info:
        await call(client.documents)

    assert NotFoundError is type(info.value)
    assert (404, "Document not found") == (info.value.status_code, info.value.message)


# List and iter_all


async def test_list_filters_and_counts_pages_from_zero(
    fake: FakeTavus, client: TavusClient
) -> None:
    """status, name_or_uuid, tags (any of them) and sort filter; page 0 is first."""
    ids = [
        (
            await add(client, f"https://cdn.example.com/{name}.pdf", tags=tags)
        ).document_id
        for name, tags in [("Alpha", ["a"]), ("beta", ["b"]), ("Gamma", ["a", "c"])]
    ]
    fake.documents.finish(ids[0])
    late = fake.documents.add(document_name="alphabet", status="processing")

    def names(page: Any) -> list[str]:
        return [d.document_name for d in page.data]

    first = await client.documents.list(limit=2)
    second = await client.documents.list(limit=2, page=1, sort="ascending")
    newest = await client.documents.list(sort="descending", limit=1)
    ready = await client.documents.list(status=DocumentStatus.READY)
    started = await client.documents.list(status="started")
    search = await client.documents.list(name_or_uuid="ALPHA")
    by_id = await client.documents.list(name_or_uuid=ids[1])
    tagged = await client.documents.list(tags=["c", "b"])

    assert (["Alpha.pdf", "beta.pdf"], 4, 0, 2) == (
        names(first),
        first.total_count,
        first.page,
        first.limit,
    )
    assert (["Gamma.pdf", "alphabet"], 1) == (names(second), second.page)
    assert ([late], 4) == ([d.document_id for d in newest.data], newest.total_count)
    assert ["Alpha.pdf"] == names(ready)
    assert ["beta.pdf", "Gamma.pdf"] == names(started)
    assert ["Alpha.pdf", "alphabet"] == names(search)
    assert ["beta.pdf"] == names(by_id)
    assert ["beta.pdf", "Gamma.pdf"] == names(tagged)
    assert {"tags": "c,b"} == fake.requests[-1].query


async def test_iter_all_pages_from_zero(fake: FakeTavus, client: TavusClient) -> None:
    """iter_all reads every page, from 0, with the filters, however small the pages."""
    ids = [fake.documents.add(tags=["kb"]) for _ in range(9)]
    fake.documents.add(tags=["other"])
    fake.max_page_size = 4

    iterator = client.documents.iter_all(limit=5, tags=["kb"], sort="ascending")
    async with contextlib.aclosing(iterator) as documents:
        seen = [document.document_id async for document in documents]

    assert ids == seen
    assert ["0", "1", "2"] == [r.query["page"] for r in fake.requests]
    assert {"limit": "5", "page": "2", "tags": "kb", "sort": "ascending"} == (
        fake.requests[-1].query
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"page": -1}, "page"),
        ({"limit": 0}, "limit"),
        ({"sort": "asc"}, "sort"),
        ({"status": ""}, "status"),
        ({"name_or_uuid": " "}, "name_or_uuid"),
        ({"tags": "kb"}, "tags"),
        ({"tags": []}, "tags"),
        ({"tags": ["a,b"]}, "tags"),
    ],
)
async def test_bad_list_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, arguments: dict[str, Any], field: str
) -> None:
    """list and iter_all name a bad argument at the call, before any request."""
    with pytest.raises(ValidationError) as listed:
        await client.documents.list(**arguments)
    if "page" not in arguments:
        with pytest.raises(ValidationError) as iterated:
            client.documents.iter_all(**arguments)
        assert field == iterated.value.field

    assert field == listed.value.field
    assert [] == fake.requests


# Update and delete


async def test_update_renames_and_replaces_tags(
    fake: FakeTavus, client: TavusClient
) -> None:
    """update PATCHes a plain JSON object; tags replace the old ones, [] clears."""
    document_id = fake.documents.add(document_name="Old", tags=["a", "b"])

    renamed = await client.documents.update(document_id, document_name="New")
    retagged = await client.documents.update(document_id, tags=["c"])
    cleared = await client.documents.update(document_id, tags=[])

    assert [{"document_name": "New"}, {"tags": ["c"]}, {"tags": []}] == [
        r.json for r in fake.requests
    ]
    assert ("New", ("a", "b")) == (renamed.document_name, renamed.tags)
    assert ("New", ("c",), ()) == (retagged.document_name, retagged.tags, cleared.tags)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "document_name"),
        ({"document_name": ""}, "document_name"),
        ({"tags": "a"}, "tags"),
        ({"tags": [""]}, "tags"),
    ],
)
async def test_bad_updates_send_nothing(
    fake: FakeTavus, client: TavusClient, arguments: dict[str, Any], field: str
) -> None:
    """An update with nothing to change, or a bad name or tag, is refused unsent."""
    with pytest.raises(ValidationError) as info:
        await client.documents.update("d8-123", **arguments)

    assert field == info.value.field
    assert [] == fake.requests


async def test_delete_and_a_lost_answer(fake: FakeTavus, client: TavusClient) -> None:
    """Delete answers 204; a delete whose lost answer is retried into a 404 is done."""
    first, second = fake.documents.add(), fake.documents.add()
    fake.inject(Fault.http(502, after=True), path=f"/v2/documents/{second}")

    await client.documents.delete(first)
    await client.documents.delete(second)

    assert [204, 502, 404] == [r.status for r in fake.requests]
    assert 0 == (await client.documents.list()).total_count


# Recrawl


async def test_recrawl_runs_again_with_its_own_settings(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Recrawl answers 202 recrawling with this run's crawl, then ready, counted."""
    document_id = await crawled(fake, client)

    raw = await with_raw_response(
        client.documents.recrawl, document_id, crawl=CrawlConfig(max_pages=5)
    )
    fake.advance(10)
    done = await client.documents.get(document_id)

    started = raw.parsed
    assert (202, {"crawl": {"max_pages": 5}}) == (
        raw.status_code,
        fake.requests[0].json,
    )
    assert ("recrawling", CrawlConfig(max_pages=5), 1) == (
        started.status,
        started.crawl_config,
        started.crawl_count,
    )
    assert ("ready", CrawlConfig(depth=2, max_pages=3), 2) == (
        done.status,
        done.crawl_config,
        done.crawl_count,
    )
    assert 5 == len(done.crawled_urls)
    assert done.last_crawled_at is not None
    assert started.last_crawled_at is not None
    assert done.last_crawled_at > started.last_crawled_at


async def test_recrawl_refusals(fake: FakeTavus, client: TavusClient) -> None:
    """409 while processing, 400 without a crawl, 429 in the cooldown."""
    busy = fake.documents.add(SITE, status="processing", crawl={"depth": 1})
    plain = fake.documents.add(PDF)
    ready = await crawled(fake, client)
    await client.documents.recrawl(ready)
    fake.documents.finish()

    with pytest.raises(ConflictError) as conflict:
        await client.documents.recrawl(busy)
    with pytest.raises(BadRequestError) as bad:
        await client.documents.recrawl(plain)
    with pytest.raises(RateLimitError) as cooling:
        await client.documents.recrawl(ready)
    fake.advance(fake.documents.recrawl_cooldown)
    again = await client.documents.recrawl(ready)

    assert (
        "Document must be in 'ready' or 'error' state to recrawl, "
        "current status: processing"
    ) == conflict.value.message
    assert "Document was not created with crawl configuration" == bad.value.message
    assert cooling.value.message.startswith("Recrawl cooldown: please wait 60 minutes")
    assert DocumentStatus.RECRAWLING is again.status
    assert [202, 409, 400] == [r.status for r in fake.requests[:3]]


async def test_crawl_limits_are_rate_limit_errors(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Past the account's crawl documents or running crawls, a crawl gets 429."""
    fake.documents.crawl_limit = 2
    fake.documents.max_concurrent_crawls = 1
    await add(client, SITE, crawl=CrawlConfig())

    with pytest.raises(RateLimitError) as running:
        await add(client, SITE, crawl=CrawlConfig())
    fake.documents.finish()
    await add(client, SITE, crawl=CrawlConfig())
    fake.documents.finish()
    with pytest.raises(RateLimitError) as held:
        await add(client, SITE, crawl=CrawlConfig())
    plain = await add(client, SITE)

    assert running.value.message.startswith("Concurrent crawl limit reached (1).")
    assert held.value.message.startswith("Crawl document limit reached (2).")
    assert DocumentStatus.STARTED is plain.status


async def test_crawl_limit_answers_are_raised_at_once(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A crawl limit is not retried and pauses nothing: waiting cannot lift it."""
    caplog.set_level(logging.INFO, logger="tavus_async")
    document_id = await crawled(fake, client)
    fake.documents.crawl_limit = 1
    await client.documents.recrawl(document_id)
    fake.documents.finish()

    with pytest.raises(RateLimitError):
        await add(client, SITE, crawl=CrawlConfig())
    with pytest.raises(RateLimitError):
        await client.documents.recrawl(document_id)

    assert [202, 429, 429] == [r.status for r in fake.requests]
    assert [] == [r.message for r in caplog.records if "pausing" in r.message]


async def test_a_cooldown_with_retry_after_stalls_no_other_call(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Even with an hour's Retry-After, a cooldown leaves the other calls alone."""
    ids = [fake.documents.add() for _ in range(20)]
    cooldown = (
        b'{"error": "Recrawl cooldown: please wait 60 minutes before recrawling"}'
    )
    fake.inject(Fault.http(429, retry_after=3600, body=cooldown), path=RECRAWL)

    with pytest.raises(RateLimitError) as info:
        await client.documents.recrawl(ids[0])
    documents = await asyncio.gather(*(client.documents.get(i) for i in ids))

    assert 3600 == info.value.retry_after
    assert ids == [d.document_id for d in documents]


# Transport behaviour


async def test_retries_and_creates(fake: FakeTavus, client: TavusClient) -> None:
    """A read is retried past a 503; a create answered 502 is raised, maybe done."""
    document_id = fake.documents.add()
    fake.inject(Fault.http(503), path=f"/v2/documents/{document_id}")
    await client.documents.get(document_id)
    fake.inject(Fault.http(502, after=True), method="POST")

    with pytest.raises(InternalServerError) as info:
        await add(client)

    assert info.value.may_have_succeeded
    assert [503, 200, 502] == [r.status for r in fake.requests]
    assert 2 == (await client.documents.list()).total_count


async def test_many_calls_at_once(fake: FakeTavus, client: TavusClient) -> None:
    """Fifty creates and fifty reads in flight at once each get their own answer."""
    names = [f"doc-{n}" for n in range(50)]

    created = await asyncio.gather(*(add(client, document_name=n) for n in names))
    read = await asyncio.gather(*(client.documents.get(d.document_id) for d in created))

    assert names == [d.document_name for d in read]
    assert 50 == len({d.document_id for d in read})


async def test_unknown_fields_and_statuses_parse(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A status or field this version does not know does not break parsing."""
    answer = {"document_id": "d8-1", "status": "archived", "shelf": 3, "tags": None}
    fake.inject(
        Fault(
            kind="status",
            status=200,
            body=json.dumps(answer).encode(),
            headers={"Content-Type": "application/json"},
        )
    )

    document = await client.documents.get("d8-1")

    assert ("archived", False, ()) == (
        document.status,
        document.status is not None and document.status.is_known,
        document.tags,
    )


# The fake's own checks


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "", {}, 400, "Invalid request: document_url is required"),
        ("POST", "", {"document_url": "x"}, 400, "document_url must be a valid"),
        ("POST", "", {"document_url": SITE, "tags": "a"}, 400, "tags must be an"),
        ("POST", "", {"document_url": SITE, "crawl": []}, 400, "crawl must be an"),
        (
            "POST",
            "",
            {"document_url": SITE, "crawl": {"depth": 11}},
            400,
            "crawl.depth must be an integer from 1 to 10",
        ),
        ("PATCH", "/{id}", {}, 400, "give document_name or tags"),
        ("PATCH", "/{id}", {"document_name": 3}, 400, "must be a non-empty string"),
        ("POST", "/{id}/recrawl", {"crawl": {"max_pages": 0}}, 400, "max_pages"),
        ("GET", "?page=-1", None, 400, "page must be at least 0"),
        ("GET", "?page=first", None, 400, "page must be an integer"),
        ("GET", "?sort=asc", None, 400, "sort must be one of"),
    ],
)
async def test_the_fake_checks_requests(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    body: Any,
    status: int,
    message: str,
) -> None:
    """The fake refuses what Tavus documents as refused, saying why."""
    document_id = fake.documents.add(SITE, crawl={"depth": 1})
    url = "/v2/documents" + path.format(id=document_id)

    async with http.request(method, url, json=body) as response:
        answer = await response.json()

    assert status == response.status
    assert message in answer["error"]


def test_fake_controls_refuse_unknown_ids(fake: FakeTavus) -> None:
    """finish() of an id the fake does not hold is a KeyError."""
    with pytest.raises(KeyError):
        fake.documents.finish("d8-000000000000")
