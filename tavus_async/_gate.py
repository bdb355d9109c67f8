"""The client-wide rate gate: one shared pause after a 429, and a request budget.

A 429, or a ``Retry-After`` on any other error (a 503), pauses every request
of the client and of its ``with_options`` views, not only the one that got
it: when many calls are in flight, the others stop hammering too. The pause
is decided by :func:`pause_for`, a pure function tested from a table:

- a 429 pauses for its ``Retry-After``; without one, for
  ``initial_delay * 2 ** (streak - 1)`` capped at ``max_delay``, where the
  streak counts the 429s the client saw since its last 2xx;
- any other error carrying ``Retry-After`` pauses for it;
- anything else does not pause.

Every pause is capped at ``max_retry_after``.

An optional budget of requests per second spaces the requests of the whole
client ``1 / requests_per_second`` apart: each request reserves the next free
slot, and there is no burst. Retries count against the budget too.

:class:`Gate` holds the pause and the budget. Its decisions take the time
explicitly (:meth:`Gate.reserve`, :meth:`Gate.pause`, :meth:`Gate.record`);
only :meth:`Gate.wait` reads the event loop's clock and sleeps. In testing
mode (:func:`~tavus_async._retry.set_testing`) pauses are computed, logged and
recorded but not slept; the budget is always honoured, as the user asked for it.
"""

from __future__ import annotations

import asyncio
import logging
import math

from tavus_async._retry import RetryPolicy, is_testing
from tavus_async._validation import require_positive
from tavus_async.errors import APIStatusError


__all__ = ["Gate", "pause_for"]

_log = logging.getLogger("tavus_async")

_RATE_LIMITED = 429


def pause_for(
    policy: RetryPolicy, status: int, retry_after: float | None, streak: int
) -> float | None:
    """How long every request of the client pauses after an error, or None.

    Args:
        policy: The limits (``initial_delay``, ``max_delay``, ``max_retry_after``).
        status: The HTTP status of the error.
        retry_after: The server's requested wait, if any.
        streak: The 429s the client saw since its last 2xx, this one included.

    Returns:
        For a 429, ``retry_after``, or without one
        ``min(max_delay, initial_delay * 2 ** (streak - 1))``; for another
        error status, ``retry_after`` when given; otherwise None. Every pause
        is capped at ``policy.max_retry_after``.
    """
    if status < 400:
        return None
    if retry_after is not None:
        pause = retry_after
    elif status == _RATE_LIMITED:
        exponent = min(max(streak, 1) - 1, 60)
        pause = min(policy.max_delay, policy.initial_delay * 2.0**exponent)
    else:
        return None
    return min(pause, policy.max_retry_after)


class Gate:
    """The pause and the request budget shared by one client and its views.

    Args:
        requests_per_second: The budget, or None for no budget.

    Raises:
        ValidationError: ``requests_per_second`` is not a positive finite number.
    """

    __slots__ = ("_interval", "_last_slot", "_next_slot", "_paused_until", "_streak")

    def __init__(self, requests_per_second: float | None = None) -> None:
        rps = requests_per_second
        require_positive("requests_per_second", rps, "requests per second")
        self._interval = None if rps is None else 1.0 / rps
        self._next_slot = -math.inf
        self._last_slot: float | None = None
        self._paused_until: float | None = None
        self._streak = 0

    @property
    def may_wait(self) -> bool:
        """False when :meth:`wait` would return at once: no budget, no pause."""
        return self._interval is not None or self._paused_until is not None

    @property
    def interval(self) -> float | None:
        """Seconds between two requests under the budget; None without one."""
        return self._interval

    @property
    def paused_until(self) -> float | None:
        """When the current (or last unobserved) pause ends, in loop time."""
        return self._paused_until

    @property
    def streak(self) -> int:
        """The 429s seen since the last 2xx."""
        return self._streak

    def paused_for(self, now: float) -> float:
        """Seconds of pause left at ``now`` (0 when not paused)."""
        until = self._paused_until
        return 0.0 if until is None else max(until - now, 0.0)

    def reserve(self, now: float, *, honour_pause: bool = True) -> float:
        """Reserve the next request's slot; return the seconds to wait for it.

        The request may go at the end of the pause (unless ``honour_pause`` is
        False) and no sooner than one interval after the previous reservation.
        """
        return self._reserve(now, honour_pause) - now

    def _reserve(self, now: float, honour_pause: bool) -> float:
        until = self._paused_until
        if until is not None and until <= now:
            self._paused_until = until = None
        start = until if honour_pause and until is not None else now
        if self._interval is not None:
            start = max(start, self._next_slot)
            self._next_slot = start + self._interval
            self._last_slot = start
        return start

    def release(self, slot: float) -> None:
        """Give back the slot starting at ``slot`` if it is still the latest one.

        A waiter cancelled before its slot calls this, so its slot goes to the
        next request instead of leaving a gap. An earlier slot stays spent.
        """
        if self._last_slot is not None and self._last_slot == slot:
            self._next_slot = slot
            self._last_slot = None

    def pause(self, now: float, seconds: float) -> float | None:
        """Pause every request until ``now + seconds`` (a pause never shrinks).

        Returns:
            ``seconds`` when this begins a pause, None when the gate was
            already paused (the pause is only lengthened) or ``seconds`` is 0.
        """
        if seconds <= 0:
            return None
        until = self._paused_until
        began = until is None or until <= now
        if until is None or now + seconds > until:
            self._paused_until = now + seconds
        return seconds if began else None

    def succeeded(self) -> None:
        """Record a 2xx: the streak of 429s is over."""
        self._streak = 0

    def record(
        self,
        now: float,
        status: int,
        retry_after: float | None,
        policy: RetryPolicy,
    ) -> float | None:
        """Record the outcome of one attempt at ``now``.

        Returns:
            The pause this outcome begins, in seconds, or None (no pause, or
            only a longer one of a pause already running).
        """
        if 200 <= status < 300:
            self.succeeded()
            return None
        if status == _RATE_LIMITED:
            self._streak += 1
        seconds = pause_for(policy, status, retry_after, self._streak)
        return None if seconds is None else self.pause(now, seconds)

    def failed(self, error: APIStatusError, policy: RetryPolicy) -> None:
        """Record an error answer now, and log the pause it begins, if any."""
        now = asyncio.get_running_loop().time()
        seconds = self.record(now, error.status_code, error.retry_after, policy)
        if seconds is not None:
            reason = (
                "rate limited"
                if error.status_code == _RATE_LIMITED
                else "asked to retry later"
            )
            _log.info(
                "%s (%d on %s %s): pausing every request of this client for %.3fs",
                reason,
                error.status_code,
                error.method,
                error.url,
                seconds,
            )

    async def wait(self) -> bool:
        """Wait until the gate lets one request through, and reserve its slot.

        Returns at once, without yielding to the loop, when there is no budget
        and no pause. A pause that begins while this sleeps is waited for too.
        Cancelling the wait is safe: an unused slot is given back when it can be.

        Returns:
            True when it slept.
        """
        if not self.may_wait:
            return False
        loop = asyncio.get_running_loop()
        slept = False
        while True:
            honour_pause = not is_testing()
            now = loop.time()
            start = self._reserve(now, honour_pause)
            if start <= now:
                return slept
            try:
                await asyncio.sleep(start - now)
            except asyncio.CancelledError:
                self.release(start)
                raise
            slept = True
            until = self._paused_until
            if not honour_pause or until is None or until <= start:
                return slept
