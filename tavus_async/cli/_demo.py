"""``tavus-async demo``: the whole train and generate flow against a bundled FakeTavus.

No API key and no cost: it writes a manifest, starts
:class:`~tavus_async.testing.FakeTavus` on loopback, and runs ``train`` on it
with a callback receiver, so replicas settle when the fake calls back (polling
every 5 s is the fallback). Then it writes a manifest of one video per
trained replica and runs ``generate`` on it the same way, and prints each
video's result. A few rows of each are designed to fail, as real training and
generation sometimes do. Its files go to a temporary folder that is removed at
the end, even after a failure or Ctrl-C, unless ``--keep`` (or ``--dir``)
keeps them.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from tavus_async.cli._common import add_connection_options
from tavus_async.cli._generate import add_generate_arguments, run_generate
from tavus_async.cli._results import read_results
from tavus_async.cli._row_schemas import REPLICA_ROWS, VIDEO_ROWS
from tavus_async.cli._train import add_train_arguments, run_train
from tavus_async.cli._watch_command import add_progress_argument
from tavus_async.testing import FakeTavus, free_port


__all__ = [
    "register",
    "run_demo",
    "write_demo_manifest",
    "write_video_manifest",
]

FAILING_MARK = "too-short"
"""Rows whose training video URL holds this fail, as a too-short video does."""
MUMBLED = "mumbled"
"""Videos whose script holds this fail to generate on the demo's fake."""

_Results = list[dict[str, str | None]]
_Add = Callable[[argparse.ArgumentParser], None]
_Run = Callable[[argparse.Namespace], Awaitable[int]]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` command."""
    demo = subparsers.add_parser(
        "demo",
        help="run 'train' and 'generate' against a bundled fake Tavus (no API "
        "key, no cost)",
        description="Write a manifest, start FakeTavus on 127.0.0.1 and run "
        "'tavus-async train' on it, then 'tavus-async generate' with one video "
        "per trained replica: everything is created, watched and reported, "
        "and a few rows fail on purpose.",
    )
    demo.add_argument(
        "--replicas",
        type=int,
        default=200,
        metavar="N",
        help="rows in the generated manifest (default: 200)",
    )
    demo.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to write the manifests, journals and results, replacing an "
        "earlier demo's, and keep them (default: a new temporary folder, "
        "removed at the end)",
    )
    demo.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder and say where it is",
    )
    add_progress_argument(demo)
    demo.add_argument(
        "--seed", type=int, default=None, help="seed of the fake's random choices"
    )
    demo.set_defaults(handler=run_demo)


def write_demo_manifest(path: Path, replicas: int) -> list[str]:
    """Write a CSV manifest of ``replicas`` rows; return the names meant to fail.

    Most rows train from a video; every tenth from an image with a stock
    voice; every fifth has a consent video; every thirty-third (at least one)
    has a training video that the fake rejects as too short.
    """
    failing: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=REPLICA_ROWS.fields)
        writer.writeheader()
        for number in range(1, replicas + 1):
            name = f"demo-{number:04d}"
            row = {"replica_name": name, "model_name": "phoenix-4"}
            if number % 33 == 0 or number == min(replicas, 7):
                failing.append(name)
                row["train_video_url"] = (
                    f"https://example.com/demo/{FAILING_MARK}-{number:04d}.mp4"
                )
            elif number % 10 == 0:
                row["train_image_url"] = f"https://example.com/demo/{name}.png"
                row["voice_name"] = "anna"
            else:
                row["train_video_url"] = f"https://example.com/demo/{name}.mp4"
                if number % 5 == 0:
                    row["consent_video_url"] = (
                        f"https://example.com/demo/{name}-consent.mp4"
                    )
                row["background_green_screen"] = "true" if number % 4 == 0 else ""
            writer.writerow(row)
    return failing


def write_video_manifest(path: Path, replicas: _Results) -> list[str]:
    """Write a CSV manifest of one video per completed replica of ``replicas``.

    Every twelfth video's script is one the demo's fake fails to generate.

    Returns:
        The names of the videos meant to fail.
    """
    failing: list[str] = []
    trained = [row for row in replicas if row["status"] == "completed"]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=VIDEO_ROWS.fields)
        writer.writeheader()
        for number, row in enumerate(trained, start=1):
            name = f"{row['replica_name']}-hello"
            script = f"Hello, I am {row['replica_name']}."
            if number % 12 == 0:
                failing.append(name)
                script = f"Hello, I {MUMBLED} something."
            writer.writerow(
                {"video_name": name, "replica_id": row["replica_id"], "script": script}
            )
    return failing


async def run_demo(args: argparse.Namespace) -> int:
    """Run the ``demo`` command.

    The files go to ``--dir``, else to a new temporary folder that is removed
    at the end (after a failure or Ctrl-C too) unless ``--keep`` is given.
    Where the files are, or that they were removed, is the last line on stderr.

    Returns:
        0 when the run went as designed (the rows meant to fail failed, every
        other replica completed and every other video is ready), else 1.
    """
    if args.replicas < 1:
        sys.stderr.write("tavus-async: error: --replicas: must be 1 or more\n")
        return 2
    folder = args.dir or Path(tempfile.mkdtemp(prefix="tavus-demo-"))
    remove = args.dir is None and not args.keep
    try:
        return await _demo_in(folder, args)
    finally:
        if remove:
            shutil.rmtree(folder, ignore_errors=True)
            sys.stderr.write(
                f"demo: removed {folder} (--keep or --dir DIR keeps the files)\n"
            )
        else:
            sys.stderr.write(f"demo: manifests, journals and results are in {folder}\n")


def _fresh(folder: Path, name: str) -> Path:
    """``folder / name``, without an earlier demo's journal of it."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / name
    for suffix in ("", "-wal", "-shm", ".lock"):
        manifest.with_name(f"{manifest.name}.journal{suffix}").unlink(missing_ok=True)
    return manifest


async def _demo_in(folder: Path, args: argparse.Namespace) -> int:
    replicas = _fresh(folder, "replicas.csv")
    failing = set(write_demo_manifest(replicas, args.replicas))
    sys.stderr.write(
        f"demo: {args.replicas} replicas in {replicas}; {len(failing)} are meant "
        "to fail (their training video is too short)\n"
    )
    async with FakeTavus(
        training_time=2.0, training_spread=8.0, seed=args.seed
    ) as fake:
        fake.mark_failing(FAILING_MARK)
        fake.videos.queue_time = 0.5
        fake.videos.generation_time, fake.videos.generation_spread = 1.0, 2.0
        fake.videos.fail_matching(MUMBLED, "The replica mumbled; try another script.")
        await _run(fake, args, add_train_arguments, run_train, replicas)
        trained = read_results(_results_of(replicas))
        wrong = _unexpected(trained, "replica_name", failing, "completed")
        videos = _fresh(folder, "videos.csv")
        mumbled = set(write_video_manifest(videos, trained))
        made: _Results = []
        if len(trained) > len(failing):
            sys.stderr.write(
                f"demo: {len(trained) - len(failing)} videos in {videos}, one per "
                f"trained replica; {len(mumbled)} are meant to fail\n"
            )
            await _run(fake, args, add_generate_arguments, run_generate, videos)
            made = read_results(_results_of(videos))
            wrong += _unexpected(made, "video_name", mumbled, "ready")
        else:
            sys.stderr.write("demo: no replica completed, so no video to generate\n")
    _print_videos(made)
    if wrong:
        sys.stderr.write(f"demo: unexpected results for {', '.join(wrong)}\n")
        return 1
    sys.stderr.write(
        f"demo: as designed, {len(trained) - len(failing)} replicas completed and "
        f"{len(failing)} failed; {len(made) - len(mumbled)} videos are ready and "
        f"{len(mumbled)} failed\n"
    )
    return 0


async def _run(
    fake: FakeTavus, args: argparse.Namespace, add: _Add, run: _Run, manifest: Path
) -> None:
    """Run a batch command on the fake, with a callback receiver of its own."""
    parser = argparse.ArgumentParser(prog="tavus-async")
    add(parser)
    add_connection_options(parser)
    port = free_port()
    command_args = parser.parse_args(
        [
            str(manifest),
            f"--callback-base-url=http://127.0.0.1:{port}/tavus/callbacks",
            f"--listen=127.0.0.1:{port}",
            "--poll-interval=5",
            "--concurrency=16",
            f"--progress={args.progress}",
            f"--api-key={fake.api_key}",
            f"--base-url={fake.url}",
            "--request-timeout=10",
        ]
    )
    await run(command_args)


def _results_of(manifest: Path) -> Path:
    return manifest.with_name(f"{manifest.stem}.results.csv")


def _unexpected(
    results: _Results, key: str, failing: set[str], success: str
) -> list[str]:
    return [
        str(row[key])
        for row in results
        if row["status"] != ("error" if row[key] in failing else success)
    ]


def _print_videos(rows: Sequence[dict[str, str | None]]) -> None:
    """One line per video on stdout: its name, status and file or error."""
    width = max((len(str(row["video_name"])) for row in rows), default=0)
    for row in rows:
        detail = row["download_url"] or row["error_message"] or ""
        sys.stdout.write(
            f"{row['video_name']!s:<{width}}  {row['status']!s:<7}  {detail}\n"
        )
    sys.stdout.flush()
