"""Persona types: what you send to create one and what Tavus returns.

A persona configures how a replica behaves and sounds in a conversation: its
system prompt, knowledge base, and the settings of each layer of Tavus's
pipeline (:class:`PersonaLayers`). The layer classes serve requests and
responses alike; only :class:`CreatePersonaRequest` checks them. Secrets
(``llm.api_key``, ``llm.headers``, ``tts.api_key``) never show in a repr.

These classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from attrs import converters, field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = [
    "ConversationalFlowLayer",
    "CreatePersonaRequest",
    "CreatedPersona",
    "FlowLevel",
    "IdleEngagement",
    "LLMLayer",
    "PerceptionLayer",
    "PerceptionModel",
    "Persona",
    "PersonaLayers",
    "PersonaPage",
    "PersonaType",
    "PipelineMode",
    "STTEngine",
    "STTLayer",
    "TTSEngine",
    "TTSLayer",
    "TurnDetectionModel",
    "VoiceIsolation",
]

READ_ONLY = ("persona_id", "persona_type", "created_at", "updated_at")
"""The fields Tavus sets: a patch may test them but never change them."""


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _objects(values: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(values)


def _optional_strings(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


class PipelineMode(OpenStrEnum):
    """How much of Tavus's pipeline a persona runs."""

    FULL = "full"
    """The whole pipeline: hear, think, speak (the default)."""
    ECHO = "echo"
    """Most steps off: the replica speaks the audio or text sent in echo events."""


class PersonaType(OpenStrEnum):
    """Who owns a persona: ``user`` (yours) or ``system`` (Tavus stock)."""

    USER = "user"
    SYSTEM = "system"


class PerceptionModel(OpenStrEnum):
    """The perception model: ``raven-1`` (default), ``raven-0`` (legacy) or ``off``."""

    RAVEN_1 = "raven-1"
    RAVEN_0 = "raven-0"
    OFF = "off"


class STTEngine(OpenStrEnum):
    """The speech-to-text engine; ``tavus-auto`` (default) picks by language."""

    TAVUS_AUTO = "tavus-auto"
    TAVUS_PARAKEET = "tavus-parakeet"
    TAVUS_SONIOX = "tavus-soniox"
    TAVUS_WHISPER = "tavus-whisper"
    TAVUS_DEEPGRAM_MEDICAL = "tavus-deepgram-medical"
    TAVUS_ADVANCED = "tavus-advanced"
    """Deprecated by Tavus."""


class TurnDetectionModel(OpenStrEnum):
    """The turn detection model: ``sparrow-1`` (recommended) or ``sparrow-0``."""

    SPARROW_1 = "sparrow-1"
    SPARROW_0 = "sparrow-0"


class FlowLevel(OpenStrEnum):
    """``low``, ``medium`` or ``high``: turn-taking patience, interruptibility."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class VoiceIsolation(OpenStrEnum):
    """Noise separation on the participant's audio: ``near`` (default) or ``off``."""

    NEAR = "near"
    OFF = "off"


class IdleEngagement(OpenStrEnum):
    """If the replica breaks a silence: ``off`` (default), ``patient``, ``eager``."""

    OFF = "off"
    PATIENT = "patient"
    EAGER = "eager"


class TTSEngine(OpenStrEnum):
    """The text-to-speech engine: ``cartesia`` or ``elevenlabs``."""

    CARTESIA = "cartesia"
    ELEVENLABS = "elevenlabs"


@frozen(kw_only=True)
class PerceptionLayer(_Model):
    """What the replica sees and hears beyond words (``layers.perception``)."""

    perception_model: PerceptionModel | None = field(
        default=None, converter=converters.optional(PerceptionModel)
    )
    """``raven-1`` (Tavus's default), ``raven-0`` or ``off``."""
    visual_awareness_queries: tuple[str, ...] = field(default=(), converter=_strings)
    """Questions Raven keeps asking of the video, such as "Is the user smiling?"."""
    visual_tool_prompt: str | None = None
    """When and how to use ``visual_tools``."""
    visual_tools: tuple[dict[str, Any], ...] = field(default=(), converter=_objects)
    """Tools triggered by what Raven sees, as Tavus takes them (free-form)."""
    audio_awareness_queries: tuple[str, ...] = field(default=(), converter=_strings)
    """Questions Raven-1 keeps asking of the audio (``raven-1`` only)."""
    audio_tool_prompt: str | None = None
    """When and how to use ``audio_tools`` (``raven-1`` only)."""
    audio_tools: tuple[dict[str, Any], ...] = field(default=(), converter=_objects)
    """Tools triggered by the user's tone (``raven-1`` only; free-form)."""


@frozen(kw_only=True)
class STTLayer(_Model):
    """Speech-to-text settings (``layers.stt``)."""

    stt_engine: STTEngine | None = field(
        default=None, converter=converters.optional(STTEngine)
    )
    """The engine; Tavus's default is ``tavus-auto``."""
    hotwords: str | None = None
    """Phrases that help the engine with names and rare words."""


@frozen(kw_only=True)
class ConversationalFlowLayer(_Model):
    """Turn-taking settings (``layers.conversational_flow``).

    When none is given, the features are off; once one is given, Tavus
    applies its defaults to the others.
    """

    turn_detection_model: TurnDetectionModel | None = field(
        default=None, converter=converters.optional(TurnDetectionModel)
    )
    """``sparrow-1`` (recommended) or ``sparrow-0``."""
    turn_taking_patience: FlowLevel | None = field(
        default=None, converter=converters.optional(FlowLevel)
    )
    """How eagerly the replica takes its turn; ``high`` waits longest."""
    replica_interruptibility: FlowLevel | None = field(
        default=None, converter=converters.optional(FlowLevel)
    )
    """How easily the user's speech stops the replica; ``high`` stops easily."""
    voice_isolation: VoiceIsolation | None = field(
        default=None, converter=converters.optional(VoiceIsolation)
    )
    """``near`` (Tavus's default) separates speech from noise; ``off`` does not."""
    wake_phrase: str | None = None
    """A phrase the persona waits for before it answers, such as "Hey Ada"."""
    idle_engagement: IdleEngagement | None = field(
        default=None, converter=converters.optional(IdleEngagement)
    )
    """Whether and how soon the replica breaks a silence."""


@frozen(kw_only=True)
class LLMLayer(_Model):
    """The language model (``layers.llm``): a Tavus-hosted one or your own.

    For your own OpenAI-compatible model, give ``model``, ``base_url`` and
    ``api_key``. ``api_key`` and ``headers`` are left out of the repr.
    """

    model: str | None = None
    """Such as ``"tavus-gpt-oss"``, or your own model's name."""
    base_url: str | None = None
    """Your OpenAI-compatible endpoint (a URL)."""
    api_key: str | None = field(default=None, repr=False)
    """The key of your endpoint; a secret, not shown in the repr."""
    speculative_inference: bool | None = None
    """Start on the transcript before the user ends (Tavus's default: true)."""
    tools: tuple[dict[str, Any], ...] = field(default=(), converter=_objects)
    """Tools (function definitions) for the model, as Tavus takes them."""
    headers: dict[str, Any] | None = field(default=None, repr=False)
    """Headers sent to your endpoint; may hold a secret, not shown in the repr."""
    extra_body: dict[str, Any] | None = None
    """More request parameters, such as ``{"temperature": 0.7}``."""


@frozen(kw_only=True)
class TTSLayer(_Model):
    """Text-to-speech settings (``layers.tts``). ``api_key`` is left out of the repr."""

    api_key: str | None = field(default=None, repr=False)
    """The TTS provider's key, for private voices; not shown in the repr."""
    tts_engine: TTSEngine | None = field(
        default=None, converter=converters.optional(TTSEngine)
    )
    """``cartesia`` or ``elevenlabs``."""
    external_voice_id: str | None = None
    """The engine's voice id."""
    voice_settings: dict[str, Any] | None = None
    """Engine-specific settings, such as ``{"speed": 0.9}`` (free-form)."""
    tts_emotion_control: bool | None = None
    """Let Tavus drive emotion tags (Phoenix-4 replicas; Tavus's default: true)."""
    tts_model_name: str | None = None
    """The engine's model, such as ``"sonic-3"``."""
    pronunciation_dictionary_id: str | None = None
    """A Tavus pronunciation dictionary to apply."""


@frozen(kw_only=True)
class PersonaLayers(_Model):
    """The settings of each layer of the pipeline; any may be left out."""

    perception: PerceptionLayer | None = None
    """What the replica sees and hears beyond words."""
    stt: STTLayer | None = None
    """Speech-to-text."""
    conversational_flow: ConversationalFlowLayer | None = None
    """Turn-taking."""
    llm: LLMLayer | None = None
    """The language model."""
    tts: TTSLayer | None = None
    """Text-to-speech."""


@frozen(kw_only=True)
class CreatePersonaRequest(_Model):
    """The body of ``POST /v2/personas``.

    ``system_prompt`` is required unless ``pipeline_mode`` is ``"echo"``.
    Every problem is reported at once, as a
    :class:`~tavus_async.ValidationError`, when the request is built. Fields
    left as None are not sent, so Tavus applies its own defaults.

    Raises:
        ValidationError: ``system_prompt`` is missing, a text or id is empty,
            or ``layers.llm.base_url`` is not a URL.
    """

    persona_name: str | None = None
    """A name for the persona."""
    system_prompt: str | None = None
    """The LLM's system prompt; required unless ``pipeline_mode`` is echo."""
    pipeline_mode: PipelineMode | None = field(
        default=None, converter=converters.optional(PipelineMode)
    )
    """``full`` (Tavus's default) or ``echo``."""
    default_replica_id: str | None = None
    """The replica a conversation with this persona uses when it names none."""
    document_ids: tuple[str, ...] | None = field(
        default=None, converter=_optional_strings
    )
    """Knowledge-base documents available in every conversation."""
    document_tags: tuple[str, ...] | None = field(
        default=None, converter=_optional_strings
    )
    """Tags of knowledge-base documents available in every conversation."""
    objectives_id: str | None = None
    """The objectives to attach."""
    guardrails_id: str | None = None
    """The guardrails to attach."""
    layers: PersonaLayers | None = None
    """The settings of each pipeline layer."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        if self.system_prompt is None and self.pipeline_mode != PipelineMode.ECHO:
            problems.append(
                (
                    "system_prompt",
                    "is required unless pipeline_mode is 'echo'; give the "
                    "LLM's instructions, e.g. system_prompt='You are a tutor.'",
                )
            )
        for name in (
            "persona_name",
            "system_prompt",
            "default_replica_id",
            "objectives_id",
            "guardrails_id",
        ):
            v.check_text(problems, name, getattr(self, name))
        for name in ("document_ids", "document_tags"):
            for index, value in enumerate(getattr(self, name) or ()):
                v.check_text(problems, f"{name}[{index}]", value)
        llm = self.layers.llm if self.layers is not None else None
        if llm is not None:
            v.check_url(problems, "layers.llm.base_url", llm.base_url)
        v.raise_if(problems)


@frozen(kw_only=True)
class CreatedPersona(_Model):
    """Tavus's answer to a create: the new id, its name and when it was made."""

    persona_id: str
    """The new persona's id, such as ``"pcb7a34da5fe"``."""
    persona_name: str | None = None
    """Its name, as sent."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""


@frozen(kw_only=True)
class Persona(_Model):
    """A persona as Get Persona or List Personas returns it.

    Fields Tavus leaves out are None (or empty); unknown ones are ignored.
    Responses using the new PAL names (``pal_id``, ``pal_name``,
    ``pal_type``, ``default_face_id``) fill the same fields. Build a changed
    copy with ``attrs.evolve`` and send the difference with
    ``client.personas.patch(persona_id, client.personas.diff(old, new))``.
    """

    persona_id: str
    """The id, such as ``"pcb7a34da5fe"``."""
    persona_name: str | None = None
    """Its name."""
    system_prompt: str | None = None
    """The LLM's system prompt."""
    pipeline_mode: PipelineMode | None = field(
        default=None, converter=converters.optional(PipelineMode)
    )
    """``full`` or ``echo``, when sent."""
    persona_type: PersonaType | None = field(
        default=None, converter=converters.optional(PersonaType)
    )
    """``user`` or ``system``, when sent."""
    default_replica_id: str | None = None
    """The replica conversations use when they name none."""
    document_ids: tuple[str, ...] = field(default=(), converter=_strings)
    """Knowledge-base documents it has access to."""
    document_tags: tuple[str, ...] = field(default=(), converter=_strings)
    """Tags of knowledge-base documents it has access to."""
    objectives_id: str | None = None
    """Its objectives, when attached."""
    guardrails_id: str | None = None
    """Its guardrails, when attached."""
    layers: PersonaLayers | None = None
    """The settings of each pipeline layer."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""


PersonaPage = Page[Persona]
"""A page of personas from ``client.personas.list()``."""


@frozen(kw_only=True)
class _PersonaAnswer(_Model):
    """Get Persona's documented answer: ``{"data": [persona]}``, an array."""

    data: tuple[Persona, ...] = ()

    def pick(self, persona_id: str) -> Persona | None:
        """The item whose id is ``persona_id``; None when there is none."""
        return next((p for p in self.data if p.persona_id == persona_id), None)
