"""Every operation of Tavus's OpenAPI document has a client method, or a reason.

The table below is the one place that says which method serves which
operation. The README's table of operations is rendered from it (a test keeps
them equal), and the Prism tests check that what each method sends is in the
document (``tests/contract/_prism.py``).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from tavus_async import TavusClient
from tests.contract._spec import operations, spec_path


README = Path(__file__).resolve().parents[2] / "README.md"

OPERATIONS = {
    "createReplica": "replicas.create",
    "getReplica": "replicas.get",
    "listReplicas": "replicas.list",
    "renameReplica": "replicas.rename",
    "deleteReplica": "replicas.delete",
    "getVoices": "voices.list",
    "createConversation": "conversations.create",
    "getConversation": "conversations.get",
    "listConversations": "conversations.list",
    "endConversation": "conversations.end",
    "deleteConversation": "conversations.delete",
    "createPersona": "personas.create",
    "getPersona": "personas.get",
    "listPersonas": "personas.list",
    "patchPersona": "personas.patch",
    "deletePersona": "personas.delete",
    "generateVideo": "videos.generate",
    "getVideo": "videos.get",
    "listVideos": "videos.list",
    "renameVideo": "videos.rename",
    "deleteVideo": "videos.delete",
    "createDocument": "documents.create",
    "getDocument": "documents.get",
    "listDocuments": "documents.list",
    "patchDocument": "documents.update",
    "recrawlDocument": "documents.recrawl",
    "deleteDocument": "documents.delete",
    "createObjectives": "objectives.create",
    "getObjective": "objectives.get",
    "getObjectives": "objectives.list",
    "patchObjective": "objectives.patch",
    "deleteObjective": "objectives.delete",
    "createGuardrails": "guardrails.create",
    "getGuardrail": "guardrails.get",
    "getGuardrails": "guardrails.list",
    "patchGuardrails": "guardrails.patch",
    "deleteGuardrails": "guardrails.delete",
    "createPronunciationDictionary": "pronunciation_dictionaries.create",
    "getPronunciationDictionary": "pronunciation_dictionaries.get",
    "listPronunciationDictionaries": "pronunciation_dictionaries.list",
    "patchPronunciationDictionary": "pronunciation_dictionaries.patch",
    "deletePronunciationDictionary": "pronunciation_dictionaries.delete",
    "createTranscription": "transcriptions.create",
    "getTranscription": "transcriptions.get",
    "listTranscriptions": "transcriptions.list",
    "deleteTranscription": "transcriptions.delete",
}
"""operationId to ``service.method``; a list's ``iter_all`` goes with ``list``."""

_GONE = (
    "deprecated in the document, which says 'This endpoint is no longer "
    "supported by Tavus'; a video from a replica and an audio_url "
    "(client.videos.generate) does what lipsync did"
)
NOT_COVERED = dict.fromkeys(
    (
        "createLipsync",
        "listLipsyncs",
        "getLipsync",
        "deleteLipsync",
        "createReplacement",
        "listReplacements",
        "getReplacement",
        "deleteReplacement",
    ),
    _GONE,
)
"""operationId to the reason it has no method."""

_TABLE = re.compile(
    r"<!-- operations: start -->\n(.*?)<!-- operations: end -->", re.DOTALL
)


@pytest.fixture(scope="module", autouse=True)
def _document() -> None:
    if not spec_path().is_file():
        pytest.skip(f"Tavus's OpenAPI document is not at {spec_path()}")


def test_every_operation_has_a_method_or_a_reason() -> None:
    """The document's operations are exactly those listed, current ones mapped."""
    ids = {op.operation_id for op in operations()}
    current = {op.operation_id for op in operations() if not op.deprecated}
    assert set() == current - set(OPERATIONS), "operations with no method"
    assert ids == set(OPERATIONS) | set(NOT_COVERED)
    assert set() == set(OPERATIONS) & set(NOT_COVERED)


def _methods(client: TavusClient) -> set[str]:
    found = set()
    for name, service in vars(client).items():
        if name.startswith("_"):
            continue
        for method, _ in inspect.getmembers(service, inspect.ismethod):
            if not method.startswith("_"):
                found.add(f"{name}.{method}")
    return found


def test_every_method_serves_an_operation() -> None:
    """Each public service method is listed; each listed method exists."""
    client = TavusClient(api_key="k")
    methods = _methods(client)
    lists = {m.replace(".iter_all", ".list") for m in methods if m.endswith("iter_all")}
    assert set() == lists - set(OPERATIONS.values()), "iter_all without a list"
    watchers = {m.replace(".watcher", ".get") for m in methods if m.endswith("watcher")}
    assert set() == watchers - set(OPERATIONS.values()), "a watcher without a get"
    served = {m for m in methods if not m.endswith((".iter_all", ".watcher"))}
    assert served == set(OPERATIONS.values())


def render_table() -> str:
    """The README's table of operations, from :data:`OPERATIONS`."""
    by_id = {op.operation_id: op for op in operations()}
    lines = ["| Tavus operation | Method |", "|---|---|"]
    for operation_id, method in OPERATIONS.items():
        op = by_id[operation_id]
        call = f"`client.{method}`"
        if method.endswith(".list"):
            call += f", `client.{method[:-5]}.iter_all`"
        lines.append(f"| `{op.method.upper()} {op.path}` | {call} |")
    return "\n".join(lines) + "\n"


def test_the_readme_lists_every_operation() -> None:
    """The README's table is :func:`render_table`'s (paste it when it fails)."""
    match = _TABLE.search(README.read_text())
    assert match is not None, "README.md lacks the <!-- operations: start --> block"
    assert render_table() == match.group(1)
