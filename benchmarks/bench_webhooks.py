"""The callback receiver's cost per event, against a bare hand-written aiohttp handler.

Each variant runs in a process of its own (this script with ``--serve``) on
127.0.0.1; this process POSTs ``--events`` transcription callbacks (about 1 KB
each, distinct conversations) at ``--concurrency``, in ``--rounds`` rounds that
alternate the variants, so the ratio holds on a noisy machine:

- ``receiver``: ``CallbackServer`` + ``CallbackReceiver`` with a no-op async
  handler: token check, size and content-type checks, parsing into typed
  events, deduplication, and a background hand-over per event.
- ``bare``: an aiohttp handler that reads the body, ``json.loads`` it and
  answers 200: what a user writes by hand with no checks at all.

It prints a table and writes JSON (``--json``). Run::

    python benchmarks/bench_webhooks.py --json benchmarks/results/webhooks.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import aiohttp
from aiohttp import web

from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackServer,
    callback_url_for,
    new_callback_secret,
)


VARIANTS = ("receiver", "bare")


def payload(n: int) -> dict[str, Any]:
    """A transcription callback of conversation ``n``."""
    turns = [
        {"role": "user" if i % 2 else "assistant", "content": f"turn {i} " * 8,
         "timestamp": 1752216347.5 + i, "seconds_from_start": float(i), "duration": 1.5}
        for i in range(6)
    ]  # fmt: skip
    return {
        "properties": {"replica_id": "r79e1c033f", "transcript": turns},
        "conversation_id": f"c{n:010d}",
        "webhook_url": "https://example.com/webhook",
        "event_type": "application.transcription_ready",
        "message_type": "application",
        "timestamp": "2025-07-11T06:48:37.564961Z",
    }


async def serve(variant: str) -> None:
    """Serve one variant until stdin closes; print the URL, then the figures."""
    handled = 0

    async def on_event(_: CallbackEvent) -> None:
        nonlocal handled
        handled += 1

    async def bare(request: web.Request) -> web.Response:
        nonlocal handled
        json.loads(await request.read())
        handled += 1
        return web.json_response({"status": "accepted"})

    secret = new_callback_secret()
    receiver = CallbackReceiver(on_event, secret=secret)
    if variant == "receiver":
        server: Any = CallbackServer(receiver, path="/hook")
        await server.start()
        url = callback_url_for(server.url, secret=secret)
    else:
        app = web.Application()
        app.router.add_post("/hook", bare)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    print(json.dumps({"url": url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await receiver.aclose()
    if variant == "receiver":
        await server.close()
    else:
        await runner.cleanup()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "handled": handled,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        ),
        flush=True,
    )


async def load(url: str, events: int, concurrency: int) -> dict[str, float]:
    """POST ``events`` callbacks at ``concurrency``; return wall time and latencies."""
    bodies = [json.dumps(payload(n)).encode() for n in range(events)]
    latencies: list[float] = []
    queue = iter(bodies)
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            for body in queue:
                start = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "wall_seconds": wall,
        "events_per_second": events / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def run_round(variant: str, events: int, concurrency: int) -> dict[str, float]:
    """One variant in its own server process; the figures of one round."""
    child = subprocess.Popen(  # noqa: S603 - this very script
        [sys.executable, __file__, "--serve", variant],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    url = json.loads(child.stdout.readline())["url"]
    figures = asyncio.run(load(url, events, concurrency))
    child.stdin.close()
    server = json.loads(child.stdout.readline())
    child.wait(timeout=60)
    assert server["handled"] == events, server
    figures["server_cpu_us_per_event"] = 1e6 * server["cpu_seconds"] / events
    figures["server_peak_rss_mb"] = server["peak_rss_mb"]
    return figures


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    rounds: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            rounds[variant].append(run_round(variant, args.events, args.concurrency))
    best = {v: min(r, key=lambda f: f["wall_seconds"]) for v, r in rounds.items()}
    keys = list(best["receiver"])
    print(f"{args.events} callbacks at concurrency {args.concurrency}, best of "
          f"{args.rounds} interleaved rounds")  # fmt: skip
    print(f"{'':28}" + "".join(f"{v:>12}" for v in VARIANTS) + f"{'ratio':>10}")
    for key in keys:
        ours, bare = best["receiver"][key], best["bare"][key]
        print(f"{key:28}{ours:12.2f}{bare:12.2f}{ours / bare:10.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(
                {"args": vars(args), "rounds": rounds, "best": best}, file, indent=2
            )


if __name__ == "__main__":
    main()
