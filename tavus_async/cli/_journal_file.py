"""The journal's SQLite file: its rows, schema, opening, locking and syncing.

:mod:`._journal` puts an asyncio write queue on top of it. The file records
the kind of job that made it (:class:`~._kinds.JobKind`), so ``generate``
never resumes a ``train`` journal, nor the other way round. Journals of
schema version 1 (``train`` only, before videos) are migrated in place, in
one transaction, when ``train`` opens them.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from attrs import astuple, evolve, field, fields_dict, frozen

from tavus_async.cli._kinds import JobKind


__all__ = [
    "UPSERT",
    "JournalEntry",
    "JournalError",
    "JournalRow",
    "Links",
    "Opened",
    "RowState",
    "open_file",
    "sync_rows",
    "transaction",
]


class RowState(enum.StrEnum):
    """Where one manifest row stands."""

    PENDING = "pending"
    """No create was sent, or the one sent surely did not reach Tavus."""
    CREATING = "creating"
    """A create was sent and its answer is not recorded: Tavus may have acted."""
    CREATED = "created"
    """The resource's id is known; it is being watched."""
    FINISHED = "finished"
    """Final: the watch settled it (status, outcome, maybe an error message)."""
    FAILED = "failed"
    """Final: Tavus refused the create (error message)."""


@frozen(kw_only=True)
class Links:
    """Where a made video can be seen, as Tavus gave it (None: not known).

    Replicas have none; a video has its ``hosted_url`` from its create's
    answer, and its file's URLs once it is ready.
    """

    hosted_url: str | None = None
    download_url: str | None = None
    stream_url: str | None = None


@frozen
class JournalRow:
    """One manifest row as journaled.

    Attributes:
        name: The row's unique name (``replica_name``, ``video_name``).
        line: Its line in the manifest.
        request: The create body as canonical JSON text (opaque to the journal).
        state: Where it stands.
        resource_id: Tavus's id of the replica or video, once the create's
            answer is recorded.
        status: Its status, as last recorded.
        outcome: How the watch ended (``FINISHED`` rows).
        error_message: The last error: Tavus's, or why a create failed.
        attempts: How many creates were sent.
        sent_at: Wall clock (epoch seconds) of the last create sent.
        created_at: Wall clock when the create's answer was recorded.
        finished_at: Wall clock when the row became final.
        hosted_url: The video's page (videos only).
        download_url: The video file, once ready (videos only).
        stream_url: Its stream, once ready (videos only).
    """

    name: str
    line: int
    request: str
    state: RowState = field(converter=RowState)
    resource_id: str | None
    status: str | None
    outcome: str | None
    error_message: str | None
    attempts: int
    sent_at: float | None
    created_at: float | None
    finished_at: float | None
    hosted_url: str | None = None
    download_url: str | None = None
    stream_url: str | None = None

    @property
    def final(self) -> bool:
        """Whether the row is settled (``FINISHED`` or ``FAILED``)."""
        return self.state in (RowState.FINISHED, RowState.FAILED)


@frozen
class JournalEntry:
    """What the manifest says about one row, given to :meth:`Journal.open`."""

    line: int
    name: str
    request: str


class JournalError(Exception):
    """The journal cannot be used: not ours, corrupt, locked, or at odds with the
    manifest; or a write failed.

    Attributes:
        problems: Each problem, naming the line or file and the fix.
    """

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


_APPLICATION_ID = 0x54415641  # "TAVA" in the SQLite header marks our journals
_SCHEMA_VERSION = 2
_SCHEMA = (
    """CREATE TABLE rows (
    name TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL, request TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'creating', 'created', 'finished', 'failed')),
    resource_id TEXT, status TEXT, outcome TEXT, error_message TEXT,
    attempts INTEGER NOT NULL, sent_at REAL, created_at REAL, finished_at REAL,
    hosted_url TEXT, download_url TEXT, stream_url TEXT
)""",
    "CREATE TABLE job (kind TEXT NOT NULL)",
)
_FROM_VERSION_1 = (  # version 1: train only, the id column named replica_id
    "ALTER TABLE rows RENAME COLUMN replica_id TO resource_id",
    "ALTER TABLE rows ADD COLUMN hosted_url TEXT",
    "ALTER TABLE rows ADD COLUMN download_url TEXT",
    "ALTER TABLE rows ADD COLUMN stream_url TEXT",
    _SCHEMA[1],
    "INSERT INTO job (kind) VALUES ('replica')",
)
_COLUMNS = ", ".join(fields_dict(JournalRow))
_SELECT = f"SELECT {_COLUMNS} FROM rows"  # noqa: S608
UPSERT = (
    f"INSERT OR REPLACE INTO rows ({_COLUMNS}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(fields_dict(JournalRow)))})"
)


def sync_rows(
    journaled: Mapping[str, JournalRow], entries: Sequence[JournalEntry], key: str
) -> tuple[dict[str, JournalRow], list[str]]:
    """The journal's rows after reading the manifest, and the conflicts found.

    ``key`` names the manifest column of the names, for the conflicts.
    """
    rows: dict[str, JournalRow] = {}
    conflicts = []
    for entry in entries:
        if entry.name in rows:
            raise ValueError(f"line {entry.line}: duplicate name {entry.name!r}")
        old = journaled.get(entry.name)
        if old is None:
            rows[entry.name] = JournalRow(
                entry.name, entry.line, entry.request, RowState.PENDING,
                None, None, None, None, 0, None, None, None,
            )  # fmt: skip
        elif old.state is RowState.PENDING or old.request == entry.request:
            rows[entry.name] = evolve(old, line=entry.line, request=entry.request)
        else:
            conflicts.append(
                f"line {entry.line}, {key} {entry.name!r}: this row changed "
                "since the journal recorded its create; restore it, or use another "
                "--journal"
            )
            rows[entry.name] = old
    for name, old in journaled.items():
        if name not in rows and old.state is not RowState.PENDING:
            rows[name] = old
    return rows, conflicts


Opened = tuple[Path, int, sqlite3.Connection, dict[str, JournalRow]]


def open_file(
    path: str | Path, entries: Sequence[JournalEntry], kind: JobKind
) -> Opened:
    path = Path(path).resolve()
    if not path.parent.is_dir():
        raise JournalError(
            f"journal {path}: the directory {path.parent} does not exist; "
            "create it or choose another --journal"
        )
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
    lock_fd = os.open(path.with_name(path.name + ".lock"), flags, 0o644)
    connection = None
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JournalError(
                f"another tavus-async job is using {path}; wait for it to end, "
                "or use another --journal"
            ) from None
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False
            )
            return path, lock_fd, connection, _load(connection, path, entries, kind)
        except sqlite3.Error as exc:
            raise JournalError(
                f"journal {path} cannot be used ({exc}); check that it is a file "
                "you may write, or use another --journal"
            ) from exc
    except BaseException:
        if connection is not None:
            connection.close()
        os.close(lock_fd)
        raise


def _load(
    connection: sqlite3.Connection,
    path: Path,
    entries: Sequence[JournalEntry],
    kind: JobKind,
) -> dict[str, JournalRow]:
    version = _prepare(connection, path, kind)
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(check)
        if version == 1:
            with transaction(connection):
                for statement in _FROM_VERSION_1:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        journaled = {row[0]: JournalRow(*row) for row in connection.execute(_SELECT)}
    except (sqlite3.Error, ValueError) as exc:
        raise JournalError(
            f"journal {path} is corrupt ({exc}); pass another --journal"
        ) from exc
    rows, conflicts = sync_rows(journaled, entries, kind.key)
    if conflicts:
        raise JournalError(*conflicts)
    gone = [(name,) for name in journaled.keys() - rows.keys()]
    changed = [astuple(row) for row in rows.values() if journaled.get(row.name) != row]
    with transaction(connection):
        connection.executemany("DELETE FROM rows WHERE name = ?", gone)
        connection.executemany(UPSERT, changed)
    return rows


def _prepare(connection: sqlite3.Connection, path: Path, kind: JobKind) -> int:
    """Make a new file a journal of ``kind``; check an old one is ours and of ``kind``.

    Returns:
        The file's schema version: a version 1 file is still to be migrated.
    """
    not_ours = f"{path} is not a tavus-async journal; pass another --journal"
    try:
        app_id = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{not_ours} ({exc})") from exc
    if (app_id, version, tables) == (0, 0, 0):
        with transaction(connection):
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute("INSERT INTO job (kind) VALUES (?)", (kind.value,))
            connection.execute(f"PRAGMA application_id={_APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        return _SCHEMA_VERSION
    if app_id != _APPLICATION_ID:
        raise JournalError(not_ours)
    if version not in (1, _SCHEMA_VERSION):
        raise JournalError(
            f"journal {path} has schema version {version}; this tavus-async reads "
            f"version {_SCHEMA_VERSION} (and 1); use the tavus-async that wrote "
            "it, or another --journal"
        )
    made_by = JobKind.REPLICA.value if version == 1 else _kind_of(connection, path)
    if made_by != kind.value:
        known = {k.value: f"tavus-async {k.command} ({k}s)" for k in JobKind}
        raise JournalError(
            f"journal {path} was made by "
            f"{known.get(made_by, f'a job of kind {made_by!r}')}; tavus-async "
            f"{kind.command} ({kind}s) cannot resume it; give this job another "
            "--journal"
        )
    return int(version)


def _kind_of(connection: sqlite3.Connection, path: Path) -> str:
    try:
        kinds = connection.execute("SELECT kind FROM job").fetchall()
    except sqlite3.Error as exc:
        raise JournalError(
            f"journal {path} is corrupt ({exc}); pass another --journal"
        ) from exc
    if len(kinds) != 1:
        raise JournalError(
            f"journal {path} is corrupt (it records {len(kinds)} kinds of job); "
            "pass another --journal"
        )
    return str(kinds[0][0])


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
