"""How the fake server applies a JSON-Patch (RFC 6902) to a stored item.

All or nothing, on a deep copy, reading the whole patch before applying any of
it: :func:`apply` raises :class:`PatchError`, ``malformed`` for a patch that
is not one (Tavus answers 422 ``Invalid JSON patch format``) and not for one
that does not fit the item (a missing target, a failed ``test``: 400).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tavus_async._patch import (
    INDEX,
    from_wire,
    into_itself,
    json_equal,
    kind,
    parse_pointer,
    pointer,
    thaw,
)
from tavus_async.errors import ValidationError
from tavus_async.types.patch import Add, Copy, Move, PatchOperation, Remove, Replace


__all__ = ["PatchError", "apply"]


class PatchError(ValueError):
    """A patch that is malformed or cannot be applied to the document.

    Attributes:
        index: The failing operation's position in the patch; None when the
            patch as a whole is wrong.
        malformed: True when the patch is wrong whatever the document (not a
            list, an op without ``op`` or ``path``, a bad pointer): Tavus
            answers 422 "Invalid JSON patch format". False when it does not
            fit this document (a missing target, a failed test).
    """

    def __init__(self, message: str, *, index: int | None, malformed: bool) -> None:
        super().__init__(message)
        self.index = index
        self.malformed = malformed


def apply(
    document: Mapping[str, Any], patch: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Apply a patch in its JSON form to a JSON object, as RFC 6902 says.

    All or nothing: the operations apply in order to a deep copy, and the
    first that fails fails the whole patch. ``document`` is never changed.

    Args:
        document: The JSON object, such as a stored persona.
        patch: The operations, such as ``[{"op": "remove", "path": "/a"}]``.

    Returns:
        The patched document, a new object sharing nothing with the inputs.

    Raises:
        PatchError: The patch is malformed (``malformed`` is True: not a
            list, an op that is not one, a bad pointer, a move into itself)
            or does not fit the document (a missing target, a failed test, a
            result that is not an object). The message names the op and the
            pointer, never a value: a persona holds API keys.
    """
    steps = _read(patch)
    result: Any = thaw(document)
    for index, op, path, source in steps:
        try:
            result = _step(result, op, path, source)
        except _Misfit as exc:
            where = f"{op.from_!r} to " if isinstance(op, Move | Copy) else ""
            message = f"patch[{index}]: {op.op} {where}{op.path!r}: {exc}"
            raise PatchError(message, index=index, malformed=False) from None
    if not isinstance(result, dict):
        message = f"the document must stay an object, not become {kind(result)}"
        raise PatchError(message, index=None, malformed=False)
    return result


_Step = tuple[int, PatchOperation, tuple[str, ...], tuple[str, ...]]


def _read(patch: object) -> list[_Step]:
    """Each op with its parsed path and from, or a PatchError for the first bad one."""
    if isinstance(patch, str | bytes | Mapping) or not isinstance(patch, Sequence):
        message = f"a patch must be an array of operations, got {kind(patch)}"
        raise PatchError(message, index=None, malformed=True)
    steps: list[_Step] = []
    for index, item in enumerate(patch):
        try:
            op = from_wire(item, index)
            path = parse_pointer(op.path)
            source = parse_pointer(op.from_) if isinstance(op, Move | Copy) else ()
        except ValidationError as exc:  # it names patch[index] already
            raise PatchError(str(exc), index=index, malformed=True) from None
        except ValueError as exc:
            message = f"patch[{index}]: {exc}"
            raise PatchError(message, index=index, malformed=True) from None
        if isinstance(op, Move) and path[: len(source)] == source != path:
            message = f"patch[{index}]: {into_itself(op)}"
            raise PatchError(message, index=index, malformed=True)
        steps.append((index, op, path, source))
    return steps


class _Misfit(Exception):
    """An op that does not fit the document; apply() names the op."""


_Tokens = tuple[str, ...]


def _step(doc: Any, op: PatchOperation, path: _Tokens, source: _Tokens) -> Any:
    if isinstance(op, Add):
        return _put(doc, path, thaw(op.value))
    if isinstance(op, Remove):
        _remove(doc, path)
        return doc
    if isinstance(op, Replace):
        _get(doc, path)
        return _put(doc, path, thaw(op.value), replace=True)
    if isinstance(op, Copy):
        return _put(doc, path, thaw(_get(doc, source)))
    if isinstance(op, Move) and source != path:
        return _put(doc, path, _remove(doc, source))
    if isinstance(op, Move):  # to where it is: RFC 6902 asks only that it exists
        _get(doc, source)
        return doc
    if not json_equal(_get(doc, path), op.value):
        raise _Misfit("the value there is not the one tested")
    return doc


def _get(doc: Any, parts: _Tokens) -> Any:
    for depth, part in enumerate(parts):
        if isinstance(doc, dict):
            if part not in doc:
                raise _Misfit(f"{_at(parts[:depth])} has no member {part!r}")
            doc = doc[part]
        elif isinstance(doc, list):
            doc = doc[_index(doc, part, parts[:depth], end=False)]
        else:
            raise _Misfit(f"{_at(parts[:depth])} is {kind(doc)}, with nothing below")
    return doc


def _put(doc: Any, parts: _Tokens, value: Any, *, replace: bool = False) -> Any:
    """Add (or replace) ``value`` at ``parts``; the new document."""
    if not parts:
        return value
    parent, last = _get(doc, parts[:-1]), parts[-1]
    if isinstance(parent, list):
        index = _index(parent, last, parts[:-1], end=not replace)
        parent[index : index + replace] = [value]
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise _Misfit(f"{_at(parts[:-1])} is {kind(parent)}, with nothing below")
    return doc


def _remove(doc: Any, parts: _Tokens) -> Any:
    """Remove the value at ``parts`` (which must exist) and return it."""
    if not parts:
        raise _Misfit("the whole document cannot be removed")
    _get(doc, parts)
    parent = _get(doc, parts[:-1])
    return parent.pop(int(parts[-1]) if isinstance(parent, list) else parts[-1])


def _index(array: list[Any], part: str, at: _Tokens, *, end: bool) -> int:
    """The position ``part`` names in ``array``; with ``end``, ``-`` or len() too."""
    if part == "-" and end:
        return len(array)
    if not INDEX.fullmatch(part) or int(part) > len(array) - (0 if end else 1):
        raise _Misfit(f"the array {_at(at)} ({len(array)} items) has no index {part!r}")
    return int(part)


def _at(parts: _Tokens) -> str:
    return repr(pointer(*parts)) if parts else "the document"
