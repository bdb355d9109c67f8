"""The shared secret that authenticates callbacks, carried in the callback URL.

Tavus signs no callback, so the standard defence is an unguessable token in
the URL Tavus posts to, compared in constant time when a callback arrives.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tavus_async import _validation as v
from tavus_async.errors import ValidationError


__all__ = [
    "TOKEN_PARAMETER",
    "callback_url_for",
    "check_secrets",
    "new_callback_secret",
    "token_matches",
]

TOKEN_PARAMETER = "tavus_token"  # noqa: S105 (a parameter name, not a secret)
"""The query parameter of a callback URL that carries the secret."""

_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


def new_callback_secret() -> str:
    """Return a new random secret for callback URLs (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def check_secrets(field: str, value: str | Iterable[str]) -> tuple[str, ...]:
    """Validate one secret or several (during a rotation); return them as a tuple.

    Raises:
        ValidationError: A secret is not 16 to 256 URL-safe characters
            (letters, digits, ``-`` and ``_``), or none is given.
    """
    values: tuple[object, ...] = (value,) if isinstance(value, str) else tuple(value)
    if not values:
        raise ValidationError.single(field, "give at least one secret")
    for one in values:
        if not isinstance(one, str) or _SECRET.fullmatch(one) is None:
            raise ValidationError.single(
                field,
                "must be 16 to 256 URL-safe characters (letters, digits, - and _); "
                "make one with tavus_async.webhooks.new_callback_secret()",
            )
    return cast("tuple[str, ...]", values)


def callback_url_for(base_url: str, *, secret: str, allow_http: bool = False) -> str:
    """Build the ``callback_url`` to give Tavus: ``base_url`` plus the secret token.

    Args:
        base_url: Where your receiver is reachable from the internet, such as
            ``"https://example.com/tavus/callbacks"``; its query is kept.
        secret: The shared secret, as given to the receiver; see
            :func:`new_callback_secret`.
        allow_http: Permit plain ``http`` to a host that is not loopback. The
            token then crosses the network in clear text, so this is off.

    Returns:
        The URL with ``tavus_token=<secret>`` in its query.

    Raises:
        ValidationError: ``base_url`` is not an absolute http(s) URL, is plain
            http to a non-loopback host without ``allow_http``, already holds a
            token, or ``secret`` is malformed.
    """
    problems: v.Problems = []
    v.check_url(problems, "base_url", base_url)
    if cast(object, base_url) is None:
        problems.append(("base_url", "must be a URL string, got None"))
    if not isinstance(cast(object, secret), str):
        problems.append(
            (
                "secret",
                "must be one string of 16 to 256 URL-safe characters, got "
                + type(secret).__name__,
            )
        )
    v.raise_if(problems)
    check_secrets("secret", secret)
    parts = urlsplit(base_url.strip())
    if (
        parts.scheme == "http"
        and not allow_http
        and not v.is_loopback(parts.hostname or "")
    ):
        raise ValidationError.single(
            "base_url",
            "must use https: the token in it would cross the network in clear "
            "text (pass allow_http=True to accept that)",
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == TOKEN_PARAMETER for name, _ in query):
        raise ValidationError.single(
            "base_url", f"already holds {TOKEN_PARAMETER}; give the URL without it"
        )
    query.append((TOKEN_PARAMETER, secret))
    return urlunsplit(parts._replace(query=urlencode(query)))


def token_matches(query: Mapping[str, str] | None, expected: tuple[str, ...]) -> bool:
    """Whether ``query`` carries one of the ``expected`` secrets.

    Every secret is compared, each in constant time, so the answer's timing
    says nothing about which secret came close.
    """
    given = (query or {}).get(TOKEN_PARAMETER)
    if not isinstance(given, str):
        return False
    raw = given.encode()
    results = [hmac.compare_digest(raw, secret.encode()) for secret in expected]
    return any(results)
