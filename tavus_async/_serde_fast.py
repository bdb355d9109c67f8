"""A shortcut for the converter: structure functions with no call per string field.

cattrs' generated function calls a hook for every field, and records errors per
field for its messages. For a well-formed object most of those calls only check
that a string is a string. :func:`fast_structure_fn` generates, for an attrs
class whose fields all follow a plain rule, a function that makes that check
inline and calls the converter's hooks for everything else (enums, timestamps,
progress, nested classes). It knows nothing of error reporting: on any
exception the caller runs cattrs' own function, which then gives the same result
or the error with its path. Every wire rule stays in the hooks of ``_serde``.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from types import UnionType
from typing import Any, Union

import attrs
import cattrs


__all__ = ["fast_structure_fn", "is_optional", "optional_inner"]

NoneType = type(None)


def is_optional(cls: Any) -> bool:
    """Whether ``cls`` is ``X | None`` (or ``Optional[X]``) for one type X."""
    args = getattr(cls, "__args__", ())
    return (
        len(args) == 2
        and NoneType in args
        and (isinstance(cls, UnionType) or getattr(cls, "__origin__", None) is Union)
    )


def optional_inner(cls: Any) -> Any:
    """X of ``X | None``."""
    (inner,) = (arg for arg in cls.__args__ if arg is not NoneType)
    return inner


def fast_structure_fn(
    cls: type, converter: cattrs.Converter, *, strict_str: Callable[[Any, Any], str]
) -> Callable[[Any], Any] | None:
    """A function structuring a dict into ``cls``, or None if a field is not plain.

    A field is plain when it is in ``__init__`` and either required or defaults
    to None while its type admits None (``X | None``). ``strict_str`` is the
    converter's hook for ``str``: where it is the field's hook, a value that is
    already a ``str`` is taken as it is.

    Args:
        cls: A non-generic attrs class with resolved field types.
        converter: Where each field's hook comes from.
        strict_str: The hook a ``str`` needs no call of.

    Returns:
        ``fast(data)``, which raises on anything it does not read as cattrs would.
    """
    env: dict[str, Any] = {"__cl": cls}
    lines = ["def fast(o):"]
    arguments = []
    for number, field in enumerate(attrs.fields(cls)):
        required = field.default is attrs.NOTHING
        optional = is_optional(field.type)
        if not field.init or not (required or (optional and field.default is None)):
            return None
        inner = optional_inner(field.type) if optional else field.type
        hook = converter.get_structure_hook(inner)
        value, hook_name, type_name = f"v{number}", f"h{number}", f"t{number}"
        env[hook_name], env[type_name] = hook, inner
        get = f"o[{field.name!r}]" if required else f"o.get({field.name!r})"
        lines.append(f"  {value} = {get}")
        tests = [f"{value} is not None"] if optional else []
        if hook is strict_str:
            tests.append(f"type({value}) is not str")
        condition = " and ".join(tests) or "True"
        lines.append(f"  if {condition}: {value} = {hook_name}({value}, {type_name})")
        arguments.append(f"{field.alias}={value}")
    lines.append(f"  return __cl({', '.join(arguments)})")
    source = "\n".join(lines) + "\n"
    filename = f"<tavus_async fast structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), env)  # noqa: S102 - our own generated code
    fast: Callable[[Any], Any] = env["fast"]
    return fast
