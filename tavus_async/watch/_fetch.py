"""One request of a watch, and what its answer says.

A job of the schedule is a lookup by id, a list filtered to ids, or one page
of a sweep; :func:`fetch` sends it through the resource's
:class:`~tavus_async.watch.sources.Source` and sorts the answer into a
:class:`Result`. An error another cycle may fix is kept in the result; one
that polling again cannot change is raised, with a note, to end the watch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from tavus_async._retry import is_retryable
from tavus_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
)
from tavus_async.watch._schedule import Job
from tavus_async.watch.events import PollMode
from tavus_async.watch.sources import Source


__all__ = ["Result", "SayOnce", "fetch"]

_T = TypeVar("_T")

SayOnce = Callable[..., None]
"""``say_once(key, message, *args)``: log a warning once per watch."""


@attrs.define
class Result(Generic[_T]):
    """What one request brought back.

    Attributes:
        found: The items of watched (or asked) ids, by id.
        missing: Ids a filtered list left out or refused: look each up by id.
        foreign: A filtered list held ids not asked for: the filter is ignored.
        gone: Ids Tavus does not know, with the reason.
        failure: An error another cycle may fix.
        total: A list's ``total_count``.
        listed: The ids a sweep's page held, in order.
    """

    found: dict[str, _T] = attrs.Factory(dict)
    missing: list[str] = attrs.Factory(list)
    foreign: bool = False
    gone: dict[str, str] = attrs.Factory(dict)
    failure: APIError | None = None
    total: int | None = None
    listed: tuple[str, ...] = ()


async def fetch(source: Source[_T], job: Job, say_once: SayOnce) -> Result[_T]:
    """Send ``job`` and sort its answer.

    Raises:
        APIError: An answer polling again cannot change (401, 403, a 404 from
            a list), with a note saying the watcher stopped.
    """
    if job.mode is PollMode.BY_ID:
        (resource_id,) = job.ids
        try:
            item = await source.get(resource_id)
        except (BadRequestError, NotFoundError) as error:
            return Result(gone={resource_id: f"{error.status_code} {error.message}"})
        except APIError as error:
            return Result(failure=transient(error, source.noun))
        return Result(found={resource_id: item})
    if job.mode is PollMode.SWEEP:
        assert source.page is not None
        try:
            page = await source.page(source.first_page + job.page, source.page_size)
        except APIError as error:
            return Result(failure=transient(error, source.noun))
        listed = tuple(source.id_of(item) for item in page.data)
        found = dict(zip(listed, page.data, strict=True))
        return Result(found=found, total=page.total_count, listed=listed)
    assert source.find is not None
    try:
        page = await source.find(job.ids)
    except BadRequestError as error:
        say_once(
            "refused",
            "the %s list refused an id filter (%s); looking those up one by one",
            source.noun,
            error.message,
        )
        return Result(missing=list(job.ids))
    except APIError as error:
        return Result(failure=transient(error, source.noun))
    found = {source.id_of(item): item for item in page.data}
    asked = set(job.ids)
    missing = [i for i in job.ids if i not in found]
    foreign = any(i not in asked for i in found)
    if missing and not foreign:
        say_once(
            "missing",
            "the %s list left out %d of %d ids asked for; looking them up by id",
            source.noun,
            len(missing),
            len(job.ids),
        )
    return Result(found=found, missing=missing, foreign=foreign)


def transient(error: APIError, noun: str) -> APIError:
    """Return ``error`` if another cycle may fix it; raise it to end the watch."""
    if isinstance(error, DecodeError) or is_retryable(error, idempotent=True):
        return error
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        error.add_note(
            f"the {noun} watcher stopped: Tavus refused the API key; check the "
            "key (TAVUS_API_KEY) and its IP restrictions"
        )
    else:
        error.add_note(
            f"the {noun} watcher stopped: polling again will not change this "
            "answer; check the client's base_url"
        )
    raise error
