"""The frame of the API commands: options, one leaf per command, JSON lines out.

A command group (``replicas``, ``personas``, ...) is declared with
:func:`group`; each of its commands with the :func:`command` decorator on an
action that yields what to print. Each command prints what Tavus answered as
JSON, one object per line on stdout (a list prints one line per item), and
reports errors on stderr with a non-zero exit code. Bad input is refused before
any request, naming the flag.
"""

from __future__ import annotations

import argparse
import json
import sys
from argparse import Namespace
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from tavus_async import TavusClient, ValidationError
from tavus_async.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_connection_options,
    flag_message,
    make_client,
    write_json_line,
)


__all__ = [
    "HARD",
    "PAGING",
    "VERBOSE",
    "Items",
    "Opt",
    "choice",
    "comma_list",
    "command",
    "given",
    "group",
    "ids",
    "items",
    "number",
    "positional",
    "read_json",
    "register",
    "switch",
    "text",
]

Items = AsyncIterator[object]
_Action = Callable[[TavusClient, Namespace], Items]
_Handler = Callable[[Namespace], Awaitable[int]]


def comma_list(text: str) -> list[str]:
    """Split a comma-separated option value such as ``"r1,r2"``.

    Raises:
        argparse.ArgumentTypeError: An empty item (the value is empty, or has
            a leading, trailing or doubled comma).
    """
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated values such as 'a,b', got {text!r}"
        )
    return items


@frozen
class Opt:
    """One argparse argument of a command: its names and ``add_argument`` options."""

    names: tuple[str, ...]
    options: Mapping[str, Any]

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments that holds the value."""
        default = self.names[0].lstrip("-").replace("-", "_")
        return str(self.options.get("dest", default))


def text(flag: str, help: str, metavar: str = "TEXT", **more: Any) -> Opt:
    """An option taking one value, such as ``--replica-name NAME``."""
    return Opt((flag,), {"metavar": metavar, "help": help, **more})


def number(flag: str, help: str) -> Opt:
    """An option taking an integer."""
    return text(flag, help, "N", type=int)


def ids(flag: str, help: str, metavar: str = "ID,ID", **more: Any) -> Opt:
    """An option taking comma-separated values (see :func:`comma_list`)."""
    return text(flag, help, metavar, type=comma_list, **more)


def switch(flag: str, help: str, default: bool | None = None) -> Opt:
    """A flag without a value; None when absent, so a request field is not sent."""
    options = {"action": "store_true", "default": default, "help": help}
    return Opt((flag,), options)


def choice(flag: str, help: str, *choices: str, **more: Any) -> Opt:
    """An option taking one of ``choices``."""
    return Opt((flag,), {"choices": choices, "help": help, **more})


def positional(dest: str, help: str) -> Opt:
    """A positional argument, such as an id."""
    return Opt((dest,), {"metavar": dest.upper(), "help": help})


def given(args: Namespace, options: Sequence[Opt]) -> dict[str, Any]:
    """The values of ``options`` that were given, by ``dest``."""
    values = {opt.dest: getattr(args, opt.dest) for opt in options}
    return {dest: value for dest, value in values.items() if value is not None}


@frozen
class _Leaf:
    group: str
    name: str
    help: str
    example: str
    options: tuple[Opt, ...]
    action: _Action


_GROUPS: dict[str, str] = {}
_LEAVES: list[_Leaf] = []


def group(name: str, help: str) -> None:
    """Declare the command group ``tavus-async NAME`` (before its commands)."""
    _GROUPS[name] = help


def command(
    path: str, help: str, example: str, *options: Opt
) -> Callable[[_Action], _Action]:
    # Declares the leaf command `tavus-async GROUP NAME` (path) running the action.
    def add(action: _Action) -> _Action:
        group, name = path.split()
        _LEAVES.append(_Leaf(group, name, help, example, options, action))
        return action

    return add


PAGING = (
    number("--limit", "items per page (with --all: per request)"),
    number("--page", "page number, from 1 (not with --all)"),
    switch("--all", "print every page, not just one", default=False),
)
VERBOSE = switch("--verbose", "ask for Tavus's extra fields", default=False)
HARD = switch("--hard", "also delete the assets, irrevocably", default=False)


def read_json(path: str, flag: str = "--file") -> Any:
    """The JSON in file ``path`` (``-``: standard input).

    Raises:
        UsageError: The file cannot be read or holds no valid JSON, naming
            ``flag``, the file and the place of the error.
    """
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag}: cannot read {path!r}: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {path!r} is not valid JSON: {exc}") from None


async def items(
    args: Namespace,
    one_page: Callable[..., Awaitable[Any]],
    every: Callable[..., Items],
    **filters: Any,
) -> Items:
    """What a list command prints: one page, or with ``--all`` every item."""
    if not args.all:
        page = await one_page(limit=args.limit, page=args.page, **filters)
        for item in page.data:
            yield item
        return
    if args.page is not None:
        raise UsageError("--page: not with --all, which fetches every page")
    size = {} if args.limit is None else {"limit": args.limit}
    async for item in every(**size, **filters):
        yield item


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every declared command group (``replicas``, ``personas``, ...).

    Each leaf command sets ``handler`` to an ``async def (args) -> int`` that
    prints JSON lines on stdout and returns 0, or raises
    :class:`~tavus_async.cli._common.UsageError` (bad input, the flag named,
    nothing sent) or :class:`~tavus_async.TavusError` for the caller to
    report. A group given without a command prints its help on stderr and
    returns 2.

    Args:
        subparsers: The top-level parser's subcommands.
    """
    for group_name, group_help in _GROUPS.items():
        description = group_help[0].upper() + group_help[1:] + "."
        parser = subparsers.add_parser(
            group_name, help=group_help, description=description
        )
        parser.set_defaults(handler=_usage(parser))
        commands = parser.add_subparsers(title="commands", metavar="COMMAND")
        for leaf in _LEAVES:
            if leaf.group == group_name:
                _add_leaf(commands, leaf)


def _add_leaf(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], leaf: _Leaf
) -> None:
    parser = commands.add_parser(
        leaf.name,
        help=leaf.help,
        description=leaf.help[0].upper() + leaf.help[1:] + ".",
        epilog=f"example:\n  tavus-async {leaf.group} {leaf.name} {leaf.example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    flags = {}
    for opt in leaf.options:
        action = parser.add_argument(*opt.names, **opt.options)
        flags[action.dest] = (action.option_strings or [str(action.metavar)])[0]
    add_connection_options(parser)
    parser.set_defaults(handler=_handler(leaf.action, flags))


def _handler(action: _Action, flags: Mapping[str, str]) -> _Handler:
    async def handler(args: Namespace) -> int:
        try:
            async with make_client(args) as client:
                async for value in action(client, args):
                    write_json_line(sys.stdout, client, value)
        except ValidationError as exc:
            raise UsageError(flag_message(exc, flags)) from None
        return EXIT_OK

    return handler


def _usage(parser: argparse.ArgumentParser) -> _Handler:
    async def handler(args: Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return handler
