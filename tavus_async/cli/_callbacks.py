"""``--callback-base-url URL --listen HOST:PORT``: settle a batch job's rows by webhook.

Each replica (``train``) or video (``generate``) created by the job gets
``callback_url`` = the base URL plus a secret token; a receiver listening on
``HOST:PORT`` during the job passes each callback to the job's watcher, so a
row settles the moment Tavus calls back, and polling stays as the fallback
(for a callback lost on the way, or a row created by an earlier run with
another secret).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from attrs import frozen

from tavus_async import ValidationError, Watcher
from tavus_async.cli._common import UsageError, flag_message
from tavus_async.cli._kinds import JobKind
from tavus_async.webhooks import (
    CallbackReceiver,
    CallbackServer,
    callback_url_for,
    new_callback_secret,
)


__all__ = [
    "SECRET_VARIABLE",
    "CallbackSettings",
    "add_callback_arguments",
    "callback_settings",
    "parse_listen",
    "receiving",
]

SECRET_VARIABLE = "TAVUS_CALLBACK_SECRET"  # noqa: S105 (a variable name)
"""The environment variable holding the callback secret, if the user sets one."""

_FLAGS = {
    "allow_http": "--allow-http-callback",
    "base_url": "--callback-base-url",
    "secret": SECRET_VARIABLE,
}


@frozen(kw_only=True)
class CallbackSettings:
    """Where Tavus calls back and where the job listens.

    Attributes:
        callback_url: The ``callback_url`` given to each create.
        secret: The token that URL carries.
        host: The address to listen on.
        port: The port to listen on.
    """

    callback_url: str
    secret: str
    host: str
    port: int


def add_callback_arguments(parser: argparse.ArgumentParser, kind: JobKind) -> None:
    """Add ``--callback-base-url``, ``--allow-http-callback`` and ``--listen``,
    in the words of a job of ``kind``."""
    group = parser.add_argument_group(
        f"callbacks (optional: {kind}s settle when Tavus calls back; polling "
        "remains the fallback)"
    )
    own = (
        ". Rows with their own callback_url keep it" if kind is JobKind.REPLICA else ""
    )
    group.add_argument(
        "--callback-base-url",
        metavar="URL",
        help="public https URL that reaches --listen (a tunnel or a reverse "
        f"proxy); each new {kind}'s callback_url is this plus a secret token "
        f"(${SECRET_VARIABLE}, else a new one per run){own}",
    )
    group.add_argument(
        "--allow-http-callback",
        action="store_true",
        help="accept a plain-http --callback-base-url to a host that is not "
        "loopback (the callback token then crosses the network in clear text)",
    )
    group.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="where to receive the callbacks during the job, e.g. 127.0.0.1:8080",
    )


def parse_listen(text: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[::1]:8080`` for IPv6) into its parts.

    Raises:
        ValueError: Not ``HOST:PORT``, or a port outside 1-65535.
    """
    host, colon, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"must be HOST:PORT with a port from 1 to 65535, such as "
            f"127.0.0.1:8080 or [::1]:8080, got {text!r}"
        )
    return host, int(port)


def callback_settings(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ
) -> CallbackSettings | None:
    """The callback settings from ``args``, or None when callbacks are off.

    Raises:
        UsageError: Only one of the two flags is given, ``--listen`` is not
            ``HOST:PORT``, the base URL is not usable (plain http is allowed
            to loopback only) or ``$TAVUS_CALLBACK_SECRET`` is malformed.
    """
    base_url, listen = args.callback_base_url, args.listen
    if base_url is None and listen is None:
        return None
    if base_url is None or listen is None:
        given, missing = (
            ("--listen", "--callback-base-url")
            if base_url is None
            else ("--callback-base-url", "--listen")
        )
        raise UsageError(
            f"{given} needs {missing} too: Tavus posts to --callback-base-url, "
            "which must reach the receiver on --listen"
        )
    try:
        host, port = parse_listen(listen)
    except ValueError as exc:
        raise UsageError(f"--listen: {exc}") from None
    secret = environ.get(SECRET_VARIABLE) or new_callback_secret()
    try:
        callback_url = callback_url_for(
            base_url, secret=secret, allow_http=args.allow_http_callback
        )
    except ValidationError as exc:
        raise UsageError(flag_message(exc, _FLAGS)) from None
    return CallbackSettings(
        callback_url=callback_url, secret=secret, host=host, port=port
    )


@asynccontextmanager
async def receiving(
    settings: CallbackSettings, watcher: Watcher[Any]
) -> AsyncIterator[CallbackReceiver]:
    """Listen for callbacks that settle ``watcher``'s replicas or videos.

    On the way out, the server stops, the receiver hands over what it holds,
    and one line of counts goes to stderr.

    Raises:
        UsageError: The address cannot be listened on (in use, not local).
    """
    receiver = CallbackReceiver(secret=settings.secret, watcher=watcher)
    server = CallbackServer(receiver, host=settings.host, port=settings.port, path=None)
    try:
        await server.start()
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        raise UsageError(
            f"--listen {where}: cannot listen there ({exc.strerror or exc})"
        ) from None
    try:
        yield receiver
    finally:
        await server.close()
        await receiver.aclose(grace=1.0)
        stats = receiver.stats
        sys.stderr.write(
            f"callbacks: {stats.accepted} received, {stats.duplicates} repeated, "
            f"{stats.rejected} refused\n"
        )
