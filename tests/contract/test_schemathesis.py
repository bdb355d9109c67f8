"""Contract test: schemathesis against FakeTavus, with Tavus's OpenAPI document.

For each operation the fake serves (:data:`IMPLEMENTED`), schemathesis makes
requests from the document: from its examples, as its schemas allow
(positive) and as they forbid (negative, which includes a missing or wrong
``x-api-key``). They go to a FakeTavus serving from a thread of its own, since
schemathesis sends with ``requests``, a sync client. Each answer must pass
these schemathesis checks, unless an entry of ``spec_errors.SPEC_ERRORS``
excuses the failure:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: the status is one the operation documents;
- ``content_type_conformance``: the body's media type is a documented one;
- ``response_headers_conformance``: documented headers are present and valid;
- ``response_schema_conformance``: the body matches the documented schema,
  for every documented status, 4xx included.

Left out on purpose: ``positive_data_acceptance``, as the document cannot say
"``train_video_url`` or ``train_image_url``", so bodies valid by its schemas
rightly get its documented 400; ``negative_data_rejection``, which judges how
strictly the fake reads requests, not what it answers; the stateful checks
(``use_after_free``, ``ensure_resource_availability``), which need request
sequences; ``ignored_auth``, as negative cases already send bad keys; and
``max_response_time``, a wall-clock measure.

Ids: generated ones are unknown to the fake (400 ``Invalid replica_id``), so
in three cases out of four a ``replica_id`` or ``conversation_id`` (in the
path, or at the top of the body) is replaced by one of the fake's: replicas
completed, training and failed, conversations active, ended and made from a
persona only. The fake's callbacks are off: a generated ``callback_url`` is
never called.

Deterministic and bounded: Hypothesis draws derandomized, with no example
database, :data:`MAX_EXAMPLES` requests per operation.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import Failure
from schemathesis.errors import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tavus_async.testing import Fault
from tests._threaded_fake import ThreadedFake
from tests.contract.spec_errors import SPEC_ERRORS, SpecError


pytestmark = pytest.mark.contract

IMPLEMENTED = frozenset(
    {
        "createConversation",
        "createDocument",
        "createGuardrails",
        "createObjectives",
        "createPersona",
        "createPronunciationDictionary",
        "createReplica",
        "createTranscription",
        "deleteConversation",
        "deleteDocument",
        "deleteGuardrails",
        "deleteObjective",
        "deletePersona",
        "deletePronunciationDictionary",
        "deleteReplica",
        "deleteTranscription",
        "deleteVideo",
        "endConversation",
        "generateVideo",
        "getConversation",
        "getDocument",
        "getGuardrail",
        "getGuardrails",
        "getObjective",
        "getObjectives",
        "getPersona",
        "getPronunciationDictionary",
        "getReplica",
        "getTranscription",
        "getVideo",
        "getVoices",
        "listConversations",
        "listDocuments",
        "listPersonas",
        "listPronunciationDictionaries",
        "listReplicas",
        "listTranscriptions",
        "listVideos",
        "patchDocument",
        "patchGuardrails",
        "patchObjective",
        "patchPersona",
        "patchPronunciationDictionary",
        "recrawlDocument",
        "renameReplica",
        "renameVideo",
    }
)
"""The operationIds FakeTavus serves, all checked here: add one when the fake has it."""

MAX_EXAMPLES = 60
"""Requests per operation, each a loopback round trip: about 1 s per operation
with its fake (10 s for today's 11). Lower it if, as the fake gains operations,
this file nears its 40 s share of CI."""

CHECKS: tuple[CheckFunction, ...] = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
"""The schemathesis checks every answer must pass (see the module docstring)."""

SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run
    database=None,  # nothing replayed from, or saved to, .hypothesis/
    deadline=None,  # each example is an HTTP round trip: bounded by count instead
    report_multiple_bugs=False,  # one failure, the first found, shrunk
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no slow "explain" pass
    suppress_health_check=[
        # Timed, so it could flake on a busy CI machine: an HTTP round trip per
        # example is slow by Hypothesis's standard, and that is expected here.
        HealthCheck.too_slow,
        # Negative generation discards draws that turn out valid anyway, most
        # for operations with few parameters (an id in the path, no body).
        HealthCheck.filter_too_much,
    ],
)

NO_SHRINKING = settings(SETTINGS, phases=[Phase.generate])
"""For runs that must fail: the first failure is enough."""

PERSONA_ID = "p0123456789a"
LOOPBACK_HOOK = "http://127.0.0.1:9/hook"
TIMEOUT = 10.0
SENT = ("query", "headers")
"""The parts of a case shown in a failure: ``headers`` are the generated ones,
without the API key, which goes with each call."""
TRAINING_ERROR = "The training video is too short."


@attrs.frozen
class Violation:
    """One check an answer failed: where (a check name or a JSON pointer), and how."""

    where: str
    message: str


class Breach(AssertionError):
    """An answer of the fake broke the document in ways no spec error excuses."""

    def __init__(
        self, operation_id: str, status: int, violations: Sequence[Violation], sent: str
    ) -> None:
        """Say what was sent, what came back, and every unexcused violation."""
        details = "\n\n".join(f"[{v.where}] {v.message}" for v in violations)
        super().__init__(
            f"{operation_id} answered {status}, which breaks the OpenAPI document "
            f"(fix the fake, or list a documented spec error in "
            f"tests/contract/spec_errors.py):\n{sent}\n\n{details}"
        )
        self.wheres = sorted({v.where for v in violations})


def where(check: CheckFunction, failure: Failure) -> str:
    """A failure's place: its JSON pointer for a schema error, else the check's name."""
    if isinstance(failure, JsonSchemaError):
        return "".join(
            f"/{'*' if isinstance(part, int) else part}"
            for part in failure.instance_path
        )
    return check.__name__


def excused(
    operation_id: str, status: int, spot: str, errors: Sequence[SpecError]
) -> bool:
    """Whether a spec error excuses a failure at ``spot`` of a ``status`` answer."""
    return any(error.covers(operation_id, status, spot) for error in errors)


def violations(case: Case[Any], response: schemathesis.Response) -> list[Violation]:
    """Every failure of every check in :data:`CHECKS`, excused or not."""
    found = []
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            found += [
                Violation(where(check, f), f"{f.title}: {f.message}")
                for f in group.exceptions
            ]
    return found


def describe(case: Case[Any], response: schemathesis.Response) -> str:
    """The request and the answer, without the API key."""
    shorten = reprlib.Repr()
    shorten.maxstring = shorten.maxother = 200
    sent = [f"{case.method} {case.formatted_path}"]
    sent += [
        f"{name}={shorten.repr(getattr(case, name))}"
        for name in SENT
        if getattr(case, name)
    ]
    if not isinstance(case.body, NotSet):
        sent.append(f"body={shorten.repr(case.body)}")
    return (
        f"{' '.join(sent)}\n-> {response.status_code} "
        f"{response.headers.get('content-type')} {shorten.repr(response.text)}"
    )


def post(threaded: ThreadedFake, path: str, body: Mapping[str, Any]) -> Any:
    """POST ``body`` to the fake with its key; the answer's JSON (200 required)."""
    fake = threaded.fake
    answer = requests.post(
        f"{fake.url}{path}",
        json=body,
        headers={"x-api-key": fake.api_key},
        timeout=TIMEOUT,
    )
    answer.raise_for_status()
    return answer.json()


def seed(threaded: ThreadedFake) -> dict[str, tuple[str, ...]]:
    """Turn callbacks off, then make resources in each state the document has.

    Returns:
        Their ids, by the name of the parameter or field that takes them.
    """
    fake = threaded.fake

    def add_replicas() -> tuple[str, ...]:
        fake.callbacks_enabled = False
        return (
            fake.add_replica(replica_type="user", status="completed"),
            fake.add_replica(replica_type="user", status="started"),
            fake.add_replica(status="error", error_message=TRAINING_ERROR),
        )

    replicas = threaded.call(add_replicas)
    bodies: list[dict[str, Any]] = [
        {"replica_id": replicas[0]},
        {"replica_id": replicas[0], "test_mode": True},
        {"persona_id": PERSONA_ID, "callback_url": LOOPBACK_HOOK, "require_auth": True},
    ]
    conversations = tuple(
        post(threaded, "/v2/conversations", body)["conversation_id"] for body in bodies
    )
    personas = tuple(
        post(threaded, "/v2/personas", body)["persona_id"]
        for body in (
            {"persona_name": "Full", "system_prompt": "Be brief."},
            {"persona_name": "Echo", "pipeline_mode": "echo"},
            {"system_prompt": "Help.", "default_replica_id": replicas[0]},
        )
    )
    videos = tuple(
        post(threaded, "/v2/videos", body)["video_id"]
        for body in (
            {"replica_id": replicas[0], "script": "Hello."},
            {"replica_id": replicas[0], "audio_url": "https://cdn.example.com/a.mp3"},
            {"replica_id": replicas[0], "script": "Hi.", "video_name": "Named"},
        )
    )
    documents = tuple(
        post(threaded, "/v2/documents", body)["document_id"]
        for body in (
            {"document_url": "https://docs.example.com/guide.pdf"},
            {"document_url": "https://example.com", "crawl": {"depth": 1}},
            {"document_url": "https://docs.example.com/a.txt", "tags": ["a"]},
        )
    )
    objectives = tuple(
        post(threaded, "/v2/objectives", body)["objectives_id"]
        for body in (
            {"data": [{"objective_name": "a", "objective_prompt": "Ask."}]},
            {
                "data": [
                    {
                        "objective_name": "a",
                        "objective_prompt": "Ask.",
                        "callback_url": LOOPBACK_HOOK,
                    }
                ]
            },
            {
                "data": [
                    {
                        "objective_name": "a",
                        "objective_prompt": "Ask.",
                        "next_required_objective": "b",
                    },
                    {"objective_name": "b", "objective_prompt": "Then."},
                ]
            },
        )
    )
    guardrails = tuple(
        post(threaded, "/v2/guardrails", body)["guardrails_id"]
        for body in (
            {"data": [{"guardrail_name": "a", "guardrail_prompt": "Never."}]},
            {"name": "G", "data": [{"guardrail_name": "a", "guardrail_prompt": "No."}]},
            {
                "name": "V",
                "data": [
                    {
                        "guardrail_name": "v",
                        "guardrail_prompt": "No.",
                        "modality": "visual",
                    }
                ],
            },
        )
    )
    dictionaries = tuple(
        post(threaded, "/v2/pronunciation-dictionaries", body)[
            "pronunciation_dictionary_id"
        ]
        for body in (
            {"name": "Empty"},
            {
                "name": "Brand",
                "rules": [
                    {"text": "Tavus", "pronunciation": "TAH-vus", "type": "alias"}
                ],
            },
            {
                "name": "IPA",
                "rules": [
                    {
                        "text": "CVI",
                        "pronunciation": "si vi aj",
                        "type": "ipa",
                        "case_sensitive": True,
                        "word_boundaries": False,
                    }
                ],
            },
        )
    )
    transcriptions = tuple(
        post(
            threaded,
            "/v2/transcriptions",
            {
                "file_url": f"https://cdn.example.com/{name}.mp4",
                "callback_url": LOOPBACK_HOOK,
            },
        )["transcription_id"]
        for name in ("a", "b", "c")
    )
    return {
        "dictionary_id": dictionaries,
        "transcription_id": transcriptions,
        "objectives_id": objectives,
        "guardrails_id": guardrails,
        "replica_id": replicas,
        "conversation_id": conversations,
        "persona_id": personas,
        "video_id": videos,
        "document_id": documents,
    }


def cases(operation: APIOperation[Any, Any, Any, Any]) -> st.SearchStrategy[Case[Any]]:
    """Cases from the document's examples, positive ones and negative ones."""
    sources = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    examples = operation.get_strategies_from_examples()
    if examples:
        sources.insert(0, st.one_of(examples))
    return st.one_of(sources)


def use_ids(case: Case[Any], ids: Mapping[str, tuple[str, ...]], pick: int) -> None:
    """Put the fake's ids, the ``pick``-th of each kind, where ``case`` takes ids."""
    body = case.body if isinstance(case.body, dict) else {}
    for name, known in ids.items():
        for container in (case.path_parameters, body):
            if name in container:
                container[name] = known[pick]


def conform(
    schema: OpenApiSchema,
    operation_id: str,
    threaded: ThreadedFake,
    errors: Sequence[SpecError] = SPEC_ERRORS,
    limits: settings = SETTINGS,
) -> None:
    """Send one operation's generated requests to the fake and check each answer.

    Args:
        schema: The loaded OpenAPI document.
        operation_id: The operation to try.
        threaded: The fake, serving in its own thread.
        errors: The spec errors that excuse failures.
        limits: Hypothesis's settings for the run.

    Raises:
        Breach: An answer with failures that no entry of ``errors`` excuses,
            after Hypothesis shrank the request.
    """
    operation = schema.find_operation_by_id(operation_id)
    ids = seed(threaded)
    headers = {"x-api-key": threaded.fake.api_key}
    picks = st.sampled_from((None, 0, 1, 2))

    @limits
    @given(case=cases(operation), pick=picks)
    def run(case: Case[Any], pick: int | None) -> None:
        if pick is not None:
            use_ids(case, ids, pick)
        response = case.call(base_url=threaded.fake.url, headers=headers)
        status = response.status_code
        unexcused = [
            v
            for v in violations(case, response)
            if not excused(operation_id, status, v.where, errors)
        ]
        if unexcused:
            raise Breach(operation_id, status, unexcused, describe(case, response))

    run()


@pytest.fixture(scope="module")
def schema(prism_spec: Path) -> OpenApiSchema:
    """Tavus's OpenAPI document, loaded by schemathesis with its default settings."""
    loaded = schemathesis.openapi.from_path(prism_spec, config=schemathesis.Config())
    assert isinstance(loaded, OpenApiSchema)
    return loaded


@pytest.fixture
def threaded() -> Iterator[ThreadedFake]:
    """A FakeTavus serving from a thread and event loop of its own."""
    server = ThreadedFake()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("operation_id", sorted(IMPLEMENTED))
def test_fake_answers_conform(
    schema: OpenApiSchema, operation_id: str, threaded: ThreadedFake
) -> None:
    """Every answer to generated requests matches the document or a spec error."""
    conform(schema, operation_id, threaded)


BROKEN = [
    pytest.param(
        "getVoices",
        "/v2/voices",
        Fault.http(200, body=b'{"data": "none", "total_count": "two"}'),
        ["/data", "/total_count"],
        id="schema",
    ),
    pytest.param(
        "getVoices",
        "/v2/voices",
        Fault.garbage(),
        ["content_type_conformance"],
        id="html",
    ),
    pytest.param(
        "listReplicas",
        "/v2/replicas",
        Fault.http(418),
        ["status_code_conformance"],
        id="undocumented-status",
    ),
    pytest.param(
        "getReplica",
        "/v2/replicas/*",
        Fault.http(503),
        ["not_a_server_error", "status_code_conformance"],
        id="server-error",
    ),
]


@pytest.mark.parametrize(("operation_id", "path", "fault", "expected"), BROKEN)
def test_harness_reports_broken_answers(
    schema: OpenApiSchema,
    threaded: ThreadedFake,
    operation_id: str,
    path: str,
    fault: Fault,
    expected: list[str],
) -> None:
    """A fake whose every answer is broken fails the run, naming what broke."""
    threaded.call(lambda: threaded.fake.inject_rate(fault, 1.0, path=path))

    with pytest.raises(Breach) as caught:
        conform(schema, operation_id, threaded, limits=NO_SHRINKING)

    assert expected == caught.value.wheres


def test_spec_errors_hide_only_what_they_name(
    schema: OpenApiSchema, threaded: ThreadedFake
) -> None:
    """Without its spec error, List Replicas' 400 for a bad query fails the run."""
    errors = [e for e in SPEC_ERRORS if e.operation_id != "listReplicas"]

    with pytest.raises(Breach) as caught:
        conform(schema, "listReplicas", threaded, errors, NO_SHRINKING)

    assert ["status_code_conformance"] == caught.value.wheres


COVERS = [
    ("listReplicas", 400, "status_code_conformance", True),
    ("listReplicas", 401, "status_code_conformance", False),
    ("listReplicas", 400, "/data/*/replica_id", False),
    ("getReplica", 400, "status_code_conformance", False),
]


@pytest.mark.parametrize(("operation_id", "status", "spot", "expected"), COVERS)
def test_spec_error_covers(
    operation_id: str, status: int, spot: str, expected: bool
) -> None:
    """An entry excuses its own operation, status and place, and nothing else."""
    error = SpecError(
        operation_id="listReplicas",
        status=400,
        where="status_code_conformance",
        reason="test",
    )

    assert expected == error.covers(operation_id, status, spot)


def test_spec_error_for_every_operation() -> None:
    """An entry for ``"*"`` excuses the same status and place on any operation."""
    error = SpecError(operation_id="*", status=404, where="/detail", reason="test")

    assert (True, False) == (
        error.covers("getPersona", 404, "/detail"),
        error.covers("getPersona", 404, "/message"),
    )


@pytest.mark.parametrize(
    "error", SPEC_ERRORS, ids=lambda e: f"{e.operation_id}-{e.status}"
)
def test_spec_error_is_still_one(schema: OpenApiSchema, error: SpecError) -> None:
    """Each entry names an implemented operation and a status the spec gets wrong."""
    operation = schema.find_operation_by_id(error.operation_id)
    documented = str(error.status) in operation.responses.status_codes
    # A missing status for status_code_conformance, a wrong schema for the rest.

    assert (True, error.where != "status_code_conformance") == (
        error.operation_id in IMPLEMENTED,
        documented,
    )
