"""The Face/PAL names: the fake serves them, the client reads them as the old ones."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tavus_async import (
    CreateConversationRequest,
    CreateReplicaRequest,
    TavusClient,
)
from tavus_async.testing import FakeTavus
from tavus_async.testing._aliases import NEW_NAMES, renamed


VIDEO = "https://cdn.example.com/train.mp4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"replica_id": "r1", "status": "x"}, {"face_id": "r1", "status": "x"}),
        (
            {"data": [{"persona_id": "p1", "default_replica_id": "r1"}], "n": 1},
            {"data": [{"pal_id": "p1", "default_face_id": "r1"}], "n": 1},
        ),
        ({"layers": {"replica_id": "kept"}}, {"layers": {"replica_id": "kept"}}),
        ([{"replica_name": "a"}], [{"face_name": "a"}]),
        ("text", "text"),
    ],
)
def test_renamed_keys(value: Any, expected: Any) -> None:
    """Top-level keys, and those of ``data`` items, take the new names."""
    assert expected == renamed(value, NEW_NAMES)


async def test_faces_paths_speak_the_new_names(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """``/v2/faces`` reads and writes face_* names for the same replicas."""
    async with http.post(
        "/v2/faces", json={"train_video_url": VIDEO, "face_name": "Rio"}
    ) as answer:
        created = await answer.json()
    face_id = created["face_id"]
    assert "replica_id" not in created
    fake.finish_training(face_id)

    async with http.get(f"/v2/faces/{face_id}", params={"verbose": "true"}) as answer:
        face = await answer.json()
    assert ("Rio", "completed", "user") == (
        face["face_name"],
        face["status"],
        face["face_type"],
    )
    async with http.get("/v2/faces", params={"face_ids": face_id}) as answer:
        listed = await answer.json()
    assert [face_id] == [item["face_id"] for item in listed["data"]]

    async with http.patch(
        f"/v2/faces/{face_id}/name", json={"face_name": "Rio 2"}
    ) as answer:
        assert 200 == answer.status
    assert "Rio 2" == fake.replica(face_id)["replica_name"]
    async with http.delete(f"/v2/faces/{face_id}") as answer:
        assert 200 == answer.status
    async with http.get(f"/v2/replicas/{face_id}") as answer:
        assert 400 == answer.status


async def test_a_conversation_created_with_face_and_pal_ids(
    fake: FakeTavus, client: TavusClient, http: aiohttp.ClientSession
) -> None:
    """Create Conversation takes face_id and pal_id as replica_id and persona_id."""
    face_id = fake.add_replica(replica_name="Rio")
    async with http.post(
        "/v2/conversations", json={"face_id": face_id, "pal_id": "p123"}
    ) as answer:
        assert 200 == answer.status
        created = await answer.json()
    conversation = await client.conversations.get(created["conversation_id"])
    assert (face_id, "p123") == (conversation.replica_id, conversation.persona_id)


async def test_the_client_reads_answers_in_the_new_names(
    fake: FakeTavus, client: TavusClient, http: aiohttp.ClientSession
) -> None:
    """With answers in face_*/pal_* names, every field still fills."""
    fake.new_names = True
    created = await client.replicas.create(
        CreateReplicaRequest(train_video_url=VIDEO, replica_name="Rio")
    )
    fake.finish_training(created.replica_id)
    replica = await client.replicas.get(created.replica_id, verbose=True)
    page = await client.replicas.list(replica_ids=[created.replica_id], verbose=True)
    started = await client.conversations.create(
        CreateConversationRequest(replica_id=created.replica_id, persona_id="p1")
    )
    conversation = await client.conversations.get(started.conversation_id)

    async with http.get(f"/v2/replicas/{created.replica_id}") as answer:
        assert {"face_id", "face_name"} <= set(await answer.json())
    assert ("Rio", "user") == (replica.replica_name, replica.replica_type)
    assert [(created.replica_id, "Rio", "user")] == [
        (item.replica_id, item.replica_name, item.replica_type) for item in page.data
    ]
    assert (created.replica_id, "p1") == (
        conversation.replica_id,
        conversation.persona_id,
    )


def test_the_client_points_new_names_to_its_services() -> None:
    """``client.faces`` and ``client.pals`` say which service to use instead."""
    client = TavusClient(api_key="k")
    with pytest.raises(AttributeError, match=r"use client\.replicas"):
        _ = client.faces  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"use client\.personas"):
        _ = client.pals  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"attribute 'phases'$"):
        _ = client.phases  # type: ignore[attr-defined]
