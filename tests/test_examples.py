"""The example apps of examples/, run as real apps against FakeTavus.

The FastAPI app runs in FastAPI's TestClient, which serves it from an event
loop of its own in a thread, so the fake serves from another thread and
loop. The aiohttp app runs in aiohttp's test server, on the test's loop with
the fake. Warnings are errors in this suite: an aiohttp app using string
keys (``NotAppKeyWarning``) fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient as AiohttpClient
from aiohttp.test_utils import TestServer
from fastapi.testclient import TestClient

from examples import aiohttp_app, fastapi_app
from tavus_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    TavusClient,
    ValidationError,
)
from tavus_async.testing import FakeTavus, Fault
from tests._leaks import no_leaks
from tests._threaded_fake import ThreadedFake


T = TypeVar("T")

ERRORS = [
    pytest.param("/replicas/r0000000000", None, 404, "Invalid replica_id", id="404"),
    pytest.param(
        "/replicas?limit=0", None, 422, "limit: must be at least 1, got 0", id="422"
    ),
    pytest.param("/replicas", Fault.http(401), 502, "Invalid access token", id="502"),
]
"""Path, fault, and the status and detail the app answers."""


async def read(fake: FakeTavus, path: str) -> dict[str, Any]:
    """What a TavusClient reads for ``/replicas[/<id>]``, as to_dict()."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        if path == "/replicas?limit=1&page=2":
            return (await client.replicas.list(limit=1, page=2)).to_dict()
        return (await client.replicas.get(path.rsplit("/", 1)[1])).to_dict()


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedFake]:
    """A fake in its own thread, with the app's environment pointing at it."""
    threaded = ThreadedFake()
    try:
        monkeypatch.setenv("TAVUS_API_KEY", threaded.fake.api_key)
        monkeypatch.setenv("TAVUS_BASE_URL", threaded.fake.url)
        yield threaded
    finally:
        threaded.close()


@pytest.fixture
async def aiohttp_http(
    fake: FakeTavus, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AiohttpClient[Any, Any]]:
    """The aiohttp example app in aiohttp's test server, pointed at the fake."""
    monkeypatch.setenv("TAVUS_API_KEY", fake.api_key)
    monkeypatch.setenv("TAVUS_BASE_URL", fake.url)
    async with AiohttpClient(TestServer(aiohttp_app.make_app())) as http:
        yield http


def add_two(fake: FakeTavus) -> str:
    """Two trained replicas; return the second one's id."""
    fake.add_replica(status="completed")
    return fake.add_replica(status="completed", replica_name="Second")


@pytest.mark.parametrize("route", ["get", "list"])
def test_fastapi_answers_with_to_dict(threaded: ThreadedFake, route: str) -> None:
    """The FastAPI app answers a replica or a page as its to_dict()."""
    replica_id = threaded.call(lambda: add_two(threaded.fake))
    path = f"/replicas/{replica_id}" if route == "get" else "/replicas?limit=1&page=2"
    expected = threaded.run(read(threaded.fake, path))

    with TestClient(fastapi_app.app) as http:
        response = http.get(path)

    assert (200, expected) == (response.status_code, response.json())


@pytest.mark.parametrize(("path", "fault", "status", "detail"), ERRORS)
def test_fastapi_maps_tavus_errors(
    threaded: ThreadedFake, path: str, fault: Fault | None, status: int, detail: str
) -> None:
    """Unknown ids, bad input and Tavus failures get 404, 422 and 502."""
    if fault is not None:
        threaded.call(lambda: threaded.fake.inject(fault))

    with TestClient(fastapi_app.app) as http:
        response = http.get(path)

    assert (status, {"detail": detail}) == (response.status_code, response.json())


def test_fastapi_closes_its_client(threaded: ThreadedFake) -> None:
    """The lifespan opens one client for the app and closes it at shutdown."""
    with TestClient(fastapi_app.app) as http:
        client = http.app_state["tavus"]
        opened = client.is_closed

    assert (False, True) == (opened, client.is_closed)


@pytest.mark.parametrize("route", ["get", "list"])
async def test_aiohttp_answers_with_to_dict(
    fake: FakeTavus, aiohttp_http: AiohttpClient[Any, Any], route: str
) -> None:
    """The aiohttp app answers a replica or a page as its to_dict()."""
    replica_id = add_two(fake)
    path = f"/replicas/{replica_id}" if route == "get" else "/replicas?limit=1&page=2"
    expected = await read(fake, path)

    response = await aiohttp_http.get(path)

    assert (200, expected) == (response.status, await response.json())


@pytest.mark.parametrize(
    ("path", "fault", "status", "detail"),
    [
        *ERRORS,
        pytest.param(
            "/replicas?page=x",
            None,
            422,
            "page: must be an integer, got 'x'",
            id="422-query",
        ),
    ],
)
async def test_aiohttp_maps_tavus_errors(
    fake: FakeTavus,
    aiohttp_http: AiohttpClient[Any, Any],
    path: str,
    fault: Fault | None,
    status: int,
    detail: str,
) -> None:
    """Unknown ids, bad input and Tavus failures get 404, 422 and 502."""
    if fault is not None:
        fake.inject(fault)

    response = await aiohttp_http.get(path)

    assert (status, {"detail": detail}) == (response.status, await response.json())


async def test_aiohttp_closes_its_client_and_session(
    fake: FakeTavus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cleanup context closes the client, then the session: nothing leaks."""
    monkeypatch.setenv("TAVUS_API_KEY", fake.api_key)
    monkeypatch.setenv("TAVUS_BASE_URL", fake.url)
    app = aiohttp_app.make_app()

    async with no_leaks(fake), AiohttpClient(TestServer(app)) as http:
        client = app[aiohttp_app.TAVUS]
        await http.get("/replicas")

    assert client.is_closed


URL = "https://tavusapi.com/v2/replicas/r1"
ANSWERS = [
    (ValidationError.single("limit", "must be at least 1"), 422),
    (NotFoundError("gone", method="GET", url=URL, status_code=404), 404),
    (BadRequestError("bad", method="GET", url=URL, status_code=400), 502),
    (InternalServerError("down", method="GET", url=URL, status_code=503), 502),
    (APIConnectionError("reset", method="GET", url=URL, request_sent=True), 502),
    (APITimeoutError("late", method="GET", url=URL, request_sent=True), 504),
]
"""A failure, and the status the examples answer it with."""


@pytest.mark.parametrize("app", [fastapi_app, aiohttp_app], ids=["fastapi", "aiohttp"])
@pytest.mark.parametrize(
    ("error", "status"), ANSWERS, ids=[type(error).__name__ for error, _ in ANSWERS]
)
def test_error_answers(app: Any, error: Any, status: int) -> None:
    """Each example answers the caller's mistakes 4xx and Tavus's failures 5xx."""
    assert status == app.error_answer(error)[0]
