"""The plain API commands (replicas, conversations, voices) against FakeTavus.

``main()`` calls ``asyncio.run``, so each command runs in a worker thread while
the test's loop keeps the fake serving; ``capsys`` captures both streams.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tavus_async import CreateConversationRequest, TavusClient, ValidationError
from tavus_async.cli import build_parser, main
from tavus_async.cli._commands import comma_list
from tavus_async.cli._common import flag_message, make_client
from tavus_async.testing import FakeTavus


REPO = Path(__file__).resolve().parents[2]
VIDEO = "https://cdn.example.com/rio.mp4"
IMAGE = "https://cdn.example.com/rio.png"

Result = tuple[int, list[dict[str, Any]], str]


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


async def run(
    capsys: pytest.CaptureFixture[str], fake: FakeTavus | None, *argv: str
) -> Result:
    """Run one command; connect it to ``fake`` with flags unless None."""
    if fake is not None:
        argv = (*argv, "--base-url", fake.url, "--api-key", fake.api_key)
    code = await asyncio.to_thread(_main, list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


# Pure helpers


@pytest.mark.parametrize(
    ("problems", "flags", "expected"),
    [
        (
            [("train_video_url", "give exactly one of train_video_url or x")],
            {"train_video_url": "--train-video-url"},
            "--train-video-url: give exactly one of --train-video-url or x",
        ),
        (
            [("voice_name", "see client.voices.list(), e.g. voice_name='a'")],
            {"voice_name": "--voice-name"},
            "--voice-name: see tavus-async voices list, e.g. --voice-name='a'",
        ),
        (
            [("properties.max_call_duration", "must be at least 0, got -1")],
            {"max_call_duration": "--max-call-duration"},
            "--max-call-duration: must be at least 0, got -1",
        ),
        (
            [("limit", "must be at least 1"), ("page", "must be at least 1")],
            {"limit": "--limit", "page": "--page", "all": "--all"},
            "--limit: must be at least 1; --page: must be at least 1",
        ),
        (
            [("replica_id", "must be a non-empty id, got ''")],
            {"replica_id": "REPLICA_ID"},
            "REPLICA_ID: must be a non-empty id, got ''",
        ),
        ([("other", "all is well")], {"all": "--all"}, "other: all is well"),
        ([("other", "replica_ids")], {}, "other: replica_ids"),
    ],
)
def test_flag_message_names_flags_not_fields(
    problems: list[tuple[str, str]], flags: dict[str, str], expected: str
) -> None:
    assert expected == flag_message(ValidationError(problems), flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("r1", ["r1"]), ("r1,r2", ["r1", "r2"]), (" r1 , r2 ", ["r1", "r2"])],
)
def test_comma_list_splits(text: str, expected: list[str]) -> None:
    assert expected == comma_list(text)


@pytest.mark.parametrize("text", ["", ",", "r1,", ",r1", "r1,,r2", "r1, ,r2"])
def test_comma_list_refuses_empty_items(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated"):
        comma_list(text)


# Replicas


async def test_replicas_create_from_video(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = await run(
        capsys,
        fake,
        *("replicas", "create", "--train-video-url", VIDEO),
        *("--replica-name", "Rio", "--model-name", "phoenix-3", "--green-screen"),
    )
    assert 0 == code
    [created] = lines
    assert "started" == created["status"]
    assert "Rio" == fake.replica(created["replica_id"])["replica_name"]
    assert 1 == fake.count("POST", "/v2/replicas")
    assert {
        "train_video_url": VIDEO,
        "replica_name": "Rio",
        "model_name": "phoenix-3",
        "properties": {"background_green_screen": True},
    } == fake.requests[-1].json


async def test_replicas_create_from_image(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    code, [created], _ = await run(
        capsys,
        fake,
        *("replicas", "create", "--train-image-url", IMAGE, "--voice-name", "anna"),
        "--auto-fix-training-image",
    )
    assert 0 == code
    assert created["replica_id"] == fake.replica(created["replica_id"])["replica_id"]
    assert {
        "train_image_url": IMAGE,
        "voice_name": "anna",
        "auto_fix_training_image": True,
    } == fake.requests[-1].json


async def test_replicas_get(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    replica_id = fake.add_replica(replica_name="Stock", replica_type="system")
    code, [replica], _ = await run(
        capsys, fake, "replicas", "get", replica_id, "--verbose"
    )
    assert 0 == code
    assert (replica_id, "Stock", "completed", "system") == (
        replica["replica_id"],
        replica["replica_name"],
        replica["status"],
        replica["replica_type"],
    )
    assert {"verbose": "true"} == fake.requests[-1].query


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), [0, 1, 2, 3]),
        (("--limit", "2", "--page", "2"), [2, 3]),
        (("--type", "user"), [1, 3]),
        (("--ids", "{0},{3}"), [0, 3]),
        (("--model-name", "phoenix-4", "--type", "system"), [2]),
        (("--all", "--limit", "3"), [0, 1, 2, 3]),
    ],
)
async def test_replicas_list(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: list[int],
) -> None:
    ids = [
        fake.add_replica(replica_type="system"),
        fake.add_replica(replica_type="user"),
        fake.add_replica(replica_type="system", model_name="phoenix-4"),
        fake.add_replica(replica_type="user"),
    ]
    argv = [arg.format(*ids) for arg in args]
    code, lines, _ = await run(capsys, fake, "replicas", "list", *argv)
    assert 0 == code
    assert [ids[n] for n in expected] == [line["replica_id"] for line in lines]


async def test_replicas_list_all_fetches_every_page(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [fake.add_replica(replica_type="user") for _ in range(5)]
    code, lines, _ = await run(
        capsys, fake, "replicas", "list", "--all", "--limit", "2", "--verbose"
    )
    assert 0 == code
    assert ids == [line["replica_id"] for line in lines]
    assert {"user"} == {line["replica_type"] for line in lines}
    assert 3 == fake.count("GET", "/v2/replicas")


async def test_replicas_rename(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    replica_id = fake.add_replica(replica_name="Old")
    code, lines, _ = await run(capsys, fake, "replicas", "rename", replica_id, "New")
    assert 0 == code
    assert [{"replica_id": replica_id, "replica_name": "New"}] == lines
    assert "New" == fake.replica(replica_id)["replica_name"]


@pytest.mark.parametrize(("args", "query"), [((), {}), (("--hard",), {"hard": "true"})])
async def test_replicas_delete(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    query: dict[str, str],
) -> None:
    replica_id = fake.add_replica()
    code, lines, _ = await run(capsys, fake, "replicas", "delete", replica_id, *args)
    assert 0 == code
    assert [{"replica_id": replica_id, "deleted": True}] == lines
    assert query == fake.requests[-1].query
    with pytest.raises(KeyError):
        fake.replica(replica_id)


# Conversations


async def test_conversations_create(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    replica_id = fake.add_replica()
    code, [conversation], _ = await run(
        capsys,
        fake,
        *("conversations", "create", "--replica-id", replica_id, "--persona-id", "p1"),
        *("--conversation-name", "Demo", "--test-mode", "--max-participants", "3"),
        *("--document-ids", "d1,d2", "--language", "english", "--audio-only"),
        *("--custom-greeting", "Hi", "--max-call-duration", "600"),
    )
    assert 0 == code
    assert ("Demo", "ended") == (
        conversation["conversation_name"],
        conversation["status"],
    )
    assert (
        replica_id == fake.conversation(conversation["conversation_id"])["replica_id"]
    )
    assert {
        "replica_id": replica_id,
        "persona_id": "p1",
        "conversation_name": "Demo",
        "custom_greeting": "Hi",
        "audio_only": True,
        "document_ids": ["d1", "d2"],
        "test_mode": True,
        "max_participants": 3,
        "properties": {"max_call_duration": 600, "language": "english"},
    } == fake.requests[-1].json


async def _conversation(
    fake: FakeTavus, client: TavusClient, *, test_mode: bool
) -> str:
    request = CreateConversationRequest(
        replica_id=fake.add_replica(), test_mode=test_mode
    )
    return (await client.conversations.create(request)).conversation_id


async def test_conversations_get_end_delete(
    fake: FakeTavus, client: TavusClient, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation_id = await _conversation(fake, client, test_mode=False)
    code, [got], _ = await run(
        capsys, fake, "conversations", "get", conversation_id, "--verbose"
    )
    assert (0, conversation_id, "active") == (
        code,
        got["conversation_id"],
        got["status"],
    )

    code, lines, _ = await run(capsys, fake, "conversations", "end", conversation_id)
    assert (0, [{"conversation_id": conversation_id, "ended": True}]) == (code, lines)
    assert "ended" == fake.conversation(conversation_id)["status"]

    code, lines, _ = await run(
        capsys, fake, "conversations", "delete", conversation_id, "--hard"
    )
    assert (0, [{"conversation_id": conversation_id, "deleted": True}]) == (code, lines)
    assert {"hard": "true"} == fake.requests[-1].query
    with pytest.raises(KeyError):
        fake.conversation(conversation_id)


@pytest.mark.parametrize(
    ("args", "expected", "requests"),
    [
        ((), [0, 1, 2], 1),
        (("--status", "active"), [0, 2], 1),
        (("--status", "ended", "--limit", "5"), [1], 1),
        (("--limit", "1", "--page", "3"), [2], 1),
        (("--all", "--limit", "1"), [0, 1, 2], 3),
    ],
)
async def test_conversations_list(
    fake: FakeTavus,
    client: TavusClient,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: list[int],
    requests: int,
) -> None:
    ids = [
        await _conversation(fake, client, test_mode=False),
        await _conversation(fake, client, test_mode=True),
        await _conversation(fake, client, test_mode=False),
    ]
    code, lines, _ = await run(capsys, fake, "conversations", "list", *args)
    assert 0 == code
    assert [ids[n] for n in expected] == [line["conversation_id"] for line in lines]
    assert requests == fake.count("GET", "/v2/conversations")


# Voices


@pytest.mark.parametrize(
    ("args", "expected", "requests"),
    [
        ((), ["anna", "ben", "chloe", "daniel", "emma"], 1),
        (("--search", "AN", "--sort", "desc"), ["daniel", "anna"], 1),
        (("--tag", "fr"), ["chloe"], 1),
        (("--limit", "2", "--page", "2"), ["chloe", "daniel"], 1),
        (("--all", "--limit", "2"), ["anna", "ben", "chloe", "daniel", "emma"], 3),
        (("--all", "--tag", "en"), ["anna", "ben", "daniel", "emma"], 1),
    ],
)
async def test_voices_list(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: list[str],
    requests: int,
) -> None:
    code, lines, _ = await run(capsys, fake, "voices", "list", *args)
    assert 0 == code
    assert expected == [line["voice_name"] for line in lines]
    assert requests == fake.count("GET", "/v2/voices")


# Errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["replicas", "create"],
            "--train-video-url: give exactly one of --train-video-url or "
            "--train-image-url",
        ),
        (
            [
                "replicas",
                "create",
                "--train-video-url",
                VIDEO,
                "--train-image-url",
                IMAGE,
            ],
            "--train-image-url: give --train-video-url or --train-image-url, not both",
        ),
        (
            ["replicas", "create", "--train-image-url", IMAGE],
            "--voice-name: is required with --train-image-url; pick one from "
            "tavus-async voices list",
        ),
        (
            ["replicas", "create", "--train-video-url", "ftp://cdn.example.com/a"],
            "--train-video-url: must be an absolute http(s) URL",
        ),
        (
            ["replicas", "create", "--train-video-url", VIDEO, "--callback-url", "x"],
            "--callback-url: must be an absolute http(s) URL",
        ),
        (
            ["replicas", "create", "--train-video-url", VIDEO, "--replica-name", " "],
            "--replica-name: must not be empty",
        ),
        (
            [
                "replicas",
                "create",
                "--train-video-url",
                VIDEO,
                "--auto-fix-training-image",
            ],
            "--auto-fix-training-image: applies to --train-image-url only",
        ),
        (["replicas", "get", " "], "REPLICA_ID: must be a non-empty id"),
        (["replicas", "rename", "r1", " "], "REPLICA_NAME: must not be empty"),
        (["replicas", "list", "--limit", "0"], "--limit: must be at least 1"),
        (["replicas", "list", "--all", "--page", "2"], "--page: not with --all"),
        (["replicas", "list", "--ids", "a,,b"], "argument --ids: expected comma"),
        (["replicas", "list", "--type", "robot"], "argument --type: invalid choice"),
        (["replicas", "list", "--limit", "many"], "argument --limit: invalid int"),
        (
            ["conversations", "create", "--conversation-name", "Demo"],
            "--replica-id: give --replica-id, --persona-id (with a default replica)",
        ),
        (
            [
                "conversations",
                "create",
                "--replica-id",
                "r1",
                "--max-participants",
                "1",
            ],
            "--max-participants: must be at least 2, got 1",
        ),
        (
            ["conversations", "create", "--persona-id", "p1", "--max-call-duration=-1"],
            "--max-call-duration: must be at least 0, got -1",
        ),
        (["conversations", "end", ""], "CONVERSATION_ID: must be a non-empty id"),
        (["conversations", "list", "--page", "0"], "--page: must be at least 1"),
        (["voices", "list", "--limit", "101"], "--limit: must be at most 100"),
        (["voices", "list", "--all", "--sort", "asc"], "--sort: not available with"),
    ],
)
async def test_bad_input_names_the_flag_and_sends_nothing(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, lines, err = await run(capsys, fake, *argv)
    assert (2, []) == (code, lines)
    assert message in err
    assert 0 == fake.count()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replicas", "get", "rnope"], "Invalid replica_id"),
        (["replicas", "rename", "rnope", "New"], "Invalid replica_id"),
        (["replicas", "delete", "rnope"], "Invalid replica_id"),
        (["conversations", "get", "cnope"], "Invalid conversation_id"),
        (["conversations", "end", "cnope"], "Invalid conversation_id"),
        (["conversations", "delete", "cnope"], "Invalid conversation_id"),
    ],
)
async def test_unknown_id_fails_with_tavus_message(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, lines, err = await run(capsys, fake, *argv)
    assert (1, []) == (code, lines)
    assert f"tavus-async: error: 400: {message}" in err


async def test_refused_api_key_is_a_usage_error(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        _main, ["voices", "list", "--base-url", fake.url, "--api-key", "wrong"]
    )
    out, err = capsys.readouterr()
    assert (2, "") == (code, out)
    assert "Tavus refused the API key" in err
    assert "--api-key or TAVUS_API_KEY" in err
    assert "wrong" not in err


async def test_missing_api_key_is_a_usage_error(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TAVUS_API_KEY", raising=False)
    code = await asyncio.to_thread(_main, ["voices", "list", "--base-url", fake.url])
    out, err = capsys.readouterr()
    assert (2, "") == (code, out)
    assert "--api-key" in err
    assert "TAVUS_API_KEY" in err
    assert 0 == fake.count()


async def test_connection_from_environment(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAVUS_API_KEY", fake.api_key)
    monkeypatch.setenv("TAVUS_BASE_URL", fake.url)
    code, lines, _ = await run(capsys, None, "voices", "list", "--tag", "fr")
    assert (0, ["chloe"]) == (code, [line["voice_name"] for line in lines])
    assert 1 == fake.count("GET", "/v2/voices")


@pytest.mark.parametrize("group", ["replicas", "conversations", "voices"])
async def test_group_without_command_prints_its_help(
    capsys: pytest.CaptureFixture[str], group: str
) -> None:
    code, lines, err = await run(capsys, None, group)
    assert (2, []) == (code, lines)
    assert f"usage: tavus-async {group} [-h] COMMAND" in err


@pytest.mark.parametrize(
    "command",
    [
        "replicas create",
        "replicas get",
        "replicas list",
        "replicas rename",
        "replicas delete",
        "conversations create",
        "conversations get",
        "conversations list",
        "conversations end",
        "conversations delete",
        "voices list",
    ],
)
async def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code = await asyncio.to_thread(_main, [*command.split(), "--help"])
    out = capsys.readouterr().out
    assert 0 == code
    assert f"example:\n  tavus-async {command} " in out
    assert "--api-key KEY" in out


async def test_python_dash_m_runs_the_command_line(fake: FakeTavus) -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tavus_async", "voices", "list", "--limit", "2"),
        *("--base-url", fake.url, "--api-key", fake.api_key),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    out, err = await process.communicate()
    assert 0 == process.returncode, err.decode()
    voices = [json.loads(line)["voice_name"] for line in out.decode().splitlines()]
    assert ["anna", "ben"] == voices


def test_plain_http_to_a_remote_host_names_the_opt_in_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The refusal names --allow-insecure-http, not the library's keyword."""
    argv = ["voices", "list", "--base-url", "http://example.com", "--api-key", "k"]
    code = _main(argv)
    err = capsys.readouterr().err
    assert 2 == code
    assert "use https, or pass --allow-insecure-http if you really mean it" in err
    assert "allow_insecure_http" not in err


async def test_allow_insecure_http_reaches_the_client() -> None:
    """With the flag, a plain-http base URL to a remote host is accepted."""
    url = "http://example.com:8080"
    args = build_parser().parse_args(
        ["voices", "list", "--base-url", url, "--api-key", "k", "--allow-insecure-http"]
    )
    async with make_client(args) as client:
        assert f"{url}/" == client.base_url
