"""The callback secret: making it, putting it in a URL, checking it on arrival."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tavus_async._validation import is_loopback
from tavus_async.errors import ValidationError
from tavus_async.webhooks import callback_url_for, new_callback_secret
from tavus_async.webhooks._token import (
    TOKEN_PARAMETER,
    check_secrets,
    token_matches,
)


SECRET = "s3cr3t-Token_0123456789"
OTHER = "another-secret-abcdefgh"


def test_new_secret_is_long_url_safe_and_fresh() -> None:
    secrets = [new_callback_secret() for _ in range(50)]

    assert 50 == len(set(secrets))
    for secret in secrets:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)
        assert (secret,) == check_secrets("secret", secret)


@pytest.mark.parametrize(
    ("base_url", "allow_http", "expected"),
    [
        (
            "https://example.com/tavus/callbacks",
            False,
            f"https://example.com/tavus/callbacks?tavus_token={SECRET}",
        ),
        (
            "https://example.com:8443/cb?b=2&a=1",
            False,
            f"https://example.com:8443/cb?b=2&a=1&tavus_token={SECRET}",
        ),
        (
            "https://example.com/cb?a=x%20y&c&d=%2F",
            False,
            f"https://example.com/cb?a=x+y&c=&d=%2F&tavus_token={SECRET}",
        ),
        (
            "https://example.com/cb?tenant=1&tenant=2",
            False,
            f"https://example.com/cb?tenant=1&tenant=2&tavus_token={SECRET}",
        ),
        (
            "https://example.com/cb?#section",
            False,
            f"https://example.com/cb?tavus_token={SECRET}#section",
        ),
        (
            "  https://example.com/cb  ",
            False,
            f"https://example.com/cb?tavus_token={SECRET}",
        ),
        (
            "http://127.0.0.1:8080/cb",
            False,
            f"http://127.0.0.1:8080/cb?tavus_token={SECRET}",
        ),
        ("http://127.8.9.10/cb", False, f"http://127.8.9.10/cb?tavus_token={SECRET}"),
        ("http://localhost/cb", False, f"http://localhost/cb?tavus_token={SECRET}"),
        ("http://LocalHost:9/cb", False, f"http://LocalHost:9/cb?tavus_token={SECRET}"),
        ("http://[::1]:8080/cb", False, f"http://[::1]:8080/cb?tavus_token={SECRET}"),
        ("http://example.com/cb", True, f"http://example.com/cb?tavus_token={SECRET}"),
        (
            "https://example.com/cb",
            True,
            f"https://example.com/cb?tavus_token={SECRET}",
        ),
    ],
)
def test_callback_url_for(base_url: str, allow_http: bool, expected: str) -> None:
    """The token is appended; the query is kept (re-encoded by urlencode)."""
    url = callback_url_for(base_url, secret=SECRET, allow_http=allow_http)

    assert expected == url
    query = dict(parse_qsl(urlsplit(url).query))
    assert SECRET == query[TOKEN_PARAMETER]
    assert token_matches(query, (SECRET,))


@pytest.mark.parametrize(
    ("base_url", "secret", "field", "words"),
    [
        ("http://example.com/cb", SECRET, "base_url", "allow_http=True"),
        ("http://10.0.0.1/cb", SECRET, "base_url", "https"),
        ("http://0.0.0.0/cb", SECRET, "base_url", "https"),
        ("http://localhost.example.com/cb", SECRET, "base_url", "https"),
        ("http://128.0.0.1/cb", SECRET, "base_url", "https"),
        ("/tavus/callbacks", SECRET, "base_url", "absolute http(s) URL"),
        ("callbacks", SECRET, "base_url", "absolute http(s) URL"),
        ("example.com/cb", SECRET, "base_url", "absolute http(s) URL"),
        ("ftp://example.com/cb", SECRET, "base_url", "absolute http(s) URL"),
        ("mailto:ops@example.com", SECRET, "base_url", "absolute http(s) URL"),
        ("https://", SECRET, "base_url", "absolute http(s) URL"),
        ("", SECRET, "base_url", "absolute http(s) URL"),
        (5, SECRET, "base_url", "URL string"),
        ("https://e.com/cb?tavus_token=x", SECRET, "base_url", "already holds"),
        ("https://e.com/cb?a=1&tavus_token=", SECRET, "base_url", "already holds"),
        ("https://example.com/cb", "short", "secret", "16 to 256"),
        ("https://example.com/cb", "a" * 15, "secret", "16 to 256"),
        ("https://example.com/cb", "a" * 257, "secret", "16 to 256"),
        ("https://example.com/cb", "", "secret", "new_callback_secret"),
        ("https://example.com/cb", SECRET + "!", "secret", "URL-safe"),
        ("https://example.com/cb", SECRET + "=", "secret", "URL-safe"),
        ("https://example.com/cb", "two words " + SECRET, "secret", "URL-safe"),
        ("https://example.com/cb", "é" * 16, "secret", "URL-safe"),
        ("https://example.com/cb", SECRET.encode(), "secret", "URL-safe"),
    ],
)
def test_callback_url_for_refuses(
    base_url: Any, secret: Any, field: str, words: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)) as caught:
        callback_url_for(base_url, secret=secret)

    assert field == caught.value.field


def test_the_longest_secret_is_accepted() -> None:
    url = callback_url_for("https://example.com/cb", secret="a" * 256)

    assert url.endswith("a" * 256)


def test_a_secret_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        callback_url_for("https://example.com/cb", secret=SECRET + "\n")

    assert "secret" == caught.value.field


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="none"),
        pytest.param(12345678901234567890, id="number"),
        pytest.param([SECRET], id="list-of-one"),
        pytest.param([SECRET, OTHER], id="list-of-two"),
    ],
)
def test_a_non_string_secret_is_a_validation_error(secret: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        callback_url_for("https://example.com/cb", secret=secret)

    assert "secret" == caught.value.field


def test_a_missing_base_url_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        callback_url_for(None, secret=SECRET)  # type: ignore[arg-type]

    assert "base_url" == caught.value.field


def test_a_malformed_ipv6_base_url_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        callback_url_for("http://[::1/cb", secret=SECRET)

    assert "base_url" == caught.value.field


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SECRET, (SECRET,)),
        ([SECRET], (SECRET,)),
        ([SECRET, OTHER], (SECRET, OTHER)),
        ((OTHER, SECRET), (OTHER, SECRET)),
        (iter([SECRET, OTHER]), (SECRET, OTHER)),
    ],
)
def test_check_secrets_accepts_one_or_several(value: Any, expected: Any) -> None:
    assert expected == check_secrets("secrets", value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ((), "at least one"),
        ([], "at least one"),
        ([SECRET, "short"], "16 to 256"),
        ([SECRET, None], "16 to 256"),
        ("", "16 to 256"),
    ],
)
def test_check_secrets_refuses(value: Any, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as caught:
        check_secrets("secrets", value)

    assert "secrets" == caught.value.field


@pytest.mark.parametrize(
    ("query", "expected", "matches"),
    [
        ({TOKEN_PARAMETER: SECRET}, (SECRET,), True),
        ({TOKEN_PARAMETER: SECRET, "other": "x"}, (SECRET,), True),
        ({TOKEN_PARAMETER: OTHER}, (SECRET, OTHER), True),
        ({TOKEN_PARAMETER: SECRET}, (SECRET, OTHER), True),
        ({TOKEN_PARAMETER: SECRET}, (OTHER,), False),
        ({TOKEN_PARAMETER: SECRET[:-1] + "X"}, (SECRET,), False),
        ({TOKEN_PARAMETER: SECRET[:-1]}, (SECRET,), False),
        ({TOKEN_PARAMETER: SECRET + "0"}, (SECRET,), False),
        ({TOKEN_PARAMETER: SECRET.upper()}, (SECRET,), False),
        ({TOKEN_PARAMETER: ""}, (SECRET,), False),
        ({TOKEN_PARAMETER: "é" * 23}, (SECRET,), False),
        ({"TAVUS_TOKEN": SECRET}, (SECRET,), False),
        ({"token": SECRET}, (SECRET,), False),
        ({}, (SECRET,), False),
        (None, (SECRET,), False),
        ({TOKEN_PARAMETER: SECRET}, (), False),
    ],
)
def test_token_matches(query: Any, expected: tuple[str, ...], matches: bool) -> None:
    assert matches is token_matches(query, expected)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("api.localhost", True),
        ("localhost.", True),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("0:0:0:0:0:0:0:1", True),
        ("128.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 (a host to classify, not a bind)
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("::", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("mylocalhost", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    """The one loopback rule the base URL and the callback URL checks share."""
    assert expected is is_loopback(host)
