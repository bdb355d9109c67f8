"""Benchmark ReplicaWatcher against hand-written polling loops, N replicas each.

Three variants watch N replicas (default 1,000, 10,000 and 50,000) on a
FakeTavus process (``_fake_server.py``) until every replica's training has
ended (training half-way, then completed or error, 2 to 8 s after the start):

- ``watcher``: ``ReplicaWatcher`` (batched list requests, one interval);
- ``gather``: one raw-aiohttp polling coroutine per replica, run with
  ``asyncio.gather`` (``_baselines.py``);
- ``sequential``: one raw-aiohttp loop polling the ids one after another.

For each N and variant, two fresh client processes each talk to a fresh
server process on 127.0.0.1, the variants of one N one after another:

- timing: poll every replica to its outcome; measure requests (the server's
  count), wall time, client and server CPU, peak RSS and the latency of every
  status change, and check every outcome against the server's script; a run
  still going after ``--deadline`` seconds, or a hand-written loop stopped by
  a failed request (it has no retries), is reported as stopped, with the
  requests sent so far;
- memory: poll every replica while none changes and measure, with
  tracemalloc, what the variant holds per replica once each was seen once.

Requests per poll cycle is the server's request count / (wall / interval).

Usage: ``python benchmarks/bench_watcher.py [--n 1000 10000 50000]
[--variants watcher gather sequential] [--interval 1.0] [--deadline 180]``.
It prints two tables and writes JSON (``--json``); ``benchmarks/plot.py``
draws it. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable
from contextlib import aclosing, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from _baselines import BASELINES, FirstSightings, Poll, Tally, by_hand
from _baselines import EXPECTED as BASELINE_EXPECTED
from _common import RESULTS, ServerProcess, report_header, text_table, write_report
from _fake_server import ERROR_MESSAGE, ERROR_RATE, LONGEST, SHORTEST

from tavus_async import ReplicaOutcome, ReplicaWatcher, TavusClient


VARIANTS = ("watcher", *BASELINES)
BYTES_TARGET = 2048
REQUEST_SHARE_TARGET = 50  # requests <= 1/50 of per-id polling ...
REQUEST_SHARE_AT = 10_000  # ... at this N
LATENCY_SLACK = 0.1  # p99 latency <= interval + this
MEMORY_INTERVAL = 3600.0  # no second poll cycle during the memory phase
WATCHER_EXPECTED = {
    "completed": ("reached", "completed", None),
    "error": ("failed", "error", ERROR_MESSAGE),
}
"""The outcome the watcher must report, by the server's final status."""

T = TypeVar("T")


def fake_server(n: int, seed: int) -> ServerProcess:
    """``_fake_server.py`` seeded with N replicas."""
    return ServerProcess("_fake_server.py", "--n", str(n), "--seed", str(seed))


async def watch(
    client: TavusClient,
    ids: list[str],
    concurrency: int,
    interval: float,
    tally: Tally,
) -> dict[str, Any]:
    """Watch every id with ``ReplicaWatcher``; return its own counts."""
    watcher = ReplicaWatcher(
        client, poll_interval=interval, max_concurrency=concurrency
    )
    async with aclosing(watcher.watch(ids)) as events:
        async for event in events:
            now = time.monotonic()
            if isinstance(event, ReplicaOutcome):
                status = None if event.status is None else event.status.value
                outcome = (event.kind.value, status, event.error_message)
                tally.ended(event.replica_id, outcome, now)
            else:
                was = None if event.previous is None else event.previous.status.value
                tally.saw(event.replica_id, was, event.status.value, now, event.at)
    stats = watcher.stats
    return {
        "watcher_list_requests": stats.list_requests,
        "watcher_get_requests": stats.get_requests,
        "watcher_requests": stats.requests,
        "transient_failures": stats.transient_failures,
    }


@asynccontextmanager
async def connected(
    variant: str, server: ServerProcess, concurrency: int
) -> AsyncIterator[Poll]:
    """A warmed-up client of ``variant`` for the server, as a ``Poll``.

    ``concurrency`` connections are opened first: a running application has
    its connections (and the converter its hooks) before it polls anything.
    """
    hello = server.read()
    ids: list[str] = hello["ids"]
    if variant == "watcher":
        async with TavusClient(api_key=hello["api_key"], base_url=hello["url"]) as c:
            batch = ids[:100]
            await asyncio.gather(
                *(
                    c.replicas.list(replica_ids=batch, limit=len(batch))
                    for _ in range(concurrency)
                )
            )
            yield partial(watch, c, ids, concurrency)
        return
    async with by_hand(variant, hello) as poll:
        yield poll


async def within(deadline: float, work: Awaitable[T]) -> tuple[T | None, str | None]:
    """``work``'s result and None, or None and why it stopped.

    It stops at the deadline (``"deadline"``) or on a request that failed (the
    exception's name: a hand-written loop has no retries).
    """
    limit = asyncio.timeout(deadline)
    try:
        async with limit:
            return await work, None
    except (TimeoutError, aiohttp.ClientError) as exc:
        return None, "deadline" if limit.expired() else type(exc).__name__


async def timing(variant: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Poll N replicas to the end; return requests, wall, CPU, RSS and latency."""
    interval = args.interval
    with fake_server(n, args.seed) as server:
        async with connected(variant, server, args.concurrency) as poll:
            server.send("go")
            expected = WATCHER_EXPECTED if variant == "watcher" else BASELINE_EXPECTED
            tally = Tally(server.read()["changes"], expected)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu_before = time.process_time()
            start = time.monotonic()
            extra, stopped = await within(args.deadline, poll(interval, tally))
            wall = time.monotonic() - start
            cpu = time.process_time() - cpu_before
        counts = server.stop()
    requests = counts["list_requests"] + counts["get_requests"]
    row = {
        "stopped": stopped,
        "wall_s": wall,
        "server_list_requests": counts["list_requests"],
        "server_get_requests": counts["get_requests"],
        "server_requests": requests,
        "requests_per_cycle": requests / (wall / interval),
        "replica_polls": counts["list_ids"] + counts["get_requests"],
        "server_cpu_s": counts["cpu_seconds"],
        "client_cpu_s": cpu,
        "client_cpu_share_of_wall": cpu / wall,
        "rss_before_watch_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if extra is None:
        return row
    tally.check()
    finished = [steps[-1][0] for steps in tally.changes.values()]
    per_id = sum(math.floor((done - start) / interval) + 1 for done in finished)
    ideal = max(finished) - start + interval
    if counts["list_requests"]:
        row["mean_list_batch"] = counts["list_ids"] / counts["list_requests"]
    return row | {
        "ideal_s": ideal,
        "wall_over_ideal": wall / ideal,
        "per_id_polling_requests": per_id,
        "requests_share": requests / per_id,
        **extra,
        **tally.figures(),
    }


async def memory(variant: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Bytes ``variant`` holds per replica once every replica was seen once."""
    with fake_server(n, args.seed) as server:
        async with connected(variant, server, args.concurrency) as poll:
            sink = FirstSightings(n)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            baseline = tracemalloc.get_traced_memory()[0]
            polling, stopped = await within(
                args.deadline, sink.start(poll, MEMORY_INTERVAL)
            )
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - baseline
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            if polling is not None:
                polling.cancel()
                await asyncio.wait({polling})
        server.stop()
    if stopped is not None:
        return {"memory_stopped": stopped}
    top = after.compare_to(before, "lineno")[:10]
    return {
        "memory_held_bytes": held,
        "bytes_per_replica": held / n,
        "memory_top": [
            f"{stat.size_diff / n:7.1f} B/replica  {stat.count_diff / n:5.2f} "
            f"blocks/replica  {stat.traceback[0].filename}:{stat.traceback[0].lineno}"
            for stat in top
        ],
    }


def run_child(
    phase: str, variant: str, n: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Run one phase of one variant for one N in a fresh process; its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        *("--phase", phase, "--variants", variant, "--n", str(n)),
        *("--seed", str(args.seed), "--interval", str(args.interval)),
        *("--concurrency", str(args.concurrency), "--deadline", str(args.deadline)),
    ]
    out = subprocess.run(  # noqa: S603 - this very script
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    figures: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return figures


def verdicts(row: dict[str, Any], interval: float) -> dict[str, str]:
    """PASS, FAIL or n/a for each of the watcher's targets."""

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    return {
        "requests": (
            verdict(row["requests_share"] <= 1 / REQUEST_SHARE_TARGET)
            if row["n"] >= REQUEST_SHARE_AT
            else "n/a"
        ),
        "memory": verdict(row["bytes_per_replica"] <= BYTES_TARGET),
        "latency": verdict(row["latency_p99_s"] <= interval + LATENCY_SLACK),
    }


def comparison(rows: list[dict[str, Any]]) -> str:
    """Every variant at every N, side by side."""

    def ms(row: dict[str, Any], key: str) -> str:
        return f"{row[key] * 1000:,.0f}" if key in row else "-"

    header = (
        "N",
        "variant",
        "wall s",
        "requests",
        "req/cycle",
        "client CPU s",
        "server CPU s",
        "peak RSS MB",
        "B/replica",
        "latency p50 ms",
        "p99 ms",
        "changes seen",
    )
    lines = [
        (
            f"{row['n']:,}",
            row["variant"],
            f"{row['wall_s']:.2f}"
            if row["stopped"] is None
            else f"{row['wall_s']:.0f} ({row['stopped']})",
            f"{row['server_requests']:,}",
            f"{row['requests_per_cycle']:,.0f}",
            f"{row['client_cpu_s']:.2f}",
            f"{row['server_cpu_s']:.2f}",
            f"{row['peak_rss_mb']:.0f}",
            f"{row['bytes_per_replica']:,.0f}"
            if "bytes_per_replica" in row
            else row["memory_stopped"],
            ms(row, "latency_median_s"),
            ms(row, "latency_p99_s"),
            f"{row.get('status_changes_seen', 0):,}",
        )
        for row in rows
    ]
    return text_table(header, lines)


def targets(rows: list[dict[str, Any]], interval: float) -> str:
    """The watcher's rows against its targets."""
    limit_ms = (interval + LATENCY_SLACK) * 1000
    header = (
        "N",
        "wall/ideal",
        "requests",
        "per-id polls",
        f"share (<=1/{REQUEST_SHARE_TARGET} @{REQUEST_SHARE_AT:,})",
        f"B/replica (<={BYTES_TARGET:,})",
        f"p99 ms (<={limit_ms:,.0f})",
    )
    lines = [
        (
            f"{row['n']:,}",
            f"{row['wall_over_ideal']:.3f}",
            f"{row['watcher_requests']:,} ({row['server_requests']:,})",
            f"{row['per_id_polling_requests']:,}",
            f"1/{1 / row['requests_share']:.0f} {row['verdicts']['requests']}",
            f"{row['bytes_per_replica']:,.0f} {row['verdicts']['memory']}",
            f"{row['latency_p99_s'] * 1000:,.0f} {row['verdicts']['latency']}",
        )
        for row in rows
        if "verdicts" in row
    ]
    return text_table(header, lines)


def main() -> None:
    """Run every variant at every N, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS)
    )
    parser.add_argument("--interval", type=float, default=1.0, help="poll interval")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="the watcher's max_concurrency"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the timelines")
    parser.add_argument(
        "--deadline", type=float, default=180.0, help="seconds a timing run may take"
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_watcher.json")
    parser.add_argument("--phase", choices=("timing", "memory"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase is not None:
        (n,), (variant,) = args.n, args.variants
        phase = timing if args.phase == "timing" else memory
        print(json.dumps(asyncio.run(phase(variant, n, args))))
        return
    rows = []
    for n in args.n:
        timed = {v: run_child("timing", v, n, args) for v in args.variants}
        for variant in args.variants:
            row = {"n": n, "variant": variant} | timed[variant]
            row |= run_child("memory", variant, n, args)
            measured = "latency_p99_s" in row and "bytes_per_replica" in row
            if variant == "watcher" and measured:
                row["verdicts"] = verdicts(row, args.interval)
            rows.append(row)
            print(f"N={n:,} {variant}: done", file=sys.stderr)
    report = report_header("bench_watcher") | {
        "settings": {
            "variants": args.variants,
            "interval_s": args.interval,
            "concurrency": args.concurrency,
            "seed": args.seed,
            "deadline_s": args.deadline,
            "training_s": [SHORTEST, LONGEST],
            "error_rate": ERROR_RATE,
        },
        "targets": {
            "requests_share_max": f"1/{REQUEST_SHARE_TARGET} at N={REQUEST_SHARE_AT}",
            "bytes_per_replica_max": BYTES_TARGET,
            "latency_p99_max_s": args.interval + LATENCY_SLACK,
        },
        "results": rows,
    }
    print(comparison(rows))
    if any("verdicts" in row for row in rows):
        print()
        print(targets(rows, args.interval))
    write_report(args.json, report)


if __name__ == "__main__":
    main()
