"""The error tree: one root, built-in parents, readable messages."""

from __future__ import annotations

import pytest

import tavus_async
from tavus_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ClientStateError,
    DecodeError,
    NotFoundError,
    TavusError,
    UnknownIdError,
    ValidationError,
    WatchError,
    WatchTimeoutError,
    WebhookError,
)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (APITimeoutError, TimeoutError),
        (APITimeoutError, ConnectionError),
        (APIConnectionError, ConnectionError),
        (ValidationError, ValueError),
        (WebhookError, ValueError),
        (DecodeError, ValueError),
        (ClientStateError, RuntimeError),
        (WatchTimeoutError, TimeoutError),
        (WatchTimeoutError, WatchError),
        (UnknownIdError, NotFoundError),
        (UnknownIdError, BadRequestError),
    ],
)
def test_errors_inherit_the_matching_builtin(cls: type, builtin: type) -> None:
    """Callers may catch ours or the standard exception."""
    assert issubclass(cls, TavusError)
    assert issubclass(cls, builtin)


def test_every_exported_error_descends_from_the_root() -> None:
    """Every exception the package exports is a TavusError."""
    errors = [
        getattr(tavus_async, n)
        for n in tavus_async.__all__
        if isinstance(getattr(tavus_async, n), type)
        and issubclass(getattr(tavus_async, n), BaseException)
    ]

    assert 20 == len(errors)
    assert all(issubclass(e, TavusError) for e in errors)


def test_timeout_error_message_has_one_argument() -> None:
    """OSError parents do not turn the message into an errno pair."""
    error = APITimeoutError(
        "timed out: read", method="GET", url="https://t/x", request_sent=True
    )

    assert "timed out: read (GET https://t/x)" == str(error)
    assert error.errno is None


def test_status_error_str() -> None:
    """A status error reads as status, message and where."""
    error = APIStatusError("Invalid replica_id", method="GET", url="u", status_code=400)

    assert "400: Invalid replica_id (GET u)" == str(error)


def test_validation_error_lists_every_problem() -> None:
    """A ValidationError keeps all problems and names the first field."""
    error = ValidationError([("a", "bad"), ("b", "worse")])

    assert ("a", (("a", "bad"), ("b", "worse"))) == (error.field, error.problems)
    assert "a: bad; b: worse" == str(error)
    with pytest.raises(ValueError, match="at least one"):
        ValidationError([])


def test_may_have_succeeded_is_marked_once() -> None:
    """Marking twice adds the note once."""
    error = APIError("x", method="POST", url="u")

    error.mark_may_have_succeeded()
    error.mark_may_have_succeeded()

    assert error.may_have_succeeded
    assert 1 == len(error.__notes__)
