"""How long until an id's next poll: its cadence, from its progress.

Pure and tested from tables. With ``longest`` equal to ``base`` every id is
polled every ``base`` seconds. Above it, an id whose progress moves is polled
at half the time its progress says is left (so a job 5% done is polled far
less often than one 95% done, and polls close in on the end: the last gap
before the end is ``base``). Tavus rounds progress down (``"37/100"``), so
the time left is reckoned from one unit ahead of what it says: the end is
never expected later than it can come. An id without readable progress slows down 1.5
times per unchanged poll, and returns to ``base`` when it changes.
"""

from __future__ import annotations

from attrs import frozen


__all__ = ["SHARE_OF_REMAINING", "SLOWDOWN", "Anchor", "next_interval"]

SLOWDOWN = 1.5
"""How much longer the next gap is after a poll that saw no change."""
SHARE_OF_REMAINING = 0.5
"""The share of the time left (from progress) to wait before the next poll."""


@frozen
class Anchor:
    """The first progress seen of an id: the fraction done, and when."""

    at: float
    fraction: float


def next_interval(
    *,
    base: float,
    longest: float,
    last: float,
    changed: bool,
    anchor: Anchor | None,
    fraction: float | None,
    step: float = 0.0,
    now: float,
) -> float:
    """Seconds from ``now`` (a poll) to the next poll of one id.

    Args:
        base: The shortest gap (the watcher's ``poll_interval``).
        longest: The longest gap (``max_poll_interval``).
        last: The gap that led to this poll.
        changed: Whether this poll saw a new status or progress.
        anchor: The first progress seen of the id, if any.
        fraction: Its progress now, from 0 to 1, if known.
        step: The unit progress is counted in, as a fraction (0.01 for
            ``"37/100"``): the true progress may be up to one unit ahead.
        now: The time of this poll.

    Returns:
        A gap from ``base`` to ``longest``.
    """
    if longest <= base:
        return base
    if (
        anchor is not None
        and fraction is not None
        and fraction > anchor.fraction
        and now > anchor.at
    ):
        rate = (fraction - anchor.fraction) / (now - anchor.at)
        left = max(0.0, 1.0 - fraction - step) / rate
        return min(longest, max(base, left * SHARE_OF_REMAINING))
    if changed:
        return base
    return min(longest, max(base, last * SLOWDOWN))
