"""Retries: which failures to retry, how long to wait, what a failure means.

The rules, as pure functions tested from tables:

- Retry-safe calls (GET, DELETE, PATCH, ending a conversation): retry
  connection errors, timeouts, 408, 429 and 5xx (:func:`is_retryable`).
- A 429 that is a lasting limit rather than a rate (:func:`is_lasting_limit`:
  Tavus's Knowledge Base crawl limits) is never retried, and the rate gate
  does not pause for it.
- Creates (``POST`` of a replica or conversation) are billed and Tavus has no
  idempotency key: retry only when Tavus certainly did not act, that is a
  connection that never carried the request, a 429 or a 503. A read timeout,
  a connection lost after sending or a 500/502/504 is raised at once, marked
  ``may_have_succeeded``.
- Delay: exponential with full jitter (``initial_delay`` doubling up to
  ``max_delay``), or exactly the server's ``Retry-After``
  (:func:`compute_delay`). A ``Retry-After`` longer than ``max_retry_after``
  is not waited for: the error is raised (:func:`should_retry`).
- After the last attempt, :func:`verdict` reads its error in the light of the
  earlier ones: a delete whose first attempt may have acted and whose retry
  hears "no such resource" did its job; a call that may have acted is raised
  with ``may_have_succeeded``.

backoff runs the loop (:mod:`tavus_async._requester`): :func:`retry_waits` is
its wait generator, which backoff sends each failure into.

In testing mode (:func:`set_testing`, exposed as
``tavus_async.testing.set_testing``) delays are computed, logged and recorded
but not slept.
"""

from __future__ import annotations

import enum
import logging
import math
import random
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from attrs import frozen

from tavus_async._http import Request
from tavus_async.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ValidationError,
)


__all__ = [
    "RetryEvent",
    "RetryPolicy",
    "Verdict",
    "capture_retries",
    "compute_delay",
    "is_lasting_limit",
    "is_retryable",
    "is_testing",
    "may_have_been_processed",
    "retry_waits",
    "set_testing",
    "should_retry",
    "verdict",
]

_log = logging.getLogger("tavus_async")

_SAFE_STATUSES = frozenset({408, 429})
_UNSAFE_RETRY_STATUSES = frozenset({429, 503})
_GONE = frozenset({400, 404, 410})
_RATE_LIMITED = 429
_LASTING_LIMIT = re.compile(r"crawl|cooldown", re.IGNORECASE)

_testing = False
_captures: list[list[RetryEvent]] = []
_random = random.Random()


@frozen(kw_only=True)
class RetryPolicy:
    """How a client retries.

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        initial_delay: The first backoff ceiling, in seconds.
        max_delay: The largest backoff ceiling, in seconds.
        max_retry_after: The longest ``Retry-After`` the client waits for;
            a longer one is raised as the error instead.

    Raises:
        ValidationError: A value is negative or not a number.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValidationError.single(
                "max_retries", f"must be an integer, got {self.max_retries!r}"
            )
        if self.max_retries < 0:
            raise ValidationError.single(
                "max_retries", f"must be 0 or more, got {self.max_retries}"
            )
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if (
                not isinstance(value, int | float)
                or value < 0
                or not math.isfinite(value)
            ):
                raise ValidationError.single(
                    name, f"must be a finite number of seconds >= 0, got {value!r}"
                )


@frozen(kw_only=True)
class RetryEvent:
    """One retry about to happen, as logged and as :func:`capture_retries` records.

    Attributes:
        method: The HTTP method.
        url: The URL.
        attempt: The attempt that just failed (1 for the first).
        delay: The wait before the next attempt, in seconds (computed even
            in testing mode, where it is not slept).
        error: What failed.
    """

    method: str
    url: str
    attempt: int
    delay: float
    error: APIError


def set_testing(testing: bool) -> None:
    """Turn testing mode on or off: retries still happen but never wait.

    The pause every request of a client makes after a 429 (or a
    ``Retry-After``) is also computed and logged but not slept. A
    ``requests_per_second`` budget is still honoured.

    Args:
        testing: True to skip the waits between retries and the 429 pauses.
    """
    global _testing
    _testing = testing


def is_testing() -> bool:
    """True while testing mode is on."""
    return _testing


@contextmanager
def capture_retries() -> Iterator[list[RetryEvent]]:
    """Record every retry made inside the ``with`` block.

    Yields:
        A list that fills with :class:`RetryEvent`s as retries happen.
    """
    events: list[RetryEvent] = []
    _captures.append(events)
    try:
        yield events
    finally:
        _captures.remove(events)


def is_lasting_limit(status: int, message: str) -> bool:
    """Whether an answer is a 429 that waiting seconds does not lift.

    Tavus's only documented 429s are its Knowledge Base crawl limits: 100
    crawl documents per account ("Crawl document limit reached (100). ..."),
    5 crawls at once, and an hour between two recrawls of one document
    ("Recrawl cooldown: please wait 45 minutes ..."). They last minutes or
    for good, and concern crawls only: a retry meets the same answer, and
    pausing the client's other requests (:mod:`tavus_async._gate`) would
    stall calls they have nothing to do with. Such an answer is raised at
    once, a :class:`~tavus_async.RateLimitError`, and pauses nothing.

    Args:
        status: The HTTP status.
        message: The error text read from the body.

    Returns:
        True for a 429 whose message speaks of a crawl or a cooldown.
    """
    return status == _RATE_LIMITED and _LASTING_LIMIT.search(message) is not None


def is_retryable(error: APIError, *, idempotent: bool) -> bool:
    """Whether ``error`` may be retried under the rules in this module's docstring."""
    if isinstance(error, APIConnectionError):
        return idempotent or not error.request_sent
    if isinstance(error, APIStatusError):
        status = error.status_code
        if is_lasting_limit(status, error.message):
            return False
        if idempotent:
            return status in _SAFE_STATUSES or status >= 500
        return status in _UNSAFE_RETRY_STATUSES
    return False


def may_have_been_processed(error: APIError) -> bool:
    """Whether Tavus may have acted on a request that failed with ``error``."""
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIStatusError):
        return error.status_code >= 500 and error.status_code != 503
    return False


def compute_delay(
    policy: RetryPolicy, retry: int, retry_after: float | None, rand: float
) -> float | None:
    """The wait before retry number ``retry`` (1-based), or None to give up.

    Args:
        policy: The limits.
        retry: Which retry this is: 1 for the first.
        retry_after: The server's requested wait, if any.
        rand: A number in [0, 1) for the full jitter.

    Returns:
        ``retry_after`` when given and at most ``policy.max_retry_after``;
        None when it is longer; otherwise ``rand`` times the backoff ceiling
        ``min(max_delay, initial_delay * 2 ** (retry - 1))``.
    """
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    ceiling = min(policy.max_delay, policy.initial_delay * 2.0 ** min(retry - 1, 60))
    return rand * ceiling


def should_retry(error: APIError, *, idempotent: bool, policy: RetryPolicy) -> bool:
    """Whether backoff makes another attempt after ``error``.

    True when :func:`is_retryable` says so and the server did not ask for a
    wait longer than ``policy.max_retry_after`` (such an error is raised).
    """
    if not is_retryable(error, idempotent=idempotent):
        return False
    retry_after = getattr(error, "retry_after", None)
    return retry_after is None or retry_after <= policy.max_retry_after


class Verdict(enum.Enum):
    """What a call's last error means, given what its earlier attempts did."""

    RAISE = "raise"
    """Raise the error as it is."""
    MAY_HAVE_SUCCEEDED = "may_have_succeeded"
    """Raise it with ``may_have_succeeded`` set: Tavus may have acted."""
    DONE = "done"
    """The call did what it was for: return as if it had succeeded."""


def verdict(request: Request, error: APIError, *, acted_before: bool) -> Verdict:
    """Read a call's final error in the light of its earlier attempts.

    Args:
        request: The call (its method, and whether "gone" means done).
        error: The error of its last attempt.
        acted_before: Whether an earlier, retried attempt may have acted
            (:func:`may_have_been_processed` of its error).

    Returns:
        For a ``GET``, always RAISE: reading changes nothing. DONE when an
        earlier attempt may have acted and the retry hears that the resource
        is gone (400, 404 or 410) on a request whose purpose that was
        (``done_if_gone``: a delete, ending a conversation). Otherwise
        MAY_HAVE_SUCCEEDED when an earlier attempt or this one may have acted,
        else RAISE.
    """
    if request.method == "GET":
        return Verdict.RAISE
    if acted_before and request.done_if_gone and _is_gone(error):
        return Verdict.DONE
    if acted_before or may_have_been_processed(error):
        return Verdict.MAY_HAVE_SUCCEEDED
    return Verdict.RAISE


def _is_gone(error: APIError) -> bool:
    return isinstance(error, APIStatusError) and error.status_code in _GONE


def retry_waits(policy: RetryPolicy) -> Generator[float, APIError | None, None]:
    """backoff's wait generator for ``policy``: the wait before each retry.

    backoff sends in the error of the attempt that just failed. The wait is
    :func:`compute_delay` of it (the server's ``Retry-After``, or full
    jitter), reported as a :class:`RetryEvent` (logged at INFO, recorded by
    :func:`capture_retries`), then yielded for backoff to sleep; in testing
    mode 0 is yielded instead.
    """
    retry = 0
    error = yield 0.0  # backoff primes the generator; this value is unused
    while error is not None:
        retry += 1
        retry_after = getattr(error, "retry_after", None)
        delay = compute_delay(policy, retry, retry_after, _random.random())
        assert delay is not None, "should_retry() refuses waits past max_retry_after"
        _report(
            RetryEvent(
                method=error.method,
                url=error.url,
                attempt=retry,
                delay=delay,
                error=error,
            ),
            policy,
        )
        error = yield 0.0 if _testing else delay


def _report(event: RetryEvent, policy: RetryPolicy) -> None:
    for events in _captures:
        events.append(event)
    _log.info(
        "retrying %s %s in %.3fs after attempt %d of %d failed: %s",
        event.method,
        event.url,
        event.delay,
        event.attempt,
        policy.max_retries + 1,
        _summary(event.error),
    )


def _summary(error: APIError) -> str:
    if isinstance(error, APIStatusError):
        return f"{error.status_code} {error.message}"
    return f"{type(error).__name__}: {error.message}"
