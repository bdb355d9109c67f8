"""FakeTavus in a process of its own, for ``bench_watcher.py``.

``--resource`` says what the account holds and what ``go`` starts:

- ``replicas`` (the default): N user replicas, all ``started``, with no
  timeline yet; ``go`` starts every replica's timeline (``training`` at
  progress 50 half-way, then ``completed``, or ``error`` with
  ``ERROR_MESSAGE`` for about 2% of them).
- ``videos``: 0.2 N videos already ``ready``; ``go`` generates the N watched
  ones from now, each ``generating`` (no queue) for its own time, then
  ``ready``, or ``error`` with ``VIDEO_ERROR`` for about 2% of them (named
  with ``FAIL_MARKER``, which ``fake.videos.fail_matching`` fails). Each
  end moment follows from those public controls: the fake's clock when the
  video is added plus its ``generation_time``.

Every time is drawn uniform in ``--shortest`` to ``--longest`` seconds
(2 to 8 by default) from ``--seed``.

Protocol, one JSON line per message on stdout:

1. Once serving, it prints ``{"url", "api_key", "ids"}``: the replicas to
   watch, or the videos already ready (ids a client may warm up on).
2. On the stdin line ``go`` it forgets the requests logged so far, starts the
   watched jobs and prints ``{"changes": {id: [[server clock time, status],
   ...]}}``, every status change of every watched id (a video's first status,
   ``generating``, is not a change). The clock is the event loop's,
   ``time.monotonic()``, which every process on the machine shares on Linux.
3. When stdin closes, or on SIGTERM, it prints its request counts (list
   requests, and for replicas how many ids they asked for; lookups by id)
   and the CPU seconds it used, and exits.

Run it by hand with ``python benchmarks/_fake_server.py --n 10 --resource
videos``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any

from tavus_async.testing import FakeTavus, TimelineStep


ERROR_MESSAGE = "The training video is shorter than the minimum duration"
"""The ``error_message`` of a replica whose training fails."""
VIDEO_ERROR = "The script could not be rendered"
"""The ``error_details`` of a video whose generation fails."""
FAIL_MARKER = "[bench: fails]"
"""In the name of each watched video that is to fail."""
OTHERS = 0.2
"""Videos already ready in the account, per watched video."""
SHORTEST = 2.0
"""Default shortest training or generation, in seconds."""
LONGEST = 8.0
"""Default longest training or generation, in seconds."""
ERROR_RATE = 0.02
"""Default share of watched jobs that end in ``error``."""

Changes = dict[str, list[tuple[float, str]]]
"""Each watched id's status changes, ``(server clock time, status)``."""


def draws(
    n: int, rng: random.Random, *, shortest: float, longest: float, error_rate: float
) -> list[tuple[float, bool]]:
    """N jobs' seconds (``shortest`` to ``longest``) and whether each fails."""
    return [
        (rng.uniform(shortest, longest), rng.random() < error_rate) for _ in range(n)
    ]


def timelines(plans: list[tuple[float, bool]]) -> list[list[TimelineStep]]:
    """A replica's two steps per plan: ``training`` half-way, then its end."""
    steps = []
    for seconds, fails in plans:
        last = (
            TimelineStep(after=seconds, status="error", error_message=ERROR_MESSAGE)
            if fails
            else TimelineStep(after=seconds, status="completed")
        )
        steps.append(
            [TimelineStep(after=seconds / 2, status="training", progress=50), last]
        )
    return steps


def emit(message: dict[str, Any]) -> None:
    """Write one JSON line to the parent."""
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def start_timelines(
    fake: FakeTavus, ids: list[str], plans: list[list[TimelineStep]]
) -> Changes:
    """Start every timeline now; return each replica's status changes by time.

    The request log is emptied first, so the final counts cover the watch only.
    """
    fake.reset_log()
    changes = {}
    for replica_id, steps in zip(ids, plans, strict=True):
        start = fake.clock()
        fake.set_timeline(replica_id, steps)
        changes[replica_id] = [(start + step.after, step.status) for step in steps]
    return changes


def replica_counts(fake: FakeTavus) -> dict[str, float]:
    """Requests served since ``go``, and the ids the list requests asked for."""
    lists = [r for r in fake.requests if r.method == "GET" and r.path == "/v2/replicas"]
    return {
        "list_requests": len(lists),
        "list_ids": sum(len(r.query["replica_ids"].split(",")) for r in lists),
        "get_requests": fake.count("GET", "/v2/replicas/*"),
    }


def seed_videos(fake: FakeTavus, n: int) -> list[str]:
    """Add the account's ready videos and the failure rule; their ids."""
    fake.videos.fail_matching(FAIL_MARKER, VIDEO_ERROR)
    return [fake.videos.add(status="ready") for _ in range(round(OTHERS * n))]


def generate_videos(fake: FakeTavus, plans: list[tuple[float, bool]]) -> Changes:
    """Generate one video per plan from now; return each one's end by time.

    The request log is emptied first, so the final counts cover the watch only.
    """
    fake.reset_log()
    fake.videos.queue_time = 0.0
    changes = {}
    for number, (seconds, fails) in enumerate(plans):
        fake.videos.generation_time = seconds
        name = f"bench video {number}" + (f" {FAIL_MARKER}" if fails else "")
        start = fake.clock()
        video_id = fake.videos.add(status=None, video_name=name)
        changes[video_id] = [(start + seconds, "error" if fails else "ready")]
    return changes


def video_counts(fake: FakeTavus) -> dict[str, float]:
    """Requests served since ``go``: list pages and lookups by id."""
    return {
        "list_requests": fake.count("GET", "/v2/videos"),
        "get_requests": fake.count("GET", "/v2/videos/*"),
    }


def cpu_seconds() -> float:
    """User and system CPU this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def account(
    fake: FakeTavus, args: argparse.Namespace
) -> tuple[list[str], Callable[[], Changes], Callable[[], dict[str, float]]]:
    """Seed the fake for ``args.resource``: the hello's ids, ``go`` and the counts."""
    plans = draws(
        args.n,
        random.Random(args.seed),
        shortest=args.shortest,
        longest=args.longest,
        error_rate=args.error_rate,
    )
    if args.resource == "videos":
        ready = seed_videos(fake, args.n)
        return ready, lambda: generate_videos(fake, plans), lambda: video_counts(fake)
    ids = [
        fake.add_replica(replica_type="user", status="started") for _ in range(args.n)
    ]
    steps = timelines(plans)
    return (
        ids,
        lambda: start_timelines(fake, ids, steps),
        lambda: replica_counts(fake),
    )


async def serve(args: argparse.Namespace) -> None:
    """Seed, serve, start the jobs on ``go``, report counts at the end."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with FakeTavus(host="127.0.0.1", port=0, seed=args.seed) as fake:
        ids, go, counts = account(fake, args)
        emit({"url": fake.url, "api_key": fake.api_key, "ids": ids})
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin
        )

        async def obey() -> None:
            while line := await stdin.readline():
                if line.strip() == b"go":
                    emit({"changes": go()})

        waits = {asyncio.create_task(obey()), asyncio.create_task(stop.wait())}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        loop.remove_signal_handler(signal.SIGTERM)  # a late one ends it at once
        for task in waits:
            task.cancel()
        emit(counts() | {"cpu_seconds": cpu_seconds()})


def main() -> None:
    """Parse the arguments and serve until stdin closes or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="ids to watch")
    parser.add_argument(
        "--resource", choices=("replicas", "videos"), default="replicas"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the timelines")
    parser.add_argument("--shortest", type=float, default=SHORTEST, help="seconds")
    parser.add_argument("--longest", type=float, default=LONGEST, help="seconds")
    parser.add_argument("--error-rate", type=float, default=ERROR_RATE)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
