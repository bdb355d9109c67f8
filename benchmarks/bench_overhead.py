"""Per-call overhead: ``TavusClient`` against a raw aiohttp session, same server.

The server (``_raw_server.py``) runs in a process of its own on 127.0.0.1 and
answers from canned bytes. In this process, two variants make the same calls:

- ``tavus_async``: ``client.replicas.get(id)`` and ``client.replicas.list(limit=100)``
  on a ``TavusClient`` with its defaults: retries armed, the converter, error
  mapping, time limits; JSON read by the standard library, as installed
  without extras;
- ``tavus_async[orjson]``: the same client reading JSON with orjson (the
  ``orjson`` extra), when it is installed;
- ``aiohttp``: ``session.get`` + ``raise_for_status`` + ``json.loads`` on a
  session with the same connector settings (``benchmarks/_calls.py``).

Each (call, concurrency) cell runs ``--rounds`` rounds; in a round both
variants run ``--calls`` calls back to back, the one going first alternating
from round to round. The figures are per-round medians, and the ratio is the
median of the rounds' ratios, so a burst of noise on the machine hits both
variants of a round alike.

Usage: ``python benchmarks/bench_overhead.py`` (about a minute). It prints a
table and writes JSON (``--json``). Two diagnostics replace the comparison:
``--layers`` times ``get`` built up layer by layer (``_layers.py``) and prints
what each layer adds; ``--profile FILE`` profiles the library's ``get`` at the
first ``--concurrency`` with pyinstrument and writes its text report to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp
from _calls import get_replica, list_replicas, raw_session
from _common import RESULTS, ServerProcess, report_header, text_table, write_report
from _layers import LAYERS, Call, layer_calls

from tavus_async import TavusClient, _serde


TARGET = 1.10
"""Most the library may take, as a multiple of the raw aiohttp time per call."""

BASELINE = "aiohttp"
ORJSON = _serde._fast_loads
"""orjson's ``loads`` when the extra is installed; each variant sets its decoder."""
DECODERS = {"tavus_async[orjson]": ORJSON}
"""Decoders other than the standard library's, by variant."""


def library_calls(client: TavusClient) -> dict[str, Call]:
    """The library's calls, by name, each checking its answer."""

    async def get(i: int) -> object:
        replica = await client.replicas.get(f"r{i:011x}")
        assert replica.replica_id == f"r{i:011x}"
        return replica

    async def list_100(i: int) -> object:
        page = await client.replicas.list(limit=100)
        assert len(page.data) == 100
        return page

    return {"get": get, "list 100": list_100}


def raw_calls(session: aiohttp.ClientSession, base: str) -> dict[str, Call]:
    """The hand-written calls, by name, each checking its answer."""

    async def get(i: int) -> object:
        replica = await get_replica(session, base, f"r{i:011x}")
        assert replica["replica_id"] == f"r{i:011x}"
        return replica

    async def list_100(i: int) -> object:
        page = await list_replicas(session, base, 100)
        assert len(page["data"]) == 100
        return page

    return {"get": get, "list 100": list_100}


async def run(call: Call, calls: int, concurrency: int) -> tuple[float, float]:
    """Make ``calls`` calls, ``concurrency`` at a time; return (wall, CPU) seconds."""
    cpu, start = time.process_time(), time.perf_counter()
    if concurrency == 1:
        for i in range(calls):
            await call(i)
    else:
        numbers = iter(range(calls))

        async def worker() -> None:
            for i in numbers:
                await call(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, time.process_time() - cpu


async def measure(
    variants: dict[str, dict[str, Call]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Every (call, concurrency) cell, its rounds interleaved between the variants."""
    rows = []
    names = list(variants)
    for call in next(iter(variants.values())):
        calls = args.calls if call == "get" else args.calls // 4
        for concurrency in args.concurrency:
            for name in names:  # connections and hooks ready first
                _serde._fast_loads = DECODERS.get(name)
                await run(variants[name][call], max(concurrency, 64), concurrency)
            wall: dict[str, list[float]] = {name: [] for name in names}
            cpu: dict[str, list[float]] = {name: [] for name in names}
            for round_ in range(args.rounds):
                order = names if round_ % 2 == 0 else names[::-1]
                for name in order:
                    _serde._fast_loads = DECODERS.get(name)
                    seconds, cpu_seconds = await run(
                        variants[name][call], calls, concurrency
                    )
                    wall[name].append(seconds / calls)
                    cpu[name].append(cpu_seconds / calls)
            row: dict[str, Any] = {
                "call": call,
                "concurrency": concurrency,
                "calls_per_round": calls,
                "rounds": args.rounds,
            }
            for name in names:
                row[name] = {
                    "wall_us": statistics.median(wall[name]) * 1e6,
                    "cpu_us": statistics.median(cpu[name]) * 1e6,
                    "wall_ratio": ratio(wall[name], wall[BASELINE]),
                    "cpu_ratio": ratio(cpu[name], cpu[BASELINE]),
                    "wall_ratios": [
                        a / b for a, b in zip(wall[name], wall[BASELINE], strict=True)
                    ],
                }
            rows.append(row)
    _serde._fast_loads = ORJSON
    return rows


def ratio(ours: list[float], base: list[float]) -> float:
    """The median of the rounds' ratios."""
    return statistics.median(a / b for a, b in zip(ours, base, strict=True))


async def benchmark(args: argparse.Namespace) -> tuple[list[dict[str, Any]], Any]:
    """Start the server, run every cell, return the rows and the server's counts."""
    with ServerProcess("_raw_server.py", "--items", "100") as server:
        hello = server.read()
        async with (
            TavusClient(api_key=hello["api_key"], base_url=hello["url"]) as client,
            raw_session(hello["api_key"]) as session,
        ):
            variants = {
                "tavus_async": library_calls(client),
                BASELINE: raw_calls(session, hello["url"]),
            }
            if ORJSON is not None:
                variants["tavus_async[orjson]"] = variants["tavus_async"]
            if args.profile is not None:
                await profile(variants["tavus_async"]["get"], args)
                rows = []
            elif args.layers:
                layers = layer_calls(
                    client,
                    hello["url"],
                    raw=variants[BASELINE]["get"],
                    whole=variants["tavus_async"]["get"],
                )
                rows = await measure(
                    {name: {"get": c} for name, c in layers.items()}, args
                )
            else:
                rows = await measure(variants, args)
        return rows, server.stop()


async def profile(call: Call, args: argparse.Namespace) -> None:
    """Profile ``--calls`` calls; write pyinstrument's text."""
    from pyinstrument import Profiler

    concurrency = args.concurrency[0]
    await run(call, 200, concurrency)
    profiler = Profiler(interval=0.0002, async_mode="disabled")
    with profiler:
        await run(call, args.calls, concurrency)
    args.profile.write_text(profiler.output_text(unicode=False, show_all=False))
    print(f"wrote {args.profile}")


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as text: time per call, and its ratio to aiohttp, per variant."""
    names = [name for name in rows[0] if isinstance(rows[0][name], dict)]
    header = ["call", "concurrency"]
    for name in names:
        header += [f"{name} us", f"{name} CPU us"]
        if name != BASELINE:
            header += ["ratio"]
    lines = []
    for row in rows:
        line = [row["call"], str(row["concurrency"])]
        for name in names:
            cell = row[name]
            line += [f"{cell['wall_us']:.0f}", f"{cell['cpu_us']:.0f}"]
            if name != BASELINE:
                line += [f"{cell['wall_ratio']:.3f} {verdict(row['call'], cell)}"]
        lines.append(line)
    return text_table(header, lines)


def verdict(call: str, cell: dict[str, Any]) -> str:
    """PASS or FAIL against the target, which covers ``get`` only."""
    if call != "get":
        return ""
    return "PASS" if cell["wall_ratio"] <= TARGET else "FAIL"


def increments(rows: list[dict[str, Any]]) -> str:
    """What each layer adds to the one before, per concurrency, in µs per call."""
    lines = []
    for row in rows:
        names = [name for name in LAYERS if name in row]
        for before, name in itertools.pairwise(names):
            added = row[name]["wall_us"] - row[before]["wall_us"]
            lines.append((str(row["concurrency"]), name, f"{added:+.1f}", LAYERS[name]))
    return text_table(("concurrency", "layer", "adds us", "what"), lines)


def main() -> None:
    """Parse the arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="get calls per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--json", type=Path, help="where to write the JSON")
    parser.add_argument("--profile", type=Path, help="profile the get loop instead")
    parser.add_argument("--layers", action="store_true", help="time get layer by layer")
    args = parser.parse_args()
    rows, server = asyncio.run(benchmark(args))
    if args.profile is not None:
        return
    print(table(rows))
    name = "bench_overhead_layers" if args.layers else "bench_overhead"
    if args.layers:
        print(increments(rows))
    write_report(
        args.json or RESULTS / f"{name}.json",
        report_header(name)
        | {"target_wall_ratio_max": TARGET, "server": server, "results": rows},
    )


if __name__ == "__main__":
    main()
