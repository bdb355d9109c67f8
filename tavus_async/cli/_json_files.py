"""Requests and JSON-Patches read from ``--file``, every problem named by its JSON path.

A create's ``--file`` holds one JSON object, read into the family's request
type (such as :class:`~tavus_async.CreatePersonaRequest`) by the library's
converter, made strict: a key the type does not have is refused (with the
field meant when the name is close) rather than dropped unsent. A patch's
``--file`` holds a JSON array of RFC 6902 operations. Problems are reported
together, each at its place in the file::

    --file: persona.json: layers.llm.base_url: must be an absolute http(s) URL ...
    --file: patch.json: patch[1].op: must be one of add, remove, ...

Nothing is sent for a file with a problem.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import JsonConverter
from cattrs.preconf.json import make_converter as make_json_converter
from cattrs.v import format_exception

from tavus_async import PatchOperation, ValidationError, make_converter
from tavus_async._patch import from_wire, kind
from tavus_async.cli._commands import read_json
from tavus_async.cli._common import UsageError, command_words


__all__ = ["file_error", "problems", "read_patch", "read_request"]

T = TypeVar("T")
_Problems = list[tuple[str, str]]


def read_request(path: str, cls: type[T], flag: str = "--file") -> T:
    """The request of type ``cls`` in the JSON file ``path`` (``-``: standard input).

    Args:
        path: The file, or ``-``.
        cls: The request type, such as ``CreatePersonaRequest``.
        flag: The option that named the file, for messages.

    Raises:
        UsageError: The file cannot be read, is not JSON, or does not make a
            valid ``cls``: every problem, by its JSON path.
    """
    data = read_json(path, flag)
    try:
        request: T = _strict().structure(data, cls)
    except (cattrs.BaseValidationError, ValidationError, TypeError, ValueError) as exc:
        raise file_error(flag, path, ValidationError(problems(exc))) from None
    return request


def read_patch(path: str, flag: str = "--file") -> tuple[PatchOperation, ...]:
    """The JSON-Patch (a JSON array of RFC 6902 operations) in file ``path``.

    The pointers are checked later, against the resource, by the service.

    Raises:
        UsageError: The file cannot be read, is not JSON or not an array, or
            an operation is malformed: every problem, by ``patch[i].member``.
    """
    data = read_json(path, flag)
    if not isinstance(data, list):
        raise file_error(
            flag,
            path,
            ValidationError.single(
                "patch",
                'must be a JSON array of operations such as [{"op": "replace", '
                f'"path": "/name", "value": "Ada"}}], got {kind(data)}',
            ),
        )
    operations: list[PatchOperation] = []
    found: _Problems = []
    for index, item in enumerate(data):
        try:
            operations.append(from_wire(item, index))
        except ValidationError as exc:
            found.extend(exc.problems)
    if found:
        raise file_error(flag, path, ValidationError(found))
    return tuple(operations)


def file_error(flag: str, path: str, exc: ValidationError) -> UsageError:
    """``exc`` as the problems of the file ``path`` given to ``flag``.

    Returns:
        ``"--file: persona.json: layers.llm.base_url: ..."``, the problems
        joined by ``"; "`` (a problem of the whole file has no path).
    """
    where = "standard input" if path == "-" else path
    parts = (
        f"{field}: {command_words(message)}" if field else command_words(message)
        for field, message in exc.problems
    )
    return UsageError(f"{flag}: {where}: " + "; ".join(parts))


def problems(exc: BaseException, at: str = "") -> _Problems:
    """Every problem in a converter's error, as ``(JSON path, message)`` pairs.

    Args:
        exc: What structuring raised: cattrs' exception groups (their notes
            name the attribute or index), a :class:`ValidationError` raised
            by a request type (its fields are relative to ``at``), or one
            error of a single value.
        at: The path of the value ``exc`` concerns (``""``: the whole file).

    Returns:
        The problems in the order found, such as
        ``[("layers.llm.base_url", "must be an absolute http(s) URL ...")]``.
    """
    if isinstance(exc, ValidationError):
        return [(_under(at, field), message) for field, message in exc.problems]
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        keys = sorted(exc.extra_fields)
        return [(_join(at, key), _unknown(key, exc.cl)) for key in keys]
    if not isinstance(
        exc, cattrs.ClassValidationError | cattrs.IterableValidationError
    ):
        return [(at, _message(exc, None))]
    found: _Problems = []
    with_notes, without = exc.group_exceptions()
    for sub, note in with_notes:
        if isinstance(note, cattrs.AttributeValidationNote):
            where = _join(at, note.name)
        else:
            where = _join(at, f"[{note.index!r}]")  # an index, or a key
        if isinstance(sub, cattrs.BaseValidationError | ValidationError):
            found.extend(problems(sub, where))
        else:
            found.append((where, _message(sub, note.type)))
    for sub in without:
        found.extend(problems(sub, at))
    return found


def _message(exc: BaseException, cls: Any) -> str:
    """One value's problem, in the words of the hook that refused it."""
    if isinstance(exc, KeyError):
        return "is required"
    text = str(exc)
    if isinstance(exc, AttributeError) or not text:  # not a mapping, say
        return format_exception(exc, cls)
    return text


def _unknown(key: str, cls: type) -> str:
    names = attrs.fields_dict(cls)
    close = difflib.get_close_matches(key, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(names)}"
    return f"is not a field of {cls.__name__}, so it would not be sent{hint}"


def _under(at: str, field: str) -> str:
    """The path of ``field``, named by a type whose value is at ``at``.

    A type used under one field only may name its problems from there
    already: ``VideoProperties`` raises ``properties.background_scroll_type``.
    """
    last = at.rsplit(".", 1)[-1]
    if field == last or field.startswith((f"{last}.", f"{last}[")):
        return _join(at[: -len(last)].rstrip("."), field)
    return _join(at, field)


def _join(at: str, step: str) -> str:
    if not at or not step:
        return at or step
    return at + step if step.startswith("[") else f"{at}.{step}"


@functools.cache
def _strict() -> JsonConverter:
    """The library's converter, refusing keys a request type does not have."""
    return make_converter(make_json_converter(forbid_extra_keys=True))
