"""What ``train`` and ``generate`` share as commands: one resumable batch job.

Both validate the whole manifest first (nothing is sent for a bad one), then
run one :class:`~._job.Job` over the job's SQLite journal (:mod:`._journal`),
written before and after each create, so the same command run again after
Ctrl-C, a crash or ``kill -9`` finishes the job without creating anything
twice. The closing summary counts the rows as the results file lists them
(:mod:`._results`), both taken from the journal once it is closed. A
:class:`JobCommand` holds what differs: the manifest's rows, what is created
and how it is watched.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import AsyncExitStack, aclosing
from pathlib import Path
from typing import Any, Generic, TypeVar

from attrs import frozen

from tavus_async import Outcome, TavusClient, Update, Watcher
from tavus_async.cli._callbacks import callback_settings, receiving
from tavus_async.cli._common import EXIT_FAILED, UsageError, make_client
from tavus_async.cli._creators import Creator
from tavus_async.cli._decisions import Item, Request, request_json, result_row
from tavus_async.cli._job import Job
from tavus_async.cli._journal import Journal, JournalEntry, JournalError, JournalRow
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._manifest import Manifest, ManifestError, read_manifest
from tavus_async.cli._progress import open_display
from tavus_async.cli._results import (
    ResultRow,
    RowStatus,
    check_results_path,
    write_results,
)
from tavus_async.cli._row_schemas import RowSchema
from tavus_async.cli._watch_command import live_choice


__all__ = ["JobCommand", "add_job_arguments", "run_job"]

_T = TypeVar("_T", bound=Item)
_SHOWN_SKIPPED = 20

Events = AsyncGenerator[Update[_T] | Outcome[_T], None]


@frozen(kw_only=True)
class JobCommand(Generic[Request, _T]):
    """What one batch command creates, from which rows, and how it watches.

    Attributes:
        schema: The manifest's rows (its kind is the job's).
        creator: Makes the :class:`~._creators.Creator` on the open client.
        watch: Makes the watcher and its ``keep_open`` watch from the
            command's arguments; raises ``UsageError`` naming a bad flag.
    """

    schema: RowSchema[Request]
    creator: Callable[[TavusClient], Creator[Request, _T]]
    watch: Callable[[TavusClient, argparse.Namespace], tuple[Watcher[_T], Events[_T]]]

    @property
    def kind(self) -> JobKind:
        """What the job creates."""
        return self.schema.kind


def add_job_arguments(parser: argparse.ArgumentParser, kind: JobKind) -> None:
    """Add the arguments every batch command has, in ``kind``'s words.

    The manifest, ``--journal``, ``--results``, ``--concurrency``,
    ``--skip-invalid`` and ``--reconcile-after``; the watch, callback and
    connection options are added by the command.
    """
    parser.add_argument("manifest", type=Path, help="CSV or JSONL manifest")
    parser.add_argument(
        "--journal",
        type=Path,
        metavar="FILE",
        help="SQLite journal of the job (default: MANIFEST.journal)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="FILE",
        help="results, .csv or .jsonl (default: MANIFEST's name + .results.csv)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="creates in flight at once (default: 8)",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help=f"{kind.command} the valid rows even if some rows are invalid",
    )
    parser.add_argument(
        "--reconcile-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait this long after a create whose answer was lost before "
        f"looking the {kind} up by name (default: 60)",
    )


async def run_job(args: argparse.Namespace, command: JobCommand[Request, _T]) -> int:
    """Run a batch command: validate everything, then create and watch.

    Returns:
        0 when every row reached its target, 1 when any did not, 2 for bad
        input (nothing is created then).

    Raises:
        UsageError: Bad arguments, manifest or journal.
        AuthenticationError: Tavus refused the API key.
    """
    manifest_path, journal_path, results_path = _paths(args)
    manifest: Manifest[Request] = _read(
        manifest_path, command.schema, args.skip_invalid
    )
    callbacks = callback_settings(args)
    client = make_client(args)
    try:
        watcher, events = command.watch(client, args)
    except UsageError:
        await client.aclose()
        raise
    kind = command.kind
    entries = [
        JournalEntry(line=row.line, name=row.name, request=request_json(row.request))
        for row in manifest.rows
    ]
    async with client, aclosing(events), AsyncExitStack() as stack:
        if callbacks is not None:
            await stack.enter_async_context(receiving(callbacks, watcher))
        try:
            journal = await Journal.open(journal_path, entries, kind=kind)
        except JournalError as exc:
            raise UsageError(f"--journal {journal_path}: {exc}") from None
        display = open_display(
            sys.stderr,
            title=f"tavus-async {kind.command} {manifest_path.name}",
            noun="row",
            live=live_choice(args),
        )
        job = Job(
            creator=command.creator(client),
            watcher=watcher,
            journal=journal,
            display=display,
            requests={row.name: row.request for row in manifest.rows},
            concurrency=args.concurrency,
            reconcile_after=args.reconcile_after,
            callback_url=callbacks.callback_url if callbacks is not None else None,
            invalid_lines=manifest.invalid_lines,
        )
        try:
            return await job.run(events)
        except JournalError as exc:
            sys.stderr.write(
                f"tavus-async: error: {exc}\nthe job stopped; fix this and run the "
                "same command again to resume\n"
            )
            return EXIT_FAILED
        except asyncio.CancelledError:
            sys.stderr.write(
                "interrupted: the journal holds every row's state; run the same "
                "command again to resume\n"
            )
            raise
        finally:
            try:
                await journal.aclose()  # first: writes still in flight land in rows()
            finally:
                rows: list[JournalRow] = journal.rows()
                job.settle(rows)
                display.close()
                results = [*map(result_row, rows), *_invalid_results(manifest)]
                results.sort(key=lambda r: (r.line is None, r.line or 0))
                written = write_results(results_path, results, kind)
                sys.stderr.write(f"results: {written}\njournal: {journal_path}\n")


def _paths(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    manifest: Path = args.manifest
    journal = args.journal or manifest.with_name(manifest.name + ".journal")
    results = args.results or manifest.with_name(f"{manifest.stem}.results.csv")
    try:
        results = check_results_path(results)
    except ValueError as exc:
        raise UsageError(f"--results: {exc}") from None
    if args.concurrency < 1:
        raise UsageError(f"--concurrency: must be 1 or more, got {args.concurrency}")
    if args.reconcile_after < 0:
        raise UsageError("--reconcile-after: must be 0 or more seconds")
    return manifest, journal, results


def _read(
    manifest_path: Path, schema: RowSchema[Request], skip_invalid: bool
) -> Manifest[Request]:
    try:
        manifest = read_manifest(manifest_path, schema)
    except ManifestError as exc:
        raise UsageError(f"{manifest_path}: cannot be used:\n{exc}") from None
    if not manifest.problems:
        return manifest
    invalid = _rows(len(manifest.invalid_lines))
    listing = "\n".join(f"  {problem}" for problem in manifest.problems)
    if not manifest.rows:
        raise UsageError(
            f"{manifest_path}: {invalid}, no valid row; nothing was created:\n"
            f"{listing}\nFix them and run again."
        )
    if not skip_invalid:
        raise UsageError(
            f"{manifest_path}: {invalid}; nothing was created:\n{listing}\n"
            f"Fix them, or pass --skip-invalid to {schema.kind.command} the "
            "valid rows only."
        )
    sys.stderr.write(_skipped(manifest_path, manifest.reasons()))
    return manifest


def _rows(count: int, kind: str = "invalid") -> str:
    return f"{count} {kind} row{'' if count == 1 else 's'}"


def _skipped(manifest_path: Path, reasons: dict[int, str]) -> str:
    lines = [
        f"{manifest_path}: skipping {_rows(len(reasons))} (--skip-invalid); the "
        f"results file lists them as {RowStatus.INVALID}:"
    ]
    shown = list(reasons.items())[:_SHOWN_SKIPPED]
    lines.extend(f"  line {line}: {why}" for line, why in shown)
    if len(reasons) > len(shown):
        lines.append(f"  and {_rows(len(reasons) - len(shown), 'more')}")
    return "".join(line + "\n" for line in lines)


def _invalid_results(manifest: Manifest[Any]) -> list[ResultRow]:
    return [
        ResultRow(
            line=line,
            name=manifest.invalid_names.get(line),
            resource_id=None,
            status=RowStatus.INVALID.value,
            error_message=why,
        )
        for line, why in manifest.reasons().items()
    ]
