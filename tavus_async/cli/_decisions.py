"""The batch jobs' decisions, as plain functions: no I/O, tested from tables.

They serve ``train`` and ``generate`` alike: what they read of a replica or a
video is its status (:class:`Item`) or a :class:`Created` record.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

import attrs

from tavus_async import (
    APIError,
    APIStatusError,
    AuthenticationError,
    CreateReplicaRequest,
    GenerateVideoRequest,
    Outcome,
    OutcomeKind,
    PermissionDeniedError,
    Replica,
    TrainingProgress,
)
from tavus_async.cli._journal import JournalRow, Links, RowState
from tavus_async.cli._results import ResultRow, RowStatus
from tavus_async.cli._tally import format_duration


__all__ = [
    "CLOCK_SKEW",
    "RETRY_DELAYS",
    "CreateVerdict",
    "Created",
    "Item",
    "Request",
    "exit_code",
    "find_created",
    "judge_create_error",
    "lookup_note",
    "outcome_label",
    "outcome_message",
    "percent",
    "progress_percent",
    "request_json",
    "result_row",
    "resumed",
    "row_status",
    "with_callback",
]

CLOCK_SKEW = 600.0
"""Seconds a replica's or video's ``created_at`` may precede our record of the
create."""

RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0)
"""Waits before creating a row again after a passing failure, then give up."""

_RETRYABLE_4XX = frozenset({408, 429})


class Item(Protocol):
    """A watched replica or video, as far as the decisions read it."""

    @property
    def status(self) -> str | None:
        """Tavus's status of it."""


_I = TypeVar("_I", bound=Item)

Request = TypeVar("Request", CreateReplicaRequest, GenerateVideoRequest)
"""The create request of a batch job: a replica's or a video's."""


@attrs.frozen(kw_only=True)
class Created:
    """A replica or video a create made, or may have made: from the create's
    answer, or from the account's list when the answer was lost.

    Attributes:
        resource_id: Tavus's id.
        name: Its ``replica_name`` or ``video_name``, if Tavus says.
        status: Its status then, if Tavus says.
        created_at: When Tavus created it, if it says.
        links: Where a video can be seen, as far as known.
    """

    resource_id: str
    name: str | None
    status: str | None
    created_at: datetime | None = None
    links: Links = attrs.field(factory=Links)


class CreateVerdict(enum.Enum):
    """What a failed create means for its row."""

    UNCERTAIN = "uncertain"
    """Tavus may have acted: look the row up by name before creating again."""
    RETRY = "retry"
    """Surely not acted on, and may pass: create again later."""
    REFUSED = "refused"
    """Tavus refused this row (a 4xx): it is final."""
    FATAL = "fatal"
    """The job cannot go on: Tavus refused the API key."""


def judge_create_error(error: APIError) -> CreateVerdict:
    """Classify a failed create (after the client's own retries)."""
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return CreateVerdict.FATAL
    if error.may_have_succeeded:
        return CreateVerdict.UNCERTAIN
    if (
        isinstance(error, APIStatusError)
        and 400 <= error.status_code < 500
        and error.status_code not in _RETRYABLE_4XX
    ):
        return CreateVerdict.REFUSED
    return CreateVerdict.RETRY


def with_callback(request: Request, callback_url: str | None) -> Request:
    """``request`` with ``callback_url``, unless it has its own or there is none.

    The journal keeps the manifest's request: the callback URL carries a
    per-run secret, so it is added only when the create is sent.
    """
    if callback_url is None or request.callback_url is not None:
        return request
    return attrs.evolve(request, callback_url=callback_url)


def request_json(request: CreateReplicaRequest | GenerateVideoRequest) -> str:
    """The create body as canonical JSON: what the journal compares across runs."""
    return json.dumps(
        request.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def find_created(
    name: str,
    sent_at: float | None,
    listed: Iterable[Created],
    claimed: Collection[str],
) -> list[Created]:
    """What a lost create of ``name`` may have made, closest in time first.

    Args:
        name: The row's name (``replica_name``, ``video_name``).
        sent_at: When its last create was sent (epoch seconds), if known.
        listed: The account's replicas or videos, as its list gives them.
        claimed: Ids already recorded for other rows.

    Returns:
        Those with that exact name, not claimed, and created no earlier than
        :data:`CLOCK_SKEW` seconds before ``sent_at`` (any age when a time is
        unknown); the one created closest to ``sent_at`` first.
    """
    found = []
    for item in listed:
        if item.name != name or item.resource_id in claimed:
            continue
        created = item.created_at
        if (
            sent_at is not None
            and created is not None
            and created.timestamp() < sent_at - CLOCK_SKEW
        ):
            continue
        found.append(item)

    def distance(item: Created) -> float:
        if item.created_at is None or sent_at is None:
            return math.inf
        return abs(item.created_at.timestamp() - sent_at)

    return sorted(found, key=distance)


def outcome_label(outcome: Outcome[_I]) -> str:
    """The status of a settled replica's or video's row (see :mod:`._results`).

    Tavus's last status, but ``timed_out`` or ``gone`` when the watch ended so
    (Tavus's status then says nothing final), and the kind of outcome when no
    status was ever seen.
    """
    if outcome.kind is OutcomeKind.TIMED_OUT:
        return RowStatus.TIMED_OUT.value
    if outcome.kind is OutcomeKind.GONE:
        return RowStatus.GONE.value
    status = None if outcome.item is None else outcome.item.status
    return str(status or outcome.kind.value)


def outcome_message(outcome: Outcome[Any]) -> str | None:
    """The ``error_message`` of a settled row.

    Tavus's own message when it gave one; else, for an outcome that is not
    ok, the watch's one-sentence account (which names the last status seen).
    """
    if outcome.error_message or outcome.ok:
        return outcome.error_message
    return outcome.detail


def percent(progress: TrainingProgress | None) -> int | None:
    """Progress in whole percent; None when unknown."""
    return None if progress is None else round(100 * progress.fraction)


def progress_percent(replica: Replica) -> int | None:
    """A replica's training progress in whole percent; None when unknown."""
    return percent(replica.training_progress)


def row_status(row: JournalRow) -> str:
    """The status of a journal row, as the results file and the summary give it.

    A ``CREATING`` row is ``unconfirmed``: its create's answer is not
    recorded. (The job shows a create in flight as ``creating`` itself.)
    """
    if row.state is RowState.PENDING:
        return RowStatus.NOT_CREATED.value
    if row.state is RowState.CREATING:
        return RowStatus.UNCONFIRMED.value
    if row.state is RowState.FAILED:
        return RowStatus.CREATE_FAILED.value
    if row.outcome in (OutcomeKind.TIMED_OUT.value, OutcomeKind.GONE.value):
        return str(row.outcome)
    return row.status or row.state.value  # a job always records a status


def result_row(row: JournalRow) -> ResultRow:
    """One line of the results file for a journal row."""
    return ResultRow(
        line=row.line,
        name=row.name,
        resource_id=row.resource_id,
        status=row_status(row),
        outcome=row.outcome,
        error_message=row.error_message,
        attempts=row.attempts,
        sent_at=row.sent_at,
        created_at=row.created_at,
        finished_at=row.finished_at,
        hosted_url=row.hosted_url,
        download_url=row.download_url,
        stream_url=row.stream_url,
    )


def resumed(rows: Iterable[JournalRow]) -> bool:
    """Whether a run finds work of an earlier one: any create sent or settled."""
    return any(row.state is not RowState.PENDING or row.attempts for row in rows)


def lookup_note(count: int, wait: float) -> str:
    """What the job says while rows are ``unconfirmed``.

    Args:
        count: How many rows wait to be looked up by name.
        wait: Seconds until the last of them is looked up (under half a
            second: now).

    Returns:
        For example ``"8 unconfirmed (create sent, answer lost): looking them
        up by name in 45s (--reconcile-after)"``.
    """
    them = "it" if count == 1 else "them"
    when = "now" if wait < 0.5 else f"in {format_duration(wait)} (--reconcile-after)"
    return (
        f"{count} {RowStatus.UNCONFIRMED} (create sent, answer lost): "
        f"looking {them} up by name {when}"
    )


def exit_code(rows: Sequence[JournalRow]) -> int:
    """0 when every row reached its target, else 1."""
    ok = all(
        row.state is RowState.FINISHED and row.outcome == OutcomeKind.REACHED.value
        for row in rows
    )
    return 0 if ok else 1
