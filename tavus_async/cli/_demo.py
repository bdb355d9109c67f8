"""``tavus-async demo``: the whole train flow against a bundled FakeTavus.

No API key and no cost: it writes a manifest, starts
:class:`~tavus_async.testing.FakeTavus` on loopback, and runs ``train`` on it
with a callback receiver, so replicas settle when the fake calls back (polling
every 5 s is the fallback). A few rows are designed to fail, as real training
sometimes does. Its files go to a temporary folder that is removed at the end,
even after a failure or Ctrl-C, unless ``--keep`` (or ``--dir``) keeps them.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from pathlib import Path

from tavus_async.cli._common import add_connection_options
from tavus_async.cli._manifest import FIELDS
from tavus_async.cli._results import read_results
from tavus_async.cli._train import add_train_arguments, run_train
from tavus_async.cli._watch_command import add_progress_argument
from tavus_async.testing import FakeTavus, free_port


__all__ = ["register", "run_demo", "write_demo_manifest"]

FAILING_MARK = "too-short"
"""Rows whose training video URL holds this fail, as a too-short video does."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` command."""
    demo = subparsers.add_parser(
        "demo",
        help="run 'train' against a bundled fake Tavus (no API key, no cost)",
        description="Write a manifest, start FakeTavus on 127.0.0.1 and run "
        "'tavus-async train' on it: replicas are created, watched and reported, "
        "and a few fail on purpose.",
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
        help="where to write the manifest, journal and results, replacing an "
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
        writer = csv.DictWriter(file, fieldnames=FIELDS)
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


async def run_demo(args: argparse.Namespace) -> int:
    """Run the ``demo`` command.

    The files go to ``--dir``, else to a new temporary folder that is removed
    at the end (after a failure or Ctrl-C too) unless ``--keep`` is given.
    Where the files are, or that they were removed, is the last line on stderr.

    Returns:
        0 when the run went as designed (the rows meant to fail failed, every
        other row completed), else 1.
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
            sys.stderr.write(f"demo: manifest, journal and results are in {folder}\n")


def _prepare(folder: Path, replicas: int) -> tuple[Path, set[str]]:
    """Write a fresh manifest in ``folder``, without an earlier demo's journal."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "replicas.csv"
    for suffix in ("", "-wal", "-shm", ".lock"):
        manifest.with_name(f"{manifest.name}.journal{suffix}").unlink(missing_ok=True)
    return manifest, set(write_demo_manifest(manifest, replicas))


async def _demo_in(folder: Path, args: argparse.Namespace) -> int:
    manifest, failing = _prepare(folder, args.replicas)
    sys.stderr.write(
        f"demo: {args.replicas} replicas in {manifest}; {len(failing)} are meant "
        "to fail (their training video is too short)\n"
    )
    async with FakeTavus(
        training_time=2.0, training_spread=8.0, seed=args.seed
    ) as fake:
        fake.mark_failing(FAILING_MARK)
        parser = argparse.ArgumentParser(prog="tavus-async train")
        add_train_arguments(parser)
        add_connection_options(parser)
        port = free_port()
        train_args = parser.parse_args(
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
        await run_train(train_args)
    results = read_results(manifest.with_name(f"{manifest.stem}.results.csv"))
    wrong = [
        row["replica_name"]
        for row in results
        if row["status"] != ("error" if row["replica_name"] in failing else "completed")
    ]
    if wrong:
        sys.stderr.write(f"demo: unexpected results for {', '.join(map(str, wrong))}\n")
        return 1
    sys.stderr.write(
        f"demo: as designed, {len(results) - len(failing)} replicas completed and "
        f"{len(failing)} failed\n"
    )
    return 0
