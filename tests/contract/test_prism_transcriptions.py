"""Contract test: client.transcriptions against Prism serving Tavus's spec.

Prism checks each request against the document and answers with its
examples. The spec gives no example for ``status``, ``text`` or
``created_at``; Prism writes ``"string"`` there, which parses as an unknown
status, a text, and no time.
"""

from __future__ import annotations

import contextlib

import pytest

from tavus_async import TavusClient
from tavus_async.services.transcriptions import TranscriptionsService
from tavus_async.types.transcriptions import CreateTranscriptionRequest
from tests.contract._prism import Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

TRANSCRIPTION_ID = "t0108f2d24k2a"
PATH = f"/v2/transcriptions/{TRANSCRIPTION_ID}"
FILE = "https://example.com/video.mp4"

COVERED: dict[type, dict[str, str]] = {
    TranscriptionsService: {
        "create": "test_create_transcription",
        "get": "test_get_transcription",
        "list": "test_list_transcriptions",
        "iter_all": "test_iter_all_transcriptions",
        "delete": "test_delete_transcription",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of the service has a contract test listed in COVERED."""
    assert_covered(COVERED)


async def test_create_transcription(client: TavusClient, exchanges: Exchanges) -> None:
    """Create with both URLs is accepted; the example's id and URL are parsed."""
    request = CreateTranscriptionRequest(
        file_url=FILE, callback_url="https://your-callback-url.com"
    )
    with accepted(exchanges):
        created = await client.transcriptions.create(request)
    assert ("POST", 200) == (exchanges.last().method, exchanges.last().status)
    assert (TRANSCRIPTION_ID, "https://your-callback-url.com") == (
        created.transcription_id,
        created.callback_url,
    )
    assert created.status is not None
    assert not created.status.is_known  # Prism's "string"


async def test_get_transcription(client: TavusClient, exchanges: Exchanges) -> None:
    """Get's example is parsed."""
    with accepted(exchanges):
        got = await client.transcriptions.get(TRANSCRIPTION_ID)
    assert ("GET", PATH) == (exchanges.last().method, exchanges.last().path)
    assert (TRANSCRIPTION_ID, FILE, None) == (
        got.transcription_id,
        got.file_url,
        got.created_at,
    )


async def test_list_transcriptions(client: TavusClient, exchanges: Exchanges) -> None:
    """List with limit and page is accepted and its example parsed."""
    with accepted(exchanges):
        page = await client.transcriptions.list(limit=20, page=2)
    assert {"limit": "20", "page": "2"} == exchanges.last().query
    assert [(TRANSCRIPTION_ID, FILE)] == [
        (t.transcription_id, t.file_url) for t in page.data
    ]


async def test_iter_all_transcriptions(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """iter_all starts at page 1 and stops."""
    seen = []
    with accepted(exchanges):
        iterator = client.transcriptions.iter_all(limit=50)
        async with contextlib.aclosing(iterator) as transcriptions:
            async for transcription in transcriptions:
                seen.append(transcription.transcription_id)
                if len(seen) >= 5:
                    break
    assert TRANSCRIPTION_ID == seen[0]
    assert {"limit": "50", "page": "1"} == exchanges.seen[0].query


async def test_delete_transcription(client: TavusClient, exchanges: Exchanges) -> None:
    """Delete is accepted and answered 204."""
    with accepted(exchanges):
        await client.transcriptions.delete(TRANSCRIPTION_ID)
    assert ("DELETE", PATH, 204) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
