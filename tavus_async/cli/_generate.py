"""``tavus-async generate``: generate and watch a manifest of videos, resumably.

The batch job of :mod:`._job_command`, with video rows
(:data:`~._row_schemas.VIDEO_ROWS`) watched by ``client.videos.watcher()``.
Everything ``train`` promises holds: every row is checked before anything is
sent, the journal makes a run resumable, and a create whose answer was lost
is looked up by ``video_name`` before it is ever sent again.
"""

from __future__ import annotations

import argparse

from tavus_async import (
    GenerateVideoRequest,
    TavusClient,
    ValidationError,
    Video,
    Watcher,
)
from tavus_async.cli._callbacks import add_callback_arguments
from tavus_async.cli._common import UsageError, add_connection_options, flag_message
from tavus_async.cli._creators import VideoCreator
from tavus_async.cli._job_command import Events, JobCommand, add_job_arguments, run_job
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._row_schemas import VIDEO_ROWS
from tavus_async.cli._watch_command import add_progress_argument


__all__ = ["add_generate_arguments", "register", "run_generate"]

_EPILOG = """\
example:
  tavus-async generate videos.csv --concurrency 8

The manifest has one video per row: video_name (unique: it is how the job
finds the video again), replica_id, script or audio_url, and optionally
background_url, background_source_url, fast, transparent_background,
watermark_image_url and properties (a JSON object). The job sets each
video's callback_url itself: use --callback-base-url and --listen. Run the
same command again after Ctrl-C or a crash: finished rows are kept and no
video is generated twice.
Exit code: 0 when every video is ready, 1 when any is not, 2 for bad input
(nothing is created then; also when no row of the manifest is valid).
"""

_WATCH_FLAGS = {"poll_interval": "--poll-interval", "each_timeout": "--video-timeout"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``generate`` command."""
    generate = subparsers.add_parser(
        "generate",
        help="generate and watch every video of a manifest (resumable)",
        description="Generate the videos of a CSV or JSONL manifest with bounded "
        "concurrency and watch them until they are ready or fail.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_generate_arguments(generate)
    add_connection_options(generate)
    generate.set_defaults(handler=run_generate)


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``generate`` command's own arguments to ``parser``."""
    add_job_arguments(parser, JobKind.VIDEO)
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between two polls of one video (default: 30)",
    )
    parser.add_argument(
        "--video-timeout",
        type=float,
        metavar="SECONDS",
        help="give up on a video this long after it is created or resumed",
    )
    add_progress_argument(parser)
    add_callback_arguments(parser, JobKind.VIDEO)


def _watch(
    client: TavusClient, args: argparse.Namespace
) -> tuple[Watcher[Video], Events[Video]]:
    try:
        watcher = client.videos.watcher(poll_interval=args.poll_interval)
        events = watcher.watch(each_timeout=args.video_timeout, keep_open=True)
    except ValidationError as exc:
        raise UsageError(flag_message(exc, _WATCH_FLAGS)) from None
    return watcher, events


_GENERATE: JobCommand[GenerateVideoRequest, Video] = JobCommand(
    schema=VIDEO_ROWS, creator=VideoCreator, watch=_watch
)


async def run_generate(args: argparse.Namespace) -> int:
    """Run the ``generate`` command: validate everything, then create and watch.

    Callable in-process with the arguments :func:`add_generate_arguments`
    and the connection options parse.

    Returns:
        0 when every video is ready, 1 when any is not, 2 for bad input
        (nothing is created then).

    Raises:
        UsageError: Bad arguments, manifest or journal.
        AuthenticationError: Tavus refused the API key.
    """
    return await run_job(args, _GENERATE)
