"""Typical calls, type-checked by mypy --strict from the user's side; never run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from tavus_async import (
    APIError,
    APITimeoutError,
    BadRequestError,
    Conversation,
    ConversationStatus,
    CreateConversationRequest,
    CreatedReplica,
    CreateReplicaRequest,
    OutcomeKind,
    Replica,
    ReplicaOutcome,
    ReplicaPage,
    ReplicaStatus,
    ReplicaUpdate,
    ReplicaWatcher,
    RetryPolicy,
    TavusClient,
    Timeout,
    ValidationError,
    VoicePage,
    WatchError,
    WatchEvent,
    WatchStats,
    WatchTimeoutError,
    create_session,
)
from tavus_async.testing import (
    CallbackDelivery,
    FakeTavus,
    Fault,
    RetryEvent,
    TimelineStep,
    capture_retries,
    set_testing,
)
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackResponse,
    CallbackServer,
    ConversationCallback,
    ConversationShutdown,
    ReceiverStats,
    ReplicaTrainingCallback,
    ShutdownReason,
    TranscriptionReady,
    TranscriptTurn,
    WebhookError,
    aiohttp_handler,
    callback_url_for,
    new_callback_secret,
    parse_callback,
)


async def replicas(client: TavusClient) -> None:
    created: CreatedReplica = await client.replicas.create(
        CreateReplicaRequest(train_video_url="https://x/v.mp4", replica_name="Rio")
    )
    replica: Replica = await client.replicas.get(created.replica_id, verbose=True)
    status: ReplicaStatus = replica.status
    done: bool = status.is_terminal and status.is_success
    fraction: float | None = (
        replica.training_progress.fraction if replica.training_progress else None
    )
    when: datetime | None = replica.created_at
    page: ReplicaPage = await client.replicas.list(limit=50, page=1, replica_ids=["r1"])
    total: int = page.total_count
    first: Replica = page.data[0]
    async for item in client.replicas.iter_all(replica_type="user"):
        name: str | None = item.replica_name
    await client.replicas.rename(replica.replica_id, "New name")
    await client.replicas.delete(replica.replica_id, hard=True)
    voices: VoicePage = await client.voices.list(search="anna", sort="desc")
    del done, fraction, when, total, first, name, voices


async def conversations(client: TavusClient) -> None:
    conversation: Conversation = await client.conversations.create(
        CreateConversationRequest(replica_id="r1", conversation_name="Demo")
    )
    conversation = await client.conversations.get(
        conversation.conversation_id, verbose=True
    )
    events = conversation.events or ()
    kinds: list[str] = [event.event_type for event in events]
    page = await client.conversations.list(status=ConversationStatus.ACTIVE)
    async for item in client.conversations.iter_all(status="ended"):
        ended: bool = item.status is ConversationStatus.ENDED
    await client.conversations.end(conversation.conversation_id)
    await client.conversations.delete(conversation.conversation_id, hard=False)
    del kinds, page, ended


async def watching(client: TavusClient, fake: FakeTavus) -> None:
    watcher = ReplicaWatcher(
        client,
        poll_interval=30.0,
        max_concurrency=8,
        max_poll_interval=120.0,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    event: WatchEvent
    async for event in watcher.watch(
        ["r1"], until={ReplicaStatus.COMPLETED, "error"}, keep_open=True
    ):
        if isinstance(event, ReplicaUpdate):
            previous: Replica | None = event.previous
            status: ReplicaStatus = event.status
            del previous, status
        else:
            outcome: ReplicaOutcome = event
            kind: OutcomeKind = outcome.kind
            message: str | None = outcome.error_message
            del kind, message
    added: int = watcher.add(["r2"], timeout=3600.0)
    watcher.done_adding()
    settled: bool = watcher.notify("r1", "ready", error_message=None)
    try:
        outcomes: dict[str, ReplicaOutcome] = await watcher.wait(
            ["r1"], timeout=6 * 3600, replica_timeout=3600, raise_on_error=True
        )
        del outcomes
    except WatchTimeoutError as timed_out:
        late: ReplicaOutcome = timed_out.failures["r1"]
        del late
    except WatchError as error:
        every: ReplicaOutcome = error.outcomes["r1"]
        del every
    stats: WatchStats = watcher.stats
    requests: int = stats.requests
    del added, settled, requests


async def lifecycle() -> None:
    async with TavusClient(
        api_key="k", timeout=Timeout(total=30, connect=5, read=20), max_retries=3
    ) as client:
        once = client.with_options(max_retries=0, timeout=10)
        await replicas(once)
    session: aiohttp.ClientSession = create_session(limit=20)
    shared = TavusClient(
        api_key="k", session=session, retry_policy=RetryPolicy(max_delay=2.0)
    )
    try:
        await conversations(shared)
    except BadRequestError as error:
        code: int = error.status_code
        del code
    except APITimeoutError as error:
        maybe: bool = error.may_have_succeeded
        del maybe
    except APIError:
        pass
    except ValidationError as error:
        field: str = error.field
        del field
    finally:
        await shared.aclose()
        await session.close()


async def testing_kit() -> None:
    set_testing(True)
    async with FakeTavus(training_time=2.0) as fake:
        fake.inject(Fault.http(429, retry_after=1), times=2, path="/v2/replicas")
        fake.mark_failing("bad")
        with capture_retries() as retries:
            async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
                await replicas(client)
        waits: list[float] = [event.delay for event in retries]
        first: RetryEvent = retries[0]
        count: int = fake.count("POST", "/v2/replicas")
        del waits, first, count
        steps = [
            TimelineStep(after=0, status="queued"),
            TimelineStep(after=60.5, status="completed", progress=100),
        ]
        replica_id: str = fake.add_replica(status="started", timeline=steps)
        fake.set_timeline(replica_id, (TimelineStep(after=1, status="error"),))
        fake.hide_from_list(replica_id)
        fake.show_in_list(replica_id)
        fake.ignore_list_filter = not fake.ignore_list_filter
        await fake.sleep(3600)
        now: float = fake.clock()
        del now


async def on_callback(event: CallbackEvent) -> None:
    match event:
        case ReplicaTrainingCallback():
            succeeded: bool = event.succeeded
            status: ReplicaStatus = event.status
            del succeeded, status
        case TranscriptionReady():
            turns: tuple[TranscriptTurn, ...] = event.properties.transcript
            seconds: float | None = turns[0].seconds_from_start
            del seconds
        case ConversationShutdown():
            reason: ShutdownReason | None = event.properties.shutdown_reason
            del reason
        case ConversationCallback():
            kind: str | None = event.event_type
            raw: Mapping[str, Any] = event.raw
            del kind, raw


async def webhooks(client: TavusClient, watcher: ReplicaWatcher) -> None:
    secret: str = new_callback_secret()
    url: str = callback_url_for("https://example.com/tavus", secret=secret)
    request = CreateReplicaRequest.from_video("https://e.com/v.mp4", callback_url=url)
    del request
    receiver = CallbackReceiver(
        on_callback, secret=[secret], watcher=watcher, verify_with=client
    )
    app = web.Application()
    app.router.add_post("/tavus", aiohttp_handler(receiver))
    answer: CallbackResponse = await receiver.receive(
        b"{}", content_type="application/json", query={"tavus_token": secret}
    )
    event: CallbackEvent | None = answer.event
    stats: ReceiverStats = receiver.stats
    del event, stats
    try:
        parse_callback(b"{}")
    except WebhookError as exc:
        where: str | None = exc.field
        del where
    async with CallbackServer(receiver, port=0, path=None) as server:
        local: str = server.url
        del local
    await receiver.aclose(grace=1.0)
    async with FakeTavus() as fake:
        fake.pal_events = True
        fake.callbacks_enabled = False
        deliveries: list[CallbackDelivery] = await fake.wait_callbacks(0)
        del deliveries
