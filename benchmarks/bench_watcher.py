"""Benchmark the watchers against per-id polling, N ids each.

``--resource`` picks the suite. ``replicas`` (the default): three variants
watch N replicas (default 1,000, 10,000 and 50,000) on a FakeTavus process
(``_fake_server.py``) until every replica's training has ended (training
half-way, then completed or error, 2 to 8 s after the start):

- ``watcher``: ``ReplicaWatcher`` (batched list requests, one interval);
- ``gather``: one raw-aiohttp polling coroutine per replica, run with
  ``asyncio.gather`` (``_baselines.py``);
- ``sequential``: one raw-aiohttp loop polling the ids one after another.

``videos``: the account holds 1.2 N videos, 0.2 N of them already ready;
the N watched ones generate for 2 to 8 s, then are ready (or, about 2%,
error). Variants (``_watchers.py``, ``_baselines.py``):

- ``watcher``: ``client.videos.watcher()``, which chooses each cycle between
  one GET per video due and a sweep of every page of List Videos;
- ``watcher-by-id``: the same engine without pages: one GET per video due;
- ``gather``: the hand-written loop above, on ``GET /v2/videos/{id}``
  (``sequential`` too, when asked for).

For each N and variant, two fresh client processes each talk to a fresh
server process on 127.0.0.1, the variants of one N one after another:

- timing: poll every id to its outcome; measure requests (the server's
  count), wall time, client and server CPU, peak RSS and the latency of every
  status change, and check every outcome against the server's script; a run
  still going after ``--deadline`` seconds, or a hand-written loop stopped by
  a failed request (it has no retries), is reported as stopped, with the
  requests sent so far;
- memory: poll every id while none changes and measure, with tracemalloc,
  what the variant holds per id once each was seen once.

Requests per poll cycle is the server's request count / (wall / interval).

``job``: the whole-job figure of ``_whole_job.py`` (N replicas training for
hours on the fake's virtual clock, with and without progress-based cadence).

Usage: ``python benchmarks/bench_watcher.py [--resource replicas|videos|job]
[--n 1000 10000 50000] [--variants ...] [--interval 1.0] [--deadline 180]``.
It prints its tables and writes JSON (``--json``); ``benchmarks/plot.py``
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
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import _watcher_tables as tables
import aiohttp
from _baselines import POLLED, FirstSightings, Poll, Tally, by_hand
from _common import RESULTS, ServerProcess, report_header, write_report
from _fake_server import ERROR_RATE, LONGEST, OTHERS, SHORTEST
from _watchers import EXPECTED, LIBRARY, by_library
from _whole_job import job_table, whole_job


VARIANTS = {
    "replicas": ("watcher", "gather", "sequential"),
    "videos": ("watcher", "watcher-by-id", "gather"),
}
"""Each suite's variants by default."""
EXTRA = {"videos": ("sequential",)}
"""Variants a suite runs only when asked for."""
NOUN = {"replicas": "replica", "videos": "video"}
"""What each suite watches, in the names of its figures."""
JSON = {
    "replicas": "bench_watcher.json",
    "videos": "bench_watcher_videos.json",
    "job": "bench_watcher_job.json",
}
"""Each suite's JSON report in ``benchmarks/results/``."""
LATENCY_SLACK = 0.1  # p99 latency <= interval + this
MEMORY_INTERVAL = 3600.0  # no second poll cycle during the memory phase

T = TypeVar("T")


def fake_server(n: int, args: argparse.Namespace, *, memory: bool) -> ServerProcess:
    """``_fake_server.py`` for the suite, seeded with N ids to watch.

    For the memory phase, videos generate for two ``MEMORY_INTERVAL`` so that
    none changes while it runs (replicas do not change before ``go``).
    """
    shortest, longest = args.duration
    if memory and args.resource == "videos":
        shortest = longest = 2 * MEMORY_INTERVAL
    return ServerProcess(
        "_fake_server.py",
        *("--resource", args.resource, "--n", str(n), "--seed", str(args.seed)),
        *("--shortest", str(shortest), "--longest", str(longest)),
    )


@asynccontextmanager
async def connected(
    suite: str, variant: str, hello: dict[str, Any], concurrency: int
) -> AsyncIterator[Poll]:
    """A warmed-up client of ``variant`` for the server that said ``hello``."""
    if variant in LIBRARY[suite]:
        async with by_library(suite, variant, hello, concurrency) as poll:
            yield poll
        return
    async with by_hand(variant, POLLED[suite], hello) as poll:
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
    """Poll N ids to the end; return requests, wall, CPU, RSS and latency."""
    suite, interval = args.resource, args.interval
    with fake_server(n, args, memory=False) as server:
        async with connected(suite, variant, server.read(), args.concurrency) as poll:
            server.send("go")
            expected = (
                EXPECTED[suite] if variant in LIBRARY[suite] else POLLED[suite].expected
            )
            tally = Tally(server.read()["changes"], expected, POLLED[suite].initial)
            ids = list(tally.changes)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu_before = time.process_time()
            start = time.monotonic()
            extra, stopped = await within(args.deadline, poll(ids, interval, tally))
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
        **(
            {"replica_polls": counts["list_ids"] + counts["get_requests"]}
            if "list_ids" in counts
            else {}
        ),
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
    if counts["list_requests"] and "list_ids" in counts:
        row["mean_list_batch"] = counts["list_ids"] / counts["list_requests"]
    return row | {
        "ideal_s": ideal,
        "wall_over_ideal": wall / ideal,
        "per_id_polling_requests": per_id,
        "requests_share": requests / per_id,
        **extra,
        **tally.figures(),
        "endings": tally.endings(),
    }


async def memory(variant: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Bytes ``variant`` holds per id once every id was seen once."""
    suite, noun = args.resource, NOUN[args.resource]
    with fake_server(n, args, memory=True) as server:
        hello = server.read()
        async with connected(suite, variant, hello, args.concurrency) as poll:
            if suite == "replicas":
                ids = hello["ids"]
            else:  # the videos to watch are generated on "go"
                server.send("go")
                ids = list(server.read()["changes"])
            sink = FirstSightings(n)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            baseline = tracemalloc.get_traced_memory()[0]
            polling, stopped = await within(
                args.deadline, sink.start(poll, ids, MEMORY_INTERVAL)
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
        f"bytes_per_{noun}": held / n,
        "memory_top": [
            f"{stat.size_diff / n:7.1f} B/{noun}  {stat.count_diff / n:5.2f} "
            f"blocks/{noun}  {stat.traceback[0].filename}:{stat.traceback[0].lineno}"
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
        *("--resource", args.resource, "--phase", phase),
        *("--variants", variant, "--n", str(n)),
        *("--seed", str(args.seed), "--interval", str(args.interval)),
        *("--duration", *map(str, args.duration)),
        *("--concurrency", str(args.concurrency), "--deadline", str(args.deadline)),
    ]
    out = subprocess.run(  # noqa: S603 - this very script
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    figures: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return figures


def verdicts(row: dict[str, Any], interval: float) -> dict[str, str]:
    """PASS, FAIL or n/a for each of the replica watcher's targets."""

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    return {
        "requests": (
            verdict(row["requests_share"] <= 1 / tables.REQUEST_SHARE_TARGET)
            if row["n"] >= tables.REQUEST_SHARE_AT
            else "n/a"
        ),
        "memory": verdict(row["bytes_per_replica"] <= tables.BYTES_TARGET),
        "latency": verdict(row["latency_p99_s"] <= interval + LATENCY_SLACK),
    }


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings, for the report."""
    common = {
        "variants": args.variants,
        "interval_s": args.interval,
        "concurrency": args.concurrency,
        "seed": args.seed,
        "deadline_s": args.deadline,
        "training_s": args.duration,
        "error_rate": ERROR_RATE,
    }
    if args.resource == "replicas":
        return common
    return {"resource": "videos", "others_per_watched": OTHERS} | common


def targets(args: argparse.Namespace) -> dict[str, Any]:
    """The replica watcher's targets (issue #3); videos have none."""
    if args.resource != "replicas":
        return {}
    return {
        "requests_share_max": (
            f"1/{tables.REQUEST_SHARE_TARGET} at N={tables.REQUEST_SHARE_AT}"
        ),
        "bytes_per_replica_max": tables.BYTES_TARGET,
        "latency_p99_max_s": args.interval + LATENCY_SLACK,
    }


def run_suite(args: argparse.Namespace) -> None:
    """Run every variant of the suite at every N, print the tables, write JSON."""
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
        "settings": settings(args),
        "targets": targets(args),
        "results": rows,
    }
    if args.resource == "videos":
        print(tables.videos(rows))
        print()
        print(tables.video_ratios(rows))
    else:
        print(tables.comparison(rows))
        if any("verdicts" in row for row in rows):
            print()
            print(tables.targets(rows, args.interval, LATENCY_SLACK))
    write_report(args.json, report)


def job(args: argparse.Namespace) -> None:
    """The whole-job figure (``_whole_job.py``): print its table, write JSON."""
    report = report_header("bench_watcher") | asyncio.run(whole_job(args))
    print(job_table(report["results"]))
    write_report(args.json, report)


def arguments() -> argparse.Namespace:
    """The command line, with each suite's defaults filled in."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--resource", choices=("replicas", "videos", "job"), default="replicas"
    )
    parser.add_argument("--n", type=int, nargs="+", help="ids to watch")
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=("watcher", "watcher-by-id", "gather", "sequential"),
    )
    parser.add_argument("--interval", type=float, default=1.0, help="poll interval")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="the watcher's max_concurrency"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the timelines")
    parser.add_argument(
        "--duration",
        type=float,
        nargs=2,
        default=[SHORTEST, LONGEST],
        metavar=("SHORTEST", "LONGEST"),
        help="seconds each watched job takes (a seeded uniform draw)",
    )
    parser.add_argument(
        "--deadline", type=float, default=180.0, help="seconds a timing run may take"
    )
    parser.add_argument("--json", type=Path, help="the report's path")
    parser.add_argument("--phase", choices=("timing", "memory"), help=argparse.SUPPRESS)
    job_options = parser.add_argument_group("--resource job (_whole_job.py)")
    job_options.add_argument("--hours", type=float, default=4.0, help="training")
    job_options.add_argument("--spread", type=float, default=0.1, help="share")
    job_options.add_argument("--ramp", type=float, default=600.0, help="seconds")
    job_options.add_argument(
        "--longest", type=float, default=1800.0, help="max_poll_interval"
    )
    args = parser.parse_args()
    if args.n is None:
        args.n = [10_000] if args.resource == "job" else [1000, 10_000, 50_000]
    if args.json is None:
        args.json = RESULTS / JSON[args.resource]
    if args.resource != "job":
        allowed = VARIANTS[args.resource] + EXTRA.get(args.resource, ())
        args.variants = args.variants or list(VARIANTS[args.resource])
        if not set(args.variants) <= set(allowed):
            parser.error(f"--resource {args.resource} has the variants {allowed}")
    return args


def main() -> None:
    """Run the suite ``--resource`` names, or one phase of it (``--phase``)."""
    args = arguments()
    if args.resource == "job":
        job(args)
    elif args.phase is not None:
        (n,), (variant,) = args.n, args.variants
        phase = timing if args.phase == "timing" else memory
        print(json.dumps(asyncio.run(phase(variant, n, args))))
    else:
        run_suite(args)


if __name__ == "__main__":
    main()
