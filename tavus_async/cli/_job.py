"""A batch job's moving parts: create workers, name lookups and the watch.

One job serves ``train`` (replicas) and ``generate`` (videos); what differs is
its :class:`~._creators.Creator` and its watcher. Journal rows flow
``pending -> creating -> created -> finished`` (or ``failed``). ``creating``
is written to the journal before a create is sent; a create that fails in a
way that leaves open whether Tavus acted stays ``creating`` and is looked up
by name (after ``reconcile_after`` seconds) before it is sent again. What the
job shows of each row is its status in the words of :mod:`._results`:
``not_created``, ``creating`` (in flight), ``unconfirmed`` (answer lost),
Tavus's status, and the final words.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from attrs import evolve

from tavus_async import APIError, Outcome, Update, Watcher
from tavus_async.cli._creators import Creator
from tavus_async.cli._decisions import (
    RETRY_DELAYS,
    Created,
    CreateVerdict,
    Item,
    Request,
    exit_code,
    find_created,
    judge_create_error,
    lookup_note,
    outcome_label,
    outcome_message,
    percent,
    resumed,
    row_status,
    with_callback,
)
from tavus_async.cli._journal import Journal, JournalRow, Links, RowState
from tavus_async.cli._progress import Display
from tavus_async.cli._results import RowStatus
from tavus_async.cli._tally import Snapshot, Tally, summary


__all__ = ["Job"]

_log = logging.getLogger("tavus_async.cli")
_TICK = 1.0

_T = TypeVar("_T", bound=Item)


class Job(Generic[Request, _T]):
    """One run of a batch job over an open journal.

    Args:
        creator: Creates, lists and reads what the job makes, through an
            open client.
        watcher: A watcher of the same kind, whose ``keep_open`` watch is
            passed to :meth:`run`.
        journal: The job's journal, synced with the manifest.
        display: Where progress goes.
        requests: Each row's create request, by its unique name.
        concurrency: Creates in flight at once.
        reconcile_after: Seconds after sending a create whose answer was lost
            before looking it up by name.
        retry_delays: Waits before creating a row again after each passing
            failure (at least one); once they are used up the row stays
            pending for this run. A failed lookup by name waits the first.
        clock: Wall-clock seconds, as the journal records them.
        callback_url: Given to each create whose row has no ``callback_url``
            of its own (see :func:`with_callback`).
        invalid_lines: The manifest lines skipped as invalid: counted as
            ``invalid`` rows, final from the start.
    """

    def __init__(
        self,
        *,
        creator: Creator[Request, _T],
        watcher: Watcher[_T],
        journal: Journal,
        display: Display,
        requests: Mapping[str, Request],
        concurrency: int,
        reconcile_after: float,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
        callback_url: str | None = None,
        invalid_lines: Sequence[int] = (),
    ) -> None:
        self._creator: Creator[Request, _T] = creator
        self._noun = creator.kind.value
        self._watcher = watcher
        self._journal = journal
        self._display = display
        self._requests: Mapping[str, Request] = requests
        self._concurrency = concurrency
        self._grace = reconcile_after
        self._delays = tuple(retry_delays)
        if not self._delays:
            raise ValueError("retry_delays needs at least one delay")
        self._clock = clock
        self._callback_url = callback_url
        self._invalid_lines = tuple(invalid_lines)
        self._tally = Tally()
        self._names: dict[str, str] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._unresolved = 0
        self._resolved = asyncio.Event()
        self._lookups: dict[str, float] = {}
        self._lookups_changed = asyncio.Event()
        self._tries: dict[str, int] = {}
        self._shown: dict[str, str] = {}
        self._called_back: set[str] = set()

    async def run(self, events: AsyncIterator[Update[_T] | Outcome[_T]]) -> int:
        """Create every row not created yet and watch every row not final.

        Args:
            events: The watcher's ``keep_open`` watch, not started yet.

        Returns:
            0 when every row reached its target, else 1.

        Raises:
            AuthenticationError: Tavus refused the API key.
        """
        self._load()
        tasks = [
            asyncio.create_task(self._consume(events)),
            asyncio.create_task(self._create_all()),
            asyncio.create_task(self._tick()),
        ]
        try:
            done, _ = await asyncio.wait(tasks[:2], return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            await _cancel(tasks)
        self._refresh()
        return exit_code(self._journal.rows())

    def settle(self, rows: Sequence[JournalRow]) -> None:
        """Show each row as ``rows`` have it: the journal's last word, once closed.

        A run that was stopped may have journaled a move it had not shown
        yet; after this the display agrees with the results file.
        """
        self._lookups.clear()
        for row in rows:
            self._tally.set(row.name, row_status(row), final=row.final)
        self._refresh()

    def _load(self) -> None:
        rows = self._journal.rows()
        for line in self._invalid_lines:
            self._tally.add(line, RowStatus.INVALID.value, final=True)
        for row in rows:
            self._tally.add(row.name, row_status(row), final=row.final)
            if row.state is RowState.CREATED and row.resource_id is not None:
                self._names[row.resource_id] = row.name
                self._watcher.add([row.resource_id])
            elif row.state is RowState.PENDING:
                self._unresolved += 1
                self._queue.put_nowait(row.name)
            elif row.state is RowState.CREATING:
                self._unresolved += 1
                self._look_up_later(row.name, row.sent_at)
        counts = summary(self._tally.snapshot(), noun="row")
        start = f"resuming {self._journal.path.name}" if resumed(rows) else "starting"
        self._event(f"{start}: {counts}", notable=True)
        note = self._note()
        if note is not None:
            self._event(note, notable=True)

    # Creating

    async def _create_all(self) -> None:
        if self._unresolved:
            workers: list[asyncio.Task[None]] = [
                asyncio.create_task(self._work()) for _ in range(self._concurrency)
            ]
            workers.append(asyncio.create_task(self._reconcile()))
            settled = asyncio.create_task(self._resolved.wait())
            try:
                done, _ = await asyncio.wait(
                    [settled, *workers], return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    task.result()
            finally:
                await _cancel([settled, *workers])
        self._watcher.done_adding()

    async def _work(self) -> None:
        while True:
            name = await self._queue.get()
            await self._create(name)

    async def _create(self, name: str) -> None:
        await self._journal.creating(name)
        self._set(name, RowStatus.CREATING)
        try:
            request = with_callback(self._requests[name], self._callback_url)
            created = await self._creator.create(request)
        except APIError as error:
            await self._create_failed(name, error)
            return
        await self._record(name, created)

    async def _create_failed(self, name: str, error: APIError) -> None:
        verdict = judge_create_error(error)
        if verdict is CreateVerdict.FATAL:
            await self._journal.pending(name, str(error))
            raise error
        if verdict is CreateVerdict.UNCERTAIN:
            self._look_up_later(name, self._clock())
            self._event(
                f"{name}: {RowStatus.UNCONFIRMED}, the create's answer was lost "
                f"({error}); looking it up by name in {self._grace:g}s before "
                "creating it again",
                notable=True,
            )
        elif verdict is CreateVerdict.REFUSED:
            await self._journal.failed(name, error.message)
            self._set(name, RowStatus.CREATE_FAILED, final=True)
            self._event(f"{name}: {RowStatus.CREATE_FAILED}: {error}", notable=True)
            self._done_with(name)
        else:
            await self._journal.pending(name, str(error))
            self._set(name, RowStatus.NOT_CREATED)
            tries = self._tries[name] = self._tries.get(name, 0) + 1
            if tries > len(self._delays):
                self._event(
                    f"{name}: {RowStatus.NOT_CREATED} ({error}); run the same "
                    "command again to create it",
                    notable=True,
                )
                self._done_with(name)
                return
            delay = self._delays[tries - 1]
            asyncio.get_running_loop().call_later(delay, self._queue.put_nowait, name)

    async def _record(self, name: str, created: Created) -> None:
        resource_id, status = created.resource_id, created.status
        await self._journal.created(name, resource_id, status, created.links)
        self._names[resource_id] = name
        self._watcher.add([resource_id])
        label = status or RowState.CREATED.value
        self._set(name, label)
        self._event(f"{name} ({resource_id}): created, {label}")
        self._done_with(name)

    def _done_with(self, name: str) -> None:
        self._unresolved -= 1
        if self._unresolved == 0:
            self._resolved.set()

    # Looking up creates whose answer was lost

    def _look_up_later(self, name: str, sent_at: float | None) -> None:
        self._lookups[name] = (sent_at or 0.0) + self._grace
        self._set(name, RowStatus.UNCONFIRMED)
        self._lookups_changed.set()

    async def _reconcile(self) -> None:
        while True:
            self._lookups_changed.clear()
            wait = (
                min(self._lookups.values()) - self._clock() if self._lookups else None
            )
            if wait is None or wait > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._lookups_changed.wait()
                continue
            now = self._clock()
            due = [name for name, at in self._lookups.items() if at <= now]
            try:
                listing = [
                    self._creator.read(item) async for item in self._creator.listing()
                ]
            except APIError as error:
                if judge_create_error(error) is CreateVerdict.FATAL:
                    raise
                self._event(f"looking up {self._noun}s by name failed ({error})")
                for name in due:
                    self._lookups[name] = now + self._delays[0]
                continue
            claimed = {r.resource_id for r in self._journal.rows() if r.resource_id}
            for name in due:
                del self._lookups[name]
                await self._settle_lookup(name, listing, claimed)

    async def _settle_lookup(
        self, name: str, listing: list[Created], claimed: set[str]
    ) -> None:
        row = self._journal.row(name)
        found = find_created(name, row.sent_at, listing, claimed)
        if not found:
            await self._journal.pending(name, "create not found on Tavus by name")
            self._set(name, RowStatus.NOT_CREATED)
            if name not in self._requests:  # gone from the manifest: not resent
                self._done_with(name)
                return
            self._event(
                f"{name}: {RowStatus.NOT_CREATED}, not found on Tavus by name; "
                "creating it again"
            )
            self._queue.put_nowait(name)
            return
        first = found[0]
        if len(found) > 1:
            others = ", ".join(r.resource_id for r in found[1:])
            self._event(
                f"{name}: several {self._noun}s have this name; kept "
                f"{first.resource_id}, not {others}",
                notable=True,
            )
        claimed.add(first.resource_id)
        await self._record(name, first)

    # Watching

    async def _consume(self, events: AsyncIterator[Update[_T] | Outcome[_T]]) -> None:
        async for event in events:
            if isinstance(event, Update):
                self._updated(event)
            else:
                await self._settled(event)
            self._refresh()

    def _updated(self, update: Update[_T]) -> None:
        name = self._names[update.id]
        status = str(update.item.status or RowState.CREATED.value)
        self._tally.set(name, status, progress=percent(update.progress))
        if update.source == "notify":
            self._called_back.add(name)
        before = update.previous.status if update.previous is not None else None
        if before is not None and before != status:
            self._shown[name] = status
            self._event(f"{name} ({update.id}): {before} -> {status}" + self._via(name))

    async def _settled(self, outcome: Outcome[_T]) -> None:
        name = self._names[outcome.id]
        item = outcome.item
        status = None if item is None or item.status is None else str(item.status)
        label = outcome_label(outcome)
        message = outcome_message(outcome)
        links = Links() if item is None else self._creator.read(item).links
        await self._journal.finished(
            name, status or label, outcome.kind.value, message, links
        )
        self._set(name, label, final=True)
        if outcome.ok and self._shown.pop(name, None) == label:
            return
        detail = f": {message}" if message else ""
        self._event(
            f"{name} ({outcome.id}): {label}{self._via(name)}{detail}",
            notable=not outcome.ok,
        )

    def _via(self, name: str) -> str:
        return " (callback)" if name in self._called_back else ""

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(_TICK)
            self._refresh()

    def _set(self, name: str, label: str, *, final: bool = False) -> None:
        self._tally.set(name, str(label), final=final)

    def _note(self) -> str | None:
        if not self._lookups:
            return None
        wait = max(self._lookups.values()) - self._clock()
        return lookup_note(len(self._lookups), wait)

    def _snapshot(self) -> Snapshot:
        return evolve(self._tally.snapshot(), note=self._note())

    def _refresh(self) -> None:
        self._display.refresh(self._snapshot())

    def _event(self, text: str, *, notable: bool = False) -> None:
        _log.info("%s", text)
        self._refresh()
        self._display.event(text, notable=notable)


async def _cancel(tasks: Sequence[asyncio.Future[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
