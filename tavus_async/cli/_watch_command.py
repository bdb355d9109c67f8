"""``tavus-async watch``: the replica watcher on existing replicas."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncGenerator
from contextlib import aclosing

from tavus_async import (
    ReplicaOutcome,
    ReplicaUpdate,
    ReplicaWatcher,
    TavusClient,
    ValidationError,
    WatchEvent,
)
from tavus_async.cli._common import (
    UsageError,
    add_connection_options,
    flag_message,
    make_client,
    write_json_line,
)
from tavus_async.cli._decisions import outcome_label, progress_percent
from tavus_async.cli._progress import Display, open_display
from tavus_async.cli._tally import Tally


__all__ = [
    "add_progress_argument",
    "add_watch_arguments",
    "live_choice",
    "open_watch",
    "register",
    "run_watch",
    "until_of",
]

_WATCH_FLAGS = {
    "replica_ids": "ID",
    "until": "--until",
    "poll_interval": "--poll-interval",
    "timeout": "--timeout",
    "replica_timeout": "--replica-timeout",
}

_EPILOG = """\
example:
  tavus-async watch r90bbd427f71 r243eed46c --until completed

Prints each replica's outcome as one JSON object per line on stdout, progress on
stderr. Exit code: 0 when every replica reached a target status, else 1.
"""


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options ``train`` and ``watch`` share."""
    parser.add_argument(
        "--until",
        action="append",
        metavar="STATUS[,STATUS]",
        help="target statuses (default: completed); error always counts as failed",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between two polls of one replica (default: 30)",
    )
    parser.add_argument(
        "--replica-timeout",
        type=float,
        metavar="SECONDS",
        help="give up on a replica this long after it is created or added",
    )
    add_progress_argument(parser)


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress auto|live|log``; read it with :func:`live_choice`."""
    parser.add_argument(
        "--progress",
        choices=("auto", "live", "log"),
        default="auto",
        help="live display on a terminal, one line per change otherwise (default)",
    )


def until_of(args: argparse.Namespace) -> list[str] | None:
    """The ``--until`` statuses, split at commas; None for the default."""
    if not args.until:
        return None
    return [s.strip() for item in args.until for s in item.split(",") if s.strip()]


def open_watch(
    client: TavusClient,
    args: argparse.Namespace,
    replica_ids: list[str],
    *,
    timeout: float | None,
    keep_open: bool,
) -> tuple[ReplicaWatcher, AsyncGenerator[WatchEvent, None]]:
    """A watcher and its watch, from the options :func:`add_watch_arguments` adds.

    Raises:
        UsageError: A bad id, status or number, naming the flag.
    """
    try:
        watcher = ReplicaWatcher(client, poll_interval=args.poll_interval)
        events = watcher.watch(
            replica_ids,
            until=until_of(args),
            timeout=timeout,
            replica_timeout=args.replica_timeout,
            keep_open=keep_open,
        )
    except ValidationError as exc:
        raise UsageError(flag_message(exc, _WATCH_FLAGS)) from None
    return watcher, events


def live_choice(args: argparse.Namespace) -> bool | None:
    """``--progress`` as ``open_display``'s ``live`` argument."""
    return {"auto": None, "live": True, "log": False}[args.progress]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``watch`` command."""
    watch = subparsers.add_parser(
        "watch",
        help="watch existing replicas until they reach a status",
        description="Poll replicas (in batches) until each reaches a target status.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    watch.add_argument("replica_ids", nargs="+", metavar="ID", help="replica ids")
    add_watch_arguments(watch)
    watch.add_argument(
        "--timeout",
        dest="watch_timeout",
        type=float,
        metavar="SECONDS",
        help="end the whole watch after this long",
    )
    add_connection_options(watch)
    watch.set_defaults(handler=run_watch)


async def run_watch(args: argparse.Namespace) -> int:
    """Run the ``watch`` command.

    Returns:
        0 when every replica reached a target status, else 1.

    Raises:
        UsageError: A bad id, status or number.
        AuthenticationError: Tavus refused the API key.
    """
    client = make_client(args)
    try:
        events = open_watch(
            client,
            args,
            args.replica_ids,
            timeout=args.watch_timeout,
            keep_open=False,
        )[1]
    except UsageError:
        await client.aclose()
        raise
    tally = Tally()
    for replica_id in dict.fromkeys(args.replica_ids):
        tally.add(replica_id, "waiting")
    display = open_display(
        sys.stderr,
        title="tavus-async watch",
        live=live_choice(args),
    )
    failed = 0
    try:
        async with client, aclosing(events):
            async for event in events:
                if isinstance(event, ReplicaUpdate):
                    _show_update(event, tally, display)
                elif isinstance(event, ReplicaOutcome):
                    failed += not event.ok
                    tally.set(event.replica_id, outcome_label(event), final=True)
                    display.refresh(tally.snapshot())
                    display.event(
                        f"{event.replica_id}: {event.detail}", notable=not event.ok
                    )
                    _print_outcome(client, event)
                display.refresh(tally.snapshot())
    finally:
        display.close()
    return 1 if failed else 0


def _show_update(update: ReplicaUpdate, tally: Tally, display: Display) -> None:
    replica = update.replica
    tally.set(
        replica.replica_id, str(replica.status), progress=progress_percent(replica)
    )
    before = None if update.previous is None else update.previous.status
    if before != replica.status:
        display.refresh(tally.snapshot())
        display.event(f"{replica.replica_id}: {before or 'seen'} -> {replica.status}")


def _print_outcome(client: TavusClient, outcome: ReplicaOutcome) -> None:
    data = {
        "replica_id": outcome.replica_id,
        "outcome": outcome.kind.value,
        "status": None if outcome.status is None else str(outcome.status),
        "error_message": outcome.error_message,
        "detail": outcome.detail,
    }
    write_json_line(sys.stdout, client, data)
