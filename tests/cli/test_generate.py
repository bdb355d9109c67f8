"""``tavus-async generate`` end to end against FakeTavus on loopback."""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tavus_async import TavusClient
from tavus_async.cli import main
from tavus_async.cli._kinds import JobKind
from tavus_async.cli._results import RESULT_COLUMNS, read_results
from tavus_async.testing import FakeTavus, Fault, free_port


COLUMNS = ("video_name", "replica_id", "script", "audio_url")
FAILING = "mumbles"  # a script holding this fails to generate on the fake
HELD = 60.0  # seconds a held create waits: the fake's close ends it long before


@pytest.fixture
def quick(fake: FakeTavus) -> FakeTavus:
    """The fake with videos that take 0.1 to 0.6 seconds, some failing."""
    fake.videos.queue_time = 0.1
    fake.videos.generation_time, fake.videos.generation_spread = 0.2, 0.3
    fake.videos.fail_matching(FAILING, "the replica mumbled")
    return fake


@pytest.fixture
def replica_id(fake: FakeTavus) -> str:
    """A trained replica of the account."""
    return fake.add_replica(replica_type="user", status="completed")


def write_manifest(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Write ``rows`` as a CSV manifest with the usual columns."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def video_rows(
    count: int, replica_id: str, *, failing: Sequence[int] = ()
) -> list[dict[str, str]]:
    """``count`` script rows named video-0001...; the numbers in ``failing`` fail."""
    return [
        {
            "video_name": f"video-{n:04d}",
            "replica_id": replica_id,
            "script": f"Hello number {n}" + (f", {FAILING}" if n in failing else ""),
        }
        for n in range(1, count + 1)
    ]


async def generate(fake: FakeTavus, manifest: Path, *extra: str) -> int:
    """Run ``tavus-async generate`` in a worker thread (it runs its own loop)."""
    argv = [
        *("generate", str(manifest), "--base-url", fake.url),
        *("--api-key", fake.api_key, "--poll-interval", "0.2", "--progress", "log"),
        *extra,
    ]
    return await asyncio.to_thread(main, argv)


def results_of(manifest: Path) -> list[dict[str, str | None]]:
    """The default results file of ``manifest``."""
    return read_results(manifest.with_name(f"{manifest.stem}.results.csv"))


async def video_names(client: TavusClient) -> Counter[str]:
    """How many videos the fake holds of each name."""
    return Counter([str(video.video_name) async for video in client.videos.iter_all()])


async def test_a_manifest_generates_with_true_results(
    quick: FakeTavus, client: TavusClient, replica_id: str, tmp_path: Path
) -> None:
    """60 rows: one create each; the results agree with the server, URLs too."""
    failing = (4, 31)
    rows = video_rows(60, replica_id, failing=failing)
    manifest = write_manifest(tmp_path / "videos.csv", rows)

    code = await generate(quick, manifest, "--concurrency", "12")

    results = results_of(manifest)
    assert 1 == code  # two rows fail on purpose
    assert 60 == quick.count("POST", "/v2/videos")
    assert Counter({f"video-{n:04d}": 1 for n in range(1, 61)}) == await video_names(
        client
    )
    assert list(RESULT_COLUMNS[JobKind.VIDEO]) == list(results[0])
    assert [str(n) for n in range(2, 62)] == [row["line"] for row in results]
    for row in results:
        video = await client.videos.get(str(row["video_id"]))
        assert (video.video_name, str(video.status)) == (
            row["video_name"],
            row["status"],
        )
        assert video.hosted_url == row["hosted_url"]
        assert (video.download_url, video.stream_url) == (
            row["download_url"],
            row["stream_url"],
        )
        assert "1" == row["attempts"]
        assert str(row["sent_at"]) <= str(row["created_at"]) <= str(row["finished_at"])
    errors = {
        r["video_name"]: r["error_message"] for r in results if r["status"] == "error"
    }
    assert {f"video-{n:04d}": "the replica mumbled" for n in failing} == errors
    assert {"ready"} == {r["status"] for r in results} - {"error"}
    assert all(r["download_url"] for r in results if r["status"] == "ready")


async def test_all_ready_exits_0_and_a_rerun_creates_nothing(
    quick: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A finished job run again sends no create and reports the same results."""
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(10, replica_id))

    first = await generate(quick, manifest)
    before = results_of(manifest)
    second = await generate(quick, manifest)

    err = capsys.readouterr().err
    assert (0, 0) == (first, second)
    assert 10 == quick.count("POST", "/v2/videos")
    assert before == results_of(manifest)
    assert "tavus-async generate videos.csv: 10 rows: 10 ready" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", ["add one video per line"], id="empty"),
        pytest.param(
            b"video_name,script\nv,hi\n",
            ["line 1: the header has no replica_id column"],
            id="no-replica-column",
        ),
        pytest.param(
            b"video_name,replica_id,scirpt\nv,r1,hi\n",
            [
                "line 1: the header has neither a script nor an audio_url column",
                "line 1: scirpt: is not a known column; did you mean script?",
            ],
            id="did-you-mean",
        ),
        pytest.param(
            b"video_name,replica_id,script,callback_url\nv,r1,hi,\n",
            ["line 1: callback_url: is set by the job", "--callback-base-url"],
            id="callback-column",
        ),
        pytest.param(
            b"video_name,replica_id,script,audio_url\n"
            b"a,r1,hi,https://e.com/a.mp3\n"
            b",r1,hi,\n"
            b"c,,hi,\n"
            b"a,r1,,ftp://e.com/x.wav\n"
            b"ok,r1,hi,\n",
            [
                "4 invalid rows; nothing was created",
                "line 2: audio_url: give script or audio_url, not both",
                "line 3: video_name: is required; give every video a unique name",
                "line 4: replica_id: is required",
                "line 5: audio_url: must be",
                "line 5: video_name: 'a' is also on line 2",
                "--skip-invalid to generate the valid rows only",
            ],
            id="rows",
        ),
        pytest.param(
            b"video_name,replica_id,script,properties\n"
            b'a,r1,hi,"{""start_with_wave"": false}"\n'
            b"b,r1,hi,{not json\n"
            b'c,r1,hi,"{""start_wave"": false}"\n'
            b'd,r1,hi,"{""background_scroll"": true}"\n',
            [
                "line 3: properties: must be a JSON object",
                "line 4: properties.start_wave: is not a field of VideoProperties",
                "did you mean 'start_with_wave'?",
                "line 5: properties: background_scroll settings apply to a "
                "background_url",
            ],
            id="properties",
        ),
    ],
)
async def test_invalid_manifests_exit_2_listing_every_problem_and_send_nothing(
    fake: FakeTavus,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    expected: list[str],
) -> None:
    """Bad input: every problem on stderr by line, exit 2, no request at all."""
    manifest = tmp_path / "bad.csv"
    manifest.write_bytes(content)

    code = await generate(fake, manifest)

    err = capsys.readouterr().err
    assert 2 == code
    for text in expected:
        assert text in err
    assert 0 == fake.count()
    assert not manifest.with_name("bad.csv.journal").exists()


async def test_a_jsonl_manifest_with_every_field_and_jsonl_results(
    quick: FakeTavus, client: TavusClient, replica_id: str, tmp_path: Path
) -> None:
    """JSON Lines rows send every field they give; --results .jsonl."""
    rows = [
        {
            "video_name": "site-tour",
            "replica_id": replica_id,
            "script": "Welcome",
            "background_url": "https://example.com/",
            "watermark_image_url": "https://example.com/mark.png",
            "properties": {
                "background_scroll": True,
                "background_scroll_type": "smooth",
            },
        },
        {
            "video_name": "see-through",
            "replica_id": replica_id,
            "audio_url": "https://example.com/hi.mp3",
            "fast": "yes",
            "transparent_background": True,
        },
    ]
    manifest = tmp_path / "videos.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    results = tmp_path / "out.jsonl"

    code = await generate(quick, manifest, "--results", str(results))

    sent = [r.json for r in quick.requests if r.method == "POST"]
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert 0 == code
    assert [
        rows[0],
        {**rows[1], "fast": True},
    ] == sent
    assert [("site-tour", "ready"), ("see-through", "ready")] == [
        (line["video_name"], line["status"]) for line in lines
    ]


async def test_skip_invalid_generates_the_valid_rows_and_reports_the_rest(
    quick: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        *video_rows(2, replica_id),
        {"video_name": "mute", "replica_id": replica_id, "script": ""},
    ]
    manifest = write_manifest(tmp_path / "videos.csv", rows)

    code = await generate(quick, manifest, "--skip-invalid")

    results = results_of(manifest)
    assert 0 == code
    assert ["ready", "ready", "invalid"] == [row["status"] for row in results]
    assert ("mute", None, "0") == (
        results[2]["video_name"],
        results[2]["video_id"],
        results[2]["attempts"],
    )
    assert "script: give exactly one of" in str(results[2]["error_message"])
    assert "skipping 1 invalid row (--skip-invalid)" in capsys.readouterr().err


async def test_a_refused_create_is_final_and_reported(
    quick: FakeTavus, replica_id: str, tmp_path: Path
) -> None:
    """A row Tavus refuses (a replica it does not know) is create_failed."""
    rows = [
        *video_rows(2, replica_id),
        {"video_name": "nobody", "replica_id": "r0000000000", "script": "Hi"},
    ]
    manifest = write_manifest(tmp_path / "videos.csv", rows)

    code = await generate(quick, manifest)

    results = results_of(manifest)
    assert 1 == code
    assert ["ready", "ready", "create_failed"] == [r["status"] for r in results]
    assert "Invalid replica_id" in str(results[2]["error_message"])
    assert 3 == quick.count("POST", "/v2/videos")


async def test_a_lost_answer_is_found_by_video_name_not_generated_twice(
    quick: FakeTavus, client: TavusClient, replica_id: str, tmp_path: Path
) -> None:
    """Creates whose answer is dropped after the fake acted are looked up by
    name in the list of videos and adopted, never sent again."""
    quick.inject(Fault.drop(after=True), times=4, method="POST", path="/v2/videos")
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(20, replica_id))

    code = await generate(quick, manifest, "--reconcile-after", "0")

    results = results_of(manifest)
    assert 0 == code
    assert 20 == quick.count("POST", "/v2/videos")
    assert Counter({f"video-{n:04d}": 1 for n in range(1, 21)}) == await video_names(
        client
    )
    assert ["ready"] * 20 == [row["status"] for row in results]
    assert all(row["download_url"] for row in results)
    lookups = [
        r for r in quick.requests if r.method == "GET" and r.path == "/v2/videos"
    ]
    assert lookups  # the list was read for the lookups by name


async def test_a_create_surely_not_received_is_sent_again(
    quick: FakeTavus, replica_id: str, tmp_path: Path
) -> None:
    """A create that failed before Tavus acted (503s) is retried by the job."""
    quick.inject(Fault.http(503), times=3, method="POST", path="/v2/videos")
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(1, replica_id))

    code = await generate(quick, manifest)

    assert 0 == code
    assert 4 == quick.count("POST", "/v2/videos")


async def test_a_timed_out_video_is_timed_out_everywhere(
    fake: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.videos.generation_time = HELD
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(2, replica_id))

    code = await generate(fake, manifest, "--video-timeout", "0.3")

    err = capsys.readouterr().err
    results = results_of(manifest)
    assert 1 == code
    assert ["timed_out"] * 2 == [row["status"] for row in results]
    for row in results:
        assert row["hosted_url"]  # from the create's answer
        assert row["download_url"] is None
        assert f"{row['video_name']} ({row['video_id']}): timed_out: " in err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--poll-interval", "0"], "--poll-interval: "),
        (["--video-timeout", "-1"], "--video-timeout: "),
        (["--concurrency", "0"], "--concurrency: "),
        (["--reconcile-after", "-1"], "--reconcile-after: "),
        (["--results", "out.txt"], "--results: "),
        (["--listen", "127.0.0.1:8080"], "--listen needs --callback-base-url"),
    ],
)
async def test_bad_options_exit_2_naming_the_flag_before_anything(
    fake: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expected: str,
) -> None:
    manifest = write_manifest(tmp_path / "videos.csv", video_rows(2, replica_id))

    code = await generate(fake, manifest, *extra)

    assert 2 == code
    assert expected in capsys.readouterr().err
    assert 0 == fake.count()
    assert not manifest.with_name("videos.csv.journal").exists()


async def test_callbacks_settle_videos_without_polling(
    quick: FakeTavus,
    replica_id: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With a receiver, every video settles by its callback, URLs and all,
    long before the first poll; each create carries the job's callback URL."""
    manifest = write_manifest(
        tmp_path / "videos.csv", video_rows(12, replica_id, failing=[5])
    )
    port = free_port()

    code = await generate(
        quick,
        manifest,
        *("--poll-interval", "600"),
        *("--callback-base-url", f"http://127.0.0.1:{port}/tavus"),
        *("--listen", f"127.0.0.1:{port}"),
    )

    err = capsys.readouterr().err
    results = results_of(manifest)
    assert 1 == code
    assert 0 == quick.count("GET", "/v2/videos")
    assert ["ready"] * 4 + ["error"] + ["ready"] * 7 == [r["status"] for r in results]
    assert all(r["download_url"] for r in results if r["status"] == "ready")
    bodies = [r.json for r in quick.requests if r.method == "POST"]
    tokens = {
        parse_qs(urlsplit(body["callback_url"]).query)["tavus_token"][0]
        for body in bodies
        if isinstance(body, dict)
    }
    assert 1 == len(tokens)
    assert "callbacks: 12 received, 0 repeated, 0 refused" in err
    assert 12 == err.count(" (callback)")
