"""The API commands of the resource families of #17 against FakeTavus.

Each command runs through ``main()`` in a worker thread (see
``tests/cli/test_api_commands.py``); what it printed is read as JSON lines.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tavus_async import TavusClient
from tavus_async.testing import FakeTavus
from tests.cli.test_api_commands import run


PROMPT = "You are a patient maths tutor."
LLM = "https://llm.example.com/v1"
AUDIO = "https://cdn.example.com/hello.mp3"
SITE = "https://docs.example.com/"
PERSONA = {
    "persona_name": "Tutor",
    "system_prompt": PROMPT,
    "document_tags": ["maths"],
    "layers": {"llm": {"model": "my-model", "base_url": LLM, "tools": []}},
}


def write(tmp_path: Path, name: str, data: Any) -> str:
    """Write ``data`` as JSON to ``tmp_path/name``; return the path."""
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


async def run_stdin(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeTavus,
    data: Any,
    *argv: str,
) -> tuple[int, list[dict[str, Any]], str]:
    """Run one command with ``data`` as JSON on its standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    return await run(capsys, fake, *argv)


# Personas


async def test_personas_create_from_a_file(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The file is sent as it is; the answer is one line with the new id."""
    file = write(tmp_path, "persona.json", PERSONA)
    code, [created], _ = await run(capsys, fake, "personas", "create", "--file", file)

    assert 0 == code
    assert "Tutor" == created["persona_name"]
    assert "Tutor" == fake.personas.persona(created["persona_id"])["persona_name"]
    assert {**PERSONA, "layers": {"llm": {"model": "my-model", "base_url": LLM}}} == (
        fake.requests[-1].json
    )


async def test_personas_create_from_standard_input(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--file -`` reads the request from standard input."""
    data = {"pipeline_mode": "echo", "persona_name": "Echo"}
    code, [created], _ = await run_stdin(
        capsys, monkeypatch, fake, data, "personas", "create", "--file", "-"
    )

    assert 0 == code
    assert data == fake.requests[-1].json
    assert "echo" == fake.personas.persona(created["persona_id"])["pipeline_mode"]


async def test_personas_create_from_flags(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --file, the common fields come from flags."""
    replica_id = fake.add_replica()
    code, [created], _ = await run(
        capsys,
        fake,
        *("personas", "create", "--persona-name", "Tutor"),
        *("--system-prompt", PROMPT, "--default-replica-id", replica_id),
    )

    assert 0 == code
    assert {
        "persona_name": "Tutor",
        "system_prompt": PROMPT,
        "default_replica_id": replica_id,
    } == fake.requests[-1].json
    assert created["persona_id"] in fake.personas.ids("user")


async def test_personas_get_list_and_delete(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """get prints the persona, list one line each, delete says it deleted."""
    first = fake.personas.add(persona_name="A", system_prompt=PROMPT)
    second = fake.personas.add(persona_name="B", system_prompt=PROMPT)

    code, [got], _ = await run(capsys, fake, "personas", "get", first)
    assert (0, first, "A", "user") == (
        code,
        got["persona_id"],
        got["persona_name"],
        got["persona_type"],
    )

    code, lines, _ = await run(capsys, fake, "personas", "list", "--type", "user")
    assert (0, [first, second]) == (code, [line["persona_id"] for line in lines])
    assert {"persona_type": "user"} == fake.requests[-1].query

    code, lines, _ = await run(capsys, fake, "personas", "delete", first)
    assert (0, [{"persona_id": first, "deleted": True}]) == (code, lines)
    assert [second] == fake.personas.ids("user")


async def test_personas_list_all_fetches_every_page(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """--all pages from 1 until every persona is printed."""
    stock = fake.personas.ids()
    code, lines, _ = await run(
        capsys, fake, "personas", "list", "--all", "--limit", "2"
    )

    assert 0 == code
    assert stock == [line["persona_id"] for line in lines]
    assert ["1", "2"] == [r.query["page"] for r in fake.requests]


async def test_personas_patch_says_whether_it_changed(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A patch that changes the persona prints true; the same again, false (304)."""
    persona_id = fake.personas.add(persona_name="Old", system_prompt=PROMPT)
    patch = [
        {"op": "replace", "path": "/persona_name", "value": "New"},
        {"op": "add", "path": "/document_tags", "value": ["maths"]},
    ]
    file = write(tmp_path, "patch.json", patch)
    argv = ("personas", "patch", persona_id, "--file", file)

    code, lines, _ = await run(capsys, fake, *argv)
    assert (0, [{"persona_id": persona_id, "changed": True}]) == (code, lines)
    assert patch == fake.requests[-1].json
    assert ("New", ["maths"]) == (
        fake.personas.persona(persona_id)["persona_name"],
        fake.personas.persona(persona_id)["document_tags"],
    )

    code, lines, _ = await run(capsys, fake, *argv)
    assert (0, [{"persona_id": persona_id, "changed": False}]) == (code, lines)
    assert 2 == fake.count("PATCH", f"/v2/personas/{persona_id}")


async def test_personas_patch_from_standard_input(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``patch ID --file -`` reads the operations from standard input."""
    persona_id = fake.personas.add(persona_name="Old", system_prompt=PROMPT)
    patch = [{"op": "replace", "path": "/persona_name", "value": "New"}]
    code, lines, _ = await run_stdin(
        capsys, monkeypatch, fake, patch, "personas", "patch", persona_id, "--file", "-"
    )

    assert (0, [{"persona_id": persona_id, "changed": True}]) == (code, lines)
    assert "New" == fake.personas.persona(persona_id)["persona_name"]


# Videos


async def test_videos_generate_from_flags(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """The common fields of Generate Video as flags; the answer is queued."""
    replica_id = fake.add_replica()
    code, [video], _ = await run(
        capsys,
        fake,
        *("videos", "generate", "--replica-id", replica_id, "--script", "Hello!"),
        *("--video-name", "hello", "--callback-url", "https://app.example.com/cb"),
    )

    assert 0 == code
    assert ("hello", "queued") == (video["video_name"], video["status"])
    assert {
        "replica_id": replica_id,
        "script": "Hello!",
        "video_name": "hello",
        "callback_url": "https://app.example.com/cb",
    } == fake.requests[-1].json


async def test_videos_generate_from_a_file(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every field of GenerateVideoRequest can come from the file."""
    data = {
        "replica_id": fake.add_replica(),
        "audio_url": AUDIO,
        "background_url": SITE,
        "properties": {"background_scroll": True, "start_with_wave": False},
    }
    file = write(tmp_path, "video.json", data)
    code, [video], _ = await run(capsys, fake, "videos", "generate", "--file", file)

    assert 0 == code
    assert "queued" == video["status"]
    assert data == fake.requests[-1].json


async def test_videos_get_rename_and_delete(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], client: TavusClient
) -> None:
    """get --verbose asks for the thumbnails; rename and delete --hard print the id."""
    video_id = fake.videos.add(video_name="old")

    code, [video], _ = await run(capsys, fake, "videos", "get", video_id, "--verbose")
    assert (0, video_id, "ready") == (code, video["video_id"], video["status"])
    assert {"verbose": "true"} == fake.requests[-1].query
    assert video["still_image_thumbnail_url"]

    code, lines, _ = await run(capsys, fake, "videos", "rename", video_id, "new")
    assert (0, [{"video_id": video_id, "video_name": "new"}]) == (code, lines)
    assert "new" == (await client.videos.get(video_id)).video_name

    code, lines, _ = await run(capsys, fake, "videos", "delete", video_id, "--hard")
    assert (0, [{"video_id": video_id, "deleted": True}]) == (code, lines)
    assert {"hard": "true"} == fake.requests[-1].query


@pytest.mark.parametrize(
    ("args", "expected", "pages"),
    [
        ((), [0, 1, 2, 3, 4], ["None"]),
        (("--limit", "2", "--page", "0"), [0, 1], ["0"]),
        (("--limit", "2", "--page", "2"), [4], ["2"]),
        (("--all", "--limit", "2"), [0, 1, 2, 3, 4], ["0", "1", "2"]),
    ],
)
async def test_videos_list_counts_pages_from_0(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: list[int],
    pages: list[str],
) -> None:
    """--page 0 is the first page; --all starts there too."""
    ids = [fake.videos.add() for _ in range(5)]
    code, lines, _ = await run(capsys, fake, "videos", "list", *args)

    assert 0 == code
    assert [ids[n] for n in expected] == [line["video_id"] for line in lines]
    assert pages == [str(r.query.get("page")) for r in fake.requests]


# Documents


async def test_documents_create_from_flags(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """--url, --name, --tags and the crawl flags make the request."""
    code, [document], _ = await run(
        capsys,
        fake,
        *("documents", "create", "--url", SITE, "--name", "Docs"),
        *("--tags", "docs,faq", "--depth", "2", "--max-pages", "20"),
    )

    assert 0 == code
    assert ("Docs", ["docs", "faq"]) == (document["document_name"], document["tags"])
    assert {
        "document_url": SITE,
        "document_name": "Docs",
        "tags": ["docs", "faq"],
        "crawl": {"depth": 2, "max_pages": 20},
    } == fake.requests[-1].json


async def test_documents_create_from_standard_input(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CreateDocumentRequest as JSON on standard input."""
    data = {"document_url": SITE, "callback_url": "https://app.example.com/cb"}
    code, [document], _ = await run_stdin(
        capsys, monkeypatch, fake, data, "documents", "create", "--file", "-"
    )

    assert 0 == code
    assert data == fake.requests[-1].json
    assert SITE == document["document_url"]


@pytest.mark.parametrize(
    ("args", "expected", "query"),
    [
        ((), [0, 1, 2], {}),
        (("--sort", "descending"), [2, 1, 0], {"sort": "descending"}),
        (("--status", "error"), [1], {"status": "error"}),
        (("--search", "faq"), [2], {"name_or_uuid": "faq"}),
        (("--tags", "a,b"), [0, 2], {"tags": "a,b"}),
        (("--limit", "1", "--page", "1"), [1], {"limit": "1", "page": "1"}),
    ],
)
async def test_documents_list(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: list[int],
    query: dict[str, str],
) -> None:
    """Each filter reaches Tavus by its query name; pages count from 0."""
    ids = [
        fake.documents.add(SITE, document_name="guide", tags=["a"]),
        fake.documents.add(SITE, document_name="notes", status="error"),
        fake.documents.add(SITE, document_name="faq", tags=["b"]),
    ]
    code, lines, _ = await run(capsys, fake, "documents", "list", *args)

    assert 0 == code
    assert [ids[n] for n in expected] == [line["document_id"] for line in lines]
    assert query == dict(fake.requests[-1].query)


async def test_documents_list_all_fetches_every_page(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """--all with filters asks each page from 0 with the same filters."""
    ids = [fake.documents.add(SITE, tags=["a"]) for _ in range(3)]
    fake.documents.add(SITE, tags=["other"])
    code, lines, _ = await run(
        capsys, fake, "documents", "list", "--all", "--limit", "2", "--tags", "a"
    )

    assert 0 == code
    assert ids == [line["document_id"] for line in lines]
    assert [("0", "a"), ("1", "a")] == [
        (r.query["page"], r.query["tags"]) for r in fake.requests
    ]


async def test_documents_get_update_recrawl_and_delete(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command prints the document Tavus answered, delete its id."""
    document_id = fake.documents.add(SITE, tags=["old"], crawl={"depth": 1})

    code, [document], _ = await run(capsys, fake, "documents", "get", document_id)
    assert (0, "ready") == (code, document["status"])

    code, [document], _ = await run(
        capsys, fake, "documents", "update", document_id, "--name", "FAQ", "--tags", "x"
    )
    assert (0, "FAQ", ["x"]) == (code, document["document_name"], document["tags"])
    assert {"document_name": "FAQ", "tags": ["x"]} == fake.requests[-1].json

    code, [document], _ = await run(
        capsys, fake, "documents", "update", document_id, "--no-tags"
    )
    assert (0, []) == (code, document.get("tags", []))  # () is left out
    assert {"tags": []} == fake.requests[-1].json

    code, [document], _ = await run(
        capsys, fake, "documents", "recrawl", document_id, "--depth", "2"
    )
    assert (0, "recrawling") == (code, document["status"])
    assert {"crawl": {"depth": 2}} == fake.requests[-1].json

    code, lines, _ = await run(capsys, fake, "documents", "delete", document_id)
    assert (0, [{"document_id": document_id, "deleted": True}]) == (code, lines)
    assert 1 == fake.count("DELETE", f"/v2/documents/{document_id}")


# Objectives and guardrails


SETS = {
    "objectives": {
        "data": [
            {"objective_name": "ask_name", "objective_prompt": "Ask their name"},
            {"objective_name": "greet", "objective_prompt": "Greet them by name"},
        ]
    },
    "guardrails": {
        "name": "Safety",
        "data": [
            {"guardrail_name": "no_prices", "guardrail_prompt": "Quote none"},
            {"guardrail_name": "no_advice", "guardrail_prompt": "Give no advice"},
        ],
    },
}


@pytest.mark.parametrize("name", sorted(SETS))
async def test_sets_create_get_list_patch_and_delete(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """Each command of a family of sets, from the create to the delete."""
    family, key = getattr(fake, name), f"{name}_id"
    file = write(tmp_path, "set.json", SETS[name])
    code, [created], _ = await run(capsys, fake, name, "create", "--file", file)
    set_id = created[key]
    assert (0, "active") == (code, created["status"])
    assert SETS[name] == fake.requests[-1].json

    code, [got], _ = await run(capsys, fake, name, "get", set_id)
    assert (0, set_id, SETS[name]["data"]) == (code, got[key], got["data"])

    other = family.add(data=SETS[name]["data"])
    code, lines, _ = await run(capsys, fake, name, "list", "--all", "--limit", "1")
    assert (0, [set_id, other]) == (code, [line[key] for line in lines])

    patch = write(tmp_path, "patch.json", [{"op": "remove", "path": "/data/0"}])
    code, lines, _ = await run(capsys, fake, name, "patch", set_id, "--file", patch)
    assert (0, [{key: set_id, "changed": True}]) == (code, lines)
    assert SETS[name]["data"][1:] == family.stored(set_id)["data"]

    same = [{"op": "test", "path": "/data", "value": SETS[name]["data"][1:]}]
    patch = write(tmp_path, "same.json", same)
    code, lines, _ = await run(capsys, fake, name, "patch", set_id, "--file", patch)
    assert (0, [{key: set_id, "changed": False}]) == (code, lines)

    code, lines, _ = await run(capsys, fake, name, "delete", set_id)
    assert (0, [{key: set_id, "deleted": True}]) == (code, lines)
    assert [other] == family.ids()


# Pronunciation dictionaries


async def test_pronunciation_dictionaries_every_command(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """create, get, list (pages from 0), patch true then false, delete."""
    group, key = "pronunciation-dictionaries", "pronunciation_dictionary_id"
    rule = {
        "text": "Tavus",
        "pronunciation": "TAH-vus",
        "type": "alias",
        "case_sensitive": False,
        "word_boundaries": True,
    }
    file = write(tmp_path, "dictionary.json", {"name": "Brand", "rules": [rule]})
    code, [created], _ = await run(capsys, fake, group, "create", "--file", file)
    dictionary_id = created[key]
    assert (0, "Brand", [rule]) == (code, created["name"], created["rules"])

    code, [got], _ = await run(capsys, fake, group, "get", dictionary_id)
    assert (0, [rule]) == (code, got["rules"])

    older = fake.pronunciation_dictionaries.add("Older")
    code, lines, _ = await run(
        capsys, fake, group, "list", "--all", "--sort", "asc", "--limit", "1"
    )
    assert (0, [dictionary_id, older]) == (code, [line[key] for line in lines])
    assert [("0", "asc"), ("1", "asc")] == [
        (r.query["page"], r.query["sort"]) for r in fake.requests[-2:]
    ]

    patch = write(
        tmp_path, "patch.json", [{"op": "replace", "path": "/name", "value": "B"}]
    )
    argv = (group, "patch", dictionary_id, "--file", patch)
    code, lines, _ = await run(capsys, fake, *argv)
    assert (0, [{key: dictionary_id, "changed": True}]) == (code, lines)
    code, lines, _ = await run(capsys, fake, *argv)
    assert (0, [{key: dictionary_id, "changed": False}]) == (code, lines)

    code, lines, _ = await run(capsys, fake, group, "delete", dictionary_id)
    assert (0, [{key: dictionary_id, "deleted": True}]) == (code, lines)
    assert [older] == fake.pronunciation_dictionaries.ids()


# Transcriptions

VIDEO = "https://cdn.example.com/talk.mp4"
HOOK = "https://app.example.com/transcribed"


async def test_transcriptions_every_command(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """create from flags and from standard input, get, list --all, delete."""
    code, [first], _ = await run(
        capsys, fake, "transcriptions", "create", "--url", VIDEO, "--callback-url", HOOK
    )
    assert (0, "started") == (code, first["status"])
    assert {"file_url": VIDEO, "callback_url": HOOK} == fake.requests[-1].json

    code, [second], _ = await run_stdin(
        capsys,
        monkeypatch,
        fake,
        {"file_url": VIDEO, "callback_url": HOOK},
        *("transcriptions", "create", "--file", "-"),
    )
    assert 0 == code
    ids = [first["transcription_id"], second["transcription_id"]]

    code, [got], _ = await run(capsys, fake, "transcriptions", "get", ids[0])
    assert (0, ids[0], VIDEO) == (code, got["transcription_id"], got["file_url"])

    code, lines, _ = await run(capsys, fake, "transcriptions", "list", "--all")
    assert (0, ids) == (code, [line["transcription_id"] for line in lines])

    code, lines, _ = await run(capsys, fake, "transcriptions", "delete", ids[0])
    assert (0, [{"transcription_id": ids[0], "deleted": True}]) == (code, lines)
