"""Retries: which failures to retry, how long to wait, and the loop (backoff).

The rules, as pure functions tested from tables:

- Retry-safe calls (GET, DELETE, PATCH, ending a conversation): retry
  connection errors, timeouts, 408, 429 and 5xx.
- Creates (``POST`` of a replica or conversation) are billed and Tavus has no
  idempotency key: retry only when Tavus certainly did not act, that is a
  connection that never carried the request, a 429 or a 503. A read timeout,
  a connection lost after sending or a 500/502/504 is raised at once, marked
  ``may_have_succeeded``.
- Delay: exponential with full jitter (``initial_delay`` doubling up to
  ``max_delay``), or exactly the server's ``Retry-After``. A ``Retry-After``
  longer than ``max_retry_after`` is not waited for: the error is raised.

backoff drives the loop (tries, give-up rule); its ``on_backoff`` handler
computes each delay with :func:`compute_delay` and waits it out itself
(backoff's own wait is 0), through :meth:`Retrier._pause`, which the client
overrides so that closing it ends the wait. The first attempt is made
directly, and only a failure enters backoff's loop (which takes it as its
first try), so a call that succeeds at once pays nothing for the retry
machinery.

In testing mode (:func:`set_testing`, exposed as
``tavus_async.testing.set_testing``) delays are computed, logged and recorded
but not slept.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import backoff
from attrs import frozen

from tavus_async._http import Request, Response
from tavus_async.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ValidationError,
)


__all__ = [
    "Retrier",
    "RetryEvent",
    "RetryPolicy",
    "capture_retries",
    "compute_delay",
    "is_retryable",
    "is_testing",
    "may_have_been_processed",
    "set_testing",
]

_log = logging.getLogger("tavus_async")

_SAFE_STATUSES = frozenset({408, 429})
_UNSAFE_RETRY_STATUSES = frozenset({429, 503})

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


def is_retryable(error: APIError, *, idempotent: bool) -> bool:
    """Whether ``error`` may be retried under the rules in this module's docstring."""
    if isinstance(error, APIConnectionError):
        return idempotent or not error.request_sent
    if isinstance(error, APIStatusError):
        status = error.status_code
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


class _Call:
    """One call's attempts; ``failed`` is the first attempt's error, not yet raised."""

    __slots__ = ("attempt", "failed")

    def __init__(self, failed: APIError) -> None:
        self.attempt = 0
        self.failed: APIError | None = failed


class Retrier:
    """Sends requests through ``attempt`` with retries, per a :class:`RetryPolicy`.

    Args:
        policy: The limits.
        attempt: One try, given the request and the attempt number (from 1):
            returns a 2xx response or raises an ``APIError``.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        attempt: Callable[[Request, int], Awaitable[Response]],
    ) -> None:
        self.policy = policy
        self._attempt = attempt
        self._safe = self._decorate(idempotent=True)
        self._unsafe = self._decorate(idempotent=False)

    def _decorate(
        self, *, idempotent: bool
    ) -> Callable[[Request, _Call], Awaitable[Response]]:
        def give_up(error: Exception) -> bool:
            assert isinstance(error, APIError)
            if not is_retryable(error, idempotent=idempotent):
                return True
            retry_after = getattr(error, "retry_after", None)
            return retry_after is not None and retry_after > self.policy.max_retry_after

        decorate = backoff.on_exception(
            backoff.constant,
            APIError,
            max_tries=lambda: self.policy.max_retries + 1,
            giveup=give_up,
            on_backoff=self._before_retry,
            jitter=None,
            logger=None,
            interval=0,  # the handler waits, so that a subclass may end the wait
        )
        return decorate(self._try)

    async def _try(self, request: Request, call: _Call) -> Response:
        call.attempt += 1
        failed, call.failed = call.failed, None
        if failed is not None:
            raise failed  # attempt 1 ran in send(); backoff decides what follows
        return await self._attempt(request, call.attempt)

    async def _before_retry(self, details: Mapping[str, Any]) -> None:
        """Compute, record and log the wait before the next attempt, then wait."""
        error: APIError = details["exception"]
        retry: int = details["tries"]  # the attempt that just failed
        retry_after = getattr(error, "retry_after", None)
        delay = compute_delay(self.policy, retry, retry_after, _random.random())
        assert delay is not None, "give_up() refuses waits past max_retry_after"
        event = RetryEvent(
            method=error.method,
            url=error.url,
            attempt=retry,
            delay=delay,
            error=error,
        )
        for events in _captures:
            events.append(event)
        _log.info(
            "retrying %s %s in %.3fs after attempt %d of %d failed: %s",
            event.method,
            event.url,
            delay,
            retry,
            self.policy.max_retries + 1,
            _summary(error),
        )
        if not _testing:
            await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` before a retry; a subclass may end the wait early."""
        await asyncio.sleep(seconds)

    async def send(self, request: Request) -> Response:
        """Send ``request``, retrying per the policy.

        Raises:
            APIError: The last failure. For a non-idempotent request that may
                have been acted on, ``may_have_succeeded`` is set.
        """
        try:
            try:
                return await self._attempt(request, 1)
            except APIError as error:
                failed = error
            return await (self._safe if request.idempotent else self._unsafe)(
                request, _Call(failed)
            )
        except APIError as error:
            if not request.idempotent and may_have_been_processed(error):
                error.mark_may_have_succeeded()
            raise


def _summary(error: APIError) -> str:
    if isinstance(error, APIStatusError):
        return f"{error.status_code} {error.message}"
    return f"{type(error).__name__}: {error.message}"
