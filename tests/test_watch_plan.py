"""How a watch plans its requests, from tables, without I/O: the way a cycle
polls (``_modes``) and the gap to an id's next poll (``_cadence``)."""

from __future__ import annotations

import math
import random

import pytest

from tavus_async.watch._cadence import Anchor, next_interval
from tavus_async.watch._modes import choose, keep_sweeping, sweep_pages
from tavus_async.watch._schedule import Entry, Schedule, Sighting
from tavus_async.watch.events import PollMode


BY_ID, FILTERED, SWEEP = PollMode.BY_ID, PollMode.FILTERED, PollMode.SWEEP

# The mode of a cycle


@pytest.mark.parametrize(
    ("upcoming", "filtered", "sweepable", "total", "expected"),
    [
        (1, True, False, None, FILTERED),
        (10_000, True, True, 12_000, FILTERED),
        (50, False, False, 100, BY_ID),
        (10_000, False, False, 12_000, BY_ID),
        (0, False, True, None, BY_ID),
        (1, False, True, None, BY_ID),
        (1, False, True, 1, BY_ID),
        (2, False, True, None, SWEEP),
        (10_000, False, True, 12_000, SWEEP),
        (50, False, True, 12_000, BY_ID),
        (120, False, True, 12_000, BY_ID),
        (121, False, True, 12_000, SWEEP),
        (300, False, True, 360, SWEEP),
        (5, False, True, 500, BY_ID),
        (6, False, True, 500, SWEEP),
        (2, False, True, 0, SWEEP),
    ],
)
def test_choose_the_cheapest_mode(
    upcoming: int,
    filtered: bool,
    sweepable: bool,
    total: int | None,
    expected: PollMode,
) -> None:
    """Filtered lists when the list filters by id; else a sweep when it has fewer
    pages than ids due; an unknown account is tried with a sweep when > 1 is due."""
    mode = choose(
        upcoming=upcoming,
        filtered=filtered,
        sweepable=sweepable,
        total=total,
        page_size=100,
    )

    assert expected is mode


@pytest.mark.parametrize(
    ("total", "page_size", "expected"),
    [
        (0, 100, 1),
        (1, 100, 1),
        (100, 100, 1),
        (101, 100, 2),
        (360, 100, 4),
        (12_000, 100, 120),
        (12_000, 50, 240),
    ],
)
def test_sweep_pages(total: int, page_size: int, expected: int) -> None:
    """A sweep reads every page of the list, and at least one."""
    assert expected == sweep_pages(total, page_size)


@pytest.mark.parametrize(
    ("pages_left", "unseen_due", "expected"),
    [(119, 9_900, True), (4, 0, False), (4, 4, False), (4, 5, True), (0, 3, True)],
)
def test_keep_sweeping_while_the_pages_left_cost_less(
    pages_left: int, unseen_due: int, expected: bool
) -> None:
    """After page 0, the rest is read only if it costs fewer requests than lookups."""
    assert expected is keep_sweeping(pages_left=pages_left, unseen_due=unseen_due)


# The cadence


def gap(
    *,
    last: float = 10.0,
    changed: bool = False,
    anchor: Anchor | None = None,
    fraction: float | None = None,
    step: float = 0.0,
    now: float = 100.0,
    longest: float = 1000.0,
) -> float:
    return next_interval(
        base=10.0,
        longest=longest,
        last=last,
        changed=changed,
        anchor=anchor,
        fraction=fraction,
        step=step,
        now=now,
    )


START = Anchor(0.0, 0.0)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"longest": 10.0, "last": 500.0}, 10.0),
        ({"longest": 10.0, "anchor": START, "fraction": 0.01}, 10.0),
        ({"anchor": START, "fraction": 0.5}, 50.0),
        ({"anchor": START, "fraction": 0.5, "step": 0.01}, 49.0),
        ({"anchor": Anchor(60.0, 0.3), "fraction": 0.5}, 50.0),
        ({"anchor": Anchor(80.0, 0.3), "fraction": 0.5}, 25.0),
        ({"anchor": START, "fraction": 0.01}, 1000.0),
        ({"anchor": START, "fraction": 0.01, "longest": 3000.0}, 3000.0),
        ({"anchor": START, "fraction": 0.99}, 10.0),
        ({"anchor": START, "fraction": 0.99, "step": 0.01}, 10.0),
        ({"anchor": START, "fraction": 1.0}, 10.0),
        ({"anchor": Anchor(0.0, 0.5), "fraction": 0.5}, 15.0),
        ({"anchor": Anchor(0.0, 0.5), "fraction": 0.5, "changed": True}, 10.0),
        ({"anchor": Anchor(100.0, 0.2), "fraction": 0.5}, 15.0),
        ({"anchor": Anchor(0.0, 0.6), "fraction": 0.5, "changed": True}, 10.0),
        ({"last": 10.0}, 15.0),
        ({"last": 15.0}, 22.5),
        ({"last": 800.0}, 1000.0),
        ({"last": 800.0, "changed": True}, 10.0),
    ],
)
def test_next_interval(settings: dict[str, object], expected: float) -> None:
    """Fixed at the base when longest is the base; half the time left from the
    rate of progress, clamped; else 1.5 times slower per unchanged poll."""
    assert expected == pytest.approx(gap(**settings))  # type: ignore[arg-type]


def cadence(max_interval: float) -> Schedule:
    return Schedule(
        batch_size=1,
        interval=10.0,
        max_interval=max_interval,
        jitter=0.0,
        rng=random.Random(3),
        filtered=False,
    )


def poll(plan: Schedule, now: float, sighting: Sighting) -> Entry:
    """Poll the one id watched at ``now``; it sees ``sighting``."""
    (job,) = plan.plan(now, 1)
    plan.finish(job, now, now, dict.fromkeys(job.ids, sighting))
    return plan.entries[job.ids[0]]


def test_progress_spaces_polls_by_the_time_left() -> None:
    """0.1 done, then 0.15 ten seconds later: 170 s left, polled in 85 s."""
    plan = cadence(1000.0)
    plan.add("v", 0.0, None)

    assert 10.0 == poll(plan, 0.0, Sighting(changed=True, fraction=0.1)).due
    halfway = poll(plan, 10.0, Sighting(changed=True, fraction=0.15))
    assert 95.0 == pytest.approx(halfway.due)
    later = poll(plan, halfway.due, Sighting(changed=True, fraction=0.575))

    assert 95.0 + 0.425 / 0.005 / 2 == pytest.approx(later.due)


def test_progress_going_back_below_the_anchor_re_anchors() -> None:
    """A job that starts over is reckoned from its new start, not its old rate."""
    plan = cadence(1000.0)
    plan.add("v", 0.0, None)
    poll(plan, 0.0, Sighting(changed=True, fraction=0.3))
    assert 22.5 == poll(plan, 10.0, Sighting(changed=True, fraction=0.5)).due

    back = poll(plan, 30.0, Sighting(changed=True, fraction=0.2))
    assert (Anchor(30.0, 0.2), 40.0) == (back.anchor, back.due)
    again = poll(plan, 40.0, Sighting(changed=True, fraction=0.3))

    assert Anchor(30.0, 0.2) == again.anchor
    assert 40.0 + 0.7 / 0.01 / 2 == pytest.approx(again.due)


def test_progress_going_back_above_the_anchor_re_anchors() -> None:
    """Going back from 0.5 to 0.2 is a restart even over a first sighting at 0.1."""
    plan = cadence(1000.0)
    plan.add("v", 0.0, None)
    poll(plan, 0.0, Sighting(changed=True, fraction=0.1))
    assert 20.0 == poll(plan, 10.0, Sighting(changed=True, fraction=0.5)).due

    back = poll(plan, 30.0, Sighting(changed=True, fraction=0.2))

    assert (Anchor(30.0, 0.2), 40.0) == (back.anchor, back.due)


def test_no_progress_slows_down_and_a_change_resets() -> None:
    """Without progress, 1.5 times slower per unchanged poll; a change resets."""
    plan = cadence(40.0)
    plan.add("r", 0.0, None)
    dues, now = [], 0.0
    for changed in (True, False, False, False, False, True):
        now = poll(plan, now, Sighting(changed=changed, fraction=None)).due
        dues.append(now)

    assert [10.0, 25.0, 47.5, 81.25, 121.25, 131.25] == dues


def first_sight_of_the_end(queued: float, span: float, first_poll: float) -> float:
    """Poll a video as the fake generates it until a poll sees it ready; return
    how long after its end that poll came (base 5 s, longest 600 s)."""
    plan = Schedule(
        batch_size=1,
        interval=5.0,
        max_interval=600.0,
        jitter=0.0,
        rng=random.Random(1),
        filtered=False,
    )
    plan.add("v", first_poll, None)
    now, seen = first_poll, None
    while now < queued + span:
        percent = 0 if now < queued else math.floor(100 * (now - queued) / span)
        status = "queued" if now < queued else "generating"
        sighting = Sighting((status, percent) != seen, percent / 100, 0.01)
        seen = (status, percent)
        now = poll(plan, now, sighting).due
    return now - (queued + span)


@pytest.mark.parametrize(
    ("queued", "span", "first_poll"),
    [(0.0, 600.0, 0.0), (0.2, 600.0, 0.0), (0.0, 30.0, 0.37), (0.0, 3000.0, 2.9)],
)
def test_the_end_is_seen_within_the_base_interval(
    queued: float, span: float, first_poll: float
) -> None:
    """Rounded progress is reckoned one unit ahead: the last gap never overshoots
    the end by more than ``poll_interval``."""
    assert first_sight_of_the_end(queued, span, first_poll) <= 5.0


@pytest.mark.parametrize(
    ("queued", "span", "first_poll"),
    [(4.9, 30.0, 0.37), (10.0, 600.0, 0.0)],
)
def test_time_queued_does_not_count_as_progress(
    queued: float, span: float, first_poll: float
) -> None:
    """A job queued at 0/100 for less than one interval, then generating, is seen
    within ``poll_interval`` of its end (today: 215 s and 7.5 s late)."""
    assert first_sight_of_the_end(queued, span, first_poll) <= 5.0
