"""Typical calls, type-checked from the user's side; never run.

``mypy --strict`` and ``pyright`` (strict, tests/typing/pyrightconfig.json)
both check this file. ``assert_type`` pins what the main calls return; each
line ending in ``# type: ignore[code]`` is a call that must be rejected, and
both checkers report an ignore that is no longer needed, so a wrong call that
starts to type-check fails CI.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from datetime import datetime
from typing import Any, Literal, assert_never, assert_type

import aiohttp
import attrs
from aiohttp import web
from cattrs.preconf.json import JsonConverter

import tavus_async
import tavus_async.webhooks
from tavus_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientState,
    ClientStateError,
    ConfirmationMode,
    ConflictError,
    Conversation,
    ConversationEvent,
    ConversationPage,
    ConversationProperties,
    ConversationsService,
    ConversationStatus,
    CrawlConfig,
    CreateConversationRequest,
    CreatedGuardrails,
    CreatedObjectives,
    CreateDocumentRequest,
    CreatedPersona,
    CreatedReplica,
    CreatedVideo,
    CreateGuardrailsRequest,
    CreateObjectivesRequest,
    CreatePersonaRequest,
    CreateReplicaRequest,
    DecodeError,
    Document,
    DocumentPage,
    DocumentsService,
    DocumentStatus,
    GenerateVideoRequest,
    Guardrail,
    GuardrailSet,
    GuardrailSetPage,
    GuardrailsService,
    InternalServerError,
    LLMLayer,
    Modality,
    NotFoundError,
    Objective,
    ObjectiveSet,
    ObjectiveSetPage,
    ObjectivesService,
    OpenStrEnum,
    Outcome,
    OutcomeKind,
    Page,
    PatchOperation,
    PermissionDeniedError,
    Persona,
    PersonaLayers,
    PersonaPage,
    PersonasService,
    PersonaType,
    PipelineMode,
    PollMode,
    RateLimitError,
    RawResponse,
    RecordingStorage,
    Replace,
    Replica,
    ReplicaOutcome,
    ReplicaPage,
    ReplicaProperties,
    ReplicaSource,
    ReplicasService,
    ReplicaStatus,
    ReplicaType,
    ReplicaUpdate,
    ReplicaWatcher,
    RetryEvent,
    RetryPolicy,
    SetStatus,
    TavusClient,
    TavusError,
    Timeout,
    TrainingProgress,
    TTSEngine,
    TTSLayer,
    UnknownIdError,
    UnprocessableEntityError,
    Update,
    ValidationError,
    Video,
    VideoPage,
    VideoProperties,
    VideosService,
    VideoStatus,
    Voice,
    VoicePage,
    VoicesService,
    VoiceTag,
    Watcher,
    WatchError,
    WatchEvent,
    WatchStats,
    WatchTimeoutError,
    WebhookError,
    create_session,
    make_converter,
    with_raw_response,
)
from tavus_async.cli import build_parser, main
from tavus_async.services import PronunciationDictionariesService, TranscriptionsService
from tavus_async.testing import (
    CallbackDelivery,
    FakeTavus,
    Fault,
    RecordedRequest,
    TimelineStep,
    capture_retries,
    free_port,
    is_testing,
    set_testing,
)
from tavus_async.types.pronunciation_dictionaries import (
    CreatePronunciationDictionaryRequest,
    PronunciationDictionary,
    PronunciationDictionaryPage,
    PronunciationRule,
    RuleType,
)
from tavus_async.types.transcriptions import (
    CreateTranscriptionRequest,
    Transcription,
    TranscriptionPage,
    TranscriptionStatus,
)
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackHandler,
    CallbackReceiver,
    CallbackResponse,
    CallbackServer,
    ConversationCallback,
    ConversationShutdown,
    JoinedProperties,
    PerceptionAnalysis,
    PerceptionProperties,
    ReceiverStats,
    RecordingCopyFailed,
    RecordingCopyFailedProperties,
    RecordingProperties,
    RecordingReady,
    ReplicaJoined,
    ReplicaTrainingCallback,
    ShutdownProperties,
    ShutdownReason,
    TranscriptionProperties,
    TranscriptionReady,
    TranscriptTurn,
    VideoCallback,
    aiohttp_handler,
    callback_url_for,
    new_callback_secret,
    parse_callback,
)


async def replicas(client: TavusClient) -> None:
    assert_type(client.replicas, ReplicasService)
    created = await client.replicas.create(
        CreateReplicaRequest(
            train_video_url="https://x/v.mp4",
            replica_name="Rio",
            properties=ReplicaProperties(background_green_screen=True),
        )
    )
    assert_type(created, CreatedReplica)
    replica = await client.replicas.get(created.replica_id, verbose=True)
    assert_type(replica, Replica)
    status: ReplicaStatus = replica.status
    done: bool = status.is_terminal and status.is_success and status.is_known
    progress = replica.training_progress
    assert_type(progress, TrainingProgress | None)
    fraction: float | None = progress.fraction if progress else None
    parsed: TrainingProgress | None = TrainingProgress.parse("37/100")
    when: datetime | None = replica.created_at
    kind: ReplicaType | None = replica.replica_type
    page = await client.replicas.list(limit=50, page=1, replica_ids=["r1"])
    assert_type(page, ReplicaPage)
    assert_type(page, Page[Replica])
    total: int = page.total_count
    first: Replica = page.data[0]
    names: list[str | None] = [
        item.replica_name
        async for item in client.replicas.iter_all(replica_type="user")
    ]
    every = client.replicas.iter_all(limit=10)  # checked here, sent when read
    assert_type(every, AsyncGenerator[Replica, None])
    async with aclosing(every) as pages:
        async for item in pages:  # leaving early closes the iteration at once
            assert_type(item, Replica)
            break
    assert_type(await client.replicas.rename(replica.replica_id, "New"), None)
    await client.replicas.delete(replica.replica_id, hard=True)
    voices = await client.voices.list(search="anna", sort="desc", limit=10)
    assert_type(voices, VoicePage)
    voice: Voice = voices.data[0]
    tags: tuple[VoiceTag, ...] = voice.tags
    all_voices: list[Voice] = [v async for v in client.voices.iter_all(tag="en")]
    assert_type(client.voices.iter_all(), AsyncGenerator[Voice, None])
    assert_type(client.voices, VoicesService)
    by_image = CreateReplicaRequest.from_image("https://x/i.png", voice_name="anna")
    assert_type(by_image, CreateReplicaRequest)
    assert_type(replica.to_dict(), dict[str, Any])
    assert_type(page.to_dict(), dict[str, Any])
    assert_type(created.to_json(), str)
    assert_type(voices.to_json(), str)
    assert_type(by_image.to_dict(), dict[str, Any])
    del done, fraction, parsed, when, kind, total, first, names, tags, all_voices


async def conversations(client: TavusClient) -> None:
    assert_type(client.conversations, ConversationsService)
    conversation = await client.conversations.create(
        CreateConversationRequest(
            replica_id="r1",
            conversation_name="Demo",
            document_ids=["d1"],
            properties=ConversationProperties(
                max_call_duration=600,
                recording_storage=RecordingStorage(provider="s3", bucket_name="b"),
            ),
        )
    )
    assert_type(conversation, Conversation)
    conversation = await client.conversations.get(
        conversation.conversation_id, verbose=True
    )
    events: tuple[ConversationEvent, ...] = conversation.events or ()
    kinds: list[str] = [event.event_type for event in events]
    page = await client.conversations.list(status=ConversationStatus.ACTIVE)
    assert_type(page, ConversationPage)
    ended: list[bool] = [
        item.status is ConversationStatus.ENDED
        async for item in client.conversations.iter_all(status="ended")
    ]
    assert_type(client.conversations.iter_all(), AsyncGenerator[Conversation, None])
    assert_type(await client.conversations.end(conversation.conversation_id), None)
    await client.conversations.delete(conversation.conversation_id, hard=False)
    assert_type(conversation.to_dict(), dict[str, Any])
    assert_type(page.to_json(), str)
    del kinds, ended


async def personas(client: TavusClient) -> None:
    assert_type(client.personas, PersonasService)
    created = await client.personas.create(
        CreatePersonaRequest(
            persona_name="Tutor",
            system_prompt="You are a patient maths tutor.",
            document_ids=["d1"],
            layers=PersonaLayers(
                llm=LLMLayer(model="m", base_url="https://llm.example/v1", api_key="k"),
                tts=TTSLayer(
                    tts_engine=TTSEngine.CARTESIA, voice_settings={"speed": 1}
                ),
            ),
        )
    )
    assert_type(created, CreatedPersona)
    persona = await client.personas.get(
        created.persona_id,
        timeout=Timeout(total=10),
        extra_headers={"X-Trace": "1"},
        extra_query={"verbose": True, "fields": ["layers"]},
    )
    assert_type(persona, Persona)
    assert_type(persona.pipeline_mode, PipelineMode | None)
    assert_type(persona.document_ids, tuple[str, ...])
    page = await client.personas.list(limit=10, page=1, persona_type="user")
    assert_type(page, PersonaPage)
    assert_type(page, Page[Persona])
    every = client.personas.iter_all(persona_type=PersonaType.SYSTEM, timeout=5)
    assert_type(every, AsyncGenerator[Persona, None])
    changes = client.personas.diff(persona, attrs.evolve(persona, persona_name="X"))
    assert_type(changes, tuple[PatchOperation, ...])
    operations = [Replace("/persona_name", "Ada"), *changes]
    assert_type(await client.personas.patch(persona.persona_id, operations), bool)
    assert_type(await client.personas.delete(persona.persona_id), None)
    raw = await with_raw_response(client.personas.get, "p1")
    assert_type(raw, RawResponse[Persona])
    assert_type(raw.parsed, Persona)
    gone = await with_raw_response(client.personas.delete, "p1", timeout=5)
    assert_type(gone, RawResponse[None])
    request_id: str | None = raw.request_id
    del request_id


async def videos(client: TavusClient) -> None:
    assert_type(client.videos, VideosService)
    request = GenerateVideoRequest.from_script(
        "r1",
        "Hi Ana!",
        video_name="Welcome",
        background_url="https://example.com",
        properties=VideoProperties(background_scroll_type="smooth"),
    )
    assert_type(request, GenerateVideoRequest)
    created = await client.videos.generate(request)
    assert_type(created, CreatedVideo)
    by_audio = GenerateVideoRequest.from_audio("r1", "https://x/a.mp3", fast=True)
    assert_type(await client.videos.generate(by_audio, timeout=60), CreatedVideo)
    video = await client.videos.get(created.video_id, verbose=True)
    assert_type(video, Video)
    assert_type(video.status, VideoStatus | None)
    assert_type(video.generation_progress, TrainingProgress | None)
    assert_type(await client.videos.list(limit=10, page=0), VideoPage)
    assert_type(client.videos.iter_all(limit=5), AsyncGenerator[Video, None])
    assert_type(await client.videos.rename(video.video_id, "New"), None)
    assert_type(await client.videos.delete(video.video_id, hard=True), None)


async def documents(client: TavusClient) -> None:
    assert_type(client.documents, DocumentsService)
    document = await client.documents.create(
        CreateDocumentRequest(
            document_url="https://example.com/handbook.pdf",
            tags=["hr"],
            crawl=CrawlConfig(depth=2, max_pages=10),
        )
    )
    assert_type(document, Document)
    assert_type(document.status, DocumentStatus | None)
    assert_type(await client.documents.get(document.document_id), Document)
    page = await client.documents.list(
        sort="descending", status=DocumentStatus.READY, tags=["hr"], page=0
    )
    assert_type(page, DocumentPage)
    every = client.documents.iter_all(name_or_uuid="handbook")
    assert_type(every, AsyncGenerator[Document, None])
    assert_type(await client.documents.update(document.document_id, tags=[]), Document)
    recrawled = await client.documents.recrawl(document.document_id, crawl=None)
    assert_type(recrawled, Document)
    assert_type(await client.documents.delete(document.document_id), None)


async def policies(client: TavusClient) -> None:
    assert_type(client.objectives, ObjectivesService)
    assert_type(client.guardrails, GuardrailsService)
    created = await client.objectives.create(
        CreateObjectivesRequest(
            data=[
                Objective(
                    objective_name="ask",
                    objective_prompt="Ask if they are new",
                    confirmation_mode=ConfirmationMode.AUTO,
                    next_required_objective="name",
                ),
                Objective(objective_name="name", objective_prompt="Ask their name"),
            ]
        )
    )
    assert_type(created, CreatedObjectives)
    assert_type(created.status, SetStatus | None)
    objectives = await client.objectives.get(created.objectives_id)
    assert_type(objectives, ObjectiveSet)
    assert_type(objectives.data, tuple[Objective, ...])
    assert_type(await client.objectives.list(limit=10), ObjectiveSetPage)
    assert_type(client.objectives.iter_all(), AsyncGenerator[ObjectiveSet, None])
    changes = client.objectives.diff(objectives, objectives)
    assert_type(changes, tuple[PatchOperation, ...])
    assert_type(await client.objectives.patch(created.objectives_id, changes), bool)
    assert_type(await client.objectives.delete(created.objectives_id), None)
    guardrails = await client.guardrails.create(
        CreateGuardrailsRequest(
            name="Compliance",
            data=[
                Guardrail(
                    guardrail_name="no_advice",
                    guardrail_prompt="Never give medical advice",
                    modality=Modality.VERBAL,
                )
            ],
        )
    )
    assert_type(guardrails, CreatedGuardrails)
    got = await client.guardrails.get(guardrails.guardrails_id, timeout=5)
    assert_type(got, GuardrailSet)
    assert_type(await client.guardrails.list(page=2), GuardrailSetPage)
    assert_type(
        client.guardrails.iter_all(limit=50), AsyncGenerator[GuardrailSet, None]
    )
    assert_type(client.guardrails.diff(got, got), tuple[PatchOperation, ...])
    assert_type(await client.guardrails.patch(got.guardrails_id, []), bool)
    assert_type(await client.guardrails.delete(got.guardrails_id), None)


async def dictionaries(client: TavusClient) -> None:
    service = client.pronunciation_dictionaries
    assert_type(service, PronunciationDictionariesService)
    rule = PronunciationRule(text="Tavus", pronunciation="TAH-vus", type=RuleType.ALIAS)
    created = await service.create(
        CreatePronunciationDictionaryRequest(name="Brand", rules=[rule])
    )
    assert_type(created, PronunciationDictionary)
    assert_type(created.rules, tuple[PronunciationRule, ...])
    found = await service.get(created.pronunciation_dictionary_id, timeout=5)
    assert_type(found, PronunciationDictionary)
    assert_type(await service.list(page=0, sort="desc"), PronunciationDictionaryPage)
    every = service.iter_all(limit=100, sort="asc")
    assert_type(every, AsyncGenerator[PronunciationDictionary, None])
    changes = service.diff(created, attrs.evolve(found, name="Brand 2"))
    assert_type(changes, tuple[PatchOperation, ...])
    assert_type(await service.patch(found.pronunciation_dictionary_id, changes), bool)
    assert_type(await service.delete(found.pronunciation_dictionary_id), None)


async def transcriptions(client: TavusClient) -> None:
    assert_type(client.transcriptions, TranscriptionsService)
    job = await client.transcriptions.create(
        CreateTranscriptionRequest(
            file_url="https://cdn.example.com/talk.mp4",
            callback_url="https://example.com/hooks",
        )
    )
    assert_type(job, Transcription)
    done = await client.transcriptions.get(job.transcription_id)
    assert_type(done.status, TranscriptionStatus | None)
    assert_type(done.text, str | None)
    assert_type(await client.transcriptions.list(limit=10), TranscriptionPage)
    every = client.transcriptions.iter_all()
    assert_type(every, AsyncGenerator[Transcription, None])
    assert_type(await client.transcriptions.delete(job.transcription_id), None)


async def watching(client: TavusClient, fake: FakeTavus) -> None:
    source: ReplicaSource = client
    watcher = ReplicaWatcher(
        source,
        poll_interval=30.0,
        max_concurrency=8,
        max_poll_interval=120.0,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    stream = watcher.watch(
        ["r1"], until={ReplicaStatus.COMPLETED, "error"}, keep_open=True
    )
    assert_type(stream, AsyncGenerator[ReplicaUpdate | ReplicaOutcome, None])
    async for event in stream:
        assert_type(event, WatchEvent)
        assert_type(event.to_dict(), dict[str, Any])
        match event:
            case ReplicaUpdate():
                previous: Replica | None = event.previous
                status: ReplicaStatus = event.status
                source_of: Literal["poll", "notify"] = event.source
                del previous, status, source_of
            case ReplicaOutcome():
                kind: OutcomeKind = event.kind
                message: str | None = event.error_message
                ok: bool = event.ok
                del kind, message, ok
            case _:
                assert_never(event)
    added: int = watcher.add(["r2"], timeout=3600.0)
    watcher.done_adding()
    settled: bool = watcher.notify("r1", "ready", error_message=None)
    try:
        outcomes = await watcher.wait(
            ["r1"], timeout=6 * 3600, replica_timeout=3600, raise_on_error=True
        )
        assert_type(outcomes, dict[str, ReplicaOutcome])
    except WatchTimeoutError as timed_out:
        late: Outcome[Any] = timed_out.failures["r1"]
        del late
    except WatchError as error:
        every: Mapping[str, Outcome[Any]] = error.outcomes
        del every
    stats = watcher.stats
    assert_type(stats, WatchStats)
    requests: int = stats.requests
    assert_type(stats.to_json(), str)
    del added, settled, requests


async def watching_videos(client: TavusClient, fake: FakeTavus) -> None:
    watcher = client.videos.watcher(
        poll_interval=30.0, max_poll_interval=600.0, sleep=fake.sleep, clock=fake.clock
    )
    assert_type(watcher, Watcher[Video])
    stream = watcher.watch(
        ["v1"], until={VideoStatus.READY, "error"}, timeout=3600.0, each_timeout=600
    )
    assert_type(stream, AsyncGenerator[Update[Video] | Outcome[Video], None])
    async for event in stream:
        if isinstance(event, Update):
            assert_type(event, Update[Video])
            assert_type(event.item.hosted_url, str | None)
            assert_type(event.previous, Video | None)
            assert_type(event.progress, TrainingProgress | None)
        else:
            assert_type(event, Outcome[Video])
            assert_type(event.item, Video | None)
            kind: OutcomeKind = event.kind
            reason: str | None = event.error_message
            download: str | None = event.item.download_url if event.item else None
            del kind, reason, download
    outcomes = await watcher.wait(["v1", "v2"], each_timeout=600.0)
    assert_type(outcomes, dict[str, Outcome[Video]])
    added: int = watcher.add(["v3"], timeout=60.0)
    seen: bool = watcher.observe(Video(video_id="v1", status=VideoStatus.READY))
    told: bool = watcher.notify("v2", "error", error_message="bad script")
    mode: PollMode | None = watcher.stats.mode
    noun: str = watcher.noun
    assert_type(client.documents.watcher(jitter=0.0), Watcher[Document])
    assert_type(client.transcriptions.watcher(), Watcher[Transcription])
    assert_type(client.replicas.watcher(batch_size=50), ReplicaWatcher)
    del added, seen, told, mode, noun


async def lifecycle() -> None:
    async with TavusClient(
        api_key="k", timeout=Timeout(total=30, connect=5, read=20), max_retries=3
    ) as client:
        assert_type(client, TavusClient)
        once = client.with_options(max_retries=0, timeout=10)
        assert_type(once, TavusClient)
        await replicas(once)
        state: ClientState = client.state
        closed: bool = client.is_closed
        base: str = client.base_url
        converter: JsonConverter = client.converter
        del state, closed, base, converter
    traced = TavusClient(api_key="k", trace_configs=[aiohttp.TraceConfig()])
    await traced.aclose()
    session: aiohttp.ClientSession = create_session(limit=20)
    shared = TavusClient(
        api_key="k",
        session=session,
        retry_policy=RetryPolicy(max_delay=2.0),
        allow_insecure_http=True,
        requests_per_second=5.0,
        converter=make_converter(),
    )
    try:
        await conversations(shared)
    except UnknownIdError as error:
        id_field: str | None = error.id_field
        del id_field
    except BadRequestError as error:
        code: int = error.status_code
        del code
    except (RateLimitError, InternalServerError) as error:
        wait: float | None = error.retry_after
        headers: Mapping[str, str] = error.headers
        del wait, headers
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as error:
        request_id: str | None = error.request_id
        del request_id
    except (ConflictError, UnprocessableEntityError, APIStatusError) as error:
        body: Any = error.body
        del body
    except APITimeoutError as error:
        maybe: bool = error.may_have_succeeded
        sent: bool = error.request_sent
        del maybe, sent
    except APIConnectionError as error:
        where: str = f"{error.method} {error.url}"
        del where
    except DecodeError as error:
        raw: bytes = error.body
        del raw
    except APIError as error:
        text: str = error.message
        del text
    except ValidationError as error:
        field: str = error.field
        problems: tuple[tuple[str, str], ...] = error.problems
        del field, problems
    except ClientStateError:
        pass
    finally:
        await shared.aclose()
        await session.close()


def errors() -> None:
    """The error tree inherits the matching built-ins."""
    value: ValueError = ValidationError.single("api_key", "missing")
    also: ValueError = WebhookError("not JSON", field=None)
    timeout: TimeoutError = APITimeoutError(
        "timed out", method="GET", url="u", request_sent=True
    )
    connection: ConnectionError = APIConnectionError(
        "reset", method="GET", url="u", request_sent=False
    )
    state: RuntimeError = ClientStateError("closed")
    root: TavusError = WatchTimeoutError("late", {})
    same: type[WebhookError] = tavus_async.webhooks.WebhookError
    del value, also, timeout, connection, state, root, same


async def testing_kit() -> None:
    set_testing(True)
    testing: bool = is_testing()
    port: int = free_port()
    async with FakeTavus(training_time=2.0, seed=1, port=port) as fake:
        assert_type(fake, FakeTavus)
        fake.inject(Fault.http(429, retry_after=1), times=2, path="/v2/replicas")
        fake.inject_rate(Fault.drop(), 0.1, method="GET")
        fake.inject(Fault.slow(0.5))
        fake.inject(Fault.garbage(status=502, after=True))
        fake.mark_failing("bad")
        with capture_retries() as retries:
            assert_type(retries, list[RetryEvent])
            async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
                await replicas(client)
        waits: list[float] = [event.delay for event in retries]
        failure: APIError = retries[0].error
        count: int = fake.count("POST", "/v2/replicas")
        logged: list[RecordedRequest] = fake.requests
        header: str = logged[0].headers["x-api-key"]
        fake.reset_log()
        fake.clear_faults()
        steps = [
            TimelineStep(after=0, status="queued"),
            TimelineStep(after=60.5, status="completed", progress=100),
        ]
        replica_id: str = fake.add_replica(status="started", timeline=steps)
        fake.set_timeline(replica_id, (TimelineStep(after=1, status="error"),))
        fake.add_voice("zoe", tags=["en"])
        state: dict[str, Any] = fake.replica(replica_id)
        fake.finish_training(replica_id)
        fake.hide_from_list(replica_id)
        fake.show_in_list(replica_id)
        fake.ignore_list_filter = not fake.ignore_list_filter
        cap: int | None = fake.max_page_size
        fake.max_page_size = 50 if cap is None else None
        fake.training_time = 3.0
        fake.advance(10)
        await fake.sleep(3600)
        now: float = fake.clock()
        del testing, waits, failure, count, header, state, now, cap


async def on_callback(event: CallbackEvent) -> None:
    match event:
        case ReplicaTrainingCallback():
            succeeded: bool = event.succeeded
            status: ReplicaStatus = event.status
            del succeeded, status
        case TranscriptionReady():
            properties: TranscriptionProperties = event.properties
            turns: tuple[TranscriptTurn, ...] = properties.transcript
            seconds: float | None = turns[0].seconds_from_start
            del seconds
        case ConversationShutdown():
            shutdown: ShutdownProperties = event.properties
            reason: ShutdownReason | None = shutdown.shutdown_reason
            del reason
        case ReplicaJoined():
            joined: JoinedProperties = event.properties
            del joined
        case RecordingReady():
            recording: RecordingProperties = event.properties
            uri: str | None = recording.storage_uri
            del uri
        case RecordingCopyFailed():
            failed: RecordingCopyFailedProperties = event.properties
            code: str | None = failed.error_code
            del code
        case PerceptionAnalysis():
            perception: PerceptionProperties = event.properties
            analysis: str = perception.analysis
            del analysis
        case VideoCallback():
            video: Video = event.video
            ready: VideoStatus = event.status
            hosted: str | None = video.hosted_url
            del video, ready, hosted
        case ConversationCallback():
            kind: str | None = event.event_type
            raw: Mapping[str, Any] = event.raw
            del kind, raw
        case _:
            assert_never(event)


def sync_handler(event: CallbackEvent) -> None:
    del event


async def webhooks(client: TavusClient, watcher: ReplicaWatcher) -> None:
    secret: str = new_callback_secret()
    url: str = callback_url_for("https://example.com/tavus", secret=secret)
    request = CreateReplicaRequest.from_video("https://e.com/v.mp4", callback_url=url)
    assert_type(request, CreateReplicaRequest)
    handlers: list[CallbackHandler] = [on_callback, sync_handler]
    receiver = CallbackReceiver(
        handlers[0], secret=[secret], watcher=watcher, verify_with=client
    )
    app = web.Application()
    app.router.add_post("/tavus", aiohttp_handler(receiver))
    answer = await receiver.receive(
        b"{}", content_type="application/json", query={"tavus_token": secret}
    )
    assert_type(answer, CallbackResponse)
    event: CallbackEvent | None = answer.event
    accepted: bool = answer.accepted
    stats = receiver.stats
    assert_type(stats, ReceiverStats)
    parsed = parse_callback({"replica_id": "r1", "status": "ready"})
    assert_type(parsed, ReplicaTrainingCallback | VideoCallback | ConversationCallback)
    assert_type(parsed.to_dict(), dict[str, Any])
    assert_type(parsed.to_json(), str)
    try:
        parse_callback(b"{}")
    except WebhookError as exc:
        where: str | None = exc.field
        del where
    async with CallbackServer(receiver, port=0, path=None) as server:
        assert_type(server, CallbackServer)
        local: str = server.url
        del local
    async with receiver:
        await receiver.aclose(grace=1.0)
    async with FakeTavus() as fake:
        fake.pal_events = True
        fake.callbacks_enabled = False
        deliveries = await fake.wait_callbacks(0)
        assert_type(deliveries, list[CallbackDelivery])
        payload: dict[str, Any] = deliveries[0].payload
        del payload
    del event, accepted


def command_line() -> None:
    code: int = main(["voices", "list"])
    parser = build_parser()
    version: str = tavus_async.__version__
    del code, parser, version


class LoudStatus(OpenStrEnum):
    """A user's own open enum: unknown values parse instead of raising."""

    LOUD = "loud"


def open_enums() -> None:
    known = LoudStatus("LOUD")
    assert_type(known, LoudStatus)
    unknown: bool = ReplicaStatus("training-v2").is_known
    reason = ShutdownReason("internal error")
    assert_type(reason, ShutdownReason)
    del unknown


async def pages(pages: AsyncIterator[Page[Voice]]) -> None:
    async for page in pages:
        assert_type(page.data, tuple[Voice, ...])
        limit: int | None = page.limit
        del limit


# Calls that must be rejected. Each ignore is needed: both checkers report an
# unneeded one, so a wrong call that starts to type-check fails CI.


async def rejected(
    client: TavusClient, replica: Replica, event: CallbackEvent, fake: FakeTavus
) -> None:
    TavusClient("k", "https://tavusapi.com")  # type: ignore[call-arg]
    TavusClient(api_key=b"k")  # type: ignore[arg-type]
    client.with_options(retries=1)  # type: ignore[call-arg]
    await client.replicas.get(42)  # type: ignore[arg-type]
    await client.replicas.create(CreateConversationRequest())  # type: ignore[arg-type]
    await client.voices.list(sort="up")  # type: ignore[arg-type]
    await client.replicas.list(replica_type="team")  # type: ignore[arg-type]
    page: ReplicaPage = client.replicas.list()  # type: ignore[assignment]
    replica.status = ReplicaStatus.ERROR  # type: ignore[misc]
    replica.replica_name.upper()  # type: ignore[union-attr]
    properties = event.properties  # type: ignore[union-attr]
    CreateReplicaRequest(train_video_url=1)  # type: ignore[arg-type]
    CreateReplicaRequest("https://x/v.mp4")  # type: ignore[call-arg]
    Timeout(total="5")  # type: ignore[arg-type]
    RetryPolicy(max_retries=1.5)  # type: ignore[arg-type]
    ReplicaWatcher(object())  # type: ignore[arg-type]
    parse_callback(123)  # type: ignore[arg-type]
    CallbackReceiver(on_callback, secret=1)  # type: ignore[arg-type]
    Fault.http("429")  # type: ignore[arg-type]
    fake.inject(Fault.drop, times=1)  # type: ignore[arg-type]
    TrainingProgress(done=1).to_dict()  # type: ignore[attr-defined]
    CreateReplicaRequest.from_video("https://x/v.mp4", replica_nme="x")  # type: ignore[call-arg]
    client.replicas.iter_all(page_size=10)  # type: ignore[call-arg]
    TavusClient(api_key="k", trace_configs=aiohttp.TraceConfig())  # type: ignore[arg-type]
    del page, properties


async def rejected_families(
    client: TavusClient, persona: Persona, objectives: ObjectiveSet
) -> None:
    await client.videos.get("v", "yes")  # type: ignore[call-arg, arg-type]
    await client.personas.create(CreateDocumentRequest(document_url="https://x"))  # type: ignore[arg-type]
    await client.personas.get("p1", timeout="5")  # type: ignore[arg-type]
    await client.personas.get("p1", extra_header={})  # type: ignore[call-arg]
    await client.personas.list(persona_type="team")  # type: ignore[arg-type]
    await client.personas.patch("p1", [{"op": "remove", "path": "/x"}])  # type: ignore[list-item]
    client.personas.diff(persona, objectives)  # type: ignore[arg-type]
    raw = await with_raw_response(client.personas.get, "p1")
    wrong: RawResponse[Replica] = raw  # type: ignore[assignment]
    await with_raw_response(client.personas.get, 42)  # type: ignore[arg-type]
    await client.documents.list(sort="asc")  # type: ignore[arg-type]
    await client.documents.recrawl("d1", depth=2)  # type: ignore[call-arg]
    VideoProperties(background_scroll_type="fast")  # type: ignore[arg-type]
    GenerateVideoRequest.from_script("r1", "Hi", fast="yes")  # type: ignore[arg-type]
    client.guardrails.diff(objectives, objectives)  # type: ignore[arg-type]
    await client.objectives.get(set_id="o1")  # type: ignore[call-arg]
    CreateGuardrailsRequest(name="G")  # type: ignore[call-arg]
    objectives.objectives_id = "o2"  # type: ignore[misc]
    await client.pronunciation_dictionaries.list(sort="descending")  # type: ignore[arg-type]
    CreatePronunciationDictionaryRequest(rules=[])  # type: ignore[call-arg]
    CreateTranscriptionRequest(file_url="https://x/v.mp4")  # type: ignore[call-arg]
    await client.transcriptions.create(CreateDocumentRequest(document_url="x"))  # type: ignore[arg-type]
    client.videos.watcher(poll_every=5.0)  # type: ignore[call-arg]
    client.videos.watcher().observe(persona)  # type: ignore[arg-type]
    del wrong
