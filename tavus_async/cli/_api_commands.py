"""The plain API commands: ``replicas``, ``conversations`` and ``voices``.

Each command prints what Tavus answered as JSON, one object per line on stdout
(a list prints one line per item), and reports errors on stderr with a
non-zero exit code. Bad input is refused before any request, naming the flag.
"""

from __future__ import annotations

import argparse
import functools
import sys
from argparse import Namespace
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from tavus_async import (
    ConversationProperties,
    CreateConversationRequest,
    CreateReplicaRequest,
    ReplicaProperties,
    TavusClient,
    ValidationError,
)
from tavus_async.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_connection_options,
    flag_message,
    make_client,
    write_json_line,
)


__all__ = ["comma_list", "register"]

_Items = AsyncIterator[object]
_Action = Callable[[TavusClient, Namespace], _Items]
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
class _Opt:
    names: tuple[str, ...]
    options: Mapping[str, Any]

    @property
    def dest(self) -> str:
        default = self.names[0].lstrip("-").replace("-", "_")
        return str(self.options.get("dest", default))


def _text(flag: str, help: str, metavar: str = "TEXT", **more: Any) -> _Opt:
    return _Opt((flag,), {"metavar": metavar, "help": help, **more})


def _number(flag: str, help: str) -> _Opt:
    return _text(flag, help, "N", type=int)


def _ids(flag: str, help: str, metavar: str = "ID,ID", **more: Any) -> _Opt:
    return _text(flag, help, metavar, type=comma_list, **more)


def _switch(flag: str, help: str, default: bool | None = None) -> _Opt:
    # A request field's switch is None when absent: the field is not sent.
    options = {"action": "store_true", "default": default, "help": help}
    return _Opt((flag,), options)


def _choice(flag: str, help: str, *choices: str, **more: Any) -> _Opt:
    return _Opt((flag,), {"choices": choices, "help": help, **more})


def _positional(dest: str, help: str) -> _Opt:
    return _Opt((dest,), {"metavar": dest.upper(), "help": help})


def _given(args: Namespace, options: Sequence[_Opt]) -> dict[str, Any]:
    values = {opt.dest: getattr(args, opt.dest) for opt in options}
    return {dest: value for dest, value in values.items() if value is not None}


@frozen
class _Leaf:
    group: str
    name: str
    help: str
    example: str
    options: tuple[_Opt, ...]
    action: _Action


_GROUPS = {
    "replicas": "create, read, rename and delete replicas",
    "conversations": "create, read, end and delete conversations",
    "voices": "list the stock voices (for --voice-name)",
}
_LEAVES: list[_Leaf] = []


def _command(
    path: str, help: str, example: str, *options: _Opt
) -> Callable[[_Action], _Action]:
    # Declares the leaf command `tavus-async GROUP NAME` (path) running the action.
    def add(action: _Action) -> _Action:
        group, name = path.split()
        _LEAVES.append(_Leaf(group, name, help, example, options, action))
        return action

    return add


_PAGING = (
    _number("--limit", "items per page (with --all: per request)"),
    _number("--page", "page number, from 1 (not with --all)"),
    _switch("--all", "print every page, not just one", default=False),
)
_VERBOSE = _switch("--verbose", "ask for Tavus's extra fields", default=False)
_HARD = _switch("--hard", "also delete the assets, irrevocably", default=False)
_REPLICA_ID = _positional("replica_id", "the replica, such as r90bbd427f71")
_CONV_ID = _positional("conversation_id", "the conversation, such as c123456")

# Replicas

_REPLICA_FIELDS = (
    _text("--train-video-url", "direct download URL of the training video", "URL"),
    _text("--train-image-url", "URL of a training image (needs --voice-name)", "URL"),
    _text("--voice-name", "stock voice for image training (see voices list)", "NAME"),
    _text("--consent-video-url", "a separate consent-statement video", "URL"),
    _text("--replica-name", "display name", "NAME"),
    _text("--model-name", "Phoenix model such as phoenix-4 (default: Tavus's)", "M"),
    _text("--callback-url", "receives a POST when training ends", "URL"),
    _switch("--auto-fix-training-image", "let Tavus fix the training image"),
)
_GREEN_SCREEN = _switch("--green-screen", "train on a green-screen background")
_GREEN_SCREEN_PROPERTIES = ReplicaProperties(background_green_screen=True)


@_command(
    "replicas create",
    "start training a replica (billed); print its id and status",
    "--train-video-url https://cdn.example.com/rio.mp4 --replica-name Rio",
    *_REPLICA_FIELDS,
    _GREEN_SCREEN,
)
async def _replicas_create(client: TavusClient, args: Namespace) -> _Items:
    green = _GREEN_SCREEN_PROPERTIES if args.green_screen else None
    request = CreateReplicaRequest(**_given(args, _REPLICA_FIELDS), properties=green)
    yield await client.replicas.create(request)


@_command("replicas get", "print one replica", "r90bbd427f71", _REPLICA_ID, _VERBOSE)
async def _replicas_get(client: TavusClient, args: Namespace) -> _Items:
    yield await client.replicas.get(args.replica_id, verbose=args.verbose)


@_command(
    "replicas list",
    "print replicas, one per line",
    "--type user --all",
    *_PAGING,
    _VERBOSE,
    _choice(
        "--type", "user or system ones only", "user", "system", dest="replica_type"
    ),
    _ids("--ids", "only these replicas", dest="replica_ids"),
    _text("--model-name", "only replicas of this Phoenix model", "M"),
)
def _replicas_list(client: TavusClient, args: Namespace) -> _Items:
    filters = ("verbose", "replica_type", "replica_ids", "model_name")
    kwargs = {name: getattr(args, name) for name in filters}
    return _items(args, client.replicas.list, client.replicas.iter_all, **kwargs)


@_command(
    "replicas rename",
    "rename a replica; print its id and new name",
    "r90bbd427f71 'Rio v2'",
    _REPLICA_ID,
    _positional("replica_name", "the new name"),
)
async def _replicas_rename(client: TavusClient, args: Namespace) -> _Items:
    await client.replicas.rename(args.replica_id, args.replica_name)
    yield {"replica_id": args.replica_id, "replica_name": args.replica_name}


@_command("replicas delete", "delete a replica", "r90bbd427f71", _REPLICA_ID, _HARD)
async def _replicas_delete(client: TavusClient, args: Namespace) -> _Items:
    await client.replicas.delete(args.replica_id, hard=args.hard)
    yield {"replica_id": args.replica_id, "deleted": True}


# Conversations

_CONVERSATION_FIELDS = (
    _text("--replica-id", "the replica that joins the call", "ID"),
    _text("--persona-id", "the persona (it may bring a default replica)", "ID"),
    _text("--conversation-name", "a name for the conversation", "NAME"),
    _text("--callback-url", "receives the conversation's webhooks", "URL"),
    _text("--conversational-context", "context appended to the persona's"),
    _text("--custom-greeting", "what the replica says when someone joins"),
    _switch("--audio-only", "a voice-only conversation"),
    _switch("--test-mode", "create without the replica joining (no cost)"),
    _switch("--require-auth", "a private room (the answer has a meeting_token)"),
    _number("--max-participants", "room capacity, the replica included (>= 2)"),
    _ids("--memory-stores", "memory store ids the persona reads and writes"),
    _ids("--document-ids", "knowledge-base document ids"),
    _ids("--document-tags", "knowledge-base tags", metavar="TAG,TAG"),
    _choice(
        "--document-retrieval-strategy",
        "how documents are searched",
        "speed",
        "quality",
        "balanced",
    ),
)
_CONVERSATION_PROPERTIES = (
    _number("--max-call-duration", "seconds before the call shuts down"),
    _number("--participant-left-timeout", "seconds after the last one leaves"),
    _number("--participant-absent-timeout", "seconds to wait for anyone to join"),
    _switch("--enable-recording", "allow recording (storage set up at Tavus)"),
    _switch("--enable-closed-captions", "send captions as app messages"),
    _switch("--apply-greenscreen", "replace the background with green"),
    _text("--language", "full language name, or multilingual", "LANGUAGE"),
)


@_command(
    "conversations create",
    "start a conversation (billed unless --test-mode); print it",
    "--replica-id r90bbd427f71 --conversation-name Demo --test-mode",
    *_CONVERSATION_FIELDS,
    *_CONVERSATION_PROPERTIES,
)
async def _conversations_create(client: TavusClient, args: Namespace) -> _Items:
    settings = _given(args, _CONVERSATION_PROPERTIES)
    properties = ConversationProperties(**settings) if settings else None
    fields = _given(args, _CONVERSATION_FIELDS)
    request = CreateConversationRequest(**fields, properties=properties)
    yield await client.conversations.create(request)


@_command("conversations get", "print one conversation", "c123456", _CONV_ID, _VERBOSE)
async def _conversations_get(client: TavusClient, args: Namespace) -> _Items:
    yield await client.conversations.get(args.conversation_id, verbose=args.verbose)


@_command(
    "conversations list",
    "print conversations, one per line",
    "--status active --all",
    *_PAGING,
    _choice("--status", "only active or only ended ones", "active", "ended"),
)
def _conversations_list(client: TavusClient, args: Namespace) -> _Items:
    service = client.conversations
    return _items(args, service.list, service.iter_all, status=args.status)


@_command(
    "conversations end", "end a conversation (billing stops)", "c123456", _CONV_ID
)
async def _conversations_end(client: TavusClient, args: Namespace) -> _Items:
    await client.conversations.end(args.conversation_id)
    yield {"conversation_id": args.conversation_id, "ended": True}


@_command("conversations delete", "delete a conversation", "c123456", _CONV_ID, _HARD)
async def _conversations_delete(client: TavusClient, args: Namespace) -> _Items:
    await client.conversations.delete(args.conversation_id, hard=args.hard)
    yield {"conversation_id": args.conversation_id, "deleted": True}


@_command(
    "voices list",
    "print stock voices, one per line",
    "--search an --tag en --sort desc",
    *_PAGING,
    _text("--search", "part of the voice name, any case", "S"),
    _text("--tag", "only voices with this tag", "T"),
    _choice("--sort", "by name (not with --all)", "asc", "desc"),
)
def _voices_list(client: TavusClient, args: Namespace) -> _Items:
    if args.all and args.sort is not None:
        raise UsageError("--sort: not available with --all; drop one of them")
    one_page = functools.partial(client.voices.list, sort=args.sort)
    every = client.voices.iter_all
    return _items(args, one_page, every, search=args.search, tag=args.tag)


async def _items(
    args: Namespace,
    one_page: Callable[..., Awaitable[Any]],
    every: Callable[..., _Items],
    **filters: Any,
) -> _Items:
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


# Wiring


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``replicas``, ``conversations`` and ``voices`` commands.

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
        group = subparsers.add_parser(
            group_name, help=group_help, description=description
        )
        group.set_defaults(handler=_usage(group))
        commands = group.add_subparsers(title="commands", metavar="COMMAND")
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
