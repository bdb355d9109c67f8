"""iter_all yields every item once, whatever page size the server answers.

Tavus documents no largest page size, so a page shorter than ``limit`` is no
sign of the end. iter_all runs here over real loopback sockets: against
FakeTavus capping its pages (``max_page_size``), and against a small scripted
List server for the misbehaving ones (``total_count`` lying high or low,
``page`` ignored, a ``total_count`` that keeps growing). The stop rule itself
is a pure function, tested from a table.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tavus_async import CreateConversationRequest, TavusClient, ValidationError
from tavus_async.services import _base
from tavus_async.testing import FakeTavus


Script = Callable[[int, int], tuple[range, int]]
"""Given the ``page`` and ``limit`` asked: the item numbers answered, total_count."""

ID_FIELDS = {
    "replicas": "replica_id",
    "voices": "voice_name",
    "conversations": "conversation_id",
}


def wire(resource: str, number: int) -> dict[str, Any]:
    """The List JSON of item ``number`` of ``resource``."""
    if resource == "replicas":
        return {"replica_id": f"r{number:010x}", "status": "completed"}
    if resource == "voices":
        return {"voice_name": f"voice{number:03d}", "replica_id": f"r{number:010x}"}
    return {"conversation_id": f"c{number:012x}", "status": "ended"}


def ids(resource: str, numbers: Sequence[int]) -> list[str]:
    """The ids (voice names for voices) of items ``numbers`` of ``resource``."""
    return [wire(resource, n)[ID_FIELDS[resource]] for n in numbers]


def capped(count: int, cap: int, claimed: int | None = None) -> Script:
    """``count`` items, at most ``cap`` a page, paged in that size.

    ``total_count`` is ``claimed`` when given (a lie), else ``count``.
    """

    def script(page: int, limit: int) -> tuple[range, int]:
        size = min(limit, cap)
        answered = range(count)[(page - 1) * size : page * size]
        return answered, count if claimed is None else claimed

    return script


@attrs.define
class ListServer:
    """A List endpoint whose answer to each page a script decides."""

    resource: str
    script: Script
    asked: list[tuple[int, int]] = attrs.Factory(list)
    """The ``page`` and ``limit`` of each request, in order."""

    async def answer(self, request: web.Request) -> web.Response:
        """Answer ``data`` and ``total_count`` as the script says."""
        page, limit = int(request.query["page"]), int(request.query["limit"])
        self.asked.append((page, limit))
        numbers, total_count = self.script(page, limit)
        data = [wire(self.resource, n) for n in numbers]
        return web.json_response({"data": data, "total_count": total_count})


@contextlib.asynccontextmanager
async def serving(
    resource: str, script: Script
) -> AsyncIterator[tuple[ListServer, TavusClient]]:
    """A scripted List server for ``resource`` on loopback, and a client on it."""
    server = ListServer(resource, script)
    app = web.Application()
    app.router.add_get(f"/v2/{resource}", server.answer)
    async with (
        TestServer(app, host="127.0.0.1") as http,
        TavusClient(api_key="test-key", base_url=str(http.make_url(""))) as client,
    ):
        yield server, client


async def every(client: TavusClient, resource: str) -> list[str]:
    """The ids (voice names) iter_all yields for ``resource``, default page size."""
    if resource == "replicas":
        return [r.replica_id async for r in client.replicas.iter_all()]
    if resource == "voices":
        return [v.voice_name async for v in client.voices.iter_all()]
    return [c.conversation_id async for c in client.conversations.iter_all()]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The messages tavus_async logged at WARNING."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tavus_async" and r.levelno == logging.WARNING
    ]


# The stop rule

FIFTY = tuple(range(50))
NEXT_FIFTY = tuple(range(50, 100))


@pytest.mark.parametrize(
    ("number", "data", "previous", "seen", "total_count", "first_total", "step"),
    [
        pytest.param(1, (), (), 0, 0, 0, "DONE", id="empty-list"),
        pytest.param(1, (), (), 0, 42, 42, "DONE", id="empty-first-page-total-lies"),
        pytest.param(6, (), FIFTY, 230, 300, 300, "DONE", id="empty-page-total-lies"),
        pytest.param(1, FIFTY, (), 0, 230, 230, "MORE", id="capped-page-not-last"),
        pytest.param(2, NEXT_FIFTY, FIFTY, 50, 230, 230, "MORE", id="capped-page-2"),
        pytest.param(5, FIFTY[:30], FIFTY, 200, 230, 230, "DONE", id="last-short"),
        pytest.param(2, NEXT_FIFTY, FIFTY, 50, 100, 100, "DONE", id="last-full"),
        pytest.param(3, FIFTY, NEXT_FIFTY, 100, 120, 120, "DONE", id="total-lies-low"),
        pytest.param(1, FIFTY, (), 0, 0, 0, "DONE", id="total-zero-with-items"),
        pytest.param(1, FIFTY, (), 0, -1, -1, "DONE", id="total-negative"),
        pytest.param(2, FIFTY, FIFTY, 50, 230, 230, "REPEATED", id="page-ignored"),
        pytest.param(2, FIFTY, FIFTY, 50, 60, 60, "REPEATED", id="repeat-at-total"),
        pytest.param(
            2, FIFTY[25:] + NEXT_FIFTY[:25], FIFTY, 50, 230, 230, "MORE", id="overlap"
        ),
        pytest.param(3, FIFTY, NEXT_FIFTY, 100, 230, 230, "MORE", id="cycle"),
        pytest.param(29, (28,), (27,), 28, 290, 10, "MORE", id="below-page-bound"),
        pytest.param(30, (29,), (28,), 29, 300, 10, "RUNAWAY", id="page-bound"),
        pytest.param(30, (29,), (28,), 29, 30, 10, "DONE", id="done-at-page-bound"),
        pytest.param(10, (9,), (8,), 9, 100, 0, "RUNAWAY", id="bound-from-total-0"),
        pytest.param(10, (9,), (8,), 9, 100, -5, "RUNAWAY", id="bound-from-negative"),
    ],
)
@pytest.mark.parametrize("from_zero", [False, True])
def test_page_step(
    number: int,
    data: tuple[int, ...],
    previous: tuple[int, ...],
    seen: int,
    total_count: int,
    first_total: int,
    step: str,
    from_zero: bool,
) -> None:
    """What paginate does with each fetched page, by the server's answers.

    A list counting from 0 decides alike, but for a second page repeating
    the first: that server counted from 1, and the listing goes on.
    """
    decided = _base.page_step(
        number=number,
        data=data,
        previous=previous,
        seen=seen,
        total_count=total_count,
        first_total=first_total,
        from_zero=from_zero,
    )

    skipped = from_zero and number == 2 and step == "REPEATED"
    assert _base.Step["SKIPPED" if skipped else step] is decided


@pytest.mark.parametrize(
    ("counts_from", "expected_pages"),
    [(0, ["0", "1", "2"]), (1, ["0", "1", "2", "3"])],
)
async def test_a_zero_based_list_reads_every_page_either_way(
    counts_from: int, expected_pages: list[str]
) -> None:
    """Documents count pages from 0 by the spec; a server counting from 1 loses none.

    The server reads ``page=0`` as its first page either way; counting from 1,
    it answers ``page=1`` with the first page again, which is skipped.
    """
    items = list(range(25))
    asked: list[str] = []

    async def documents(request: web.Request) -> web.Response:
        number = int(request.query.get("page", counts_from))
        asked.append(request.query["page"])
        index = max(number - counts_from, 0)
        chunk = [_document(i) for i in items[index * 10 : index * 10 + 10]]
        return web.json_response({"data": chunk, "total_count": len(items)})

    app = web.Application()
    app.router.add_get("/v2/documents", documents)
    async with (
        TestServer(app) as server,
        TavusClient(api_key="k", base_url=str(server.make_url("/"))) as client,
    ):
        listed = [d.document_id async for d in client.documents.iter_all(limit=10)]
    assert [_document(i)["document_id"] for i in items] == listed
    assert expected_pages == asked


def _document(index: int) -> dict[str, str]:
    return {"document_id": f"d{index:04d}", "status": "ready"}


# Against FakeTavus capping its pages


async def test_replicas_beyond_a_page_cap(fake: FakeTavus, client: TavusClient) -> None:
    """230 replicas behind 50-item pages all come, once each, in order."""
    fake.max_page_size = 50
    made = [fake.add_replica(replica_name=f"R{i}") for i in range(230)]
    fake.reset_log()

    seen = [r.replica_id async for r in client.replicas.iter_all()]

    assert made == seen
    assert [(str(n), "100") for n in range(1, 6)] == [
        (r.query["page"], r.query["limit"]) for r in fake.requests
    ]


async def test_voices_beyond_a_page_cap(fake: FakeTavus, client: TavusClient) -> None:
    """225 added voices and the 5 stock ones behind 50-item pages all come, in order."""
    fake.max_page_size = 50
    for i in range(225):
        fake.add_voice(f"voice{i:03d}")
    fake.reset_log()

    seen = [v.voice_name async for v in client.voices.iter_all()]

    assert (
        sorted(["anna", "ben", "chloe", "daniel", "emma", *ids("voices", range(225))])
        == seen
    )
    assert 5 == fake.count("GET", "/v2/voices")


async def test_conversations_beyond_a_page_cap(
    fake: FakeTavus, client: TavusClient
) -> None:
    """230 conversations behind 50-item pages all come, once each, in order."""
    replica_id = fake.add_replica()
    request = CreateConversationRequest(replica_id=replica_id, test_mode=True)
    made = [
        (await client.conversations.create(request)).conversation_id for _ in range(230)
    ]
    fake.max_page_size = 50
    fake.reset_log()

    seen = [c.conversation_id async for c in client.conversations.iter_all()]

    assert made == seen
    assert 5 == fake.count("GET", "/v2/conversations")


async def test_small_page_size_under_a_larger_cap(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A limit below the cap pages in that limit, as without a cap."""
    fake.max_page_size = 50
    made = [fake.add_replica() for _ in range(23)]
    fake.reset_log()

    seen = [r.replica_id async for r in client.replicas.iter_all(limit=10)]

    assert made == seen
    assert 3 == fake.count("GET", "/v2/replicas")


# Against scripted servers

RESOURCES = pytest.mark.parametrize("resource", list(ID_FIELDS))


@RESOURCES
async def test_every_item_beyond_a_page_cap(resource: str) -> None:
    """A server answering 50 items a page, asked for 100, gives all 230 once."""
    async with serving(resource, capped(230, 50)) as (server, client):
        seen = await every(client, resource)

    assert ids(resource, range(230)) == seen
    assert [(n, 100) for n in range(1, 6)] == server.asked


@RESOURCES
async def test_total_count_lying_high(resource: str) -> None:
    """A server claiming 300 of its 230 items is read up to its first empty page."""
    async with serving(resource, capped(230, 50, claimed=300)) as (server, client):
        seen = await every(client, resource)

    assert ids(resource, range(230)) == seen
    assert [1, 2, 3, 4, 5, 6] == [page for page, _ in server.asked]


@RESOURCES
async def test_total_count_lying_low(resource: str) -> None:
    """A server claiming 120 of its 230 items is read until 120 came, whole pages."""
    async with serving(resource, capped(230, 50, claimed=120)) as (server, client):
        seen = await every(client, resource)

    assert ids(resource, range(150)) == seen
    assert [1, 2, 3] == [page for page, _ in server.asked]


@RESOURCES
async def test_server_ignoring_page(
    resource: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A server answering its first page to every page is read once, with a warning."""
    async with serving(resource, lambda page, limit: (range(50), 230)) as (
        server,
        client,
    ):
        seen = await every(client, resource)

    assert ids(resource, range(50)) == seen
    assert [1, 2] == [page for page, _ in server.asked]
    assert ["page 2 repeated page 1"] == [m.split(";")[0] for m in warnings_of(caplog)]


@RESOURCES
@pytest.mark.parametrize("total_count", [0, 42])
async def test_empty_first_page(resource: str, total_count: int) -> None:
    """An empty first page ends the listing, whatever total_count says."""
    async with serving(resource, lambda page, limit: (range(0), total_count)) as (
        server,
        client,
    ):
        seen = await every(client, resource)

    assert [] == seen
    assert [(1, 100)] == server.asked


async def test_growing_total_count_is_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that serves one new item a page and keeps raising total_count stops.

    It first claims 10 items: no more than 2 * 10 + 10 pages are read.
    """

    def growing(page: int, limit: int) -> tuple[range, int]:
        return range(page - 1, page), 10 * page

    async with serving("replicas", growing) as (server, client):
        seen = await every(client, "replicas")

    assert ids("replicas", range(30)) == seen
    assert list(range(1, 31)) == [page for page, _ in server.asked]
    (warning,) = warnings_of(caplog)
    assert warning.startswith("page 30 reached the bound of 30 pages")


# Arguments


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(
            lambda c: c.replicas.iter_all(limit=0), "limit", id="replicas-size"
        ),
        pytest.param(
            lambda c: c.replicas.iter_all(replica_type="robot"),
            "replica_type",
            id="replicas-type",
        ),
        pytest.param(
            lambda c: c.replicas.iter_all(replica_ids="r1,r2"),
            "replica_ids",
            id="replicas-ids",
        ),
        pytest.param(lambda c: c.voices.iter_all(limit=101), "limit", id="voices-size"),
        pytest.param(
            lambda c: c.conversations.iter_all(limit=-1),
            "limit",
            id="conversations-size",
        ),
        pytest.param(
            lambda c: c.conversations.iter_all(status="paused"),
            "status",
            id="conversations-status",
        ),
    ],
)
def test_iter_all_checks_arguments_at_the_call(
    fake: FakeTavus, client: TavusClient, call: Callable[[TavusClient], Any], field: str
) -> None:
    """Bad iter_all arguments raise at the call, not iterated; nothing is sent."""
    with pytest.raises(ValidationError) as info:
        call(client)

    assert field == info.value.field
    assert [] == fake.requests


async def test_iter_all_sends_nothing_until_iterated(
    fake: FakeTavus, client: TavusClient
) -> None:
    """iter_all returns an async generator that fetches only when iterated."""
    fake.add_replica()
    items = client.replicas.iter_all(limit=1)
    sent_before = fake.count()

    async with contextlib.aclosing(items) as replicas:
        first = await anext(replicas)

    assert 0 == sent_before
    assert (1, "Stock replica") == (fake.count(), first.replica_name)
