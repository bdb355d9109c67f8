"""The results file: CSV and JSON Lines round trips, atomic writes, paths,
and the columns of each kind of job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tavus_async.cli import _results
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._results import (
    RESULT_COLUMNS,
    ResultRow,
    RowStatus,
    check_results_path,
    read_results,
    write_results,
)


REPLICA = JobKind.REPLICA
MAY_1 = 1714564800.0  # 2024-05-01T12:00:00Z
DONE = ResultRow(
    line=2,
    name="ana",
    resource_id="r79e1c033f",
    status="completed",
    outcome="reached",
    error_message=None,
    created_at=MAY_1,
    finished_at=MAY_1 + 330.27,
)
REFUSED = ResultRow(
    line=5,
    name="Zoë 🎬 名前",
    resource_id=None,
    status="create_failed",
    outcome=None,
    error_message='train_video_url: "bad", unreachable,\nsee https://x',
    created_at=None,
    finished_at=MAY_1 + 0.5,
)
INVALID = ResultRow(
    line=None,
    name=None,
    resource_id=None,
    status="invalid",
    outcome=None,
    error_message="replica_name: required",
    created_at=None,
    finished_at=None,
)
READ_BACK = [
    {
        "line": "2",
        "replica_name": "ana",
        "replica_id": "r79e1c033f",
        "status": "completed",
        "outcome": "reached",
        "error_message": None,
        "created_at": "2024-05-01T12:00:00.000Z",
        "finished_at": "2024-05-01T12:05:30.270Z",
        "seconds_to_finish": "330.3",
    },
    {
        "line": "5",
        "replica_name": "Zoë 🎬 名前",
        "replica_id": None,
        "status": "create_failed",
        "outcome": None,
        "error_message": 'train_video_url: "bad", unreachable,\nsee https://x',
        "created_at": None,
        "finished_at": "2024-05-01T12:00:00.500Z",
        "seconds_to_finish": None,
    },
    {
        "line": None,
        "replica_name": None,
        "replica_id": None,
        "status": "invalid",
        "outcome": None,
        "error_message": "replica_name: required",
        "created_at": None,
        "finished_at": None,
        "seconds_to_finish": None,
    },
]


@pytest.mark.parametrize("name", ["r.csv", "r.jsonl", "r.ndjson", "R.CSV"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    path = write_results(tmp_path / name, [DONE, REFUSED, INVALID], REPLICA)
    assert tmp_path / name == path
    assert READ_BACK == read_results(path)
    assert [name] == [p.name for p in tmp_path.iterdir()]  # no .tmp left


def test_csv_layout(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", [DONE, INVALID], REPLICA)
    assert (
        ",".join(RESULT_COLUMNS[REPLICA]) + "\r\n"
        "2,ana,r79e1c033f,completed,reached,,2024-05-01T12:00:00.000Z,"
        "2024-05-01T12:05:30.270Z,330.3\r\n"
        ",,,invalid,,replica_name: required,,,\r\n"
    ) == path.read_bytes().decode("utf-8")


def test_the_train_columns_are_as_before_videos() -> None:
    """``train``'s results keep the columns they had before ``generate``."""
    assert (
        "line,replica_name,replica_id,status,outcome,error_message,created_at,"
        "finished_at,seconds_to_finish"
    ) == ",".join(RESULT_COLUMNS[REPLICA])


READY = ResultRow(
    line=3,
    name="hello-ana",
    resource_id="8a4f0e2b1c",
    status="ready",
    outcome="reached",
    attempts=2,
    sent_at=MAY_1 - 1.5,
    created_at=MAY_1,
    finished_at=MAY_1 + 42.0,
    hosted_url="https://videos.tavus.io/video/8a4f0e2b1c",
    download_url="https://cdn.example.com/8a4f0e2b1c.mp4",
    stream_url="https://stream.example.com/8a4f0e2b1c.m3u8",
)


def test_video_csv_layout(tmp_path: Path) -> None:
    """``generate``'s results: the video's URLs, attempts and every time."""
    path = write_results(tmp_path / "v.csv", [READY, INVALID], JobKind.VIDEO)

    assert (
        "line,video_name,video_id,status,hosted_url,download_url,stream_url,"
        "error_message,attempts,sent_at,created_at,finished_at,seconds_to_finish\r\n"
        "3,hello-ana,8a4f0e2b1c,ready,https://videos.tavus.io/video/8a4f0e2b1c,"
        "https://cdn.example.com/8a4f0e2b1c.mp4,"
        "https://stream.example.com/8a4f0e2b1c.m3u8,,2,2024-05-01T11:59:58.500Z,"
        "2024-05-01T12:00:00.000Z,2024-05-01T12:00:42.000Z,42.0\r\n"
        ",,,invalid,,,,replica_name: required,0,,,,\r\n"
    ) == path.read_bytes().decode("utf-8")


def test_video_jsonl_round_trip(tmp_path: Path) -> None:
    path = write_results(tmp_path / "v.jsonl", [READY], JobKind.VIDEO)

    (row,) = read_results(path)
    assert list(RESULT_COLUMNS[JobKind.VIDEO]) == list(row)
    assert ("hello-ana", "8a4f0e2b1c", "2", "42.0") == (
        row["video_name"],
        row["video_id"],
        row["attempts"],
        row["seconds_to_finish"],
    )


def test_jsonl_layout(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.jsonl", [DONE, REFUSED], REPLICA)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 2 == len(lines)
    first, second = map(json.loads, lines)
    assert list(RESULT_COLUMNS[REPLICA]) == list(first)
    assert (2, 330.3, None) == (
        first["line"],
        first["seconds_to_finish"],
        first["error_message"],
    )
    assert "Zoë 🎬 名前" in lines[1]  # UTF-8, not \\u escapes
    assert (None, None) == (second["replica_id"], second["created_at"])


@pytest.mark.parametrize(
    ("name", "content"),
    [("r.csv", ",".join(RESULT_COLUMNS[REPLICA]) + "\r\n"), ("r.jsonl", "")],
    ids=["csv", "jsonl"],
)
def test_no_rows(tmp_path: Path, name: str, content: str) -> None:
    path = write_results(tmp_path / name, iter([]), REPLICA)
    assert content == path.read_bytes().decode("utf-8")
    assert [] == read_results(path)


def test_replaces_the_previous_file(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.csv", [DONE, REFUSED], REPLICA)
    write_results(path, [INVALID], REPLICA)
    assert READ_BACK[2:] == read_results(path)
    assert ["r.csv"] == [p.name for p in tmp_path.iterdir()]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    path = write_results(tmp_path / "r.jsonl", [DONE], REPLICA)
    before = path.read_bytes()

    def rows() -> Iterator[ResultRow]:
        yield REFUSED
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError, match="the job broke"):
        write_results(path, rows(), REPLICA)
    assert before == path.read_bytes()
    assert ["r.jsonl"] == [p.name for p in tmp_path.iterdir()]


@pytest.mark.parametrize("name", ["r.txt", "r.json", "results", "r.csv.gz", "r.tsv"])
def test_unknown_extensions(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"must end in \.csv, \.jsonl or \.ndjson"):
        check_results_path(tmp_path / name)
    with pytest.raises(ValueError, match="must end in"):
        write_results(tmp_path / name, [DONE], REPLICA)
    assert [] == list(tmp_path.iterdir())


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "out"
    with pytest.raises(ValueError, match=r"directory .*out does not exist; create"):
        check_results_path(missing / "r.csv")
    with pytest.raises(ValueError, match="does not exist"):
        write_results(missing / "r.csv", [DONE], REPLICA)
    assert not missing.exists()


def test_check_returns_a_path(tmp_path: Path) -> None:
    assert tmp_path / "r.ndjson" == check_results_path(str(tmp_path / "r.ndjson"))


def test_read_refuses_other_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"not a \.csv, \.jsonl or \.ndjson"):
        read_results(tmp_path / "r.txt")
    path = tmp_path / "r.jsonl"
    path.write_text('{"line": 1}\n\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: not a JSON object"):
        read_results(path)


@pytest.mark.parametrize(
    ("created_at", "finished_at", "seconds"),
    [
        (None, None, None),
        (None, MAY_1, None),
        (MAY_1, None, None),
        (MAY_1, MAY_1, 0.0),
        (MAY_1, MAY_1 + 0.04, 0.0),
        (MAY_1, MAY_1 + 0.06, 0.1),
        (MAY_1, MAY_1 + 12.34, 12.3),
        (MAY_1, MAY_1 + 3600.96, 3601.0),
    ],
)
def test_seconds_to_finish(
    created_at: float | None, finished_at: float | None, seconds: float | None
) -> None:
    row = ResultRow(
        line=1,
        name="x",
        resource_id="r1",
        status="completed",
        outcome="reached",
        error_message=None,
        created_at=created_at,
        finished_at=finished_at,
    )
    assert seconds == row.seconds_to_finish


def test_the_module_documents_each_status_of_ours_once() -> None:
    """The status table of the module's docstring has one line per word of
    RowStatus, and no word that is not one."""
    doc = str(_results.__doc__)
    table = doc[doc.index("    status          final  meaning\n") :].split("\n\n")[0]
    words = [
        line.split()[0]
        for line in table.splitlines()[1:]
        if line[4] != " " and line.split()[0].isidentifier()
    ]
    ours = [word for word in words if word not in {"completed", "ready", "error"}]

    assert sorted(RowStatus) == sorted(ours)
