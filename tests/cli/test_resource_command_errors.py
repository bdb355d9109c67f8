"""Bad input and failures of the resource families' commands, and their help.

Run against FakeTavus as in ``tests/cli/test_resource_commands.py``: bad
input is exit code 2 with nothing sent (a file's problems named by their JSON
path), Tavus's refusals exit code 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from tavus_async.cli import build_parser, main
from tavus_async.testing import FakeTavus
from tests.cli.test_api_commands import run
from tests.cli.test_resource_commands import (
    AUDIO,
    PERSONA,
    PROMPT,
    SITE,
    run_stdin,
    write,
)


FILE_CASES: list[tuple[list[str], Any, str]] = [
    (
        ["personas", "create"],
        {**PERSONA, "layers": {"llm": {"base_url": "llm.example.com"}}},
        "--file: {file}: layers.llm.base_url: must be an absolute http(s) URL",
    ),
    (
        ["personas", "create"],
        {"sytem_prompt": PROMPT, "layers": {"llm": {"modle": "m"}}},
        "--file: {file}: layers.llm.modle: is not a field of LLMLayer, so it "
        "would not be sent; did you mean 'model'?; sytem_prompt: is not a "
        "field of CreatePersonaRequest, so it would not be sent; did you "
        "mean 'system_prompt'?",
    ),
    (
        ["personas", "create"],
        {"system_prompt": ["a"], "document_ids": ["d1", None]},
        "--file: {file}: system_prompt: expected a string, got an array; "
        "document_ids[1]: expected a string, got null",
    ),
    (
        ["personas", "create"],
        {"persona_name": "Tutor"},
        "--file: {file}: system_prompt: is required unless pipeline_mode is 'echo'",
    ),
    (["personas", "create"], [PERSONA], "--file: {file}: expected an object"),
    (
        ["personas", "create"],
        {"system_prompt": PROMPT, "layers": {"llm": {"headers": ["x"]}}},
        "--file: {file}: layers.llm.headers: expected a mapping",
    ),
    (
        ["personas", "patch", " "],
        [{"op": "remove", "path": "/persona_name"}],
        "PERSONA_ID: must be a non-empty id",
    ),
    (
        ["videos", "generate"],
        {"script": "Hi", "fast": "maybe"},
        "--file: {file}: replica_id: is required; fast: not a boolean: 'maybe'",
    ),
    (
        ["videos", "generate"],
        {"replica_id": "r1", "script": "Hi", "audio_url": AUDIO},
        "--file: {file}: audio_url: give script or audio_url, not both",
    ),
    (
        ["videos", "generate"],
        {
            "replica_id": "r1",
            "script": "Hi",
            "background_url": SITE,
            "properties": {
                "background_scroll": False,
                "background_scroll_depth": "bottom",
            },
        },
        "--file: {file}: properties.background_scroll_depth: applies only while "
        "background_scroll is true",
    ),
    (
        ["documents", "create"],
        {"document_url": SITE, "crawl": {"depth": 50, "max_pages": "x"}},
        "--file: {file}: crawl.max_pages: invalid literal for int()",
    ),
    (
        ["documents", "create"],
        {"document_url": SITE, "crawl": {"depth": 50}},
        "--file: {file}: crawl.depth: must be at most 10, got 50",
    ),
    (
        ["personas", "patch", "p1"],
        [{"op": "replace", "path": "/persona_nam", "value": "A"}],
        "--file: {file}: patch[0].path:",
    ),
    (
        ["objectives", "create"],
        {"data": [{"objective_name": "ask name", "objective_prompt": "Ask"}]},
        "--file: {file}: data[0].objective_name: must have no spaces",
    ),
    (
        ["objectives", "create"],
        {
            "data": [
                {
                    "objective_name": "a",
                    "objective_prompt": "Ask",
                    "next_conditional_objectives": {"b": None},
                }
            ]
        },
        "--file: {file}: data[0].next_conditional_objectives['b']: expected a string",
    ),
    (
        ["pronunciation-dictionaries", "create"],
        {"name": "Brand", "rules": [{"text": "a", "pronunciation": "b", "type": "x"}]},
        "--file: {file}: rules[0].type: must be 'alias' or 'ipa', got 'x'",
    ),
    (
        ["guardrails", "create"],
        {"name": "Safety", "data": {"guardrail_name": "a"}},
        "--file: {file}: data: expected an array, got an object",
    ),
    (
        ["objectives", "patch", "o1"],
        [{"op": "remove", "path": "/objective_name"}],
        "--file: {file}: patch[0].path: '/objective_name': each objective's "
        "fields are under '/data', by position",
    ),
    (
        ["personas", "patch", "p1"],
        [{"op": "replace", "path": "/persona_name"}, {"op": "rep", "path": "/a"}],
        "--file: {file}: patch[0].value: is required for replace; send null for "
        "JSON null; patch[1].op: must be one of add, remove, replace, move, copy "
        "or test, got 'rep'; did you mean 'replace'?",
    ),
    (
        ["personas", "patch", "p1"],
        {"op": "remove", "path": "/persona_name"},
        "--file: {file}: patch: must be a JSON array of operations",
    ),
    (
        ["personas", "patch", "p1"],
        [],
        "--file: {file}: patch: is empty; give at least one operation",
    ),
]
"""A command without its ``--file``, what the file holds, what stderr says."""

FLAG_CASES: list[tuple[list[str], str]] = [
    (
        ["personas", "create", "--file", "{missing}"],
        "--file: cannot read '{missing}'",
    ),
    (
        ["personas", "create", "--file", "{invalid}"],
        "--file: '{invalid}' is not valid JSON",
    ),
    (
        ["personas", "create", "--file", "{invalid}", "--persona-name", "A"],
        "--file: not with --persona-name; give --file or flags, not both",
    ),
    (
        ["personas", "create", "--persona-name", "A"],
        "--system-prompt: is required unless pipeline_mode is 'echo'",
    ),
    (
        ["personas", "list", "--type", "robot"],
        "argument --type: invalid choice",
    ),
    (["personas", "patch", "p1"], "the following arguments are required: --file"),
    (["objectives", "create"], "the following arguments are required: --file"),
    (
        ["videos", "generate", "--replica-id", "r1"],
        "--script: give exactly one of script (text to speak) or --audio-url",
    ),
    (
        ["videos", "generate", "--script", "Hi"],
        "--replica-id: is required: the replica that speaks",
    ),
    (
        ["videos", "generate", "--file", "{invalid}", "--script", "Hi"],
        "--file: not with --script;",
    ),
    (["videos", "list", "--page=-1"], "--page: must be at least 0, got -1"),
    (["videos", "list", "--all", "--page", "0"], "--page: not with --all"),
    (["videos", "rename", "v1", " "], "VIDEO_NAME: must not be empty"),
    (["videos", "get", " "], "VIDEO_ID: must be a non-empty id"),
    (["documents", "create", "--url", "ftp://x/a"], "--url: must be a direct"),
    (
        ["documents", "create", "--url", SITE, "--depth", "11"],
        "--depth: must be at most 10, got 11",
    ),
    (
        ["documents", "recrawl", "d1", "--max-pages", "0"],
        "--max-pages: must be at least 1, got 0",
    ),
    (["documents", "update", "d1"], "--name: give --name, tags or both"),
    (
        ["documents", "update", "d1", "--tags", "a", "--no-tags"],
        "--no-tags: not with --tags",
    ),
    (["documents", "list", "--tags", "a,,b"], "argument --tags: expected comma"),
    (["documents", "list", "--page=-1"], "--page: must be at least 0, got -1"),
    (
        ["transcriptions", "create", "--callback-url", "https://app.example.com/"],
        "--url: is required",
    ),
    (
        ["pronunciation-dictionaries", "list", "--limit", "101"],
        "--limit: must be at most 100",
    ),
    (
        ["pronunciation-dictionaries", "get", " "],
        "DICTIONARY_ID: must be a non-empty id",
    ),
]
"""A command line (``{missing}``: no such file, ``{invalid}``: not JSON), and
what stderr says."""


@pytest.mark.parametrize(
    ("argv", "data", "message"),
    [
        *(
            ([*argv, "--file", "{file}"], data, message)
            for argv, data, message in FILE_CASES
        ),
        *((argv, None, message) for argv, message in FLAG_CASES),
        (
            ["documents", "create", "--file", "-"],
            {"document_url": "x"},
            "--file: standard input: document_url: must be a direct",
        ),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    data: Any,
    message: str,
) -> None:
    """Bad flags are named, and a file's problems by their JSON path; exit code 2."""
    invalid = tmp_path / "invalid.json"
    invalid.write_text("{", "utf-8")
    paths = {
        "file": write(tmp_path, "request.json", data),
        "missing": str(tmp_path / "missing.json"),
        "invalid": str(invalid),
    }
    argv = [arg.format(**paths) for arg in argv]
    code, lines, err = await run_stdin(capsys, monkeypatch, fake, data, *argv)

    assert (2, []) == (code, lines)
    assert message.format(**paths) in err
    assert 0 == fake.count()


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["personas", "get", "pnope"], 400, "Invalid persona_id"),
        (
            ["personas", "patch", "pnope", "--file", "{patch}"],
            400,
            "Invalid persona_id",
        ),
        (["personas", "delete", "pnope"], 400, "Invalid persona_id"),
        (["videos", "get", "vnope"], 400, "Invalid video_id"),
        (["videos", "rename", "vnope", "New"], 400, "Invalid video_id"),
        (["documents", "get", "dnope"], 404, "Document not found"),
        (["documents", "recrawl", "dnope"], 404, "Document not found"),
        (["objectives", "get", "o404"], 404, "Objective not found"),
        (["objectives", "patch", "o404", "--file", "{patch}"], 404, "Objective not"),
        (["guardrails", "delete", "g404"], 404, "Guardrails not found"),
        (
            ["pronunciation-dictionaries", "delete", "pd_nope"],
            404,
            "Pronunciation dictionary not found",
        ),
        (["transcriptions", "get", "tnope"], 400, "Invalid transcription_id"),
    ],
)
async def test_unknown_id_is_tavus_refusal_on_stderr(
    fake: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    status: int,
    message: str,
) -> None:
    """The request is sent, and Tavus's answer reported; exit code 1."""
    test = [{"op": "test", "path": "/created_at", "value": "2025-01-01"}]
    patch = write(tmp_path, "patch.json", test)
    code, lines, err = await run(capsys, fake, *(a.format(patch=patch) for a in argv))

    assert (1, []) == (code, lines)
    assert f"tavus-async: error: {status}: {message}" in err
    assert 1 == fake.count()


COMMANDS = [
    "personas create",
    "personas get",
    "personas list",
    "personas patch",
    "personas delete",
    "videos generate",
    "videos get",
    "videos list",
    "videos rename",
    "videos delete",
    "documents create",
    "documents get",
    "documents list",
    "documents update",
    "documents recrawl",
    "documents delete",
    "objectives create",
    "objectives get",
    "objectives list",
    "objectives patch",
    "objectives delete",
    "guardrails create",
    "guardrails get",
    "guardrails list",
    "guardrails patch",
    "guardrails delete",
    "pronunciation-dictionaries create",
    "pronunciation-dictionaries get",
    "pronunciation-dictionaries list",
    "pronunciation-dictionaries patch",
    "pronunciation-dictionaries delete",
    "transcriptions create",
    "transcriptions get",
    "transcriptions list",
    "transcriptions delete",
]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of ``parser`` by name."""
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("group", sorted({c.split()[0] for c in COMMANDS}))
def test_a_group_alone_prints_its_help(
    capsys: pytest.CaptureFixture[str], group: str
) -> None:
    """``tavus-async GROUP`` shows the group's help (exit code 2); every command
    it has is in COMMANDS, so that each one's help is tested below."""
    declared = _commands(_commands(build_parser())[group])
    code = main([group])
    err = capsys.readouterr().err

    assert 2 == code
    assert f"usage: tavus-async {group} [-h] COMMAND" in err
    assert sorted(f"{group} {name}" for name in declared) == sorted(
        c for c in COMMANDS if c.split()[0] == group
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Each command's help ends with an example; a list's says where pages start."""
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command.split(), "--help"])
    out = capsys.readouterr().out

    assert 0 == exited.value.code
    assert f"example:\n  tavus-async {command} " in out
    if command.endswith(" list"):
        from_0 = ("videos", "documents", "pronunciation-dictionaries")
        first = 0 if command.split()[0] in from_0 else 1
        assert f"page number, from {first}" in out
