"""Inputs that broke a contract, kept exactly as found (the last date: by hand).

- A 200 body nested deeper than orjson reads (1,024 levels) fell back to
  ``json``, whose RecursionError escaped ``decode`` instead of DecodeError
  (found by ``test_deep_nesting_decodes_or_raises_decode_error``).
- The same body as a 4xx/5xx answer: ``error_from_response`` raised
  RecursionError instead of returning the status error
  (``test_any_error_body_gives_the_status_error``).
- A ``Retry-After`` HTTP date with a number out of range raised OverflowError
  from ``email.utils`` instead of giving None, so a 429 or 503 answer could
  not become its APIStatusError (``test_any_header_value_gives_none_or_a_finite_wait``).
"""

from __future__ import annotations

from unittest import mock

import pytest

from tavus_async import _http, _serde, _status
from tavus_async.errors import DecodeError, InternalServerError, RateLimitError
from tavus_async.types import CreatedReplica


URL = "http://127.0.0.1/v2/replicas"
DEEP = b'{"data": ' + b"[" * 1984 + b"]" * 1984 + b"}"
"""The body the deep-nesting property found (arrays 1,984 deep)."""


@pytest.mark.parametrize("orjson", [True, False], ids=["orjson", "json"])
def test_a_body_nested_too_deep_is_a_decode_error(orjson: bool) -> None:
    """Nesting past what the decoders read raises DecodeError, with either decoder."""
    response = _http.Response(status=200, headers={}, body=DEEP, url=URL)
    loads = _serde._fast_loads if orjson else None
    with (
        mock.patch.object(_serde, "_fast_loads", loads),
        pytest.raises(DecodeError, match="nests too deeply"),
    ):
        _http.decode(_serde.make_converter(), "GET", response, CreatedReplica)


def test_an_error_body_nested_too_deep_still_gives_the_status_error() -> None:
    """The status decides the error; the unreadable body is kept as text."""
    body = b'{"error": ' + b"[" * 1989 + b"]" * 1989 + b"}"
    response = _http.Response(status=500, headers={}, body=body, url=URL)

    error = _status.error_from_response("GET", response)

    assert isinstance(error, InternalServerError)
    assert body.decode() == error.body


@pytest.mark.parametrize(
    "value",
    [
        "0 JAN 0 0:0 2399999999960",
        "0 JAN 0 0:2147483648 GMT",
        "0 JAN 0 0:2147483648",
        "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
    ],
)
def test_an_http_date_out_of_range_is_no_retry_after(value: str) -> None:
    """A date no clock can hold is unreadable: None, and the 429 still maps."""
    assert parse_retry_after_of(value) is None
    response = _http.Response(
        status=429, headers={"retry-after": value}, body=b"", url=URL
    )
    error = _status.error_from_response("POST", response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def parse_retry_after_of(value: str) -> float | None:
    """``parse_retry_after`` of a ``Retry-After`` header alone."""
    return _status.parse_retry_after({"retry-after": value})
