"""``tavus-async generate`` stopped mid-job, then run again: one video per row.

The SIGKILL test runs the job in a subprocess (``python -m tavus_async``)
against a FakeTavus in this process, so the fake outlives every kill and its
log counts creates; the cancellation test runs it in this process.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import pytest

from tavus_async import TavusClient
from tavus_async.cli import build_parser, main
from tavus_async.cli._generate import run_generate
from tavus_async.cli._results import read_results
from tavus_async.testing import FakeTavus, Fault
from tests.cli.test_generate import video_names, video_rows, write_manifest
from tests.cli.test_train_resume import creates_landed


ROWS = 60


@pytest.fixture
def replica_id(fake: FakeTavus) -> str:
    """A trained replica of the account; videos take 0.2 to 0.7 seconds."""
    fake.videos.queue_time = 0.1
    fake.videos.generation_time, fake.videos.generation_spread = 0.1, 0.5
    return fake.add_replica(replica_type="user", status="completed")


def generate_argv(fake: FakeTavus, manifest: Path, *extra: str) -> list[str]:
    return [
        *("generate", str(manifest), "--base-url", fake.url),
        *("--api-key", fake.api_key, "--poll-interval", "0.2", "--progress", "log"),
        *("--concurrency", "8", "--reconcile-after", "0", *extra),
    ]


def assert_one_video_per_row(fake: FakeTavus, names: Counter[str], rows: int) -> None:
    assert Counter({f"video-{n:04d}": 1 for n in range(1, rows + 1)}) == names
    assert rows == fake.count("POST", "/v2/videos")


async def test_cancelled_mid_create_three_times_then_one_video_per_row(
    fake: FakeTavus,
    client: TavusClient,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C (a cancellation) with creates in flight, three times: each
    resumed run looks the unconfirmed rows up by video_name first, so the
    fourth run ends with exactly one video per row."""
    fake.inject_rate(Fault.slow(0.2), 1.0, method="POST", path="/v2/videos")
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(ROWS, replica_id))
    args = build_parser().parse_args(generate_argv(fake, manifest))
    for stop_at in (8, 24, 40):
        job = asyncio.create_task(run_generate(args))
        while fake.count("POST", "/v2/videos") < stop_at:  # noqa: ASYNC110 - the fake's log has no event
            await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        await creates_landed(fake)
        partial = read_results(tmp_path / "videos.results.csv")
        assert "unconfirmed" in {row["status"] for row in partial}
    capsys.readouterr()

    code = await run_generate(args)

    err = capsys.readouterr().err
    assert 0 == code
    assert_one_video_per_row(fake, await video_names(client), ROWS)
    assert "unconfirmed (create sent, answer lost): looking them up by name" in err
    results = read_results(tmp_path / "videos.results.csv")
    assert ["ready"] * ROWS == [row["status"] for row in results]
    for row in results:
        video = await client.videos.get(str(row["video_id"]))
        assert (row["video_name"], row["download_url"]) == (
            video.video_name,
            video.download_url,
        )


async def start_job(fake: FakeTavus, manifest: Path) -> asyncio.subprocess.Process:
    """Start the generate command in a child process, output discarded."""
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tavus_async", *generate_argv(fake, manifest)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_kill_9_mid_job_then_resume_generates_each_row_once(
    fake: FakeTavus, client: TavusClient, replica_id: str, tmp_path: Path
) -> None:
    """Three SIGKILLs with creates in flight, some answers dropped after the
    fake acted; the fourth run finishes with one create per row and true
    results."""
    fake.videos.fail_matching("mumbles")
    fake.inject_rate(Fault.slow(0.1), 0.5, method="POST", path="/v2/videos")
    fake.inject_rate(Fault.drop(after=True), 0.05, method="POST", path="/v2/videos")
    rows = video_rows(ROWS, replica_id, failing=[13, 40])
    manifest = write_manifest(tmp_path / "videos.csv", rows)

    for kill_at in (9, 27, 45):
        job = await start_job(fake, manifest)
        while fake.count("POST", "/v2/videos") < kill_at:  # noqa: ASYNC110 - a poll of the log
            await asyncio.sleep(0.01)
        job.kill()
        await job.wait()
        await creates_landed(fake)
    job = await start_job(fake, manifest)
    _, err = await asyncio.wait_for(job.communicate(), timeout=90)

    assert 1 == job.returncode, err.decode()[-2000:]  # two rows fail on purpose
    assert_one_video_per_row(fake, await video_names(client), ROWS)
    results = read_results(tmp_path / "videos.results.csv")
    assert [f"video-{n:04d}" for n in range(1, ROWS + 1)] == [
        row["video_name"] for row in results
    ]
    for row in results:
        video = await client.videos.get(str(row["video_id"]))
        assert (str(video.video_name), str(video.status)) == (
            row["video_name"],
            row["status"],
        )


@pytest.mark.parametrize(
    ("first", "second"), [("train", "generate"), ("generate", "train")]
)
async def test_a_journal_is_refused_by_the_other_command(
    fake: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    first: str,
    second: str,
) -> None:
    """A journal records the command that made it; the other one refuses it
    (exit 2, naming both), sends nothing and leaves the journal as it was."""
    fake.training_time = 0.2
    journal = tmp_path / "job.journal"
    manifests = {
        "train": tmp_path / "replicas.csv",
        "generate": write_manifest(tmp_path / "videos.csv", video_rows(2, replica_id)),
    }
    manifests["train"].write_text(
        "replica_name,train_video_url\nana,https://example.com/ana.mp4\n"
    )
    common = [
        *("--journal", str(journal), "--base-url", fake.url),
        *("--api-key", fake.api_key, "--poll-interval", "0.1", "--progress", "log"),
    ]
    assert 0 == await asyncio.to_thread(main, [first, str(manifests[first]), *common])
    before = journal.read_bytes()
    sent = fake.count("POST")
    capsys.readouterr()

    code = await asyncio.to_thread(main, [second, str(manifests[second]), *common])

    nouns = {"train": "replicas", "generate": "videos"}
    assert 2 == code
    assert (
        f"was made by tavus-async {first} ({nouns[first]}); tavus-async {second} "
        f"({nouns[second]}) cannot resume it; give this job another --journal"
    ) in capsys.readouterr().err
    assert sent == fake.count("POST")
    assert before == journal.read_bytes()
