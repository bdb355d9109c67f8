"""The train job's journal: its state machine, manifest sync, lock, group commit,
cancellation, and what survives a ``kill -9``."""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import signal
import sqlite3
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from attrs import evolve

from tavus_async.cli import _journal
from tavus_async.cli._journal import (
    Journal,
    JournalEntry,
    JournalError,
    JournalRow,
    RowState,
)
from tavus_async.cli._journal_file import Opened, open_file, sync_rows
from tavus_async.cli._kinds import JobKind


P, CI, CD, FN, FL = (
    RowState.PENDING,
    RowState.CREATING,
    RowState.CREATED,
    RowState.FINISHED,
    RowState.FAILED,
)
REPO = Path(__file__).resolve().parents[2]
MANY = [JournalEntry(n + 2, f"r{n}", "{}") for n in range(2000)]  # as the child has
HOLD_BOUND = 30.0  # seconds a held worker thread waits at most: far above any test


def entry(name: str, line: int = 2, request: str | None = None) -> JournalEntry:
    return JournalEntry(line, name, request or f'{{"replica_name":"{name}"}}')


def entries(*names: str) -> list[JournalEntry]:
    return [entry(name, line) for line, name in enumerate(names, start=2)]


def journal_row(name: str, state: RowState, line: int = 2) -> JournalRow:
    return JournalRow(
        name, line, f'{{"replica_name":"{name}"}}', state,
        None, None, None, None, 0, None, None, None,
    )  # fmt: skip


def wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def assert_unlocked(path: Path) -> None:
    """Nothing holds the journal's lock, in this process or another, right now."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        free = True
    except BlockingIOError:
        free = False
    finally:
        os.close(fd)
    assert free, f"the lock of {path} is still held"


class HeldOpen:
    """``Journal.open``'s work in its thread, held once done until :attr:`release`.

    While the monkeypatch lasts, every open runs the real ``open_file`` and
    then sets :attr:`done` and waits for :attr:`release` (at most
    ``HOLD_BOUND``): a test can cancel the awaiting task while the thread has
    the lock, without depending on how fast the thread runs.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.done = threading.Event()
        self.release = threading.Event()

        def held(
            path: str | Path, manifest: Sequence[JournalEntry], kind: JobKind
        ) -> Opened:
            try:
                return open_file(path, manifest, kind)
            finally:
                self.done.set()
                self.release.wait(HOLD_BOUND)

        monkeypatch.setattr(_journal, "open_file", held)

    async def wait_done(self) -> None:
        """Return once the held open has taken the lock (or failed)."""
        assert await asyncio.to_thread(self.done.wait, HOLD_BOUND)


def conflict(line: int, name: str) -> str:
    return (
        f"line {line}, replica_name {name!r}: this row changed since the journal "
        "recorded its create; restore it, or use another --journal"
    )


def clock() -> Callable[[], float]:
    """A wall clock that reads 1000, 1001, 1002, ..."""
    return itertools.count(1000.0).__next__


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[Journal]:
    opened = await Journal.open(
        tmp_path / "j.db", entries("a", "b", "c"), clock=clock()
    )
    yield opened
    await opened.aclose()


async def reopen(
    journal: Journal, manifest: Sequence[JournalEntry] | None = None
) -> Journal:
    await journal.aclose()
    return await Journal.open(journal.path, manifest or entries("a", "b", "c"))


async def bring(journal: Journal, name: str, state: RowState) -> None:
    """Move a new row to ``state`` by allowed steps."""
    if state is P:
        return
    await journal.creating(name)
    if state is CD or state is FN:
        await journal.created(name, f"id-{name}", "training")
    if state is FN:
        await journal.finished(name, "completed", "reached", None)
    if state is FL:
        await journal.failed(name, "refused")


WRITES: dict[str, Callable[[Journal, str], Awaitable[JournalRow]]] = {
    "creating": lambda j, name: j.creating(name),
    "created": lambda j, name: j.created(name, "r-new", "started"),
    "pending": lambda j, name: j.pending(name, "lost"),
    "failed": lambda j, name: j.failed(name, "bad video"),
    "finished": lambda j, name: j.finished(name, "error", "failed", "blurry"),
}

TARGETS = {"creating": CI, "created": CD, "pending": P, "failed": FL, "finished": FN}


@pytest.mark.parametrize(
    ("before", "write", "after"),
    [
        (P, "creating", CI),
        (P, "created", CD),
        (P, "pending", None),
        (P, "failed", FL),
        (P, "finished", None),
        (CI, "creating", None),
        (CI, "created", CD),
        (CI, "pending", P),
        (CI, "failed", FL),
        (CI, "finished", None),
        (CD, "creating", None),
        (CD, "created", None),
        (CD, "pending", None),
        (CD, "failed", None),
        (CD, "finished", FN),
        (FN, "creating", None),
        (FN, "created", None),
        (FN, "pending", None),
        (FN, "failed", None),
        (FN, "finished", None),
        (FL, "creating", None),
        (FL, "created", None),
        (FL, "pending", None),
        (FL, "failed", None),
        (FL, "finished", None),
    ],
)
async def test_state_machine(
    journal: Journal, before: RowState, write: str, after: RowState | None
) -> None:
    await bring(journal, "a", before)
    if after is None:
        transactions = journal._transactions
        target = TARGETS[write]
        with pytest.raises(
            ValueError, match=f"'a': cannot go from {before} to {target}$"
        ):
            await WRITES[write](journal, "a")
        assert before == journal.row("a").state
        assert transactions == journal._transactions
        return
    returned = await WRITES[write](journal, "a")
    assert after == returned.state
    assert returned == journal.row("a")
    assert returned.final == (after in (FN, FL))
    reopened = await reopen(journal)
    assert returned == reopened.row("a")
    await reopened.aclose()


async def test_each_write_records_its_fields(journal: Journal) -> None:
    row = await journal.creating("a")
    assert (1, 1000.0, None) == (row.attempts, row.sent_at, row.created_at)
    row = await journal.pending("a", "connection reset")
    assert (P, 1, "connection reset") == (row.state, row.attempts, row.error_message)
    row = await journal.creating("a")
    assert (2, 1001.0, "connection reset") == (
        row.attempts,
        row.sent_at,
        row.error_message,
    )
    row = await journal.pending("a")
    assert "connection reset" == row.error_message
    await journal.creating("a")
    row = await journal.created("a", "r123", "started")
    assert ("r123", "started", 1003.0, None, 3) == (
        row.resource_id,
        row.status,
        row.created_at,
        row.error_message,
        row.attempts,
    )
    row = await journal.finished("a", "error", "failed", "video too dark")
    assert ("error", "failed", "video too dark", 1004.0) == (
        row.status,
        row.outcome,
        row.error_message,
        row.finished_at,
    )
    assert row.final
    await journal.creating("b")
    row = await journal.failed("b", "train_video_url: unreachable")
    assert (FL, "train_video_url: unreachable", 1006.0, None) == (
        row.state,
        row.error_message,
        row.finished_at,
        row.resource_id,
    )


async def test_unknown_names_and_writes_after_close(journal: Journal) -> None:
    with pytest.raises(KeyError):
        journal.row("zed")
    with pytest.raises(KeyError):
        await journal.creating("zed")
    await journal.aclose()
    await journal.aclose()
    with pytest.raises(JournalError, match="is closed"):
        await journal.creating("a")


async def test_reopen_keeps_every_state(tmp_path: Path) -> None:
    names = ("p", "ci", "cd", "fn", "fl")
    journal = await Journal.open(tmp_path / "j.db", entries(*names))
    for name, state in zip(names, (P, CI, CD, FN, FL), strict=True):
        await bring(journal, name, state)
    before = journal.rows()
    reopened = await reopen(journal, entries(*names))
    assert before == reopened.rows()
    assert [P, CI, CD, FN, FL] == [row.state for row in reopened.rows()]
    await reopened.aclose()


@pytest.mark.parametrize(
    ("state", "change", "expected"),
    [
        (P, "same", "kept"),
        (P, "moved", "moved"),
        (P, "changed", "changed"),
        (P, "removed", "dropped"),
        (CI, "same", "kept"),
        (CI, "moved", "moved"),
        (CI, "changed", "conflict"),
        (CI, "removed", "kept"),
        (CD, "same", "kept"),
        (CD, "moved", "moved"),
        (CD, "changed", "conflict"),
        (CD, "removed", "kept"),
        (FN, "same", "kept"),
        (FN, "moved", "moved"),
        (FN, "changed", "conflict"),
        (FN, "removed", "kept"),
        (FL, "same", "kept"),
        (FL, "moved", "moved"),
        (FL, "changed", "conflict"),
        (FL, "removed", "kept"),
    ],
)
def test_sync_decisions(state: RowState, change: str, expected: str) -> None:
    old = journal_row("x", state, line=2)
    manifest = {
        "same": [entry("x", 2)],
        "moved": [entry("x", 7)],
        "changed": [entry("x", 7, '{"other":1}')],
        "removed": [],
    }[change]
    wanted = {
        "kept": ({"x": old}, []),
        "moved": ({"x": evolve(old, line=7)}, []),
        "changed": ({"x": evolve(old, line=7, request='{"other":1}')}, []),
        "dropped": ({}, []),
        "conflict": ({"x": old}, [conflict(7, "x")]),
    }[expected]
    assert wanted == sync_rows({"x": old}, manifest, "replica_name")


def test_sync_adds_new_names_and_refuses_duplicates() -> None:
    rows, conflicts = sync_rows({}, [entry("n", 3)], "replica_name")
    assert ({"n": journal_row("n", P, line=3)}, []) == (rows, conflicts)
    with pytest.raises(ValueError, match="line 4: duplicate name 'n'"):
        sync_rows({}, [entry("n", 3), entry("n", 4)], "replica_name")


async def test_reopen_syncs_with_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = await Journal.open(path, entries("p", "cd", "gone_p", "gone_cd"))
    for name in ("cd", "gone_cd"):
        await bring(journal, name, CD)
    await journal.aclose()
    manifest = [
        entry("new", 2),
        entry("cd", 3),
        entry("p", 9, '{"replica_name":"p","fixed":true}'),
    ]
    journal = await Journal.open(path, manifest)
    assert [
        ("new", 2, P, None),
        ("cd", 3, CD, "id-cd"),
        ("p", 9, P, None),
        ("gone_cd", 5, CD, "id-gone_cd"),
    ] == [(r.name, r.line, r.state, r.resource_id) for r in journal.rows()]
    assert '{"replica_name":"p","fixed":true}' == journal.row("p").request
    with pytest.raises(KeyError):
        journal.row("gone_p")
    await journal.finished("gone_cd", "completed", "reached", None)
    reopened = await reopen(journal, manifest)
    assert journal.rows() == reopened.rows()
    await reopened.aclose()


async def test_every_conflict_is_listed_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    names = ("ok", "ci", "cd", "fn", "fl", "p")
    journal = await Journal.open(path, entries(*names))
    for name, state in zip(names, (CD, CI, CD, FN, FL, P), strict=True):
        await bring(journal, name, state)
    before = journal.rows()
    await journal.aclose()
    changed = [
        entry(name, line, '{"changed":1}' if name != "ok" else None)
        for line, name in enumerate(names, start=10)
    ]
    with pytest.raises(JournalError) as caught:
        await Journal.open(path, [*changed, entry("brand_new", 20)])
    assert (
        conflict(11, "ci"),
        conflict(12, "cd"),
        conflict(13, "fn"),
        conflict(14, "fl"),
    ) == caught.value.problems
    assert "\n".join(caught.value.problems) == str(caught.value)
    reopened = await Journal.open(path, entries(*names))
    assert before == reopened.rows()
    await reopened.aclose()


def other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    db.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda path: path.write_text("replica_name,train_video_url\nana,https://x\n"),
        lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200),
        other_sqlite,
    ],
    ids=["csv", "bad-header", "other-sqlite"],
)
async def test_not_a_journal(tmp_path: Path, make: Callable[[Path], object]) -> None:
    path = tmp_path / "manifest.csv"
    make(path)
    content = path.read_bytes()
    with pytest.raises(JournalError, match="is not a tavus-async journal"):
        await Journal.open(path, entries("a"))
    assert content == path.read_bytes()
    assert not wal(path).exists()
    assert_unlocked(path)


async def test_unknown_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    await (await Journal.open(path, entries("a"))).aclose()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(JournalError, match="has schema version 99; this tavus-async"):
        await Journal.open(path, entries("a"))


async def test_a_row_in_no_known_state_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    await (await Journal.open(path, entries("a"))).aclose()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA ignore_check_constraints=ON")
        db.execute("UPDATE rows SET state = 'exploded'")
    db.close()
    with pytest.raises(JournalError, match=r"is corrupt .*CHECK constraint failed"):
        await Journal.open(path, entries("a"))


async def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match=r"directory .*nope does not exist"):
        await Journal.open(tmp_path / "nope" / "j.db", entries("a"))
    assert not (tmp_path / "nope").exists()


async def test_one_job_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    first = await Journal.open(path, entries("a"))
    assert path.resolve() == first.path
    for same in (path, tmp_path / "." / "j.db"):
        with pytest.raises(JournalError, match="another tavus-async job is using"):
            await Journal.open(same, entries("a"))
    await first.creating("a")
    await first.aclose()
    second = await Journal.open(path, entries("a"))
    assert CI == second.row("a").state
    await second.aclose()


@pytest.mark.parametrize("opens", [True, False], ids=["opened", "failed"])
async def test_a_cancelled_open_drops_the_lock_before_it_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opens: bool
) -> None:
    """Cancelled (twice) while its thread opens the file, ``Journal.open`` waits
    for the thread, closes what it opened and then raises the cancellation, not
    the thread's error: the journal opens again at once."""
    path = tmp_path / "j.db"
    if not opens:
        path.mkdir()  # the open fails in the thread: "cannot be used"
    held = HeldOpen(monkeypatch)
    task = asyncio.create_task(Journal.open(path, entries("a")))
    await held.wait_done()  # the thread holds the lock (or has failed)
    task.cancel()
    await asyncio.sleep(0)  # the cancellation reaches Journal.open
    task.cancel()  # another one while it waits for the thread changes nothing
    held.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_unlocked(path)
    if opens:
        journal = await Journal.open(path, entries("a"))
        assert P == journal.row("a").state
        await journal.aclose()


async def test_a_cancelled_aclose_drops_the_lock_before_it_raises(
    journal: Journal,
) -> None:
    """Cancelled (twice) while its write and close wait for the worker thread,
    ``aclose`` lands the write, closes the file and drops the lock, then raises."""
    release = threading.Event()
    journal._executor.submit(release.wait, HOLD_BOUND)  # holds the worker thread
    write = asyncio.create_task(journal.creating("a"))
    closing = asyncio.create_task(journal.aclose())
    await asyncio.sleep(0)  # both queued behind the held thread
    closing.cancel()
    await asyncio.sleep(0)  # the cancellation reaches aclose
    closing.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert_unlocked(journal.path)
    assert CI == journal.row("a").state  # committed before the close
    assert journal.row("a") == await write
    reopened = await Journal.open(journal.path, entries("a", "b", "c"))
    assert journal.row("a") == reopened.row("a")
    await reopened.aclose()


def count_commits(journal: Journal) -> list[str]:
    commits: list[str] = []
    journal._connection.set_trace_callback(
        lambda sql: commits.append(sql) if sql == "COMMIT" else None
    )
    return commits


async def test_group_commit(tmp_path: Path) -> None:
    names = [f"r{n}" for n in range(200)]
    journal = await Journal.open(tmp_path / "j.db", entries(*names))
    commits = count_commits(journal)
    rows = await asyncio.gather(*(journal.creating(name) for name in names))
    assert {CI} == {row.state for row in rows}
    assert 1 <= len(commits) <= 3
    assert len(commits) == journal._transactions
    grouped = len(commits)
    for name in names[:5]:  # one at a time: one transaction each
        await journal.created(name, f"id-{name}", "started")
    assert grouped + 5 == len(commits) == journal._transactions
    reopened = await reopen(journal, entries(*names))
    assert [CD] * 5 + [CI] * 195 == [row.state for row in reopened.rows()]
    await reopened.aclose()


async def test_writes_to_one_row_queued_together_apply_in_order(
    journal: Journal,
) -> None:
    results = await asyncio.gather(
        journal.creating("a"),
        journal.created("a", "id-a", "started"),
        journal.finished("a", "completed", "reached", None),
    )
    assert [CI, CD, FN] == [row.state for row in results]
    assert 1 == journal._transactions
    reopened = await reopen(journal)
    assert results[-1] == reopened.row("a")
    await reopened.aclose()


async def test_a_failed_transaction_fails_its_writes_and_changes_nothing(
    journal: Journal,
) -> None:
    with sqlite3.connect(journal.path) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON rows WHEN NEW.name = 'b' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    db.close()
    outcomes = await asyncio.gather(
        journal.creating("a"), journal.creating("b"), return_exceptions=True
    )
    for outcome in outcomes:
        assert isinstance(outcome, JournalError)
        assert "write failed: refused by the test" in str(outcome)
        assert isinstance(outcome.__cause__, sqlite3.Error)
    assert [P, P, P] == [row.state for row in journal.rows()]
    with sqlite3.connect(journal.path) as db:
        assert [("pending",)] * 3 == db.execute("SELECT state FROM rows").fetchall()
        db.execute("DROP TRIGGER refuse")
    db.close()
    row = await journal.creating("b")
    assert (CI, 1) == (row.state, row.attempts)


async def test_a_cancelled_writer_still_gets_its_write(journal: Journal) -> None:
    task = asyncio.create_task(journal.creating("a"))
    await asyncio.sleep(0)  # queued, not yet written
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reopened = await reopen(journal)
    assert (CI, 1) == (journal.row("a").state, journal.row("a").attempts)
    assert journal.row("a") == reopened.row("a")
    await reopened.aclose()


async def test_a_write_cancelled_in_flight_completes(journal: Journal) -> None:
    release = threading.Event()
    journal._executor.submit(release.wait, 30)  # holds the worker thread
    try:
        task = asyncio.create_task(journal.created("a", "id-a", "started"))
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert P == journal.row("a").state  # not committed yet: not in the cache
    finally:
        release.set()
    reopened = await reopen(journal)
    assert (CD, "id-a") == (reopened.row("a").state, reopened.row("a").resource_id)
    assert journal.row("a") == reopened.row("a")
    await reopened.aclose()


async def child(script: str, path: Path) -> asyncio.subprocess.Process:
    code = (
        textwrap.dedent(
            """
        import asyncio, sys
        from tavus_async.cli._journal import Journal, JournalEntry

        ENTRIES = [JournalEntry(n + 2, f"r{n}", "{}") for n in range(2000)]

        async def main():
            journal = await Journal.open(sys.argv[1], ENTRIES)
        """
        )
        + textwrap.indent(textwrap.dedent(script), " " * 4)
        + "\nasyncio.run(main())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(path),
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert -signal.SIGKILL == await process.wait()


async def test_kill_9_keeps_exactly_what_was_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    process = await child(
        """
        await journal.creating("r0")
        await journal.created("r0", "id-0", "training")
        await journal.creating("r1")
        await journal.creating("r2")
        await journal.failed("r2", "refused")
        await journal.creating("r3")
        await journal.created("r3", "id-3", "started")
        await journal.finished("r3", "completed", "reached", None)
        print("ready", flush=True)
        await asyncio.Event().wait()
        """,
        path,
    )
    assert process.stdout is not None
    assert b"ready\n" == await process.stdout.readline()
    await kill(process)
    assert wal(path).exists()  # the commits are in the WAL: a real crash recovery
    assert_unlocked(path)
    journal = await Journal.open(path, MANY)
    assert [
        ("r0", CD, "id-0", 1),
        ("r1", CI, None, 1),
        ("r2", FL, None, 1),
        ("r3", FN, "id-3", 1),
        ("r4", P, None, 0),
    ] == [(r.name, r.state, r.resource_id, r.attempts) for r in journal.rows()[:5]]
    assert {P} == {row.state for row in journal.rows()[4:]}
    assert "refused" == journal.row("r2").error_message
    assert "reached" == journal.row("r3").outcome
    await journal.aclose()


async def test_kill_9_mid_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    process = await child(
        """
        for n in range(2000):
            await journal.creating(f"r{n}")
            print(n, flush=True)
        await asyncio.Event().wait()
        """,
        path,
    )
    assert process.stdout is not None
    acknowledged = -1
    while acknowledged < 100:
        acknowledged = int(await process.stdout.readline())
    await kill(process)
    rest = await process.stdout.read()
    acknowledged = max([acknowledged, *map(int, rest.split())])
    journal = await Journal.open(path, MANY)
    states = [row.state for row in journal.rows()]
    creating = states.count(CI)
    # every acknowledged write is there, at most the one in flight besides,
    # and the rows written are a prefix: no torn or reordered state
    assert acknowledged + 1 <= creating <= acknowledged + 2
    assert [CI] * creating + [P] * (2000 - creating) == states
    await journal.aclose()


async def test_a_directory_is_no_journal(tmp_path: Path) -> None:
    (tmp_path / "j.db").mkdir()
    with pytest.raises(JournalError, match=r"cannot be used .*use another --journal"):
        await Journal.open(tmp_path / "j.db", entries("a"))
    assert_unlocked(tmp_path / "j.db")
