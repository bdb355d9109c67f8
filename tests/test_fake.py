"""Tests of the fake Tavus server, at the wire level over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async.testing._fake import FakeTavus
from tavus_async.testing._faults import Fault, render_fault
from tavus_async.testing._state import DURATION_ERROR


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
VIDEO = {"train_video_url": "https://example.com/train.mp4"}


@attrs.frozen
class Reply:
    """A response as the tests see it."""

    status: int
    body: Any
    headers: Mapping[str, str]
    content_type: str


@pytest.fixture
async def fake() -> AsyncIterator[FakeTavus]:
    """A running fake whose replicas train for 100 seconds of its clock."""
    async with FakeTavus(seed=7, training_time=100.0) as server:
        yield server


async def call(
    http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any
) -> Reply:
    """Send one request and decode the body by its content type."""
    async with http.request(method, path, **kwargs) as response:
        raw = await response.read()
        if response.content_type == "application/json":
            body: Any = json.loads(raw)
        else:
            body = raw.decode()
        return Reply(
            response.status, body, dict(response.headers), response.content_type
        )


async def create_replica(http: aiohttp.ClientSession, **fields: Any) -> str:
    """Create a video replica and return its id."""
    reply = await call(http, "POST", "/v2/replicas", json={**VIDEO, **fields})
    assert 200 == reply.status
    return str(reply.body["replica_id"])


# Authentication and routing


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}])
async def test_bad_api_key_is_401(fake: FakeTavus, headers: dict[str, str]) -> None:
    """A missing or wrong x-api-key gets 401 with Tavus's message body."""
    async with aiohttp.ClientSession(fake.url, headers=headers) as session:
        reply = await call(session, "GET", "/v2/replicas")

    assert 401 == reply.status
    assert {"message": "Invalid access token"} == reply.body
    assert 401 == fake.requests[-1].status


async def test_unknown_path_is_404(http: aiohttp.ClientSession) -> None:
    """Paths outside the API get 404 with a message body."""
    reply = await call(http, "GET", "/v2/nothing")

    assert 404 == reply.status
    assert {"message": "Not found"} == reply.body


async def test_wrong_method_is_405(http: aiohttp.ClientSession) -> None:
    """A known path with a wrong method gets 405 and an Allow header."""
    reply = await call(http, "PUT", "/v2/replicas")

    assert 405 == reply.status
    assert "GET" in reply.headers["Allow"]


# Replicas


async def test_create_replica(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """Create Replica answers 200 with an r-id and status started."""
    reply = await call(http, "POST", "/v2/replicas", json={**VIDEO, "extra": 1})

    assert 200 == reply.status
    assert "started" == reply.body["status"]
    assert re.fullmatch(r"r[0-9a-f]{10}", reply.body["replica_id"])
    assert "user" == fake.replica(reply.body["replica_id"])["replica_type"]


async def test_create_image_replica(http: aiohttp.ClientSession) -> None:
    """An image replica with a known voice (any case) is accepted."""
    body = {
        "train_image_url": "https://example.com/face.png",
        "voice_name": "ANNA",
        "auto_fix_training_image": True,
        "properties": {"background_green_screen": True},
    }
    reply = await call(http, "POST", "/v2/replicas", json=body)

    assert 200 == reply.status


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Either train_video_url or train_image_url must be provided."),
        (
            {**VIDEO, "train_image_url": "https://example.com/a.png"},
            "Provide only one of train_video_url or train_image_url.",
        ),
        (
            {"train_image_url": "https://example.com/a.png"},
            "voice_name is required when train_image_url is provided.",
        ),
        ({**VIDEO, "voice_name": "nobody"}, "Invalid voice_name"),
        ({**VIDEO, "replica_name": 5}, "Invalid replica_name"),
        ({**VIDEO, "properties": {"background_green_screen": "yes"}},
         "Invalid background_green_screen"),
        ([VIDEO], "The request body must be a JSON object."),
    ],
)  # fmt: skip
async def test_create_replica_errors(
    fake: FakeTavus, http: aiohttp.ClientSession, body: Any, error: str
) -> None:
    """Invalid Create Replica bodies get 400 {"error": ...} and create nothing."""
    reply = await call(http, "POST", "/v2/replicas", json=body)
    listed = await call(http, "GET", "/v2/replicas")

    assert 400 == reply.status
    assert {"error": error} == reply.body
    assert 0 == listed.body["total_count"]


async def test_create_replica_rejects_non_json(http: aiohttp.ClientSession) -> None:
    """A body that is not JSON gets 400."""
    reply = await call(http, "POST", "/v2/replicas", data=b"not json")

    assert 400 == reply.status
    assert {"error": "The request body must be valid JSON."} == reply.body


async def test_get_replica_while_training(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A new replica is started at 0/100 with no thumbnail; verbose adds the type."""
    replica_id = await create_replica(http, replica_name="Rio")

    plain = await call(http, "GET", f"/v2/replicas/{replica_id}")
    verbose = await call(
        http, "GET", f"/v2/replicas/{replica_id}", params={"verbose": "true"}
    )

    assert 200 == plain.status
    assert {
        "replica_id": replica_id,
        "replica_name": "Rio",
        "training_progress": "0/100",
        "status": "started",
        "created_at": plain.body["created_at"],
        "updated_at": plain.body["updated_at"],
        "error_message": None,
        "model_name": "phoenix-4",
    } == plain.body
    assert ISO.match(plain.body["created_at"])
    assert ISO.match(plain.body["updated_at"])
    assert {**plain.body, "replica_type": "user"} == verbose.body


async def test_training_progresses_with_advance(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Progress follows the fake clock, then the replica completes at 100/100."""
    replica_id = await create_replica(http, model_name="phoenix-3")

    fake.advance(50)
    halfway = await call(http, "GET", f"/v2/replicas/{replica_id}")
    fake.advance(50)
    done = await call(http, "GET", f"/v2/replicas/{replica_id}")

    assert ("started", "50/100") == (
        halfway.body["status"],
        halfway.body["training_progress"],
    )
    assert ("completed", "100/100", "phoenix-3") == (
        done.body["status"],
        done.body["training_progress"],
        done.body["model_name"],
    )
    assert done.body["thumbnail_video_url"].startswith("https://")
    assert done.body["updated_at"] > done.body["created_at"]


async def test_zero_training_time_completes_at_once(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """With training_time 0, replicas are completed when first read."""
    fake.training_time = 0
    replica_id = await create_replica(http)

    assert "completed" == fake.replica(replica_id)["status"]


async def test_training_spread_staggers_finishes(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Each replica trains for training_time plus its own share of the spread."""
    fake.training_time, fake.training_spread = 10.0, 20.0
    ids = [await create_replica(http) for _ in range(20)]

    fake.advance(20.0)
    early = [fake.replica(i)["status"] for i in ids]
    fake.advance(10.0)
    late = [fake.replica(i)["status"] for i in ids]

    assert 0 < early.count("completed") < 20
    assert ["completed"] * 20 == late


@pytest.mark.parametrize("attribute", ["training_time", "training_spread"])
def test_training_durations_refuse_negative(attribute: str) -> None:
    """A negative training time or spread is refused with its name."""
    fake = FakeTavus()
    with pytest.raises(ValueError, match=attribute):
        setattr(fake, attribute, -1.0)


async def test_mark_failing_by_url_and_name(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Matching replicas end in error with the default or the given message."""
    fake.mark_failing("short-clip")
    fake.mark_failing("Blurry", error_message="video_processing")
    short = await create_replica(
        http, train_video_url="https://example.com/short-clip.mp4"
    )
    blurry = await create_replica(http, replica_name="Blurry one")
    fine = await create_replica(http)

    fake.advance(100)

    assert ("error", DURATION_ERROR) == (
        fake.replica(short)["status"],
        fake.replica(short)["error_message"],
    )
    assert "video_processing" == fake.replica(blurry)["error_message"]
    assert ("completed", None) == (
        fake.replica(fine)["status"],
        fake.replica(fine)["error_message"],
    )


async def test_failure_rate_fails_a_seeded_share_of_new_replicas() -> None:
    """About the given share fails, the same replicas for the same seed."""

    async def failed_ones(seed: int) -> list[int]:
        async with FakeTavus(seed=seed) as fake:
            fake.failure_rate = 0.25
            headers = {"x-api-key": fake.api_key}
            async with aiohttp.ClientSession(fake.url, headers=headers) as session:
                ids = [await create_replica(session) for _ in range(200)]
            fake.advance(100)
            return [
                n for n, i in enumerate(ids) if fake.replica(i)["status"] == "error"
            ]

    first, again = await failed_ones(7), await failed_ones(7)

    assert first == again
    assert 20 <= len(first) <= 80  # 200 draws at 0.25: 50, give or take 6 sigma
    with pytest.raises(ValueError, match="from 0 to 1"):
        FakeTavus().failure_rate = 1.5


async def test_mark_failing_keeps_finished_outcomes(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A rule added after training was due does not turn a success into an error."""
    replica_id = await create_replica(http, replica_name="late")
    fake.advance(100)

    fake.mark_failing("late")

    assert "completed" == fake.replica(replica_id)["status"]


async def test_finish_training_one_or_all(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """finish_training settles one replica, or every training one."""
    first, second, third = [await create_replica(http) for _ in range(3)]

    fake.finish_training(first)
    statuses_after_one = [fake.replica(i)["status"] for i in (first, second, third)]
    fake.finish_training()

    assert ["completed", "started", "started"] == statuses_after_one
    assert {"completed"} == {fake.replica(i)["status"] for i in (second, third)}
    with pytest.raises(KeyError):
        fake.finish_training("r0000000000")


async def test_get_unknown_replica(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Unknown replica ids get 400 Invalid replica_id; replica() raises KeyError."""
    reply = await call(http, "GET", "/v2/replicas/rnope")

    assert 400 == reply.status
    assert {"error": "Invalid replica_id"} == reply.body
    with pytest.raises(KeyError):
        fake.replica("rnope")


async def test_seeded_replica(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """add_replica stores a settled replica, by default a completed system one."""
    stock = fake.add_replica()
    broken = fake.add_replica(
        replica_type="user", status="error", error_message="bad video"
    )

    reply = await call(http, "GET", f"/v2/replicas/{stock}", params={"verbose": "true"})

    assert ("completed", "100/100", "system", "phoenix-3") == (
        reply.body["status"],
        reply.body["training_progress"],
        reply.body["replica_type"],
        reply.body["model_name"],
    )
    assert ("error", "bad video") == (
        fake.replica(broken)["status"],
        fake.replica(broken)["error_message"],
    )


async def test_list_replicas_pages(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """List Replicas pages in creation order; items omit updated_at, error_message."""
    ids = [fake.add_replica(replica_name=f"n{i}") for i in range(12)]

    first = await call(http, "GET", "/v2/replicas")
    second = await call(http, "GET", "/v2/replicas", params={"page": "2"})
    small = await call(
        http, "GET", "/v2/replicas", params={"limit": "5", "verbose": "true"}
    )

    assert (12, ids[:10]) == (
        first.body["total_count"],
        [r["replica_id"] for r in first.body["data"]],
    )
    assert ids[10:] == [r["replica_id"] for r in second.body["data"]]
    assert {
        "replica_id",
        "replica_name",
        "thumbnail_video_url",
        "training_progress",
        "status",
        "created_at",
        "model_name",
    } == set(first.body["data"][0])
    assert ["system"] * 5 == [r["replica_type"] for r in small.body["data"]]


async def test_list_replicas_filters(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """replica_type, model_name and replica_ids filter; unknown ids are absent."""
    stock = fake.add_replica(model_name="phoenix-3")
    mine = await create_replica(http, model_name="phoenix-4")
    other = await create_replica(http, model_name="phoenix-4")

    by_type = await call(http, "GET", "/v2/replicas", params={"replica_type": "user"})
    by_model = await call(
        http, "GET", "/v2/replicas", params={"model_name": "phoenix-3"}
    )
    by_ids = await call(
        http,
        "GET",
        "/v2/replicas",
        params={"replica_ids": f"{other},rmissing,{stock},{other}"},
    )

    assert [mine, other] == [r["replica_id"] for r in by_type.body["data"]]
    assert [stock] == [r["replica_id"] for r in by_model.body["data"]]
    assert (2, [stock, other]) == (
        by_ids.body["total_count"],
        [r["replica_id"] for r in by_ids.body["data"]],
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "ten"},
        {"page": "0"},
        {"replica_type": "robot"},
        {"verbose": "maybe"},
    ],
)
async def test_list_replicas_bad_query(
    http: aiohttp.ClientSession, params: dict[str, str]
) -> None:
    """Bad or out-of-range query parameters get 400 {"error": ...}."""
    reply = await call(http, "GET", "/v2/replicas", params=params)

    assert 400 == reply.status
    assert ["error"] == list(reply.body)


async def test_many_replicas_listed_by_id_batches(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """10,000 replicas can be listed by replica_ids in batches of 100."""
    ids = [fake.add_replica() for _ in range(10_000)]

    seen: list[str] = []
    for start in range(0, len(ids), 100):
        batch = ",".join(ids[start : start + 100])
        reply = await call(
            http,
            "GET",
            "/v2/replicas",
            params={"replica_ids": batch, "limit": "100"},
        )
        seen += [r["replica_id"] for r in reply.body["data"]]

    assert ids == seen


async def test_rename_replica(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """Rename answers 200 OK as text and changes the name."""
    replica_id = fake.add_replica()

    reply = await call(
        http, "PATCH", f"/v2/replicas/{replica_id}/name", json={"replica_name": "Rio"}
    )

    assert (200, "OK", "text/plain") == (reply.status, reply.body, reply.content_type)
    assert "Rio" == fake.replica(replica_id)["replica_name"]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/v2/replicas/rnope/name", {"replica_name": "x"}, "Invalid replica_id"),
        ("/v2/replicas/{id}/name", {}, "replica_name is required"),
        ("/v2/replicas/{id}/name", {"replica_name": ""}, "replica_name is required"),
    ],
)
async def test_rename_replica_errors(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    path: str,
    body: dict[str, str],
    error: str,
) -> None:
    """Renaming an unknown replica, or without a name, gets 400."""
    replica_id = fake.add_replica()

    reply = await call(http, "PATCH", path.format(id=replica_id), json=body)

    assert (400, {"error": error}) == (reply.status, reply.body)


async def test_delete_replica(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """Delete answers 200 with no body; the replica vanishes from get and list."""
    replica_id = fake.add_replica()

    deleted = await call(
        http, "DELETE", f"/v2/replicas/{replica_id}", params={"hard": "true"}
    )
    got = await call(http, "GET", f"/v2/replicas/{replica_id}")
    listed = await call(http, "GET", "/v2/replicas")
    again = await call(http, "DELETE", f"/v2/replicas/{replica_id}")

    assert (200, "") == (deleted.status, deleted.body)
    assert (400, {"error": "Invalid replica_id"}) == (got.status, got.body)
    assert {"data": [], "total_count": 0} == listed.body
    assert 400 == again.status


# Voices


async def test_list_stock_voices(http: aiohttp.ClientSession) -> None:
    """The fake starts with five stock voices sorted by name, page and limit echoed."""
    reply = await call(http, "GET", "/v2/voices")

    assert ["anna", "ben", "chloe", "daniel", "emma"] == [
        v["voice_name"] for v in reply.body["data"]
    ]
    assert (5, 1, 10) == (
        reply.body["total_count"],
        reply.body["page"],
        reply.body["limit"],
    )
    assert {"voice_name", "replica_id", "audio_url", "tags"} == set(
        reply.body["data"][0]
    )
    assert [{"tag_name": "female"}, {"tag_name": "en"}] == reply.body["data"][0]["tags"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"search": "AN"}, ["anna", "daniel"]),
        ({"sort": "desc", "limit": "2"}, ["emma", "daniel"]),
        ({"sort": "desc", "limit": "2", "page": "3"}, ["anna"]),
        ({"tag": "MALE"}, ["ben", "daniel"]),
        ({"tag": "fr"}, ["chloe"]),
        ({"limit": "100"}, ["anna", "ben", "chloe", "daniel", "emma"]),
    ],
)
async def test_list_voices_filters(
    http: aiohttp.ClientSession, params: dict[str, str], names: list[str]
) -> None:
    """search, sort, tag and limit/page select voices."""
    reply = await call(http, "GET", "/v2/voices", params=params)

    assert names == [v["voice_name"] for v in reply.body["data"]]


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"page": "0"}, {"sort": "up"}]
)
async def test_list_voices_bad_query(
    http: aiohttp.ClientSession, params: dict[str, str]
) -> None:
    """Out-of-range limit or page, or an unknown sort, gets 400."""
    reply = await call(http, "GET", "/v2/voices", params=params)

    assert 400 == reply.status
    assert ["error"] == list(reply.body)


async def test_add_voice(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """add_voice adds a voice usable for image replicas and listed with its tags."""
    fake.add_voice("Zed", tags=["robot"], replica_id="rzed0000000")

    listed = await call(http, "GET", "/v2/voices", params={"tag": "robot"})
    created = await call(
        http,
        "POST",
        "/v2/replicas",
        json={"train_image_url": "https://example.com/z.png", "voice_name": "zed"},
    )

    assert [("Zed", "rzed0000000")] == [
        (v["voice_name"], v["replica_id"]) for v in listed.body["data"]
    ]
    assert 200 == created.status


# Conversations


async def test_create_conversation(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Create Conversation answers the documented fields, no token by default."""
    replica_id = fake.add_replica()
    body = {
        "replica_id": replica_id,
        "persona_id": "p123",
        "conversation_name": "Demo",
        "callback_url": "https://example.com/hook",
        "properties": {"max_call_duration": 60},
    }

    reply = await call(http, "POST", "/v2/conversations", json=body)

    conversation_id = reply.body["conversation_id"]
    assert re.fullmatch(r"c[0-9a-f]{12}", conversation_id)
    assert {
        "conversation_id": conversation_id,
        "conversation_name": "Demo",
        "conversation_url": f"https://tavus.daily.co/{conversation_id}",
        "status": "active",
        "callback_url": "https://example.com/hook",
        "created_at": reply.body["created_at"],
    } == reply.body
    assert ISO.match(reply.body["created_at"])


@pytest.mark.parametrize(
    "body",
    [{"require_auth": True}, {"properties": {"require_auth": True}}],
)
async def test_create_conversation_with_auth(
    fake: FakeTavus, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    """require_auth, top-level or in properties, adds a meeting_token."""
    body = {**body, "replica_id": fake.add_replica()}

    reply = await call(http, "POST", "/v2/conversations", json=body)

    assert isinstance(reply.body["meeting_token"], str)


async def test_test_mode_conversation_is_ended(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """test_mode conversations are created ended, with no events."""
    body = {"replica_id": fake.add_replica(), "test_mode": True}

    reply = await call(http, "POST", "/v2/conversations", json=body)

    assert "ended" == reply.body["status"]
    assert [] == fake.conversation(reply.body["conversation_id"])["events"]


async def test_persona_only_conversation(http: aiohttp.ClientSession) -> None:
    """A persona without a replica is accepted; replica_id is left out."""
    created = await call(http, "POST", "/v2/conversations", json={"persona_id": "p1"})

    got = await call(
        http, "GET", f"/v2/conversations/{created.body['conversation_id']}"
    )

    assert (False, "p1") == ("replica_id" in got.body, got.body["persona_id"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "Either replica_id or persona_id must be provided."),
        ({"replica_id": "rnope"}, "Invalid replica_id"),
        ({"replica_id": "{training}"},
         "Replica {training} is not ready (status: started)."),
        ({"persona_id": "p1", "test_mode": "yes"}, "Invalid test_mode"),
    ],
)  # fmt: skip
async def test_create_conversation_errors(
    http: aiohttp.ClientSession, body: dict[str, str], error: str
) -> None:
    """Missing, unknown or unready replicas and mistyped fields get 400."""
    ids = {"training": await create_replica(http)}
    body = {key: value.format(**ids) for key, value in body.items()}

    reply = await call(http, "POST", "/v2/conversations", json=body)

    assert (400, {"error": error.format(**ids)}) == (reply.status, reply.body)


async def test_get_conversation(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """Get Conversation has the documented fields; verbose adds replica_joined."""
    replica_id = fake.add_replica()
    created = await call(
        http, "POST", "/v2/conversations", json={"replica_id": replica_id}
    )
    conversation_id = created.body["conversation_id"]

    plain = await call(http, "GET", f"/v2/conversations/{conversation_id}")
    verbose = await call(
        http, "GET", f"/v2/conversations/{conversation_id}", params={"verbose": "true"}
    )

    assert {
        "conversation_id": conversation_id,
        "conversation_name": f"Conversation {conversation_id}",
        "conversation_url": f"https://tavus.daily.co/{conversation_id}",
        "status": "active",
        "replica_id": replica_id,
        "created_at": created.body["created_at"],
        "updated_at": created.body["created_at"],
    } == plain.body
    assert ["system.replica_joined"] == [
        e["event_type"] for e in verbose.body["events"]
    ]


async def test_end_conversation(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """End answers OK; the conversation is ended with shutdown and transcript events."""
    body = {"replica_id": fake.add_replica(), "custom_greeting": "Hello!"}
    created = await call(http, "POST", "/v2/conversations", json=body)
    conversation_id = created.body["conversation_id"]

    ended = await call(http, "POST", f"/v2/conversations/{conversation_id}/end")
    state = fake.conversation(conversation_id)

    assert (200, "OK") == (ended.status, ended.body)
    assert "ended" == state["status"]
    joined, shutdown, transcript = state["events"]
    assert "system.replica_joined" == joined["event_type"]
    assert ("system.shutdown", {"reason": "end_conversation_endpoint_hit"}) == (
        shutdown["event_type"],
        shutdown["properties"],
    )
    assert "application.transcription_ready" == transcript["event_type"]
    turns = transcript["properties"]["transcript"]
    assert [("assistant", "Hello!"), ("user", "Just testing.")] == [
        (t["role"], t["content"]) for t in turns
    ]
    assert {"role", "content", "timestamp", "seconds_from_start", "duration"} == set(
        turns[0]
    )
    assert isinstance(turns[0]["timestamp"], float)


async def test_list_conversations(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """List Conversations filters by status and pages."""
    replica_id = fake.add_replica()
    ids = []
    for _ in range(3):
        reply = await call(
            http, "POST", "/v2/conversations", json={"replica_id": replica_id}
        )
        ids.append(reply.body["conversation_id"])
    await call(http, "POST", f"/v2/conversations/{ids[1]}/end")

    everything = await call(http, "GET", "/v2/conversations")
    active = await call(http, "GET", "/v2/conversations", params={"status": "active"})
    ended = await call(http, "GET", "/v2/conversations", params={"status": "ended"})
    paged = await call(
        http, "GET", "/v2/conversations", params={"limit": "2", "page": "2"}
    )
    bad = await call(http, "GET", "/v2/conversations", params={"status": "done"})

    assert (3, ids) == (
        everything.body["total_count"],
        [c["conversation_id"] for c in everything.body["data"]],
    )
    assert [ids[0], ids[2]] == [c["conversation_id"] for c in active.body["data"]]
    assert [ids[1]] == [c["conversation_id"] for c in ended.body["data"]]
    assert (3, [ids[2]]) == (
        paged.body["total_count"],
        [c["conversation_id"] for c in paged.body["data"]],
    )
    assert 400 == bad.status


async def test_max_page_size_caps_every_list(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Under max_page_size, a larger limit is served as the cap; totals stay whole."""
    replicas = [fake.add_replica() for _ in range(12)]
    for name in ("fay", "gus", "hal"):
        fake.add_voice(name)
    conversations = []
    for _ in range(7):
        body = {"replica_id": replicas[0], "test_mode": True}
        reply = await call(http, "POST", "/v2/conversations", json=body)
        conversations.append(reply.body["conversation_id"])
    fake.max_page_size = 5

    second = await call(
        http, "GET", "/v2/replicas", params={"limit": "10", "page": "2"}
    )
    voices = await call(http, "GET", "/v2/voices", params={"limit": "100"})
    last = await call(
        http, "GET", "/v2/conversations", params={"limit": "100", "page": "2"}
    )
    smaller = await call(http, "GET", "/v2/replicas", params={"limit": "3"})
    fake.max_page_size = None
    uncapped = await call(http, "GET", "/v2/replicas", params={"limit": "10"})

    assert (12, replicas[5:10]) == (
        second.body["total_count"],
        [r["replica_id"] for r in second.body["data"]],
    )
    assert (8, 1, 5, ["anna", "ben", "chloe", "daniel", "emma"]) == (
        voices.body["total_count"],
        voices.body["page"],
        voices.body["limit"],
        [v["voice_name"] for v in voices.body["data"]],
    )
    assert (7, conversations[5:]) == (
        last.body["total_count"],
        [c["conversation_id"] for c in last.body["data"]],
    )
    assert replicas[:3] == [r["replica_id"] for r in smaller.body["data"]]
    assert replicas[:10] == [r["replica_id"] for r in uncapped.body["data"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v2/replicas", {"limit": "0"}),
        ("/v2/voices", {"limit": "101"}),
        ("/v2/conversations", {"page": "0"}),
    ],
)
async def test_max_page_size_keeps_the_query_checks(
    fake: FakeTavus, http: aiohttp.ClientSession, path: str, params: dict[str, str]
) -> None:
    """A limit or page the API refuses is still a 400 under max_page_size."""
    fake.max_page_size = 5

    reply = await call(http, "GET", path, params=params)

    assert 400 == reply.status


@pytest.mark.parametrize(
    ("size", "error"),
    [(0, ValueError), (-3, ValueError), (True, TypeError), (2.5, TypeError)],
)
def test_max_page_size_refuses_bad_values(
    fake: FakeTavus, size: Any, error: type[Exception]
) -> None:
    """max_page_size is None or an int of at least 1; a refused one changes nothing."""
    fake.max_page_size = 7

    with pytest.raises(error, match="max_page_size"):
        fake.max_page_size = size

    assert 7 == fake.max_page_size


async def test_delete_conversation(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Delete answers 204 with no body; the conversation then is unknown."""
    created = await call(
        http, "POST", "/v2/conversations", json={"replica_id": fake.add_replica()}
    )
    path = f"/v2/conversations/{created.body['conversation_id']}"

    deleted = await call(http, "DELETE", path, params={"hard": "true"})
    got = await call(http, "GET", path)

    assert (204, "") == (deleted.status, deleted.body)
    assert (400, {"error": "Invalid conversation_id"}) == (got.status, got.body)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/conversations/cnope"),
        ("POST", "/v2/conversations/cnope/end"),
        ("DELETE", "/v2/conversations/cnope"),
    ],
)
async def test_unknown_conversation(
    http: aiohttp.ClientSession, method: str, path: str
) -> None:
    """Unknown conversation ids get 400 Invalid conversation_id."""
    reply = await call(http, method, path)

    assert (400, {"error": "Invalid conversation_id"}) == (reply.status, reply.body)


def test_conversation_inspection_of_unknown_id(fake: FakeTavus) -> None:
    """conversation() raises KeyError for unknown ids."""
    with pytest.raises(KeyError):
        fake.conversation("cnope")


# Faults


async def test_scripted_status_fault(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """inject answers the next `times` matching requests with the fault."""
    fake.inject(Fault.http(503), times=2)

    statuses = [(await call(http, "GET", "/v2/voices")).status for _ in range(3)]

    assert [503, 503, 200] == statuses
    assert ["status", "status", None] == [r.fault for r in fake.requests]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"message": "Invalid access token"}),
        (429, {"error": "Too Many Requests"}),
        (500, {"error": "Internal Server Error"}),
        (503, {"error": "Service Unavailable"}),
    ],
)
async def test_status_fault_default_bodies(
    fake: FakeTavus, http: aiohttp.ClientSession, status: int, body: dict[str, str]
) -> None:
    """Status faults default to JSON bodies shaped like Tavus's errors."""
    fake.inject(Fault.http(status))

    reply = await call(http, "GET", "/v2/voices")

    assert (status, body) == (reply.status, reply.body)


@pytest.mark.parametrize(
    ("fault", "headers"),
    [
        (Fault.http(429, retry_after=2), {"Retry-After": "2"}),
        (Fault.http(429, retry_after=1.5), {"Retry-After": "1.5"}),
        (
            Fault.http(503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT"),
            {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"},
        ),
        (Fault.http(429, retry_after_ms=1500), {"retry-after-ms": "1500"}),
    ],
)
async def test_retry_after_headers(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    fault: Fault,
    headers: dict[str, str],
) -> None:
    """Retry-After and retry-after-ms headers are sent as given."""
    fake.inject(fault)

    reply = await call(http, "GET", "/v2/voices")

    for name, value in headers.items():
        assert value == reply.headers[name]


def test_custom_fault_body_and_content_type() -> None:
    """A custom body is sent verbatim; a Content-Type header overrides the default."""
    fault = Fault(
        kind="status", status=502, body=b"bad", headers={"content-type": "text/plain"}
    )

    assert (502, b"bad", {"content-type": "text/plain"}) == render_fault(fault)


async def test_before_fault_changes_nothing(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A fault with after=False answers without creating the replica."""
    fake.inject(Fault.http(503), method="POST", path="/v2/replicas")

    reply = await call(http, "POST", "/v2/replicas", json=VIDEO)
    listed = await call(http, "GET", "/v2/replicas")

    assert 503 == reply.status
    assert 0 == listed.body["total_count"]


async def test_after_fault_processes_the_request(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A fault with after=True creates the replica, then replaces the response."""
    fake.inject(Fault.http(503, after=True), method="post", path="/v2/replicas")

    reply = await call(http, "POST", "/v2/replicas", json=VIDEO)
    listed = await call(http, "GET", "/v2/replicas")

    assert 503 == reply.status
    assert 1 == listed.body["total_count"]


@pytest.mark.parametrize(("after", "created"), [(False, 0), (True, 1)])
async def test_drop_fault(
    fake: FakeTavus, http: aiohttp.ClientSession, after: bool, created: int
) -> None:
    """A drop closes the connection with no response, after processing if asked."""
    fake.inject(Fault.drop(after=after), method="POST")

    with pytest.raises(aiohttp.ClientConnectionError):
        await call(http, "POST", "/v2/replicas", json=VIDEO)
    listed = await call(http, "GET", "/v2/replicas")

    assert created == listed.body["total_count"]
    assert ("drop", None) == (fake.requests[0].fault, fake.requests[0].status)


async def test_single_drop_of_get_is_retried_by_aiohttp(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """aiohttp itself resends an idempotent request once after a disconnection."""
    fake.inject(Fault.drop(), method="GET")

    reply = await call(http, "GET", "/v2/voices")

    assert 200 == reply.status
    assert [None, 200] == [r.status for r in fake.requests]


async def test_garbage_fault(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """A garbage fault answers an HTML body with the given status."""
    fake.inject(Fault.garbage())
    fake.inject(Fault.garbage(status=502, body=b"<h1>Bad gateway</h1>"))

    first = await call(http, "GET", "/v2/voices")
    second = await call(http, "GET", "/v2/voices")

    assert (200, "text/html", "<html>upstream error</html>") == (
        first.status,
        first.content_type,
        first.body,
    )
    assert (502, "<h1>Bad gateway</h1>") == (second.status, second.body)


async def test_slow_fault_then_normal_answer(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A slow fault waits, then answers normally."""
    fake.inject(Fault.slow(0.2))
    loop = asyncio.get_running_loop()
    started = loop.time()

    reply = await call(http, "GET", "/v2/voices")

    assert 200 == reply.status
    assert loop.time() - started >= 0.2
    assert ("slow", 200) == (fake.requests[0].fault, fake.requests[0].status)


async def test_slow_fault_triggers_client_timeout(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A slow fault longer than the client's read timeout times the client out."""
    fake.inject(Fault.slow(30), method="POST")

    with pytest.raises(asyncio.TimeoutError):
        await call(
            http,
            "POST",
            "/v2/replicas",
            json=VIDEO,
            timeout=aiohttp.ClientTimeout(sock_read=0.1),
        )


async def test_path_glob_and_method_matching(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Faults apply only to requests matching their method and path glob."""
    replica_id = fake.add_replica()
    fake.inject(Fault.http(500), times=5, method="get", path="/v2/replicas/*")

    listed = await call(http, "GET", "/v2/replicas")
    renamed = await call(
        http, "PATCH", f"/v2/replicas/{replica_id}/name", json={"replica_name": "x"}
    )
    got = await call(http, "GET", f"/v2/replicas/{replica_id}")

    assert (200, 200, 500) == (listed.status, renamed.status, got.status)


async def test_rate_faults(http: aiohttp.ClientSession, fake: FakeTavus) -> None:
    """Rate 1 faults every matching request, rate 0 none."""
    fake.inject_rate(Fault.http(500), 1.0, path="/v2/voices")
    fake.inject_rate(Fault.http(502), 0.0)

    voices = await call(http, "GET", "/v2/voices")
    replicas = await call(http, "GET", "/v2/replicas")

    assert (500, 200) == (voices.status, replicas.status)


async def test_rate_faults_are_seeded() -> None:
    """A partial rate faults some requests, the same ones for the same seed."""
    patterns = []
    for _ in range(2):
        async with (
            FakeTavus(seed=3) as fake,
            aiohttp.ClientSession(
                fake.url, headers={"x-api-key": fake.api_key}
            ) as http,
        ):
            fake.inject_rate(Fault.http(503), 0.5)
            replies = [await call(http, "GET", "/v2/voices") for _ in range(40)]
            patterns.append([r.status for r in replies])

    assert patterns[0] == patterns[1]
    assert {200, 503} == set(patterns[0])


async def test_scripted_faults_take_precedence(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """A scripted fault wins over a rate fault; clear_faults removes both."""
    fake.inject_rate(Fault.http(500), 1.0)
    fake.inject(Fault.http(429))

    first = await call(http, "GET", "/v2/voices")
    second = await call(http, "GET", "/v2/voices")
    fake.clear_faults()
    third = await call(http, "GET", "/v2/voices")

    assert [429, 500, 200] == [first.status, second.status, third.status]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Fault.http(99),
        lambda: Fault.http(600),
        lambda: Fault.slow(-1),
        lambda: Fault(kind="status", delay=-0.5),
    ],
)
def test_invalid_faults(build: Any) -> None:
    """Statuses outside 200-599 and negative delays are rejected."""
    with pytest.raises(ValueError, match="must be"):
        build()


def test_invalid_injections(fake: FakeTavus) -> None:
    """inject needs times >= 1 and inject_rate a rate within 0-1."""
    with pytest.raises(ValueError, match="times"):
        fake.inject(Fault.drop(), times=0)
    with pytest.raises(ValueError, match="rate"):
        fake.inject_rate(Fault.drop(), 1.5)


def test_fault_headers_are_read_only() -> None:
    """A fault's headers cannot be changed after construction."""
    source = {"Retry-After": "1"}
    fault = Fault(kind="status", headers=source)
    source["Retry-After"] = "9"

    assert "1" == fault.headers["Retry-After"]
    with pytest.raises(TypeError):
        fault.headers["x"] = "y"  # type: ignore[index]


# Request log


async def test_request_log(fake: FakeTavus, http: aiohttp.ClientSession) -> None:
    """Each request is logged with redacted key, lower-cased headers, query and body."""
    await call(http, "GET", "/v2/replicas", params={"limit": "5"})
    await call(http, "POST", "/v2/replicas", json=VIDEO, headers={"X-Trace": "t1"})

    listed, created = fake.requests

    assert ("GET", "/v2/replicas", {"limit": "5"}, None, 200) == (
        listed.method,
        listed.path,
        listed.query,
        listed.json,
        listed.status,
    )
    assert (VIDEO, "<redacted>", "t1") == (
        created.json,
        created.headers["x-api-key"],
        created.headers["x-trace"],
    )
    assert listed.at <= created.at <= asyncio.get_running_loop().time()


async def test_count_and_reset_log(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """count filters by method and path glob; reset_log empties the log."""
    replica_id = fake.add_replica()
    await call(http, "GET", "/v2/replicas")
    await call(http, "GET", f"/v2/replicas/{replica_id}")
    await call(http, "DELETE", f"/v2/replicas/{replica_id}")

    counts = (
        fake.count(),
        fake.count("get"),
        fake.count(path="/v2/replicas/*"),
        fake.count("GET", "/v2/replicas"),
    )
    fake.reset_log()

    assert (3, 2, 2, 1) == counts
    assert (0, []) == (fake.count(), fake.requests)


# Lifecycle


async def test_url_requires_a_running_fake() -> None:
    """url raises RuntimeError before start and after close; close is idempotent."""
    fake = FakeTavus()
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    url = fake.url
    await fake.close()
    await fake.close()

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    with pytest.raises(RuntimeError):
        _ = fake.url


async def test_start_twice_fails(fake: FakeTavus) -> None:
    """Starting a running fake raises RuntimeError."""
    with pytest.raises(RuntimeError):
        await fake.start()


async def test_close_does_not_hang_on_slow_requests(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Closing with a slow request in flight is quick and disconnects the client."""
    slow = 60.0
    fake.inject(Fault.slow(slow))
    pending = asyncio.create_task(call(http, "POST", "/v2/replicas", json=VIDEO))
    for _ in range(500):
        if fake.count():
            break
        await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    started = loop.time()

    await fake.close()

    # A close that waited for the slow request would take the rest of its 60 s;
    # half of that tells the two apart however busy the machine is.
    assert loop.time() - started < slow / 2
    with pytest.raises(aiohttp.ClientConnectionError):
        await pending
    assert [None] == [r.status for r in fake.requests]
