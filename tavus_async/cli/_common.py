"""What every command shares: exit codes, connection options, JSON output, errors."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from tavus_async import (
    APIError,
    AuthenticationError,
    PermissionDeniedError,
    TavusClient,
    ValidationError,
)


__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "add_connection_options",
    "command_words",
    "fail",
    "flag_message",
    "make_client",
    "write_json_line",
]

_CALL = re.compile(r"\bclient\.(\w+)\.(\w+)\(\)")
_COMMAND = r"tavus-async \1 \2"

_CONNECTION_FLAGS = {
    "allow_insecure_http": "--allow-insecure-http",
    "api_key": "--api-key",
    "base_url": "--base-url",
    "timeout": "--request-timeout",
}
_ON = re.compile(r"(--[a-z][a-z-]*)=True\b")
_SWITCH = r"\1"

EXIT_OK = 0
"""Everything asked for was done (every replica completed)."""
EXIT_FAILED = 1
"""The request failed, or some replica did not complete."""
EXIT_USAGE = 2
"""Bad input: arguments, manifest, journal, or an API key Tavus refused."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT); a journal-backed command resumes when run again."""


class UsageError(Exception):
    """Bad input found before or while running a command: exit code 2.

    The message names what is wrong and how to fix it.
    """


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--api-key``, ``--base-url``, ``--request-timeout`` and
    ``--allow-insecure-http`` to ``parser``."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--api-key",
        metavar="KEY",
        help="Tavus API key (default: $TAVUS_API_KEY)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: $TAVUS_BASE_URL, else https://tavusapi.com)",
    )
    group.add_argument(
        "--request-timeout",
        dest="timeout",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="time limit of each request (default: 60)",
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="accept a plain-http --base-url to a host that is not loopback "
        "(the API key then crosses the network in clear text)",
    )


def make_client(args: argparse.Namespace, **options: Any) -> TavusClient:
    """Build a client from the connection options in ``args``.

    Args:
        args: Parsed arguments holding ``api_key``, ``base_url``, ``timeout``
            and ``allow_insecure_http``.
        **options: Further :class:`~tavus_async.TavusClient` keywords.

    Raises:
        UsageError: No API key, or a bad base URL or timeout.
    """
    try:
        return TavusClient(
            api_key=args.api_key,
            base_url=args.base_url,
            timeout=args.timeout,
            allow_insecure_http=args.allow_insecure_http,
            **options,
        )
    except ValidationError as exc:
        raise UsageError(_usage_message(exc)) from None


def _usage_message(exc: ValidationError) -> str:
    if exc.field == "api_key" and exc.problems[0][1].startswith("no API key"):
        return "no API key: pass --api-key or set TAVUS_API_KEY"
    return flag_message(exc, _CONNECTION_FLAGS)


def flag_message(exc: ValidationError, flags: Mapping[str, str]) -> str:
    """Describe ``exc`` in the command line's terms: flags instead of fields.

    Args:
        exc: The problems found by the library, by field name.
        flags: The flag (or positional name) of each field, such as
            ``{"train_video_url": "--train-video-url"}``. A field under
            ``properties.`` is looked up by its last part.

    Returns:
        ``"--flag: message"`` for each problem, joined by ``"; "``. Field names
        inside the messages become flags too (``allow_x=True`` becomes
        ``--allow-x``), and ``client.voices.list()`` becomes
        ``tavus-async voices list``.
    """
    named = {field: flag for field, flag in flags.items() if "_" in field}
    words = re.compile(r"\b(" + "|".join(map(re.escape, named)) + r")\b")
    parts = []
    for field, message in exc.problems:
        flag = flags.get(field) or flags.get(field.rsplit(".", 1)[-1], field)
        text = words.sub(lambda m: named[m.group(1)], message) if named else message
        text = _ON.sub(_SWITCH, command_words(text))
        parts.append(f"{flag}: {text}")
    return "; ".join(parts)


def command_words(text: str) -> str:
    """``text`` with the library's calls named as commands.

    Returns:
        ``text`` with each ``client.voices.list()`` (any ``client.x.y()``)
        written as ``tavus-async voices list``.
    """
    return _CALL.sub(_COMMAND, text)


def write_json_line(stream: TextIO, client: TavusClient, value: object) -> None:
    """Write ``value`` (one of our types, or plain JSON data) as one JSON line."""
    data = client.converter.unstructure(value)
    stream.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    stream.flush()


def fail(exc: BaseException, *, stderr: TextIO | None = None) -> int:
    """Report a command's failure on stderr and return its exit code.

    Args:
        exc: What went wrong.
        stderr: Where to write (default ``sys.stderr``).

    Returns:
        ``EXIT_USAGE`` for bad input and a refused API key, ``EXIT_FAILED``
        for any other API failure.

    Raises:
        BaseException: ``exc`` itself when it is not one of ours (a bug).
    """
    out = stderr if stderr is not None else sys.stderr
    if isinstance(exc, UsageError | ValidationError):
        out.write(f"tavus-async: error: {exc}\n")
        return EXIT_USAGE
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        out.write(
            f"tavus-async: error: Tavus refused the API key ({exc}); check "
            "--api-key or TAVUS_API_KEY\n"
        )
        return EXIT_USAGE
    if isinstance(exc, APIError):
        out.write(f"tavus-async: error: {exc}\n")
        for note in getattr(exc, "__notes__", ()):
            out.write(f"  {note}\n")
        return EXIT_FAILED
    raise exc
