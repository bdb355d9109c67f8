"""Hypothesis strategies for valid requests, field by field.

Each strategy builds only what its class accepts, by the rules in
:mod:`tavus_async._validation` and the classes' own checks
(``__attrs_post_init__``): required fields, texts that are not blank,
absolute http(s) URLs, bounds, fields that need one another. Open-enum
fields also get values this version does not list, which the classes take
as they are. ``REQUESTS`` maps every public request type, and every
settings object inside one, to its strategy.

Nothing here registers a profile: each test sets its own ``@settings``.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from tavus_async.types import (
    ConfirmationMode,
    ConversationalFlowLayer,
    ConversationProperties,
    CrawlConfig,
    CreateConversationRequest,
    CreateDocumentRequest,
    CreateGuardrailsRequest,
    CreateObjectivesRequest,
    CreatePersonaRequest,
    CreateReplicaRequest,
    FlowLevel,
    GenerateVideoRequest,
    Guardrail,
    IdleEngagement,
    LLMLayer,
    Modality,
    Objective,
    PerceptionLayer,
    PerceptionModel,
    PersonaLayers,
    PipelineMode,
    RecordingStorage,
    ReplicaProperties,
    STTEngine,
    STTLayer,
    TTSEngine,
    TTSLayer,
    TurnDetectionModel,
    VideoProperties,
    VoiceIsolation,
)
from tavus_async.types.pronunciation_dictionaries import (
    CreatePronunciationDictionaryRequest,
    PronunciationRule,
    RuleType,
)
from tavus_async.types.transcriptions import CreateTranscriptionRequest
from tests.property.strategies import free_objects, maybe, open_values, texts, urls


Strategy = st.SearchStrategy

replica_properties = st.builds(
    ReplicaProperties, background_green_screen=maybe(st.booleans())
)
_REPLICA_COMMON: dict[str, Strategy[Any]] = {
    "consent_video_url": maybe(urls),
    "replica_name": maybe(texts),
    "model_name": maybe(texts),
    "callback_url": maybe(urls),
    "properties": maybe(replica_properties),
}
id_lists = st.lists(texts, max_size=4)
create_replica_requests: Strategy[CreateReplicaRequest] = st.one_of(
    st.builds(
        CreateReplicaRequest,
        train_video_url=urls,
        voice_name=maybe(texts),
        **_REPLICA_COMMON,
    ),
    st.builds(
        CreateReplicaRequest,
        train_image_url=urls,
        voice_name=texts,
        auto_fix_training_image=maybe(st.booleans()),
        **_REPLICA_COMMON,
    ),
)
"""Valid replica requests: from a video, or from an image with a voice."""

recording_storages: Strategy[RecordingStorage] = st.builds(
    RecordingStorage,
    provider=st.sampled_from(["s3", "gcs", "azure_blob"]),
    **{
        field.name: maybe(texts)
        for field in attrs.fields(RecordingStorage)
        if field.name != "provider"
    },
)
durations = maybe(st.integers(min_value=0))
conversation_properties: Strategy[ConversationProperties] = st.builds(
    ConversationProperties,
    max_call_duration=durations,
    participant_left_timeout=durations,
    participant_absent_timeout=durations,
    enable_recording=maybe(st.booleans()),
    enable_closed_captions=maybe(st.booleans()),
    apply_greenscreen=maybe(st.booleans()),
    language=maybe(texts),
    recording_storage=maybe(recording_storages),
    recording_s3_bucket_name=maybe(texts),
    recording_s3_bucket_region=maybe(texts),
    aws_assume_role_arn=maybe(texts),
)
_who = st.one_of(
    st.fixed_dictionaries({"replica_id": texts}),
    st.fixed_dictionaries({"persona_id": texts}),
    st.fixed_dictionaries({"replica_id": texts, "persona_id": texts}),
)
create_conversation_requests: Strategy[CreateConversationRequest] = st.builds(
    lambda who, **fields: CreateConversationRequest(**who, **fields),
    _who,
    conversation_name=maybe(texts),
    callback_url=maybe(urls),
    conversational_context=maybe(st.text()),
    custom_greeting=maybe(st.text()),
    audio_only=maybe(st.booleans()),
    memory_stores=maybe(id_lists),
    document_ids=maybe(id_lists),
    document_retrieval_strategy=maybe(st.sampled_from(["speed", "quality"])),
    document_tags=maybe(id_lists),
    test_mode=maybe(st.booleans()),
    require_auth=maybe(st.booleans()),
    max_participants=maybe(st.integers(min_value=2)),
    properties=maybe(conversation_properties),
)
"""Valid conversation requests: a replica, a persona or both, any settings."""

# Personas: the layers validate nothing; the request checks texts and base_url.

_queries = st.lists(texts, max_size=3)
_tools = st.lists(free_objects, max_size=2)
perception_layers: Strategy[PerceptionLayer] = st.builds(
    PerceptionLayer,
    perception_model=maybe(open_values(PerceptionModel)),
    visual_awareness_queries=_queries,
    visual_tool_prompt=maybe(texts),
    visual_tools=_tools,
    audio_awareness_queries=_queries,
    audio_tool_prompt=maybe(texts),
    audio_tools=_tools,
)
stt_layers: Strategy[STTLayer] = st.builds(
    STTLayer, stt_engine=maybe(open_values(STTEngine)), hotwords=maybe(texts)
)
flow_layers: Strategy[ConversationalFlowLayer] = st.builds(
    ConversationalFlowLayer,
    turn_detection_model=maybe(open_values(TurnDetectionModel)),
    turn_taking_patience=maybe(open_values(FlowLevel)),
    replica_interruptibility=maybe(open_values(FlowLevel)),
    voice_isolation=maybe(open_values(VoiceIsolation)),
    wake_phrase=maybe(texts),
    idle_engagement=maybe(open_values(IdleEngagement)),
)
llm_layers: Strategy[LLMLayer] = st.builds(
    LLMLayer,
    model=maybe(texts),
    base_url=maybe(urls),
    api_key=maybe(texts),
    speculative_inference=maybe(st.booleans()),
    tools=_tools,
    headers=maybe(free_objects),
    extra_body=maybe(free_objects),
)
tts_layers: Strategy[TTSLayer] = st.builds(
    TTSLayer,
    api_key=maybe(texts),
    tts_engine=maybe(open_values(TTSEngine)),
    external_voice_id=maybe(texts),
    voice_settings=maybe(free_objects),
    tts_emotion_control=maybe(st.booleans()),
    tts_model_name=maybe(texts),
    pronunciation_dictionary_id=maybe(texts),
)
persona_layers: Strategy[PersonaLayers] = st.builds(
    PersonaLayers,
    perception=maybe(perception_layers),
    stt=maybe(stt_layers),
    conversational_flow=maybe(flow_layers),
    llm=maybe(llm_layers),
    tts=maybe(tts_layers),
)
_prompted = st.one_of(
    st.fixed_dictionaries(
        {"system_prompt": texts, "pipeline_mode": maybe(open_values(PipelineMode))}
    ),
    st.fixed_dictionaries(
        {"system_prompt": maybe(texts), "pipeline_mode": st.just(PipelineMode.ECHO)}
    ),
)
create_persona_requests: Strategy[CreatePersonaRequest] = st.builds(
    lambda prompted, **fields: CreatePersonaRequest(**prompted, **fields),
    _prompted,
    persona_name=maybe(texts),
    default_replica_id=maybe(texts),
    document_ids=maybe(id_lists),
    document_tags=maybe(id_lists),
    objectives_id=maybe(texts),
    guardrails_id=maybe(texts),
    layers=maybe(persona_layers),
)
"""Valid persona requests: a system prompt (or echo mode), any layers."""

# Videos: scroll settings need background_scroll true (or unset) and a
# background_url; a transparent background needs fast.

_scroll_choices: dict[str, Strategy[Any]] = {
    "background_scroll_type": maybe(st.sampled_from(["human", "smooth"])),
    "background_scroll_depth": maybe(st.sampled_from(["middle", "bottom"])),
    "background_scroll_return": maybe(st.sampled_from(["return", "halt"])),
}
_waves = maybe(st.booleans())
video_properties: Strategy[VideoProperties] = st.one_of(
    st.builds(
        VideoProperties,
        background_scroll=st.sampled_from([None, True]),
        start_with_wave=_waves,
        **_scroll_choices,
    ),
    st.builds(
        VideoProperties, background_scroll=st.just(False), start_with_wave=_waves
    ),
)
"""Valid properties: scroll choices while scrolling is on, or scrolling off."""
_spoken = st.one_of(
    st.fixed_dictionaries({"script": texts}),
    st.fixed_dictionaries({"audio_url": urls}),
)
_rendered = st.one_of(
    st.fixed_dictionaries(
        {
            "fast": maybe(st.booleans()),
            "transparent_background": st.sampled_from([None, False]),
        }
    ),
    st.just({"fast": True, "transparent_background": True}),
)
_background = st.one_of(
    st.fixed_dictionaries(
        {"background_url": urls, "properties": maybe(video_properties)}
    ),
    st.fixed_dictionaries(
        {"properties": maybe(st.builds(VideoProperties, start_with_wave=_waves))}
    ),
)
generate_video_requests: Strategy[GenerateVideoRequest] = st.builds(
    lambda spoken, rendered, background, **fields: GenerateVideoRequest(
        **spoken, **rendered, **background, **fields
    ),
    _spoken,
    _rendered,
    _background,
    replica_id=texts,
    video_name=maybe(texts),
    background_source_url=maybe(urls),
    callback_url=maybe(urls),
    watermark_image_url=maybe(urls),
)
"""Valid video requests: a script or an audio file, any background settings."""

crawl_configs: Strategy[CrawlConfig] = st.builds(
    CrawlConfig,
    depth=maybe(st.integers(1, 10)),
    max_pages=maybe(st.integers(1, 100)),
)
"""Crawls within the bounds the requests that send them check."""
create_document_requests: Strategy[CreateDocumentRequest] = st.builds(
    CreateDocumentRequest,
    document_url=urls,
    document_name=maybe(texts),
    callback_url=maybe(urls),
    tags=maybe(id_lists),
    crawl=maybe(crawl_configs),
)
"""Valid document requests: a URL, any name, tags and crawl."""

# Objectives and guardrails: a set of items with distinct names; objectives
# lead only to names of their set.


def _set_names(pattern: str) -> Strategy[list[str]]:
    """One to four distinct item names, each matching ``pattern`` in full."""
    name = st.from_regex(pattern, fullmatch=True)
    return st.lists(name, min_size=1, max_size=4, unique=True)


def _objectives(names: list[str]) -> Strategy[list[Objective]]:
    """One objective per name, leading (if anywhere) to names in ``names``."""
    others = st.sampled_from(names)
    return st.tuples(
        *(
            st.builds(
                Objective,
                objective_name=st.just(name),
                objective_prompt=texts,
                confirmation_mode=maybe(open_values(ConfirmationMode)),
                output_variables=st.lists(texts, max_size=3),
                modality=maybe(open_values(Modality)),
                next_conditional_objectives=maybe(
                    st.dictionaries(others, texts, max_size=2)
                ),
                next_required_objective=maybe(others),
                callback_url=maybe(urls),
            )
            for name in names
        )
    ).map(list)


def _guardrails(names: list[str]) -> Strategy[list[Guardrail]]:
    """One guardrail per name."""
    return st.tuples(
        *(
            st.builds(
                Guardrail,
                guardrail_name=st.just(name),
                guardrail_prompt=texts,
                modality=maybe(open_values(Modality)),
                callback_url=maybe(urls),
            )
            for name in names
        )
    ).map(list)


_objective_sets = _set_names(r"\S{1,20}").flatmap(_objectives)
_guardrail_sets = _set_names(r"\w{1,20}").flatmap(_guardrails)
create_objectives_requests: Strategy[CreateObjectivesRequest] = st.builds(
    CreateObjectivesRequest, data=_objective_sets
)
"""Valid objective sets: names without spaces, links within the set."""
create_guardrails_requests: Strategy[CreateGuardrailsRequest] = st.builds(
    CreateGuardrailsRequest, name=maybe(texts), data=_guardrail_sets
)
"""Valid guardrail sets: names of letters, digits and ``_``."""

pronunciation_rules: Strategy[PronunciationRule] = st.builds(
    PronunciationRule,
    text=texts,
    pronunciation=texts,
    type=st.sampled_from(RuleType),
    case_sensitive=maybe(st.booleans()),
    word_boundaries=maybe(st.booleans()),
)
create_dictionary_requests: Strategy[CreatePronunciationDictionaryRequest] = st.builds(
    CreatePronunciationDictionaryRequest,
    name=texts,
    rules=st.lists(pronunciation_rules, max_size=4, unique_by=lambda r: r.text),
)
"""Valid dictionaries: a name, rules of a listed type with distinct texts."""
create_transcription_requests: Strategy[CreateTranscriptionRequest] = st.builds(
    CreateTranscriptionRequest, file_url=urls, callback_url=urls
)

REQUESTS: dict[type, Strategy[Any]] = {
    CreateReplicaRequest: create_replica_requests,
    ReplicaProperties: replica_properties,
    CreateConversationRequest: create_conversation_requests,
    ConversationProperties: conversation_properties,
    RecordingStorage: recording_storages,
    CreatePersonaRequest: create_persona_requests,
    PersonaLayers: persona_layers,
    PerceptionLayer: perception_layers,
    STTLayer: stt_layers,
    ConversationalFlowLayer: flow_layers,
    LLMLayer: llm_layers,
    TTSLayer: tts_layers,
    GenerateVideoRequest: generate_video_requests,
    VideoProperties: video_properties,
    CreateDocumentRequest: create_document_requests,
    CrawlConfig: crawl_configs,
    CreateObjectivesRequest: create_objectives_requests,
    Objective: _objective_sets.map(lambda data: data[0]),
    CreateGuardrailsRequest: create_guardrails_requests,
    Guardrail: _guardrail_sets.map(lambda data: data[0]),
    CreatePronunciationDictionaryRequest: create_dictionary_requests,
    PronunciationRule: pronunciation_rules,
    CreateTranscriptionRequest: create_transcription_requests,
}
"""Every public request type (and the settings objects inside them)."""
