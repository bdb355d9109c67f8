"""client.personas against FakeTavus over real sockets, and the persona types."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async import (
    APIStatusError,
    BadRequestError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    TavusClient,
    UnknownIdError,
    ValidationError,
    with_raw_response,
)
from tavus_async.services.personas import PersonasService
from tavus_async.testing import FakeTavus, Fault
from tavus_async.testing._personas import STOCK_PERSONAS
from tavus_async.types.patch import Add, Remove, Replace, Test
from tavus_async.types.personas import (
    READ_ONLY,
    ConversationalFlowLayer,
    CreatePersonaRequest,
    FlowLevel,
    LLMLayer,
    PerceptionLayer,
    PerceptionModel,
    Persona,
    PersonaLayers,
    PersonaType,
    PipelineMode,
    STTEngine,
    STTLayer,
    TTSEngine,
    TTSLayer,
    _PersonaAnswer,
)


PERSONAS = "/v2/personas"
PROMPT = "You are a patient maths tutor."
TOOL = {"type": "function", "function": {"name": "look_up", "parameters": {}}}
LAYERS = PersonaLayers(
    perception=PerceptionLayer(
        perception_model=PerceptionModel.RAVEN_1,
        visual_awareness_queries=["Is the user smiling?"],
        audio_tools=[TOOL],
    ),
    stt=STTLayer(stt_engine="tavus-parakeet", hotwords="Ada Lovelace"),
    conversational_flow=ConversationalFlowLayer(
        turn_detection_model="sparrow-1", replica_interruptibility=FlowLevel.HIGH
    ),
    llm=LLMLayer(
        model="my-model",
        base_url="https://llm.example.com/v1",
        api_key="llm-secret",
        tools=[TOOL],
        headers={"Authorization": "Bearer header-secret"},
        extra_body={"temperature": 0.2},
    ),
    tts=TTSLayer(
        tts_engine=TTSEngine.CARTESIA,
        api_key="tts-secret",
        voice_settings={"speed": 0.9},
        tts_emotion_control=False,
    ),
)


async def create(client: TavusClient, name: str = "Tutor", **fields: Any) -> str:
    request = CreatePersonaRequest(persona_name=name, system_prompt=PROMPT, **fields)
    return (await client.personas.create(request)).persona_id


async def send(
    http: aiohttp.ClientSession, method: str, path: str, body: Any
) -> tuple[int, Any]:
    async with http.request(method, path, json=body) as answer:
        return answer.status, await answer.json(content_type=None)


# Types


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, ["system_prompt"]),
        ({"pipeline_mode": "full"}, ["system_prompt"]),
        ({"system_prompt": " "}, ["system_prompt"]),
        (
            {"system_prompt": PROMPT, "persona_name": "", "guardrails_id": ""},
            ["persona_name", "guardrails_id"],
        ),
        (
            {"system_prompt": PROMPT, "document_ids": ["d1", ""]},
            ["document_ids[1]"],
        ),
        (
            {
                "layers": PersonaLayers(llm=LLMLayer(base_url="llm.example.com")),
                "document_tags": [""],
            },
            ["system_prompt", "document_tags[0]", "layers.llm.base_url"],
        ),
    ],
)
def test_create_request_names_every_problem(
    fields: dict[str, Any], problems: list[str]
) -> None:
    """A bad CreatePersonaRequest raises one ValidationError naming every field."""
    with pytest.raises(ValidationError) as info:
        CreatePersonaRequest(**fields)

    assert problems == [field for field, _ in info.value.problems]


def test_echo_mode_needs_no_prompt() -> None:
    """pipeline_mode echo is the one case without system_prompt; values convert."""
    request = CreatePersonaRequest(pipeline_mode="echo", document_ids=iter(["d1"]))

    assert {"pipeline_mode": "echo", "document_ids": ["d1"]} == request.to_dict()
    assert PipelineMode.ECHO is request.pipeline_mode


def test_secrets_stay_out_of_reprs() -> None:
    """API keys and LLM headers are not in any repr, but are sent."""
    request = CreatePersonaRequest(system_prompt=PROMPT, layers=LAYERS)

    persona = Persona(persona_id="p1", layers=LAYERS)
    secrets = ("llm-secret", "header-secret", "tts-secret")

    assert [] == [s for s in secrets if s in repr(request) + repr(persona)]
    assert "llm-secret" == request.to_dict()["layers"]["llm"]["api_key"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((), None),
        (("p1",), "p1"),
        (("p2", "p1"), "p1"),
        (("p2",), None),
        (("p2", "p3"), None),
    ],
)
def test_get_answer_picks_the_persona_asked_for(
    data: tuple[str, ...], expected: str | None
) -> None:
    """From Get Persona's data array, only the persona with the id asked counts."""
    answer = _PersonaAnswer(data=tuple(Persona(persona_id=i) for i in data))

    picked = answer.pick("p1")

    assert expected == (None if picked is None else picked.persona_id)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({}, {}, ()),
        (
            {"persona_name": "A"},
            {"persona_name": "B"},
            (Replace("/persona_name", "B"),),
        ),
        ({"system_prompt": "x"}, {}, (Remove("/system_prompt"),)),
        (
            {"document_ids": ("d1",)},
            {"document_ids": ("d1", "d2")},
            (Replace("/document_ids", ["d1", "d2"]),),
        ),
        (
            {"layers": PersonaLayers(stt=STTLayer(hotwords="a"))},
            {
                "layers": PersonaLayers(
                    stt=STTLayer(hotwords="a"), llm=LLMLayer(model="m")
                )
            },
            (Add("/layers/llm", {"model": "m"}),),
        ),
        (
            {"persona_type": "system", "created_at": datetime(2024, 1, 1, tzinfo=UTC)},
            {"persona_type": "user", "updated_at": datetime(2025, 1, 1, tzinfo=UTC)},
            (),
        ),
    ],
)
def test_diff(old: dict[str, Any], new: dict[str, Any], expected: tuple[Any]) -> None:
    """diff compares the JSON forms, leaving out the fields Tavus sets."""
    before = Persona(persona_id="p1", **old)
    after = Persona(persona_id="p2", **new)

    assert expected == PersonasService.diff(before, after)


def test_diff_takes_personas_only() -> None:
    """diff names the argument that is not a Persona."""
    with pytest.raises(ValidationError) as info:
        PersonasService.diff(Persona(persona_id="p1"), {"persona_id": "p1"})  # type: ignore[arg-type]

    assert "new" == info.value.field


# Create and get


async def test_create_and_get_every_field(fake: FakeTavus, client: TavusClient) -> None:
    """What create sends comes back from get, layers and all, as a user persona."""
    replica_id = fake.add_replica()
    request = CreatePersonaRequest(
        persona_name="Tutor",
        system_prompt=PROMPT,
        pipeline_mode=PipelineMode.FULL,
        default_replica_id=replica_id,
        document_ids=["d1"],
        document_tags=["maths"],
        objectives_id="o1",
        guardrails_id="g1",
        layers=LAYERS,
    )

    created = await client.personas.create(request)
    sent = fake.requests[-1].json
    persona = await client.personas.get(created.persona_id)

    written = {k: v for k, v in persona.to_dict().items() if k not in READ_ONLY}

    assert request.to_dict() == sent == written
    assert (created.persona_id, PersonaType.USER) == (
        persona.persona_id,
        persona.persona_type,
    )
    assert ("Tutor", persona.created_at) == (created.persona_name, created.created_at)
    assert persona.created_at is not None
    assert UTC == persona.created_at.tzinfo


async def test_get_answers_the_documented_envelope(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """The fake answers Get Persona as {"data": [persona]}, as the spec says."""
    persona_id = fake.personas.ids("system")[0]

    status, body = await send(http, "GET", f"{PERSONAS}/{persona_id}", None)

    assert (200, [persona_id]) == (status, [p["persona_id"] for p in body["data"]])
    assert "system" == body["data"][0]["persona_type"]


async def test_get_reads_a_bare_persona(fake: FakeTavus, client: TavusClient) -> None:
    """An answer that is the persona itself, without the envelope, is read too."""
    bare = {"persona_id": "p1", "persona_name": "Bare", "mood": "new field"}
    fake.inject(Fault.http(200, body=json.dumps(bare).encode()), method="GET")

    persona = await client.personas.get("p1")

    assert Persona(persona_id="p1", persona_name="Bare") == persona


@pytest.mark.parametrize(
    "body",
    [{"data": []}, {"data": [{"persona_id": "p2"}]}, {"data": "p1"}, [], "p1"],
)
async def test_get_without_the_persona_is_a_decode_error(
    fake: FakeTavus, client: TavusClient, body: Any
) -> None:
    """A 200 whose data holds no persona p1 raises DecodeError with the body."""
    raw = json.dumps(body).encode()
    fake.inject(Fault.http(200, body=raw), method="GET")

    with pytest.raises(DecodeError) as info:
        await client.personas.get("p1")

    assert (200, raw) == (info.value.status_code, info.value.body)
    assert 1 == fake.count("GET")


async def test_get_answered_with_garbage_is_a_decode_error(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A 200 that is not JSON at all raises DecodeError, not a parser's error."""
    fake.inject(Fault.garbage(), method="GET")

    with pytest.raises(DecodeError, match="not JSON"):
        await client.personas.get("p1")


@pytest.mark.parametrize("caught", [NotFoundError, BadRequestError, UnknownIdError])
async def test_unknown_id_is_not_found_and_a_bad_request(
    client: TavusClient, caught: type[APIStatusError]
) -> None:
    """Tavus answers 400 "Invalid persona_id": `except NotFoundError` catches it."""
    with pytest.raises(caught) as info:
        await client.personas.get("p00000000000")

    assert UnknownIdError is type(info.value)
    assert ("Invalid persona_id", 400) == (info.value.message, info.value.status_code)
    assert "persona_id" == getattr(info.value, "id_field", None)


async def test_unknown_fields_and_values_parse(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Fields and values Tavus adds later parse; open enums say they are unknown."""
    persona_id = fake.personas.add(
        persona_type="bot",
        pipeline_mode="stream",
        mood="calm",
        layers={"stt": {"stt_engine": "tavus-next", "beam": 3}, "avatar": {}},
    )

    persona = await client.personas.get(persona_id)
    layers = persona.layers or PersonaLayers()
    values = (
        persona.persona_type,
        persona.pipeline_mode,
        (layers.stt or STTLayer()).stt_engine,
    )

    assert ("bot", "stream", "tavus-next") == values
    assert [False, False, False] == [getattr(v, "is_known", None) for v in values]
    assert STTEngine.TAVUS_AUTO.is_known


# The fake's checks


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "system_prompt is required unless pipeline_mode is 'echo'."),
        ({"pipeline_mode": "full", "system_prompt": ""}, "system_prompt is required"),
        ({"pipeline_mode": "loud"}, "pipeline_mode must be one of: full, echo."),
        ({"system_prompt": 3}, "system_prompt must be a string."),
        ({"pipeline_mode": "echo", "document_ids": "d1"}, "document_ids must be an"),
        ({"pipeline_mode": "echo", "document_tags": [1]}, "document_tags must be an"),
        ({"pipeline_mode": "echo", "layers": []}, "layers must be an object."),
        ({"pipeline_mode": "echo", "layers": {"llm": 1}}, "layers.llm must be an"),
        (
            {"pipeline_mode": "echo", "layers": {"stt": {"stt_engine": "x"}}},
            "layers.stt.stt_engine must be one of: tavus-auto,",
        ),
        (
            {"pipeline_mode": "echo", "layers": {"llm": {"tools": {}}}},
            "layers.llm.tools must be an array.",
        ),
        (
            {"pipeline_mode": "echo", "layers": {"tts": {"tts_emotion_control": 1}}},
            "layers.tts.tts_emotion_control must be a boolean.",
        ),
        (
            {"pipeline_mode": "echo", "default_replica_id": "r0000000000"},
            "Invalid replica_uuid",
        ),
    ],
)
async def test_fake_refuses_what_tavus_would(
    fake: FakeTavus, http: aiohttp.ClientSession, body: dict[str, Any], error: str
) -> None:
    """Create Persona bodies are checked: 400 {"error": ...} naming the problem."""
    status, answer = await send(http, "POST", PERSONAS, body)

    assert 400 == status
    assert answer["error"].startswith(error)
    assert 3 == len(fake.personas.ids())


async def test_fake_keeps_undocumented_keys_and_ignores_read_only_ones(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Unknown keys are stored as sent; an id or type in the body is not taken."""
    body = {
        "pipeline_mode": "echo",
        "persona_id": "p1",
        "persona_type": "system",
        "layers": {"conversational_flow": {"turn_commitment": "medium"}},
    }

    status, created = await send(http, "POST", PERSONAS, body)
    stored = fake.personas.persona(created["persona_id"])

    assert 200 == status
    assert ["created_at", "persona_id"] == sorted(created)
    assert ("user", "medium") == (
        stored["persona_type"],
        stored["layers"]["conversational_flow"]["turn_commitment"],
    )
    with pytest.raises(KeyError):
        fake.personas.persona("p1")


# List


async def test_list_filters_by_type_and_pages(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Stock personas are system ones, created ones user ones; pages count all."""
    ids = [await create(client, f"P{i}") for i in range(5)]

    system = await client.personas.list(persona_type="system")
    user = await client.personas.list(persona_type=PersonaType.USER, limit=2, page=3)
    everything = await client.personas.list()

    assert [name for name, _ in STOCK_PERSONAS] == [p.persona_name for p in system.data]
    assert {PersonaType.SYSTEM} == {p.persona_type for p in system.data}
    assert ([ids[4]], 5) == ([p.persona_id for p in user.data], user.total_count)
    assert {"limit": "2", "page": "3", "persona_type": "user"} == (
        fake.requests[-2].query
    )
    assert (8, 8) == (len(everything.data), everything.total_count)


async def test_iter_all_reads_every_page(fake: FakeTavus, client: TavusClient) -> None:
    """iter_all goes past a server cap on page size until total_count is reached."""
    ids = [await create(client, f"P{i}") for i in range(12)]
    fake.max_page_size = 5
    fake.reset_log()

    seen = [p.persona_id async for p in client.personas.iter_all(persona_type="user")]

    assert ids == seen
    assert ["1", "2", "3"] == [r.query["page"] for r in fake.requests]


# Patch


async def test_patch_built_by_diff(fake: FakeTavus, client: TavusClient) -> None:
    """A diff of two personas, sent as a patch, is what get shows afterwards."""
    persona_id = await create(client, layers=PersonaLayers(stt=STTLayer(hotwords="a")))
    old = await client.personas.get(persona_id)
    fake.advance(60)
    assert old.layers is not None
    new = attrs.evolve(
        old,
        persona_name="Renamed",
        document_tags=("maths",),
        layers=attrs.evolve(old.layers, stt=None, llm=LLMLayer(model="tavus-gpt-oss")),
    )

    changed = await client.personas.patch(persona_id, client.personas.diff(old, new))
    now = await client.personas.get(persona_id)

    assert changed
    assert [
        {"op": "add", "path": "/document_tags", "value": ["maths"]},
        {"op": "add", "path": "/layers/llm", "value": {"model": "tavus-gpt-oss"}},
        {"op": "remove", "path": "/layers/stt"},
        {"op": "replace", "path": "/persona_name", "value": "Renamed"},
    ] == fake.requests[-2].json
    assert attrs.evolve(new, updated_at=now.updated_at) == now
    assert old.updated_at is not None
    assert now.updated_at is not None
    assert 60 == round((now.updated_at - old.updated_at).total_seconds())


async def test_patch_that_changes_nothing_is_304(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A patch leaving the persona as it was is answered 304: patch returns False."""
    persona_id = await create(client, "Same")

    changed = await client.personas.patch(
        persona_id, [Test("/persona_name", "Same"), Replace("/persona_name", "Same")]
    )

    assert not changed
    assert 304 == fake.requests[-1].status


@pytest.mark.parametrize(
    ("operations", "field", "words"),
    [
        ([Replace("/persona_nam", "x")], "patch[0].path", "'/persona_nam'"),
        ([Replace("/layers/llm/modle", "x")], "patch[0].path", "'/layers/llm/model'"),
        ([Remove("/created_at")], "patch[0].path", "set by Tavus"),
        ([Add("/persona_type", "user")], "patch[0].path", "set by Tavus"),
        ([], "patch", "empty"),
        ("x", "patch", "list of operations"),
    ],
)
async def test_bad_patch_is_refused_before_sending(
    fake: FakeTavus,
    client: TavusClient,
    operations: Any,
    field: str,
    words: str,
) -> None:
    """A path Persona does not have, or one Tavus sets, is refused; nothing sent."""
    with pytest.raises(ValidationError) as info:
        await client.personas.patch("p1", operations)

    assert field == info.value.field
    assert words in str(info.value)
    assert [] == fake.requests


async def test_patch_that_does_not_fit_is_a_bad_request(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A missing target is 400; so is a result Tavus would refuse, left undone."""
    persona_id = await create(client)
    before = fake.personas.persona(persona_id)

    with pytest.raises(BadRequestError, match="has no member 'layers'"):
        await client.personas.patch(persona_id, [Remove("/layers/stt/hotwords")])
    with pytest.raises(BadRequestError, match="system_prompt is required"):
        await client.personas.patch(persona_id, [Remove("/system_prompt")])

    assert before == fake.personas.persona(persona_id)


@pytest.mark.parametrize(
    "body",
    [
        {"op": "replace", "path": "/persona_name", "value": "x"},
        [{"op": "jump", "path": "/persona_name"}],
        [{"op": "replace", "path": "persona_name", "value": "x"}],
        [{"op": "replace", "path": "/persona_id", "value": "p2"}],
    ],
)
async def test_malformed_patch_sent_raw_is_422(
    fake: FakeTavus, http: aiohttp.ClientSession, body: Any
) -> None:
    """The fake answers a malformed patch 422 "Invalid JSON patch format"."""
    persona_id = fake.personas.ids()[0]

    status, answer = await send(http, "PATCH", f"{PERSONAS}/{persona_id}", body)

    assert (422, {"message": "Invalid JSON patch format"}) == (status, answer)


async def test_patch_unknown_id(client: TavusClient) -> None:
    """Patching an unknown persona is an UnknownIdError."""
    with pytest.raises(UnknownIdError):
        await client.personas.patch("p00000000000", [Remove("/persona_name")])


# Delete


async def test_delete(fake: FakeTavus, client: TavusClient) -> None:
    """A deleted persona is gone: get and a second delete say Invalid persona_id."""
    persona_id = await create(client)

    await client.personas.delete(persona_id)

    assert ("DELETE", 204) == (fake.requests[-1].method, fake.requests[-1].status)
    with pytest.raises(UnknownIdError):
        await client.personas.get(persona_id)
    with pytest.raises(UnknownIdError):
        await client.personas.delete(persona_id)


async def test_delete_whose_answer_was_lost(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A delete met by a 502 after acting, retried to "Invalid persona_id", is done."""
    persona_id = await create(client)
    fake.inject(Fault.http(502, after=True), method="DELETE")

    await client.personas.delete(persona_id)

    assert [502, 400] == [r.status for r in fake.requests[-2:]]
    assert persona_id not in fake.personas.ids()


# Arguments, retries, concurrency


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.personas.get(""), "persona_id"),
        (lambda c: c.personas.get("p1,p2"), "persona_id"),
        (lambda c: c.personas.delete(" p1"), "persona_id"),
        (lambda c: c.personas.patch("", [Remove("/persona_name")]), "persona_id"),
        (lambda c: c.personas.list(page=0), "page"),
        (lambda c: c.personas.list(limit=0), "limit"),
        (lambda c: c.personas.list(persona_type="bot"), "persona_type"),
        (lambda c: c.personas.iter_all(persona_type="bot"), "persona_type"),
        (lambda c: c.personas.iter_all(limit=0), "limit"),
        (lambda c: c.personas.create({"system_prompt": PROMPT}), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, call: Any, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; no request is made."""
    with pytest.raises(ValidationError) as info:
        await call(client)

    assert field == info.value.field
    assert [] == fake.requests


async def test_a_read_is_retried(fake: FakeTavus, client: TavusClient) -> None:
    """A 503 on get is retried, and the retry's answer is used."""
    persona_id = fake.personas.ids()[0]
    fake.inject(Fault.http(503), method="GET")

    persona = await client.personas.get(persona_id)

    assert persona_id == persona.persona_id
    assert [503, 200] == [r.status for r in fake.requests]


async def test_a_create_answered_502_is_not_retried(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A create met by a 502 may have happened: it is not repeated, and says so."""
    fake.inject(Fault.http(502, after=True), method="POST")

    with pytest.raises(InternalServerError) as info:
        await create(client, "Once")

    assert info.value.may_have_succeeded
    assert 1 == fake.count("POST", PERSONAS)
    assert 4 == len(fake.personas.ids())


async def test_many_at_once(fake: FakeTavus, client: TavusClient) -> None:
    """Fifty creates in flight at once, then fifty gets, all land."""
    names = [f"P{i}" for i in range(50)]

    ids = await asyncio.gather(*(create(client, name) for name in names))
    got = await asyncio.gather(*(client.personas.get(i) for i in ids))

    assert names == [p.persona_name for p in got]
    assert 50 == len(set(ids)) == len(fake.personas.ids("user"))


async def test_with_raw_response(fake: FakeTavus, client: TavusClient) -> None:
    """with_raw_response gives get's persona and its HTTP answer."""
    persona_id = fake.personas.ids()[0]

    raw = await with_raw_response(client.personas.get, persona_id)

    assert (persona_id, 200, "GET") == (
        raw.parsed.persona_id,
        raw.status_code,
        raw.method,
    )
    assert raw.url.endswith(f"{PERSONAS}/{persona_id}")


async def test_answers_in_the_pal_names(fake: FakeTavus, client: TavusClient) -> None:
    """With answers in pal_* names (fake.new_names), every field still fills."""
    replica_id = fake.add_replica()
    fake.new_names = True

    created = await client.personas.create(
        CreatePersonaRequest(
            persona_name="Pal", system_prompt=PROMPT, default_replica_id=replica_id
        )
    )
    persona = await client.personas.get(created.persona_id)
    page = await client.personas.list(persona_type="user")

    expected = (created.persona_id, "Pal", PersonaType.USER, replica_id)

    assert "Pal" == created.persona_name
    assert [expected, expected] == [_row(persona), *map(_row, page.data)]


def _row(p: Persona) -> tuple[Any, ...]:
    return (p.persona_id, p.persona_name, p.persona_type, p.default_replica_id)
