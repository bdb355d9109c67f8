"""For ``bench_watcher.py``: the polling loops users write by hand, and the tally.

Both loops poll one resource by id (``GET /v2/replicas/{id}`` or
``GET /v2/videos/{id}``, as a :class:`Polled` says) on a raw
``aiohttp.ClientSession`` (``_calls.raw_session``, 100 connections at most, as
the library's session) until every id has an end status, and return each
one's final status and failure reason:

- ``gather``: one coroutine per id, all started at once with
  ``asyncio.gather``; each polls its id and, while the status is not final,
  sleeps ``interval`` and polls again.
- ``sequential``: one loop over the ids still unfinished, polling them one
  after another; after a sweep it sleeps what is left of ``interval``, if
  anything, and sweeps again.

Each loop calls ``changed(id, previous, status, now)`` whenever the status it
sees differs from the last one it saw for that id (``previous`` is None on
the first answer), ``now`` being ``time.monotonic()``, so the benchmark
measures their latency as it does the watcher's.

``Tally`` is what every variant (the watcher too) reports to: it measures the
latency of each status change against the server's script and checks every
outcome; ``FirstSightings`` only waits until each id was seen once.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import aiohttp
from _calls import get_json, raw_session
from _common import percentile
from _fake_server import ERROR_MESSAGE, VIDEO_ERROR
from attrs import frozen


Outcome = tuple[str, str | None]
"""An id's final status and failure reason."""


@frozen
class Polled:
    """What a hand-written loop polls, and what it must end with.

    Attributes:
        path: The list's path; an id's is ``{path}/{id}``.
        final: The statuses after which a job is over.
        reason: The key of the failure reason in an answer.
        initial: The status a job has before its first change.
        expected: The outcome a loop must return, by the server's final status.
    """

    path: str
    final: frozenset[str]
    reason: str
    initial: str
    expected: Mapping[str, Outcome]

    def url(self, base: str, resource_id: str) -> str:
        """The URL of one id's Get."""
        return f"{base}{self.path}/{resource_id}"


REPLICAS = Polled(
    "/v2/replicas",
    frozenset({"completed", "error"}),
    "error_message",
    "started",
    {"completed": ("completed", None), "error": ("error", ERROR_MESSAGE)},
)
VIDEOS = Polled(
    "/v2/videos",
    frozenset({"ready", "error"}),
    "error_details",
    "generating",
    {"ready": ("ready", None), "error": ("error", VIDEO_ERROR)},
)
POLLED = {"replicas": REPLICAS, "videos": VIDEOS}
"""Each resource's :class:`Polled`, by the name ``--resource`` takes."""

Changed = Callable[[str, str | None, str, float], object]
"""Told ``(id, previous status, status, time.monotonic())``."""

Baseline = Callable[
    [aiohttp.ClientSession, Polled, str, list[str], float, Changed],
    Awaitable[dict[str, Outcome]],
]
"""A loop polling every id until each is final; returns the outcomes by id."""

Poll = Callable[[list[str], float, "Tally"], Coroutine[Any, Any, dict[str, Any]]]
"""Poll ids at an interval, reporting to a tally; return extra figures.

What ``bench_watcher.py`` runs of each variant, the watcher's as well.
"""


class Tally:
    """What a variant saw, against what the server did (its ``changes``).

    ``initial`` is every id's status before its first change (the status a
    first sighting may show without it being a change).
    """

    def __init__(
        self,
        changes: dict[str, list[list[Any]]],
        expected: Mapping[str, tuple[str | None, ...]],
        initial: str = "started",
    ) -> None:
        self.changes = changes
        self.expected = expected
        self.initial = initial
        self._when = {i: {status: t for t, status in s} for i, s in changes.items()}
        self.latency: list[float] = []  # server change -> the caller knew it
        self.poll_lag: list[float] = []  # server change -> the watcher saw it
        self.delivery: list[float] = []  # the watcher saw it -> the caller knew
        self.outcome_latency: list[float] = []
        self.outcomes: dict[str, tuple[str | None, ...]] = {}

    def saw(
        self,
        resource_id: str,
        previous: str | None,
        status: str,
        now: float,
        at: float | None = None,
    ) -> None:
        """Note a status change the caller learned of at ``now`` (polled at ``at``)."""
        if status == (previous or self.initial):
            return
        changed_at = self._when[resource_id][status]
        self.latency.append(now - changed_at)
        if at is not None:
            self.poll_lag.append(at - changed_at)
            self.delivery.append(now - at)

    def ended(
        self, resource_id: str, outcome: tuple[str | None, ...], now: float | None
    ) -> None:
        """Note an id's outcome (and its latency, when ``now`` is known)."""
        self.outcomes[resource_id] = outcome
        if now is not None:
            self.outcome_latency.append(now - max(self._when[resource_id].values()))

    def check(self) -> None:
        """Raise unless every id ended as the server says it did."""
        wrong = []
        for resource_id, steps in self.changes.items():
            expected = self.expected[steps[-1][1]]
            got = self.outcomes.get(resource_id)
            if got != expected:
                wrong.append(f"{resource_id}: expected {expected}, got {got}")
        if wrong:
            raise RuntimeError(
                f"{len(wrong)} of {len(self.changes)} ids ended wrong; "
                f"first: {wrong[:5]}"
            )

    def figures(self) -> dict[str, float]:
        """Latency medians and 99th percentiles, in seconds."""
        figures = {
            "status_changes": sum(map(len, self.changes.values())),
            "status_changes_seen": len(self.latency),
            "latency_max_s": max(self.latency),
        }
        for name, values in (
            ("latency", self.latency),
            ("poll_lag", self.poll_lag),
            ("delivery", self.delivery),
            ("outcome_latency", self.outcome_latency),
        ):
            if values:
                figures[f"{name}_median_s"] = statistics.median(values)
                figures[f"{name}_p99_s"] = percentile(values, 99)
        return figures

    def endings(self) -> dict[str, int]:
        """How many ids the server ended in each final status."""
        counts: dict[str, int] = {}
        for steps in self.changes.values():
            counts[steps[-1][1]] = counts.get(steps[-1][1], 0) + 1
        return counts


class FirstSightings(Tally):
    """A tally that only waits until every id was seen once (no timelines)."""

    def __init__(self, n: int) -> None:
        super().__init__({}, {})
        self.left = n
        self.done = asyncio.Event()

    def saw(self, resource_id: str, previous: str | None, *rest: object) -> None:
        """Count a first sighting (the status and times do not matter here)."""
        if previous is None:
            self.left -= 1
            if not self.left:
                self.done.set()

    async def start(
        self, poll: Poll, ids: list[str], interval: float
    ) -> asyncio.Task[Any]:
        """Start polling ``ids``; return the polling task once each was seen."""
        polling = asyncio.create_task(poll(ids, interval, self))
        polling.add_done_callback(lambda _: self.done.set())
        try:
            await self.done.wait()
            if polling.done():
                polling.result()  # it raised: pass that on
        except BaseException:
            polling.cancel()
            raise
        return polling


def note(resource_id: str, previous: str | None, item: Any, changed: Changed) -> str:
    """The status in ``item``; tell ``changed`` when it is not ``previous``."""
    status: str = item["status"]
    if status != previous:
        changed(resource_id, previous, status, time.monotonic())
    return status


async def gather_polling(
    session: aiohttp.ClientSession,
    polled: Polled,
    base: str,
    ids: list[str],
    interval: float,
    changed: Changed,
) -> dict[str, Outcome]:
    """One polling coroutine per id, all run at once with ``asyncio.gather``."""

    async def poll(resource_id: str) -> Outcome:
        status = None
        while True:
            item = await get_json(session, polled.url(base, resource_id))
            status = note(resource_id, status, item, changed)
            if status in polled.final:
                return status, item.get(polled.reason)
            await asyncio.sleep(interval)

    outcomes = await asyncio.gather(*(poll(resource_id) for resource_id in ids))
    return dict(zip(ids, outcomes, strict=True))


async def sequential_polling(
    session: aiohttp.ClientSession,
    polled: Polled,
    base: str,
    ids: list[str],
    interval: float,
    changed: Changed,
) -> dict[str, Outcome]:
    """Sweep the unfinished ids one request at a time, at most once per interval."""
    last: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    pending = list(ids)
    while pending:
        sweep_start = time.monotonic()
        unfinished = []
        for resource_id in pending:
            item = await get_json(session, polled.url(base, resource_id))
            status = note(resource_id, last.get(resource_id), item, changed)
            last[resource_id] = status
            if status in polled.final:
                outcomes[resource_id] = (status, item.get(polled.reason))
            else:
                unfinished.append(resource_id)
        pending = unfinished
        remaining = sweep_start + interval - time.monotonic()
        if pending and remaining > 0:
            await asyncio.sleep(remaining)
    return outcomes


BASELINES: dict[str, Baseline] = {
    "gather": gather_polling,
    "sequential": sequential_polling,
}
"""The hand-written variants by name."""

SESSION_LIMIT = 100
"""The raw session's connection limit, ``tavus_async.create_session``'s."""

CONNECTIONS = {"gather": SESSION_LIMIT, "sequential": 1}
"""How many connections each loop uses at most."""


async def poll_all(
    baseline: Baseline,
    session: aiohttp.ClientSession,
    polled: Polled,
    base: str,
    ids: list[str],
    interval: float,
    tally: Tally,
) -> dict[str, Any]:
    """Run a hand-written loop over every id; hand its outcomes to ``tally``."""
    outcomes = await baseline(session, polled, base, ids, interval, tally.saw)
    for resource_id, outcome in outcomes.items():
        tally.ended(resource_id, outcome, None)
    return {}


@asynccontextmanager
async def by_hand(
    name: str, polled: Polled, hello: dict[str, Any]
) -> AsyncIterator[Poll]:
    """The baseline ``name`` on a raw session to the server that said ``hello``.

    The connections the loop will use are opened before the clock starts, as
    for the watcher (on the ids the hello names): a running application has
    them before it polls.
    """
    base, ids = hello["url"], hello["ids"]
    async with raw_session(hello["api_key"], limit=SESSION_LIMIT) as session:
        opened = ids[: CONNECTIONS[name]]
        await asyncio.gather(*(get_json(session, polled.url(base, i)) for i in opened))
        yield partial(poll_all, BASELINES[name], session, polled, base)
