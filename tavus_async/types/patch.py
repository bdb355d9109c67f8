"""JSON-Patch operations (RFC 6902), the body of Tavus's PATCH endpoints.

``PATCH /v2/personas/{id}`` (and objectives, guardrails, pronunciation
dictionaries) takes a list of operations, each naming a place in the resource
by a JSON Pointer (RFC 6901) such as ``"/layers/llm/model"``::

    [Replace("/persona_name", "Ada"), Remove("/layers/stt/hotwords")]

is sent as::

    [{"op": "replace", "path": "/persona_name", "value": "Ada"},
     {"op": "remove", "path": "/layers/stt/hotwords"}]

The operations apply in order, all or nothing. In a pointer, ``~1`` stands
for ``/`` and ``~0`` for ``~`` inside a name; an array element is its index
(``/document_ids/0``), and ``-`` is the place past the end of an array.

Unlike the other types, the operations take their fields by position as well
as by name: each has one or two fields whose order the RFC fixes, so
``Replace("/persona_name", "Ada")`` reads like the operation it sends. A
``value`` may be any JSON value; None is JSON ``null`` and is sent as
``"value": null``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeAlias

from attrs import frozen

from tavus_async.types._common import _Model


__all__ = ["Add", "Copy", "Move", "PatchOperation", "Remove", "Replace", "Test"]


@frozen
class Add(_Model):
    """Set ``path`` to ``value``: add a member, or insert into an array.

    An object member is created or overwritten; an array element is inserted
    at the index (``-`` appends). The parent must exist.

    Wire form: ``{"op": "add", "path": "/tags/-", "value": "new"}``.
    """

    op: ClassVar[Literal["add"]] = "add"
    path: str
    """Where to add, such as ``"/layers/stt/hotwords"``."""
    value: Any
    """The JSON value to add; None is ``null``."""


@frozen
class Remove(_Model):
    """Remove the value at ``path``, which must exist.

    Wire form: ``{"op": "remove", "path": "/layers/stt/hotwords"}``.
    """

    op: ClassVar[Literal["remove"]] = "remove"
    path: str
    """What to remove."""


@frozen
class Replace(_Model):
    """Replace the value at ``path``, which must exist, by ``value``.

    Wire form: ``{"op": "replace", "path": "/persona_name", "value": "Ada"}``.
    """

    op: ClassVar[Literal["replace"]] = "replace"
    path: str
    """What to replace, such as ``"/persona_name"``."""
    value: Any
    """The new JSON value; None is ``null``."""


@frozen
class Move(_Model):
    """Remove the value at ``from_`` and add it at ``path``.

    ``path`` must not lie inside ``from_`` (a value cannot move into itself).

    Wire form: ``{"op": "move", "from": "/a", "path": "/b"}``.
    """

    op: ClassVar[Literal["move"]] = "move"
    from_: str
    """Where the value is now; ``from`` on the wire."""
    path: str
    """Where it goes."""


@frozen
class Copy(_Model):
    """Add a copy of the value at ``from_`` at ``path``.

    Wire form: ``{"op": "copy", "from": "/a", "path": "/b"}``.
    """

    op: ClassVar[Literal["copy"]] = "copy"
    from_: str
    """Where the value to copy is; ``from`` on the wire."""
    path: str
    """Where the copy goes."""


@frozen
class Test(_Model):
    """Check that the value at ``path`` equals ``value``, else fail the whole patch.

    Equality is JSON's: ``1`` equals ``1.0`` but not ``true``, objects compare
    without regard to key order. Put a test first to patch only a resource
    that has not changed since it was read.

    Wire form: ``{"op": "test", "path": "/persona_name", "value": "Ada"}``.
    """

    __test__ = False  # not a pytest test class

    op: ClassVar[Literal["test"]] = "test"
    path: str
    """What to check."""
    value: Any
    """The JSON value it must equal; None is ``null``."""


PatchOperation: TypeAlias = Add | Remove | Replace | Move | Copy | Test
"""Any one JSON-Patch operation."""
