"""The API commands of replicas, conversations and voices.

Declared on the frame of :mod:`tavus_async.cli._commands`: JSON lines out,
bad input refused before any request, naming the flag.
"""

from __future__ import annotations

import functools
from argparse import Namespace

from tavus_async import (
    ConversationProperties,
    CreateConversationRequest,
    CreateReplicaRequest,
    ReplicaProperties,
    TavusClient,
)
from tavus_async.cli._commands import (
    HARD,
    PAGING,
    VERBOSE,
    Items,
    choice,
    command,
    given,
    group,
    ids,
    items,
    number,
    positional,
    switch,
    text,
)
from tavus_async.cli._common import UsageError


__all__: list[str] = []

group("replicas", "create, read, rename and delete replicas")
group("conversations", "create, read, end and delete conversations")
group("voices", "list the stock voices (for --voice-name)")

_REPLICA_ID = positional("replica_id", "the replica, such as r90bbd427f71")
_CONV_ID = positional("conversation_id", "the conversation, such as c123456")

# Replicas

_REPLICA_FIELDS = (
    text("--train-video-url", "direct download URL of the training video", "URL"),
    text("--train-image-url", "URL of a training image (needs --voice-name)", "URL"),
    text("--voice-name", "stock voice for image training (see voices list)", "NAME"),
    text("--consent-video-url", "a separate consent-statement video", "URL"),
    text("--replica-name", "display name", "NAME"),
    text("--model-name", "Phoenix model such as phoenix-4 (default: Tavus's)", "M"),
    text("--callback-url", "receives a POST when training ends", "URL"),
    switch("--auto-fix-training-image", "let Tavus fix the training image"),
)
_GREEN_SCREEN = switch("--green-screen", "train on a green-screen background")
_GREEN_SCREEN_PROPERTIES = ReplicaProperties(background_green_screen=True)


@command(
    "replicas create",
    "start training a replica (billed); print its id and status",
    "--train-video-url https://cdn.example.com/rio.mp4 --replica-name Rio",
    *_REPLICA_FIELDS,
    _GREEN_SCREEN,
)
async def _replicas_create(client: TavusClient, args: Namespace) -> Items:
    green = _GREEN_SCREEN_PROPERTIES if args.green_screen else None
    request = CreateReplicaRequest(**given(args, _REPLICA_FIELDS), properties=green)
    yield await client.replicas.create(request)


@command("replicas get", "print one replica", "r90bbd427f71", _REPLICA_ID, VERBOSE)
async def _replicas_get(client: TavusClient, args: Namespace) -> Items:
    yield await client.replicas.get(args.replica_id, verbose=args.verbose)


@command(
    "replicas list",
    "print replicas, one per line",
    "--type user --all",
    *PAGING,
    VERBOSE,
    choice("--type", "user or system ones only", "user", "system", dest="replica_type"),
    ids("--ids", "only these replicas", dest="replica_ids"),
    text("--model-name", "only replicas of this Phoenix model", "M"),
)
def _replicas_list(client: TavusClient, args: Namespace) -> Items:
    filters = ("verbose", "replica_type", "replica_ids", "model_name")
    kwargs = {name: getattr(args, name) for name in filters}
    return items(args, client.replicas.list, client.replicas.iter_all, **kwargs)


@command(
    "replicas rename",
    "rename a replica; print its id and new name",
    "r90bbd427f71 'Rio v2'",
    _REPLICA_ID,
    positional("replica_name", "the new name"),
)
async def _replicas_rename(client: TavusClient, args: Namespace) -> Items:
    await client.replicas.rename(args.replica_id, args.replica_name)
    yield {"replica_id": args.replica_id, "replica_name": args.replica_name}


@command("replicas delete", "delete a replica", "r90bbd427f71", _REPLICA_ID, HARD)
async def _replicas_delete(client: TavusClient, args: Namespace) -> Items:
    await client.replicas.delete(args.replica_id, hard=args.hard)
    yield {"replica_id": args.replica_id, "deleted": True}


# Conversations

_CONVERSATION_FIELDS = (
    text("--replica-id", "the replica that joins the call", "ID"),
    text("--persona-id", "the persona (it may bring a default replica)", "ID"),
    text("--conversation-name", "a name for the conversation", "NAME"),
    text("--callback-url", "receives the conversation's webhooks", "URL"),
    text("--conversational-context", "context appended to the persona's"),
    text("--custom-greeting", "what the replica says when someone joins"),
    switch("--audio-only", "a voice-only conversation"),
    switch("--test-mode", "create without the replica joining (no cost)"),
    switch("--require-auth", "a private room (the answer has a meeting_token)"),
    number("--max-participants", "room capacity, the replica included (>= 2)"),
    ids("--memory-stores", "memory store ids the persona reads and writes"),
    ids("--document-ids", "knowledge-base document ids"),
    ids("--document-tags", "knowledge-base tags", metavar="TAG,TAG"),
    choice(
        "--document-retrieval-strategy",
        "how documents are searched",
        "speed",
        "quality",
        "balanced",
    ),
)
_CONVERSATION_PROPERTIES = (
    number("--max-call-duration", "seconds before the call shuts down"),
    number("--participant-left-timeout", "seconds after the last one leaves"),
    number("--participant-absent-timeout", "seconds to wait for anyone to join"),
    switch("--enable-recording", "allow recording (storage set up at Tavus)"),
    switch("--enable-closed-captions", "send captions as app messages"),
    switch("--apply-greenscreen", "replace the background with green"),
    text("--language", "full language name, or multilingual", "LANGUAGE"),
)


@command(
    "conversations create",
    "start a conversation (billed unless --test-mode); print it",
    "--replica-id r90bbd427f71 --conversation-name Demo --test-mode",
    *_CONVERSATION_FIELDS,
    *_CONVERSATION_PROPERTIES,
)
async def _conversations_create(client: TavusClient, args: Namespace) -> Items:
    settings = given(args, _CONVERSATION_PROPERTIES)
    properties = ConversationProperties(**settings) if settings else None
    fields = given(args, _CONVERSATION_FIELDS)
    request = CreateConversationRequest(**fields, properties=properties)
    yield await client.conversations.create(request)


@command("conversations get", "print one conversation", "c123456", _CONV_ID, VERBOSE)
async def _conversations_get(client: TavusClient, args: Namespace) -> Items:
    yield await client.conversations.get(args.conversation_id, verbose=args.verbose)


@command(
    "conversations list",
    "print conversations, one per line",
    "--status active --all",
    *PAGING,
    choice("--status", "only active or only ended ones", "active", "ended"),
)
def _conversations_list(client: TavusClient, args: Namespace) -> Items:
    service = client.conversations
    return items(args, service.list, service.iter_all, status=args.status)


@command("conversations end", "end a conversation (billing stops)", "c123456", _CONV_ID)
async def _conversations_end(client: TavusClient, args: Namespace) -> Items:
    await client.conversations.end(args.conversation_id)
    yield {"conversation_id": args.conversation_id, "ended": True}


@command("conversations delete", "delete a conversation", "c123456", _CONV_ID, HARD)
async def _conversations_delete(client: TavusClient, args: Namespace) -> Items:
    await client.conversations.delete(args.conversation_id, hard=args.hard)
    yield {"conversation_id": args.conversation_id, "deleted": True}


@command(
    "voices list",
    "print stock voices, one per line",
    "--search an --tag en --sort desc",
    *PAGING,
    text("--search", "part of the voice name, any case", "S"),
    text("--tag", "only voices with this tag", "T"),
    choice("--sort", "by name (not with --all)", "asc", "desc"),
)
def _voices_list(client: TavusClient, args: Namespace) -> Items:
    if args.all and args.sort is not None:
        raise UsageError("--sort: not available with --all; drop one of them")
    one_page = functools.partial(client.voices.list, sort=args.sort)
    every = client.voices.iter_all
    return items(args, one_page, every, search=args.search, tag=args.tag)
