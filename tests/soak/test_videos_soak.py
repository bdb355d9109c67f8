"""The videos soak: a ``tavus-async generate`` job under every fault at once.

The train soak's faults (``test_chaos_soak.FAULTS``: 5xx, dropped connections
before and after acting, answers cut off, stalls past the time limit, HTML
with a 200, and bursts of 429 with ``Retry-After``) hit a job of ``ROWS``
videos, run in this process (``run_generate``), cancelled at random moments
and started again until every row is final. The video watcher polls by
sweeps of List Videos here, so the faults hit pages of a sweep too.

What it proves:

- each manifest row made exactly one video on the fake (a create whose answer
  was lost is found by ``video_name``, never sent again once it is found);
- every row ends in its video's true final status (the fake's own record), and
  the rows meant to fail are exactly those that failed;
- the results file lists every row in manifest order, with its video's id and,
  for a ready one, its URLs;
- after each run, cancelled or not: no task is left, the fake sees no open
  connection, nothing reports an unclosed session, and the journal passes
  SQLite's integrity check;
- creates sent <= rows + faulted creates + cancellations x concurrency, and
  retries <= faulted requests (the bounds of the train soak, for the same
  reasons).

``TAVUS_SOAK_VIDEOS`` and ``TAVUS_SOAK_SEED`` change the size and the seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from tavus_async import TavusClient
from tavus_async.cli import build_parser
from tavus_async.cli._generate import run_generate
from tavus_async.cli._results import read_results
from tavus_async.testing import FakeTavus, capture_retries, set_testing
from tests._leaks import no_leaks
from tests.soak.test_chaos_soak import (
    CONCURRENCY,
    FAULTS,
    POLL_INTERVAL,
    RECONCILE_AFTER,
    TIMEOUT,
    Runs,
    bursts_of_429,
)
from tests.test_cancellation_train import check_journal


ROWS = int(os.environ.get("TAVUS_SOAK_VIDEOS", "400"))
SEED = int(os.environ.get("TAVUS_SOAK_SEED", "20261204"))
CANCELS = 6
FINISHING_RUNS = 4
FAIL_EVERY = 20
GENERATION = 3.0
GENERATION_SPREAD = 6.0
MARKER = "doomed"


def write_manifest(folder: Path, replica_id: str) -> Path:
    """A CSV manifest of ``ROWS`` videos; every ``FAIL_EVERY``-th one fails."""
    lines = ["video_name,replica_id,script"]
    for n in range(1, ROWS + 1):
        words = f"{MARKER} take {n}" if n % FAIL_EVERY == 0 else f"Hello number {n}"
        lines.append(f"video-{n:05d},{replica_id},{words}")
    manifest = folder / "videos.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def generate(fake: FakeTavus, manifest: Path) -> Coroutine[Any, Any, int]:
    """The ``run_generate`` coroutine of one run of the job."""
    args = build_parser().parse_args(
        [
            "generate",
            str(manifest),
            *("--base-url", fake.url, "--api-key", fake.api_key),
            *("--request-timeout", str(TIMEOUT)),
            *("--poll-interval", str(POLL_INTERVAL)),
            *("--concurrency", str(CONCURRENCY)),
            *("--reconcile-after", str(RECONCILE_AFTER)),
            *("--progress", "log"),
        ]
    )
    return run_generate(args)


@pytest.mark.soak
@pytest.mark.timeout(300)
async def test_generate_job_survives_every_fault_and_restart(tmp_path: Path) -> None:
    """400 videos, all faults, six cancellations: each row once, each truth kept."""
    set_testing(False)
    rng = random.Random(SEED)
    started = time.perf_counter()
    runs = Runs()
    async with FakeTavus(seed=SEED) as fake:
        fake.videos.generation_time = GENERATION
        fake.videos.generation_spread = GENERATION_SPREAD
        fake.videos.fail_matching(MARKER)
        replica_id = fake.add_replica(replica_type="user", status="completed")
        manifest = write_manifest(tmp_path, replica_id)
        journal = tmp_path / "videos.csv.journal"
        for fault, rate in FAULTS:
            fake.inject_rate(fault, rate)
        bursts = asyncio.create_task(bursts_of_429(fake, rng))
        with capture_retries() as retries:
            for n in range(CANCELS + FINISHING_RUNS):
                cancel_after = rng.uniform(0.2, 3.0) if n < CANCELS else None
                async with no_leaks(fake):
                    await runs.run(generate(fake, manifest), cancel_after)
                check_journal(journal)
                results = read_results(tmp_path / "videos.results.csv")
                if cancel_after is None and all(r["finished_at"] for r in results):
                    break
        bursts.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bursts
        fake.clear_faults()
        log = list(fake.requests)
        async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
            made = [v async for v in client.videos.iter_all()]

    names = [f"video-{n:05d}" for n in range(1, ROWS + 1)]
    assert Counter(names) == Counter(str(v.video_name) for v in made)
    assert names == [row["video_name"] for row in results]
    truth = {v.video_id: v for v in made}
    for row in results:
        video = truth[str(row["video_id"])]
        assert (row["video_name"], row["status"]) == (video.video_name, video.status)
        if video.status == "ready":
            assert (row["hosted_url"], row["download_url"]) == (
                video.hosted_url,
                video.download_url,
            )
    failed = {str(row["video_name"]) for row in results if row["status"] == "error"}
    assert {n for i, n in enumerate(names, 1) if i % FAIL_EVERY == 0} == failed
    assert {"ready"} == {
        row["status"] for row in results if row["video_name"] not in failed
    }
    assert 1 == runs.ends[-1]  # the rows meant to fail failed

    creates = [r for r in log if r.method == "POST" and r.path == "/v2/videos"]
    faulted = [r for r in log if r.fault is not None]
    reads = [r for r in log if r.method == "GET"]
    figures = {
        "rows": ROWS,
        "seed": SEED,
        "runs": runs.ends,
        "seconds": round(time.perf_counter() - started, 1),
        "requests": len(log),
        "creates_sent": len(creates),
        "list_pages": sum(1 for r in reads if r.path == "/v2/videos"),
        "lookups": sum(1 for r in reads if r.path != "/v2/videos"),
        "faulted": len(faulted),
        "faulted_creates": sum(1 for r in creates if r.fault is not None),
        "retries": len(retries),
    }
    (tmp_path / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    assert figures["faulted_creates"] > 0
    assert (
        ROWS
        <= len(creates)
        <= ROWS + figures["faulted_creates"] + CANCELS * CONCURRENCY
    )
    assert len(retries) <= len(faulted)
