"""``tavus-async train``: create and watch a manifest of replicas, resumably.

Every row's state lives in a SQLite journal (:mod:`._journal`), written before
and after each create, so the same command run again after Ctrl-C, a crash or
``kill -9`` finishes the job without creating any replica twice. The closing
summary counts the rows as the results file lists them (:mod:`._results`),
both taken from the journal once it is closed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack, aclosing
from pathlib import Path

from tavus_async.cli._callbacks import (
    add_callback_arguments,
    callback_settings,
    receiving,
)
from tavus_async.cli._common import (
    EXIT_FAILED,
    UsageError,
    add_connection_options,
    make_client,
)
from tavus_async.cli._decisions import request_json, result_row
from tavus_async.cli._job import Job
from tavus_async.cli._journal import Journal, JournalEntry, JournalError
from tavus_async.cli._manifest import Manifest, ManifestError, read_manifest
from tavus_async.cli._progress import open_display
from tavus_async.cli._results import (
    ResultRow,
    RowStatus,
    check_results_path,
    write_results,
)
from tavus_async.cli._watch_command import add_watch_arguments, live_choice, open_watch


__all__ = ["add_train_arguments", "register", "run_train"]

_EPILOG = """\
example:
  tavus-async train replicas.csv --concurrency 8

The manifest has one replica per row: replica_name (unique), train_video_url or
train_image_url (+ voice_name), and optionally consent_video_url, model_name,
callback_url, background_green_screen. Run the same command again after
Ctrl-C or a crash: finished rows are kept and no replica is created twice.
With --callback-base-url and --listen, replicas settle as soon as Tavus calls
back, instead of at the next poll.
Exit code: 0 when every replica completed, 1 when any did not, 2 for bad input
(nothing is created then; also when no row of the manifest is valid).
"""

_SHOWN_SKIPPED = 20


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train`` command."""
    train = subparsers.add_parser(
        "train",
        help="create and watch every replica of a manifest (resumable)",
        description="Create the replicas of a CSV or JSONL manifest with bounded "
        "concurrency and watch them until they finish.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(train)
    add_connection_options(train)
    train.set_defaults(handler=run_train)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``train`` command's own arguments to ``parser``."""
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
        help="train the valid rows even if some rows are invalid",
    )
    parser.add_argument(
        "--reconcile-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait this long after a create whose answer was lost before "
        "looking the replica up by name (default: 60)",
    )
    add_watch_arguments(parser)
    add_callback_arguments(parser)


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


def _read(manifest_path: Path, skip_invalid: bool) -> Manifest:
    try:
        manifest = read_manifest(manifest_path)
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
            "Fix them, or pass --skip-invalid to train the valid rows only."
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


def _invalid_results(manifest: Manifest) -> list[ResultRow]:
    return [
        ResultRow(
            line=line,
            replica_name=manifest.invalid_names.get(line),
            replica_id=None,
            status=RowStatus.INVALID.value,
            outcome=None,
            error_message=why,
            created_at=None,
            finished_at=None,
        )
        for line, why in manifest.reasons().items()
    ]


async def run_train(args: argparse.Namespace) -> int:
    """Run the ``train`` command: validate everything, then create and watch.

    Returns:
        0 when every replica reached its target, 1 when any did not, 2 for bad
        input (nothing is created then).

    Raises:
        UsageError: Bad arguments, manifest or journal.
        AuthenticationError: Tavus refused the API key.
    """
    manifest_path, journal_path, results_path = _paths(args)
    manifest = _read(manifest_path, args.skip_invalid)
    callbacks = callback_settings(args)
    client = make_client(args)
    try:
        watcher, events = open_watch(client, args, [], timeout=None, keep_open=True)
    except UsageError:
        await client.aclose()
        raise
    entries = [
        JournalEntry(line=row.line, name=row.name, request=request_json(row.request))
        for row in manifest.rows
    ]
    async with client, aclosing(events), AsyncExitStack() as stack:
        if callbacks is not None:
            await stack.enter_async_context(receiving(callbacks, watcher))
        try:
            journal = await Journal.open(journal_path, entries)
        except JournalError as exc:
            raise UsageError(f"--journal {journal_path}: {exc}") from None
        display = open_display(
            sys.stderr,
            title=f"tavus-async train {manifest_path.name}",
            noun="row",
            live=live_choice(args),
        )
        job = Job(
            client=client,
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
                rows = journal.rows()
                job.settle(rows)
                display.close()
                results = [*map(result_row, rows), *_invalid_results(manifest)]
                results.sort(key=lambda r: (r.line is None, r.line or 0))
                written = write_results(results_path, results)
                sys.stderr.write(f"results: {written}\njournal: {journal_path}\n")
