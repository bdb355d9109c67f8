"""``tavus-async fake``: a FakeTavus served on its own, to try things against.

Also run as ``python -m tavus_async.testing``. It serves
:class:`~tavus_async.testing.FakeTavus` on loopback until Ctrl-C or SIGTERM,
after printing its URL, its API key and the ``export`` lines that point
``tavus-async`` (or any client reading ``TAVUS_BASE_URL`` and
``TAVUS_API_KEY``) at it. Nobody advances the fake's clock here, so it is real
time: replicas train for ``--training-time`` real seconds. Every option is
checked before the server starts (exit code 2, see ``_fake_settings``);
stopping it is its normal end (exit code 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import TextIO

from tavus_async.cli._common import EXIT_OK, UsageError
from tavus_async.cli._fake_settings import FakeSettings, banner, settings_of
from tavus_async.testing import FakeTavus


__all__ = ["build_fake", "register", "run_fake", "serve"]

_TRIM_EVERY = 60.0
_EPILOG = """\
examples:
  tavus-async fake
  tavus-async fake --port 8080 --api-key my-fake-key --training-time 30
  tavus-async fake --fail 5% --inject 429:2=5% --inject drop=1%

Prints the URL, the API key and the lines that point tavus-async at the fake on
stdout, then serves until Ctrl-C or SIGTERM (exit code 0). State is in memory
and is lost when the fake stops. Also run as: python -m tavus_async.testing
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fake`` command."""
    fake = subparsers.add_parser(
        "fake",
        help="serve a fake Tavus API on loopback to try the CLI or a backend against",
        description="Serve FakeTavus on its own: the Tavus API with in-memory "
        "state, replicas that train in real time, and optional faults.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = fake.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=0, help="port to bind (default: 0, a free one)")
    add(
        "--allow-remote",
        action="store_true",
        help="accept a --host that is not loopback (anyone who can reach it and "
        "knows the key can use the fake; the key crosses the network in clear text)",
    )
    add(
        "--api-key",
        metavar="KEY",
        help="the key the fake accepts (default: a new random one each run; "
        "$TAVUS_API_KEY is not read, so a real key is never printed)",
    )
    add(
        "--training-time",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds each new replica trains (default: 30)",
    )
    add(
        "--training-spread",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="up to this many extra seconds per replica, at random (default: 0)",
    )
    add(
        "--fail",
        metavar="RATE",
        help="share of new replicas whose training fails, as 0.05 or 5%% "
        "(default: none)",
    )
    add(
        "--fail-matching",
        action="append",
        default=[],
        metavar="TEXT",
        help="training fails for replicas whose name or training URL holds TEXT "
        "(repeatable)",
    )
    add(
        "--inject",
        action="append",
        default=[],
        metavar="KIND[:SECONDS]=RATE",
        help="give a share of all requests a fault: an HTTP status (SECONDS: its "
        "Retry-After), drop, garbage, slow:SECONDS or truncate[:SECONDS]; RATE is "
        "0-1 or a percentage (repeatable; the first that hits wins)",
    )
    add(
        "--max-page-size",
        type=int,
        metavar="N",
        help="the most items one List answer holds (default: no cap)",
    )
    add(
        "--replicas",
        type=int,
        default=0,
        metavar="N",
        help="completed stock replicas to start with (default: 0)",
    )
    add("--seed", type=int, help="seed of generated ids and random faults")
    add(
        "--no-callbacks",
        dest="callbacks",
        action="store_false",
        help="never POST to callback_url, as when Tavus does not call back",
    )
    add(
        "--pal-events",
        action="store_true",
        help="conversations also send system.pal_joined",
    )
    fake.set_defaults(handler=run_fake)


def build_fake(settings: FakeSettings) -> FakeTavus:
    """A stopped :class:`~tavus_async.testing.FakeTavus` set up as ``settings`` say."""
    fake = FakeTavus(
        api_key=settings.api_key,
        training_time=settings.training_time,
        training_spread=settings.training_spread,
        host=settings.host,
        port=settings.port,
        seed=settings.seed,
    )
    fake.failure_rate = settings.failure_rate
    for text in settings.failing:
        fake.mark_failing(text)
    for injection in settings.faults:
        fake.inject_rate(injection.fault, injection.rate)
    fake.max_page_size = settings.max_page_size
    fake.callbacks_enabled = settings.callbacks
    fake.pal_events = settings.pal_events
    for number in range(1, settings.replicas + 1):
        fake.add_replica(replica_name=f"Stock replica {number}")
    return fake


async def serve(
    settings: FakeSettings,
    stop: asyncio.Event,
    *,
    out: TextIO,
    ready: asyncio.Future[FakeTavus] | None = None,
    trim_every: float = _TRIM_EVERY,
) -> None:
    """Serve a fake as ``settings`` say until ``stop`` is set, then close it.

    Args:
        settings: What to serve.
        stop: Set it to stop serving.
        out: Where the :func:`banner` goes once the fake serves.
        ready: Given the running fake once the banner is written.
        trim_every: Seconds between two clearings of the fake's request and
            callback logs, which nobody reads here, so that a long run does
            not grow without bound.

    Raises:
        UsageError: The address cannot be bound (in use, or no such host).
    """
    fake = build_fake(settings)
    try:
        await fake.start()
    except OSError as exc:
        raise UsageError(
            f"--host/--port: cannot listen on {settings.host}:{settings.port} "
            f"({exc.strerror or exc}); pick another --port, or --port 0 for a "
            "free one"
        ) from None
    try:
        out.write(banner(fake.url, settings))
        out.flush()
        if ready is not None:
            ready.set_result(fake)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(trim_every):
                    await stop.wait()
            fake.reset_log()
            fake.callbacks = []
    finally:
        await fake.close()


@contextlib.contextmanager
def _stopped_by_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (where the loop can take signals)."""
    loop = asyncio.get_running_loop()
    previous: dict[signal.Signals, signal._HANDLER] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(number)
        try:
            loop.add_signal_handler(number, stop.set)
        except (RuntimeError, NotImplementedError):  # not the main thread; Windows
            continue
        previous[number] = handler
    try:
        yield
    finally:
        for number, handler in previous.items():
            loop.remove_signal_handler(number)
            if handler is not None:
                signal.signal(number, handler)


async def run_fake(
    args: argparse.Namespace, *, ready: asyncio.Future[FakeTavus] | None = None
) -> int:
    """Run the ``fake`` command: serve until Ctrl-C or SIGTERM.

    Args:
        args: The parsed options of ``tavus-async fake``.
        ready: Given the running fake once it serves (for tests).

    Returns:
        0 once stopped by Ctrl-C (SIGINT) or SIGTERM, its normal end.

    Raises:
        UsageError: A bad option, or an address that cannot be bound.
    """
    settings = settings_of(args)
    stop = asyncio.Event()
    with _stopped_by_signals(stop):
        await serve(settings, stop, out=sys.stdout, ready=ready)
    sys.stderr.write("fake: stopped\n")
    return EXIT_OK
