"""Per-call options: what a caller may add to one request, checked before sending.

Every service method takes ``timeout=``, ``extra_headers=`` and
``extra_query=`` as keyword arguments (:class:`RequestOptions`). :func:`apply`
checks them and folds them into the :class:`~tavus_async._http.Request`, so the
requester only reads the request: its ``timeout`` replaces the client's, its
``headers`` go on top of the client's (:func:`merge_headers`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import attrs

from tavus_async import _http
from tavus_async.errors import ValidationError


__all__ = ["QueryValue", "RequestOptions", "apply", "check", "merge_headers"]

QueryValue = str | int | float | bool | Sequence[str] | None
"""A query value: sent as ``_http.query`` encodes it (None: left out)."""

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+").fullmatch
_KEY_HEADER = "x-api-key"
_NAMES = ("timeout", "extra_headers", "extra_query")


class RequestOptions(TypedDict, total=False):
    """Options every service method takes as keyword arguments, for that call only.

    Attributes:
        timeout: Seconds for the whole request, or a :class:`Timeout`;
            replaces the client's for this call (each attempt).
        extra_headers: Headers added to the request, replacing the client's
            of the same name (``User-Agent``, for one). ``x-api-key`` is
            refused: a client holds one key; make a client per key (they can
            share a ``session=``).
        extra_query: Query parameters added to the request, replacing the
            method's own of the same name; for parameters Tavus added after
            this version. None values are left out, booleans sent as
            ``true``/``false``, sequences joined with commas.
    """

    timeout: float | _http.Timeout
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, QueryValue]


def apply(request: _http.Request, options: Mapping[str, object]) -> _http.Request:
    """Return ``request`` with the per-call ``options`` checked and folded in.

    Args:
        request: The request a method built.
        options: The method's ``**options`` (a :class:`RequestOptions`).

    Returns:
        ``request`` itself when ``options`` is empty, else a copy carrying
        the timeout, the extra headers and the merged query.

    Raises:
        ValidationError: An unknown option, or a bad value, naming it.
    """
    if not options:
        return request
    unknown = sorted(set(options).difference(_NAMES))
    if unknown:
        raise ValidationError.single(
            unknown[0],
            "is not a per-call option; they are timeout=, extra_headers= and "
            "extra_query= (a request field belongs in the method's own arguments)",
        )
    changes: dict[str, Any] = {}
    timeout = options.get("timeout")
    if timeout is not None:
        changes["timeout"] = _timeout(timeout)
    headers = options.get("extra_headers")
    if headers is not None:
        changes["headers"] = _headers(headers)
    query = options.get("extra_query")
    if query is not None:
        extra = _query(query)
        names = {name for name, _ in extra}
        kept = tuple(pair for pair in request.params if pair[0] not in names)
        changes["params"] = kept + extra
    return attrs.evolve(request, **changes) if changes else request


def check(options: Mapping[str, object]) -> None:
    """Check ``options`` as :func:`apply` does, for a method that sends later.

    Raises:
        ValidationError: An unknown option, or a bad value, naming it.
    """
    apply(_PROBE, options)


_PROBE = _http.Request(method="GET", path="")


def merge_headers(
    base: Mapping[str, str], extra: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """``base`` with ``extra`` on top; names compare without regard to case."""
    replaced = {name.lower() for name, _ in extra}
    merged = {
        name: value for name, value in base.items() if name.lower() not in replaced
    }
    merged.update(extra)
    return merged


def _timeout(value: object) -> _http.Timeout:
    if isinstance(value, _http.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError.single(
            "timeout", f"must be seconds or a Timeout, got {value!r}"
        )
    return _http.Timeout.of(value)


def _headers(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise ValidationError.single(
            "extra_headers", f"must be a mapping of names to values, got {value!r}"
        )
    pairs = []
    for name, text in value.items():
        if not isinstance(name, str) or not _TOKEN(name):
            raise ValidationError.single(
                "extra_headers", f"{name!r} is not a valid header name"
            )
        if name.lower() == _KEY_HEADER:
            raise ValidationError.single(
                "extra_headers",
                "x-api-key cannot be set per call; make a TavusClient per key "
                "(clients can share one session=)",
            )
        if not isinstance(text, str) or not (
            text.isascii() and (text.isprintable() or text == "")
        ):
            raise ValidationError.single(
                f"extra_headers[{name!r}]",
                "must be a string of printable ASCII characters (no line break)",
            )
        pairs.append((name, text))
    return tuple(pairs)


def _query(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValidationError.single(
            "extra_query", f"must be a mapping of names to values, got {value!r}"
        )
    for name, item in value.items():
        if not name:
            raise ValidationError.single("extra_query", "holds an empty name")
        scalar = item is None or isinstance(item, str | int | float)
        if not scalar and not (
            isinstance(item, Sequence) and all(isinstance(i, str) for i in item)
        ):
            raise ValidationError.single(
                f"extra_query[{name!r}]",
                "must be a string, number, boolean, None or a sequence of "
                f"strings, got {item!r}",
            )
    return _http.query(**value)
