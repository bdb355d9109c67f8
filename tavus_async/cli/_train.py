"""``tavus-async train``: create and watch a manifest of replicas, resumably.

The batch job of :mod:`._job_command`, with replica rows
(:data:`~._row_schemas.REPLICA_ROWS`) watched by a
:class:`~tavus_async.ReplicaWatcher`.
"""

from __future__ import annotations

import argparse

from tavus_async import CreateReplicaRequest, Replica, TavusClient, Watcher
from tavus_async.cli._callbacks import add_callback_arguments
from tavus_async.cli._common import add_connection_options
from tavus_async.cli._creators import ReplicaCreator
from tavus_async.cli._job_command import Events, JobCommand, add_job_arguments, run_job
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._row_schemas import REPLICA_ROWS
from tavus_async.cli._watch_command import add_watch_arguments, open_watch


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
    add_job_arguments(parser, JobKind.REPLICA)
    add_watch_arguments(parser)
    add_callback_arguments(parser, JobKind.REPLICA)


def _watch(
    client: TavusClient, args: argparse.Namespace
) -> tuple[Watcher[Replica], Events[Replica]]:
    return open_watch(client, args, [], timeout=None, keep_open=True)


_TRAIN: JobCommand[CreateReplicaRequest, Replica] = JobCommand(
    schema=REPLICA_ROWS, creator=ReplicaCreator, watch=_watch
)


async def run_train(args: argparse.Namespace) -> int:
    """Run the ``train`` command: validate everything, then create and watch.

    Returns:
        0 when every replica reached its target, 1 when any did not, 2 for bad
        input (nothing is created then).

    Raises:
        UsageError: Bad arguments, manifest or journal.
        AuthenticationError: Tavus refused the API key.
    """
    return await run_job(args, _TRAIN)
