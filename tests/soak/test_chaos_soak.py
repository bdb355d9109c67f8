"""The chaos soak: a 1,200-replica train job under every fault at once.

``tavus-async train`` runs in this process (``run_train``) against a FakeTavus
that, all at the same time, answers 429 bursts with ``Retry-After``, 500, 502
and 503, drops connections before and after acting, cuts answers off in the
middle of the body, stalls past the client's time limit, and sends HTML with
a 200. Retry waits are real (testing mode is off). The job is cancelled at
random moments and started again, then run until every row is final.

What it proves:

- every replica ends in its true final status (the fake's own record), and the
  rows meant to fail are exactly those that failed;
- each manifest row was created exactly once on the fake;
- the results file lists every row, in manifest order, with its replica;
- after each run, cancelled or not: no task is left, the fake sees no open
  connection, nothing reports an unclosed session, and the journal passes
  SQLite's integrity check;
- the stated bounds below hold for creates sent, retries and status polls.

Bounds, each from how the job works rather than from a measured figure:

- creates sent <= rows + faulted creates + cancellations x concurrency: a row
  is sent again only after its create failed, or when a cancellation caught
  it journaled ``creating`` but not yet sent (then the lookup by name finds
  nothing);
- retries <= faulted requests: every retry answers a fault;
- status polls <= (seconds run / poll interval + runs) x pages of 100 +
  retries: each replica is polled at most once per interval, 100 to a request.

``TAVUS_SOAK_ROWS`` and ``TAVUS_SOAK_SEED`` change the size and the seed for a
longer local run; the figures are printed (``pytest -s``) and written to
``soak.json`` in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import time
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import attrs
import pytest

from tavus_async import TavusClient
from tavus_async.cli import build_parser
from tavus_async.cli._results import read_results
from tavus_async.cli._train import run_train
from tavus_async.testing import FakeTavus, Fault, capture_retries, set_testing
from tests._leaks import no_leaks
from tests.test_cancellation_train import check_journal


ROWS = int(os.environ.get("TAVUS_SOAK_ROWS", "1200"))
SEED = int(os.environ.get("TAVUS_SOAK_SEED", "20261121"))
CANCELS = 10
FINISHING_RUNS = 4
FAIL_EVERY = 25
TRAINING = 4.0
TRAINING_SPREAD = 12.0
CONCURRENCY = 16
POLL_INTERVAL = 1.0
TIMEOUT = 1.0
STALL = 2.0
RECONCILE_AFTER = STALL + 1.5

FAULTS: list[tuple[Fault, float]] = [
    (Fault.http(503), 0.03),
    (Fault.http(500), 0.01),
    (Fault.http(502, after=True), 0.01),
    (Fault.drop(), 0.01),
    (Fault.drop(after=True), 0.01),
    (Fault.truncate(), 0.02),
    (Fault.slow(STALL), 0.005),
    (Fault.garbage(status=200, after=True), 0.02),
]
"""Each fault and the share of requests (of any kind) it is given."""


def write_manifest(folder: Path) -> Path:
    """A CSV manifest of ``ROWS`` rows; every ``FAIL_EVERY``-th one fails training."""
    lines = ["replica_name,train_video_url"]
    for n in range(1, ROWS + 1):
        clip = "too-short" if n % FAIL_EVERY == 0 else "clip"
        lines.append(f"soak-{n:05d},https://example.com/{clip}-{n}.mp4")
    manifest = folder / "soak.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def train(fake: FakeTavus, manifest: Path) -> Coroutine[Any, Any, int]:
    """The ``run_train`` coroutine of one run of the job."""
    args = build_parser().parse_args(
        [
            "train",
            str(manifest),
            "--base-url",
            fake.url,
            "--api-key",
            fake.api_key,
            "--request-timeout",
            str(TIMEOUT),
            "--poll-interval",
            str(POLL_INTERVAL),
            "--concurrency",
            str(CONCURRENCY),
            "--reconcile-after",
            str(RECONCILE_AFTER),
            "--progress",
            "log",
        ]
    )
    return run_train(args)


async def bursts_of_429(fake: FakeTavus, rng: random.Random) -> None:
    """After 1.5 to 4 s of calm, the next 10 to 60 requests get 429 with Retry-After.

    A burst ends once the fake has answered it, or after 5 s, as a server's
    limit window does: a job with one row left sends a request or two a minute,
    and a burst counted in requests alone would then refuse it run after run.
    """
    while True:
        await asyncio.sleep(rng.uniform(1.5, 4.0))
        size = rng.randint(10, 60)
        fake.inject(Fault.http(429, retry_after=rng.choice([0, 1])), times=size)
        until = len(fake.requests) + size
        for _ in range(50):
            if len(fake.requests) >= until:
                break
            await asyncio.sleep(0.1)
        else:
            fake.clear_faults()  # the rest of the burst; then the steady faults again
            for fault, rate in FAULTS:
                fake.inject_rate(fault, rate)


@attrs.define
class Runs:
    """The job's runs so far: how each ended and how long it took."""

    ends: list[int | str] = attrs.field(factory=list)
    seconds: float = 0.0

    async def run(
        self, job: Coroutine[Any, Any, int], cancel_after: float | None
    ) -> None:
        """Run ``job``, cancelled after ``cancel_after`` seconds unless None."""
        started = time.perf_counter()
        task = asyncio.create_task(job)
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            task.cancel()
        try:
            self.ends.append(await task)
        except asyncio.CancelledError:
            self.ends.append("cancelled")
        self.seconds += time.perf_counter() - started


@pytest.mark.soak
@pytest.mark.timeout(400)
async def test_train_job_survives_every_fault_and_restart(tmp_path: Path) -> None:
    """1,200 rows, all faults, ten cancellations: each row once, each truth kept."""
    set_testing(False)
    rng = random.Random(SEED)
    manifest = write_manifest(tmp_path)
    journal = tmp_path / "soak.csv.journal"
    started = time.perf_counter()
    runs = Runs()
    async with FakeTavus(
        training_time=TRAINING, training_spread=TRAINING_SPREAD, seed=SEED
    ) as fake:
        fake.mark_failing("too-short")
        for fault, rate in FAULTS:
            fake.inject_rate(fault, rate)
        bursts = asyncio.create_task(bursts_of_429(fake, rng))
        with capture_retries() as retries:
            for n in range(CANCELS + FINISHING_RUNS):
                cancel_after = rng.uniform(0.2, 4.0) if n < CANCELS else None
                async with no_leaks(fake):
                    await runs.run(train(fake, manifest), cancel_after)
                check_journal(journal)
                results = read_results(tmp_path / "soak.results.csv")
                if cancel_after is None and all(r["outcome"] for r in results):
                    break
        bursts.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bursts
        fake.clear_faults()
        log = list(fake.requests)
        async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
            made = [r async for r in client.replicas.iter_all(replica_type="user")]
        truth = {r.replica_id: fake.replica(r.replica_id) for r in made}

    names = [f"soak-{n:05d}" for n in range(1, ROWS + 1)]
    assert Counter(names) == Counter(str(r.replica_name) for r in made)
    assert names == [row["replica_name"] for row in results]
    for row in results:
        replica = truth[str(row["replica_id"])]
        assert (row["replica_name"], row["status"]) == (
            replica["replica_name"],
            replica["status"],
        )
    failed = {str(row["replica_name"]) for row in results if row["status"] == "error"}
    assert {n for i, n in enumerate(names, 1) if i % FAIL_EVERY == 0} == failed
    assert {"completed"} == {
        row["status"] for row in results if row["replica_name"] not in failed
    }
    assert 1 == runs.ends[-1]  # the rows meant to fail failed

    creates = [r for r in log if r.method == "POST"]
    listings = [r for r in log if r.method == "GET" and r.path == "/v2/replicas"]
    polls = [r for r in listings if "replica_ids" in r.query]
    lookups = [r for r in listings if "replica_ids" not in r.query]
    faulted = [r for r in log if r.fault is not None]
    cycles = runs.seconds / POLL_INTERVAL + len(runs.ends)
    figures = {
        "rows": ROWS,
        "seed": SEED,
        "runs": runs.ends,
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_in_runs": round(runs.seconds, 1),
        "requests": len(log),
        "creates_sent": len(creates),
        "polls": len(polls),
        "poll_bound": int(cycles * math.ceil(ROWS / 100) + len(retries)),
        "lookups": len(lookups),
        "faulted": len(faulted),
        "faulted_creates": sum(1 for r in creates if r.fault is not None),
        "faults": dict(Counter(str(r.fault) for r in faulted)),
        "retries": len(retries),
        "requests_per_row": round(len(log) / ROWS, 2),
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
    assert len(polls) <= figures["poll_bound"]
