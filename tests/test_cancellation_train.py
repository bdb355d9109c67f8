"""The train job cancelled in-process at seeded random moments, then run to its end.

The SIGKILL version (``tests/cli/test_train_resume.py``) kills a subprocess;
this one cancels :func:`run_train` in the test's own loop, so it also checks
what a cancelled job leaves behind: after each cancellation the journal is a
sound SQLite file that reopens at once (its lock is dropped before the
cancellation leaves ``run_train``), every row is in a state it may be in, no
replica was created twice, the results file lists every row as the journal
has it, and no task, connection or aiohttp session is left (:mod:`tests._leaks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from tavus_async import TavusClient
from tavus_async.cli import build_parser
from tavus_async.cli._decisions import request_json
from tavus_async.cli._journal import Journal, JournalEntry, RowState
from tavus_async.cli._manifest import read_manifest
from tavus_async.cli._results import read_results
from tavus_async.cli._row_schemas import REPLICA_ROWS
from tavus_async.cli._train import run_train
from tavus_async.testing import FakeTavus, Fault
from tests._leaks import no_leaks
from tests.cli.test_journal import HOLD_BOUND, HeldOpen, assert_unlocked


ROWS = 30
CANCELS = 5
SETTLE_YIELDS = 100  # bare loop iterations: far more than a cancelled job needs to end


def write_manifest(path: Path) -> Path:
    """A manifest of ROWS video rows; every tenth one fails its training."""
    lines = ["replica_name,train_video_url"]
    for n in range(1, ROWS + 1):
        clip = "too-short" if n % 10 == 0 else "clip"
        lines.append(f"row-{n:03d},https://example.com/{clip}-{n}.mp4")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def entries_of(manifest: Path) -> list[JournalEntry]:
    """The journal entries run_train makes of ``manifest``."""
    return [
        JournalEntry(line=row.line, name=row.name, request=request_json(row.request))
        for row in read_manifest(manifest, REPLICA_ROWS).rows
    ]


async def user_replicas(fake: FakeTavus) -> Counter[str]:
    """How many replicas of each name the fake holds, through a client of its own."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        replicas = client.replicas.iter_all(replica_type="user")
        return Counter([str(r.replica_name) async for r in replicas])


def check_journal(path: Path) -> None:
    """The journal file is a sound SQLite database."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert [("ok",)] == db.execute("PRAGMA integrity_check").fetchall()


async def check_job_state(
    fake: FakeTavus, manifest: Path, *, ran: bool
) -> Counter[RowState]:
    """The journal, the fake and the results file agree after a (cancelled) run.

    Returns:
        How many rows are in each state.
    """
    journal_path = manifest.with_name(manifest.name + ".journal")
    check_journal(journal_path)
    journal = await Journal.open(journal_path, entries_of(manifest))  # not refused
    try:
        rows = {row.name: row for row in journal.rows()}
    finally:
        await journal.aclose()
    named = await user_replicas(fake)
    assert {1} >= set(named.values()), named  # never a replica created twice
    assert ROWS == len(rows)
    for row in rows.values():
        if row.state in (RowState.CREATED, RowState.FINISHED):
            assert row.resource_id is not None
            assert row.name == fake.replica(row.resource_id)["replica_name"]
        else:
            assert row.resource_id is None
        if row.state is RowState.CREATING:
            assert row.sent_at is not None
            assert row.attempts >= 1
        if row.state is RowState.PENDING and not row.attempts:
            assert row.name not in named  # never sent, so never created
        if row.state is RowState.FINISHED:
            assert row.outcome is not None
    if ran:  # the job had opened its journal: it wrote the results on its way out
        results = read_results(manifest.with_name(f"{manifest.stem}.results.csv"))
        assert sorted(rows) == [str(r["replica_name"]) for r in results]
        assert {name: row.resource_id for name, row in rows.items()} == {
            str(r["replica_name"]): r["replica_id"] for r in results
        }
    return Counter(row.state for row in rows.values())


@pytest.mark.parametrize("seed", [1, 2])
async def test_train_cancelled_at_random_moments_then_finished(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: int,
) -> None:
    """Five cancellations mid-job; the sixth run finishes with one create per row."""
    rng = random.Random(seed)
    fake.training_time, fake.training_spread = 0.3, 0.7
    fake.mark_failing("too-short")
    fake.inject_rate(Fault.slow(0.05), 0.5, method="POST", path="/v2/replicas")
    fake.inject_rate(
        Fault.truncate(pause=0.05), 0.1, method="POST", path="/v2/replicas"
    )
    manifest = write_manifest(tmp_path / "batch.csv")
    args = build_parser().parse_args(
        [
            *("train", str(manifest), "--base-url", fake.url),
            *("--api-key", fake.api_key, "--poll-interval", "0.2"),
            *("--concurrency", "2", "--reconcile-after", "0.2", "--progress", "log"),
        ]
    )
    cancelled, left_creating = 0, 0
    for _ in range(CANCELS):
        async with no_leaks(fake):
            job = asyncio.create_task(run_train(args))
            await asyncio.sleep(rng.uniform(0, 0.3))
            job.cancel()
            outcome = (await asyncio.gather(job, return_exceptions=True))[0]
        assert outcome in (0, 1) or isinstance(outcome, asyncio.CancelledError)
        cancelled += isinstance(outcome, asyncio.CancelledError)
        err = capsys.readouterr().err
        states = await check_job_state(fake, manifest, ran="results:" in err)
        left_creating += states[RowState.CREATING]  # answers lost: looked up next run
        assert ("interrupted:" in err) <= ("results:" in err)
    async with no_leaks(fake):
        code = await run_train(args)
    await check_job_state(fake, manifest, ran=True)

    assert 1 == code  # every tenth row fails its training on purpose
    assert 1 <= cancelled
    assert 1 <= left_creating
    expected = Counter({f"row-{n:03d}": 1 for n in range(1, ROWS + 1)})
    assert expected == await user_replicas(fake)
    assert ROWS == fake.count("POST", "/v2/replicas")


async def test_results_written_after_a_cancel_include_writes_in_flight(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cancelled as a create's answer arrives, the results still show its replica."""
    manifest = write_manifest(tmp_path / "batch.csv")
    args = build_parser().parse_args(
        [
            *("train", str(manifest), "--base-url", fake.url),
            *("--api-key", fake.api_key, "--concurrency", "1", "--progress", "log"),
        ]
    )
    async with no_leaks(fake):
        job = asyncio.create_task(run_train(args))
        # the job journals `created` right after this answer; the log has no event
        while not any(r.method == "POST" and r.status for r in fake.requests):  # noqa: ASYNC110
            await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    err = capsys.readouterr().err
    assert "interrupted:" in err
    states = await check_job_state(fake, manifest, ran=True)
    assert 1 == states[RowState.CREATED]


class HeldClose:
    """The first ``Journal.aclose`` finds the journal's worker thread held.

    While the monkeypatch lasts, the first close queues a wait for
    :attr:`release` (at most ``HOLD_BOUND``) on the journal's worker thread,
    sets :attr:`started` and closes: its last writes and the file's close
    wait behind it.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = asyncio.Event()
        self.release = threading.Event()
        aclose = Journal.aclose

        async def held(journal: Journal) -> None:
            if not self.started.is_set():
                journal._executor.submit(self.release.wait, HOLD_BOUND)
                self.started.set()
            await aclose(journal)

        monkeypatch.setattr(Journal, "aclose", held)


async def settle(task: asyncio.Task[int]) -> None:
    """Let ``task`` run until it ends, for at most SETTLE_YIELDS loop iterations.

    A job that leaves its journal's thread work behind ends within them; one
    that waits for it stays pending as long as the test holds the thread.
    """
    for _ in range(SETTLE_YIELDS):
        if task.done():
            return
        await asyncio.sleep(0)


@pytest.mark.parametrize("moment", ["opening", "closing"])
async def test_a_job_cancelled_while_its_journal_thread_works_restarts_at_once(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    moment: str,
) -> None:
    """Cancelled while the journal's thread opens it, or cancelled again while
    the thread closes it, ``run_train`` raises only once the journal's lock is
    dropped: the same job started right away is not refused and finishes."""
    fake.training_time, fake.training_spread = 0.3, 0.7
    fake.mark_failing("too-short")
    manifest = write_manifest(tmp_path / "batch.csv")
    args = build_parser().parse_args(
        [
            *("train", str(manifest), "--base-url", fake.url),
            *("--api-key", fake.api_key, "--poll-interval", "0.2"),
            *("--concurrency", "2", "--reconcile-after", "0.2", "--progress", "log"),
        ]
    )
    async with no_leaks(fake):
        if moment == "opening":
            held_open = HeldOpen(monkeypatch)
            job = asyncio.create_task(run_train(args))
            await held_open.wait_done()  # the thread holds the journal's lock
            job.cancel()
            release = held_open.release
        else:
            held_close = HeldClose(monkeypatch)
            job = asyncio.create_task(run_train(args))
            while not any(r.method == "POST" and r.status for r in fake.requests):
                assert not job.done()
                await asyncio.sleep(0)
            job.cancel()
            await held_close.started.wait()  # run_train's finally closes the journal
            job.cancel()  # a second Ctrl-C
            release = held_close.release
        await settle(job)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert_unlocked(manifest.with_name(manifest.name + ".journal"))
        code = await run_train(args)  # at once, in the same process
    err = capsys.readouterr().err
    assert ("interrupted:" in err) == (moment == "closing")  # cancelled in its job
    assert 1 == code  # every tenth row fails its training on purpose
    await check_job_state(fake, manifest, ran=True)
    expected = Counter({f"row-{n:03d}": 1 for n in range(1, ROWS + 1)})
    assert expected == await user_replicas(fake)
