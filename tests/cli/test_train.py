"""``tavus-async train`` end to end against FakeTavus on loopback."""

from __future__ import annotations

import asyncio
import csv
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from tavus_async import TavusClient
from tavus_async.cli import build_parser, main
from tavus_async.cli._results import read_results
from tavus_async.cli._train import run_train
from tavus_async.testing import FakeTavus, Fault


COLUMNS = ("replica_name", "train_video_url", "train_image_url", "voice_name")
HELD = 60.0  # seconds a held create waits: the fake's close ends it long before


def write_manifest(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Write ``rows`` as a CSV manifest with the usual columns."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def video_rows(count: int, *, failing: Sequence[int] = ()) -> list[dict[str, str]]:
    """``count`` video rows named row-0001...; the numbers in ``failing`` fail."""
    return [
        {
            "replica_name": f"row-{n:04d}",
            "train_video_url": (
                f"https://example.com/{'too-short' if n in failing else 'clip'}-{n}.mp4"
            ),
        }
        for n in range(1, count + 1)
    ]


async def train(
    fake: FakeTavus, manifest: Path, *extra: str, api_key: str | None = None
) -> int:
    """Run ``tavus-async train`` in a worker thread (it runs its own loop)."""
    argv = [
        "train",
        str(manifest),
        "--base-url",
        fake.url,
        "--api-key",
        api_key or fake.api_key,
        "--poll-interval",
        "0.2",
        "--progress",
        "log",
        *extra,
    ]
    return await asyncio.to_thread(main, argv)


async def user_replicas(client: TavusClient) -> Counter[str]:
    """How many replicas the fake holds of each name (user replicas only)."""
    return Counter(
        [
            str(replica.replica_name)
            async for replica in client.replicas.iter_all(replica_type="user")
        ]
    )


def results_of(manifest: Path) -> list[dict[str, str | None]]:
    """The default results file of ``manifest``."""
    return read_results(manifest.with_name(f"{manifest.stem}.results.csv"))


def summary_counts(err: str, manifest: Path) -> dict[str, int]:
    """The counts of the summary line ``train`` ends its output with."""
    title = re.escape(f"tavus-async train {manifest.name}: ")
    found = re.findall(rf"{title}\d+ \w+(?:: ([^·\n]*))?", err)
    assert 1 == len(found), err
    return {
        word: int(number)
        for number, word in (
            part.split(" ") for part in found[0].strip().split(", ") if part
        )
    }


def train_args(fake: FakeTavus, manifest: Path, *extra: str) -> list[str]:
    """The ``train`` arguments :func:`train` uses, for an in-process run."""
    return [
        *("train", str(manifest), "--base-url", fake.url, "--api-key", fake.api_key),
        *("--poll-interval", "0.2", "--progress", "log", *extra),
    ]


@pytest.fixture
def quick(fake: FakeTavus) -> FakeTavus:
    """The fake with training that takes 0.3 to 1.0 seconds."""
    fake.training_time, fake.training_spread = 0.3, 0.7
    fake.mark_failing("too-short")
    return fake


async def test_a_manifest_of_hundreds_completes_with_true_results(
    quick: FakeTavus, client: TavusClient, tmp_path: Path
) -> None:
    """300 rows: one create each; the results file agrees with the server."""
    failing = (7, 50, 299)
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(300, failing=failing))

    code = await train(quick, manifest, "--concurrency", "16")

    assert 1 == code  # three rows fail on purpose
    assert 300 == quick.count("POST", "/v2/replicas")
    assert Counter({f"row-{n:04d}": 1 for n in range(1, 301)}) == await user_replicas(
        client
    )
    results = results_of(manifest)
    assert [str(n) for n in range(2, 302)] == [row["line"] for row in results]
    for row in results:
        replica = quick.replica(str(row["replica_id"]))
        assert (replica["replica_name"], replica["status"]) == (
            row["replica_name"],
            row["status"],
        )
        assert row["created_at"] is not None
        assert row["seconds_to_finish"] is not None
    errors = {
        row["replica_name"]: row["error_message"]
        for row in results
        if row["status"] == "error"
    }
    assert {f"row-{n:04d}" for n in failing} == set(errors)
    assert all(errors.values())


async def test_all_completed_exits_0_and_a_rerun_creates_nothing(
    quick: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A finished job run again sends no create and reports the same results."""
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(20))

    first = await train(quick, manifest)
    before = results_of(manifest)
    second = await train(quick, manifest)

    assert (0, 0) == (first, second)
    assert 20 == quick.count("POST", "/v2/replicas")
    assert before == results_of(manifest)
    assert "completed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", ["no rows"], id="empty"),
        pytest.param(
            b"replica_name,voice_name\nx,anna\n",
            ["train_video_url"],
            id="missing-columns",
        ),
        pytest.param(
            b"replica_name,train_video_url,train_image_url,voice_name\n"
            b"a,https://e.com/a.mp4,https://e.com/a.png,anna\n"
            b"b,ftp://e.com/b.mp4,,\n"
            b"a,https://e.com/c.mp4,,\n",
            ["line 2", "line 3", "line 4", "not both", "train_video_url"],
            id="both-bad-url-duplicate",
        ),
        pytest.param(
            b"replica_name,train_video_url\nok,https://e.com/a.mp4\nbad,nope\n",
            ["1 invalid row; nothing was created", "line 3", "--skip-invalid"],
            id="one-bad-row",
        ),
        pytest.param(
            b"replica_name,train_video_url\n\xff\xfebad,https://e.com/a.mp4\n",
            ["UTF-8"],
            id="wrong-encoding",
        ),
    ],
)
async def test_invalid_manifests_exit_2_listing_every_problem_and_create_nothing(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    expected: list[str],
) -> None:
    """Bad input: every problem on stderr, exit 2, no request at all."""
    manifest = tmp_path / "bad.csv"
    manifest.write_bytes(content)

    code = await train(fake, manifest)

    err = capsys.readouterr().err
    assert 2 == code
    for text in expected:
        assert text in err
    assert 0 == fake.count()
    assert not manifest.with_name("bad.csv.journal").exists()


async def test_skip_invalid_trains_the_valid_rows_and_reports_the_rest(
    quick: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --skip-invalid, the skipped rows are named on stderr with their
    reasons, listed in the results as invalid, and counted in the summary."""
    rows = [*video_rows(3), {"replica_name": "broken", "train_video_url": "nope"}]
    manifest = write_manifest(tmp_path / "batch.csv", rows)

    code = await train(quick, manifest, "--skip-invalid")

    err = capsys.readouterr().err
    results = results_of(manifest)
    assert 0 == code
    assert 3 == quick.count("POST", "/v2/replicas")
    assert ["completed"] * 3 + ["invalid"] == [row["status"] for row in results]
    assert "train_video_url" in str(results[3]["error_message"])
    assert (
        f"{manifest}: skipping 1 invalid row (--skip-invalid); the results file "
        f"lists them as invalid:\n  line 5: {results[3]['error_message']}\n"
    ) in err
    assert "starting: 4 rows: 3 not_created, 1 invalid\n" in err
    assert {"completed": 3, "invalid": 1} == summary_counts(err, manifest)


async def test_skip_invalid_lists_twenty_skipped_rows_then_counts_the_rest(
    quick: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long list of skipped rows is cut after twenty lines."""
    broken = [
        {"replica_name": f"bad-{n}", "train_video_url": "nope"} for n in range(25)
    ]
    manifest = write_manifest(tmp_path / "batch.csv", [*video_rows(1), *broken])

    code = await train(quick, manifest, "--skip-invalid")

    err = capsys.readouterr().err
    shown = re.findall(r"^  line (\d+): train_video_url: ", err, flags=re.MULTILINE)
    assert 0 == code
    assert "skipping 25 invalid rows (--skip-invalid)" in err
    assert [str(line) for line in range(3, 23)] == shown
    assert "\n  and 5 more rows\n" in err
    assert 26 == len(results_of(manifest))


@pytest.mark.parametrize("skip", [[], ["--skip-invalid"]])
async def test_a_manifest_without_a_valid_row_exits_2(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    skip: list[str],
) -> None:
    """Every row invalid: exit 2 whatever --skip-invalid says; nothing is
    created, journaled or written."""
    broken = [{"replica_name": f"bad-{n}", "train_video_url": "nope"} for n in range(3)]
    manifest = write_manifest(tmp_path / "batch.csv", broken)

    code = await train(fake, manifest, *skip)

    err = capsys.readouterr().err
    assert 2 == code
    assert f"{manifest}: 3 invalid rows, no valid row; nothing was created" in err
    assert "--skip-invalid" not in err
    assert 0 == fake.count()
    assert [manifest] == await asyncio.to_thread(lambda: list(tmp_path.iterdir()))


async def test_a_manifest_problem_names_commands_not_library_calls(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An image row without a voice points to ``tavus-async voices list``."""
    rows = [{"replica_name": "ana", "train_image_url": "https://example.com/a.png"}]
    manifest = write_manifest(tmp_path / "batch.csv", rows)

    code = await train(fake, manifest)

    err = capsys.readouterr().err
    assert 2 == code
    assert "line 2: voice_name: is required with train_image_url; pick one" in err
    assert "from tavus-async voices list" in err
    assert "client." not in err


async def test_a_refused_create_is_final_and_reported(
    quick: FakeTavus, tmp_path: Path
) -> None:
    """A row Tavus refuses (400) is create_failed; the others go on."""
    rows = [
        *video_rows(2),
        {
            "replica_name": "odd-voice",
            "train_image_url": "https://example.com/x.png",
            "voice_name": "nobody",
        },
    ]
    manifest = write_manifest(tmp_path / "batch.csv", rows)

    code = await train(quick, manifest)

    results = results_of(manifest)
    assert 1 == code
    assert ["completed", "completed", "create_failed"] == [r["status"] for r in results]
    assert "Invalid voice_name" in str(results[2]["error_message"])
    assert 3 == quick.count("POST", "/v2/replicas")


async def test_a_lost_answer_is_found_by_name_not_created_twice(
    quick: FakeTavus, client: TavusClient, tmp_path: Path
) -> None:
    """Creates whose answer is dropped are looked up by name and adopted."""
    quick.inject(Fault.drop(after=True), times=5, method="POST", path="/v2/replicas")
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(30))

    code = await train(quick, manifest, "--reconcile-after", "0")

    assert 0 == code
    assert 30 == quick.count("POST", "/v2/replicas")
    assert Counter({f"row-{n:04d}": 1 for n in range(1, 31)}) == await user_replicas(
        client
    )
    assert ["completed"] * 30 == [row["status"] for row in results_of(manifest)]


async def test_a_create_surely_not_received_is_sent_again(
    quick: FakeTavus, tmp_path: Path
) -> None:
    """A create that failed before Tavus acted (503s) is retried by the job."""
    quick.inject(Fault.http(503), times=3, method="POST", path="/v2/replicas")
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(1))

    code = await train(quick, manifest)

    assert 0 == code
    assert 4 == quick.count("POST", "/v2/replicas")


async def test_a_refused_api_key_fails_fast_with_a_clear_message(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 401 stops the job at once: exit 2, the key named, nothing created.

    Creates still in flight when the first 401 arrives are cut short; the
    journal keeps them unconfirmed, to be looked up by name on the next run.
    """
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(100))

    code = await train(fake, manifest, "--concurrency", "4", api_key="wrong-key")

    err = capsys.readouterr().err
    assert 2 == code
    assert "API key" in err
    assert "wrong-key" not in err
    assert fake.count("POST", "/v2/replicas") <= 4
    statuses = Counter(row["status"] for row in results_of(manifest))
    assert 100 == statuses["not_created"] + statuses["unconfirmed"]
    assert statuses["unconfirmed"] <= 3  # creates cut short in flight


async def test_a_changed_row_after_its_create_is_refused(
    quick: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing a created row's request makes the journal refuse the manifest."""
    rows = video_rows(2)
    manifest = write_manifest(tmp_path / "batch.csv", rows)
    assert 0 == await train(quick, manifest)
    rows[1]["train_video_url"] = "https://example.com/other.mp4"
    write_manifest(manifest, rows)

    code = await train(quick, manifest)

    assert 2 == code
    assert "row-0002" in capsys.readouterr().err
    assert 2 == quick.count("POST", "/v2/replicas")


async def test_jsonl_manifest_and_results(quick: FakeTavus, tmp_path: Path) -> None:
    """A JSONL manifest trains; --results .jsonl writes JSON lines."""
    manifest = tmp_path / "batch.jsonl"
    manifest.write_text(
        "".join(json.dumps(row) + "\n" for row in video_rows(3)), encoding="utf-8"
    )
    results = tmp_path / "out.jsonl"

    code = await train(quick, manifest, "--results", str(results))

    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert 0 == code
    assert ["completed"] * 3 == [line["status"] for line in lines]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--until", "done"], "--until: "),
        (["--poll-interval", "-1"], "--poll-interval: "),
        (["--concurrency", "0"], "--concurrency: "),
        (["--reconcile-after", "-1"], "--reconcile-after: "),
        (["--results", "out.txt"], "--results: "),
    ],
)
async def test_bad_options_exit_2_naming_the_flag_before_anything(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expected: str,
) -> None:
    """Bad options are refused before any request or journal."""
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(2))

    code = await train(fake, manifest, *extra)

    assert 2 == code
    assert expected in capsys.readouterr().err
    assert 0 == fake.count()
    assert not manifest.with_name("batch.csv.journal").exists()


async def test_the_summary_after_an_interrupt_counts_as_the_results_file(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cancelled with eight creates in flight, the summary line gives the same
    states, in the same words and numbers, as the results file."""
    fake.inject_rate(Fault.slow(HELD), 1.0, method="POST", path="/v2/replicas")
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(30))
    args = build_parser().parse_args(train_args(fake, manifest, "--concurrency", "8"))
    job = asyncio.create_task(run_train(args))
    while fake.count("POST", "/v2/replicas") < 8:  # noqa: ASYNC110 - the fake's log has no event
        await asyncio.sleep(0)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job

    err = capsys.readouterr().err
    results = Counter(str(row["status"]) for row in results_of(manifest))
    assert {"not_created": 22, "unconfirmed": 8} == dict(results)
    assert dict(results) == summary_counts(err, manifest)


async def test_a_timed_out_row_is_timed_out_everywhere(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A replica the watch gave up on: ``timed_out`` in the results (with the
    last status seen in its error_message), the log line and the summary."""
    fake.training_time = HELD
    manifest = write_manifest(tmp_path / "batch.csv", video_rows(2))

    code = await train(fake, manifest, "--replica-timeout", "0.3")

    err = capsys.readouterr().err
    results = results_of(manifest)
    assert 1 == code
    assert [("timed_out", "timed_out")] * 2 == [
        (row["status"], row["outcome"]) for row in results
    ]
    for row in results:
        assert "last status started" in str(row["error_message"])
        assert f"{row['replica_name']} ({row['replica_id']}): timed_out: " in err
    assert {"timed_out": 2} == summary_counts(err, manifest)
