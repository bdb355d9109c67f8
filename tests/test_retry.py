"""Retry rules and delays as tables; the backoff loop around a scripted attempt."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tavus_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    DecodeError,
    RetryPolicy,
    ValidationError,
)
from tavus_async._http import Request, Response
from tavus_async._retry import (
    Retrier,
    capture_retries,
    compute_delay,
    is_retryable,
    is_testing,
    may_have_been_processed,
    set_testing,
)


def status(code: int, retry_after: float | None = None) -> APIStatusError:
    return APIStatusError(
        "x",
        method="GET",
        url="https://t/v2/x",
        status_code=code,
        retry_after=retry_after,
    )


def refused() -> APIConnectionError:
    return APIConnectionError("refused", method="POST", url="u", request_sent=False)


def reset() -> APIConnectionError:
    return APIConnectionError("reset", method="POST", url="u", request_sent=True)


def read_timeout() -> APITimeoutError:
    return APITimeoutError("read", method="POST", url="u", request_sent=True)


def connect_timeout() -> APITimeoutError:
    return APITimeoutError("connect", method="POST", url="u", request_sent=False)


CASES = [
    # error, retried when idempotent, retried for a create, create may have happened
    (refused, True, True, False),
    (connect_timeout, True, True, False),
    (reset, True, False, True),
    (read_timeout, True, False, True),
    (lambda: status(408), True, False, False),
    (lambda: status(429), True, True, False),
    (lambda: status(500), True, False, True),
    (lambda: status(502), True, False, True),
    (lambda: status(503), True, True, False),
    (lambda: status(504), True, False, True),
    (lambda: status(400), False, False, False),
    (lambda: status(401), False, False, False),
    (lambda: status(404), False, False, False),
    (lambda: status(409), False, False, False),
    (lambda: status(422), False, False, False),
    (
        lambda: DecodeError("x", method="GET", url="u", status_code=200, body=b""),
        False,
        False,
        False,
    ),
]


@pytest.mark.parametrize(("make", "safe", "unsafe", "maybe"), CASES)
def test_retry_rules(make: object, safe: bool, unsafe: bool, maybe: bool) -> None:
    """Reads retry transient failures; creates only when Tavus surely did not act."""
    error = make()  # type: ignore[operator]

    assert safe == is_retryable(error, idempotent=True)
    assert unsafe == is_retryable(error, idempotent=False)
    assert maybe == may_have_been_processed(error)


POLICY = RetryPolicy(initial_delay=0.5, max_delay=8.0, max_retry_after=60.0)


@pytest.mark.parametrize(
    ("retry", "retry_after", "rand", "expected"),
    [
        (1, None, 0.0, 0.0),
        (1, None, 0.999, 0.4995),
        (1, None, 0.5, 0.25),
        (2, None, 0.5, 0.5),
        (3, None, 0.5, 1.0),
        (4, None, 1.0, 4.0),
        (5, None, 1.0, 8.0),
        (6, None, 1.0, 8.0),
        (500, None, 1.0, 8.0),
        (1, 3.0, 0.9, 3.0),
        (4, 0.0, 0.9, 0.0),
        (1, 60.0, 0.9, 60.0),
        (1, 60.5, 0.9, None),
        (1, 3600.0, 0.1, None),
    ],
)
def test_compute_delay(
    retry: int, retry_after: float | None, rand: float, expected: float | None
) -> None:
    """Full-jitter exponential backoff, capped; Retry-After exact unless too long."""
    assert expected == compute_delay(POLICY, retry, retry_after, rand)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"initial_delay": -0.1}, "initial_delay"),
        ({"max_delay": float("inf")}, "max_delay"),
        ({"max_retry_after": "10"}, "max_retry_after"),
    ],
)
def test_bad_policies_are_refused(kwargs: dict[str, object], field: str) -> None:
    """A retry policy with a nonsensical value names the field."""
    with pytest.raises(ValidationError) as info:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]

    assert field == info.value.field


OK = Response(status=200, headers={}, body=b"{}", url="u")


class Script:
    """An attempt function that fails with the given errors, then succeeds."""

    def __init__(self, errors: Iterable[APIError]) -> None:
        self.errors = list(errors)
        self.attempts: list[int] = []

    async def __call__(self, request: Request, attempt: int) -> Response:
        self.attempts.append(attempt)
        if self.errors:
            raise self.errors.pop(0)
        return OK


GET = Request(method="GET", path="v2/x")
POST = Request(method="POST", path="v2/replicas", body=b"{}", idempotent=False)


async def test_retries_until_success_and_records_waits() -> None:
    """Transient failures are retried; each wait is computed and recorded."""
    script = Script([status(503, retry_after=2.0), status(429, retry_after=0.5)])
    retrier = Retrier(RetryPolicy(max_retries=2), script)

    with capture_retries() as retries:
        result = await retrier.send(GET)

    assert OK is result
    assert [1, 2, 3] == script.attempts
    assert [(1, 2.0), (2, 0.5)] == [(r.attempt, r.delay) for r in retries]


async def test_gives_up_after_max_retries() -> None:
    """The last error is raised once the retries are spent."""
    errors = [status(500), status(502), status(504)]
    script = Script(errors)

    with pytest.raises(APIStatusError) as info:
        await Retrier(RetryPolicy(max_retries=2), script).send(GET)

    assert 504 == info.value.status_code
    assert [1, 2, 3] == script.attempts
    assert not info.value.may_have_succeeded


async def test_zero_retries_means_one_attempt() -> None:
    """max_retries=0 disables retrying."""
    script = Script([status(503)])

    with pytest.raises(APIStatusError):
        await Retrier(RetryPolicy(max_retries=0), script).send(GET)

    assert [1] == script.attempts


async def test_create_is_not_retried_after_a_500_and_says_so() -> None:
    """A 500 on a create is raised at once, marked as possibly applied."""
    script = Script([status(500)])

    with pytest.raises(APIStatusError) as info:
        await Retrier(RetryPolicy(max_retries=5), script).send(POST)

    assert [1] == script.attempts
    assert info.value.may_have_succeeded
    assert "billed twice" in info.value.__notes__[0]


async def test_create_is_retried_after_refused_connection_429_and_503() -> None:
    """A create is retried when Tavus certainly did not act."""
    script = Script([refused(), status(429), status(503)])

    assert OK is await Retrier(RetryPolicy(max_retries=3), script).send(POST)
    assert [1, 2, 3, 4] == script.attempts


async def test_create_read_timeout_is_not_retried() -> None:
    """A read timeout on a create may have created it: raised, marked, not retried."""
    script = Script([read_timeout()])

    with pytest.raises(APITimeoutError) as info:
        await Retrier(RetryPolicy(max_retries=3), script).send(POST)

    assert [1] == script.attempts
    assert info.value.may_have_succeeded


async def test_retry_after_longer_than_the_cap_is_raised() -> None:
    """A server asking for a wait past max_retry_after gets the error back at once."""
    script = Script([status(429, retry_after=3600.0)])

    with pytest.raises(APIStatusError) as info:
        await Retrier(RetryPolicy(max_retries=3, max_retry_after=30), script).send(GET)

    assert [1] == script.attempts
    assert 3600.0 == info.value.retry_after


async def test_non_retryable_errors_are_raised_at_once() -> None:
    """A 400 is never retried."""
    script = Script([status(400)])

    with pytest.raises(APIStatusError):
        await Retrier(RetryPolicy(max_retries=3), script).send(GET)

    assert [1] == script.attempts


async def test_jittered_waits_stay_under_the_ceiling() -> None:
    """Without Retry-After, each wait is within the exponential ceiling."""
    script = Script([status(500)] * 4)
    policy = RetryPolicy(max_retries=4, initial_delay=0.5, max_delay=1.0)

    with capture_retries() as retries:
        await Retrier(policy, script).send(GET)

    ceilings = [0.5, 1.0, 1.0, 1.0]
    assert all(0.0 <= r.delay <= c for r, c in zip(retries, ceilings, strict=True))


def test_testing_switch() -> None:
    """set_testing turns the wait-skipping mode on and off."""
    set_testing(False)
    assert not is_testing()
    set_testing(True)
    assert is_testing()
