"""``tavus-async watch``, ``tavus-async demo``, Ctrl-C, and the job's rarer paths."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from tavus_async import ReplicaWatcher, TavusClient
from tavus_async.cli import main
from tavus_async.cli._creators import ReplicaCreator
from tavus_async.cli._decisions import request_json
from tavus_async.cli._job import Job
from tavus_async.cli._journal import Journal, JournalEntry, JournalError, RowState
from tavus_async.cli._manifest import read_manifest
from tavus_async.cli._progress import open_display
from tavus_async.cli._results import read_results
from tavus_async.cli._row_schemas import REPLICA_ROWS
from tavus_async.testing import FakeTavus, Fault, TimelineStep


async def cli(*argv: str) -> int:
    """Run ``tavus-async`` in a worker thread (it runs its own event loop)."""
    return await asyncio.to_thread(main, list(argv))


def manifest_of(path: Path, count: int, *, prefix: str = "row") -> Path:
    """A CSV manifest of ``count`` video rows named ``prefix-0001``..."""
    lines = ["replica_name,train_video_url"]
    lines += [
        f"{prefix}-{n:04d},https://example.com/clip-{n}.mp4"
        for n in range(1, count + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def listing(folder: Path, pattern: str = "*") -> list[Path]:
    """What ``folder`` holds that matches ``pattern``, sorted."""
    return sorted(folder.glob(pattern))


def connection(fake: FakeTavus) -> list[str]:
    return ["--base-url", fake.url, "--api-key", fake.api_key, "--progress", "log"]


async def train_now(fake: FakeTavus, manifest: Path) -> int:
    """Train with a quick poll, looking lost creates up at once."""
    return await cli(
        "train",
        str(manifest),
        "--poll-interval",
        "0.1",
        "--reconcile-after",
        "0",
        *connection(fake),
    )


async def test_watch_prints_one_outcome_per_replica(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str]
) -> None:
    """watch: outcomes as JSON lines on stdout; exit 1 when one failed."""
    good = fake.add_replica(
        replica_type="user",
        status="started",
        timeline=[TimelineStep(after=0.3, status="completed")],
    )
    bad = fake.add_replica(
        replica_type="user",
        status="started",
        timeline=[TimelineStep(after=0.2, status="error", error_message="too short")],
    )

    code = await cli("watch", good, bad, "--poll-interval", "0.1", *connection(fake))

    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert 1 == code
    assert {
        good: ("reached", "completed", None),
        bad: ("failed", "error", "too short"),
    } == {o["replica_id"]: (o["outcome"], o["status"], o["error_message"]) for o in out}


async def test_watch_until_started_exits_0(fake: FakeTavus) -> None:
    """--until started: a replica still training has reached the target."""
    replica_id = fake.add_replica(replica_type="user", status="started")

    code = await cli("watch", replica_id, "--until", "started", *connection(fake))

    assert 0 == code


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["watch", "r1", "--until", "finished"], "--until: "),
        (["watch", "r1", "--poll-interval", "0"], "--poll-interval: "),
        (["watch", "r1", "--replica-timeout", "-1"], "--replica-timeout: "),
        (["watch", " "], "ID: "),
    ],
)
async def test_watch_bad_input_exits_2_before_any_request(
    fake: FakeTavus, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code = await cli(*argv, *connection(fake))

    assert 2 == code
    assert expected in capsys.readouterr().err
    assert 0 == fake.count()


def counts(results: list[dict[str, str | None]]) -> dict[str, int]:
    return dict(Counter(str(row["status"]) for row in results))


async def test_demo_runs_the_whole_flow_as_designed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """demo: its own fake, replicas trained, then one video generated per
    trained replica, some rows of each failing on purpose; exit 0, files
    kept, each video's result printed."""
    code = await cli("demo", "--replicas", "40", "--dir", str(tmp_path), "--seed", "5")

    out, err = capsys.readouterr()
    replicas = read_results(tmp_path / "replicas.results.csv")
    videos = read_results(tmp_path / "videos.results.csv")
    trained = {r["replica_id"] for r in replicas if r["status"] == "completed"}
    assert 0 == code
    assert {"completed": 38, "error": 2} == counts(replicas)
    assert {"ready": 35, "error": 3} == counts(videos)
    assert trained == {r["replica_id"] for r in read_video_manifest(tmp_path)}
    assert [
        (row["video_name"], row["status"], row["download_url"] or row["error_message"])
        for row in videos
    ] == [tuple(line.split(maxsplit=2)) for line in out.splitlines()]
    assert (
        "demo: as designed, 38 replicas completed and 2 failed; 35 videos are "
        "ready and 3 failed\n"
    ) in err
    assert "tavus-async generate videos.csv: 38 rows: 35 ready, 3 error" in err


def read_video_manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "videos.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def test_demo_refuses_zero_replicas(capsys: pytest.CaptureFixture[str]) -> None:
    assert 2 == await cli("demo", "--replicas", "0")
    assert "--replicas" in capsys.readouterr().err


async def test_demo_removes_its_temporary_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """demo without --dir or --keep: nothing is left in the temp directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    code = await cli("demo", "--replicas", "1", "--seed", "3", "--progress", "log")

    err = capsys.readouterr().err
    assert 0 == code
    assert [] == listing(tmp_path)
    assert "demo: no replica completed, so no video to generate\n" in err
    assert f"demo: removed {tmp_path / 'tavus-demo-'}" in err
    assert "--keep or --dir DIR keeps the files" in err


@pytest.mark.parametrize("keep", [False, True])
async def test_ctrl_c_during_the_demo_removes_or_keeps_its_folder(
    tmp_path: Path, keep: bool
) -> None:
    """SIGINT: exit 130; the temporary folder is removed, or kept and named."""
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-c", INTERRUPTIBLE, "demo", "--replicas", "100", "--progress", "log"),
        *(["--keep"] if keep else []),
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert demo.stderr is not None
    before = b""
    async with asyncio.timeout(60):  # the job has begun: a Ctrl-C now writes results
        while b"starting: " not in before:
            line = await demo.stderr.readline()
            assert line, before.decode()
            before += line
    (folder,) = listing(tmp_path)
    demo.send_signal(signal.SIGINT)
    _, after = await asyncio.wait_for(demo.communicate(), timeout=60)
    err = (before + after).decode()

    assert 130 == demo.returncode, err
    if keep:
        assert [folder] == listing(tmp_path)
        assert 100 == len(read_results(folder / "replicas.results.csv"))
        assert f"demo: manifests, journals and results are in {folder}\n" in err
    else:
        assert [] == listing(tmp_path)
        assert f"demo: removed {folder} " in err


INTERRUPTIBLE = (
    "import runpy, signal; "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('tavus_async', run_name='__main__', alter_sys=True)"
)
"""``python -m tavus_async`` with Ctrl-C armed, however pytest was started.

A shell script that runs pytest in the background (``pytest &``) hands it
SIGINT ignored, children included, and Python leaves an ignored SIGINT
ignored: the job would then run to its end (exit 0) instead of stopping.
"""


async def test_ctrl_c_writes_the_journal_and_results_then_resumes(
    fake: FakeTavus, tmp_path: Path
) -> None:
    """SIGINT: exit 130 with a resume hint; the next run finishes the job."""
    fake.training_time = 1.0
    fake.inject_rate(Fault.slow(0.05), 1.0, method="POST", path="/v2/replicas")
    manifest = manifest_of(tmp_path / "batch.csv", 100)
    argv = ["-c", INTERRUPTIBLE, "train", str(manifest), "--poll-interval", "0.2"]
    job = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        *connection(fake),
        "--concurrency",
        "2",
        stderr=asyncio.subprocess.PIPE,
    )
    while fake.count("POST", "/v2/replicas") < 10:  # noqa: ASYNC110 - a poll of the log
        await asyncio.sleep(0.05)
    job.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(job.communicate(), timeout=30)

    assert 130 == job.returncode, err.decode()
    assert "run the same command again to resume" in err.decode()
    partial = read_results(tmp_path / "batch.results.csv")
    assert 100 == len(partial)
    assert "not_created" in {row["status"] for row in partial}

    fake.clear_faults()
    code = await train_now(fake, manifest)

    assert 0 == code
    assert 100 == fake.count("POST", "/v2/replicas")


async def test_a_lost_create_not_found_is_sent_again(
    fake: FakeTavus, tmp_path: Path
) -> None:
    """A create dropped before Tavus acted is looked up, not found, and resent."""
    fake.training_time = 0.2
    fake.inject(Fault.drop(), times=1, method="POST", path="/v2/replicas")
    manifest = manifest_of(tmp_path / "batch.csv", 1)

    code = await train_now(fake, manifest)

    assert 0 == code
    assert 2 == fake.count("POST", "/v2/replicas")
    lookups = [r for r in fake.requests if r.query.get("replica_type") == "user"]
    assert 1 == len(lookups)


async def test_several_replicas_of_one_name_keep_the_closest(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lookup that finds two candidates adopts one and names the other."""
    fake.training_time = 0.2
    twin = fake.add_replica(replica_name="row-0001", replica_type="user")
    fake.inject(Fault.drop(after=True), times=1, method="POST", path="/v2/replicas")
    manifest = manifest_of(tmp_path / "batch.csv", 1)

    code = await train_now(fake, manifest)

    assert 0 == code
    assert 1 == fake.count("POST", "/v2/replicas")
    assert f"not {twin}" in capsys.readouterr().err


async def job_for(
    client: TavusClient, tmp_path: Path, count: int, **options: object
) -> tuple[Job, ReplicaWatcher, Journal]:
    """A Job over a fresh journal of ``count`` rows, as ``train`` builds it."""
    manifest = read_manifest(manifest_of(tmp_path / "batch.csv", count), REPLICA_ROWS)
    entries = [
        JournalEntry(r.line, r.name, request_json(r.request)) for r in manifest.rows
    ]
    journal = await Journal.open(tmp_path / "batch.journal", entries)
    watcher = ReplicaWatcher(client, poll_interval=0.1)
    job = Job(
        creator=ReplicaCreator(client),
        watcher=watcher,
        journal=journal,
        display=open_display(sys.stderr, title="t", live=False),
        requests={r.name: r.request for r in manifest.rows},
        concurrency=2,
        reconcile_after=0.0,
        **options,  # type: ignore[arg-type]
    )
    return job, watcher, journal


async def test_passing_failures_give_up_after_the_last_delay(
    fake: FakeTavus, client: TavusClient, tmp_path: Path
) -> None:
    """503s on every create: tried 1 + len(delays) times, then left pending."""
    fake.inject_rate(Fault.http(503), 1.0, method="POST", path="/v2/replicas")
    job, watcher, journal = await job_for(
        client, tmp_path, 1, retry_delays=(0.01, 0.01)
    )

    code = await job.run(watcher.watch([], keep_open=True))

    assert 1 == code
    assert RowState.PENDING is journal.row("row-0001").state
    assert 3 * 3 == fake.count("POST", "/v2/replicas")  # 3 job tries x 3 attempts
    await journal.aclose()


async def test_a_failed_lookup_is_tried_again(
    fake: FakeTavus, client: TavusClient, tmp_path: Path
) -> None:
    """A lookup by name that fails (503s) waits, then looks again and adopts."""
    fake.training_time = 0.2
    fake.inject(Fault.drop(after=True), times=1, method="POST", path="/v2/replicas")
    fake.inject(Fault.http(503), times=3, method="GET", path="/v2/replicas")
    job, watcher, journal = await job_for(client, tmp_path, 1, retry_delays=(0.05,))

    code = await job.run(watcher.watch([], keep_open=True))

    assert 0 == code
    assert 1 == fake.count("POST", "/v2/replicas")
    assert RowState.FINISHED is journal.row("row-0001").state
    await journal.aclose()


def test_job_needs_a_retry_delay(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retry_delays"):
        Job(
            creator=ReplicaCreator(None),  # type: ignore[arg-type]
            watcher=None,  # type: ignore[arg-type]
            journal=None,  # type: ignore[arg-type]
            display=open_display(sys.stderr, title="t", live=False),
            requests={},
            concurrency=1,
            reconcile_after=0.0,
            retry_delays=(),
        )


async def test_an_unconfirmed_row_gone_from_the_manifest_is_not_resent(
    fake: FakeTavus, client: TavusClient, tmp_path: Path
) -> None:
    """A row left creating, then removed from the manifest, is looked up only."""
    _, _, journal = await job_for(client, tmp_path, 2)
    await journal.creating("row-0002")
    await journal.aclose()
    job, watcher, journal = await job_for(client, tmp_path, 1)
    fake.training_time = 0.1

    code = await job.run(watcher.watch([], keep_open=True))

    assert 1 == code  # row-0002 was never created
    assert 1 == fake.count("POST", "/v2/replicas")
    assert RowState.PENDING is journal.row("row-0002").state
    assert RowState.FINISHED is journal.row("row-0001").state
    await journal.aclose()


async def test_a_journal_write_failure_stops_the_job_with_a_resume_hint(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A journal that cannot record a create ends the run: exit 1, say why."""

    async def broken(*_: object, **__: object) -> None:
        raise JournalError("journal: write failed: disk I/O error")

    monkeypatch.setattr(Journal, "created", broken)
    manifest = manifest_of(tmp_path / "batch.csv", 1)

    code = await train_now(fake, manifest)

    err = capsys.readouterr().err
    assert 1 == code
    assert "disk I/O error" in err
    assert "run the same command again" in err
