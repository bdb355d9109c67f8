"""The ``tavus-async`` command line, built on the library's public API only.

Commands: ``train`` (a resumable batch-training job), ``generate`` (the same
for videos), ``watch``, ``demo`` (``train`` and ``generate`` against a
bundled FakeTavus), ``fake`` (a FakeTavus served on its own), and a group per
resource family (``replicas``, ``conversations``, ``voices``, ``personas``,
``videos``, ``documents``, ``objectives``, ``guardrails``,
``pronunciation-dictionaries``, ``transcriptions``: one JSON object per
line). Run ``tavus-async --help``; ``tavus-async --version`` prints the
version.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import tavus_async
from tavus_async import TavusError
from tavus_async.cli import (
    _api_commands,  # noqa: F401 - declares its command groups
    _commands,
    _demo,
    _fake_command,
    _generate,
    _resource_commands,  # noqa: F401 - declares its command groups
    _train,
    _watch_command,
)
from tavus_async.cli._common import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, fail


__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``tavus-async`` command."""
    parser = argparse.ArgumentParser(
        prog="tavus-async",
        description="Train replicas and generate videos in resumable batch jobs, "
        "watch them, and call the Tavus API.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"tavus-async {tavus_async.__version__}",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _train.register(commands)
    _generate.register(commands)
    _watch_command.register(commands)
    _demo.register(commands)
    _fake_command.register(commands)
    _commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``tavus-async`` command.

    Args:
        argv: The arguments after the program name (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 when everything completed, 1 when something failed,
        2 for bad input (arguments, manifest, a refused API key), 130 after
        Ctrl-C, except for ``fake``, whose normal end is Ctrl-C (0).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = asyncio.run(handler(args))
    except KeyboardInterrupt:
        sys.stderr.write("tavus-async: interrupted\n")
        return EXIT_INTERRUPTED
    except (UsageError, TavusError) as exc:
        return fail(exc)
    return code
