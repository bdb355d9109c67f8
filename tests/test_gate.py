"""The client-wide gate: pause, burst, release and budget decisions as tables.

The decisions take the time as an argument, so these tests need no clock. The
gate on a real loopback server is in ``test_gate_loopback.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random

import pytest

from tavus_async import RateLimitError, RetryPolicy, TavusClient, ValidationError
from tavus_async._gate import Gate, pause_for
from tavus_async.errors import InternalServerError
from tavus_async.testing import set_testing


POLICY = RetryPolicy(initial_delay=0.5, max_delay=8.0, max_retry_after=60.0)
SHORT = RetryPolicy(initial_delay=0.5, max_delay=8.0, max_retry_after=1.0)
URL = "https://tavus.test/v2/replicas"


@pytest.mark.parametrize(
    ("policy", "status", "retry_after", "streak", "pause"),
    [
        # a 429 waits for its Retry-After, whatever the streak
        (POLICY, 429, 1.5, 1, 1.5),
        (POLICY, 429, 1.5, 4, 1.5),
        (POLICY, 429, 0.0, 1, 0.0),
        # without one it backs off with the streak, up to max_delay
        (POLICY, 429, None, 1, 0.5),
        (POLICY, 429, None, 2, 1.0),
        (POLICY, 429, None, 3, 2.0),
        (POLICY, 429, None, 5, 8.0),
        (POLICY, 429, None, 9, 8.0),
        (POLICY, 429, None, 500, 8.0),
        (POLICY, 429, None, 0, 0.5),
        # other errors pause only when they carry Retry-After
        (POLICY, 503, 2.0, 0, 2.0),
        (POLICY, 500, 3.0, 0, 3.0),
        (POLICY, 503, None, 0, None),
        (POLICY, 500, None, 3, None),
        (POLICY, 404, None, 3, None),
        (POLICY, 200, 5.0, 0, None),
        # every pause is capped at max_retry_after
        # a computed pause is capped at max_retry_after; the server's is not
        # (Gate.refuses turns a wait past the cap into an error)
        (SHORT, 429, None, 5, 1.0),
        (POLICY, 429, 600.0, 1, 600.0),
        (POLICY, 503, 600.0, 0, 600.0),
        (SHORT, 429, 30.0, 1, 30.0),
    ],
)
def test_pause_for(
    policy: RetryPolicy,
    status: int,
    retry_after: float | None,
    streak: int,
    pause: float | None,
) -> None:
    assert pause == pause_for(policy, status, retry_after, streak)


@pytest.mark.parametrize(
    ("rps", "nows", "waits"),
    [
        (None, [10.0, 10.0, 10.0], [0.0, 0.0, 0.0]),
        (20, [10.0, 10.0, 10.0], [0.0, 0.05, 0.1]),
        (20, [10.0, 10.01, 10.2, 10.2], [0.0, 0.04, 0.0, 0.05]),
        (0.5, [0.0, 1.0, 3.0, 7.0], [0.0, 1.0, 1.0, 0.0]),
    ],
)
def test_budget_slots(rps: float | None, nows: list[float], waits: list[float]) -> None:
    """Each request takes the next slot, 1/rps after the last one; no burst."""
    gate = Gate(rps)

    assert waits == pytest.approx([gate.reserve(now) for now in nows])


def test_pause_then_budget() -> None:
    """After a pause the requests leave one interval apart, not all at once."""
    gate = Gate(10)

    assert 1.0 == gate.pause(0.0, 1.0, window=0.0)
    assert [1.0, 1.1, 1.2] == pytest.approx([gate.reserve(0.0) for _ in range(3)])
    assert 1.3 == pytest.approx(gate.reserve(0.0, honour_pause=False))


def test_pause_decisions() -> None:
    """A pause begins once, only lengthens, ends on its own, and may be ignored."""
    gate = Gate(None)

    assert gate.pause(10.0, 0.0, window=0.0) is None
    assert 1.0 == gate.pause(10.0, 1.0, window=0.0)
    assert 1 == gate.epoch
    assert gate.pause(10.2, 0.5, window=0.0) is None  # inside the running pause
    assert 11.0 == gate.paused_until
    assert gate.pause(10.5, 2.0, window=0.0) is None  # lengthens it, begins nothing
    assert 12.5 == gate.paused_until
    assert 1 == gate.epoch
    assert 1.5 == gate.paused_for(11.0)
    assert 0.0 == gate.reserve(11.0, honour_pause=False)
    assert 1.5 == gate.reserve(11.0)
    assert 0.0 == gate.reserve(12.5)
    assert gate.paused_until is None
    assert 0.0 == gate.paused_for(13.0)
    assert 0.5 == gate.pause(13.0, 0.5, window=0.0)  # a new pause begins
    assert 2 == gate.epoch


def test_release_gives_back_only_the_latest_slot() -> None:
    gate = Gate(20)
    assert [0.0, 0.05] == pytest.approx([gate.reserve(0.0) for _ in range(2)])

    gate.release(0.05)
    assert 0.05 == pytest.approx(gate.reserve(0.0))

    gate.release(0.0)  # an earlier slot: others were reserved after it
    assert 0.1 == pytest.approx(gate.reserve(0.0))


# (now, status, retry_after, epoch the request left under)
#     -> (pause begun, streak after, paused until, epoch after)
OUTCOMES = [
    ((0.0, 429, None, 0), (0.5, 1, 0.5, 1)),
    # the rest of the burst left before the pause began: no step, no lengthening
    ((0.1, 429, None, 0), (None, 1, 0.5, 1)),
    ((0.2, 429, None, 0), (None, 1, 0.5, 1)),
    ((0.2, 404, None, 0), (None, 1, 0.5, 1)),
    ((0.3, 503, None, 0), (None, 1, 0.5, 1)),
    # ... nor does an old success end the streak
    ((0.3, 200, None, 0), (None, 1, 0.5, 1)),
    # a request held by the pause meets a 429 again: the next step
    ((0.7, 429, None, 1), (1.0, 2, 1.7, 2)),
    ((0.8, 429, None, 1), (None, 2, 1.7, 2)),
    # a stale one with its own Retry-After may lengthen the pause
    ((0.9, 429, 1.0, 1), (None, 2, 1.9, 2)),
    ((2.0, 429, None, 2), (2.0, 3, 4.0, 3)),
    # a success of a request that left after the last pause began ends the streak
    ((4.1, 200, None, 3), (None, 0, 4.0, 3)),
    ((5.0, 429, None, 3), (0.5, 1, 5.5, 4)),
    # any error with Retry-After pauses; the streak is of 429s only
    ((6.0, 503, 1.25, 4), (1.25, 1, 7.25, 5)),
    ((7.0, 429, 0.0, 4), (None, 1, 7.25, 5)),
    ((8.0, 204, None, 5), (None, 0, 7.25, 5)),
    # the server's Retry-After is not capped here: see test_refusals
    ((9.0, 429, 120.0, 5), (120.0, 1, 129.0, 6)),
]


def test_record_outcomes() -> None:
    """One burst is one step; the streak counts pauses; fresh 2xx ends it."""
    gate = Gate(None)
    seen = []
    for (now, status, retry_after, epoch), _ in OUTCOMES:
        begun = gate.record(now, status, retry_after, POLICY, epoch)
        seen.append((begun, gate.streak, gate.paused_until, gate.epoch))

    assert [expected for _, expected in OUTCOMES] == seen


@pytest.mark.parametrize("retry_after", [None, 2.0])
def test_a_burst_of_twenty_429s_is_one_step(retry_after: float | None) -> None:
    """Twenty 429s to requests in flight together: one pause of the first step."""
    gate = Gate(None)
    for i in range(20):
        gate.record(i / 1000, 429, retry_after, POLICY, epoch=0)

    assert 1 == gate.streak
    assert 1 == gate.epoch
    expected = 0.5 if retry_after is None else 0.019 + retry_after
    assert expected == pytest.approx(gate.paused_until)


def test_held_requests_leave_spread_over_the_release_window() -> None:
    """The requests a pause holds leave at its end plus a share of the window."""
    gate = Gate(None, rng=random.Random(7))
    assert 2.0 == gate.record(0.0, 429, 2.0, POLICY, epoch=0)

    starts = [0.5 + gate.reserve(0.5) for _ in range(20)]
    assert all(2.0 <= start <= 4.0 for start in starts)  # window: min(2.0, 8.0)
    assert 20 == len(set(starts))
    assert max(starts) - min(starts) >= 1.0  # seeded: spread, not bunched
    assert 0.0 == gate.reserve(4.5)  # after the pause, no wait


def test_the_release_window_is_capped_at_max_delay() -> None:
    gate = Gate(None, rng=random.Random(3))
    gate.record(0.0, 503, 30.0, POLICY, epoch=0)

    starts = [gate.reserve(1.0) + 1.0 for _ in range(50)]
    assert all(30.0 <= start <= 38.0 for start in starts)
    assert max(starts) > 34.0


def test_held_requests_still_keep_the_budget() -> None:
    """With a budget, the spread slots are also at least an interval apart."""
    gate = Gate(10, rng=random.Random(1))
    gate.record(0.0, 429, None, POLICY, epoch=0)  # 0.5 s, window 0.5 s

    starts = [gate.reserve(0.1) + 0.1 for _ in range(10)]
    assert all(b - a >= 0.1 - 1e-9 for a, b in itertools.pairwise(starts))
    assert starts[0] >= 0.5


def test_refusals() -> None:
    """A wait past max_retry_after is refused while more than the cap is left."""
    gate = Gate(None)
    gate.record(0.0, 429, 3600.0, POLICY, epoch=0)

    assert 3600.0 == gate.refuses(0.0, POLICY.max_retry_after)
    assert 61.0 == gate.refuses(3539.0, POLICY.max_retry_after)
    assert gate.refuses(3540.0, POLICY.max_retry_after) is None  # now waited for
    assert 60.0 <= gate.reserve(3540.0) <= 60.0 + POLICY.max_delay  # the window
    assert gate.refuses(3600.0, POLICY.max_retry_after) is None


def test_a_pause_within_the_cap_is_never_refused() -> None:
    gate = Gate(None)
    gate.record(0.0, 429, 60.0, POLICY, epoch=0)

    assert gate.refuses(0.0, POLICY.max_retry_after) is None


async def test_a_refusal_raises_the_error_class_that_began_it() -> None:
    """The refused call gets the cause's class and status, and the time left."""
    loop = asyncio.get_running_loop()
    for status, cls in [(429, RateLimitError), (503, InternalServerError)]:
        gate = Gate(None)
        cause = cls(
            "slow down",
            method="GET",
            url=URL,
            status_code=status,
            retry_after=3600.0,
        )
        gate.failed(cause, POLICY, gate.epoch)
        before = loop.time()

        with pytest.raises(cls) as info:
            await gate.wait("DELETE", URL + "/r1", POLICY)

        error = info.value
        assert (status, "DELETE", URL + "/r1") == (
            error.status_code,
            error.method,
            error.url,
        )
        assert error.retry_after is not None
        assert 60.0 < error.retry_after <= 3600.0 - (before - loop.time())
        assert "not sent" in error.message
        assert "max_retry_after (60s)" in error.message


async def test_a_lasting_limit_pauses_nothing() -> None:
    """A crawl-limit 429, even with an hour's Retry-After, leaves the gate as it was."""
    gate = Gate(None)
    for retry_after in (None, 3600.0):
        cause = RateLimitError(
            "Recrawl cooldown: please wait 45 minutes before recrawling.",
            method="POST",
            url=URL + "/d1/recrawl",
            status_code=429,
            retry_after=retry_after,
        )
        gate.failed(cause, POLICY, gate.epoch)

    assert (None, 0, 0) == (gate.paused_until, gate.epoch, gate.streak)
    assert not gate.may_wait


@pytest.mark.parametrize(
    "rps", [0, 0.0, -1, math.nan, math.inf, -math.inf, "5", True, [20]]
)
def test_requests_per_second_is_checked(rps: object) -> None:
    with pytest.raises(ValidationError) as info:
        TavusClient(api_key="k", requests_per_second=rps)  # type: ignore[arg-type]

    assert "requests_per_second" == info.value.field
    assert "positive number" in str(info.value)


@pytest.mark.parametrize("rps", [None, 0.5, 20, 1e6])
def test_requests_per_second_accepted(rps: float | None) -> None:
    client = TavusClient(api_key="k", requests_per_second=rps)

    assert client._core.gate.interval == (None if rps is None else 1 / rps)


def test_unused_gate_does_not_yield() -> None:
    """No budget and no pause: wait() finishes at its first step, without a loop."""
    waiting = Gate(None).wait("GET", URL, POLICY)

    with pytest.raises(StopIteration) as info:
        waiting.send(None)

    assert 0 == info.value.value


async def test_testing_mode_skips_pauses_but_keeps_the_budget() -> None:
    """Three requests at 50 per second after a 30 s pause: the pause is not slept."""
    loop = asyncio.get_running_loop()
    gate = Gate(50)
    gate.pause(loop.time(), 30.0, window=8.0)
    started = loop.time()

    for _ in range(3):
        await gate.wait("GET", URL, POLICY)

    assert 2 * 0.02 <= loop.time() - started < 30.0
    assert gate.paused_until is not None  # recorded, not slept


async def test_a_pause_begun_during_the_wait_is_waited_for() -> None:
    """A waiter that slept for its budget slot checks the pause again."""
    set_testing(False)
    loop = asyncio.get_running_loop()
    gate = Gate(50)
    await gate.wait("GET", URL, POLICY)  # the first slot, at once
    second = asyncio.create_task(gate.wait("GET", URL, POLICY))  # sleeps 0.02
    await asyncio.sleep(0)  # it reserved its slot and sleeps

    gate.pause(loop.time(), 0.05, window=0.0)  # begins before that slot
    until = gate.paused_until
    assert until is not None
    assert 1 == await second

    assert loop.time() >= until


async def test_cancelled_waiters_do_not_break_the_gate() -> None:
    """A cancelled waiter gives its slot back when it is the latest one."""
    set_testing(False)
    loop = asyncio.get_running_loop()
    gate = Gate(20)
    started = loop.time()
    gate.pause(started, 0.05, window=0.0)
    waiters = [asyncio.create_task(gate.wait("GET", URL, POLICY)) for _ in range(3)]
    await asyncio.sleep(0)  # slots: +0.05, +0.1, +0.15
    first, middle, last = waiters
    middle.cancel()
    last.cancel()
    await asyncio.gather(middle, last, return_exceptions=True)

    assert middle.cancelled()
    assert last.cancelled()
    # `last` gave +0.15 back; `middle`'s +0.1 stays spent (a slot came after it)
    assert started + 0.15 == pytest.approx(gate.reserve(started) + started)
    assert 1 == await first
