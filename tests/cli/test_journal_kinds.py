"""The journal's kinds (``train``'s replicas, ``generate``'s videos), the links
it keeps for videos, and journals of schema version 1 migrated in place."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tavus_async.cli import main
from tavus_async.cli._journal import (
    Journal,
    JournalEntry,
    JournalError,
    JournalRow,
    Links,
    RowState,
)
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._results import read_results
from tavus_async.testing import FakeTavus, TimelineStep


VERSION_1 = """CREATE TABLE rows (
    name TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL, request TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'creating', 'created', 'finished', 'failed')),
    replica_id TEXT, status TEXT, outcome TEXT, error_message TEXT,
    attempts INTEGER NOT NULL, sent_at REAL, created_at REAL, finished_at REAL
)"""
"""The schema of version 1, as the tavus-async before ``generate`` made it."""


@contextlib.contextmanager
def database(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def request(name: str) -> str:
    return f'{{"replica_name":"{name}","train_video_url":"https://example.com/{name}.mp4"}}'


def version_1_journal(path: Path, rows: Sequence[tuple[object, ...]]) -> Path:
    """A journal as the version-1 tavus-async left it: WAL mode, ``rows``."""
    with database(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("BEGIN IMMEDIATE")
        db.execute(VERSION_1)
        db.execute("PRAGMA application_id=1413568065")  # 0x54415641, "TAVA"
        db.execute("PRAGMA user_version=1")
        db.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
    return path


V1_ROWS = [
    ("ana", 2, request("ana"), "finished", "r-ana", "completed", "reached", None,
     1, 100.0, 101.0, 200.0),
    ("bo", 3, request("bo"), "creating", None, None, None, "connection reset",
     2, 150.0, None, None),
    ("cy", 4, request("cy"), "pending", None, None, None, None, 0, None, None, None),
]  # fmt: skip


V1_COLUMNS = (
    *("name", "line", "request", "state", "replica_id", "status", "outcome"),
    *("error_message", "attempts", "sent_at", "created_at", "finished_at"),
)


def entries(*names: str) -> list[JournalEntry]:
    return [
        JournalEntry(line, name, request(name))
        for line, name in enumerate(names, start=2)
    ]


def schema_of(path: Path) -> tuple[int, list[str], list[tuple[str]]]:
    """The file's version, its rows' columns and the kinds it records."""
    with database(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        columns = [row[1] for row in db.execute("PRAGMA table_info(rows)")]
        try:
            kinds = db.execute("SELECT kind FROM job").fetchall()
        except sqlite3.OperationalError:
            kinds = []
    return version, columns, kinds


async def test_a_version_1_journal_is_migrated_in_place_with_every_row(
    tmp_path: Path,
) -> None:
    """train opens a version-1 journal: every row as it was, the id column
    renamed, the link columns added, the kind recorded; it reopens as is."""
    path = version_1_journal(tmp_path / "old.journal", V1_ROWS)

    journal = await Journal.open(path, entries("ana", "bo", "cy"))
    rows = journal.rows()
    await journal.aclose()

    assert [JournalRow(*row) for row in V1_ROWS] == rows
    assert ("r-ana", RowState.CREATING) == (rows[0].resource_id, rows[1].state)
    version, columns, kinds = schema_of(path)
    assert (2, [("replica",)]) == (version, kinds)
    assert [
        *("name", "line", "request", "state", "resource_id", "status", "outcome"),
        *("error_message", "attempts", "sent_at", "created_at", "finished_at"),
        *("hosted_url", "download_url", "stream_url"),
    ] == columns
    reopened = await Journal.open(path, entries("ana", "bo", "cy"))
    assert rows == reopened.rows()
    await reopened.aclose()


async def test_a_failed_migration_leaves_the_version_1_journal_as_it_was(
    tmp_path: Path,
) -> None:
    """The migration is one transaction: when a step fails, the file keeps
    version 1, its id column and every row."""
    path = version_1_journal(tmp_path / "old.journal", V1_ROWS)
    with database(path) as db:
        db.execute("CREATE TABLE job (kind TEXT)")  # the migration's step fails
    before = schema_of(path)

    with pytest.raises(JournalError, match=r"is corrupt .*table job already exists"):
        await Journal.open(path, entries("ana", "bo", "cy"))

    assert (1, [*V1_COLUMNS]) == before[:2] == schema_of(path)[:2]
    with database(path) as db:
        assert V1_ROWS == db.execute("SELECT * FROM rows ORDER BY line").fetchall()


async def test_a_version_1_journal_is_refused_by_generate_and_left_alone(
    tmp_path: Path,
) -> None:
    path = version_1_journal(tmp_path / "old.journal", V1_ROWS)
    before = path.read_bytes()

    with pytest.raises(JournalError, match=r"made by tavus-async train \(replicas\)"):
        await Journal.open(path, entries("ana"), kind=JobKind.VIDEO)

    assert before == path.read_bytes()
    assert 1 == schema_of(path)[0]


@pytest.mark.parametrize(
    ("made", "opened", "words"),
    [
        (JobKind.REPLICA, JobKind.VIDEO, "train (replicas); tavus-async generate"),
        (JobKind.VIDEO, JobKind.REPLICA, "generate (videos); tavus-async train"),
    ],
)
async def test_a_journal_is_refused_by_a_job_of_the_other_kind(
    tmp_path: Path, made: JobKind, opened: JobKind, words: str
) -> None:
    path = tmp_path / "j.journal"
    journal = await Journal.open(path, entries("ana"), kind=made)
    await journal.creating("ana")
    await journal.aclose()
    before = path.read_bytes()

    with pytest.raises(JournalError) as caught:
        await Journal.open(path, entries("ana"), kind=opened)

    assert (
        f"journal {path} was made by tavus-async {words} "
        f"({opened}s) cannot resume it; give this job another --journal"
    ) == str(caught.value)
    assert before == path.read_bytes()
    assert [(made.value,)] == schema_of(path)[2]


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        (["document"], "was made by a job of kind 'document'; tavus-async train"),
        ([], r"is corrupt \(it records 0 kinds of job\)"),
        (["replica", "video"], r"is corrupt \(it records 2 kinds of job\)"),
    ],
)
async def test_a_journal_of_an_unknown_kind_is_refused(
    tmp_path: Path, kinds: list[str], message: str
) -> None:
    path = tmp_path / "j.journal"
    await (await Journal.open(path, entries("ana"))).aclose()
    with database(path) as db:
        db.execute("DELETE FROM job")
        db.executemany("INSERT INTO job VALUES (?)", [(kind,) for kind in kinds])

    with pytest.raises(JournalError, match=message):
        await Journal.open(path, entries("ana"))


async def test_a_version_2_journal_without_its_kind_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    await (await Journal.open(path, entries("ana"))).aclose()
    with database(path) as db:
        db.execute("DROP TABLE job")

    with pytest.raises(JournalError, match=r"is corrupt \(no such table: job\)"):
        await Journal.open(path, entries("ana"))


async def test_a_video_rows_links_are_kept_as_they_come(tmp_path: Path) -> None:
    """The hosted URL from the create's answer, the file's once ready; a link
    not known at the end keeps what the row had; all of it survives a reopen."""
    path = tmp_path / "v.journal"
    journal = await Journal.open(path, entries("hello"), kind=JobKind.VIDEO)
    await journal.creating("hello")
    created = await journal.created(
        "hello", "v1", "queued", Links(hosted_url="https://h/v1")
    )
    finished = await journal.finished(
        "hello",
        "ready",
        "reached",
        None,
        Links(download_url="https://d/v1.mp4", stream_url="https://s/v1.m3u8"),
    )
    await journal.aclose()
    reopened = await Journal.open(path, entries("hello"), kind=JobKind.VIDEO)

    assert ("https://h/v1", None) == (created.hosted_url, created.download_url)
    assert (
        "https://h/v1",
        "https://d/v1.mp4",
        "https://s/v1.m3u8",
    ) == (finished.hosted_url, finished.download_url, finished.stream_url)
    assert finished == reopened.row("hello")
    await reopened.aclose()


async def test_train_resumes_a_version_1_journal(
    fake: FakeTavus, tmp_path: Path
) -> None:
    """A job stopped under the version-1 tavus-async finishes under this one:
    its created replica is watched, its unconfirmed create is found by name,
    and only its pending row is created."""
    fake.training_time = 0.2
    training = [TimelineStep(after=0.2, status="completed")]
    ana, bo = (
        fake.add_replica(
            replica_name=name, replica_type="user", status="started", timeline=training
        )
        for name in ("ana", "bo")
    )
    manifest = tmp_path / "replicas.csv"
    manifest.write_text(
        "replica_name,train_video_url\n"
        + "".join(f"{n},https://example.com/{n}.mp4\n" for n in ("ana", "bo", "cy"))
    )
    rows = [
        ("ana", 2, request("ana"), "created", ana, "started", None, None,
         1, None, None, None),
        ("bo", 3, request("bo"), "creating", None, None, None, None,
         1, None, None, None),
        ("cy", 4, request("cy"), "pending", None, None, None, None,
         0, None, None, None),
    ]  # fmt: skip
    version_1_journal(manifest.with_name("replicas.csv.journal"), rows)
    argv = [
        *("train", str(manifest), "--base-url", fake.url, "--api-key", fake.api_key),
        *("--poll-interval", "0.1", "--reconcile-after", "0", "--progress", "log"),
    ]

    code = await asyncio.to_thread(main, argv)

    results = read_results(tmp_path / "replicas.results.csv")
    assert 0 == code
    assert 1 == fake.count("POST", "/v2/replicas")
    assert [("ana", ana), ("bo", bo)] == [
        (row["replica_name"], row["replica_id"]) for row in results[:2]
    ]
    assert ["completed"] * 3 == [row["status"] for row in results]
    assert 2 == schema_of(manifest.with_name("replicas.csv.journal"))[0]
