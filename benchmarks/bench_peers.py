"""Per-call time of tavus_async and of its peers, against raw aiohttp.

Four variants make the same calls against one ``_raw_server.py`` process on
127.0.0.1: ``tavus_async`` (``TavusClient``), ``aiohttp`` (the hand-written
baseline of ``_calls.py``), ``tavus-cli`` (the official CLI's Python client, on
httpx) and ``livekit`` (``livekit-plugins-tavus``'s ``TavusAPI``, on aiohttp).
The calls: get a replica, list 100 replicas, create a conversation; each one
awaited after the other (sequential) and by 64 workers at once (concurrent).

The peers are pinned and installed, with this project, into a throwaway venv
(``--venv``, created on first use and reused while the pins and the library's
source stay the same), where ``_peer_driver.py`` runs every variant in one
process, interleaved, over several rounds. The table shows, per call and mode,
the median over rounds of each variant's mean time per call and the median of
its per-round ratio to ``aiohttp``.

Usage: ``python benchmarks/bench_peers.py [--rounds 5] [--calls 1000]``.
It prints a table and writes JSON (``--json``). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from _common import (
    HERE,
    RESULTS,
    ServerProcess,
    report_header,
    text_table,
    write_report,
)


ROOT = HERE.parent
PEERS = ("tavus-cli==0.11.0", "livekit-plugins-tavus==1.8.9")
PIP_OPTIONS = ("--quiet", "--disable-pip-version-check")
STAMP = "bench-peers-stamp.json"
"""What the venv was built from, kept in the venv."""
BASELINE = "aiohttp"
CANNOT = {
    "livekit": "TavusAPI can only create conversations, pals and personas",
}
"""Why a variant lacks a call."""
ABOUT = {
    "tavus_async": {
        "client": "TavusClient(api_key=, base_url=), async with; async",
        "base_url": "constructor argument base_url (or $TAVUS_BASE_URL)",
        "returns": "attrs objects: Replica, Page[Replica], Conversation",
        "retries": "armed (RetryPolicy default: 2 retries, backoff from 0.5 s)",
    },
    BASELINE: {
        "client": "_calls.raw_session: aiohttp.ClientSession, limit 100; async",
        "base_url": "part of each URL",
        "returns": "dicts (json.loads)",
        "retries": "none",
    },
    "tavus-cli": {
        "client": "tavus_mcp.sdk.client.TavusClient(TavusConfig, TavusSession) "
        "on httpx.AsyncClient (httpx defaults: 100 connections, 20 kept alive); "
        "async",
        "base_url": "constructor: TavusConfig(public_api_base_url=...) "
        "(or $TAVUS_PUBLIC_API_BASE_URL)",
        "returns": "dicts (httpx response.json())",
        "retries": "none (its retry flag is stored but unused; httpx does not retry)",
        "note": "no replicas resource (its faces resource is /v2/faces): get and "
        "list go through its generic Resource(client, 'replicas'), the code of "
        "client.faces.get/list",
    },
    "livekit": {
        "client": "TavusAPI(api_key=, api_url=, session=) with livekit's "
        "http_context session (limit_per_host 50), as AvatarSession builds it; "
        "async",
        "base_url": "constructor argument api_url",
        "returns": "the conversation_id string only",
        "retries": "armed (APIConnectOptions default: 3 retries, 2 s apart)",
        "note": "create_conversation(face_id=...) sends pal_id (its stock PAL), "
        "face_id, properties and a generated conversation_name",
    },
}
"""How each variant is reached and what it does, for the JSON and the notes."""


def fingerprint() -> dict[str, Any]:
    """What the venv must be built from: Python, the pins, the library's source."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", *(ROOT / "tavus_async").rglob("*.py")]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes())
    return {"python": sys.version, "pins": list(PEERS), "source": digest.hexdigest()}


def peer_python(folder: Path) -> Path:
    """The throwaway venv's Python, with the pinned peers and this project.

    A venv whose stamp matches is reused as it is; one this script built for
    another Python is rebuilt; otherwise the peers and the project are
    (re)installed with pip, which reinstalls the project from its source.
    """
    python = folder / "bin" / "python"
    stamp = folder / STAMP
    want = fingerprint()
    have = json.loads(stamp.read_text()) if stamp.exists() else None
    if have == want:
        return python
    rebuild = have is not None and have["python"] != want["python"]
    if rebuild or not python.exists():
        print(f"creating the venv {folder}", file=sys.stderr)
        venv.create(folder, clear=rebuild, with_pip=True)
    print("installing the peers and tavus_async into it", file=sys.stderr)
    subprocess.run(  # noqa: S603 - the venv's own pip
        [str(python), "-m", "pip", "install", *PIP_OPTIONS, *PEERS, str(ROOT)],
        check=True,
    )
    stamp.write_text(json.dumps(want))
    return python


def drive(python: Path, hello: dict[str, Any], args: argparse.Namespace) -> Any:
    """Run ``_peer_driver.py`` in the venv against the server; its JSON answer."""
    command = [
        str(python),
        str(HERE / "_peer_driver.py"),
        *("--url", hello["url"], "--key", hello["api_key"]),
        *("--rounds", str(args.rounds), "--calls", str(args.calls)),
        *("--concurrency", str(args.concurrency)),
    ]
    out = subprocess.run(  # noqa: S603 - our own driver
        command, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def summarize(driven: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (call, mode, variant): median µs and median ratio, or why not.

    The calls, modes and variants come in the driver's order.
    """
    means = driven["means_us"]
    rows = []
    for call, by_mode in means[BASELINE].items():
        for mode, base in by_mode.items():
            for variant, by_call in means.items():
                row = {"call": call, "mode": mode, "variant": variant}
                if call not in driven["can"][variant]:
                    reason = CANNOT.get(variant, "no such call")
                    rows.append(
                        row | {"median_us": None, "ratio": None, "cannot": reason}
                    )
                    continue
                rounds = by_call[call][mode]
                ratios = [ours / raw for ours, raw in zip(rounds, base, strict=True)]
                row |= {
                    "median_us": statistics.median(rounds),
                    "ratio": statistics.median(ratios),
                    "cannot": None,
                    "per_round_us": rounds,
                    "per_round_ratio": ratios,
                }
                rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], concurrency: int) -> str:
    """The rows as a text table: a line per call and mode, columns per variant."""
    modes = {"sequential": "sequential", "concurrent": f"concurrency {concurrency}"}
    lines: dict[tuple[str, str], list[str]] = {}
    others: list[str] = []
    for row in rows:
        line = lines.setdefault(
            (row["call"], row["mode"]), [row["call"], modes[row["mode"]], ""]
        )
        if row["variant"] == BASELINE:
            line[2] = f"{row['median_us']:,.0f}"
        elif row["median_us"] is None:
            line += ["cannot", ""]
        else:
            line += [f"{row['median_us']:,.0f}", f"{row['ratio']:.2f}"]
        if row["variant"] not in (BASELINE, *others):
            others.append(row["variant"])
    header = ["call", "mode", f"{BASELINE} µs"]
    for variant in others:
        header += [f"{variant} µs", "ratio"]
    return text_table(header, list(lines.values()))


def main() -> None:
    """Build or reuse the venv, serve, drive, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=HERE / ".peers-venv")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000, help="per cell and round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_peers.json")
    args = parser.parse_args()
    python = peer_python(args.venv.resolve())
    with ServerProcess("_raw_server.py") as server:
        driven = drive(python, server.read(), args)
        counts = server.stop()
    if counts["requests"] != driven["requests_sent"]:
        raise RuntimeError(
            f"the server counted {counts['requests']} requests, "
            f"the driver sent {driven['requests_sent']}"
        )
    rows = summarize(driven)
    report = report_header("bench_peers") | {
        "settings": {
            "rounds": args.rounds,
            "calls_per_cell_and_round": args.calls,
            "concurrency": args.concurrency,
            "pins": list(PEERS),
        },
        "peer_venv": {"python": driven["python"], "versions": driven["versions"]},
        "variants": ABOUT,
        "server": {
            "requests": counts["requests"],
            "cpu_seconds": counts["cpu_seconds"],
        },
        "results": rows,
    }
    print(table(rows, args.concurrency))
    print("median over rounds of the mean time per call; ratio: median of the")
    print(f"per-round ratio to {BASELINE}. Versions: {driven['versions']}")
    for variant, reason in CANNOT.items():
        lacks = sorted(
            {r["call"] for r in rows if r["variant"] == variant and r["cannot"]}
        )
        print(f"{variant} cannot {', '.join(lacks)}: {reason}.")
    print(f"tavus-cli: {ABOUT['tavus-cli']['note']}.")
    print(
        f"server: {counts['requests']:,} requests, "
        f"{counts['cpu_seconds']:.1f} CPU seconds"
    )
    write_report(args.json, report)


if __name__ == "__main__":
    main()
