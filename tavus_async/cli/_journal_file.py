"""The journal's SQLite file: its rows, schema, opening, locking and syncing.

:mod:`._journal` puts an asyncio write queue on top of it.
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


__all__ = [
    "UPSERT",
    "JournalEntry",
    "JournalError",
    "JournalRow",
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
    """The replica id is known; its training is being watched."""
    FINISHED = "finished"
    """Final: the watch settled it (status, outcome, maybe an error message)."""
    FAILED = "failed"
    """Final: Tavus refused the create (error message)."""


@frozen
class JournalRow:
    """One manifest row as journaled.

    Attributes:
        name: The row's ``replica_name`` (unique in a manifest).
        line: Its line in the manifest.
        request: The create body as canonical JSON text (opaque to the journal).
        state: Where it stands.
        replica_id: Tavus's id, once the create's answer is recorded.
        status: The replica's status, as last recorded.
        outcome: How the watch ended (``FINISHED`` rows).
        error_message: The last error: Tavus's, or why a create failed.
        attempts: How many creates were sent.
        sent_at: Wall clock (epoch seconds) of the last create sent.
        created_at: Wall clock when the create's answer was recorded.
        finished_at: Wall clock when the row became final.
    """

    name: str
    line: int
    request: str
    state: RowState = field(converter=RowState)
    replica_id: str | None
    status: str | None
    outcome: str | None
    error_message: str | None
    attempts: int
    sent_at: float | None
    created_at: float | None
    finished_at: float | None

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
_SCHEMA_VERSION = 1
_SCHEMA = """CREATE TABLE rows (
    name TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL, request TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'creating', 'created', 'finished', 'failed')),
    replica_id TEXT, status TEXT, outcome TEXT, error_message TEXT,
    attempts INTEGER NOT NULL, sent_at REAL, created_at REAL, finished_at REAL
)"""
_COLUMNS = ", ".join(fields_dict(JournalRow))
_SELECT = f"SELECT {_COLUMNS} FROM rows"  # noqa: S608
UPSERT = f"INSERT OR REPLACE INTO rows ({_COLUMNS}) VALUES ({', '.join('?' * 12)})"  # noqa: S608


def sync_rows(
    journaled: Mapping[str, JournalRow], entries: Sequence[JournalEntry]
) -> tuple[dict[str, JournalRow], list[str]]:
    """The journal's rows after reading the manifest, and the conflicts found."""
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
                f"line {entry.line}, replica_name {entry.name!r}: this row changed "
                "since the journal recorded its create; restore it, or use another "
                "--journal"
            )
            rows[entry.name] = old
    for name, old in journaled.items():
        if name not in rows and old.state is not RowState.PENDING:
            rows[name] = old
    return rows, conflicts


Opened = tuple[Path, int, sqlite3.Connection, dict[str, JournalRow]]


def open_file(path: str | Path, entries: Sequence[JournalEntry]) -> Opened:
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
            return path, lock_fd, connection, _load(connection, path, entries)
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
    connection: sqlite3.Connection, path: Path, entries: Sequence[JournalEntry]
) -> dict[str, JournalRow]:
    not_ours = f"{path} is not a tavus-async journal; pass another --journal"
    try:
        app_id = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{not_ours} ({exc})") from exc
    if (app_id, version, tables) == (0, 0, 0):
        with transaction(connection):
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA application_id={_APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
    elif app_id != _APPLICATION_ID:
        raise JournalError(not_ours)
    elif version != _SCHEMA_VERSION:
        raise JournalError(
            f"journal {path} has schema version {version}; this tavus-async reads "
            f"version {_SCHEMA_VERSION}; use the tavus-async that wrote it, or "
            "another --journal"
        )
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(check)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        journaled = {row[0]: JournalRow(*row) for row in connection.execute(_SELECT)}
    except (sqlite3.Error, ValueError) as exc:
        raise JournalError(
            f"journal {path} is corrupt ({exc}); pass another --journal"
        ) from exc
    rows, conflicts = sync_rows(journaled, entries)
    if conflicts:
        raise JournalError(*conflicts)
    gone = [(name,) for name in journaled.keys() - rows.keys()]
    changed = [astuple(row) for row in rows.values() if journaled.get(row.name) != row]
    with transaction(connection):
        connection.executemany("DELETE FROM rows WHERE name = ?", gone)
        connection.executemany(UPSERT, changed)
    return rows


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
