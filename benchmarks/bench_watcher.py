"""Benchmark ReplicaWatcher: watch N replicas to the end on a FakeTavus process.

For each N, two fresh client processes each talk to a fresh server process
(``_fake_server.py``) on 127.0.0.1:

- timing: watch every replica to its outcome while the server's timelines run
  (training half-way, then completed or error, 2 to 8 s after the start);
  measure wall time, requests, CPU, peak RSS and event latency, and check
  every outcome against the server's final status;
- memory: watch every replica while none changes and measure, with
  tracemalloc, what the watcher holds once each was seen once.

Usage: ``python benchmarks/bench_watcher.py [--n 1000 10000] [--interval 1.0]``.
It prints a table and writes JSON (``--json``). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import shlex
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import RESULTS, ServerProcess, machine, percentile, write_report
from _fake_server import ERROR_MESSAGE, ERROR_RATE, LONGEST, SHORTEST

from tavus_async import ReplicaOutcome, ReplicaWatcher, TavusClient, WatchEvent


BYTES_TARGET = 2048
REQUEST_SHARE_TARGET = 50  # requests <= 1/50 of per-id polling ...
REQUEST_SHARE_AT = 10_000  # ... at this N
LATENCY_SLACK = 0.1  # p99 latency <= interval + this
MEMORY_INTERVAL = 3600.0  # no second poll cycle during the memory phase


def fake_server(n: int, seed: int) -> ServerProcess:
    """``_fake_server.py`` seeded with N replicas."""
    return ServerProcess("_fake_server.py", "--n", str(n), "--seed", str(seed))


async def warm_up(client: TavusClient, ids: list[str], concurrency: int) -> None:
    """Open ``concurrency`` connections and build the converter's hooks first.

    A long-running application has both before it watches anything, so
    neither counts in the figures.
    """
    batch = ids[:100]
    await asyncio.gather(
        *(
            client.replicas.list(replica_ids=batch, limit=len(batch))
            for _ in range(concurrency)
        )
    )


class Tally:
    """What the caller saw, against what the server did (its ``changes``)."""

    def __init__(self, changes: dict[str, list[list[Any]]]) -> None:
        self.changes = changes
        self._when = {i: {status: t for t, status in s} for i, s in changes.items()}
        self.latency: list[float] = []  # server change -> event in the caller
        self.poll_lag: list[float] = []  # server change -> the watcher saw it
        self.outcome_latency: list[float] = []
        self.outcomes: dict[str, tuple[str, str | None, str | None]] = {}

    def record(self, event: WatchEvent, now: float) -> None:
        """Note an event the caller received at ``now``."""
        changed = self._when[event.replica_id]
        if isinstance(event, ReplicaOutcome):
            status = None if event.status is None else event.status.value
            self.outcomes[event.replica_id] = (
                event.kind.value,
                status,
                event.error_message,
            )
            self.outcome_latency.append(now - max(changed.values()))
            return
        previous = "started" if event.previous is None else event.previous.status
        if event.status != previous:
            changed_at = changed[event.status.value]
            self.latency.append(now - changed_at)
            self.poll_lag.append(event.at - changed_at)

    def check(self) -> None:
        """Raise unless every replica ended as the server says it did."""
        wrong = []
        for replica_id, steps in self.changes.items():
            expected = (
                ("reached", "completed", None)
                if steps[-1][1] == "completed"
                else ("failed", "error", ERROR_MESSAGE)
            )
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
        delivery = [
            total - lag for total, lag in zip(self.latency, self.poll_lag, strict=True)
        ]
        return {
            "status_changes": sum(map(len, self.changes.values())),
            "status_changes_seen": len(self.latency),
            "latency_median_s": statistics.median(self.latency),
            "latency_p99_s": percentile(self.latency, 99),
            "latency_max_s": max(self.latency),
            "poll_lag_median_s": statistics.median(self.poll_lag),
            "poll_lag_p99_s": percentile(self.poll_lag, 99),
            "delivery_median_s": statistics.median(delivery),
            "delivery_p99_s": percentile(delivery, 99),
            "outcome_latency_median_s": statistics.median(self.outcome_latency),
            "outcome_latency_p99_s": percentile(self.outcome_latency, 99),
        }


@asynccontextmanager
async def connected(
    server: ServerProcess, concurrency: int
) -> AsyncIterator[tuple[list[str], TavusClient]]:
    """The server's replica ids and a warmed-up client bound to it."""
    hello = server.read()
    ids: list[str] = hello["ids"]
    async with TavusClient(api_key=hello["api_key"], base_url=hello["url"]) as client:
        await warm_up(client, ids, concurrency)
        yield ids, client


async def timing(
    n: int, interval: float, concurrency: int, seed: int
) -> dict[str, Any]:
    """Watch N replicas to the end; return wall, requests, CPU, RSS and latency."""
    with fake_server(n, seed) as server:
        async with connected(server, concurrency) as (ids, client):
            watcher = ReplicaWatcher(
                client, poll_interval=interval, max_concurrency=concurrency
            )
            server.send("go")
            tally = Tally(server.read()["changes"])
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu_before = time.process_time()
            start = time.monotonic()
            async with aclosing(watcher.watch(ids)) as events:
                async for event in events:
                    tally.record(event, time.monotonic())
            wall = time.monotonic() - start
            cpu = time.process_time() - cpu_before
            stats = watcher.stats
        counts = server.stop()
    tally.check()
    finished = [steps[-1][0] for steps in tally.changes.values()]
    per_id = sum(math.floor((done - start) / interval) + 1 for done in finished)
    ideal = max(finished) - start + interval
    return {
        "wall_s": wall,
        "ideal_s": ideal,
        "wall_over_ideal": wall / ideal,
        "watcher_list_requests": stats.list_requests,
        "watcher_get_requests": stats.get_requests,
        "watcher_requests": stats.requests,
        "transient_failures": stats.transient_failures,
        "server_list_requests": counts["list_requests"],
        "server_get_requests": counts["get_requests"],
        "server_requests": counts["list_requests"] + counts["get_requests"],
        "mean_list_batch": counts["list_ids"] / counts["list_requests"],
        "replica_polls": counts["list_ids"] + counts["get_requests"],
        "server_cpu_s": counts["cpu_seconds"],
        "per_id_polling_requests": per_id,
        "requests_share": stats.requests / per_id,
        "client_cpu_s": cpu,
        "client_cpu_share_of_wall": cpu / wall,
        "rss_before_watch_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **tally.figures(),
    }


async def memory(n: int, concurrency: int, seed: int) -> dict[str, Any]:
    """Bytes the watcher holds per replica once every replica was seen once."""
    with fake_server(n, seed) as server:
        async with connected(server, concurrency) as (ids, client):
            watcher = ReplicaWatcher(
                client, poll_interval=MEMORY_INTERVAL, max_concurrency=concurrency
            )
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            baseline = tracemalloc.get_traced_memory()[0]
            events = watcher.watch(ids)
            updates = 0
            async for _ in events:
                updates += 1
                if updates == n:
                    break
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - baseline
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            watching = watcher.stats.watching
            await events.aclose()
        server.stop()
    top = after.compare_to(before, "lineno")[:10]
    return {
        "memory_replicas_watched": watching,
        "memory_held_bytes": held,
        "bytes_per_replica": held / n,
        "memory_top": [
            f"{stat.size_diff / n:7.1f} B/replica  {stat.count_diff / n:5.2f} "
            f"blocks/replica  {stat.traceback[0].filename}:{stat.traceback[0].lineno}"
            for stat in top
        ],
    }


def run_child(phase: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run one phase for one N in a fresh process; return its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        *("--phase", phase, "--n", str(n), "--seed", str(args.seed)),
        *("--interval", str(args.interval), "--concurrency", str(args.concurrency)),
    ]
    out = subprocess.run(  # noqa: S603 - this very script
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    figures: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return figures


def verdicts(row: dict[str, Any], interval: float) -> dict[str, str]:
    """PASS, FAIL or n/a for each target."""

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


def table(rows: list[dict[str, Any]], interval: float) -> str:
    """The results as a fixed-width text table."""
    limit_ms = (interval + LATENCY_SLACK) * 1000
    header = (
        "N",
        "wall s",
        "ideal s",
        "wall/ideal",
        "requests",
        "per-id polls",
        f"share (<=1/{REQUEST_SHARE_TARGET} @{REQUEST_SHARE_AT:,})",
        "client CPU s",
        "peak RSS MB",
        f"B/replica (<={BYTES_TARGET:,})",
        "latency median ms",
        f"p99 ms (<={limit_ms:,.0f})",
    )
    lines = [header]
    for row in rows:
        ok = row["verdicts"]
        lines.append(
            (
                f"{row['n']:,}",
                f"{row['wall_s']:.2f}",
                f"{row['ideal_s']:.2f}",
                f"{row['wall_over_ideal']:.3f}",
                f"{row['watcher_requests']:,} ({row['server_requests']:,})",
                f"{row['per_id_polling_requests']:,}",
                f"1/{1 / row['requests_share']:.0f} {ok['requests']}",
                f"{row['client_cpu_s']:.2f}",
                f"{row['peak_rss_mb']:.0f}",
                f"{row['bytes_per_replica']:,.0f} {ok['memory']}",
                f"{row['latency_median_s'] * 1000:,.0f}",
                f"{row['latency_p99_s'] * 1000:,.0f} {ok['latency']}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    )


def main() -> None:
    """Run every N, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--interval", type=float, default=1.0, help="poll_interval")
    parser.add_argument("--concurrency", type=int, default=8, help="max_concurrency")
    parser.add_argument("--seed", type=int, default=1, help="seed of the timelines")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_watcher.json")
    parser.add_argument("--phase", choices=("timing", "memory"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase is not None:
        (n,) = args.n
        figures = asyncio.run(
            timing(n, args.interval, args.concurrency, args.seed)
            if args.phase == "timing"
            else memory(n, args.concurrency, args.seed)
        )
        print(json.dumps(figures))
        return
    rows = []
    for n in args.n:
        row = {"n": n} | run_child("timing", n, args) | run_child("memory", n, args)
        row["verdicts"] = verdicts(row, args.interval)
        rows.append(row)
    report = {
        "benchmark": "bench_watcher",
        "command": shlex.join(["python", *sys.argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "interval_s": args.interval,
            "concurrency": args.concurrency,
            "seed": args.seed,
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
    print(table(rows, args.interval))
    write_report(args.json, report)


if __name__ == "__main__":
    main()
