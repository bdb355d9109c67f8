"""The input rules: every check of a caller's input, made before any request.

The request types, the services, the HTTP core, the rate gate, the watcher and
the webhooks all check their arguments here, so one rule (what an id, a URL, a
page size or a loopback host is) has one definition and one message. The
``check_*`` functions append ``(field, message)`` problems; the ``require_*``
ones raise :class:`~tavus_async.ValidationError` naming the field and the fix.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable
from typing import cast
from urllib.parse import urlsplit

from tavus_async.errors import ValidationError


Problems = list[tuple[str, str]]


def check_url(problems: Problems, field: str, value: object) -> None:
    """Append a problem unless ``value`` is None or an absolute http(s) URL."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.append((field, f"must be a URL string, got {type(value).__name__}"))
        return
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            (
                field,
                f"must be an absolute http(s) URL such as "
                f"'https://example.com/path', got {value!r}",
            )
        )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` (and names under it) and loopback addresses.

    Such as ``127.0.0.1``, ``::1``, ``LOCALHOST`` and ``api.localhost``:
    plain http to them never leaves the machine.
    """
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_text(problems: Problems, field: str, value: object) -> None:
    """Append a problem if ``value`` is given but empty or not a string."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.append((field, f"must be a string, got {type(value).__name__}"))
    elif not value.strip():
        problems.append((field, "must not be empty; leave it out instead"))


def check_min(problems: Problems, field: str, value: object, low: int) -> None:
    """Append a problem if ``value`` is given and not an int >= ``low``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append((field, f"must be an integer, got {type(value).__name__}"))
    elif value < low:
        problems.append((field, f"must be at least {low}, got {value}"))


def raise_if(problems: Problems) -> None:
    """Raise one ValidationError listing every problem, if there are any."""
    if problems:
        raise ValidationError(problems)


def require_id(field: str, value: object) -> str:
    """Return ``value`` if it is a usable resource id, else raise ValidationError."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(
            field,
            f"must be a non-empty id string such as 'r90bbd427f71', got {value!r}",
        )
    if value != value.strip() or "," in value:
        raise ValidationError.single(
            field, f"must not contain whitespace at its ends or commas, got {value!r}"
        )
    return value


def require_text(field: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string, else raise ValidationError."""
    problems: Problems = []
    check_text(problems, field, value)
    if value is None:
        problems.append((field, "is required"))
    raise_if(problems)
    assert isinstance(value, str)
    return value


def require_choice(field: str, value: object, choices: tuple[str, ...]) -> None:
    """Raise ValidationError unless ``value`` is None or one of ``choices``."""
    if value is not None and value not in choices:
        raise ValidationError.single(
            field, f"must be one of {', '.join(map(repr, choices))}, got {value!r}"
        )


def require_ids(
    field: str, values: Iterable[str] | str, *, allow_empty: bool = False
) -> list[str]:
    """Validate every id in ``values`` (a str is refused: pass a list)."""
    if isinstance(values, str):
        raise ValidationError.single(
            field, f"must be a list of ids, not one string; use [{values!r}]"
        )
    ids = [require_id(field, v) for v in values]
    if not ids and not allow_empty:
        raise ValidationError.single(
            field, "must hold at least one id; omit it instead"
        )
    return ids


def require_positive(
    field: str, value: object, what: str, *, optional: bool = True
) -> None:
    """Raise ValidationError unless ``value`` is an int or float above 0, not inf.

    Args:
        field: The argument's name.
        value: The value to check.
        what: The unit named in the message, such as ``"seconds"``.
        optional: Accept None too.
    """
    if value is None and optional:
        return
    if type(value) not in (int, float) or not 0 < cast(float, value) < math.inf:
        or_none = ", or None" if optional else ""
        raise ValidationError.single(
            field, f"must be a positive number of {what}{or_none}, got {value!r}"
        )


def require_page(
    page: object, limit: object, *, max_limit: int | None = None, first: int = 1
) -> None:
    """Validate pagination: a page from ``first`` (1, or 0), a positive limit."""
    problems: Problems = []
    check_min(problems, "page", page, first)
    check_min(problems, "limit", limit, 1)
    if max_limit is not None and type(limit) is int and limit > max_limit:
        problems.append(("limit", f"must be at most {max_limit}, got {limit}"))
    raise_if(problems)
