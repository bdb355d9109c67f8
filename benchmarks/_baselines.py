"""For ``bench_watcher.py``: the polling loops users write by hand, and the tally.

Both loops poll ``GET /v2/replicas/{id}`` on a raw ``aiohttp.ClientSession``
(``_calls.raw_session``, 100 connections at most, as the library's session)
until every replica is ``completed`` or ``error``, and return each replica's
final status and ``error_message``:

- ``gather``: one coroutine per replica, all started at once with
  ``asyncio.gather``; each polls its replica and, while the status is not
  final, sleeps ``interval`` and polls again.
- ``sequential``: one loop over the ids still unfinished, polling them one
  after another; after a sweep it sleeps what is left of ``interval``, if
  anything, and sweeps again.

Each loop calls ``changed(replica_id, previous, status, now)`` whenever the
status it sees differs from the last one it saw for that replica (``previous``
is None on the first answer), ``now`` being ``time.monotonic()``, so the
benchmark measures their latency as it does the watcher's.

``Tally`` is what every variant (the watcher too) reports to: it measures the
latency of each status change against the server's script and checks every
outcome; ``FirstSightings`` only waits until each replica was seen once.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import aiohttp
from _calls import get_replica, raw_session
from _common import percentile
from _fake_server import ERROR_MESSAGE


FINAL = frozenset({"completed", "error"})
"""The statuses after which a replica's training is over."""

Outcome = tuple[str, str | None]
"""A replica's final status and ``error_message``."""

Changed = Callable[[str, str | None, str, float], object]
"""Told ``(replica_id, previous status, status, time.monotonic())``."""

Baseline = Callable[
    [aiohttp.ClientSession, str, list[str], float, Changed],
    Awaitable[dict[str, Outcome]],
]
"""A loop polling every id until each is final; returns the outcomes by id."""

Poll = Callable[[float, "Tally"], Awaitable[dict[str, Any]]]
"""Poll every replica at an interval, reporting to a tally; return extra figures.

What ``bench_watcher.py`` runs of each variant, the watcher's as well.
"""

EXPECTED: dict[str, Outcome] = {
    "completed": ("completed", None),
    "error": ("error", ERROR_MESSAGE),
}
"""The outcome a baseline must return, by the server's final status."""


class Tally:
    """What a variant saw, against what the server did (its ``changes``)."""

    def __init__(
        self,
        changes: dict[str, list[list[Any]]],
        expected: Mapping[str, tuple[str | None, ...]],
    ) -> None:
        self.changes = changes
        self.expected = expected
        self._when = {i: {status: t for t, status in s} for i, s in changes.items()}
        self.latency: list[float] = []  # server change -> the caller knew it
        self.poll_lag: list[float] = []  # server change -> the watcher saw it
        self.delivery: list[float] = []  # the watcher saw it -> the caller knew
        self.outcome_latency: list[float] = []
        self.outcomes: dict[str, tuple[str | None, ...]] = {}

    def saw(
        self,
        replica_id: str,
        previous: str | None,
        status: str,
        now: float,
        at: float | None = None,
    ) -> None:
        """Note a status change the caller learned of at ``now`` (polled at ``at``)."""
        if status == (previous or "started"):
            return
        changed_at = self._when[replica_id][status]
        self.latency.append(now - changed_at)
        if at is not None:
            self.poll_lag.append(at - changed_at)
            self.delivery.append(now - at)

    def ended(
        self, replica_id: str, outcome: tuple[str | None, ...], now: float | None
    ) -> None:
        """Note a replica's outcome (and its latency, when ``now`` is known)."""
        self.outcomes[replica_id] = outcome
        if now is not None:
            self.outcome_latency.append(now - max(self._when[replica_id].values()))

    def check(self) -> None:
        """Raise unless every replica ended as the server says it did."""
        wrong = []
        for replica_id, steps in self.changes.items():
            expected = self.expected[steps[-1][1]]
            got = self.outcomes.get(replica_id)
            if got != expected:
                wrong.append(f"{replica_id}: expected {expected}, got {got}")
        if wrong:
            raise RuntimeError(
                f"{len(wrong)} of {len(self.changes)} replicas ended wrong; "
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


class FirstSightings(Tally):
    """A tally that only waits until every replica was seen once (no timelines)."""

    def __init__(self, n: int) -> None:
        super().__init__({}, {})
        self.left = n
        self.done = asyncio.Event()

    def saw(self, replica_id: str, previous: str | None, *rest: object) -> None:
        """Count a first sighting (the status and times do not matter here)."""
        if previous is None:
            self.left -= 1
            if not self.left:
                self.done.set()

    async def start(self, poll: Poll, interval: float) -> asyncio.Task[Any]:
        """Start polling; return the polling task once every replica was seen."""
        polling = asyncio.create_task(poll(interval, self))
        polling.add_done_callback(lambda _: self.done.set())
        try:
            await self.done.wait()
            if polling.done():
                polling.result()  # it raised: pass that on
        except BaseException:
            polling.cancel()
            raise
        return polling


def note(replica_id: str, previous: str | None, replica: Any, changed: Changed) -> str:
    """The status in ``replica``; tell ``changed`` when it is not ``previous``."""
    status: str = replica["status"]
    if status != previous:
        changed(replica_id, previous, status, time.monotonic())
    return status


async def gather_polling(
    session: aiohttp.ClientSession,
    base: str,
    ids: list[str],
    interval: float,
    changed: Changed,
) -> dict[str, Outcome]:
    """One polling coroutine per replica, all run at once with ``asyncio.gather``."""

    async def poll(replica_id: str) -> Outcome:
        status = None
        while True:
            replica = await get_replica(session, base, replica_id)
            status = note(replica_id, status, replica, changed)
            if status in FINAL:
                return status, replica["error_message"]
            await asyncio.sleep(interval)

    outcomes = await asyncio.gather(*(poll(replica_id) for replica_id in ids))
    return dict(zip(ids, outcomes, strict=True))


async def sequential_polling(
    session: aiohttp.ClientSession,
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
        for replica_id in pending:
            replica = await get_replica(session, base, replica_id)
            status = note(replica_id, last.get(replica_id), replica, changed)
            last[replica_id] = status
            if status in FINAL:
                outcomes[replica_id] = (status, replica["error_message"])
            else:
                unfinished.append(replica_id)
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
    base: str,
    ids: list[str],
    interval: float,
    tally: Tally,
) -> dict[str, Any]:
    """Run a hand-written loop over every id; hand its outcomes to ``tally``."""
    outcomes = await baseline(session, base, ids, interval, tally.saw)
    for replica_id, outcome in outcomes.items():
        tally.ended(replica_id, outcome, None)
    return {}


@asynccontextmanager
async def by_hand(name: str, hello: dict[str, Any]) -> AsyncIterator[Poll]:
    """The baseline ``name`` on a raw session to the server that said ``hello``.

    The connections the loop will use are opened before the clock starts, as
    for the watcher: a running application has them before it polls.
    """
    base, ids = hello["url"], hello["ids"]
    async with raw_session(hello["api_key"], limit=SESSION_LIMIT) as session:
        opened = ids[: CONNECTIONS[name]]
        await asyncio.gather(*(get_replica(session, base, i) for i in opened))
        yield partial(poll_all, BASELINES[name], session, base, ids)
