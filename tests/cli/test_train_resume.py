"""``tavus-async train`` stopped mid-job, then run again.

The SIGKILL test runs the job in a subprocess (``python -m tavus_async``)
against a FakeTavus in this process, so the fake outlives every kill and its
log counts creates. The others check what a resumed run says first.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from contextlib import aclosing
from pathlib import Path

import pytest

from tavus_async import ReplicaWatcher, TavusClient
from tavus_async.cli import build_parser
from tavus_async.cli._creators import ReplicaCreator
from tavus_async.cli._decisions import request_json
from tavus_async.cli._job import Job
from tavus_async.cli._journal import Journal, JournalEntry
from tavus_async.cli._manifest import read_manifest
from tavus_async.cli._results import read_results
from tavus_async.cli._row_schemas import REPLICA_ROWS
from tavus_async.cli._tally import Snapshot
from tavus_async.cli._train import run_train
from tavus_async.testing import FakeTavus, Fault


ROWS = 200
LANDING_BOUND = 30.0  # seconds: far above a Fault.slow(0.1), far below a hang
HELD = 60.0  # seconds a held create waits: the fake's close ends it long before


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


class Recorder:
    """A display that keeps every event and snapshot it is given."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.snapshots: list[Snapshot] = []

    def event(self, text: str, *, notable: bool = False) -> None:
        self.events.append(text)

    def refresh(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)

    def close(self) -> None:
        """Nothing to close."""


async def test_a_resume_says_what_it_found_and_what_it_waits_for(
    client: TavusClient, tmp_path: Path
) -> None:
    """A resumed job first counts the rows by status, then says when it looks
    its unconfirmed rows up by name; the live display shows that wait."""
    sent = 1_700_000_000.0
    lines = ["replica_name,train_video_url"]
    lines += [f"row-{n},https://example.com/clip-{n}.mp4" for n in range(1, 5)]
    manifest = tmp_path / "batch.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = read_manifest(manifest, REPLICA_ROWS).rows
    entries = [JournalEntry(r.line, r.name, request_json(r.request)) for r in rows]
    journal = await Journal.open(
        tmp_path / "batch.journal", entries, clock=lambda: sent
    )
    await journal.creating("row-1")  # the answer was lost
    await journal.creating("row-2")
    await journal.created("row-2", "r-gone-long-ago", "started")
    await journal.finished("row-2", "completed", "reached", None)
    await journal.creating("row-3")
    await journal.pending("row-3", "503 Service Unavailable")
    await journal.aclose()
    journal = await Journal.open(tmp_path / "batch.journal", entries)
    display = Recorder()
    watcher = ReplicaWatcher(client, poll_interval=0.1)
    job = Job(
        creator=ReplicaCreator(client),
        watcher=watcher,
        journal=journal,
        display=display,
        requests={r.name: r.request for r in rows},
        concurrency=1,
        reconcile_after=60.0,
        clock=lambda: sent + 15.0,
    )
    async with aclosing(watcher.watch([], keep_open=True)) as events:
        run = asyncio.create_task(job.run(events))
        await asyncio.sleep(0)  # the job loads its journal before its first wait
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
    await journal.aclose()

    waiting = (
        "1 unconfirmed (create sent, answer lost): looking it up by name in 45s "
        "(--reconcile-after)"
    )
    assert [
        "resuming batch.journal: 4 rows: 2 not_created, 1 unconfirmed, 1 completed",
        waiting,
    ] == display.events
    assert waiting == display.snapshots[-1].note


async def test_an_interrupted_job_resumed_says_so_at_once(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After Ctrl-C with creates in flight, the next run's first lines give the
    rows as the last summary left them, and the lookup it starts with."""
    fake.training_time, fake.training_spread = 0.2, 0.3
    fake.inject(Fault.slow(HELD), times=2, method="POST", path="/v2/replicas")
    lines = ["replica_name,train_video_url"]
    lines += [f"row-{n},https://example.com/clip-{n}.mp4" for n in range(1, 11)]
    manifest = tmp_path / "batch.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [
        *("train", str(manifest), "--base-url", fake.url, "--api-key", fake.api_key),
        *("--poll-interval", "0.1", "--progress", "log", "--concurrency", "2"),
        *("--reconcile-after", "0"),
    ]
    args = build_parser().parse_args(argv)
    job = asyncio.create_task(run_train(args))
    while fake.count("POST", "/v2/replicas") < 2:  # noqa: ASYNC110 - the fake's log has no event
        await asyncio.sleep(0)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    capsys.readouterr()

    code = await run_train(args)

    err = capsys.readouterr().err
    first = [line[9:] for line in err.splitlines()[:2]]  # after "HH:MM:SS "
    assert 0 == code
    assert [
        "[0/10 done] resuming batch.csv.journal: 10 rows: 8 not_created, 2 unconfirmed",
        "[0/10 done] 2 unconfirmed (create sent, answer lost): looking them up "
        "by name now",
    ] == first
