"""JSON-Patch (RFC 6902) and JSON Pointer (RFC 6901), as pure functions.

- :func:`to_wire` and :func:`from_wire` turn an operation into its JSON and
  back; reading refuses what is not an operation, naming ``patch[i].op``.
- :func:`check` tests a patch against the attrs class of the resource before
  it is sent: every pointer must name a field, or lie under a field holding
  free-form JSON, with a suggestion when a name is close.
- :func:`diff` computes the patch from one JSON object to another.
- :func:`json_equal` is RFC 6902's equality (``1`` is ``1.0``, not ``true``).

The fake server applies patches with ``tavus_async.testing._json_patch``.
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from types import NoneType, UnionType
from typing import Any, Literal

import attrs

from tavus_async.errors import ValidationError
from tavus_async.types.patch import (
    Add,
    Copy,
    Move,
    PatchOperation,
    Remove,
    Replace,
    Test,
)


__all__ = [
    "INDEX",
    "check",
    "diff",
    "from_wire",
    "into_itself",
    "json_equal",
    "kind",
    "parse_pointer",
    "pointer",
    "thaw",
    "to_wire",
]

_READ: dict[str, tuple[type[PatchOperation], tuple[str, ...]]] = {
    "add": (Add, ("path", "value")),
    "remove": (Remove, ("path",)),
    "replace": (Replace, ("path", "value")),
    "move": (Move, ("from", "path")),
    "copy": (Copy, ("from", "path")),
    "test": (Test, ("path", "value")),
}
"""Each op's class and the members it reads, in the order the class takes them."""
_ONE_OF = "add, remove, replace, move, copy or test"
INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_TILDE = re.compile(r"~(?![01])")
_Problems = list[tuple[str, str]]


def pointer(*tokens: str | int) -> str:
    """The JSON Pointer to ``tokens``: ``pointer("a/b", 0)`` is ``"/a~1b/0"``."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def parse_pointer(text: str) -> tuple[str, ...]:
    """The unescaped tokens of a JSON Pointer: ``"/a~1b/0"`` is ``("a/b", "0")``.

    Raises:
        ValueError: ``text`` does not start with ``/`` (and is not ``""``, the
            whole document) or has a ``~`` not followed by ``0`` or ``1``.
    """
    if text == "":
        return ()
    if not text.startswith("/"):
        raise ValueError(f"{text!r} must start with '/', as in '/{text}'")
    if _BAD_TILDE.search(text):
        raise ValueError(
            f"{text!r} has a '~' not followed by 0 or 1; "
            "write '~0' for '~' and '~1' for '/'"
        )
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))


def to_wire(
    op: PatchOperation, unstructure: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """The JSON form of one operation, such as ``{"op": "remove", "path": "/a"}``.

    Args:
        op: The operation.
        unstructure: Applied to ``value`` (the converter's ``unstructure``,
            so that a value that is one of our models is sent as JSON); when
            None the value is sent as it is. A None value is sent as ``null``.

    Returns:
        A new dict: ``op``, then ``from`` (move and copy), ``path``, and
        ``value`` (add, replace and test).
    """
    if isinstance(op, Move | Copy):
        return {"op": op.op, "from": op.from_, "path": op.path}
    if isinstance(op, Remove):
        return {"op": op.op, "path": op.path}
    value = op.value if unstructure is None else unstructure(op.value)
    return {"op": op.op, "path": op.path, "value": value}


def from_wire(data: object, index: int | None = None) -> PatchOperation:
    """Read one operation from its JSON form, such as an item of ``patch.json``.

    Members the operation does not use are ignored, as RFC 6902 says. The
    pointers are not checked here: :func:`check` does that.

    Args:
        data: The parsed JSON of one operation.
        index: Its position in the patch, named in errors as ``patch[i]``.

    Raises:
        ValidationError: Every problem found: ``data`` is not an object, or
            its ``op`` (missing or unknown), ``path``, ``from`` (move, copy)
            or ``value`` (add, replace, test) is missing or of the wrong kind.
    """
    where = "patch" if index is None else f"patch[{index}]"
    if not isinstance(data, Mapping):
        raise ValidationError.single(
            where,
            'must be an object such as {"op": "replace", "path": "/persona_name", '
            f'"value": "Ada"}}, got {kind(data)}',
        )
    problems: _Problems = []
    name = data.get("op")
    entry = _READ.get(name) if isinstance(name, str) else None
    cls, members = entry or (None, ("path",))
    if cls is None:
        problems.append((f"{where}.op", _unknown_op(data)))
    for member in members:
        if member not in data:
            need = "is required" if member == "path" else f"is required for {name}"
            fix = "send null for JSON null" if member == "value" else _POINTER_HINT
            problems.append((f"{where}.{member}", f"{need}; {fix}"))
        elif member != "value" and not isinstance(data[member], str):
            got = f"must be a string, got {kind(data[member])}"
            problems.append((f"{where}.{member}", got))
    if problems or cls is None:
        raise ValidationError(problems)
    return cls(*(data[member] for member in members))


_POINTER_HINT = "give a JSON Pointer such as '/persona_name'"


def _unknown_op(data: Mapping[Any, Any]) -> str:
    if "op" not in data:
        return f"is required: one of {_ONE_OF}"
    name = data["op"]
    if not isinstance(name, str):
        return f"must be a string, one of {_ONE_OF}; got {kind(name)}"
    close = _did_you_mean(name.lower(), _READ)
    return f"must be one of {_ONE_OF}, got {name!r}{close}"


def check(
    operations: Sequence[PatchOperation],
    model: type,
    *,
    read_only: Collection[str] = (),
) -> tuple[PatchOperation, ...]:
    """Check a patch against the resource's attrs class before sending it.

    Every ``path`` (and ``from_``) must be a JSON Pointer naming a field of
    ``model`` by Tavus's field names: below a field holding an attrs class,
    that class's fields (``/layers/llm/model``); below an array, an index (or
    ``-``, to append, ending the target of add, move or copy); below a field
    of free-form JSON (a ``dict``, ``Mapping`` or ``Any``), anything; below a
    single value, nothing. Values are not checked: Tavus's schemas are loose
    and open, so a value this version does not expect is left for Tavus to
    accept or answer with 422, rather than guessed at here.

    Args:
        operations: The patch.
        model: The attrs class of the resource, such as ``Persona``.
        read_only: Top-level fields that Tavus sets (``persona_id``,
            ``created_at``): they may be read (test, copy from) but not
            changed.

    Returns:
        The operations, as a tuple.

    Raises:
        ValidationError: Every problem found, each naming ``patch[i].path``
            (or ``.from``), the pointer, and the field meant when a name is
            close. An empty patch, or one that is not a list of operations,
            is refused too.
        TypeError: ``model`` is not an attrs class.
    """
    if not attrs.has(model):
        raise TypeError(f"model must be an attrs class, got {model!r}")
    example = _example(model, read_only)
    given: object = operations
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Sequence):
        raise ValidationError.single(
            "patch",
            f"must be a list of operations such as [Replace({example!r}, ...)], "
            f"got {kind(given)}",
        )
    if not given:
        raise ValidationError.single("patch", "is empty; give at least one operation")
    problems: _Problems = []
    for index, op in enumerate(given):
        where = f"patch[{index}]"
        if not isinstance(op, Add | Remove | Replace | Move | Copy | Test):
            problems.append(
                (where, f"must be an operation such as Replace, got {kind(op)}")
            )
            continue
        checks = [("path", op.path, () if isinstance(op, Test) else read_only)]
        if isinstance(op, Move | Copy):
            checks.append(("from", op.from_, read_only if isinstance(op, Move) else ()))
        for member, text, protected in checks:
            append = member == "path" and isinstance(op, Add | Move | Copy)
            problem = _check_pointer(model, read_only, text, protected, append=append)
            if problem is not None:
                problems.append((f"{where}.{member}", problem))
        if isinstance(op, Move) and f"{op.path}".startswith(f"{op.from_}/"):
            problems.append((f"{where}.path", into_itself(op)))
    if problems:
        raise ValidationError(problems)
    return tuple(operations)


def _check_pointer(
    model: type,
    read_only: Collection[str],
    text: object,
    protected: Collection[str],
    *,
    append: bool,
) -> str | None:
    """What is wrong with the pointer ``text`` into ``model``, or None."""
    example = _example(model, read_only)
    if not isinstance(text, str):
        return f"must be a JSON Pointer string such as {example!r}, got {kind(text)}"
    try:
        parts = parse_pointer(text)
    except ValueError as exc:
        return str(exc)
    if not parts:
        return (
            "'' is the whole document, which cannot be patched at once; "
            f"patch fields one by one, such as {example!r}"
        )
    if parts[0] in protected:
        return f"{text!r} is set by Tavus; it cannot be patched"
    shape: _Shape = model
    for depth, part in enumerate(parts):
        at = pointer(*parts[:depth])
        if shape == "any":
            return None
        if isinstance(shape, _Scalar):
            return (
                f"{text!r}: {at!r} is a single value ({shape.name}), with nothing below"
            )
        if isinstance(shape, _Array):
            if part == "-" and not (append and depth == len(parts) - 1):
                return (
                    f"{text!r}: '-' is past the end of {at!r}; only the target "
                    "of add, move or copy may end with it, to append"
                )
            if part != "-" and not INDEX.fullmatch(part):
                return f"{text!r}: {at!r} is an array; {part!r} is not an index"
            shape = shape.item
            continue
        fields = _fields(shape)
        if part not in fields:
            names = [name for name in fields if depth or name not in read_only]
            close = _did_you_mean(part, names, at)
            return f"{text!r}: {shape.__name__} has no field {part!r}{close}"
        shape = fields[part]
    return None


def into_itself(op: Move) -> str:
    """Why a move into its own child is refused."""
    return f"{op.path!r} lies inside {op.from_!r}; a value cannot be moved into itself"


@attrs.frozen
class _Array:
    item: _Shape


@attrs.frozen
class _Scalar:
    name: str


_Shape = type | _Array | _Scalar | Literal["any"]
"""What a field holds: an attrs class, an array, a single value, or any JSON."""


@functools.cache
def _fields(cls: type) -> dict[str, _Shape]:
    """The shape of each field of the attrs class ``cls``, resolved once."""
    hints = typing.get_type_hints(cls)
    return {field.name: _shape(hints[field.name]) for field in attrs.fields(cls)}


def _shape(hint: Any) -> _Shape:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, UnionType):
        shapes = [_shape(arg) for arg in typing.get_args(hint) if arg is not NoneType]
        if len(shapes) == 1:
            return shapes[0]
        names = [shape.name for shape in shapes if isinstance(shape, _Scalar)]
        return _Scalar(" | ".join(names)) if len(names) == len(shapes) else "any"
    if origin is Literal:
        return _Scalar(" | ".join(map(repr, typing.get_args(hint))))
    base = origin or hint
    if base in (Any, object) or not isinstance(base, type) or issubclass(base, Mapping):
        return "any"  # Any, a TypeVar, a dict; a union of classes above
    if attrs.has(base):
        return base
    if base in (tuple, list, Sequence):
        args = typing.get_args(hint)
        same = base is not tuple or args[1:] == (Ellipsis,)
        return _Array(_shape(args[0]) if args and same else "any")
    return _Scalar(base.__name__)


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[PatchOperation, ...]:
    """The patch that turns the JSON object ``old`` into ``new``.

    Objects are compared member by member, in sorted order of names: a member
    only in ``new`` is added, one only in ``old`` removed, two objects under
    the same name compared in turn. An array or a single value that changed
    is replaced whole. Index-level array operations (what the ``jsonpatch``
    library's ``make_patch`` emits) are wrong once the array on the server
    has changed since it was read (``remove /tags/2`` removes whatever is
    third by then); replacing the whole array leaves it as intended, however
    often it is sent. Values compare as JSON (``1`` is not ``true``).

    Args:
        old: The object as read, such as ``converter.unstructure(persona)``.
        new: The object as it should be.

    Returns:
        The operations, empty when the two are equal; each value is a copy.
    """
    operations: list[PatchOperation] = []
    _diff(old, new, "", operations)
    return tuple(operations)


def _diff(
    old: Mapping[str, Any], new: Mapping[str, Any], at: str, out: list[PatchOperation]
) -> None:
    for name in sorted(old.keys() | new.keys()):
        path = at + pointer(name)
        if name not in new:
            out.append(Remove(path))
        elif name not in old:
            out.append(Add(path, thaw(new[name])))
        elif isinstance(old[name], Mapping) and isinstance(new[name], Mapping):
            _diff(old[name], new[name], path, out)
        elif not json_equal(old[name], new[name]):
            out.append(Replace(path, thaw(new[name])))


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality, as RFC 6902's ``test``: ``1`` equals ``1.0``, not ``true``."""
    if isinstance(a, Mapping):
        return (
            isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(json_equal(value, b[key]) for key, value in a.items())
        )
    if isinstance(a, list | tuple):
        return (
            isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(map(json_equal, a, b))
        )
    for kind in (bool, str, NoneType):
        if isinstance(a, kind) or isinstance(b, kind):
            return isinstance(a, kind) and isinstance(b, kind) and a == b
    return bool(a == b)


def kind(value: object) -> str:
    """What JSON kind ``value`` is, for messages: ``"an object"``, ``"null"``..."""
    for kind, name in _KINDS:
        if isinstance(value, kind):
            return name
    return type(value).__name__


_KINDS = (
    (NoneType, "null"),
    (bool, "a boolean"),
    (int | float, "a number"),
    (str, "a string"),
    (Mapping, "an object"),
    (list | tuple, "an array"),
)


def _did_you_mean(word: str, names: Collection[str], at: str | None = None) -> str:
    """A suggestion of the closest name (as a pointer below ``at``), or ""."""
    close = difflib.get_close_matches(word, names, n=1)
    if not close:
        return ""
    return f"; did you mean {close[0] if at is None else at + pointer(close[0])!r}?"


def _example(model: type, read_only: Collection[str]) -> str:
    """A pointer to the model's first writable field, for messages."""
    names = [f.name for f in attrs.fields(model) if f.name not in read_only]
    return pointer(names[0]) if names else "/name"


def thaw(value: Any) -> Any:
    """A deep copy of a JSON value, as dicts and lists."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
