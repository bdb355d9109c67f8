"""FakeTavus in a process of its own, for ``bench_watcher.py``.

Protocol, one JSON line per message on stdout:

1. Once serving, it prints ``{"url", "api_key", "ids"}``: N user replicas, all
   ``started``, with no timeline yet (they stay ``started`` until step 2).
2. On the stdin line ``go`` it forgets the requests logged so far, starts
   every replica's timeline (``training`` at progress 50 half-way, then
   ``completed``, or ``error`` for about 2% of them) and prints
   ``{"changes": {id: [[server clock time, status], ...]}}``. The clock is
   the event loop's, ``time.monotonic()``, which every process on the
   machine shares on Linux.
3. When stdin closes, or on SIGTERM, it prints its request counts (and how
   many ids the list requests asked for) and the CPU seconds it used, and
   exits.

Run it by hand with ``python benchmarks/_fake_server.py --n 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import signal
import sys
from typing import Any

from tavus_async.testing import FakeTavus, TimelineStep


ERROR_MESSAGE = "The training video is shorter than the minimum duration"
SHORTEST = 2.0
"""Default shortest training, in seconds."""
LONGEST = 8.0
"""Default longest training, in seconds."""
ERROR_RATE = 0.02
"""Default share of replicas whose training ends in ``error``."""


def timelines(
    n: int, rng: random.Random, *, shortest: float, longest: float, error_rate: float
) -> list[list[TimelineStep]]:
    """N two-step timelines lasting ``shortest`` to ``longest`` seconds."""
    plans = []
    for _ in range(n):
        seconds = rng.uniform(shortest, longest)
        fails = rng.random() < error_rate
        last = (
            TimelineStep(after=seconds, status="error", error_message=ERROR_MESSAGE)
            if fails
            else TimelineStep(after=seconds, status="completed")
        )
        plans.append(
            [TimelineStep(after=seconds / 2, status="training", progress=50), last]
        )
    return plans


def emit(message: dict[str, Any]) -> None:
    """Write one JSON line to the parent."""
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def start_timelines(
    fake: FakeTavus, ids: list[str], plans: list[list[TimelineStep]]
) -> dict[str, list[tuple[float, str]]]:
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


def final_counts(fake: FakeTavus) -> dict[str, float]:
    """Requests served since ``go``, ids asked for in lists, CPU seconds used."""
    lists = [r for r in fake.requests if r.method == "GET" and r.path == "/v2/replicas"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "list_requests": len(lists),
        "list_ids": sum(len(r.query["replica_ids"].split(",")) for r in lists),
        "get_requests": fake.count("GET", "/v2/replicas/*"),
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


async def serve(args: argparse.Namespace) -> None:
    """Seed, serve, start the timelines on ``go``, report counts at the end."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    rng = random.Random(args.seed)
    plans = timelines(
        args.n,
        rng,
        shortest=args.shortest,
        longest=args.longest,
        error_rate=args.error_rate,
    )
    async with FakeTavus(host="127.0.0.1", port=0, seed=args.seed) as fake:
        ids = [
            fake.add_replica(replica_type="user", status="started")
            for _ in range(args.n)
        ]
        emit({"url": fake.url, "api_key": fake.api_key, "ids": ids})
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin
        )

        async def obey() -> None:
            while line := await stdin.readline():
                if line.strip() == b"go":
                    emit({"changes": start_timelines(fake, ids, plans)})

        waits = {asyncio.create_task(obey()), asyncio.create_task(stop.wait())}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        emit(final_counts(fake))


def main() -> None:
    """Parse the arguments and serve until stdin closes or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="replicas to seed")
    parser.add_argument("--seed", type=int, default=1, help="seed of the timelines")
    parser.add_argument("--shortest", type=float, default=SHORTEST, help="seconds")
    parser.add_argument("--longest", type=float, default=LONGEST, help="seconds")
    parser.add_argument("--error-rate", type=float, default=ERROR_RATE)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
