"""FakeTavus timelines, list visibility and virtual time, seen through TavusClient."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tavus_async import (
    BadRequestError,
    CreateConversationRequest,
    CreateReplicaRequest,
    Replica,
    ReplicaStatus,
    TavusClient,
)
from tavus_async.testing import FakeTavus, TimelineStep


VIDEO = "https://cdn.example.com/train.mp4"
TRAINING = [
    TimelineStep(after=10, status="queued"),
    TimelineStep(after=20, status="training", progress=30),
    TimelineStep(after=40, status="training"),
    TimelineStep(after=50, status="training", progress=80),
    TimelineStep(after=60, status="completed"),
]


def seen(replica: Replica) -> tuple[str, str | None, str | None]:
    """Status, training progress as the wire shows it, and error message."""
    progress = replica.training_progress
    shown = None if progress is None else f"{progress.done:g}/{progress.total:g}"
    return str(replica.status), shown, replica.error_message


def since_created(replica: Replica) -> float:
    """Seconds from created_at to updated_at."""
    assert replica.created_at is not None
    assert replica.updated_at is not None
    return (replica.updated_at - replica.created_at).total_seconds()


WIRE_TICK = 0.001
"""created_at and updated_at travel in whole milliseconds: a difference of two is
off by less than this."""

FLOAT_SLACK = 1e-6
"""Room for float rounding when clock readings of about 1e6 s are subtracted."""


@contextmanager
def span(fake: FakeTavus) -> Iterator[list[float]]:
    """fake.clock() read just before and just after the block: [before, after].

    The fake's clock is the loop's time plus what advance() and sleep() added,
    so it runs on with real time: a moment the fake stamps during the block (a
    create, a rename, set_timeline) lies between the two readings, however
    slowly this machine runs the block.
    """
    readings = [fake.clock()]
    yield readings
    readings.append(fake.clock())


def assert_age(
    replica: Replica, created: list[float], updated: list[float], plus: float = 0.0
) -> None:
    """since_created(replica) is the time from a moment in the span ``created`` to
    one in the span ``updated``, plus ``plus`` seconds of a timeline step."""
    low = updated[0] - created[1] + plus - WIRE_TICK
    high = updated[1] - created[0] + plus + WIRE_TICK
    assert low <= since_created(replica) <= high, (low, since_created(replica), high)


async def listed(
    client: TavusClient, ids: list[str] | None = None, **kw: Any
) -> tuple[int, list[str]]:
    """(total_count, ids in order) of one List Replicas page of up to 100."""
    page = await client.replicas.list(replica_ids=ids, limit=100, **kw)
    return page.total_count, [r.replica_id for r in page.data]


# Timelines


async def test_timeline_as_seen_by_get(fake: FakeTavus, client: TavusClient) -> None:
    """Get shows each step from its time on, and the initial state before."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)
    observed = []

    for step in (0, 9.5, 0.5, 9.5, 0.5, 20, 10, 9.5, 0.5, 3600):
        fake.advance(step)
        observed.append(seen(await client.replicas.get(replica_id)))

    assert [
        ("started", "0/100", None),  # t=0: before the first step
        ("started", "0/100", None),  # t=9.5
        ("queued", "0/100", None),  # t=10: an unknown status, progress stays
        ("queued", "0/100", None),  # t=19.5
        ("training", "30/100", None),  # t=20
        ("training", "30/100", None),  # t=40: no progress given, it stays
        ("training", "80/100", None),  # t=50
        ("training", "80/100", None),  # t=59.5
        ("completed", "100/100", None),  # t=60: completed shows 100
        ("completed", "100/100", None),  # t=3660
    ] == observed


async def test_unknown_status_parses_as_open_enum(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A status Tavus does not document reaches the client as an unknown value."""
    replica_id = fake.add_replica(
        status="started", timeline=[TimelineStep(after=0, status="queued")]
    )

    replica = await client.replicas.get(replica_id)

    assert "queued" == replica.status
    assert not replica.status.is_known
    assert not replica.status.is_terminal


async def test_timeline_error_message_set_and_cleared(
    fake: FakeTavus, client: TavusClient
) -> None:
    """error_message is each step's own: set by one step, cleared by the next."""
    steps = [
        TimelineStep(after=5, status="error", progress=45, error_message="bad fps"),
        TimelineStep(after=10, status="retrying"),
    ]
    replica_id = fake.add_replica(status="started", timeline=steps)

    fake.advance(5)
    failed = await client.replicas.get(replica_id)
    fake.advance(5)
    retrying = await client.replicas.get(replica_id)

    assert ("error", "45/100", "bad fps") == seen(failed)
    assert ("retrying", "45/100", None) == seen(retrying)


async def test_completed_with_explicit_progress(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A completed step with a progress shows that progress, not 100."""
    replica_id = fake.add_replica(
        status="started",
        timeline=[TimelineStep(after=1, status="completed", progress=97)],
    )

    fake.advance(1)

    assert ("completed", "97/100", None) == seen(await client.replicas.get(replica_id))


async def test_steps_at_the_same_time_apply_in_order(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Steps sharing one after all apply; the last one's values win."""
    steps = [
        TimelineStep(after=3, status="training", progress=10),
        TimelineStep(after=3, status="paused", error_message="held"),
    ]
    replica_id = fake.add_replica(status="started", timeline=steps)

    fake.advance(3)

    assert ("paused", "10/100", "held") == seen(await client.replicas.get(replica_id))


async def test_initial_state_of_a_timeline_replica(
    fake: FakeTavus, client: TavusClient
) -> None:
    """With a timeline, status and error_message describe the state before step 1."""
    default = fake.add_replica(timeline=[TimelineStep(after=5, status="error")])
    broken = fake.add_replica(
        status="error",
        error_message="old failure",
        timeline=[TimelineStep(after=5, status="started", progress=0)],
    )

    assert ("completed", "100/100", None) == seen(await client.replicas.get(default))
    assert ("error", "0/100", "old failure") == seen(await client.replicas.get(broken))
    fake.advance(5)
    assert ("error", "100/100", None) == seen(await client.replicas.get(default))
    assert ("started", "0/100", None) == seen(await client.replicas.get(broken))


async def test_updated_at_is_the_last_applied_step(
    fake: FakeTavus, client: TavusClient
) -> None:
    """updated_at moves to each applied step's time, not to the time of reading."""
    with span(fake) as added:  # the timeline starts as the replica is created
        replica_id = fake.add_replica(status="started", timeline=TRAINING)

    fake.advance(25)
    at_25 = await client.replicas.get(replica_id)
    fake.advance(1000)
    much_later = await client.replicas.get(replica_id)

    assert_age(at_25, added, added, plus=20)
    assert_age(much_later, added, added, plus=60)


async def test_list_shows_timeline_state(fake: FakeTavus, client: TavusClient) -> None:
    """List Replicas, filtered by id, shows the same step as Get."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)
    fake.advance(20)

    page = await client.replicas.list(replica_ids=[replica_id], limit=100)

    assert [("training", "30/100", None)] == [seen(r) for r in page.data]


async def test_set_timeline_starts_from_the_current_state(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A training replica stops where it is; training_time no longer completes it."""
    with span(fake) as created_at:
        created = await client.replicas.create(
            CreateReplicaRequest(train_video_url=VIDEO, replica_name="Rio")
        )
    fake.advance(2)  # 2 of the fixture's 5 training seconds: 40/100

    with span(fake) as stopped:
        fake.set_timeline(
            created.replica_id, [TimelineStep(after=100, status="completed")]
        )
    fake.advance(99)
    before = await client.replicas.get(created.replica_id)
    fake.advance(1)
    after = await client.replicas.get(created.replica_id)

    # Frozen at set_timeline: 40/100, plus the share of training that the real
    # time of the create's answer took (none to speak of on an idle machine).
    low, high = (
        math.floor(100 * age / fake.training_time)
        for age in (
            stopped[0] - created_at[1] - FLOAT_SLACK,
            stopped[1] - created_at[0] + FLOAT_SLACK,
        )
    )
    assert ("started", None) == (before.status, before.error_message)
    assert before.training_progress is not None
    assert 40 <= low <= before.training_progress.done <= high, (low, high)
    assert ("completed", "100/100", None) == seen(after)
    assert_age(after, created_at, stopped, plus=100)


async def test_mark_failing_does_not_apply_to_timelines(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A failing rule matching a timeline replica leaves its timeline alone."""
    created = await client.replicas.create(
        CreateReplicaRequest(train_video_url=VIDEO, replica_name="doomed")
    )
    fake.set_timeline(created.replica_id, [TimelineStep(after=1, status="completed")])
    fake.mark_failing("doomed")
    twin = await client.replicas.create(
        CreateReplicaRequest(train_video_url=VIDEO, replica_name="doomed twin")
    )

    fake.advance(10)

    assert "completed" == (await client.replicas.get(created.replica_id)).status
    assert "error" == (await client.replicas.get(twin.replica_id)).status


async def test_set_timeline_replaces_a_timeline(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A new timeline starts now from the old one's current state, dropping the rest."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)
    fake.advance(20)

    fake.set_timeline(replica_id, [TimelineStep(after=30, status="error")])
    fake.advance(29)
    kept = await client.replicas.get(replica_id)
    fake.advance(1)
    replaced = await client.replicas.get(replica_id)

    assert ("training", "30/100", None) == seen(kept)
    assert ("error", "30/100", None) == seen(replaced)


async def test_set_timeline_on_a_settled_replica(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A completed replica can be scripted back into training (a retrain)."""
    with span(fake) as added:
        replica_id = fake.add_replica()
    fake.advance(10)

    with span(fake) as scripted:
        fake.set_timeline(
            replica_id,
            [
                TimelineStep(after=0, status="started", progress=0),
                TimelineStep(after=5, status="completed"),
            ],
        )
    now = await client.replicas.get(replica_id)
    fake.advance(5)
    later = await client.replicas.get(replica_id)

    assert ("started", "0/100", None) == seen(now)
    assert_age(now, added, scripted)  # 10 s: the first step's time
    assert ("completed", "100/100", None) == seen(later)


async def test_finish_training_jumps_to_the_last_step(
    fake: FakeTavus, client: TavusClient
) -> None:
    """finish_training applies every remaining step at once, at the current time."""
    with span(fake) as added:
        one = fake.add_replica(status="started", timeline=TRAINING)
        two = fake.add_replica(status="started", timeline=TRAINING)
        three = fake.add_replica(status="started", timeline=TRAINING)
    fake.advance(15)
    training = await client.replicas.create(CreateReplicaRequest(train_video_url=VIDEO))

    with span(fake) as finished_one:  # 15 s, and the real time the create took
        fake.finish_training(one)
    first = await client.replicas.get(one)
    second = await client.replicas.get(two)
    with span(fake) as finished_all:
        fake.finish_training()

    assert ("completed", "100/100", None) == seen(first)
    assert_age(first, added, finished_one)
    assert ("queued", "0/100", None) == seen(second)
    for other in (two, three, training.replica_id):
        assert "completed" == (await client.replicas.get(other)).status
    fake.advance(100)
    assert_age(await client.replicas.get(two), added, finished_all)


async def test_rename_keeps_the_timeline(fake: FakeTavus, client: TavusClient) -> None:
    """Renaming touches updated_at; later steps still apply and move it on."""
    with span(fake) as added:
        replica_id = fake.add_replica(status="started", timeline=TRAINING)
    fake.advance(12)

    with span(fake) as rename:  # 12 s, and the real time of the rename
        await client.replicas.rename(replica_id, "Renamed")
    renamed = await client.replicas.get(replica_id)
    fake.advance(8)
    stepped = await client.replicas.get(replica_id)

    assert ("Renamed", "queued") == (renamed.replica_name, renamed.status)
    assert_age(renamed, added, rename)
    assert ("Renamed", "training") == (stepped.replica_name, stepped.status)
    assert_age(stepped, added, added, plus=20)


async def test_delete_drops_the_timeline(fake: FakeTavus, client: TavusClient) -> None:
    """A deleted timeline replica is gone for the API and for set_timeline."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)

    await client.replicas.delete(replica_id)
    fake.advance(100)

    with pytest.raises(BadRequestError):
        await client.replicas.get(replica_id)
    with pytest.raises(KeyError):
        fake.set_timeline(replica_id, TRAINING)
    assert (0, []) == await listed(client)


async def test_conversation_needs_the_completed_step(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A conversation with a timeline replica is refused until it is completed."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)
    request = CreateConversationRequest(replica_id=replica_id)
    fake.advance(50)

    with pytest.raises(BadRequestError, match="not ready"):
        await client.conversations.create(request)
    fake.advance(10)
    conversation = await client.conversations.create(request)

    assert replica_id == fake.conversation(conversation.conversation_id)["replica_id"]


async def test_completed_step_enables_the_thumbnail(
    fake: FakeTavus, client: TavusClient
) -> None:
    """The thumbnail appears with the completed step, as for trained replicas."""
    replica_id = fake.add_replica(status="started", timeline=TRAINING)

    early = await client.replicas.get(replica_id)
    fake.advance(60)
    done = await client.replicas.get(replica_id)

    assert (None, True) == (early.thumbnail_video_url, bool(done.thumbnail_video_url))
    assert ReplicaStatus.COMPLETED is done.status


# Validation


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"after": -1, "status": "started"}, ValueError, "after"),
        ({"after": math.nan, "status": "started"}, ValueError, "after"),
        ({"after": math.inf, "status": "started"}, ValueError, "after"),
        ({"after": "1", "status": "started"}, TypeError, "after"),
        ({"after": True, "status": "started"}, TypeError, "after"),
        ({"after": 0, "status": 5}, TypeError, "status"),
        ({"after": 0, "status": "x", "progress": 101}, ValueError, "progress"),
        ({"after": 0, "status": "x", "progress": -1}, ValueError, "progress"),
        ({"after": 0, "status": "x", "progress": 5.5}, TypeError, "progress"),
        ({"after": 0, "status": "x", "progress": True}, TypeError, "progress"),
        ({"after": 0, "status": "x", "error_message": 1}, TypeError, "error_message"),
    ],
)
def test_invalid_steps(
    fields: dict[str, Any], error: type[Exception], field: str
) -> None:
    """TimelineStep refuses bad values, naming the field."""
    with pytest.raises(error, match=f"^{field} "):
        TimelineStep(**fields)


def test_valid_step_bounds() -> None:
    """The ends of the ranges are accepted; the class is frozen and keyword-only."""
    low = TimelineStep(after=0, status="", progress=0)
    high = TimelineStep(after=1.5, status="completed", progress=100, error_message="")

    assert (0, "", 0, None) == (low.after, low.status, low.progress, low.error_message)
    assert (100, "") == (high.progress, high.error_message)
    with pytest.raises(AttributeError):
        low.status = "error"  # type: ignore[misc]
    with pytest.raises(TypeError):
        TimelineStep(0, "started")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [TimelineStep(after=5, status="a"), TimelineStep(after=4, status="b")],
    ],
)
async def test_invalid_timelines(
    fake: FakeTavus, client: TavusClient, steps: list[TimelineStep]
) -> None:
    """Empty or out-of-order steps are a ValueError and change nothing."""
    replica_id = fake.add_replica()

    with pytest.raises(ValueError, match="timeline"):
        fake.set_timeline(replica_id, steps)
    with pytest.raises(ValueError, match="timeline"):
        fake.add_replica(timeline=steps)
    fake.advance(10)

    assert (1, [replica_id]) == await listed(client)
    assert ("completed", "100/100", None) == seen(await client.replicas.get(replica_id))


def test_set_timeline_of_unknown_replica(fake: FakeTavus) -> None:
    """set_timeline raises KeyError for an unknown id."""
    with pytest.raises(KeyError):
        fake.set_timeline("r0000000000", TRAINING)


# List Replicas: the replica_ids switch and hidden replicas


async def test_ignore_list_filter(fake: FakeTavus, client: TavusClient) -> None:
    """Switched on, replica_ids is ignored but limit, page and type still apply."""
    system = [fake.add_replica() for _ in range(4)]
    user = [fake.add_replica(replica_type="user") for _ in range(3)]
    wanted = [system[1], user[2]]

    default = fake.ignore_list_filter
    filtered = await listed(client, wanted)
    fake.ignore_list_filter = True
    ignored = await listed(client, wanted)
    paged = await client.replicas.list(replica_ids=wanted, limit=3, page=2)
    users = await listed(client, wanted, replica_type="user")
    fake.ignore_list_filter = False
    again = await listed(client, wanted)

    assert default is False
    assert (2, wanted) == filtered
    assert (7, system + user) == ignored
    assert (7, [system[3], *user[:2]]) == (
        paged.total_count,
        [r.replica_id for r in paged.data],
    )
    assert (3, user) == users
    assert (2, wanted) == again


async def test_hide_and_show(fake: FakeTavus, client: TavusClient) -> None:
    """Hidden replicas leave every list answer and its count, but not Get."""
    ids = [fake.add_replica(replica_name=f"n{i}") for i in range(5)]

    fake.hide_from_list(ids[1], ids[3])
    unfiltered = await listed(client)
    filtered = await listed(client, ids)
    fake.ignore_list_filter = True
    ignoring = await listed(client, ids[:2])
    fake.ignore_list_filter = False
    got = await client.replicas.get(ids[1])
    fake.show_in_list(ids[1])
    shown = await listed(client, ids)

    assert (3, [ids[0], ids[2], ids[4]]) == unfiltered
    assert (3, [ids[0], ids[2], ids[4]]) == filtered
    assert (3, [ids[0], ids[2], ids[4]]) == ignoring
    assert ("n1", "completed") == (got.replica_name, got.status)
    assert (4, [ids[0], ids[1], ids[2], ids[4]]) == shown


async def test_hide_and_show_unknown_ids(fake: FakeTavus, client: TavusClient) -> None:
    """An unknown id is a KeyError and the other ids are left as they were."""
    first, second = fake.add_replica(), fake.add_replica()
    fake.hide_from_list(second)

    with pytest.raises(KeyError, match="rnope"):
        fake.hide_from_list(first, "rnope")
    with pytest.raises(KeyError, match="rnope"):
        fake.show_in_list(second, "rnope")

    assert (1, [first]) == await listed(client, [first, second])


async def test_show_in_list_of_a_listed_replica(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Showing a replica that is not hidden, or hiding it twice, is harmless."""
    replica_id = fake.add_replica()

    fake.show_in_list(replica_id)
    fake.hide_from_list(replica_id, replica_id)
    hidden = await listed(client)
    fake.show_in_list(replica_id)

    assert (0, []) == hidden
    assert (1, [replica_id]) == await listed(client)


async def test_deleted_hidden_replica_is_forgotten(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Deleting a hidden replica also forgets that it was hidden."""
    replica_id = fake.add_replica()
    fake.hide_from_list(replica_id)

    await client.replicas.delete(replica_id)

    with pytest.raises(KeyError):
        fake.show_in_list(replica_id)


async def test_list_by_ids_among_many(fake: FakeTavus, client: TavusClient) -> None:
    """100 ids among 20,000 replicas come back in creation order, minus hidden ones."""
    ids = [fake.add_replica(replica_name=f"n{i}") for i in range(20_000)]
    wanted = ids[::200]
    fake.hide_from_list(wanted[7], ids[1])

    total, found = await listed(client, [*reversed(wanted), "rmissing"])
    page = await client.replicas.list(replica_ids=wanted, limit=100)

    assert 100 == len(wanted)
    assert (99, [i for i in wanted if i != wanted[7]]) == (total, found)
    assert [f"n{200 * n}" for n in range(100) if n != 7] == [
        r.replica_name for r in page.data
    ]


# Virtual time


async def test_clock_moves_with_advance_and_sleep(fake: FakeTavus) -> None:
    """clock() is loop time plus what advance and sleep added."""
    loop = asyncio.get_running_loop()
    loop_start = loop.time()  # read first and last: real covers the clock's readings
    start = fake.clock()

    fake.advance(100)
    await fake.sleep(3600)
    moved = fake.clock() - start
    real = loop.time() - loop_start

    assert 3700 <= moved <= 3700 + real + FLOAT_SLACK


async def test_sleep_yields_to_other_tasks(fake: FakeTavus) -> None:
    """sleep lets ready callbacks run before it returns."""
    ran: list[str] = []
    asyncio.get_running_loop().call_soon(ran.append, "other")

    await fake.sleep(0)

    assert ["other"] == ran


async def test_cancelled_sleep_does_not_advance(fake: FakeTavus) -> None:
    """A sleep cancelled at its yield leaves the clock where it was."""
    loop = asyncio.get_running_loop()
    loop_start = loop.time()  # read first and last: real covers the clock's readings
    start = fake.clock()
    task = asyncio.create_task(fake.sleep(500))
    await asyncio.sleep(0)  # the task starts and yields inside sleep

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    moved = fake.clock() - start
    assert moved <= loop.time() - loop_start + FLOAT_SLACK  # real time only


@pytest.mark.parametrize("seconds", [-1, -0.001, math.nan])
async def test_negative_time_is_refused(fake: FakeTavus, seconds: float) -> None:
    """sleep and advance refuse to go backwards (or by NaN) and leave the clock."""
    loop = asyncio.get_running_loop()
    loop_start = loop.time()  # read first and last: real covers the clock's readings
    start = fake.clock()

    with pytest.raises(ValueError, match="backwards"):
        await fake.sleep(seconds)
    with pytest.raises(ValueError, match="backwards"):
        fake.advance(seconds)

    moved = fake.clock() - start
    assert moved <= loop.time() - loop_start + FLOAT_SLACK  # real time only


async def test_hours_of_training_in_virtual_time(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A poll loop on fake.sleep and fake.clock sees a 3-hour timeline at once.

    "At once": the clock moves by the sleeps, not by waiting them out (a sleep
    that waited would run into the test's timeout).
    """
    hour = 3600.0
    replica_id = fake.add_replica(
        status="started",
        timeline=[
            TimelineStep(after=hour, status="training", progress=33),
            TimelineStep(after=2 * hour, status="training", progress=66),
            TimelineStep(after=3 * hour, status="completed"),
        ],
    )
    loop = asyncio.get_running_loop()
    real_start = loop.time()  # read first and last: real covers the clock's readings
    started = fake.clock()

    statuses: list[tuple[str, str | None, str | None]] = []
    sleeps = 0
    while not statuses or statuses[-1][0] != "completed":
        state = seen(await client.replicas.get(replica_id))
        if not statuses or statuses[-1] != state:
            statuses.append(state)
        await fake.sleep(600)
        sleeps += 1

    moved = fake.clock() - started
    real = loop.time() - real_start
    assert [
        ("started", "0/100", None),
        ("training", "33/100", None),
        ("training", "66/100", None),
        ("completed", "100/100", None),
    ] == statuses
    # Reads at 0 s, 600 s, ..., 3 h, each followed by a sleep of 600 s.
    assert 3 * hour / 600 + 1 == sleeps
    # The sleeps moved the clock by exactly their sum; real time did the rest.
    assert moved - real - FLOAT_SLACK <= 600 * sleeps <= moved + FLOAT_SLACK
