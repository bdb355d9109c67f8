"""The client-wide rate gate: one shared pause after a 429, and a request budget.

A 429, or a ``Retry-After`` on any other error (a 503), pauses every request
of the client and of its ``with_options`` views, not only the one that got
it: when many calls are in flight, the others stop hammering too. The rules:

- **How long.** A 429 pauses for its ``Retry-After``; without one, for
  ``initial_delay * 2 ** (streak - 1)`` capped at ``max_delay`` and at
  ``max_retry_after`` (:func:`pause_for`). Any other error carrying
  ``Retry-After`` pauses for it; anything else does not pause.
- **One burst, one step.** The streak counts consecutive pauses, not 429s.
  Each request leaves under an *epoch*, the number of pauses begun so far. A
  429 to a request that left before the current pause began belongs to the
  burst that began it: it adds no step, and lengthens the pause only with a
  longer ``Retry-After`` of its own. A 2xx to a request that left after the
  latest pause began ends the streak; an older one says nothing about now.
- **A spread release.** The requests a pause holds do not all leave at its
  end, to meet the next 429 together: each leaves at the end plus a random
  share of a release window, the pause's length capped at ``max_delay``. A
  request that comes after the pause is over goes at once.
- **Not a rate.** A 429 that is a lasting limit
  (:func:`~tavus_async._retry.is_lasting_limit`: a Knowledge Base crawl
  limit or recrawl cooldown) is not recorded at all: it pauses nothing,
  whatever its ``Retry-After``, and neither adds to nor ends the streak.
- **Too long to wait.** A ``Retry-After`` longer than ``max_retry_after`` is
  not waited for, by any call: while more than ``max_retry_after`` of it is
  left, every request fails at once, unsent, with an error of the class and
  status that began it (a :class:`~tavus_async.RateLimitError` for a 429),
  ``retry_after`` set to the time left. The server has said the account is
  limited: sending would only collect more 429s, and stalling every call for
  ``max_retry_after`` to meet the same answer helps nobody. Once what is left
  is within ``max_retry_after``, requests wait for it like any pause.

An optional budget of requests per second spaces the requests of the whole
client ``1 / requests_per_second`` apart: each request reserves the next free
slot, and there is no burst. Retries count against the budget too.

:class:`Gate` holds the pause, the streak and the budget. Its decisions take
the time explicitly (:meth:`Gate.reserve`, :meth:`Gate.record`,
:meth:`Gate.refuses`) and are tested from tables; only :meth:`Gate.wait` and
:meth:`Gate.failed` read the event loop's clock, and only :meth:`Gate.wait`
sleeps. In testing mode (:func:`~tavus_async._retry.set_testing`) pauses are
computed, logged and recorded but not slept; the budget is always honoured, as
the user asked for it, and so is a refusal, which is not a wait.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random

from tavus_async._retry import RetryPolicy, is_lasting_limit, is_testing
from tavus_async._status import refused_error
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
        streak: The consecutive pauses, this one included.

    Returns:
        For a 429 without ``Retry-After``,
        ``min(max_delay, initial_delay * 2 ** (streak - 1), max_retry_after)``;
        for any error status with ``Retry-After``, that wait, uncapped (see
        :meth:`Gate.refuses` for waits past ``max_retry_after``); otherwise None.
    """
    if status < 400:
        return None
    if retry_after is not None:
        return retry_after
    if status != _RATE_LIMITED:
        return None
    exponent = min(max(streak, 1) - 1, 60)
    backoff = min(policy.max_delay, policy.initial_delay * 2.0**exponent)
    return min(backoff, policy.max_retry_after)


class Gate:
    """The pause and the request budget shared by one client and its views.

    Args:
        requests_per_second: The budget, or None for no budget.
        rng: Draws each held request's share of the release window (a seeded
            ``random.Random`` in tests).

    Raises:
        ValidationError: ``requests_per_second`` is not a positive finite number.
    """

    __slots__ = (
        "_cause",
        "_epoch",
        "_interval",
        "_last_slot",
        "_next_slot",
        "_paused_until",
        "_rng",
        "_streak",
        "_window",
    )

    def __init__(
        self,
        requests_per_second: float | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        rps = requests_per_second
        require_positive("requests_per_second", rps, "requests per second")
        self._interval = None if rps is None else 1.0 / rps
        self._next_slot = -math.inf
        self._last_slot: float | None = None
        self._paused_until: float | None = None
        self._window = 0.0
        self._epoch = 0
        self._streak = 0
        self._cause: APIStatusError | None = None
        self._rng = rng if rng is not None else random.Random()

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
        """Consecutive pauses, since a 2xx to a request that left after the last."""
        return self._streak

    @property
    def epoch(self) -> int:
        """The number of pauses begun: a request records it as it leaves."""
        return self._epoch

    def paused_for(self, now: float) -> float:
        """Seconds of pause left at ``now`` (0 when not paused)."""
        until = self._paused_until
        return 0.0 if until is None else max(until - now, 0.0)

    def refuses(self, now: float, max_retry_after: float) -> float | None:
        """The pause left at ``now`` when it is too long to wait for, else None."""
        left = self.paused_for(now)
        return left if left > max_retry_after else None

    def reserve(self, now: float, *, honour_pause: bool = True) -> float:
        """Reserve the next request's slot; return the seconds to wait for it.

        During a pause (unless ``honour_pause`` is False) the slot is the end
        of the pause plus a random share of its release window; and it is no
        sooner than one budget interval after the previous reservation.
        """
        return self._reserve(now, honour_pause) - now

    def _reserve(self, now: float, honour_pause: bool) -> float:
        until = self._paused_until
        if until is not None and until <= now:
            self._paused_until = until = None
        start = now
        if honour_pause and until is not None:
            start = until + self._window * self._rng.random()
        if self._interval is not None:
            start = max(start, self._next_slot)
            self._next_slot = start + self._interval
            self._last_slot = start
        return start

    def release(self, slot: float) -> None:
        """Give back the budget slot starting at ``slot`` if it is still the latest.

        A waiter cancelled before its slot calls this, so its slot goes to the
        next request instead of leaving a gap. An earlier slot stays spent.
        """
        if self._last_slot is not None and self._last_slot == slot:
            self._next_slot = slot
            self._last_slot = None

    def pause(self, now: float, seconds: float, window: float) -> float | None:
        """Pause every request until ``now + seconds`` (a pause never shrinks).

        Args:
            now: The current time.
            seconds: The pause.
            window: The release window, should this begin a pause.

        Returns:
            ``seconds`` when this begins a pause (a new epoch), None when the
            gate was already paused (the pause is only lengthened, if at all)
            or ``seconds`` is 0.
        """
        if seconds <= 0:
            return None
        until = self._paused_until
        if until is not None and until > now:
            self._paused_until = max(until, now + seconds)
            return None
        self._paused_until = now + seconds
        self._window = window
        self._epoch += 1
        return seconds

    def record(
        self,
        now: float,
        status: int,
        retry_after: float | None,
        policy: RetryPolicy,
        epoch: int,
    ) -> float | None:
        """Record the outcome of a request that left under ``epoch``, at ``now``.

        Returns:
            The pause this outcome begins, in seconds, or None (no pause, or
            only a lengthening of the pause already running).
        """
        if 200 <= status < 300:
            self.succeeded(epoch)
            return None
        if status == _RATE_LIMITED and epoch == self._epoch:
            self._streak += 1
        elif retry_after is None:
            return None  # a stale 429 without Retry-After: its burst is paused
        seconds = pause_for(policy, status, retry_after, self._streak)
        if seconds is None:
            return None
        return self.pause(now, seconds, min(seconds, policy.max_delay))

    def failed(self, error: APIStatusError, policy: RetryPolicy, epoch: int) -> None:
        """Record an error answer now; log the pause it begins, if any.

        A lasting limit (:func:`~tavus_async._retry.is_lasting_limit`) is not
        recorded.
        """
        if is_lasting_limit(error.status_code, error.message):
            return
        now = asyncio.get_running_loop().time()
        until = self._paused_until
        seconds = self.record(now, error.status_code, error.retry_after, policy, epoch)
        if self._paused_until != until:
            self._cause = error
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

    def succeeded(self, epoch: int) -> None:
        """Record a 2xx to a request that left under ``epoch``."""
        if epoch == self._epoch:
            self._streak = 0

    async def wait(self, method: str, url: str, policy: RetryPolicy) -> int:
        """Wait until the gate lets one request through; return its epoch.

        Returns at once, without yielding to the loop, when there is no budget
        and no pause. A pause that begins while this sleeps is waited for too.
        Cancelling the wait is safe: an unused slot is given back when it can be.

        Args:
            method: The request's method, for a refusal's error.
            url: The request's URL, likewise.
            policy: Its ``max_retry_after`` is the longest pause waited for.

        Raises:
            APIStatusError: The pause has longer to go than ``max_retry_after``
                (see the module docstring); nothing may be sent.
        """
        if not self.may_wait:
            return self._epoch
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            left = self.refuses(now, policy.max_retry_after)
            if left is not None and self._cause is not None:
                raise refused_error(
                    self._cause, method, url, left, policy.max_retry_after
                )
            honour_pause = not is_testing()
            start = self._reserve(now, honour_pause)
            if start <= now:
                return self._epoch
            try:
                await asyncio.sleep(start - now)
            except asyncio.CancelledError:
                self.release(start)
                raise
            until = self._paused_until
            if not honour_pause or until is None or until <= start:
                return self._epoch
