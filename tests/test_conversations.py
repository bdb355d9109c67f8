"""client.conversations against FakeTavus over real sockets."""

from __future__ import annotations

import pytest

from tavus_async import (
    BadRequestError,
    ConversationProperties,
    ConversationStatus,
    CreateConversationRequest,
    TavusClient,
    ValidationError,
)
from tavus_async.testing import FakeTavus


@pytest.fixture
def replica_id(fake: FakeTavus) -> str:
    """A trained stock replica to talk to."""
    return fake.add_replica(replica_name="Anna")


async def start(client: TavusClient, replica_id: str, **kwargs: object) -> str:
    conversation = await client.conversations.create(
        CreateConversationRequest(replica_id=replica_id, **kwargs)  # type: ignore[arg-type]
    )
    return conversation.conversation_id


async def test_create(fake: FakeTavus, client: TavusClient, replica_id: str) -> None:
    """Create returns an active conversation with a room URL."""
    conversation = await client.conversations.create(
        CreateConversationRequest(
            replica_id=replica_id,
            conversation_name="Demo",
            properties=ConversationProperties(max_call_duration=600),
        )
    )

    assert ConversationStatus.ACTIVE is conversation.status
    assert "Demo" == conversation.conversation_name
    assert conversation.conversation_url
    assert conversation.meeting_token is None
    assert {"max_call_duration": 600} == fake.requests[-1].json["properties"]


async def test_test_mode_and_private_rooms(
    fake: FakeTavus, client: TavusClient, replica_id: str
) -> None:
    """test_mode conversations start ended; require_auth ones carry a meeting token."""
    trial = await client.conversations.create(
        CreateConversationRequest(replica_id=replica_id, test_mode=True)
    )
    private = await client.conversations.create(
        CreateConversationRequest(replica_id=replica_id, require_auth=True)
    )
    by_property = await client.conversations.create(
        CreateConversationRequest(
            replica_id=replica_id,
            properties=ConversationProperties(require_auth=True),
        )
    )

    assert ConversationStatus.ENDED is trial.status
    assert private.meeting_token
    assert by_property.meeting_token
    assert {"require_auth": True} == fake.requests[-1].json["properties"]


async def test_create_with_an_untrained_replica_is_refused(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A 400 on create is raised once, never retried."""
    with pytest.raises(BadRequestError):
        await start(client, "r000000000")

    assert 1 == fake.count("POST", "/v2/conversations")


async def test_get_verbose_events(client: TavusClient, replica_id: str) -> None:
    """Verbose get returns events; ending adds the shutdown and the transcript."""
    conversation_id = await start(client, replica_id)

    plain = await client.conversations.get(conversation_id)
    before = await client.conversations.get(conversation_id, verbose=True)
    await client.conversations.end(conversation_id)
    after = await client.conversations.get(conversation_id, verbose=True)

    assert plain.events is None
    assert ["system.replica_joined"] == [e.event_type for e in before.events]
    kinds = {e.event_type for e in after.events}
    assert {"system.shutdown", "application.transcription_ready"} <= kinds
    assert ConversationStatus.ENDED is after.status
    assert replica_id == after.replica_id


async def test_list_and_iter_all(client: TavusClient, replica_id: str) -> None:
    """Conversations list by status and page through."""
    ids = [await start(client, replica_id) for _ in range(5)]
    await client.conversations.end(ids[0])

    active = await client.conversations.list(status="active")
    ended = await client.conversations.list(status=ConversationStatus.ENDED, limit=1)
    every = [c.conversation_id async for c in client.conversations.iter_all(limit=2)]

    assert 4 == active.total_count
    assert [ids[0]] == [c.conversation_id for c in ended.data]
    assert sorted(ids) == sorted(every)


async def test_delete(fake: FakeTavus, client: TavusClient, replica_id: str) -> None:
    """A deleted conversation is gone (204 answer)."""
    conversation_id = await start(client, replica_id)

    await client.conversations.delete(conversation_id, hard=False)

    assert 204 == fake.requests[-1].status
    with pytest.raises(BadRequestError, match="Invalid conversation_id"):
        await client.conversations.get(conversation_id)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.conversations.get(""), "conversation_id"),
        (lambda c: c.conversations.end("a,b"), "conversation_id"),
        (lambda c: c.conversations.delete(""), "conversation_id"),
        (lambda c: c.conversations.list(page=0), "page"),
        (lambda c: c.conversations.list(status="paused"), "status"),
        (lambda c: c.conversations.create("r1"), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, call: object, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; no request is made."""
    with pytest.raises(ValidationError) as info:
        await call(client)  # type: ignore[operator]

    assert field == info.value.field
    assert 0 == fake.count()
