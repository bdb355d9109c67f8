"""The options of ``tavus-async fake``, checked, and the banner it prints.

Pure code: :func:`settings_of` turns parsed options into
:class:`FakeSettings` or a :class:`~tavus_async.cli._common.UsageError`
naming every bad flag, :func:`parse_injection` reads one ``--inject`` value,
and :func:`banner` is what the command prints once it serves.
"""

from __future__ import annotations

import argparse
import math
import secrets
import shlex

import attrs

from tavus_async._validation import is_loopback
from tavus_async.cli._common import UsageError
from tavus_async.testing import Fault


__all__ = [
    "FakeSettings",
    "Injection",
    "banner",
    "parse_injection",
    "parse_rate",
    "settings_of",
]

_INJECT_FORM = (
    "expected KIND[:SECONDS]=RATE, such as 503=0.05, 429:2=10%, drop=1%, "
    "garbage=1%, slow:3=5% or truncate=1%"
)
_KINDS = "an HTTP status 400-599 (such as 503), drop, garbage, slow:SECONDS or truncate"


@attrs.frozen
class Injection:
    """One ``--inject`` value: a fault, the share of requests it hits, the text."""

    fault: Fault
    rate: float
    text: str


@attrs.frozen(kw_only=True)
class FakeSettings:
    """What ``tavus-async fake`` serves, every value checked by :func:`settings_of`."""

    api_key: str
    host: str = "127.0.0.1"
    port: int = 0
    training_time: float = 30.0
    training_spread: float = 0.0
    failing: tuple[str, ...] = ()
    failure_rate: float = 0.0
    faults: tuple[Injection, ...] = ()
    max_page_size: int | None = None
    seed: int | None = None
    replicas: int = 0
    callbacks: bool = True
    pal_events: bool = False


def parse_rate(text: str) -> float:
    """A share of requests: ``"0.05"`` or ``"5%"`` is 0.05.

    Raises:
        ValueError: Not a number, or outside 0-1 (0%-100%).
    """
    number = text.strip()
    percent = number.endswith("%")
    try:
        value = float(number.removesuffix("%").strip())
    except ValueError:
        value = math.nan
    if percent:
        value /= 100
    if not 0.0 <= value <= 1.0:
        raise ValueError(
            f"RATE must be from 0 to 1 or a percentage such as 5%, got {text!r}"
        )
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value < math.inf:
        raise ValueError(f"SECONDS must be a number 0 or more, got {text!r}")
    return value


def _fault(kind: str, seconds: float | None) -> Fault:
    if kind.isascii() and kind.isdigit():
        status = int(kind)
        if not 400 <= status <= 599:
            raise ValueError(f"KIND must be {_KINDS}; got status {status}")
        return Fault.http(status, retry_after=seconds)
    if kind in ("drop", "garbage") and seconds is not None:
        raise ValueError(f"{kind} takes no :SECONDS")
    if kind == "drop":
        return Fault.drop()
    if kind == "garbage":
        return Fault.garbage()
    if kind == "slow":
        if seconds is None:
            raise ValueError("slow needs :SECONDS, such as slow:3=5%")
        return Fault.slow(seconds)
    if kind == "truncate":
        return Fault.truncate(pause=seconds or 0.0)
    raise ValueError(f"KIND must be {_KINDS}; got {kind!r}")


def parse_injection(text: str) -> Injection:
    """One ``--inject`` value, ``KIND[:SECONDS]=RATE``.

    ``503=5%`` answers 5% of requests with a 503; ``429:2=0.1`` answers 10%
    with a 429 and ``Retry-After: 2``; ``drop``, ``garbage``,
    ``slow:SECONDS`` and ``truncate[:SECONDS]`` are the other
    :class:`~tavus_async.testing.Fault` kinds.

    Raises:
        ValueError: A malformed value; the message shows the expected form.
    """
    spec, equals, rate = text.partition("=")
    if not equals:
        raise ValueError(_INJECT_FORM)
    kind, colon, seconds = spec.strip().lower().partition(":")
    fault = _fault(kind.strip(), _seconds(seconds) if colon else None)
    return Injection(fault, parse_rate(rate), text)


def _key_problem(key: str) -> str | None:
    if not key.strip():
        return "must not be empty"
    if key != key.strip() or not (key.isascii() and key.isprintable()):
        return "use printable ASCII without spaces around it (it is sent in a header)"
    return None


def settings_of(args: argparse.Namespace) -> FakeSettings:
    """Check the ``fake`` command's options and gather them.

    Args:
        args: The parsed options of ``tavus-async fake``.

    Returns:
        The settings; a new random API key when ``--api-key`` was not given.

    Raises:
        UsageError: Every bad value at once, each naming its flag and the fix.
    """
    problems: list[str] = []
    if not args.allow_remote and not is_loopback(args.host):
        problems.append(
            f"--host {args.host}: not a loopback address, and the fake serves "
            "plain http, so its key would cross the network in clear text; use "
            "127.0.0.1, or add --allow-remote"
        )
    if not 0 <= args.port <= 65535:
        problems.append(f"--port: must be 0 (a free port) to 65535, got {args.port}")
    key_problem = None if args.api_key is None else _key_problem(args.api_key)
    if key_problem is not None:
        problems.append(f"--api-key: {key_problem}")
    for flag, value in (
        ("--training-time", args.training_time),
        ("--training-spread", args.training_spread),
    ):
        if not 0.0 <= value < math.inf:
            problems.append(f"{flag}: must be 0 or more seconds, got {value}")
    failure_rate = 0.0
    if args.fail is not None:
        try:
            failure_rate = parse_rate(args.fail)
        except ValueError as exc:
            problems.append(f"--fail {args.fail!r}: {exc}")
    if "" in args.fail_matching:
        problems.append("--fail-matching: must not be empty")
    faults = []
    for text in args.inject:
        try:
            faults.append(parse_injection(text))
        except ValueError as exc:
            problems.append(f"--inject {text!r}: {exc}")
    if args.max_page_size is not None and args.max_page_size < 1:
        problems.append(f"--max-page-size: must be 1 or more, got {args.max_page_size}")
    if args.replicas < 0:
        problems.append(f"--replicas: must be 0 or more, got {args.replicas}")
    if problems:
        raise UsageError("; ".join(problems))
    return FakeSettings(
        api_key=args.api_key or f"fake-{secrets.token_hex(12)}",
        host=args.host,
        port=args.port,
        training_time=args.training_time,
        training_spread=args.training_spread,
        failing=tuple(args.fail_matching),
        failure_rate=failure_rate,
        faults=tuple(faults),
        max_page_size=args.max_page_size,
        seed=args.seed,
        replicas=args.replicas,
        callbacks=args.callbacks,
        pal_events=args.pal_events,
    )


def banner(url: str, settings: FakeSettings) -> str:
    """What ``tavus-async fake`` prints once it serves at ``url``."""
    spread = settings.training_spread
    lines = [
        f"FakeTavus is serving the Tavus API at {url}",
        f"API key: {settings.api_key}",
        "",
        "In another terminal, point tavus-async (or any client that reads "
        "these variables) at it:",
        "",
        f"  export TAVUS_BASE_URL={shlex.quote(url)}",
        f"  export TAVUS_API_KEY={shlex.quote(settings.api_key)}",
        "  tavus-async replicas list",
        "  tavus-async train manifest.csv --poll-interval 5",
        "",
        f"Replicas train for {settings.training_time:g} s"
        + (f" plus up to {spread:g} s" if spread else "")
        + "."
        + (f" {settings.replicas} stock replicas." if settings.replicas else ""),
    ]
    if settings.failure_rate:
        lines.append(f"Training fails for {settings.failure_rate:.0%} of new replicas.")
    if settings.failing:
        failing = ", ".join(map(repr, settings.failing))
        lines.append(f"Training fails for replicas matching {failing}.")
    if settings.faults:
        faults = ", ".join(injection.text for injection in settings.faults)
        lines.append(f"Faults: {faults}.")
    if settings.max_page_size is not None:
        lines.append(f"List answers hold at most {settings.max_page_size} items.")
    if not settings.callbacks:
        lines.append("Callbacks are off: clients must poll.")
    if not is_loopback(settings.host):
        lines.append(
            f"It listens on {settings.host}, beyond loopback: anyone who can reach "
            "it and has the key can use it, and clients on other machines need "
            "--allow-insecure-http (allow_insecure_http=True) for plain http."
        )
    lines.append("State is in memory and lost when the fake stops. Ctrl-C stops it.")
    return "\n".join(lines) + "\n"
