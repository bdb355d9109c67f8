"""The whole-job figure: a training job of N replicas, watched start to end.

N replicas (default 10,000) train on FakeTavus's virtual clock for about
``--hours`` each (uniformly within ``--spread`` of it), their starts spread
over the first ``--ramp`` seconds as a job's creates are, their progress
moving 1% at a time (``"37/100"``). A :class:`~tavus_async.ReplicaWatcher`
with ``poll_interval=30`` watches them all to the end, twice on the same
timelines: with a fixed cadence (``max_poll_interval=None``: every replica
every 30 s, 100 to a filtered list request) and with progress-based cadence
(``max_poll_interval=--longest``). Figures:

- requests the fake served, against a hand-written per-id loop polling every
  replica every 30 s from the start until it sees it done (computed from the
  timelines: ``floor(end / 30) + 1`` requests per replica);
- completion latency: the watcher's outcome time minus the moment training
  ended, on the fake's clock (p50, p95, max).

Goal (issue #18): with progress-based cadence, at most 1/1000 of the per-id
loop's requests, and p95 latency within 60 s.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from _common import percentile, text_table

from tavus_async import ReplicaWatcher, TavusClient
from tavus_async.testing import FakeTavus, TimelineStep


PER_ID_INTERVAL = 30.0
SHARE_TARGET = 1000
LATENCY_TARGET = 60.0


def timeline(
    rng: random.Random, hours: float, spread: float, ramp: float
) -> tuple[list[TimelineStep], float]:
    """One replica's steps (1% at a time) and the moment its training ends."""
    start = rng.uniform(0.0, ramp)
    span = hours * 3600.0 * rng.uniform(1.0 - spread, 1.0 + spread)
    steps = [TimelineStep(after=start, status="training", progress=0)]
    steps += [
        TimelineStep(after=start + span * k / 100, status="training", progress=k)
        for k in range(1, 100)
    ]
    steps.append(TimelineStep(after=start + span, status="completed"))
    return steps, start + span


async def run_job(
    n: int,
    *,
    hours: float,
    spread: float,
    ramp: float,
    longest: float | None,
    seed: int,
) -> dict[str, Any]:
    """Watch one job to its end; its requests and completion latencies."""
    rng = random.Random(seed)
    async with FakeTavus(seed=seed) as fake:
        plans = [timeline(rng, hours, spread, ramp) for _ in range(n)]
        ids = [
            fake.add_replica(replica_type="user", status="started") for _ in range(n)
        ]
        t0 = fake.clock()
        for replica_id, (steps, _) in zip(ids, plans, strict=True):
            fake.set_timeline(replica_id, steps)
        ends = {i: t0 + end for i, (_, end) in zip(ids, plans, strict=True)}
        fake.reset_log()
        async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
            watcher = ReplicaWatcher(
                client,
                poll_interval=PER_ID_INTERVAL,
                max_poll_interval=longest,
                sleep=fake.sleep,
                clock=fake.clock,
            )
            wall = time.monotonic()
            outcomes = await watcher.wait(ids)
            wall = time.monotonic() - wall
        requests = fake.count("GET", "/v2/replicas") + fake.count(
            "GET", "/v2/replicas/*"
        )
        stats = watcher.stats
    late = [outcomes[i].at - ends[i] for i in ids]
    per_id = sum(math.floor((end - t0) / PER_ID_INTERVAL) + 1 for end in ends.values())
    return {
        "n": n,
        "cadence": "fixed" if longest is None else f"progress (<= {longest:g} s)",
        "all_completed": all(o.ok for o in outcomes.values()),
        "requests": requests,
        "list_requests": stats.list_requests,
        "get_requests": stats.get_requests,
        "per_id_requests": per_id,
        "share": requests / per_id,
        "latency_p50_s": percentile(late, 50),
        "latency_p95_s": percentile(late, 95),
        "latency_max_s": max(late),
        "job_hours": (max(ends.values()) - t0) / 3600,
        "wall_s": wall,
    }


async def whole_job(args: Any) -> dict[str, Any]:
    """Both cadences over the same job; the figures and their verdicts.

    ``args`` has ``n`` (a list: the first is used), ``hours``, ``spread``,
    ``ramp``, ``longest`` and ``seed``.
    """
    n = args.n[0]
    rows = []
    for longest in (None, args.longest):
        row = await run_job(
            n,
            hours=args.hours,
            spread=args.spread,
            ramp=args.ramp,
            longest=longest,
            seed=args.seed,
        )
        row["verdicts"] = {
            "requests": "PASS" if row["share"] <= 1 / SHARE_TARGET else "FAIL",
            "latency": "PASS" if row["latency_p95_s"] <= LATENCY_TARGET else "FAIL",
        }
        rows.append(row)
    return {
        "settings": {
            "n": n,
            "hours": args.hours,
            "spread": args.spread,
            "ramp_s": args.ramp,
            "poll_interval_s": PER_ID_INTERVAL,
            "max_poll_interval_s": args.longest,
            "seed": args.seed,
        },
        "targets": {
            "requests_share_max": f"1/{SHARE_TARGET}",
            "latency_p95_max_s": LATENCY_TARGET,
        },
        "results": rows,
    }


def job_table(rows: list[dict[str, Any]]) -> str:
    """The whole-job rows, side by side."""
    header = (
        "N",
        "cadence",
        "requests",
        "per-id loop @30 s",
        f"share (<=1/{SHARE_TARGET})",
        "latency p50 s",
        f"p95 s (<={LATENCY_TARGET:.0f})",
        "max s",
        "job h",
        "wall s",
    )
    lines = [
        (
            f"{row['n']:,}",
            row["cadence"],
            f"{row['requests']:,}",
            f"{row['per_id_requests']:,}",
            f"1/{1 / row['share']:,.0f} {row['verdicts']['requests']}",
            f"{row['latency_p50_s']:.1f}",
            f"{row['latency_p95_s']:.1f} {row['verdicts']['latency']}",
            f"{row['latency_max_s']:.1f}",
            f"{row['job_hours']:.2f}",
            f"{row['wall_s']:.1f}",
        )
        for row in rows
    ]
    return text_table(header, lines)
