"""A batch job's journal: each manifest row's state, durable in one SQLite file.

Creating a replica or a video is billed and Tavus has no idempotency key, so
the job records a row as ``creating`` (committed and fsynced) before it sends
the create, and ``created`` once the answer is in. After Ctrl-C, a crash or
``kill -9`` the same command resumes from the journal: nothing finished is
redone, and a row left ``creating`` is looked up on Tavus before any new create.

SQLite runs in WAL mode with ``synchronous=FULL`` on one worker thread, so the
event loop never blocks on it. Writes awaited at the same time share one
transaction (group commit). A job holds an ``flock`` on ``<journal>.lock`` for
as long as the journal is open; the kernel drops it when the process dies, so
``kill -9`` never leaves a journal locked. ``flock`` makes this Linux/macOS only.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from attrs import asdict, astuple, evolve

from tavus_async._cleanup import finish
from tavus_async.cli._journal_file import (
    UPSERT,
    JournalEntry,
    JournalError,
    JournalRow,
    Links,
    Opened,
    RowState,
    open_file,
    transaction,
)
from tavus_async.cli._kinds import JobKind


__all__ = [
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalRow",
    "Links",
    "RowState",
]

_ALLOWED: Mapping[RowState, frozenset[RowState]] = {
    RowState.CREATING: frozenset({RowState.PENDING}),
    RowState.CREATED: frozenset({RowState.PENDING, RowState.CREATING}),
    RowState.PENDING: frozenset({RowState.CREATING}),
    RowState.FAILED: frozenset({RowState.PENDING, RowState.CREATING}),
    RowState.FINISHED: frozenset({RowState.CREATED}),
}
"""For each target state, the states a row may move to it from."""


class Journal:
    """The durable state of a batch job's rows; open it with :meth:`open`.

    Reads (:meth:`rows`, :meth:`row`) come from memory and show what is
    committed. Each write checks that the move is allowed (``ValueError``
    naming the row and both states if not: a bug in the job), then returns the
    new row once it is committed and fsynced. Writes awaited together share one
    transaction; if it fails, every write in it and any queued behind it raises
    :class:`JournalError` and none is applied. A write whose awaiting task is
    cancelled still completes. Not for use from several event loops.
    """

    def __init__(
        self,
        opened: Opened,
        executor: ThreadPoolExecutor,
        names: Sequence[str],
        clock: Callable[[], float],
    ) -> None:
        self._path, self._lock_fd, self._connection, self._rows = opened
        self._executor = executor
        self._in_manifest = frozenset(names)
        self._clock = clock
        self._staged: dict[str, JournalRow] = {}  # queued, not yet committed
        self._queue: list[tuple[JournalRow, asyncio.Future[JournalRow]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._transactions = 0  # committed write transactions (group commit test)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        entries: Sequence[JournalEntry],
        *,
        kind: JobKind = JobKind.REPLICA,
        clock: Callable[[], float] = time.time,
    ) -> Journal:
        """Open (or create) the journal at ``path`` and sync it with the manifest.

        A new name is added ``PENDING``. A journaled ``PENDING`` row takes the
        manifest's line and request; any other journaled row must keep its
        request (its line may move). A journaled name gone from the manifest is
        dropped if ``PENDING`` and kept otherwise (its replica or video may
        exist). A journal of schema version 1 (``train``'s before videos) is
        migrated in place, in one transaction.

        Args:
            path: The journal file; its directory must exist.
            entries: The manifest's rows (names unique).
            kind: What the job creates (default: replicas, as ``train``); a
                journal made by a job of another kind is refused.
            clock: Wall clock for the rows' times.

        Returns:
            The journal, locked for this process until :meth:`aclose`.

        Raises:
            JournalError: The directory is missing; the file is not a
                tavus-async journal, is corrupt or of an unknown schema version;
                it was made by the other command (``train``, ``generate``);
                another job holds it; or the manifest changed rows the journal
                has sent creates for (every conflict listed).
            ValueError: Two entries share a name.
            asyncio.CancelledError: The awaiting task was cancelled. It is
                raised once the worker thread is done and what it opened is
                closed: the lock is free by then.
        """
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        job = asyncio.get_running_loop().run_in_executor(
            executor, open_file, path, entries, kind
        )
        try:
            opened = await finish(job)
        except BaseException:
            if job.done() and job.exception() is None:  # cancelled once it opened
                await cls(job.result(), executor, [], clock).aclose()
            else:
                executor.shutdown(wait=False)
            raise
        return cls(opened, executor, [entry.name for entry in entries], clock)

    @property
    def path(self) -> Path:
        """The journal file (absolute)."""
        return self._path

    def rows(self) -> list[JournalRow]:
        """Every committed row by line; then those gone from the manifest, by name."""
        return sorted(self._rows.values(), key=self._order)

    def row(self, name: str) -> JournalRow:
        """The committed row named ``name``.

        Raises:
            KeyError: No such row.
        """
        return self._rows[name]

    async def creating(self, name: str) -> JournalRow:
        """A create is about to be sent: ``PENDING`` -> ``CREATING``.

        Counts the attempt and stamps ``sent_at``; durable when it returns.
        """
        return await self._move(name, RowState.CREATING, sent_at=self._clock())

    async def created(
        self,
        name: str,
        resource_id: str,
        status: str | None,
        links: Links | None = None,
    ) -> JournalRow:
        """The create was answered: ``CREATING`` (or ``PENDING``) -> ``CREATED``.

        Stamps ``created_at``, records the status (if Tavus gave one) and the
        ``links`` known, and clears the error of earlier attempts.
        """
        changes = {"resource_id": resource_id, "status": status, "error_message": None}
        return await self._move(
            name, RowState.CREATED, created_at=self._clock(), **changes, **_known(links)
        )

    async def pending(self, name: str, error_message: str | None = None) -> JournalRow:
        """The create surely did not happen: ``CREATING`` -> ``PENDING``.

        ``error_message``, when given, replaces the row's last error.
        """
        changes = {} if error_message is None else {"error_message": error_message}
        return await self._move(name, RowState.PENDING, **changes)

    async def failed(self, name: str, error_message: str) -> JournalRow:
        """Tavus refused the create: ``PENDING``/``CREATING`` -> ``FAILED`` (final)."""
        return await self._move(
            name,
            RowState.FAILED,
            error_message=error_message,
            finished_at=self._clock(),
        )

    async def finished(
        self,
        name: str,
        status: str,
        outcome: str,
        error_message: str | None,
        links: Links | None = None,
    ) -> JournalRow:
        """The watch settled the row: ``CREATED`` -> ``FINISHED`` (final).

        Links not known (None) keep what the row had.
        """
        changes = {"status": status, "outcome": outcome, "error_message": error_message}
        return await self._move(
            name,
            RowState.FINISHED,
            finished_at=self._clock(),
            **changes,
            **_known(links),
        )

    async def aclose(self) -> None:
        """Finish the queued writes, close the file and release the lock.

        Idempotent; writes after it raise :class:`JournalError`. A cancelled
        ``aclose`` still finishes all of this before it raises
        :class:`asyncio.CancelledError`: the lock is free by then.
        """
        if self._closing is None:
            self._closing = asyncio.create_task(self._close())
        await finish(self._closing)

    def _order(self, row: JournalRow) -> tuple[bool, int, str]:
        if row.name in self._in_manifest:
            return False, row.line, row.name
        return True, 0, row.name

    async def _move(self, name: str, to: RowState, **changes: Any) -> JournalRow:
        if self._closing is not None:
            raise JournalError(f"journal {self._path} is closed")
        row = self._staged.get(name)
        if row is None:
            row = self._rows[name]
        if row.state not in _ALLOWED[to]:
            raise ValueError(
                f"journal row {name!r}: cannot go from {row.state} to {to}"
            )
        if to is RowState.CREATING:
            changes["attempts"] = row.attempts + 1
        row = evolve(row, state=to, **changes)
        done: asyncio.Future[JournalRow] = asyncio.get_running_loop().create_future()
        self._staged[name] = row
        self._queue.append((row, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(done)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            batch, self._queue = self._queue, []
            latest = list({row.name: row for row, _ in batch}.values())
            try:
                await loop.run_in_executor(self._executor, self._store, latest)
            except BaseException as exc:
                error = exc
                if not isinstance(exc, JournalError):
                    error = JournalError(
                        f"journal {self._path}: stopped before a write was "
                        "confirmed; reopen the journal"
                    )
                for _, done in batch + self._queue:
                    if not done.done():
                        done.set_exception(error)
                self._queue, self._staged = [], {}
                if not isinstance(exc, Exception):
                    raise
                return
            for row in latest:
                self._rows[row.name] = row
            for row, done in batch:
                if self._staged.get(row.name) is row:
                    del self._staged[row.name]
                if not done.done():
                    done.set_result(row)

    def _store(self, rows: list[JournalRow]) -> None:
        try:
            with transaction(self._connection):
                self._connection.executemany(UPSERT, map(astuple, rows))
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self._path}: write failed: {exc}") from exc
        self._transactions += 1

    async def _close(self) -> None:
        if self._flusher is not None:
            await asyncio.wait([self._flusher])
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._connection.close)
        finally:
            self._executor.shutdown(wait=False)
            os.close(self._lock_fd)


def _known(links: Links | None) -> dict[str, str]:
    if links is None:
        return {}
    return {name: url for name, url in asdict(links).items() if url is not None}
