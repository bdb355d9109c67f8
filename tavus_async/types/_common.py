"""Value types shared by every resource: pages, open enums, training progress."""

from __future__ import annotations

import enum
import re
from typing import Any, Generic, TypeVar

from attrs import frozen


__all__ = ["OpenStrEnum", "Page", "TrainingProgress"]

T = TypeVar("T")

_PROGRESS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*%?\s*$")


class OpenStrEnum(enum.StrEnum):
    """A string enum that accepts values it does not list.

    Tavus documents a few values per field and sends others (``training``,
    ``ready``, whatever comes next). Parsing an unlisted value never raises:
    it returns a member-like value that compares equal to its string and has
    ``is_known`` False. Known values are matched after stripping whitespace
    and stray quotes and ignoring case, so the spec's ``"user'"`` is ``USER``.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        known = cls._value2member_map_.get(value.strip().strip("'\"").lower())
        if known is not None:
            return known
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """True when the value is one this version of tavus_async lists."""
        return type(self)._value2member_map_.get(self._value_) is self


class _Model:
    """The JSON form every model shares, by the wire format's rules."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Return this model as JSON-ready data, as Tavus sends it.

        The rules are those of :func:`~tavus_async.make_converter`: Tavus's
        field names, timestamps as ISO-8601 strings, enums (unlisted values
        too) as their strings, ``training_progress`` as ``"37/100"``; fields
        left as None or at their default are left out. A callback's ``raw``
        is not part of it. Hand the result to a web framework, or read it
        back with ``converter.structure(data, type(model))``. To apply hooks
        of your own, call ``client.converter.unstructure(model)`` instead.

        Returns:
            A new dict of JSON types (dicts, lists, strings, numbers,
            booleans), safe to change.
        """
        from tavus_async._serde import default_converter  # _serde imports types

        data: dict[str, Any] = default_converter().unstructure(self)
        return data

    def to_json(self) -> str:
        """Return :meth:`to_dict` as compact JSON text.

        Returns:
            The JSON, such as ``'{"replica_id":"r1","status":"completed"}'``.
        """
        from tavus_async._serde import default_converter, dumps

        return dumps(default_converter(), self).decode()


@frozen(kw_only=True)
class Page(_Model, Generic[T]):
    """One page of a list endpoint.

    Attributes:
        data: The items on this page.
        total_count: How many items match the filters, across all pages.
        page: The page number, when the endpoint echoes it (voices do).
        limit: The page size, when the endpoint echoes it (voices do).
    """

    data: tuple[T, ...]
    total_count: int
    page: int | None = None
    limit: int | None = None


@frozen(kw_only=True)
class TrainingProgress:
    """A replica's ``training_progress``, sent by Tavus as ``"37/100"``.

    Attributes:
        done: Units done (37 in ``"37/100"``).
        total: Units in all (100 in ``"37/100"``), never zero.
    """

    done: float
    total: float = 100

    @property
    def fraction(self) -> float:
        """Progress from 0.0 to 1.0."""
        return min(max(self.done / self.total, 0.0), 1.0)

    @classmethod
    def parse(cls, text: str) -> TrainingProgress | None:
        """Parse ``"37/100"`` (also ``"37"`` and ``"37%"``); None if unreadable.

        Args:
            text: The wire value.

        Returns:
            The parsed progress, or None for text that holds no progress.
        """
        match = _PROGRESS.match(text)
        if match is None:
            return None
        done = float(match.group(1))
        total = float(match.group(2)) if match.group(2) else 100.0
        if total <= 0:
            return None
        return cls(done=int(done) if done.is_integer() else done, total=total)

    def __str__(self) -> str:
        return f"{_number(self.done)}/{_number(self.total)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
