"""client.replicas and client.voices against FakeTavus over real sockets."""

from __future__ import annotations

import pytest

from tavus_async import (
    APIStatusError,
    BadRequestError,
    CreateReplicaRequest,
    NotFoundError,
    ReplicaStatus,
    ReplicaType,
    TavusClient,
    TrainingProgress,
    UnknownIdError,
    ValidationError,
)
from tavus_async.testing import FakeTavus


VIDEO = "https://cdn.example.com/train.mp4"


async def create(client: TavusClient, name: str, url: str = VIDEO) -> str:
    created = await client.replicas.create(
        CreateReplicaRequest(train_video_url=url, replica_name=name)
    )
    return created.replica_id


async def test_create_sends_only_what_was_set(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Create posts the set fields and returns the new id, status started."""
    created = await client.replicas.create(
        CreateReplicaRequest(
            train_video_url=VIDEO, replica_name="Rio", model_name="phoenix-3"
        )
    )

    assert ReplicaStatus.STARTED is created.status
    assert created.replica_id.startswith("r")
    expected_body = {
        "train_video_url": VIDEO,
        "replica_name": "Rio",
        "model_name": "phoenix-3",
    }
    assert expected_body == fake.requests[-1].json


async def test_image_replica(fake: FakeTavus, client: TavusClient) -> None:
    """The image variant sends the image URL and the voice."""
    request = CreateReplicaRequest.from_image(
        "https://cdn.example.com/face.png", voice_name="anna"
    )

    created = await client.replicas.create(request)

    assert "anna" == fake.requests[-1].json["voice_name"]
    assert ReplicaStatus.STARTED is created.status


async def test_get_follows_training(fake: FakeTavus, client: TavusClient) -> None:
    """A replica trains over time: started with progress, then completed."""
    replica_id = await create(client, "Rio")

    fake.advance(2.5)
    halfway = await client.replicas.get(replica_id)
    fake.advance(5)
    done = await client.replicas.get(replica_id, verbose=True)

    assert ReplicaStatus.STARTED is halfway.status
    assert 0.5 == halfway.training_progress.fraction
    assert halfway.replica_type is None
    assert ReplicaStatus.COMPLETED is done.status
    assert TrainingProgress(done=100, total=100) == done.training_progress
    assert ReplicaType.USER is done.replica_type
    assert done.created_at is not None
    assert done.created_at.tzinfo is not None


async def test_failing_training(fake: FakeTavus, client: TavusClient) -> None:
    """A replica the test marks as failing ends in error with a message."""
    fake.mark_failing("too-short", error_message="video too short")
    replica_id = await create(
        client, "Bad", url="https://cdn.example.com/too-short.mp4"
    )

    fake.finish_training()
    replica = await client.replicas.get(replica_id)

    assert ReplicaStatus.ERROR is replica.status
    assert "video too short" == replica.error_message


@pytest.mark.parametrize("caught", [NotFoundError, BadRequestError, UnknownIdError])
async def test_unknown_id_is_not_found_and_a_bad_request(
    client: TavusClient, caught: type[APIStatusError]
) -> None:
    """Tavus answers 400 "Invalid replica_id": `except NotFoundError` catches it."""
    with pytest.raises(caught) as info:
        await client.replicas.get("r000000000")

    assert UnknownIdError is type(info.value)
    assert ("Invalid replica_id", 400) == (info.value.message, info.value.status_code)
    assert "replica_id" == getattr(info.value, "id_field", None)


async def test_list_pages_and_filters(fake: FakeTavus, client: TavusClient) -> None:
    """List pages through replicas, filters by ids and type, counts the total."""
    ids = [await create(client, f"R{i}") for i in range(7)]
    stock = fake.add_replica(replica_name="Stock")

    first = await client.replicas.list(limit=3, page=1, replica_type="user")
    last = await client.replicas.list(limit=3, page=3, replica_type=ReplicaType.USER)
    chosen = await client.replicas.list(replica_ids=[ids[0], ids[5], stock])
    system = await client.replicas.list(replica_type="system", verbose=True)

    assert (ids[:3], 7) == ([r.replica_id for r in first.data], first.total_count)
    assert [ids[6]] == [r.replica_id for r in last.data]
    assert {ids[0], ids[5], stock} == {r.replica_id for r in chosen.data}
    assert [stock] == [r.replica_id for r in system.data]
    assert ReplicaType.SYSTEM is system.data[0].replica_type
    assert f"{ids[0]},{ids[5]},{stock}" == fake.requests[-2].query["replica_ids"]


async def test_iter_all_fetches_every_page(
    fake: FakeTavus, client: TavusClient
) -> None:
    """iter_all yields every replica and stops after the last page."""
    ids = [await create(client, f"R{i}") for i in range(23)]
    fake.reset_log()

    seen = [r.replica_id async for r in client.replicas.iter_all(limit=10)]

    assert ids == seen
    assert 3 == fake.count("GET", "/v2/replicas")


async def test_iter_all_on_exact_pages(fake: FakeTavus, client: TavusClient) -> None:
    """A total that fills whole pages needs no extra empty request."""
    for i in range(20):
        await create(client, f"R{i}")
    fake.reset_log()

    seen = [r async for r in client.replicas.iter_all(limit=10, replica_type="user")]

    assert 20 == len(seen)
    assert 2 == fake.count("GET", "/v2/replicas")


async def test_rename(client: TavusClient) -> None:
    """Rename changes the name Get returns."""
    replica_id = await create(client, "Old")

    await client.replicas.rename(replica_id, "New")

    assert "New" == (await client.replicas.get(replica_id)).replica_name


async def test_delete(fake: FakeTavus, client: TavusClient) -> None:
    """A deleted replica is gone; hard=true is sent when asked."""
    replica_id = await create(client, "Gone")

    await client.replicas.delete(replica_id, hard=True)

    assert {"hard": "true"} == fake.requests[-1].query
    with pytest.raises(BadRequestError):
        await client.replicas.get(replica_id)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.replicas.get(""), "replica_id"),
        (lambda c: c.replicas.get(" r1"), "replica_id"),
        (lambda c: c.replicas.delete(""), "replica_id"),
        (lambda c: c.replicas.rename("r1", ""), "replica_name"),
        (lambda c: c.replicas.rename("r1", None), "replica_name"),
        (lambda c: c.replicas.list(page=0), "page"),
        (lambda c: c.replicas.list(limit=-5), "limit"),
        (lambda c: c.replicas.list(replica_ids="r1,r2"), "replica_ids"),
        (lambda c: c.replicas.list(replica_ids=[]), "replica_ids"),
        (lambda c: c.replicas.list(replica_ids=["r1", ""]), "replica_ids"),
        (lambda c: c.replicas.create({"train_video_url": VIDEO}), "request"),
        (lambda c: c.voices.list(limit=101), "limit"),
        (lambda c: c.voices.list(sort="up"), "sort"),
        (lambda c: c.voices.iter_all(sort="up"), "sort"),
        (lambda c: c.replicas.list(replica_type="bogus"), "replica_type"),
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


async def test_voices(fake: FakeTavus, client: TavusClient) -> None:
    """Voices can be searched, sorted, filtered by tag and paged through."""
    fake.add_voice("annabelle", tags=["en"])

    found = await client.voices.list(search="ANNA", sort="desc")
    everything = [v.voice_name async for v in client.voices.iter_all(limit=2)]
    backwards = [v.voice_name async for v in client.voices.iter_all(sort="desc")]
    tagged = await client.voices.list(tag="en", limit=100)

    assert ["annabelle", "anna"] == [v.voice_name for v in found.data]
    assert (1, 10) == (found.page, found.limit)
    assert len(everything) == (await client.voices.list(limit=100)).total_count
    assert sorted(everything, reverse=True) == backwards
    assert "annabelle" in {v.voice_name for v in tagged.data}
    assert all("en" in {t.tag_name for t in v.tags} for v in tagged.data)
