"""Which way a poll cycle fetches: by id, filtered lists, or a full sweep.

Pure and tested from tables. Each way's cost is a number of requests:

- by id: one per id due in the cycle;
- filtered list: one per ``page_size`` ids due (replicas' ``replica_ids``);
- sweep: one per page of the account's whole list, ``total_count`` of which
  the last list answer said (a sweep also refreshes every id not yet due).

The cheapest wins. A filtered list is never dearer than a sweep (it reads
only what is watched), so a resource with an id filter never sweeps. Before
any list answer the account's size is unknown; a sweep is then tried when it
may pay, since its first page says the size (and the watcher stops it there,
:func:`keep_sweeping`, if the rest would cost more than lookups).
"""

from __future__ import annotations

import math

from tavus_async.watch.events import PollMode


__all__ = ["choose", "keep_sweeping", "sweep_pages"]


def sweep_pages(total: int, page_size: int) -> int:
    """Requests a sweep of ``total`` items takes (at least one)."""
    return max(1, math.ceil(total / page_size))


def choose(
    *,
    upcoming: int,
    filtered: bool,
    sweepable: bool,
    total: int | None,
    page_size: int,
) -> PollMode:
    """The cheapest way to poll ``upcoming`` ids due within the cycle.

    Args:
        upcoming: Ids due now or within the cycle's window.
        filtered: The resource's list takes an id filter.
        sweepable: The resource's whole list can be read page by page.
        total: The account's count from the last list answer, if any.
        page_size: Items per list request.
    """
    if filtered:
        return PollMode.FILTERED
    if not sweepable or upcoming <= 1:
        return PollMode.BY_ID
    pages = 1 if total is None else sweep_pages(total, page_size)
    return PollMode.SWEEP if pages < upcoming else PollMode.BY_ID


def keep_sweeping(*, pages_left: int, unseen_due: int) -> bool:
    """After a sweep's first page: whether reading the rest beats lookups.

    Args:
        pages_left: Pages the sweep has yet to read.
        unseen_due: Ids due that the pages read so far did not hold.
    """
    return pages_left < unseen_due
