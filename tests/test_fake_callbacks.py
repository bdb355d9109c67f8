"""FakeTavus webhooks: what it POSTs to callback_url, when, and how it delivers.

Callbacks go to a real aiohttp receiver on a loopback port. Where a test shows
that something is *not* sent, a later "sentinel" callback is awaited instead of
sleeping: the fake queues callbacks in the order things happen, so an unwanted
callback would have been queued before the sentinel's.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp import web

from tavus_async.errors import WebhookError
from tavus_async.testing import CallbackDelivery, FakeTavus, TimelineStep, free_port
from tavus_async.testing._callbacks import Outbox
from tavus_async.testing._wire import Replica, replica_callback
from tavus_async.types.videos import VideoStatus
from tavus_async.types.webhooks import VideoCallback
from tavus_async.webhooks import parse_callback
from tavus_async.webhooks._aiohttp import start_app
from tests.webhooks._videos import VIDEO_ERROR, VIDEO_READY


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CALLBACK_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
"""A video callback's timestamps, as in Tavus's examples: a space and no zone."""
VIDEO = "https://cdn.example.com/train.mp4"


@attrs.frozen
class Arrival:
    """One request the receiver got."""

    path: str
    body: Any
    headers: dict[str, str]
    probe: Any


@attrs.define
class Receiver:
    """A webhook endpoint: records every POST and answers ``status``.

    It answers nothing until ``release`` is set to a body for which ``hang``
    is true. ``probe``, when given, is called at each arrival and its result
    kept with it.
    """

    url: str = ""
    status: int = 200
    hang: Callable[[Any], bool] = lambda body: False
    probe: Callable[[], Any] | None = None
    arrivals: list[Arrival] = attrs.Factory(list)
    arrived: asyncio.Event = attrs.Factory(asyncio.Event)
    release: asyncio.Event = attrs.Factory(asyncio.Event)

    def hook(self, name: str) -> str:
        """A callback URL under this receiver."""
        return f"{self.url}/hooks/{name}?token=abc"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request, then answer (or hang)."""
        body = json.loads(await request.read())
        self.arrivals.append(
            Arrival(
                path=request.path,
                body=body,
                headers=dict(request.headers),
                probe=self.probe() if self.probe is not None else None,
            )
        )
        self.arrived.set()
        if self.hang(body):
            await self.release.wait()
        return web.Response(status=self.status, text="thanks")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A running receiver on 127.0.0.1."""
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", endpoint.handle)
    runner, endpoint.url = await start_app(app, "127.0.0.1", 0, shutdown_timeout=0.1)
    yield endpoint
    endpoint.release.set()
    await runner.cleanup()


async def call(
    http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any
) -> Any:
    """Send one request that must succeed; return its JSON body or text."""
    async with http.request(method, path, **kwargs) as response:
        assert response.status < 300, await response.text()
        if response.content_type == "application/json":
            return await response.json()
        return await response.text()


async def create_replica(http: aiohttp.ClientSession, **fields: Any) -> str:
    """Create a video replica and return its id."""
    body = await call(
        http, "POST", "/v2/replicas", json={"train_video_url": VIDEO, **fields}
    )
    return str(body["replica_id"])


async def generate_video(
    http: aiohttp.ClientSession, replica_id: str, script: str, callback_url: str
) -> str:
    """Generate a video of ``replica_id`` and return its id."""
    body = {"replica_id": replica_id, "script": script, "callback_url": callback_url}
    created = await call(http, "POST", "/v2/videos", json=body)
    return str(created["video_id"])


async def create_conversation(
    http: aiohttp.ClientSession, replica_id: str, **fields: Any
) -> dict[str, Any]:
    """Create a conversation and return the create response."""
    body = {"replica_id": replica_id, **fields}
    created: dict[str, Any] = await call(http, "POST", "/v2/conversations", json=body)
    return created


async def sentinel(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> str:
    """Create a replica called back at once; return its id."""
    replica_id = await create_replica(http, callback_url=receiver.hook("sentinel"))
    fake.finish_training(replica_id)
    return replica_id


def subjects(deliveries: list[CallbackDelivery]) -> list[str]:
    """The replica or conversation id of each delivery, plus its status or event."""
    return [
        f"{d.payload.get('conversation_id') or d.payload['replica_id']} "
        f"{d.payload.get('event_type') or d.payload['status']}"
        for d in deliveries
    ]


def is_dispatcher(task: asyncio.Task[Any]) -> bool:
    """Whether the task is one of a fake's callback tasks."""
    return getattr(task.get_coro(), "__qualname__", "").startswith("Dispatcher.")


# Pure parts


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("completed", None, {"status": "ready"}),
        ("error", "too short", {"status": "error", "error_message": "too short"}),
        ("error", None, {"status": "error", "error_message": None}),
    ],
)
def test_replica_callback_body(
    status: str, error: str | None, expected: dict[str, Any]
) -> None:
    """Completed reads "ready" (Tavus's callback word); error carries the message."""
    replica = Replica("r1", 1, "n", "user", "phoenix-4", 0.0, 0.0, 1.0, {})
    replica.status, replica.error_message = status, error

    assert {"replica_id": "r1", **expected} == replica_callback(replica)


def test_outbox_pops_due_moments_in_order() -> None:
    """Due moments come out earliest first, ties in the order watched."""
    outbox = Outbox()
    for at, replica_id in [(5.0, "a"), (1.0, "b"), (5.0, "c"), (9.0, "d")]:
        outbox.watch(at, replica_id)

    due = list(outbox.due(5.0))

    assert [(1.0, "b"), (5.0, "a"), (5.0, "c")] == due
    assert 9.0 == outbox.next_due()
    assert [] == list(outbox.due(8.9))


def test_advance_outside_a_running_loop() -> None:
    """advance() on a fake that is not running is just a clock move."""
    fake = FakeTavus()
    before = fake.clock()

    fake.advance(60)

    assert fake.clock() >= before + 60


@pytest.fixture
async def called_back(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> str:
    """A replica of the fake that was called back; nothing else is pending."""
    fake.training_time = 0
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    await fake.wait_callbacks(1)
    return replica_id


def test_clock_and_timeline_outside_the_running_loop(
    fake: FakeTavus, called_back: str
) -> None:
    """From synchronous code, between the loop's runs, new work does not crash.

    The timeline step due now starts the fake's background task on its loop;
    the advance() after it wakes that task.
    """
    before = fake.clock()
    fake.set_timeline(called_back, [TimelineStep(after=0, status="error")])

    fake.advance(60)

    assert fake.clock() >= before + 60
    assert "error" == fake.replica(called_back)["status"]


# Replica training


async def test_training_ends_on_the_clock(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """With a short training, the callback comes by itself: nobody reads the replica."""
    fake.training_time = 0.01
    start = fake.clock()
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))

    [delivery] = await fake.wait_callbacks(1)

    assert {"replica_id": replica_id, "status": "ready"} == delivery.payload
    assert (receiver.hook("r"), 200, None) == (
        delivery.url,
        delivery.status,
        delivery.error,
    )
    assert delivery.at >= start + 0.01
    assert 0 == fake.count("GET")
    [arrival] = receiver.arrivals
    assert ("/hooks/r", delivery.payload) == (arrival.path, arrival.body)
    assert arrival.headers["Content-Type"].startswith("application/json")


async def test_training_ends_when_the_clock_is_advanced(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """An hour of training ends on advance(), at the right moment, not before."""
    fake.training_time = 3600
    start = fake.clock()
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    fake.advance(3599)
    fake.training_time = 0
    early = await sentinel(fake, http, receiver)
    await fake.wait_callbacks(1)

    fake.advance(1)
    deliveries = await fake.wait_callbacks(2)

    assert [f"{early} ready", f"{replica_id} ready"] == subjects(deliveries)
    assert deliveries[1].at >= start + 3600


@pytest.mark.parametrize(
    ("message", "expected"),
    [(None, "does not meet the minimum duration"), ("Consent missing", "Consent")],
)
async def test_training_fails_under_mark_failing(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    receiver: Receiver,
    message: str | None,
    expected: str,
) -> None:
    """A failing replica is called back with status error and its error_message."""
    if message is None:
        fake.mark_failing("bad")
    else:
        fake.mark_failing("bad", error_message=message)
    replica_id = await create_replica(
        http, replica_name="bad one", callback_url=receiver.hook("r")
    )

    fake.advance(5)
    [delivery] = await fake.wait_callbacks(1)

    assert delivery.payload == {
        "replica_id": replica_id,
        "status": "error",
        "error_message": fake.replica(replica_id)["error_message"],
    }
    assert expected in delivery.payload["error_message"]


async def test_finish_training_calls_back_at_once(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """finish_training() sends the callback without any clock movement."""
    fake.training_time = 3600
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))

    fake.finish_training(replica_id)
    [delivery] = await fake.wait_callbacks(1)

    assert {"replica_id": replica_id, "status": "ready"} == delivery.payload


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param(
            [
                TimelineStep(after=10, status="queued"),
                TimelineStep(after=20, status="training", progress=40),
                TimelineStep(after=30, status="error", error_message="bad fps"),
            ],
            [{"status": "error", "error_message": "bad fps"}],
            id="ends-in-error",
        ),
        pytest.param(
            [
                TimelineStep(after=10, status="training", progress=50),
                TimelineStep(after=20, status="completed"),
            ],
            [{"status": "ready"}],
            id="ends-completed",
        ),
        pytest.param(
            [
                TimelineStep(after=10, status="error", error_message="glitch"),
                TimelineStep(after=20, status="error", error_message="still"),
                TimelineStep(after=30, status="retrying"),
                TimelineStep(after=40, status="completed"),
            ],
            [{"status": "error", "error_message": "glitch"}, {"status": "ready"}],
            id="one-per-transition-even-when-jumped-over",
        ),
    ],
)
async def test_timeline_steps_call_back(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    receiver: Receiver,
    steps: list[TimelineStep],
    expected: list[dict[str, Any]],
) -> None:
    """Each step into completed or error from another status is one callback.

    One advance() jumps over every step; the callbacks still come one per
    transition, in order.
    """
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    fake.set_timeline(replica_id, steps)

    fake.advance(100)
    deliveries = await fake.wait_callbacks(len(expected))

    assert [{"replica_id": replica_id, **e} for e in expected] == [
        d.payload for d in deliveries
    ]


async def test_finish_training_of_a_timeline_reports_where_it_lands(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Jumping a timeline to its end reports only the status it ends in."""
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    steps = [
        TimelineStep(after=10, status="error", error_message="glitch"),
        TimelineStep(after=20, status="completed"),
    ]
    fake.set_timeline(replica_id, steps)

    fake.finish_training(replica_id)
    [delivery] = await fake.wait_callbacks(1)

    assert {"replica_id": replica_id, "status": "ready"} == delivery.payload


async def test_one_callback_per_transition(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Reads, lists, more clock and finish_training after the end send nothing."""
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    fake.advance(10)
    await call(http, "GET", f"/v2/replicas/{replica_id}")  # may settle it first
    await fake.wait_callbacks(1)

    for _ in range(3):
        await call(http, "GET", f"/v2/replicas/{replica_id}")
        await call(http, "GET", "/v2/replicas", params={"replica_ids": replica_id})
        await fake.sleep(60)
    fake.finish_training(replica_id)
    last = await sentinel(fake, http, receiver)
    deliveries = await fake.wait_callbacks(2)

    assert [f"{replica_id} ready", f"{last} ready"] == subjects(deliveries)


@pytest.mark.parametrize("fields", [{}, {"callback_url": ""}])
async def test_no_callback_url_no_callback(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    receiver: Receiver,
    fields: dict[str, Any],
) -> None:
    """Replicas without a callback_url, created or added, are never called back."""
    created = await create_replica(http, **fields)
    added = fake.add_replica(
        status="started", timeline=[TimelineStep(after=1, status="completed")]
    )
    fake.advance(10)
    fake.finish_training()
    last = await sentinel(fake, http, receiver)

    deliveries = await fake.wait_callbacks(1)

    assert [f"{last} ready"] == subjects(deliveries)
    assert "completed" == fake.replica(created)["status"]
    assert "completed" == fake.replica(added)["status"]


async def test_deleted_replica_is_not_called_back(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A replica deleted before its training ends sends nothing."""
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    await call(http, "DELETE", f"/v2/replicas/{replica_id}")

    fake.advance(10)
    await fake.sleep(0)
    last = await sentinel(fake, http, receiver)
    deliveries = await fake.wait_callbacks(1)

    assert [f"{last} ready"] == subjects(deliveries)


# Conversations


async def test_conversation_joined_after_create(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Create sends system.replica_joined in the webhook envelope, once answered."""
    replica_id = fake.add_replica()
    receiver.probe = lambda: [r.status for r in fake.requests]
    url = receiver.hook("c")
    created = await create_conversation(http, replica_id, callback_url=url)

    [delivery] = await fake.wait_callbacks(1)

    assert {
        "properties": {"replica_id": replica_id},
        "conversation_id": created["conversation_id"],
        "webhook_url": url,
        "event_type": "system.replica_joined",
        "message_type": "system",
        "timestamp": created["created_at"],
    } == delivery.payload
    assert ISO.match(delivery.payload["timestamp"])
    assert [[200]] == [a.probe for a in receiver.arrivals]  # create was answered


@pytest.mark.parametrize("pal", [False, True])
async def test_pal_events_add_pal_joined(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver, pal: bool
) -> None:
    """With pal_events, system.pal_joined (with face_id) follows replica_joined."""
    replica_id = fake.add_replica()
    fake.pal_events = pal
    created = await create_conversation(
        http, replica_id, callback_url=receiver.hook("c")
    )
    conversation_id = created["conversation_id"]
    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")

    deliveries = await fake.wait_callbacks(4 if pal else 3)

    joined = [
        (d.payload["event_type"], d.payload["properties"], d.payload["timestamp"])
        for d in deliveries[: 2 if pal else 1]
    ]
    expected = [("system.replica_joined", {"replica_id": replica_id})]
    if pal:
        expected.append(("system.pal_joined", {"face_id": replica_id}))
    assert expected == [j[:2] for j in joined]
    assert {created["created_at"]} == {j[2] for j in joined}
    assert fake.pal_events is pal


async def test_end_sends_shutdown_then_transcript(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """End sends system.shutdown, then the transcript verbose Get shows."""
    replica_id = fake.add_replica()
    url = receiver.hook("c")
    created = await create_conversation(
        http, replica_id, callback_url=url, custom_greeting="Hello!"
    )
    conversation_id = created["conversation_id"]
    await fake.wait_callbacks(1)

    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    deliveries = await fake.wait_callbacks(3)
    verbose = await call(
        http, "GET", f"/v2/conversations/{conversation_id}", params={"verbose": "true"}
    )

    _, shutdown, transcript = (d.payload for d in deliveries)
    _, got_shutdown, got_transcript = verbose["events"]
    assert [
        "system.replica_joined",
        "system.shutdown",
        "application.transcription_ready",
    ] == [a.body["event_type"] for a in receiver.arrivals]
    assert {
        "properties": {
            "replica_id": replica_id,
            "shutdown_reason": "end_conversation_endpoint_hit",
        },
        "conversation_id": conversation_id,
        "webhook_url": url,
        "event_type": "system.shutdown",
        "message_type": "system",
        "timestamp": got_shutdown["timestamp"],
    } == shutdown
    assert {"reason": "end_conversation_endpoint_hit"} == got_shutdown["properties"]
    assert ("application", got_transcript["timestamp"]) == (
        transcript["message_type"],
        transcript["timestamp"],
    )
    assert {
        "replica_id": replica_id,
        "transcript": got_transcript["properties"]["transcript"],
    } == transcript["properties"]
    assert "Hello!" == transcript["properties"]["transcript"][0]["content"]


async def test_callbacks_of_one_conversation_go_one_at_a_time(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The transcript waits for the shutdown POST; other subjects do not."""
    receiver.hang = lambda body: body.get("event_type") == "system.shutdown"
    created = await create_conversation(
        http, fake.add_replica(), callback_url=receiver.hook("c")
    )
    conversation_id = created["conversation_id"]
    await fake.wait_callbacks(1)
    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    last = await sentinel(fake, http, receiver)
    await fake.wait_callbacks(2)

    receiver.release.set()
    deliveries = await fake.wait_callbacks(4)

    assert [
        f"{conversation_id} system.replica_joined",
        f"{last} ready",
        f"{conversation_id} system.shutdown",
        f"{conversation_id} application.transcription_ready",
    ] == subjects(deliveries)


async def test_second_end_sends_nothing(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Ending an ended conversation does not repeat its callbacks."""
    created = await create_conversation(
        http, fake.add_replica(), callback_url=receiver.hook("c")
    )
    conversation_id = created["conversation_id"]
    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    await fake.wait_callbacks(3)

    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    last = await sentinel(fake, http, receiver)
    deliveries = await fake.wait_callbacks(4)

    assert [
        f"{conversation_id} system.replica_joined",
        f"{conversation_id} system.shutdown",
        f"{conversation_id} application.transcription_ready",
        f"{last} ready",
    ] == subjects(deliveries)


async def test_test_mode_conversation_sends_nothing(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A test_mode conversation is never called back, not even when ended."""
    created = await create_conversation(
        http, fake.add_replica(), callback_url=receiver.hook("c"), test_mode=True
    )
    conversation_id = created["conversation_id"]
    await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    last = await sentinel(fake, http, receiver)

    deliveries = await fake.wait_callbacks(1)

    assert [f"{last} ready"] == subjects(deliveries)


async def test_disabled_callbacks_are_dropped(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """With callbacks_enabled False nothing is sent, nor later when re-enabled."""
    assert fake.callbacks_enabled
    fake.callbacks_enabled = False
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    created = await create_conversation(
        http, fake.add_replica(), callback_url=receiver.hook("c")
    )
    await call(http, "POST", f"/v2/conversations/{created['conversation_id']}/end")
    fake.advance(10)
    await fake.sleep(0)
    await fake.sleep(0)

    fake.callbacks_enabled = True
    last = await sentinel(fake, http, receiver)
    deliveries = await fake.wait_callbacks(1)

    assert [f"{last} ready"] == subjects(deliveries)
    assert "completed" == fake.replica(replica_id)["status"]


# Videos and documents


async def test_video_callbacks_have_the_shape_of_tavuss_examples(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Ready and error POST the whole video, keyed as Tavus's examples are."""
    fake.videos.fail_matching("Broken")
    replica_id = fake.add_replica()
    url = receiver.hook("v")
    ready_id = await generate_video(http, replica_id, "Hello", url)
    error_id = await generate_video(http, replica_id, "Broken", url)
    fake.advance(60)

    bodies = {d.payload["video_id"]: d.payload for d in await fake.wait_callbacks(2)}
    ready, error = bodies[ready_id], bodies[error_id]
    events = [parse_callback(body) for body in (ready, error)]

    assert (set(VIDEO_READY), set(VIDEO_ERROR)) == (set(ready), set(error))
    assert (None, None) == (error["download_url"], error["stream_url"])
    times = [
        body[key] for body in (ready, error) for key in ("created_at", "updated_at")
    ]
    assert all(CALLBACK_TIME.fullmatch(t) for t in times), times
    assert [VideoCallback, VideoCallback] == [type(e) for e in events]
    assert [(ready_id, VideoStatus.READY), (error_id, VideoStatus.ERROR)] == [
        (e.video_id, e.status) for e in events if isinstance(e, VideoCallback)
    ]


async def test_document_callbacks_are_documents_that_parse_callback_refuses(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The fake POSTs the document; with no body documented, it is refused by name."""
    body = {"document_url": "https://cdn.example.com/a.pdf"}
    created = await call(
        http, "POST", "/v2/documents", json={**body, "callback_url": receiver.hook("d")}
    )
    fake.advance(60)

    [delivery] = await fake.wait_callbacks(1)
    document = await call(http, "GET", f"/v2/documents/{created['document_id']}")

    assert document == delivery.payload
    assert "ready" == delivery.payload["status"]
    with pytest.raises(WebhookError, match="a document callback"):
        parse_callback(delivery.payload)


# Delivery


async def test_unreachable_receiver_is_recorded(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A refused connection or a bad URL is recorded; the fake keeps serving."""
    refused = f"http://127.0.0.1:{free_port()}/hook"
    first = await create_replica(http, callback_url=refused)
    second = await create_replica(http, callback_url="not a url")
    fake.finish_training()

    deliveries = await fake.wait_callbacks(2)
    replica = await call(http, "GET", f"/v2/replicas/{first}")

    by_url = {d.url: d for d in deliveries}
    assert {refused, "not a url"} == set(by_url)
    assert (None, {"replica_id": first, "status": "ready"}) == (
        by_url[refused].status,
        by_url[refused].payload,
    )
    assert "Error" in (by_url[refused].error or "")
    assert by_url["not a url"].error
    assert {"replica_id": second, "status": "ready"} == by_url["not a url"].payload
    assert "completed" == replica["status"]


async def test_error_status_is_recorded(
    fake: FakeTavus, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A receiver answering 500 is recorded with that status and no error."""
    receiver.status = 500
    replica_id = await create_replica(http, callback_url=receiver.hook("r"))
    fake.finish_training(replica_id)

    [delivery] = await fake.wait_callbacks(1)
    replica = await call(http, "GET", f"/v2/replicas/{replica_id}")

    assert (500, None) == (delivery.status, delivery.error)
    assert 1 == len(receiver.arrivals)
    assert "completed" == replica["status"]


async def test_wait_callbacks_times_out(fake: FakeTavus) -> None:
    """wait_callbacks raises TimeoutError saying how many arrived."""
    with pytest.raises(TimeoutError, match="0 of 1 callbacks delivered"):
        await fake.wait_callbacks(1, timeout=0.01)


async def test_close_with_a_hanging_receiver(receiver: Receiver) -> None:
    """close() cancels a POST the receiver never answers and leaves no task behind."""
    receiver.hang = lambda body: True
    async with FakeTavus(seed=1) as fake:
        body = {"replica_id": fake.add_replica(), "callback_url": receiver.hook("c")}
        headers = {"x-api-key": fake.api_key}
        async with aiohttp.ClientSession(fake.url, headers=headers) as http:
            await call(http, "POST", "/v2/conversations", json=body)
        await receiver.arrived.wait()

    left = [task for task in asyncio.all_tasks() if is_dispatcher(task)]
    receiver.release.set()
    await asyncio.sleep(0)
    assert [] == left
    assert [] == fake.callbacks
    assert 1 == len(receiver.arrivals)


async def test_many_replicas_one_dispatcher(
    fake: FakeTavus, receiver: Receiver
) -> None:
    """2,000 watched replicas cost no task each; all are called back after advance."""
    fake.training_time = 3600
    receiver.probe = lambda: len(asyncio.all_tasks())
    baseline = len(asyncio.all_tasks())
    connector = aiohttp.TCPConnector(limit=50)
    headers = {"x-api-key": fake.api_key}
    async with aiohttp.ClientSession(
        fake.url, headers=headers, connector=connector
    ) as http:
        ids = await asyncio.gather(
            *(
                create_replica(http, callback_url=receiver.hook(str(n)))
                for n in range(2000)
            )
        )
    pending = len(asyncio.all_tasks())
    dispatchers = [t for t in asyncio.all_tasks() if is_dispatcher(t)]

    fake.advance(3600)
    deliveries = await fake.wait_callbacks(2000, timeout=60)

    assert 1 == len(dispatchers)
    assert pending < baseline + 200
    assert set(ids) == {d.payload["replica_id"] for d in deliveries}
    assert {200} == {d.status for d in deliveries}
    assert max(a.probe for a in receiver.arrivals) < 400  # not one per callback
