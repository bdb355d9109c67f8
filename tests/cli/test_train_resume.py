"""``tavus-async train`` killed with SIGKILL at random moments, then run again.

The job runs in a subprocess (``python -m tavus_async``) against a FakeTavus
in this process, so the fake outlives every kill and its log counts creates.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

from tavus_async import TavusClient
from tavus_async.cli._results import read_results
from tavus_async.testing import FakeTavus, Fault


ROWS = 200
LANDING_BOUND = 30.0  # seconds: far above a Fault.slow(0.1), far below a hang


async def creates_landed(fake: FakeTavus) -> None:
    """Wait until the fake has acted on every create a killed job had sent.

    A create held by ``Fault.slow`` lands after its delay, whether or not its
    client is still alive. The next run looks such a row up by name
    ``--reconcile-after`` seconds after it was sent, and creates it again if
    it is not there yet: how soon the fake gets round to it is this machine's
    speed, so the test waits for the fake's log rather than trust the grace.

    First a request of our own on a new connection, queued behind the killed
    job's: by the time the fake answers it, it has taken those in.
    """
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as fresh:
        await fresh.voices.list()
    async with asyncio.timeout(LANDING_BOUND):
        while any(  # noqa: ASYNC110 - the fake's log has no event
            r.method == "POST" and r.fault == "slow" and r.status is None
            for r in fake.requests
        ):
            await asyncio.sleep(0.01)


async def start_job(fake: FakeTavus, manifest: Path) -> asyncio.subprocess.Process:
    """Start the train command in a child process, output discarded."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tavus_async",
        "train",
        str(manifest),
        "--base-url",
        fake.url,
        "--api-key",
        fake.api_key,
        "--poll-interval",
        "0.2",
        "--concurrency",
        "8",
        "--reconcile-after",
        "1",
        "--progress",
        "log",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kill_9_at_random_points_then_resume_creates_each_row_once(
    fake: FakeTavus, client: TavusClient, tmp_path: Path, seed: int
) -> None:
    """Four SIGKILLs mid-job; the fifth run finishes with one create per row."""
    rng = random.Random(seed)
    fake.training_time, fake.training_spread = 3.0, 5.0
    fake.mark_failing("too-short")
    fake.inject_rate(Fault.slow(0.1), 0.5, method="POST", path="/v2/replicas")
    fake.inject_rate(Fault.drop(after=True), 0.05, method="POST", path="/v2/replicas")
    manifest = tmp_path / "batch.csv"
    lines = ["replica_name,train_video_url"]
    for n in range(1, ROWS + 1):
        clip = "too-short" if n % 40 == 0 else "clip"
        lines.append(f"row-{n:04d},https://example.com/{clip}-{n}.mp4")
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    kills = 0
    for _ in range(4):
        job = await start_job(fake, manifest)
        await asyncio.sleep(rng.uniform(0.4, 2.5))
        if job.returncode is None:
            job.kill()
            kills += 1
        await job.wait()
        await creates_landed(fake)
    job = await start_job(fake, manifest)
    _, err = await asyncio.wait_for(job.communicate(), timeout=90)

    assert 1 == job.returncode, err.decode()[-2000:]  # every 40th row fails
    assert 4 == kills
    names = Counter(
        [
            str(r.replica_name)
            async for r in client.replicas.iter_all(replica_type="user")
        ]
    )
    assert Counter({f"row-{n:04d}": 1 for n in range(1, ROWS + 1)}) == names
    assert ROWS == fake.count("POST", "/v2/replicas")
    results = read_results(tmp_path / "batch.results.csv")
    assert [f"row-{n:04d}" for n in range(1, ROWS + 1)] == [
        row["replica_name"] for row in results
    ]
    for row in results:
        truth = fake.replica(str(row["replica_id"]))
        assert (truth["replica_name"], truth["status"]) == (
            row["replica_name"],
            row["status"],
        )
