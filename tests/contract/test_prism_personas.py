"""Contract test: client.personas against Prism serving Tavus's spec.

As in ``test_prism.py``: Prism checks each request against the document and
answers with its examples. Get Persona's example is the documented envelope
``{"data": [persona]}``; its ``created_at`` example is ``""`` and the other
timestamps have none (Prism writes ``"string"``), which read as None.
"""

from __future__ import annotations

import contextlib

import attrs
import pytest

from tavus_async import TavusClient, UnprocessableEntityError
from tavus_async.services.personas import PersonasService
from tavus_async.types.patch import Remove, Replace, Test
from tavus_async.types.personas import (
    ConversationalFlowLayer,
    CreatePersonaRequest,
    FlowLevel,
    IdleEngagement,
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
    TurnDetectionModel,
    VoiceIsolation,
)
from tests.contract._prism import Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

PERSONA_ID = "pcb7a34da5fe"
ITER_BOUND = 5
PROMPT = "As a Life Coach, you are a dedicated professional who specializes in..."
TOOL = {"type": "function", "function": {"name": "get_current_weather"}}

COVERED = {
    PersonasService: {
        "create": "test_create_persona_with_every_field/_echo",
        "get": "test_get_persona",
        "list": "test_list_personas_with_every_filter",
        "iter_all": "test_iter_all_personas",
        "patch": "test_patch_persona_built_by_diff/_test_and_replace",
        "diff": "test_patch_persona_built_by_diff",
        "delete": "test_delete_persona",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of PersonasService has a contract test listed in COVERED."""
    assert_covered(COVERED)


async def test_create_persona_with_every_field(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Persona with every field and every layer setting is accepted."""
    request = CreatePersonaRequest(
        persona_name="Life Coach",
        system_prompt=PROMPT,
        pipeline_mode=PipelineMode.FULL,
        default_replica_id="r90bbd427f71",
        document_ids=["d1234567890", "d2468101214"],
        document_tags=["product_info", "company_policies"],
        objectives_id="o12345",
        guardrails_id="g12345",
        layers=PersonaLayers(
            perception=PerceptionLayer(
                perception_model=PerceptionModel.RAVEN_1,
                visual_awareness_queries=["Is the user showing an ID card?"],
                visual_tool_prompt="Use notify_if_id_shown when you see an ID.",
                visual_tools=[
                    {"name": "notify_if_id_shown", "description": "An ID is shown."}
                ],
                audio_awareness_queries=["Does the user sound frustrated?"],
                audio_tool_prompt="Use escalate_to_human on sustained frustration.",
                audio_tools=[
                    {"name": "escalate_to_human", "description": "Hand over."}
                ],
            ),
            stt=STTLayer(stt_engine=STTEngine.TAVUS_AUTO, hotwords="Roey"),
            conversational_flow=ConversationalFlowLayer(
                turn_detection_model=TurnDetectionModel.SPARROW_1,
                turn_taking_patience=FlowLevel.MEDIUM,
                replica_interruptibility=FlowLevel.HIGH,
                voice_isolation=VoiceIsolation.NEAR,
                wake_phrase="Hey Coach",
                idle_engagement=IdleEngagement.PATIENT,
            ),
            llm=LLMLayer(
                model="tavus-gpt-oss",
                base_url="https://llm.example.com/v1",
                api_key="your-api-key",
                speculative_inference=True,
                tools=[TOOL],
                headers={"Authorization": "Bearer your-api-key"},
                extra_body={"temperature": 0.7, "top_p": 0.9},
            ),
            tts=TTSLayer(
                api_key="your-api-key",
                tts_engine=TTSEngine.CARTESIA,
                external_voice_id="external-voice-id",
                voice_settings={"speed": 0.5, "emotion": ["curiosity"]},
                tts_emotion_control=True,
                tts_model_name="sonic-3",
                pronunciation_dictionary_id="pd_abc123def456",
            ),
        ),
    )
    with accepted(exchanges):
        created = await client.personas.create(request)
    assert (PERSONA_ID, "Life Coach") == (created.persona_id, created.persona_name)
    assert None is created.created_at  # no example: Prism writes "string"
    assert ("POST", "/v2/personas", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


async def test_create_persona_echo(client: TavusClient, exchanges: Exchanges) -> None:
    """An echo-mode persona without a system prompt is accepted."""
    with accepted(exchanges):
        created = await client.personas.create(
            CreatePersonaRequest(pipeline_mode="echo")
        )
    assert PERSONA_ID == created.persona_id


async def test_get_persona(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Persona's {"data": [persona]} example is unwrapped and parsed."""
    with accepted(exchanges):
        persona = await client.personas.get(PERSONA_ID)
    assert {} == exchanges.last().query
    assert (PERSONA_ID, "Life Coach") == (persona.persona_id, persona.persona_name)
    assert "r90bbd427f71" == persona.default_replica_id
    assert ("d1234567890", "d2468101214") == persona.document_ids
    assert (None, None) == (persona.created_at, persona.updated_at)
    layers = persona.layers
    assert layers is not None
    assert layers.llm is not None
    assert layers.tts is not None
    assert layers.perception is not None
    assert layers.stt is not None
    assert "your-base-url" == layers.llm.base_url  # not a URL: parsed as sent
    assert {"Authorization": "Bearer your-api-key"} == layers.llm.headers
    assert "get_current_weather" == layers.llm.tools[0]["function"]["name"]
    assert (TTSEngine.CARTESIA, "sonic-3") == (
        layers.tts.tts_engine,
        layers.tts.tts_model_name,
    )
    assert PerceptionModel.RAVEN_1 == layers.perception.perception_model
    assert STTEngine.TAVUS_AUTO == layers.stt.stt_engine


async def test_list_personas_with_every_filter(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """List Personas with every query parameter is accepted and parsed."""
    with accepted(exchanges):
        page = await client.personas.list(limit=20, page=2, persona_type="system")
    assert {"limit": "20", "page": "2", "persona_type": "system"} == (
        exchanges.last().query
    )
    (persona,) = page.data
    assert (PERSONA_ID, "Life Coach") == (persona.persona_id, persona.persona_name)
    assert None is persona.persona_type  # not in the schema


async def test_iter_all_personas(client: TavusClient, exchanges: Exchanges) -> None:
    """iter_all sends the type and page size with each page, and stops."""
    seen = []
    with accepted(exchanges):
        iterator = client.personas.iter_all(limit=50, persona_type=PersonaType.USER)
        async with contextlib.aclosing(iterator) as personas:
            async for persona in personas:
                seen.append(persona.persona_id)
                if len(seen) >= ITER_BOUND:
                    break
    assert PERSONA_ID == seen[0]
    assert {"limit": "50", "page": "1", "persona_type": "user"} == (
        exchanges.seen[0].query
    )


async def test_patch_persona_built_by_diff(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """A patch diff builds from a read persona (replaces, adds) is accepted."""
    with accepted(exchanges):
        old = await client.personas.get(PERSONA_ID)
    assert old.layers is not None
    assert old.layers.stt is not None
    new = attrs.evolve(
        old,
        system_prompt="You coach careers.",
        layers=attrs.evolve(
            old.layers, stt=attrs.evolve(old.layers.stt, hotwords="Roey")
        ),
    )
    operations = client.personas.diff(old, new)
    with accepted(exchanges):
        changed = await client.personas.patch(PERSONA_ID, operations)
    assert changed
    assert (
        Replace("/layers/stt/hotwords", "Roey"),
        Replace("/system_prompt", "You coach careers."),
    ) == operations
    assert ("PATCH", f"/v2/personas/{PERSONA_ID}", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


async def test_patch_persona_test_and_replace(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """A patch guarded by a test, as the spec's example replaces, is accepted."""
    with accepted(exchanges):
        changed = await client.personas.patch(
            PERSONA_ID,
            [Test("/persona_name", "Life Coach"), Replace("/persona_name", "Coach")],
        )
    assert changed


async def test_patch_persona_remove_breaks_the_spec_schema(
    client: TavusClient,
) -> None:
    """Known spec error: its schema needs ``value`` in every op, remove included.

    RFC 6902's remove has no value, and the spec's own example ("Remove STT
    Hotwords") sends none, yet its schema lists ``value`` as required, so
    Prism refuses the remove the client sends, with the spec's 422 example.
    """
    with pytest.raises(UnprocessableEntityError) as info:
        await client.personas.patch(PERSONA_ID, [Remove("/layers/stt/hotwords")])
    assert "Invalid JSON patch format" == info.value.message
    assert "required property 'value'" in info.value.headers["sl-violations"]


async def test_delete_persona(client: TavusClient, exchanges: Exchanges) -> None:
    """Delete Persona is accepted with its 204."""
    with accepted(exchanges):
        await client.personas.delete(PERSONA_ID)
    assert ("DELETE", 204) == (exchanges.last().method, exchanges.last().status)


def test_diff_is_a_static_method() -> None:
    """diff needs no client: PersonasService.diff works on two personas alone."""
    old = Persona(persona_id=PERSONA_ID, persona_name="A")

    assert (Replace("/persona_name", "B"),) == PersonasService.diff(
        old, attrs.evolve(old, persona_name="B")
    )
