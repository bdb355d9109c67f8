"""The train job's pure decisions, from tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tavus_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CreateReplicaRequest,
    InternalServerError,
    OutcomeKind,
    PermissionDeniedError,
    RateLimitError,
    Replica,
    ReplicaOutcome,
    ReplicaStatus,
)
from tavus_async.cli._decisions import (
    CreateVerdict,
    exit_code,
    find_created,
    judge_create_error,
    outcome_label,
    request_json,
    result_row,
    row_label,
)
from tavus_async.cli._journal import JournalRow, RowState


def status_error(cls: type[APIStatusError], code: int) -> APIStatusError:
    return cls("nope", method="POST", url="u", status_code=code)


def uncertain(error: APIError) -> APIError:
    error.mark_may_have_succeeded()
    return error


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (status_error(AuthenticationError, 401), CreateVerdict.FATAL),
        (status_error(PermissionDeniedError, 403), CreateVerdict.FATAL),
        (status_error(BadRequestError, 400), CreateVerdict.REFUSED),
        (status_error(APIStatusError, 422), CreateVerdict.REFUSED),
        (status_error(APIStatusError, 408), CreateVerdict.RETRY),
        (status_error(RateLimitError, 429), CreateVerdict.RETRY),
        (status_error(InternalServerError, 503), CreateVerdict.RETRY),
        (uncertain(status_error(InternalServerError, 502)), CreateVerdict.UNCERTAIN),
        (
            APIConnectionError("refused", method="POST", url="u", request_sent=False),
            CreateVerdict.RETRY,
        ),
        (
            uncertain(
                APIConnectionError("reset", method="POST", url="u", request_sent=True)
            ),
            CreateVerdict.UNCERTAIN,
        ),
    ],
)
def test_judge_create_error(error: APIError, verdict: CreateVerdict) -> None:
    assert verdict is judge_create_error(error)


def test_request_json_is_canonical_and_omits_unset_fields() -> None:
    one = CreateReplicaRequest(
        train_video_url="https://e.com/a.mp4", replica_name="a", model_name="m"
    )
    two = CreateReplicaRequest(
        model_name="m", replica_name="a", train_video_url="https://e.com/a.mp4"
    )
    assert request_json(one) == request_json(two)
    assert (
        '{"model_name":"m","replica_name":"a","train_video_url":"https://e.com/a.mp4"}'
        == request_json(one)
    )


SENT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC).timestamp()


def replica(replica_id: str, name: str, minutes: float | None) -> Replica:
    created = (
        None if minutes is None else datetime.fromtimestamp(SENT + 60 * minutes, UTC)
    )
    return Replica(
        replica_id=replica_id,
        status=ReplicaStatus.STARTED,
        replica_name=name,
        created_at=created,
    )


@pytest.mark.parametrize(
    ("replicas", "claimed", "sent_at", "expected"),
    [
        pytest.param([], (), SENT, [], id="none"),
        pytest.param([replica("r1", "a", 0.1)], (), SENT, ["r1"], id="just-after"),
        pytest.param([replica("r1", "b", 0.1)], (), SENT, [], id="other-name"),
        pytest.param([replica("r1", "a", 0.1)], ("r1",), SENT, [], id="claimed"),
        pytest.param([replica("r1", "a", -30)], (), SENT, [], id="too-old"),
        pytest.param([replica("r1", "a", -5)], (), SENT, ["r1"], id="clock-skew"),
        pytest.param([replica("r1", "a", None)], (), SENT, ["r1"], id="no-created"),
        pytest.param([replica("r1", "a", -30)], (), None, ["r1"], id="no-sent-at"),
        pytest.param(
            [replica("r1", "a", -4), replica("r2", "a", 0.2), replica("r3", "a", 2)],
            (),
            SENT,
            ["r2", "r3", "r1"],
            id="closest-first",
        ),
    ],
)
def test_find_created(
    replicas: list[Replica],
    claimed: tuple[str, ...],
    sent_at: float | None,
    expected: list[str],
) -> None:
    found = find_created("a", sent_at, replicas, claimed)
    assert expected == [r.replica_id for r in found]


def outcome(kind: OutcomeKind, status: str | None) -> ReplicaOutcome:
    seen = (
        None
        if status is None
        else Replica(replica_id="r1", status=ReplicaStatus(status))
    )
    return ReplicaOutcome(replica_id="r1", kind=kind, replica=seen, detail="d", at=0.0)


@pytest.mark.parametrize(
    ("kind", "status", "label"),
    [
        (OutcomeKind.REACHED, "completed", "completed"),
        (OutcomeKind.FAILED, "error", "error"),
        (OutcomeKind.MISSED, "completed", "completed"),
        (OutcomeKind.TIMED_OUT, "started", "timed_out"),
        (OutcomeKind.GONE, None, "gone"),
        (OutcomeKind.REACHED, None, "reached"),
    ],
)
def test_outcome_label(kind: OutcomeKind, status: str | None, label: str) -> None:
    assert label == outcome_label(outcome(kind, status))


def row(state: RowState, **fields: Any) -> JournalRow:
    values: dict[str, Any] = {
        "name": "a",
        "line": 2,
        "request": "{}",
        "state": state,
        "replica_id": None,
        "status": None,
        "outcome": None,
        "error_message": None,
        "attempts": 0,
        "sent_at": None,
        "created_at": None,
        "finished_at": None,
    }
    values.update(fields)
    return JournalRow(**values)


@pytest.mark.parametrize(
    ("journal_row", "label", "status"),
    [
        (row(RowState.PENDING), "pending", "not_created"),
        (row(RowState.CREATING), "creating", "unconfirmed"),
        (row(RowState.CREATED, status="started"), "started", "started"),
        (row(RowState.CREATED), "created", "created"),
        (row(RowState.FAILED, error_message="x"), "create_failed", "create_failed"),
        (
            row(RowState.FINISHED, status="completed", outcome="reached"),
            "completed",
            "completed",
        ),
        (
            row(RowState.FINISHED, status="started", outcome="timed_out"),
            "timed_out",
            "started",
        ),
        (row(RowState.FINISHED, status="gone", outcome="gone"), "gone", "gone"),
    ],
)
def test_row_label_and_result_status(
    journal_row: JournalRow, label: str, status: str
) -> None:
    assert (label, status) == (row_label(journal_row), result_row(journal_row).status)


def test_result_row_carries_the_row() -> None:
    result = result_row(
        row(
            RowState.FINISHED,
            replica_id="r1",
            status="error",
            outcome="failed",
            error_message="too short",
            created_at=10.0,
            finished_at=70.5,
        )
    )
    assert (2, "a", "r1", "failed", "too short", 60.5) == (
        result.line,
        result.replica_name,
        result.replica_id,
        result.outcome,
        result.error_message,
        result.seconds_to_finish,
    )


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([], 0),
        ([row(RowState.FINISHED, outcome="reached")], 0),
        ([row(RowState.FINISHED, outcome="reached"), row(RowState.PENDING)], 1),
        ([row(RowState.FINISHED, outcome="failed")], 1),
        ([row(RowState.FAILED)], 1),
        ([row(RowState.CREATED)], 1),
    ],
)
def test_exit_code(rows: list[JournalRow], code: int) -> None:
    assert code == exit_code(rows)
