"""The fake's personas: ``/v2/personas``, with stock ones and JSON-Patch.

A new fake holds a few stock personas (``persona_type`` ``system``); those
created through the API are ``user`` ones. Bodies are checked as Tavus
documents them (400 ``{"error": ...}``): ``system_prompt`` unless
``pipeline_mode`` is ``echo``, the documented values of each layer's
settings, and a ``default_replica_id`` the fake knows (400 ``Invalid
replica_uuid``, the spec's example). A patch is applied as RFC 6902 says
and the result checked the same way; one that changes nothing is answered
304. Get Persona answers ``{"data": [persona]}``, as the spec documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from tavus_async.testing._collection import (
    Account,
    Collection,
    Family,
    Item,
    Route,
    json_body,
    missing,
)
from tavus_async.testing._faults import ApiError, bad_request
from tavus_async.testing._wire import choice


__all__ = ["STOCK_PERSONAS", "Personas", "check_persona"]

STOCK_PERSONAS = (
    ("Tavus Researcher", "You are a careful research assistant."),
    ("Customer Support", "You help customers with their orders, politely."),
    ("Interview Coach", "You run mock job interviews and give feedback."),
)
"""The ``system`` personas of a new fake: name and system prompt."""

_READ_ONLY = ("persona_id", "persona_type", "created_at", "updated_at")
_TYPES = ("user", "system")
_LEVELS = ("low", "medium", "high")
_TEXT = (
    "persona_name",
    "system_prompt",
    "default_replica_id",
    "objectives_id",
    "guardrails_id",
)
_Rule = type | tuple[str, ...]
_LAYERS: dict[str, dict[str, _Rule]] = {
    "perception": {
        "perception_model": ("raven-1", "raven-0", "off"),
        "visual_awareness_queries": list,
        "visual_tool_prompt": str,
        "visual_tools": list,
        "audio_awareness_queries": list,
        "audio_tool_prompt": str,
        "audio_tools": list,
    },
    "stt": {
        "stt_engine": (
            *("tavus-auto", "tavus-parakeet", "tavus-soniox", "tavus-whisper"),
            *("tavus-deepgram-medical", "tavus-advanced"),
        ),
        "hotwords": str,
    },
    "conversational_flow": {
        "turn_detection_model": ("sparrow-1", "sparrow-0"),
        "turn_taking_patience": _LEVELS,
        "turn_commitment": _LEVELS,
        "replica_interruptibility": _LEVELS,
        "voice_isolation": ("off", "near"),
        "wake_phrase": str,
        "idle_engagement": ("off", "patient", "eager"),
    },
    "llm": {
        "model": str,
        "base_url": str,
        "api_key": str,
        "speculative_inference": bool,
        "tools": list,
        "headers": dict,
        "extra_body": dict,
    },
    "tts": {
        "api_key": str,
        "tts_engine": ("cartesia", "elevenlabs"),
        "external_voice_id": str,
        "voice_settings": dict,
        "tts_emotion_control": bool,
        "tts_model_name": str,
        "pronunciation_dictionary_id": str,
    },
}
"""Each layer's documented settings: a JSON type, or the documented values."""
_KINDS = {str: "a string", bool: "a boolean", list: "an array", dict: "an object"}


def check_persona(body: Mapping[str, Any], account: Account) -> None:
    """Check a persona's fields as Tavus would; 400 naming the first problem.

    Keys the documentation does not list are kept without a check, as
    Tavus's example itself sends one (``turn_commitment``).
    """
    for key in _TEXT:
        _checked(body, key, str, key)
    mode = _checked(body, "pipeline_mode", ("full", "echo"), "pipeline_mode")
    if mode != "echo" and not body.get("system_prompt"):
        raise bad_request("system_prompt is required unless pipeline_mode is 'echo'.")
    for key in ("document_ids", "document_tags"):
        values = _checked(body, key, list, key) or []
        if not all(isinstance(value, str) for value in values):
            raise bad_request(f"{key} must be an array of strings.")
    layers = _checked(body, "layers", dict, "layers") or {}
    for name, rules in _LAYERS.items():
        layer = _checked(layers, name, dict, f"layers.{name}") or {}
        for key, rule in rules.items():
            _checked(layer, key, rule, f"layers.{name}.{key}")
    replica_id = body.get("default_replica_id")
    if replica_id is not None and account.replica_status(replica_id) is None:
        raise bad_request("Invalid replica_uuid")


def _checked(body: Mapping[str, Any], key: str, rule: _Rule, where: str) -> Any:
    """``body[key]`` (None when absent or null), if it keeps ``rule``; else 400."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(rule, tuple):
        if value not in rule:
            raise bad_request(f"{where} must be one of: {', '.join(rule)}.")
    elif not isinstance(value, rule):
        raise bad_request(f"{where} must be {_KINDS[rule]}.")
    return value


class Personas(Family):
    """The personas of the fake, reached in tests as ``fake.personas``."""

    def __init__(self, account: Account) -> None:
        """Start with the stock personas of :data:`STOCK_PERSONAS`."""
        super().__init__(account)
        self._items = Collection(
            account,
            id_field="persona_id",
            prefix="p",
            digits=11,
            unknown=lambda _: missing("Invalid persona_id"),
        )
        for name, prompt in STOCK_PERSONAS:
            self.add(persona_name=name, system_prompt=prompt, persona_type="system")

    def add(self, *, persona_type: str = "user", **fields: Any) -> str:
        """Store a persona without the checks of the API; return its id.

        Args:
            persona_type: ``"user"`` or ``"system"``; any string is kept.
            **fields: Its wire fields, such as ``persona_name="Ada"`` or
                ``layers={"llm": {"model": "tavus-gpt-oss"}}``.
        """
        item = self._items.add(fields)
        item.state["persona_type"] = persona_type
        return item.id

    def persona(self, persona_id: str) -> dict[str, Any]:
        """The current wire JSON of a persona; ``KeyError`` if unknown."""
        item = self._items.find(persona_id)
        if item is None:
            raise KeyError(persona_id)
        return self._wire(item)

    def ids(self, persona_type: str | None = None) -> list[str]:
        """The stored personas' ids in creation order, of one type if given."""
        return [
            item.id
            for item in self._items
            if persona_type in (None, item.state["persona_type"])
        ]

    def routes(self) -> Iterable[Route]:
        """Create, list, get, patch and delete personas."""
        one = "/v2/personas/{persona_id}"
        return (
            ("POST", "/v2/personas", self._create),
            ("GET", "/v2/personas", self._list),
            ("GET", one, self._get),
            ("PATCH", one, self._patch),
            ("DELETE", one, self._delete),
        )

    def _wire(self, item: Item) -> dict[str, Any]:
        return self._items.stamped(item, persona_type=item.state["persona_type"])

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body = await json_body(request)
        check_persona(body, self._account)
        fields = {k: v for k, v in body.items() if k not in _READ_ONLY}
        item = self._items.get(self.add(**fields))
        answer = {
            "persona_id": item.id,
            "persona_name": item.fields.get("persona_name"),
            "created_at": self._account.iso(item.created),
        }
        return web.json_response({k: v for k, v in answer.items() if v is not None})

    async def _list(self, request: web.Request) -> web.StreamResponse:
        kind = choice(request.query, "persona_type", _TYPES)
        matches = (
            item for item in self._items if kind in (None, item.state["persona_type"])
        )
        return web.json_response(self._items.page(request.query, matches, self._wire))

    async def _get(self, request: web.Request) -> web.StreamResponse:
        item = self._items.get(request.match_info["persona_id"])
        return web.json_response({"data": [self._wire(item)]})

    async def _patch(self, request: web.Request) -> web.StreamResponse:
        item = self._items.get(request.match_info["persona_id"])
        operations = await json_body(request, object)
        before = item.fields, item.updated
        if not self._items.patch(item, operations, read_only=_READ_ONLY):
            return web.Response(status=304)
        try:
            check_persona(item.fields, self._account)
        except ApiError:
            item.fields, item.updated = before
            raise
        return web.Response(text="OK")

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        self._items.remove(request.match_info["persona_id"])
        return web.Response(status=204)
