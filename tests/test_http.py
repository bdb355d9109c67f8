"""Table tests of the sans-I/O core: URLs, headers, error mapping, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from tavus_async import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Replica,
    Timeout,
    UnknownIdError,
    UnprocessableEntityError,
    ValidationError,
    make_converter,
)
from tavus_async._http import (
    Request,
    Response,
    build_headers,
    decode,
    normalize_base_url,
    path,
    query,
    url_for,
)
from tavus_async._status import error_from_response, parse_retry_after, unknown_id


NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


def response(status: int, body: bytes = b"", **headers: str) -> Response:
    return Response(status=status, headers=headers, body=body, url="https://t/v2/x")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": " 7 "}, 7.0),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "Sat, 21 Nov 2026 12:00:30 GMT"}, 30.0),
        ({"retry-after": "Sat, 21 Nov 2026 11:00:00 GMT"}, 0.0),
        ({"retry-after": "Sat, 21 Nov 2026 12:00:10 -0000"}, 10.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "x", "retry-after": "9"}, 9.0),
        ({"retry-after-ms": "-5"}, 0.0),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    """Retry-After is read as seconds, an HTTP date or milliseconds; junk is None."""
    assert expected == parse_retry_after(headers, now=NOW)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (599, InternalServerError),
        (418, APIStatusError),
        (304, APIStatusError),
    ],
)
def test_status_maps_to_error_class(status: int, cls: type[APIStatusError]) -> None:
    """Each status becomes its error class; unlisted ones the base class."""
    error = error_from_response("GET", response(status))

    assert cls is type(error)
    assert status == error.status_code


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (400, "Invalid replica_id", (True, "replica_id")),
        (400, "Invalid conversation_id", (True, "conversation_id")),
        (400, "invalid persona_id.", (True, "persona_id")),
        (400, "  Invalid Replica_ID  ", (True, "replica_id")),
        (400, "Invalid replica_ids", (True, "replica_ids")),
        (400, "Invalid guardrails_id", (True, "guardrails_id")),
        (400, "Replica not found", (True, None)),
        (400, "That conversation does not exist.", (True, None)),
        (400, "Invalid train_video_url", (False, None)),
        (400, "Invalid replica_id format and more text", (False, None)),
        (
            400,
            "Either train_video_url or train_image_url must be provided.",
            (False, None),
        ),
        (400, "Bad Request", (False, None)),
        (404, "Invalid replica_id", (False, None)),
        (404, "Objective not found", (False, None)),
        (409, "Invalid replica_id", (False, None)),
    ],
)
def test_unknown_id(
    status: int, message: str, expected: tuple[bool, str | None]
) -> None:
    """A 400 that says the id does not exist is told apart from other 400s."""
    assert expected == unknown_id(status, message)


@pytest.mark.parametrize(
    ("body", "id_field"),
    [
        (b'{"error": "Invalid replica_id"}', "replica_id"),
        (b'{"message": "Invalid conversation_id"}', "conversation_id"),
        (b'{"error": "Document not found"}', None),
    ],
)
def test_an_unknown_id_is_a_not_found_and_a_bad_request(
    body: bytes, id_field: str | None
) -> None:
    """`except NotFoundError` and `except BadRequestError` both catch it."""
    error = error_from_response("GET", response(400, body, **{"x-request-id": "q"}))

    assert UnknownIdError is type(error)
    assert isinstance(error, NotFoundError)
    assert isinstance(error, BadRequestError)
    assert (400, id_field, "q") == (error.status_code, error.id_field, error.request_id)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": "Invalid replica_id"}', "Invalid replica_id"),
        (b'{"message": "Invalid access token"}', "Invalid access token"),
        (
            b'{"message": "User has reached maximum concurrent conversations"}',
            "User has reached maximum concurrent conversations",
        ),
        (b'{"error": "", "message": "second"}', "second"),
        (b'{"error": {"message": "nested"}}', "nested"),
        (b'{"detail": "from detail"}', "from detail"),
        (b'{"other": 1}', "Bad Request"),
        (b"<html>\n  Bad   gateway </html>", "<html> Bad gateway </html>"),
        (b"", "Bad Request"),
        (b"[1, 2]", "Bad Request"),
    ],
)
def test_error_message_is_read_from_error_or_message(body: bytes, message: str) -> None:
    """The message comes from `error`, `message`, the raw text or the status phrase."""
    assert message == error_from_response("POST", response(400, body)).message


def test_error_carries_request_id_retry_after_and_body() -> None:
    """A status error keeps what a caller needs to act on it."""
    error = error_from_response(
        "GET",
        response(
            429,
            b'{"error": "slow down"}',
            **{"retry-after": "2", "x-request-id": "abc"},
        ),
    )

    assert "abc" == error.request_id
    assert 2.0 == error.retry_after
    assert {"error": "slow down"} == error.body
    assert "429: slow down (GET https://t/v2/x, request id abc)" == str(error)


def test_long_error_text_is_truncated() -> None:
    """A huge non-JSON error body does not become a huge message."""
    error = error_from_response("GET", response(502, b"x" * 10_000))

    assert 500 == len(error.message)


@pytest.mark.parametrize(
    ("url", "insecure", "expected"),
    [
        ("https://tavusapi.com", False, "https://tavusapi.com/"),
        ("https://tavusapi.com/", False, "https://tavusapi.com/"),
        ("https://proxy.example.com/tavus", False, "https://proxy.example.com/tavus/"),
        ("http://127.0.0.1:8080", False, "http://127.0.0.1:8080/"),
        ("http://127.5.6.7", False, "http://127.5.6.7/"),
        ("http://localhost:9000", False, "http://localhost:9000/"),
        ("http://[::1]:9000", False, "http://[::1]:9000/"),
        ("http://tavus.internal", True, "http://tavus.internal/"),
        ("  https://tavusapi.com  ", False, "https://tavusapi.com/"),
    ],
)
def test_base_url_is_normalized(url: str, insecure: bool, expected: str) -> None:
    """Accepted base URLs end with a slash."""
    assert expected == normalize_base_url(url, allow_insecure_http=insecure)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://tavusapi.com", "clear text"),
        ("http://10.0.0.5:8080", "clear text"),
        ("ftp://tavusapi.com", "absolute http(s) URL"),
        ("tavusapi.com", "absolute http(s) URL"),
        ("", "absolute http(s) URL"),
        ("https://tavusapi.com/?x=1", "query or fragment"),
        ("https://tavusapi.com/#top", "query or fragment"),
        ("https://tavusapi.com/v2", "client adds /v2/... to every path itself"),
        ("https://tavusapi.com/v2/", "use https://tavusapi.com;"[:-1]),
        (
            "https://proxy.example.com/tavus/V2/replicas",
            "use https://proxy.example.com/tavus",
        ),
    ],
)
def test_bad_base_urls_are_refused(url: str, fragment: str) -> None:
    """Plain http to a remote host and malformed URLs are refused, naming the field."""
    with pytest.raises(ValidationError) as info:
        normalize_base_url(url)

    assert "base_url" == info.value.field
    assert fragment in str(info.value)


def test_path_quotes_every_segment() -> None:
    """Ids cannot escape their path segment."""
    assert "v2/replicas/r1" == path("replicas", "r1")
    assert "v2/replicas/a%2Fb%3Fc%23d/name" == path("replicas", "a/b?c#d", "name")


@pytest.mark.parametrize(
    "segment",
    ["r90bbd427f71", "a-b_c.d~e", ".", "..", "a b", "é", "٣", "r1\n", "%41", "a+b"],
)
def test_path_skips_quoting_only_where_quote_changes_nothing(segment: str) -> None:
    """The shortcut for plain ids gives exactly what ``quote(safe="")`` gives."""
    assert f"v2/replicas/{quote(segment, safe='')}" == path("replicas", segment)


def test_query_encoding() -> None:
    """None is dropped, booleans are lower-case words, lists are comma-joined."""
    expected = (
        ("verbose", "true"),
        ("hard", "false"),
        ("replica_ids", "r1,r2"),
        ("limit", "5"),
        ("search", "an na"),
    )

    assert expected == query(
        verbose=True,
        hard=False,
        replica_ids=["r1", "r2"],
        limit=5,
        page=None,
        search="an na",
    )


def test_url_for_joins_base_path_and_query() -> None:
    """The absolute URL keeps commas readable and encodes the rest."""
    request = Request(
        method="GET",
        path="v2/replicas",
        params=(("replica_ids", "r1,r2"), ("q", "a b")),
    )

    assert "https://t/v2/replicas?replica_ids=r1,r2&q=a+b" == url_for(
        "https://t/", request
    )
    assert "https://t/v2/x" == url_for("https://t/", Request(method="GET", path="v2/x"))


def test_headers_carry_key_user_agent_and_accept() -> None:
    """Every request is authenticated and identifies the library."""
    expected = {"x-api-key": "k", "User-Agent": "ua/1", "Accept": "application/json"}

    assert expected == build_headers("k", "ua/1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, Timeout(total=30, connect=10.0, read=30)),
        (2.5, Timeout(total=2.5, connect=2.5, read=2.5)),
        (
            Timeout(total=None, connect=1, read=2),
            Timeout(total=None, connect=1, read=2),
        ),
    ],
)
def test_timeout_of(value: float | Timeout, expected: Timeout) -> None:
    """A number sets the total and caps connect and read; a Timeout passes."""
    assert expected == Timeout.of(value)


@pytest.mark.parametrize("value", [0, -1, True, "5", float("nan")])
def test_bad_timeouts_are_refused(value: object) -> None:
    """A timeout must be a positive number."""
    with pytest.raises(ValidationError) as info:
        Timeout.of(value)  # type: ignore[arg-type]

    assert info.value.field.startswith("timeout")


def test_decode_wraps_bad_bodies_in_decode_error() -> None:
    """A 2xx body that is not the JSON we expect raises DecodeError with the path."""
    converter = make_converter()

    with pytest.raises(DecodeError) as info:
        decode(converter, "GET", response(200, b'{"replica_id": "r1"}'), Replica)

    assert 200 == info.value.status_code
    assert "$.status" in str(info.value)
    with pytest.raises(DecodeError, match="not JSON"):
        decode(converter, "GET", response(200, b"<html>"), Replica)
