"""The one cattrs converter: every JSON rule of the Tavus wire format lives here.

- Fields left as None (or at their default) are omitted when unstructuring, so
  a request sends only what the caller set.
- Unknown response keys are ignored; a null sent for a field that has a
  non-null default falls back to that default.
- ISO-8601 timestamps (``Z``, offsets, microseconds, a space separator) and
  HTTP dates (Generate Video's ``created_at``) become timezone-aware
  datetimes; one without a zone is taken as UTC; unreadable ones become None
  rather than failing the whole response.
- ``training_progress`` ``"37/100"`` becomes a :class:`TrainingProgress`.
- Booleans sent as strings (``"false"``, as in the spec's ``audio_only``) parse.
- Open enums accept any string (see :class:`OpenStrEnum`).
- JSON-Patch operations (:data:`~tavus_async.types.patch.PatchOperation`) are
  written as RFC 6902 has them (``{"op": "replace", "path": ..., "value":
  ...}``, a null value kept, ``from`` for moves and copies) and read back by
  their ``op``.
- The Face/PAL names (``face_id``, ``face_name``, ``face_type``, ``pal_id``)
  fill the legacy replica/persona fields when those are absent.
- A string field takes a string (a number is written out); an object, array
  or boolean where a string belongs is an error, never its Python repr. A
  tuple field takes a JSON array only, a class a JSON object only.
- Each attrs class is read by cattrs' own function, generated once per class
  from the converter: its settings (``forbid_extra_keys``, ``use_alias``,
  ``prefer_attrib_converters``, ``detailed_validation``) and the hooks
  registered on it later (for ``X | None`` too) apply to our types as well.
- Callbacks (:data:`~tavus_async.types.webhooks.CallbackEvent`) pick their
  class by ``event_type`` or ``conversation_id`` (a conversation event), then
  ``video_id`` (a video generation callback: the whole video, read as a
  :class:`~tavus_async.types.videos.Video` and written back as one), then
  ``replica_id`` (a training callback); unknown event types become the generic
  :class:`~tavus_async.types.webhooks.ConversationCallback`, and document and
  transcription callbacks, whose bodies Tavus does not document, are refused
  by name. Each keeps the object as received in ``raw``. A training callback's
  ``ready`` reads as ``completed``; a shutdown reason under ``reason`` fills
  ``shutdown_reason`` and loses Tavus's " reached" suffix.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import JsonConverter
from cattrs.preconf.json import make_converter as _make_json_converter

from tavus_async import _patch
from tavus_async._serde._objects import (
    structure_event,
    structure_factory,
    unstructure_factory,
)
from tavus_async._serde._values import (
    is_array,
    is_optional,
    structure_array_factory,
    structure_bool,
    structure_datetime,
    structure_open_enum,
    structure_optional_factory,
    structure_progress,
    structure_reason,
    structure_str,
    unstructure_enum,
)
from tavus_async.types import OpenStrEnum, TrainingProgress
from tavus_async.types.patch import (
    Add,
    Copy,
    Move,
    PatchOperation,
    Remove,
    Replace,
    Test,
)
from tavus_async.types.webhooks import CallbackEvent, ShutdownReason


__all__ = [
    "default_converter",
    "dumps",
    "loads",
    "make_converter",
    "parse_json",
    "structure",
]

_fast_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - dev installs orjson; a subprocess test
    _fast_loads = None

T = TypeVar("T")

_PATCH_OPS = (Add, Remove, Replace, Move, Copy, Test)


def make_converter(converter: JsonConverter | None = None) -> JsonConverter:
    """Return a converter that reads and writes the Tavus wire format.

    Args:
        converter: A converter to configure (for example one with hooks of
            your own for your types); a new one is made when None. Its
            settings hold for our types too (``forbid_extra_keys=True``
            refuses keys Tavus adds later; the Face/PAL names are not
            unknown). Our hooks (``str``, ``bool``, ``datetime``, enums,
            ``X | None``, attrs classes) replace its own for those types,
            but for a hook registered for one ``X | None`` type, which is
            kept; a hook registered after this call with
            ``register_structure_hook`` wins over ours.

    Returns:
        The configured converter. Pass it to ``TavusClient(converter=...)``
        or use it to turn our types into JSON (``converter.dumps(replica)``).
    """
    conv = converter if converter is not None else _make_json_converter()
    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(TrainingProgress, structure_progress)
    conv.register_unstructure_hook(TrainingProgress, str)
    conv.register_structure_hook(str, structure_str)
    conv.register_structure_hook(OpenStrEnum, structure_open_enum)
    conv.register_structure_hook(ShutdownReason, structure_reason)
    conv.register_unstructure_hook(OpenStrEnum, unstructure_enum)
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_structure_hook_factory(is_array, structure_array_factory)
    conv.register_structure_hook_factory(is_optional, structure_optional_factory)
    conv.register_structure_hook_func(
        lambda cls: cls == CallbackEvent, lambda data, _: structure_event(conv, data)
    )
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_unstructure_hook_func(
        lambda cls: cls in _PATCH_OPS, lambda op: _patch.to_wire(op, conv.unstructure)
    )
    conv.register_structure_hook_func(
        lambda cls: cls == PatchOperation, lambda data, _: _patch.from_wire(data)
    )
    return conv


@functools.cache
def default_converter() -> JsonConverter:
    """The library's converter, made once: clients without ``converter=``,
    ``to_dict()``, callbacks. Register hooks on one of your own instead."""
    return make_converter()


def loads(converter: JsonConverter, body: bytes, cls: type[T]) -> T:
    """Parse a JSON body into ``cls``.

    Raises:
        ValueError: The body is not JSON (or nests too deeply to read), or
            does not fit ``cls``; the message says where (cattrs' path, such
            as ``$.data[3].status``).
    """
    try:
        data = parse_json(body)
    except ValueError as exc:
        raise ValueError(f"the body is not JSON ({exc})") from exc
    except RecursionError:
        raise ValueError("the body nests too deeply to read") from None
    return structure(converter, data, cls)


def structure(converter: JsonConverter, data: Any, cls: type[T]) -> T:
    """Read JSON data (already parsed) into ``cls``.

    Raises:
        ValueError: ``data`` does not fit ``cls``; the message says where.
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        details = "; ".join(cattrs.transform_error(exc)) or repr(exc)
        raise ValueError(f"the JSON does not fit {_name(cls)}: {details}") from exc


def parse_json(body: bytes) -> Any:
    """``json.loads(body)``, done by orjson when it is installed.

    orjson (the ``orjson`` extra) reads a body several times faster. What it
    refuses and ``json`` accepts (UTF-16, NaN, a lone surrogate) is read by
    ``json``, so the result is the same, but for one case: orjson reads an
    integer past 64 bits as a float, where ``json`` keeps it exact (Tavus
    sends none).

    Raises:
        ValueError: The body is not JSON.
    """
    if _fast_loads is not None:
        with contextlib.suppress(ValueError):
            return _fast_loads(body)
    return json.loads(body)


def dumps(converter: JsonConverter, obj: object) -> bytes:
    """Serialize one of our types (a request body, a model) to compact JSON."""
    return json.dumps(converter.unstructure(obj), separators=(",", ":")).encode()


def _name(cls: object) -> str:
    return getattr(cls, "__name__", None) or repr(cls)
