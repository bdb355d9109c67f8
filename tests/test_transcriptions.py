"""client.transcriptions against FakeTavus over real sockets, and its types."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tavus_async import (
    InternalServerError,
    NotFoundError,
    TavusClient,
    UnknownIdError,
    ValidationError,
    make_converter,
    with_raw_response,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.testing._transcriptions import transcript_of
from tavus_async.types.transcriptions import (
    CreateTranscriptionRequest,
    Transcription,
    TranscriptionStatus,
)


FILE = "https://cdn.example.com/talks/keynote.mp4"
HOOK = "https://hooks.example.com/transcribed"


@pytest.fixture
def hook(fake: FakeTavus) -> str:
    """A callback URL on the fake itself (404): deliveries are recorded anyway."""
    fake.transcriptions.transcription_time = 100.0
    return f"{fake.url}/hooks/transcriptions"


async def start(client: TavusClient, file_url: str = FILE, hook: str = HOOK) -> str:
    request = CreateTranscriptionRequest(file_url=file_url, callback_url=hook)
    return (await client.transcriptions.create(request)).transcription_id


# Types


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"file_url": None, "callback_url": None}, ["file_url", "callback_url"]),
        ({"file_url": "keynote.mp4", "callback_url": HOOK}, ["file_url"]),
        ({"file_url": FILE, "callback_url": "ftp://x/y"}, ["callback_url"]),
    ],
)
def test_request_needs_both_urls(fields: dict[str, Any], problems: list[str]) -> None:
    """Both URLs are required and must be absolute http(s); all named at once."""
    with pytest.raises(ValidationError) as info:
        CreateTranscriptionRequest(**fields)

    assert problems == [field for field, _ in info.value.problems]


@pytest.mark.parametrize(
    ("status", "terminal", "known"),
    [("started", False, True), ("completed", True, True), ("queued", False, False)],
)
def test_status(status: str, terminal: bool, known: bool) -> None:
    """Only completed and error are terminal; unlisted statuses parse as unknown."""
    parsed = TranscriptionStatus(status)

    assert (terminal, known) == (parsed.is_terminal, parsed.is_known)


# The timeline and callbacks


async def test_completes_on_the_clock_and_calls_back(
    fake: FakeTavus, client: TavusClient, hook: str
) -> None:
    """Started for transcription_time, then completed with text; POSTed as Get."""
    created = await client.transcriptions.create(
        CreateTranscriptionRequest(file_url=FILE, callback_url=hook)
    )
    started = await client.transcriptions.get(created.transcription_id)

    fake.advance(100)
    (delivery,) = await fake.wait_callbacks(1)
    done = await client.transcriptions.get(created.transcription_id)

    assert (TranscriptionStatus.STARTED, hook) == (created.status, created.callback_url)
    assert (FILE, TranscriptionStatus.STARTED, None) == (
        started.file_url,
        started.status,
        started.text,
    )
    assert (TranscriptionStatus.COMPLETED, transcript_of(FILE)) == (
        done.status,
        done.text,
    )
    assert (hook, done) == (
        delivery.url,
        make_converter().structure(delivery.payload, Transcription),
    )
    assert "This is the transcript of keynote.mp4." == done.text


async def test_failures_and_deletes(
    fake: FakeTavus, client: TavusClient, hook: str
) -> None:
    """A drawn failure ends in error, called back; a deleted one is never called."""
    deleted = await start(client, hook=hook)
    fake.transcriptions.failure_rate = 1.0
    failed = await start(client, hook=hook)

    await client.transcriptions.delete(deleted)
    fake.advance(200)
    deliveries = await fake.wait_callbacks(1)
    got = await client.transcriptions.get(failed)

    assert [failed] == [d.payload["transcription_id"] for d in deliveries]
    assert (TranscriptionStatus.ERROR, None) == (got.status, got.text)
    assert 204 == fake.requests[-3].status
    with pytest.raises(UnknownIdError):
        await client.transcriptions.get(deleted)


# Lists


async def test_list_and_iter_all(fake: FakeTavus, client: TavusClient) -> None:
    """Pages count from 1; iter_all goes past a server cap on the page size."""
    ids = [await start(client, f"{FILE}?n={i}") for i in range(7)]

    page = await client.transcriptions.list(limit=3, page=2)
    fake.max_page_size = 3
    fake.reset_log()
    seen = [t.transcription_id async for t in client.transcriptions.iter_all()]

    assert (ids[3:6], 7) == ([t.transcription_id for t in page.data], page.total_count)
    assert ids == seen
    assert ["1", "2", "3"] == [r.query["page"] for r in fake.requests]


# Errors and arguments


@pytest.mark.parametrize("method", ["get", "delete"])
async def test_unknown_id(client: TavusClient, method: str) -> None:
    """The fake answers 400 "Invalid transcription_id": an UnknownIdError."""
    with pytest.raises(NotFoundError) as info:
        await getattr(client.transcriptions, method)("t000000000000")

    assert UnknownIdError is type(info.value)
    assert ("Invalid transcription_id", "transcription_id") == (
        info.value.message,
        getattr(info.value, "id_field", None),
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"callback_url": HOOK}, "file_url is required"),
        ({"file_url": FILE}, "callback_url is required"),
        ({"file_url": 3, "callback_url": HOOK}, "Invalid file_url"),
    ],
)
async def test_fake_refuses_what_tavus_would(
    fake: FakeTavus, http: aiohttp.ClientSession, body: dict[str, Any], error: str
) -> None:
    """Create bodies without both URLs are 400 {"error": ...}; nothing stored."""
    async with http.post("/v2/transcriptions", json=body) as answer:
        reply = (answer.status, await answer.json())

    assert (400, {"error": error}) == reply
    assert 0 == (await fake_list_total(http))


async def fake_list_total(http: aiohttp.ClientSession) -> int:
    async with http.get("/v2/transcriptions") as answer:
        total: int = (await answer.json())["total_count"]
        return total


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.transcriptions.get(" t1"), "transcription_id"),
        (lambda c: c.transcriptions.delete(""), "transcription_id"),
        (lambda c: c.transcriptions.list(page=0), "page"),
        (lambda c: c.transcriptions.iter_all(limit=-1), "limit"),
        (lambda c: c.transcriptions.create({"file_url": FILE}), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, call: Any, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; no request is made."""
    with pytest.raises(ValidationError) as info:
        await call(client)

    assert field == info.value.field
    assert [] == fake.requests


async def test_a_get_is_retried_a_create_is_not(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A 503 on get is retried (raw answer kept); a 502 on create is not."""
    transcription_id = await start(client)
    fake.inject(Fault.http(503), method="GET")
    fake.inject(Fault.http(502, after=True), method="POST")

    raw = await with_raw_response(client.transcriptions.get, transcription_id)
    with pytest.raises(InternalServerError) as info:
        await start(client)

    assert (transcription_id, 200) == (raw.parsed.transcription_id, raw.status_code)
    assert [200, 503, 200, 502] == [r.status for r in fake.requests]
    assert info.value.may_have_succeeded


async def test_fifty_in_flight(client: TavusClient) -> None:
    """Fifty creates at once, then fifty gets, all land with distinct ids."""
    files = [f"{FILE}?part={i}" for i in range(50)]

    ids = await asyncio.gather(*(start(client, f) for f in files))
    got = await asyncio.gather(*(client.transcriptions.get(i) for i in ids))

    assert files == [t.file_url for t in got]
    assert 50 == len(set(ids))


async def test_unknown_statuses_parse(fake: FakeTavus, client: TavusClient) -> None:
    """A status Tavus adds later parses, and says it is unknown."""
    transcription_id = fake.transcriptions.add(status="diarizing", text="So far")

    got = await client.transcriptions.get(transcription_id)

    assert ("diarizing", "So far", False) == (
        got.status,
        got.text,
        getattr(got.status, "is_known", None),
    )
