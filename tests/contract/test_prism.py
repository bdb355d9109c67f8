"""Contract test: every public endpoint method against Prism serving Tavus's spec.

Prism validates each request the real client sends against the published
OpenAPI document and answers with the document's examples. A request Prism
rejects surfaces as an ``APIStatusError`` and a mocked answer the client
cannot read as a ``DecodeError``; both fail the test with the evidence. The
examples carry the spec's quirks (``"replica_type": "user'"``, ``"string"``
and ``""`` where timestamps belong), which the client must parse.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tavus_async import (
    ConversationProperties,
    ConversationsService,
    ConversationStatus,
    CreateConversationRequest,
    CreateReplicaRequest,
    RecordingStorage,
    ReplicaProperties,
    ReplicasService,
    ReplicaStatus,
    ReplicaType,
    TavusClient,
    TrainingProgress,
    VoicesService,
    VoiceTag,
)
from tests.contract._prism import (
    API_KEY,
    Exchanges,
    accepted,
    assert_covered,
    open_client,
)
from tests.contract._spec import undocumented


pytestmark = pytest.mark.contract

REPLICA_ID = "r90bbd427f71"
CONVERSATION_ID = "c123456"
VIDEO_URL = "https://my-example-bucket.s3.us-east-1.amazonaws.com/your-train-video.mp4"
IMAGE_URL = "https://my-example-bucket.s3.us-east-1.amazonaws.com/your-train-image.png"
CONSENT_URL = (
    "https://my-example-bucket.s3.us-east-1.amazonaws.com/your-consent-video.mp4"
)
CALLBACK_URL = "https://yourwebsite.com/webhook"
ITER_BOUND = 5

# Every public method of every service, and the test that calls it.
COVERED = {
    ReplicasService: {
        "create": "test_create_replica_from_video/_from_image",
        "get": "test_get_replica_verbose",
        "list": "test_list_replicas_with_every_filter",
        "iter_all": "test_iter_all_replicas",
        "rename": "test_rename_replica",
        "delete": "test_delete_replica",
    },
    VoicesService: {
        "list": "test_list_voices",
        "iter_all": "test_iter_all_voices",
    },
    ConversationsService: {
        "create": "test_create_conversation_with_every_field",
        "get": "test_get_conversation/_verbose",
        "list": "test_list_conversations",
        "iter_all": "test_iter_all_conversations",
        "end": "test_end_conversation",
        "delete": "test_delete_conversation",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public service method has a contract test listed in COVERED."""
    assert_covered(COVERED)


async def test_prism_rejects_a_request_that_breaks_the_spec(prism_url: str) -> None:
    """Prism runs with --errors: a spec violation gets a 422 problem+json."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{prism_url}/v2/voices",
            params={"sort": "sideways"},
            headers={"x-api-key": API_KEY},
        ) as answer,
    ):
        body = await answer.json(content_type=None)
        assert 422 == answer.status
        assert "application/problem+json" == answer.content_type
    assert [["query", "sort"]] == [v["location"] for v in body["validation"]]


async def test_default_session_client(prism_url: str) -> None:
    """A client that makes its own session passes Prism's checks too."""
    exchanges = Exchanges()
    with accepted(exchanges):
        async with TavusClient(
            api_key=API_KEY, base_url=prism_url, max_retries=0
        ) as tavus:
            replica = await tavus.replicas.get(REPLICA_ID)
    assert REPLICA_ID == replica.replica_id


async def test_create_replica_from_video(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Replica from a video with every optional field is accepted."""
    request = CreateReplicaRequest(
        train_video_url=VIDEO_URL,
        consent_video_url=CONSENT_URL,
        replica_name="Rio",
        model_name="phoenix-4",
        callback_url=CALLBACK_URL,
        properties=ReplicaProperties(background_green_screen=False),
    )
    with accepted(exchanges):
        created = await client.replicas.create(request)
    assert REPLICA_ID == created.replica_id
    assert ReplicaStatus.STARTED == created.status
    assert ("POST", "/v2/replicas", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


async def test_create_replica_from_image(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Replica from an image with a voice is accepted."""
    request = CreateReplicaRequest.from_image(
        IMAGE_URL,
        voice_name="anna",
        replica_name="Image Replica",
        auto_fix_training_image=True,
        callback_url=CALLBACK_URL,
    )
    with accepted(exchanges):
        created = await client.replicas.create(request)
    assert REPLICA_ID == created.replica_id
    assert ReplicaStatus.STARTED == created.status


async def test_get_replica_verbose(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Replica parses the spec's example, quirks included."""
    with accepted(exchanges):
        replica = await client.replicas.get(REPLICA_ID, verbose=True)
    assert {"verbose": "true"} == exchanges.last().query
    assert REPLICA_ID == replica.replica_id
    assert "My Replica" == replica.replica_name
    assert ReplicaStatus.COMPLETED == replica.status
    assert ReplicaType.USER == replica.replica_type  # sent as "user'"
    assert TrainingProgress(done=100, total=100) == replica.training_progress
    assert datetime(2024, 1, 24, 7, 14, 3, 327000, tzinfo=UTC) == replica.created_at
    assert datetime(2024, 1, 24, 7, 14, 3, 327000, tzinfo=UTC) == replica.updated_at
    assert UTC == replica.created_at.tzinfo
    assert "string" == replica.error_message  # on a completed replica
    assert "phoenix-3" == replica.model_name


async def test_list_replicas_with_every_filter(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """List Replicas with every query parameter is accepted and parsed."""
    with accepted(exchanges):
        page = await client.replicas.list(
            limit=50,
            page=1,
            verbose=True,
            replica_type="user",
            replica_ids=["r1", "r2"],
            model_name="phoenix-4",
        )
    assert {
        "limit": "50",
        "page": "1",
        "verbose": "true",
        "replica_type": "user",
        "replica_ids": "r1,r2",
        "model_name": "phoenix-4",
    } == exchanges.last().query
    assert 42 == page.total_count
    assert [REPLICA_ID] == [r.replica_id for r in page.data]
    (replica,) = page.data
    assert ReplicaStatus.COMPLETED == replica.status
    assert ReplicaType.USER == replica.replica_type
    assert None is replica.created_at  # the example says "string"


async def test_iter_all_replicas(client: TavusClient, exchanges: Exchanges) -> None:
    """iter_all reads on past Prism's short page (it claims 42), stops at its repeat."""
    seen = []
    with accepted(exchanges):
        iterator = client.replicas.iter_all(replica_type=ReplicaType.USER)
        async with contextlib.aclosing(iterator) as replicas:
            async for replica in replicas:
                seen.append(replica.replica_id)
                if len(seen) >= ITER_BOUND:
                    break
    assert [REPLICA_ID] == seen
    assert ["1", "2"] == [exchange.query["page"] for exchange in exchanges.seen]
    assert {"limit": "100", "page": "2", "replica_type": "user"} == (
        exchanges.last().query
    )


async def test_rename_replica(client: TavusClient, exchanges: Exchanges) -> None:
    """Rename Replica's PATCH body is accepted."""
    with accepted(exchanges):
        await client.replicas.rename(REPLICA_ID, "New name")
    assert ("PATCH", f"/v2/replicas/{REPLICA_ID}/name", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


@pytest.mark.parametrize("hard", [False, True])
async def test_delete_replica(
    client: TavusClient, exchanges: Exchanges, hard: bool
) -> None:
    """Delete Replica, soft and hard, is accepted."""
    with accepted(exchanges):
        await client.replicas.delete(REPLICA_ID, hard=hard)
    assert ({"hard": "true"} if hard else {}) == exchanges.last().query
    assert ("DELETE", 200) == (exchanges.last().method, exchanges.last().status)


async def test_list_voices(client: TavusClient, exchanges: Exchanges) -> None:
    """List Voices with every query parameter is accepted and parsed."""
    with accepted(exchanges):
        page = await client.voices.list(
            search="anna", limit=10, page=1, sort="asc", tag="english"
        )
    assert {
        "search": "anna",
        "limit": "10",
        "page": "1",
        "sort": "asc",
        "tag": "english",
    } == exchanges.last().query
    (voice,) = page.data
    assert "anna" == voice.voice_name
    assert REPLICA_ID == voice.replica_id
    assert (VoiceTag(tag_name="string"),) == voice.tags
    assert (0, 0, 0) == (page.total_count, page.page, page.limit)


async def test_iter_all_voices(client: TavusClient, exchanges: Exchanges) -> None:
    """Voices iter_all stops after Prism's one page."""
    seen = []
    with accepted(exchanges):
        iterator = client.voices.iter_all(search="anna")
        async with contextlib.aclosing(iterator) as voices:
            async for voice in voices:
                seen.append(voice.voice_name)
                if len(seen) >= ITER_BOUND:
                    break
    assert ["anna"] == seen
    assert 1 == len(exchanges.seen)


async def test_create_conversation_with_every_field(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Conversation with every field the client knows is accepted."""
    request = CreateConversationRequest(
        replica_id=REPLICA_ID,
        persona_id="pcb7a34da5fe",
        conversation_name="Demo",
        callback_url=CALLBACK_URL,
        conversational_context="Practice handling objections.",
        custom_greeting="Hey there!",
        audio_only=False,
        memory_stores=["anna"],
        document_ids=["doc_1234567890"],
        document_retrieval_strategy="balanced",
        document_tags=["sales", "marketing"],
        test_mode=True,
        require_auth=True,
        max_participants=2,
        properties=ConversationProperties(
            max_call_duration=600,
            participant_left_timeout=60,
            participant_absent_timeout=300,
            enable_recording=True,
            enable_closed_captions=True,
            apply_greenscreen=False,
            language="multilingual",
            recording_storage=RecordingStorage(
                provider="s3",
                bucket_name="conversation-recordings",
                bucket_region="us-east-1",
                assume_role_arn="arn:aws:iam::123456789012:role/TavusRecordingWriter",
                external_id="tavus-acct-abc123",
            ),
        ),
    )
    with accepted(exchanges):
        conversation = await client.conversations.create(request)
    assert CONVERSATION_ID == conversation.conversation_id
    assert ConversationStatus.ACTIVE == conversation.status
    assert "https://tavus.daily.co/c123456" == conversation.conversation_url
    assert "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..." == conversation.meeting_token
    assert None is conversation.created_at  # the example says "<string>"


async def test_get_conversation(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Conversation parses the spec's default example."""
    with accepted(exchanges):
        conversation = await client.conversations.get(CONVERSATION_ID)
    assert {} == exchanges.last().query
    assert CONVERSATION_ID == conversation.conversation_id
    assert ConversationStatus.ACTIVE == conversation.status
    assert REPLICA_ID == conversation.replica_id
    assert "pcb7a34da5fe" == conversation.persona_id
    assert datetime(2026, 4, 29, 12, 0, tzinfo=UTC) == conversation.created_at
    assert datetime(2026, 4, 29, 12, 5, tzinfo=UTC) == conversation.updated_at
    assert None is conversation.events


async def test_get_conversation_verbose(prism_url: str, exchanges: Exchanges) -> None:
    """Get Conversation with verbose parses the spec's events example."""
    # Prism serves the first named example unless asked for another.
    async with open_client(
        prism_url, exchanges, headers={"Prefer": "example=verbose"}
    ) as tavus:
        with accepted(exchanges):
            conversation = await tavus.conversations.get(CONVERSATION_ID, verbose=True)
    assert {"verbose": "true"} == exchanges.last().query
    assert ConversationStatus.ENDED == conversation.status
    assert conversation.events is not None
    assert [
        "system.replica_joined",
        "application.transcription_ready",
        "system.shutdown",
    ] == [event.event_type for event in conversation.events]
    joined, transcript, shutdown = conversation.events
    assert datetime(2026, 4, 29, 3, 45, 53, tzinfo=UTC) == joined.timestamp
    assert {} == joined.properties
    assert ["assistant", "user"] == [
        turn["role"] for turn in transcript.properties["transcript"]
    ]
    assert {"reason": "participant_left_timeout"} == shutdown.properties
    assert datetime(2026, 4, 29, 3, 47, 1, tzinfo=UTC) == shutdown.timestamp


async def test_list_conversations(client: TavusClient, exchanges: Exchanges) -> None:
    """List Conversations with every query parameter is accepted and parsed."""
    with accepted(exchanges):
        page = await client.conversations.list(
            status=ConversationStatus.ACTIVE, limit=10, page=1
        )
    assert {"status": "active", "limit": "10", "page": "1"} == exchanges.last().query
    (conversation,) = page.data
    assert CONVERSATION_ID == conversation.conversation_id
    assert ConversationStatus.ACTIVE == conversation.status
    assert (None, None) == (conversation.created_at, conversation.updated_at)
    assert 0 == page.total_count


async def test_iter_all_conversations(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Conversations iter_all stops after Prism's one page."""
    seen = []
    with accepted(exchanges):
        iterator = client.conversations.iter_all(status="ended")
        async with contextlib.aclosing(iterator) as conversations:
            async for conversation in conversations:
                seen.append(conversation.conversation_id)
                if len(seen) >= ITER_BOUND:
                    break
    assert [CONVERSATION_ID] == seen
    assert 1 == len(exchanges.seen)


async def test_end_conversation(client: TavusClient, exchanges: Exchanges) -> None:
    """End Conversation is accepted."""
    with accepted(exchanges):
        await client.conversations.end(CONVERSATION_ID)
    assert ("POST", f"/v2/conversations/{CONVERSATION_ID}/end", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


@pytest.mark.parametrize("hard", [False, True])
async def test_delete_conversation(
    client: TavusClient, exchanges: Exchanges, hard: bool
) -> None:
    """Delete Conversation, soft and hard, is accepted."""
    with accepted(exchanges):
        await client.conversations.delete(CONVERSATION_ID, hard=hard)
    assert ({"hard": "true"} if hard else {}) == exchanges.last().query
    assert ("DELETE", 204) == (exchanges.last().method, exchanges.last().status)


async def test_an_undocumented_parameter_fails_the_contract(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """A query parameter the document lacks fails ``accepted`` even if Prism answers."""
    with (
        pytest.raises(AssertionError, match="does not have"),
        accepted(exchanges),
    ):
        await client.voices.list(extra_query={"made_up": "1"})
    assert "made_up" in exchanges.last().query


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        ("GET", "/v2/voices", {"limit": "5", "x": "1"}, None, ["query 'x'"]),
        ("GET", "/v2/replicas/r1", {"verbose": "true"}, None, []),
        (
            "POST",
            "/v2/replicas",
            {},
            {"train_video_url": "u", "properties": {"green": True}},
            ["body.properties.green"],
        ),
        (
            "POST",
            "/v2/personas",
            {},
            {"persona_name": "a", "layers": {"llm": {"model": "m"}}},
            [],
        ),
        (
            "DELETE",
            "/v2/replicas/r1",
            {},
            {"a": 1},
            ["a body, which the operation does not take"],
        ),
    ],
)
def test_undocumented_reads_the_document(
    method: str, path: str, query: dict[str, str], body: Any, expected: list[str]
) -> None:
    """Query names and body keys are checked against the operation, nested too."""
    assert expected == undocumented(method, path, query, body)
