"""The results file of a batch job: one row per manifest row, as CSV or JSON Lines.

The file is written atomically (a ``.tmp`` sibling, fsynced, then renamed over
the target), so a reader never sees half a file. Times are ISO-8601 UTC with a
``Z``; missing values are empty CSV cells or JSON ``null``. Its columns
depend on the job (:data:`RESULT_COLUMNS`)::

    train     line, replica_name, replica_id, status, outcome, error_message,
              created_at, finished_at, seconds_to_finish
    generate  line, video_name, video_id, status, hosted_url, download_url,
              stream_url, error_message, attempts, sent_at, created_at,
              finished_at, seconds_to_finish

``sent_at`` is when the row's last create was sent, ``created_at`` when its
answer was recorded (or the replica or video was found by name), and
``finished_at`` when the row became final; ``seconds_to_finish`` is the time
from ``created_at`` to ``finished_at``. ``attempts`` counts the creates sent.

A row's ``status`` is its state, in the words the live display, the log lines
and the closing summary use too. A replica or video Tavus reports on has
Tavus's status; the other words are ours (:class:`RowStatus`)::

    status          final  meaning
    not_created     no     No create was sent, or the one sent surely did not
                           reach Tavus. The next run creates it.
    creating        no     A create is in flight (only while a job runs: a
                           job stopped then leaves the row unconfirmed).
    unconfirmed     no     A create was sent and its answer was lost: Tavus
                           may have made the replica or video. A run looks
                           it up by name, --reconcile-after seconds after the
                           create was sent, before it creates it again.
    started, ...    no     Tavus's status of a replica still training
                           (started, training, ...).
    queued, ...     no     Tavus's status of a video still being made
                           (queued, generating).
    completed       yes    Tavus's status: trained (ready in a callback).
    ready           yes    Tavus's status: the video is made; its URLs are
                           set.
    error           yes    Tavus's status: training or generation failed;
                           error_message says why.
    timed_out       yes    The watch gave up (--replica-timeout,
                           --video-timeout) before the end; error_message has
                           the last status.
    gone            yes    Tavus no longer knows the id (deleted).
    create_failed   yes    Tavus refused the create (a 4xx other than 408 and
                           429); error_message says why.
    invalid         yes    The manifest row is invalid and was skipped
                           (--skip-invalid); nothing was sent for it.

``outcome`` (``train``) says how the watch of a final replica ended
(``reached``, ``failed``, ``missed``, ``timed_out``, ``gone``); it is empty
for other rows.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from attrs import frozen

from tavus_async.cli._kinds import JobKind


__all__ = [
    "RESULT_COLUMNS",
    "ResultRow",
    "RowStatus",
    "check_results_path",
    "read_results",
    "write_results",
]

RESULT_COLUMNS: Mapping[JobKind, tuple[str, ...]] = {
    JobKind.REPLICA: (
        "line",
        "replica_name",
        "replica_id",
        "status",
        "outcome",
        "error_message",
        "created_at",
        "finished_at",
        "seconds_to_finish",
    ),
    JobKind.VIDEO: (
        "line",
        "video_name",
        "video_id",
        "status",
        "hosted_url",
        "download_url",
        "stream_url",
        "error_message",
        "attempts",
        "sent_at",
        "created_at",
        "finished_at",
        "seconds_to_finish",
    ),
}
"""The columns of each kind of job's results file, in order."""
_TIMES = frozenset({"sent_at", "created_at", "finished_at"})
_ATTRIBUTES = {
    **{kind.key: "name" for kind in JobKind},
    **{kind.id_field: "resource_id" for kind in JobKind},
}
"""The :class:`ResultRow` attribute of each column named after the job's kind."""

_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class RowStatus(enum.StrEnum):
    """The statuses of ours a row may have; see the table in this module."""

    NOT_CREATED = "not_created"
    CREATING = "creating"
    UNCONFIRMED = "unconfirmed"
    CREATE_FAILED = "create_failed"
    INVALID = "invalid"
    TIMED_OUT = "timed_out"
    GONE = "gone"


@frozen(kw_only=True)
class ResultRow:
    """What became of one manifest row.

    Attributes:
        line: The manifest line, if known.
        name: The row's name (``replica_name``, ``video_name``), if it has one.
        resource_id: Tavus's id, if the replica or video was created.
        status: The row's state: Tavus's status (``completed``, ``ready``,
            ``error``, ...) or one of :class:`RowStatus` (see the table in
            this module).
        outcome: How its watch ended (``reached``, ``failed``, ``timed_out``,
            ``gone``, ``missed``), if it ended.
        error_message: Why it failed, if it did.
        attempts: How many creates were sent.
        sent_at: Wall clock (epoch seconds) when its last create was sent.
        created_at: Wall clock when its create was answered.
        finished_at: Wall clock when it became final.
        hosted_url: A video's page, if known.
        download_url: A video's file, once ready.
        stream_url: A video's stream, once ready.
    """

    line: int | None
    name: str | None
    resource_id: str | None
    status: str
    outcome: str | None = None
    error_message: str | None = None
    attempts: int = 0
    sent_at: float | None = None
    created_at: float | None = None
    finished_at: float | None = None
    hosted_url: str | None = None
    download_url: str | None = None
    stream_url: str | None = None

    @property
    def seconds_to_finish(self) -> float | None:
        """Seconds from the create's answer to the end, to 0.1 s; None if either
        is unknown."""
        if self.created_at is None or self.finished_at is None:
            return None
        return round(self.finished_at - self.created_at, 1)


def check_results_path(path: str | Path) -> Path:
    """Check that results can be written to ``path``, before any work is done.

    Args:
        path: The results file; ``.csv``, ``.jsonl`` or ``.ndjson``.

    Returns:
        ``path`` as a Path.

    Raises:
        ValueError: Another extension, or a directory that does not exist;
            the message names the fix.
    """
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise ValueError(
            f"{path}: a results file must end in .csv, .jsonl or .ndjson "
            "(CSV or JSON Lines)"
        )
    if not path.parent.is_dir():
        raise ValueError(
            f"{path}: the directory {path.parent} does not exist; create it first"
        )
    return path


def write_results(path: str | Path, rows: Iterable[ResultRow], kind: JobKind) -> Path:
    """Write the results file atomically: CSV with a header, or JSON Lines.

    Args:
        path: The results file; its extension picks the format.
        rows: The rows, in the order to write them (none still writes a CSV
            header, or an empty JSON Lines file).
        kind: The job's kind, which picks the columns (:data:`RESULT_COLUMNS`).

    Returns:
        The path written.

    Raises:
        ValueError: As :func:`check_results_path`.
        OSError: The file could not be written; any previous file is intact.
    """
    path = check_results_path(path)
    columns = RESULT_COLUMNS[kind]
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as stream:
            if _FORMATS[path.suffix.lower()] == "csv":
                writer = csv.writer(stream)
                writer.writerow(columns)
                for row in rows:
                    writer.writerow(
                        "" if v is None else v for v in _values(row, columns)
                    )
            else:
                for row in rows:
                    record = dict(zip(columns, _values(row, columns), strict=True))
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def read_results(path: str | Path) -> list[dict[str, str | None]]:
    """Read a results file back: one dict per row, every value a string or None.

    Args:
        path: A file written by :func:`write_results` (an empty CSV cell reads
            as None).

    Returns:
        The rows, keyed by column name.

    Raises:
        ValueError: An unknown extension, or a JSON Lines line that is not an
            object.
        OSError: The file cannot be read.
    """
    path = Path(path)
    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: not a .csv, .jsonl or .ndjson results file")
    with path.open(encoding="utf-8", newline="") as stream:
        if kind == "csv":
            return [
                {key: value or None for key, value in record.items()}
                for record in csv.DictReader(stream)
            ]
        rows = []
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            record = json.loads(text)
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: not a JSON object")  # noqa: TRY004
            rows.append({k: None if v is None else str(v) for k, v in record.items()})
        return rows


def _values(row: ResultRow, columns: Iterable[str]) -> list[int | float | str | None]:
    values = []
    for column in columns:
        value = getattr(row, _ATTRIBUTES.get(column, column))
        values.append(_iso(value) if column in _TIMES else value)
    return values


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems refuse it
            os.fsync(fd)
    finally:
        os.close(fd)
