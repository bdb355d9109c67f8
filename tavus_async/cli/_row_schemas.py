"""What one manifest row holds for each kind of job, and the request it makes.

:mod:`._manifest` reads the file (CSV or JSON Lines) into raw values per row;
a :class:`RowSchema` says which columns there are, checks one row's values
and builds its request: :data:`REPLICA_ROWS` (``train``: a
``CreateReplicaRequest`` per row) and :data:`VIDEO_ROWS` (``generate``: a
``GenerateVideoRequest`` per row). Everything here is pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import cattrs
from attrs import field, frozen

from tavus_async import (
    CreateReplicaRequest,
    GenerateVideoRequest,
    ReplicaProperties,
    ValidationError,
    VideoProperties,
)
from tavus_async.cli._common import command_words
from tavus_async.cli._json_files import _strict, problems
from tavus_async.cli._kinds import JobKind


__all__ = [
    "REPLICA_ROWS",
    "VIDEO_ROWS",
    "Pair",
    "RowSchema",
    "describe",
]

_R = TypeVar("_R")
Pair = tuple[str | None, str]
"""A problem of a row: the field to blame (None: the whole row), the message."""

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


@frozen(kw_only=True)
class RowSchema(Generic[_R]):
    """The columns of one kind of manifest, and how a row becomes a request.

    Attributes:
        kind: The job's kind; its ``key`` column names each row uniquely.
        text: Columns holding text.
        booleans: Columns holding true/false (or 1/0, yes/no).
        objects: Columns holding a JSON object (a JSON text in a CSV cell).
        refused: Columns a manifest may not have, each with the reason and
            what to do instead.
        header: What a CSV header must name: each entry is the columns of
            which one must be there, and the message when none is.
        example: One JSON Lines row, for messages.
        build: Makes the request of the checked values (None for those
            left empty); raises ``ValidationError`` naming the fields.
    """

    kind: JobKind
    text: tuple[str, ...]
    booleans: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(factory=dict)
    header: tuple[tuple[tuple[str, ...], str], ...]
    example: str
    build: Callable[[dict[str, Any]], _R]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every column a manifest may have, in the order of the docs."""
        return self.text + self.booleans + self.objects

    @property
    def noun(self) -> str:
        """What one row makes: ``replica`` or ``video``."""
        return self.kind.value

    def check(
        self,
        values: Mapping[str, Any],
        found: list[Pair],
        unknown: Callable[[str], str],
    ) -> tuple[str | None, _R | None]:
        """Check one row's raw values; append every problem to ``found``.

        Args:
            values: The row's values by column (CSV cells stripped, empty
                ones left out; JSON values as they are).
            found: Where the problems go, in the order found.
            unknown: The message for a column that is not one of ours.

        Returns:
            The row's name and its request; None for those that are not
            valid (the problems say why).
        """
        found.extend((k, self.refused[k]) for k in values if k in self.refused)
        found.extend(
            (k, unknown(k))
            for k in values
            if k not in self.fields and k not in self.refused
        )
        blamed: set[str] = set()
        args: dict[str, Any] = {}
        for name in self.fields:
            value, error = _PARSERS[self._type(name)](values.get(name))
            args[name] = value
            if error is not None:
                blamed.add(name)
                found.append((name, error))
        key = args[self.kind.key]
        if key is None:
            found.append((self.kind.key, self._key_required()))
        try:
            request = self.build(args)
        except ValidationError as exc:
            found.extend(
                (name, command_words(message))
                for name, message in exc.problems
                if name.split(".")[0] not in blamed
            )
            request = None
        return (key if isinstance(key, str) else None), request

    def _type(self, name: str) -> str:
        if name in self.booleans:
            return "boolean"
        return "object" if name in self.objects else "text"

    def _key_required(self) -> str:
        noun = self.noun
        return (
            f"is required; give every {noun} a unique name (it is how the job "
            f"finds the {noun} again)"
        )


def describe(value: object) -> str:
    """A JSON value as a message names it: ``'rio'``, ``the number 5``, ``null``."""
    if isinstance(value, str):
        return repr(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return "an array" if isinstance(value, list) else "an object"


def _text(value: object) -> tuple[object, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        return value.strip() or None, None
    return value, f"must be a string in double quotes, got {describe(value)}"


def _boolean(value: object) -> tuple[object, str | None]:
    if value is None or isinstance(value, bool):
        return value, None
    if type(value) is int and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        text = value.strip().lower()
        if not text or text in _TRUE or text in _FALSE:
            return (text in _TRUE if text else None), None
    return value, (
        f"must be true or false (or 1/0, yes/no), got {describe(value)}; "
        "leave it empty to let Tavus decide"
    )


def _object(value: object) -> tuple[object, str | None]:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, None
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None, (
                'must be a JSON object, such as {"start_with_wave": false}; '
                "in a CSV cell, quote it and double its quotes"
            )
    if value is None or isinstance(value, dict):
        return value, None
    return None, f"must be a JSON object, got {describe(value)}"


_PARSERS: Mapping[str, Callable[[object], tuple[object, str | None]]] = {
    "text": _text,
    "boolean": _boolean,
    "object": _object,
}


def _replica(args: dict[str, Any]) -> CreateReplicaRequest:
    green = args.pop("background_green_screen")
    if green is not None:
        args["properties"] = ReplicaProperties(background_green_screen=green)
    return CreateReplicaRequest(**args)


def _video(args: dict[str, Any]) -> GenerateVideoRequest:
    found: list[tuple[str, str]] = []
    if args["properties"] is not None:
        try:
            args["properties"] = _strict().structure(
                args["properties"], VideoProperties
            )
        except (cattrs.BaseValidationError, ValidationError) as exc:
            found.extend(problems(exc, "properties"))
            args["properties"] = None
    try:
        request = GenerateVideoRequest(**args)
    except ValidationError as exc:
        found.extend(exc.problems)
    if found:
        raise ValidationError(found)
    return request


REPLICA_ROWS = RowSchema(
    kind=JobKind.REPLICA,
    text=(
        "replica_name",
        "train_video_url",
        "train_image_url",
        "voice_name",
        "consent_video_url",
        "model_name",
        "callback_url",
    ),
    booleans=("background_green_screen", "auto_fix_training_image"),
    header=(
        (
            ("replica_name",),
            "the header has no replica_name column; the first line must name "
            "the columns, e.g. replica_name,train_video_url",
        ),
        (
            ("train_video_url", "train_image_url"),
            "the header has neither a train_video_url nor a train_image_url "
            "column; add one of them",
        ),
    ),
    example='{"replica_name": "rio", "train_video_url": "https://…/rio.mp4"}',
    build=_replica,
)
"""``train``'s rows: one replica each."""

VIDEO_ROWS = RowSchema(
    kind=JobKind.VIDEO,
    text=(
        "video_name",
        "replica_id",
        "script",
        "audio_url",
        "background_url",
        "background_source_url",
        "watermark_image_url",
    ),
    booleans=("fast", "transparent_background"),
    objects=("properties",),
    refused={
        "callback_url": "is set by the job, so a manifest may not have it; "
        "pass --callback-base-url and --listen to have Tavus call back",
    },
    header=(
        (
            ("video_name",),
            "the header has no video_name column; the first line must name "
            "the columns, e.g. video_name,replica_id,script",
        ),
        (
            ("replica_id",),
            "the header has no replica_id column; add it: the replica that "
            "speaks each video",
        ),
        (
            ("script", "audio_url"),
            "the header has neither a script nor an audio_url column; add one of them",
        ),
    ),
    example='{"video_name": "hello-rio", "replica_id": "r90bbd427f71", '
    '"script": "Hello!"}',
    build=_video,
)
"""``generate``'s rows: one video each."""
