"""The callback receiver behind a real aiohttp server, fed by a real client."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tavus_async import (
    CreateConversationRequest,
    CreateReplicaRequest,
    ReplicaWatcher,
    TavusClient,
    ValidationError,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackServer,
    ReceiverStats,
    ReplicaJoined,
    ReplicaTrainingCallback,
    TranscriptionReady,
    callback_url_for,
    new_callback_secret,
)


SECRET = "s3cret-token-for-tests-0123456789"
JOINED = {
    "properties": {"replica_id": "r79e1c033f"},
    "conversation_id": "c123456",
    "webhook_url": "https://example.com/webhook",
    "event_type": "system.replica_joined",
    "message_type": "system",
    "timestamp": "2025-07-11T06:45:47.472000Z",
}
PAL_JOINED = {
    **JOINED,
    "event_type": "system.pal_joined",
    "properties": {"face_id": "r79e1c033f"},
}
SHUTDOWN = {
    **JOINED,
    "event_type": "system.shutdown",
    "properties": {"replica_id": "r79e1c033f", "shutdown_reason": "max_call_duration"},
}
TRANSCRIPT = {
    **JOINED,
    "event_type": "application.transcription_ready",
    "message_type": "application",
    "properties": {"transcript": [{"role": "user", "content": "Hello"}]},
}


def replica_callback(replica_id: str, status: str = "ready") -> dict[str, Any]:
    """A training callback body."""
    return {"replica_id": replica_id, "status": status}


class Collector:
    """A handler that records events; ``gate`` holds it until set."""

    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.arrived = asyncio.Condition()

    async def __call__(self, event: CallbackEvent) -> None:
        await self.gate.wait()
        async with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    async def wait_for(self, count: int) -> list[CallbackEvent]:
        """Wait until ``count`` events were handled."""
        async with asyncio.timeout(5), self.arrived:
            await self.arrived.wait_for(lambda: len(self.events) >= count)
        return self.events


@asynccontextmanager
async def serving(
    receiver: CallbackReceiver, path: str | None = "/hook"
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """Run ``receiver`` behind a CallbackServer; yield its URL with the token."""
    async with (
        receiver,
        CallbackServer(receiver, path=path) as server,
        aiohttp.ClientSession() as http,
    ):
        yield callback_url_for(server.url, secret=SECRET), http


async def post(
    http: aiohttp.ClientSession, url: str, body: Any, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """POST ``body`` (JSON unless bytes) and return the status and JSON answer."""
    if isinstance(body, bytes | io.BytesIO) or hasattr(body, "__aiter__"):
        kwargs.setdefault("headers", {"Content-Type": "application/json"})
        kwargs["data"] = body
    else:
        kwargs["json"] = body
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


async def test_an_event_is_answered_200_and_handed_over_typed() -> None:
    collect = Collector()
    async with serving(CallbackReceiver(collect, secret=SECRET)) as (url, http):
        status, answer = await post(http, url, TRANSCRIPT)
        (event,) = await collect.wait_for(1)

    assert (200, {"status": "accepted"}) == (status, answer)
    assert isinstance(event, TranscriptionReady)
    assert "Hello" == event.properties.transcript[0].content


BAD = [
    pytest.param(b"not json", {}, 400, id="not-json"),
    pytest.param(b"[1, 2]", {}, 400, id="json-array"),
    pytest.param(b'"text"', {}, 400, id="json-string"),
    pytest.param(b"{}", {}, 400, id="empty-object"),
    pytest.param(json.dumps({"status": "ready"}).encode(), {}, 400, id="no-id"),
    pytest.param(
        json.dumps({**TRANSCRIPT, "properties": {}}).encode(), {}, 400, id="no-turns"
    ),
    pytest.param(
        json.dumps({**JOINED, "conversation_id": {"a": 1}}).encode(),
        {},
        400,
        id="wrong-type",
    ),
    pytest.param(b"\xff\xfe{}", {}, 400, id="not-utf8"),
    pytest.param(
        json.dumps(JOINED).encode(),
        {"headers": {"Content-Type": "text/plain"}},
        415,
        id="text-plain",
    ),
    pytest.param(
        json.dumps(JOINED).encode(),
        {"headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        415,
        id="form",
    ),
]


@pytest.mark.parametrize(("body", "options", "expected"), BAD)
async def test_bad_bodies_get_a_4xx_and_the_server_keeps_serving(
    body: bytes, options: dict[str, Any], expected: int
) -> None:
    collect = Collector()
    async with serving(CallbackReceiver(collect, secret=SECRET)) as (url, http):
        status, answer = await post(http, url, body, **options)
        after = await post(http, url, JOINED)
        await collect.wait_for(1)

    assert expected == status
    assert "error" in answer
    assert (200, {"status": "accepted"}) == after
    assert [ReplicaJoined] == [type(e) for e in collect.events]


@pytest.mark.parametrize(
    "query", [{}, {"tavus_token": "wrong-token-0123456789"}, {"token": SECRET}]
)
async def test_a_missing_or_wrong_token_gets_401_without_parsing(
    query: dict[str, str],
) -> None:
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET)
    async with serving(receiver) as (url, http):
        bare = url.split("?")[0]
        status, answer = await post(http, bare, b"not even json", params=query)

    assert 401 == status
    assert SECRET not in json.dumps(answer)
    assert ReceiverStats(received=1, rejected=1) == receiver.stats


async def test_a_rotated_secret_accepts_old_and_new_tokens() -> None:
    collect = Collector()
    new = new_callback_secret()
    receiver = CallbackReceiver(collect, secret=[SECRET, new])
    async with serving(receiver) as (url, http):
        bare = url.split("?")[0]
        old_status, _ = await post(http, url, JOINED)
        new_status, _ = await post(http, bare, SHUTDOWN, params={"tavus_token": new})
        await collect.wait_for(2)

    assert (200, 200) == (old_status, new_status)


async def test_without_a_secret_no_token_is_needed() -> None:
    collect = Collector()
    async with serving(CallbackReceiver(collect, secret=None)) as (url, http):
        status, _ = await post(http, url.split("?")[0], JOINED)
        await collect.wait_for(1)

    assert 200 == status


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_10_mib_body_gets_413_and_the_server_keeps_serving(
    chunked: bool,
) -> None:
    collect = Collector()
    big = json.dumps({**JOINED, "pad": "x" * (10 << 20)}).encode()

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1 << 16):
            yield big[start : start + (1 << 16)]

    receiver = CallbackReceiver(collect, secret=SECRET)
    async with serving(receiver) as (url, http):
        status, answer = await post(http, url, stream() if chunked else io.BytesIO(big))
        after = await post(http, url, JOINED)
        await collect.wait_for(1)

    assert 413 == status
    assert "larger than 1048576 bytes" in answer["error"]
    assert 200 == after[0]
    assert 1 == receiver.stats.rejected


async def test_a_body_at_the_limit_is_taken_and_one_byte_more_is_not() -> None:
    collect = Collector()
    body = json.dumps(JOINED).encode()
    receiver = CallbackReceiver(collect, secret=SECRET, max_body_size=len(body))
    async with serving(receiver) as (url, http):
        at_limit = await post(http, url, body)
        over = await post(http, url, body + b" ")

    assert (200, 413) == (at_limit[0], over[0])


async def test_other_methods_get_405() -> None:
    async with (
        serving(CallbackReceiver(Collector(), secret=SECRET)) as (url, http),
        http.get(url) as response,
    ):
        assert 405 == response.status


async def test_any_path_is_served_when_path_is_none() -> None:
    collect = Collector()
    async with serving(CallbackReceiver(collect, secret=SECRET), path=None) as (
        url,
        http,
    ):
        status, _ = await post(http, url.replace("/?", "/deep/path?"), JOINED)
        await collect.wait_for(1)

    assert 200 == status


async def test_a_failing_handler_is_logged_and_later_events_still_arrive(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    async def handler(event: CallbackEvent) -> None:
        assert isinstance(event, ReplicaTrainingCallback)
        seen.append(event.replica_id)
        if event.replica_id == "r-boom":
            raise RuntimeError("the user's code broke")

    receiver = CallbackReceiver(handler, secret=SECRET)
    with caplog.at_level(logging.ERROR, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            first = await post(http, url, replica_callback("r-boom"))
            second = await post(http, url, replica_callback("r-fine"))
            await receiver.aclose()

    assert (200, 200) == (first[0], second[0])
    assert ["r-boom", "r-fine"] == seen
    assert (1, 1) == (receiver.stats.failed, receiver.stats.handled)
    assert "callback handler failed for replica r-boom completed" in caplog.text
    assert "the user's code broke" in caplog.text


async def test_a_sync_handler_is_called_too() -> None:
    seen: list[CallbackEvent] = []
    receiver = CallbackReceiver(seen.append, secret=SECRET)
    async with serving(receiver) as (url, http):
        await post(http, url, JOINED)
        await receiver.aclose()

    assert [ReplicaJoined] == [type(e) for e in seen]


async def test_a_hanging_handler_does_not_hold_up_other_conversations() -> None:
    release, five = asyncio.Event(), asyncio.Event()
    seen: list[str] = []

    async def handler(event: CallbackEvent) -> None:
        assert not isinstance(event, ReplicaTrainingCallback)
        if event.conversation_id == "c-stuck":
            await release.wait()
        seen.append(event.conversation_id)
        if len(seen) == 5:
            five.set()

    receiver = CallbackReceiver(handler, secret=SECRET)
    async with serving(receiver) as (url, http):
        stuck = await post(http, url, {**JOINED, "conversation_id": "c-stuck"})
        for n in range(5):
            await post(http, url, {**JOINED, "conversation_id": f"c-{n}"})
        async with asyncio.timeout(5):
            await five.wait()
        pending_while_stuck = receiver.stats.pending
        release.set()
        await receiver.aclose()

    assert 200 == stuck[0]
    assert [f"c-{n}" for n in range(5)] == seen[:5]
    assert 1 == pending_while_stuck
    assert "c-stuck" == seen[5]


async def test_a_handler_past_its_timeout_is_cancelled_and_the_lane_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str | None] = []

    async def handler(event: CallbackEvent) -> None:
        assert not isinstance(event, ReplicaTrainingCallback)
        if event.event_type == "system.replica_joined":
            await asyncio.Event().wait()
        seen.append(event.event_type)

    receiver = CallbackReceiver(handler, secret=SECRET, handler_timeout=0.2)
    with caplog.at_level(logging.ERROR, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            await post(http, url, JOINED)
            await post(http, url, SHUTDOWN)
            await receiver.aclose()

    assert ["system.shutdown"] == seen
    assert (1, 1) == (receiver.stats.failed, receiver.stats.handled)
    assert "ran out of its 0.2 s" in caplog.text


async def test_events_of_one_conversation_are_handed_over_in_arrival_order() -> None:
    collect = Collector()
    collect.gate.clear()
    receiver = CallbackReceiver(collect, secret=SECRET, max_concurrency=8)
    async with serving(receiver) as (url, http):
        for body in (JOINED, SHUTDOWN, TRANSCRIPT):
            await post(http, url, body)
        collect.gate.set()
        events = await collect.wait_for(3)

    assert ["system.replica_joined", "system.shutdown"] == [
        e.event_type for e in events[:2] if not isinstance(e, ReplicaTrainingCallback)
    ]
    assert isinstance(events[2], TranscriptionReady)


async def test_pal_joined_after_replica_joined_is_handed_over_once() -> None:
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET)
    async with serving(receiver) as (url, http):
        answers = [await post(http, url, body) for body in (JOINED, PAL_JOINED)]
        again = await post(http, url, SHUTDOWN)
        resent = await post(http, url, dict(reversed(list(SHUTDOWN.items()))))
        await receiver.aclose()

    assert [{"status": "accepted"}, {"status": "duplicate"}] == [a for _, a in answers]
    assert {"status": "accepted"} == again[1]
    assert {"status": "duplicate"} == resent[1]
    assert [ReplicaJoined, type(collect.events[1])] == [type(e) for e in collect.events]
    assert 2 == len(collect.events)
    assert 2 == receiver.stats.duplicates


async def test_the_dedupe_window_forgets_the_oldest_event() -> None:
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, dedupe_window=2)
    async with serving(receiver) as (url, http):
        for body in (JOINED, SHUTDOWN, TRANSCRIPT, JOINED):
            await post(http, url, body)
        await receiver.aclose()

    assert 4 == len(collect.events)


async def test_dedupe_window_zero_hands_over_every_copy() -> None:
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, dedupe_window=0)
    async with serving(receiver) as (url, http):
        for _ in range(3):
            await post(http, url, JOINED)
        await receiver.aclose()

    assert 3 == len(collect.events)


async def test_a_closed_receiver_answers_503_with_retry_after() -> None:
    receiver = CallbackReceiver(Collector(), secret=SECRET)
    async with CallbackServer(receiver) as server, aiohttp.ClientSession() as http:
        await receiver.aclose()
        url = callback_url_for(server.url, secret=SECRET)
        async with http.post(url, json=JOINED) as response:
            assert 503 == response.status
            assert "30" == response.headers["Retry-After"]


async def test_aclose_waits_for_handlers_within_the_grace() -> None:
    collect = Collector()
    collect.gate.clear()
    receiver = CallbackReceiver(collect, secret=SECRET)
    async with serving(receiver) as (url, http):
        await post(http, url, JOINED)
        asyncio.get_running_loop().call_later(0.05, collect.gate.set)
        await receiver.aclose(grace=5)

    assert 1 == len(collect.events)
    assert 0 == receiver.stats.pending


async def test_aclose_logs_every_event_left_after_the_grace_and_cancels(
    caplog: pytest.LogCaptureFixture,
) -> None:
    collect = Collector()
    collect.gate.clear()
    receiver = CallbackReceiver(collect, secret=SECRET)
    with caplog.at_level(logging.ERROR, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            for body in (JOINED, SHUTDOWN, replica_callback("r1")):
                await post(http, url, body)
            lanes = [
                task
                for task in asyncio.all_tasks()
                if getattr(task.get_coro(), "__qualname__", "")
                == "CallbackReceiver._drain"
            ]
            await receiver.aclose(grace=0.05)

    lost = [r.getMessage() for r in caplog.records]
    assert [
        "callback not handled before the receiver closed: "
        "system.replica_joined of conversation c123456",
        "callback not handled before the receiver closed: "
        "system.shutdown of conversation c123456",
        "callback not handled before the receiver closed: replica r1 completed",
    ] == lost
    assert 2 == len(lanes)
    assert all(task.cancelled() for task in lanes)
    assert [] == collect.events


async def test_a_handler_cancelling_itself_counts_as_failed_and_the_lane_goes_on() -> (
    None
):
    seen: list[str | None] = []

    async def handler(event: CallbackEvent) -> None:
        assert not isinstance(event, ReplicaTrainingCallback)
        if event.event_type == "system.replica_joined":
            raise asyncio.CancelledError
        seen.append(event.event_type)

    receiver = CallbackReceiver(handler, secret=SECRET)
    async with serving(receiver) as (url, http):
        await post(http, url, JOINED)
        await post(http, url, SHUTDOWN)
        await receiver.aclose()

    assert ["system.shutdown"] == seen
    assert 1 == receiver.stats.failed


async def test_a_training_callback_settles_a_watch_before_any_second_poll(
    fake: FakeTavus, client: TavusClient
) -> None:
    fake.training_time = 3600
    request = CreateReplicaRequest.from_video("https://example.com/v.mp4")
    created = await client.replicas.create(request)
    watcher = ReplicaWatcher(client, poll_interval=600)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    async with serving(receiver) as (url, http):
        watch = asyncio.create_task(watcher.wait([created.replica_id]))
        while watcher.stats.list_requests < 1:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)
        await post(http, url, replica_callback(created.replica_id))
        async with asyncio.timeout(5):
            outcomes = await watch

    assert outcomes[created.replica_id].ok
    assert 1 == watcher.stats.list_requests
    assert 1 == receiver.stats.handled


async def test_a_malformed_replica_id_is_not_passed_to_the_watcher(
    client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ReplicaWatcher(client)
    receiver = CallbackReceiver(secret=SECRET, watcher=watcher)
    with caplog.at_level(logging.WARNING, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            status, _ = await post(http, url, replica_callback("r1,r2"))
            await receiver.aclose()

    assert 200 == status
    assert "callback not passed to the watcher: replica_id" in caplog.text


async def test_verify_with_drops_callbacks_about_unknown_resources(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    real = fake.add_replica(replica_type="user")
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, verify_with=client)
    with caplog.at_level(logging.WARNING, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            for body in (replica_callback("rforged0001"), replica_callback(real)):
                await post(http, url, body)
            await post(http, url, JOINED)
            await receiver.aclose()

    assert [real] == [
        e.replica_id for e in collect.events if isinstance(e, ReplicaTrainingCallback)
    ]
    assert 2 == receiver.stats.forged
    assert "callback dropped as forged: no such replica rforged0001" in caplog.text
    assert "no such conversation c123456" in caplog.text


async def test_verify_with_hands_over_when_the_lookup_itself_fails(
    fake: FakeTavus, client: TavusClient, caplog: pytest.LogCaptureFixture
) -> None:
    real = fake.add_replica(replica_type="user")
    fake.inject(Fault.http(503), times=10, path=f"/v2/replicas/{real}")
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, verify_with=client)
    with caplog.at_level(logging.WARNING, logger="tavus_async.webhooks"):
        async with serving(receiver) as (url, http):
            await post(http, url, replica_callback(real))
            await receiver.aclose()

    assert 1 == len(collect.events)
    assert "handed over unverified" in caplog.text


async def test_a_conversation_callback_is_verified_by_its_conversation(
    fake: FakeTavus, client: TavusClient
) -> None:
    replica_id = fake.add_replica()
    request = CreateConversationRequest(replica_id=replica_id)
    conversation = await client.conversations.create(request)
    collect = Collector()
    receiver = CallbackReceiver(collect, secret=SECRET, verify_with=client)
    async with serving(receiver) as (url, http):
        body = {**JOINED, "conversation_id": conversation.conversation_id}
        await post(http, url, body)
        await receiver.aclose()

    assert 1 == receiver.stats.handled
    assert 0 == receiver.stats.forged


def _handler(_: CallbackEvent) -> None:
    return None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"handler": None}, "handler"),
        ({"handler": "nope"}, "handler"),
        ({"secret": "short"}, "secret"),
        ({"secret": []}, "secret"),
        ({"max_body_size": 0}, "max_body_size"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"dedupe_window": -1}, "dedupe_window"),
        ({"handler_timeout": 0}, "handler_timeout"),
    ],
)
def test_bad_arguments_are_refused_by_name(
    arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CallbackReceiver(**{"handler": _handler, "secret": SECRET, **arguments})

    assert field == caught.value.field


async def test_the_server_refuses_to_start_twice_and_has_no_url_when_stopped() -> None:
    server = CallbackServer(CallbackReceiver(_handler, secret=SECRET))
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    async with server:
        with pytest.raises(RuntimeError, match="already started"):
            await server.start()
    await server.close()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url


async def test_a_body_that_trickles_in_too_slowly_gets_408_and_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tavus_async.webhooks._aiohttp._READ_TIMEOUT", 0.2)
    collect = Collector()
    release = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"conversation_id": '
        await release.wait()
        yield b'"c1"}'

    receiver = CallbackReceiver(collect, secret=SECRET)
    async with serving(receiver) as (url, http):
        async with http.post(
            url, data=trickle(), headers={"Content-Type": "application/json"}
        ) as response:
            status, closing = response.status, response.headers.get("Connection")
        release.set()
        after = await post(http, url, JOINED)

    assert 408 == status
    assert "close" == closing
    assert 200 == after[0]
    assert [] == [e for e in collect.events if e.conversation_id == "c1"]
