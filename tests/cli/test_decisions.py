"""The batch jobs' pure decisions, from tables."""

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
    GenerateVideoRequest,
    InternalServerError,
    Outcome,
    OutcomeKind,
    PermissionDeniedError,
    RateLimitError,
    Replica,
    ReplicaOutcome,
    ReplicaStatus,
    Video,
    VideoProperties,
    VideoStatus,
)
from tavus_async.cli._decisions import (
    Created,
    CreateVerdict,
    exit_code,
    find_created,
    judge_create_error,
    lookup_note,
    outcome_label,
    outcome_message,
    request_json,
    result_row,
    resumed,
    row_status,
    with_callback,
)
from tavus_async.cli._journal import JournalRow, RowState
from tavus_async.cli._results import ResultRow


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


def test_request_json_of_a_video_holds_its_properties() -> None:
    """A video's properties are part of the body the journal compares."""
    request = GenerateVideoRequest(
        replica_id="r1",
        script="Hi",
        video_name="v",
        background_url="https://e.com/",
        properties=VideoProperties(background_scroll=False),
    )

    assert (
        '{"background_url":"https://e.com/","properties":{"background_scroll":false},'
        '"replica_id":"r1","script":"Hi","video_name":"v"}'
    ) == request_json(request)


@pytest.mark.parametrize(
    ("own", "given", "expected"),
    [
        (None, None, None),
        (None, "https://hooks.example.com/?t=1", "https://hooks.example.com/?t=1"),
    ],
)
def test_a_video_is_given_the_jobs_callback_url(
    own: str | None, given: str | None, expected: str | None
) -> None:
    request = GenerateVideoRequest(replica_id="r1", script="Hi", callback_url=own)

    changed = with_callback(request, given)

    assert (expected, "Hi") == (changed.callback_url, changed.script)


SENT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC).timestamp()


def replica(replica_id: str, name: str, minutes: float | None) -> Created:
    created = (
        None if minutes is None else datetime.fromtimestamp(SENT + 60 * minutes, UTC)
    )
    return Created(
        resource_id=replica_id, name=name, status="started", created_at=created
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
    replicas: list[Created],
    claimed: tuple[str, ...],
    sent_at: float | None,
    expected: list[str],
) -> None:
    found = find_created("a", sent_at, replicas, claimed)
    assert expected == [r.resource_id for r in found]


def outcome(
    kind: OutcomeKind, status: str | None, error_message: str | None = None
) -> ReplicaOutcome:
    seen = (
        None
        if status is None
        else Replica(
            replica_id="r1",
            status=ReplicaStatus(status),
            error_message=error_message,
        )
    )
    return ReplicaOutcome(
        id="r1",
        kind=kind,
        item=seen,
        detail="the detail",
        error_message=error_message,
        at=0.0,
    )


def video_outcome(kind: OutcomeKind, status: str | None) -> Outcome[Video]:
    seen = None if status is None else Video(video_id="v1", status=VideoStatus(status))
    return Outcome(id="v1", kind=kind, item=seen, detail="the detail", at=0.0)


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
    """A settled row's status: Tavus's, but our word when Tavus's is not final."""
    assert label == outcome_label(outcome(kind, status))


@pytest.mark.parametrize(
    ("kind", "status", "label"),
    [
        (OutcomeKind.REACHED, "ready", "ready"),
        (OutcomeKind.FAILED, "error", "error"),
        (OutcomeKind.TIMED_OUT, "generating", "timed_out"),
        (OutcomeKind.GONE, "deleted", "gone"),
        (OutcomeKind.GONE, None, "gone"),
    ],
)
def test_outcome_label_of_a_video(
    kind: OutcomeKind, status: str | None, label: str
) -> None:
    """A video's row reads as a replica's: Tavus's status, or our final word."""
    assert label == outcome_label(video_outcome(kind, status))


@pytest.mark.parametrize(
    ("kind", "status", "error_message", "message"),
    [
        (OutcomeKind.REACHED, "completed", None, None),
        (OutcomeKind.FAILED, "error", "too short", "too short"),
        (OutcomeKind.FAILED, "error", None, "the detail"),
        (OutcomeKind.MISSED, "completed", None, "the detail"),
        (OutcomeKind.TIMED_OUT, "started", None, "the detail"),
        (OutcomeKind.GONE, None, None, "the detail"),
    ],
)
def test_outcome_message(
    kind: OutcomeKind, status: str | None, error_message: str | None, message: str
) -> None:
    """Tavus's error message, else the watch's account of an outcome not ok."""
    assert message == outcome_message(outcome(kind, status, error_message))


def row(state: RowState, **fields: Any) -> JournalRow:
    values: dict[str, Any] = {
        "name": "a",
        "line": 2,
        "request": "{}",
        "state": state,
        "resource_id": None,
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
    ("journal_row", "status"),
    [
        (row(RowState.PENDING), "not_created"),
        (row(RowState.PENDING, attempts=2, error_message="503"), "not_created"),
        (row(RowState.CREATING, attempts=1, sent_at=5.0), "unconfirmed"),
        (row(RowState.CREATED, status="started"), "started"),
        (row(RowState.CREATED, status="training"), "training"),
        (row(RowState.FAILED, error_message="x"), "create_failed"),
        (row(RowState.FINISHED, status="completed", outcome="reached"), "completed"),
        (row(RowState.FINISHED, status="error", outcome="failed"), "error"),
        (row(RowState.FINISHED, status="completed", outcome="missed"), "completed"),
        (row(RowState.FINISHED, status="started", outcome="timed_out"), "timed_out"),
        (row(RowState.FINISHED, status="gone", outcome="gone"), "gone"),
    ],
)
def test_row_status_is_the_results_status(journal_row: JournalRow, status: str) -> None:
    """One word per row, the same in the results file and the summary."""
    assert (status, status) == (
        row_status(journal_row),
        result_row(journal_row).status,
    )


def test_a_result_row_has_everything_the_journal_row_has() -> None:
    """Links, attempts and times go from the journal to the results."""
    journaled = row(
        RowState.FINISHED,
        resource_id="v1",
        status="ready",
        outcome="reached",
        attempts=2,
        sent_at=10.0,
        created_at=11.0,
        finished_at=20.0,
        hosted_url="https://h/v1",
        download_url="https://d/v1.mp4",
        stream_url="https://s/v1.m3u8",
    )

    assert ResultRow(
        line=2,
        name="a",
        resource_id="v1",
        status="ready",
        outcome="reached",
        attempts=2,
        sent_at=10.0,
        created_at=11.0,
        finished_at=20.0,
        hosted_url="https://h/v1",
        download_url="https://d/v1.mp4",
        stream_url="https://s/v1.m3u8",
    ) == result_row(journaled)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (OutcomeKind.REACHED, "completed"),
        (OutcomeKind.FAILED, "error"),
        (OutcomeKind.MISSED, "completed"),
        (OutcomeKind.TIMED_OUT, "started"),
        (OutcomeKind.GONE, None),
    ],
)
def test_a_settled_row_keeps_its_status_in_the_journal(
    kind: OutcomeKind, status: str | None
) -> None:
    """What the job shows when a replica settles is what the journal row gives
    once the job journals it (as ``Job`` does: Tavus's status, else the label)."""
    settled = outcome(kind, status)
    label = outcome_label(settled)
    journaled = row(
        RowState.FINISHED, status=status or label, outcome=settled.kind.value
    )

    assert label == row_status(journaled)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], False),
        ([row(RowState.PENDING)], False),
        ([row(RowState.PENDING), row(RowState.PENDING, attempts=1)], True),
        ([row(RowState.CREATING, attempts=1)], True),
        ([row(RowState.CREATED, status="started")], True),
        ([row(RowState.FAILED)], True),
        ([row(RowState.FINISHED, outcome="reached")], True),
    ],
)
def test_resumed(rows: list[JournalRow], expected: bool) -> None:
    """A run resumes when an earlier one sent a create or settled a row."""
    assert expected is resumed(rows)


@pytest.mark.parametrize(
    ("count", "wait", "note"),
    [
        (
            8,
            45.2,
            "8 unconfirmed (create sent, answer lost): looking them up by name "
            "in 45s (--reconcile-after)",
        ),
        (
            1,
            125.0,
            "1 unconfirmed (create sent, answer lost): looking it up by name "
            "in 2m05s (--reconcile-after)",
        ),
        (
            2,
            0.49,
            "2 unconfirmed (create sent, answer lost): looking them up by name now",
        ),
        (
            2,
            -30.0,
            "2 unconfirmed (create sent, answer lost): looking them up by name now",
        ),
    ],
)
def test_lookup_note(count: int, wait: float, note: str) -> None:
    """What the job says while rows wait to be looked up by name."""
    assert note == lookup_note(count, wait)


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
