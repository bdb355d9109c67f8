"""Retry rules, delays, backoff's wait generator and verdicts, as tables."""

from __future__ import annotations

import pytest

from tavus_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DecodeError,
    RetryPolicy,
    ValidationError,
)
from tavus_async._http import Request
from tavus_async._retry import (
    Verdict,
    capture_retries,
    compute_delay,
    is_lasting_limit,
    is_retryable,
    is_testing,
    may_have_been_processed,
    retry_waits,
    set_testing,
    should_retry,
    verdict,
)


def status(
    code: int, retry_after: float | None = None, message: str = "x"
) -> APIStatusError:
    return APIStatusError(
        message,
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
    (lambda: status(429, message="Recrawl cooldown: wait"), False, False, False),
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


CRAWL_LIMIT = (
    "Crawl document limit reached (100). Contact support@tavus.io to "
    "increase your limit."
)
COOLDOWN = "Recrawl cooldown: please wait 45 minutes before recrawling this document."


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (429, CRAWL_LIMIT, True),
        (429, COOLDOWN, True),
        (429, "Concurrent crawl limit reached (5).", True),
        (429, "RECRAWL COOLDOWN", True),
        (429, "Too Many Requests", False),
        (429, "Rate limit exceeded, retry in 2 seconds", False),
        (429, "", False),
        (400, "Document was not created with crawl configuration", False),
        (409, "Document must be in 'ready' or 'error' state to recrawl", False),
        (503, "cooldown", False),
    ],
)
def test_lasting_limits(code: int, message: str, expected: bool) -> None:
    """A 429 about a crawl or a cooldown is a lasting limit, not a rate."""
    assert expected == is_lasting_limit(code, message)


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


@pytest.mark.parametrize(
    ("make", "idempotent", "expected"),
    [
        (lambda: status(503), True, True),
        (lambda: status(429, retry_after=60.0), True, True),
        (lambda: status(429, retry_after=60.5), True, False),
        (lambda: status(503, retry_after=3600.0), False, False),
        (lambda: status(429, retry_after=1.0), False, True),
        (lambda: status(429, 1.0, COOLDOWN), True, False),
        (lambda: status(500), False, False),
        (lambda: status(400), True, False),
        (reset, True, True),
        (reset, False, False),
        (refused, False, True),
    ],
)
def test_should_retry(make: object, idempotent: bool, expected: bool) -> None:
    """Retryable, and the server asked for no wait past max_retry_after."""
    error = make()  # type: ignore[operator]

    assert expected == should_retry(error, idempotent=idempotent, policy=POLICY)


GET = Request(method="GET", path="v2/x")
POST = Request(method="POST", path="v2/replicas", body=b"{}", idempotent=False)
DELETE = Request(method="DELETE", path="v2/replicas/r1", done_if_gone=True)
END = Request(method="POST", path="v2/conversations/c1/end", done_if_gone=True)
RENAME = Request(method="PATCH", path="v2/replicas/r1/name", body=b"{}")

RAISE, MAYBE, DONE = Verdict.RAISE, Verdict.MAY_HAVE_SUCCEEDED, Verdict.DONE


@pytest.mark.parametrize(
    ("request_", "make", "acted_before", "expected"),
    [
        # reading changes nothing, whatever happened before
        (GET, lambda: status(400), True, RAISE),
        (GET, lambda: status(502), False, RAISE),
        (GET, reset, True, RAISE),
        # a delete or end that may have acted, then hears "no such resource": done
        (DELETE, lambda: status(400), True, DONE),
        (DELETE, lambda: status(404), True, DONE),
        (DELETE, lambda: status(410), True, DONE),
        (END, lambda: status(400), True, DONE),
        # ... but not without an earlier attempt that may have acted
        (DELETE, lambda: status(400), False, RAISE),
        (DELETE, lambda: status(404), False, RAISE),
        # ... nor for another failure, which may still have acted
        (DELETE, lambda: status(409), True, MAYBE),
        (DELETE, lambda: status(401), True, MAYBE),
        (DELETE, lambda: status(502), True, MAYBE),
        (DELETE, lambda: status(502), False, MAYBE),
        (DELETE, reset, False, MAYBE),
        (DELETE, refused, False, RAISE),
        (DELETE, lambda: status(503), False, RAISE),
        # a rename's "no such replica" is not its purpose: it may have renamed first
        (RENAME, lambda: status(400), True, MAYBE),
        (RENAME, lambda: status(400), False, RAISE),
        (RENAME, lambda: status(422), False, RAISE),
        # a create is never retried after it may have acted
        (POST, lambda: status(500), False, MAYBE),
        (POST, read_timeout, False, MAYBE),
        (POST, lambda: status(429), False, RAISE),
        (POST, lambda: status(400), False, RAISE),
        (POST, refused, False, RAISE),
    ],
)
def test_verdict(
    request_: Request, make: object, acted_before: bool, expected: Verdict
) -> None:
    """What a call's last error means, given what its earlier attempts did."""
    error = make()  # type: ignore[operator]

    assert expected == verdict(request_, error, acted_before=acted_before)


def test_retry_waits_follow_the_errors_sent_in() -> None:
    """backoff's generator: Retry-After exactly, else jitter under the ceiling."""
    set_testing(False)
    policy = RetryPolicy(max_retries=5, initial_delay=0.5, max_delay=1.0)
    waits = retry_waits(policy)
    next(waits)  # backoff primes it
    errors = [status(503), status(429, retry_after=2.5), status(500), status(500)]

    with capture_retries() as retries:
        delays = [waits.send(error) for error in errors]

    assert 2.5 == delays[1]
    assert all(0.0 <= d <= c for d, c in zip(delays, [0.5, 2.5, 1.0, 1.0], strict=True))
    assert [1, 2, 3, 4] == [r.attempt for r in retries]
    assert delays == [r.delay for r in retries]
    assert errors == [r.error for r in retries]


def test_retry_waits_in_testing_mode_record_but_yield_zero() -> None:
    """Testing mode: the computed wait is recorded, the sleep is 0."""
    set_testing(True)
    waits = retry_waits(POLICY)
    next(waits)

    with capture_retries() as retries:
        assert 0.0 == waits.send(status(429, retry_after=2.0))

    assert [2.0] == [r.delay for r in retries]


def test_testing_switch() -> None:
    """set_testing turns the wait-skipping mode on and off."""
    set_testing(False)
    assert not is_testing()
    set_testing(True)
    assert is_testing()
