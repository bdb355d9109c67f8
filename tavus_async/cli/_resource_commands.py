"""The API commands of the resource families of #17: personas, videos, documents,
objectives, guardrails, pronunciation dictionaries and transcriptions.

Declared on the frame of :mod:`tavus_async.cli._commands`: JSON lines out,
bad input refused before any request, naming the flag (or, for ``--file``,
the place in the file). Each family is one :class:`~tavus_async.cli._family.Family`
row, whose create, get, list, delete, rename and patch are made by
:func:`~tavus_async.cli._family.declare`; the commands of a family's own
(``documents update``, ``documents recrawl``) follow its row.
"""

from __future__ import annotations

from argparse import Namespace

from tavus_async import (
    CrawlConfig,
    CreateDocumentRequest,
    CreatePersonaRequest,
    GenerateVideoRequest,
    TavusClient,
)
from tavus_async.cli._commands import (
    HARD,
    VERBOSE,
    Items,
    choice,
    command,
    given,
    ids,
    number,
    positional,
    switch,
    text,
)
from tavus_async.cli._common import UsageError
from tavus_async.cli._family import PAGING_FROM_0, Create, Family, declare, values
from tavus_async.types.guardrails import CreateGuardrailsRequest
from tavus_async.types.objectives import CreateObjectivesRequest
from tavus_async.types.pronunciation_dictionaries import (
    CreatePronunciationDictionaryRequest,
)
from tavus_async.types.transcriptions import CreateTranscriptionRequest


__all__: list[str] = []


# Personas

declare(
    Family(
        group="personas",
        help="create, read, patch and delete personas",
        noun="a persona",
        plural="personas",
        id=positional("persona_id", "the persona, such as pcb7a34da5fe"),
        example_id="pcb7a34da5fe",
        create=Create(
            name="create",
            help="create a persona from flags or a JSON file; print its id",
            example="--file persona.json",
            request=CreatePersonaRequest,
            flags=(
                text("--persona-name", "a name for the persona", "NAME"),
                text("--system-prompt", "the LLM's instructions"),
                text("--default-replica-id", "the replica it uses by default", "ID"),
            ),
        ),
        list_example="--type user --all",
        filters=(
            choice(
                "--type",
                "user or system ones only",
                "user",
                "system",
                dest="persona_type",
            ),
        ),
        patch_example="--file patch.json",
    )
)


# Videos

declare(
    Family(
        group="videos",
        help="generate, read, rename and delete videos of a replica",
        noun="a video",
        plural="videos",
        id=positional("video_id", "the video, such as 783537ef5"),
        example_id="783537ef5",
        create=Create(
            name="generate",
            help="start generating a video (billed); print its id and status",
            example="--replica-id r90bbd427f71 --script 'Hello!' --video-name hello",
            request=GenerateVideoRequest,
            flags=(
                text("--replica-id", "the replica that speaks", "ID"),
                text("--script", "the text it speaks"),
                text("--audio-url", "or a .wav or .mp3 it lip-syncs to", "URL"),
                text("--video-name", "display name", "NAME"),
                text("--callback-url", "receives the video once it ends", "URL"),
            ),
        ),
        list_example="--all",
        paging=PAGING_FROM_0,
        get=(VERBOSE,),
        delete=(HARD,),
        rename="video_name",
    )
)


# Documents

_DOCUMENT_ID = positional("document_id", "the document, such as d8-5c71baca86fc")
_DOCUMENT_NAME = text("--name", "a name for the document", "NAME", dest="document_name")
_CRAWL = (
    number("--depth", "follow links this many levels from the URL (1 to 10)"),
    number("--max-pages", "crawl at most this many pages (1 to 100)"),
)
_DOCUMENT_FIELDS = (
    text(
        "--url",
        "a direct URL to a file (.pdf, .docx, ...) or a website",
        "URL",
        dest="document_url",
    ),
    _DOCUMENT_NAME,
    ids("--tags", "tags that group documents", metavar="TAG,TAG"),
    text("--callback-url", "receives the document's status updates", "URL"),
)


def _crawl(args: Namespace) -> CrawlConfig | None:
    """``--depth`` and ``--max-pages`` as a crawl, None when neither is given."""
    settings = given(args, _CRAWL)
    return CrawlConfig(**settings) if settings else None


def _document_request(args: Namespace) -> CreateDocumentRequest:
    return CreateDocumentRequest(**values(args, _DOCUMENT_FIELDS), crawl=_crawl(args))


declare(
    Family(
        group="documents",
        help="add, read, update, recrawl and delete knowledge-base documents",
        noun="a document",
        plural="documents",
        id=_DOCUMENT_ID,
        example_id="d8-5c71baca86fc",
        create=Create(
            name="create",
            help="add a file or a website to the knowledge base; print the document",
            example="--url https://docs.example.com/ --tags docs --depth 2",
            request=CreateDocumentRequest,
            flags=(*_DOCUMENT_FIELDS, *_CRAWL),
            build=_document_request,
        ),
        list_example="--status ready --tags docs --all",
        filters=(
            choice("--sort", "by creation time", "ascending", "descending"),
            text(
                "--status", "only documents with this status, such as ready", "STATUS"
            ),
            text(
                "--search", "part of the name, or the id", "TEXT", dest="name_or_uuid"
            ),
            ids("--tags", "only documents with these tags", metavar="TAG,TAG"),
        ),
        paging=PAGING_FROM_0,
    )
)


@command(
    "documents update",
    "rename a document or replace its tags; print it",
    "d8-5c71baca86fc --name 'FAQ 2025' --tags faq,2025",
    _DOCUMENT_ID,
    _DOCUMENT_NAME,
    ids("--tags", "its new tags, replacing the old ones", metavar="TAG,TAG"),
    switch("--no-tags", "remove every tag", default=False),
)
async def _documents_update(client: TavusClient, args: Namespace) -> Items:
    if args.no_tags and args.tags is not None:
        raise UsageError("--no-tags: not with --tags; give one of them")
    tags = [] if args.no_tags else args.tags
    yield await client.documents.update(
        args.document_id, document_name=args.document_name, tags=tags
    )


@command(
    "documents recrawl",
    "crawl a website document again (status ready or error); print it",
    "d8-5c71baca86fc --depth 2 --max-pages 20",
    _DOCUMENT_ID,
    *_CRAWL,
)
async def _documents_recrawl(client: TavusClient, args: Namespace) -> Items:
    yield await client.documents.recrawl(args.document_id, crawl=_crawl(args))


# Objectives and guardrails: sets of items under one id, from files only


def _declare_set(name: str, request: type, example_id: str, what: str) -> None:
    """Declare the group of one family of sets, such as ``objectives``."""
    declare(
        Family(
            group=name,
            help=f"create, read, patch and delete sets of {name} ({what})",
            noun=f"a set of {name}",
            plural=f"sets of {name}",
            id=positional(f"{name}_id", f"the set, such as {example_id}"),
            example_id=example_id,
            create=Create(
                name="create",
                help=f"create a set of {name} from a JSON file; print its id",
                example=f"--file {name}.json",
                request=request,
            ),
            list_example="--all",
            patch_example="--file patch.json",
        )
    )


_declare_set(
    "objectives", CreateObjectivesRequest, "o12345", "the goals a persona works toward"
)
_declare_set(
    "guardrails", CreateGuardrailsRequest, "g12345", "the rules a persona keeps to"
)


# Pronunciation dictionaries

declare(
    Family(
        group="pronunciation-dictionaries",
        help="create, read, patch and delete pronunciation dictionaries",
        noun="a pronunciation dictionary",
        plural="pronunciation dictionaries (without their rules)",
        id=positional("dictionary_id", "the dictionary, such as pd_abc123def456gh"),
        id_field="pronunciation_dictionary_id",
        example_id="pd_abc123def456gh",
        create=Create(
            name="create",
            help="create a dictionary (its name and rules) from a JSON file; print it",
            example="--file dictionary.json",
            request=CreatePronunciationDictionaryRequest,
        ),
        list_example="--sort asc --all",
        filters=(
            choice("--sort", "by creation: desc (newest first) or asc", "asc", "desc"),
        ),
        paging=PAGING_FROM_0,
        patch_example="--file patch.json",
    )
)


# Transcriptions

declare(
    Family(
        group="transcriptions",
        help="transcribe the speech of video files; read and delete transcriptions",
        noun="a transcription",
        plural="transcriptions",
        id=positional("transcription_id", "the transcription, such as t0108f2d24k2a"),
        example_id="t0108f2d24k2a",
        create=Create(
            name="create",
            help="start transcribing a video; print its id and status",
            example="--url https://cdn.example.com/talk.mp4 "
            "--callback-url https://app.example.com/transcribed",
            request=CreateTranscriptionRequest,
            flags=(
                text("--url", "a direct link to the video", "URL", dest="file_url"),
                text(
                    "--callback-url", "receives the transcription when it ends", "URL"
                ),
            ),
        ),
        list_example="--all",
    )
)
