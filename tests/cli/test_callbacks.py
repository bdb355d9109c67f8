"""``train --callback-base-url --listen``: the options, and webhooks settling a job."""

from __future__ import annotations

import argparse
import csv
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tavus_async import CreateReplicaRequest
from tavus_async.cli._callbacks import (
    SECRET_VARIABLE,
    CallbackSettings,
    callback_settings,
    parse_listen,
)
from tavus_async.cli._common import UsageError
from tavus_async.cli._decisions import with_callback
from tavus_async.testing import FakeTavus, free_port
from tests.cli.test_train import results_of, train, video_rows, write_manifest


SECRET = "a-secret-of-the-right-shape-0123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:1", ("0.0.0.0", 1)),  # noqa: S104 - parsed, never bound
        ("localhost:65535", ("localhost", 65535)),
        ("[::1]:8080", ("::1", 8080)),
        (" 127.0.0.1:8080 ", ("127.0.0.1", 8080)),
    ],
)
def test_listen_addresses_parse(text: str, expected: tuple[str, int]) -> None:
    assert expected == parse_listen(text)


@pytest.mark.parametrize(
    "text", ["8080", ":8080", "127.0.0.1:", "127.0.0.1:0", "host:65536", "host:http"]
)
def test_bad_listen_addresses_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"HOST:PORT .* 127\.0\.0\.1:8080"):
        parse_listen(text)


def options(
    base_url: str | None, listen: str | None, *, allow_http: bool = False
) -> argparse.Namespace:
    """The callback options as the parser leaves them."""
    return argparse.Namespace(
        callback_base_url=base_url, listen=listen, allow_http_callback=allow_http
    )


def test_no_callback_options_mean_no_callbacks() -> None:
    assert None is callback_settings(options(None, None), {})


def test_the_secret_comes_from_the_environment_when_set() -> None:
    settings = callback_settings(
        options("https://example.com/hooks?x=1", "0.0.0.0:8080"),
        {SECRET_VARIABLE: SECRET},
    )

    assert (
        CallbackSettings(
            callback_url=f"https://example.com/hooks?x=1&tavus_token={SECRET}",
            secret=SECRET,
            host="0.0.0.0",  # noqa: S104 - parsed, never bound
            port=8080,
        )
        == settings
    )


def test_without_the_variable_each_run_has_a_new_secret() -> None:
    args = options("https://example.com/hooks", "127.0.0.1:8080")
    first, second = callback_settings(args, {}), callback_settings(args, {})

    assert first is not None
    assert second is not None
    assert first.secret != second.secret
    assert first.callback_url.endswith(f"tavus_token={first.secret}")


@pytest.mark.parametrize(
    ("base_url", "listen", "environ", "message"),
    [
        ("https://example.com", None, {}, "--callback-base-url needs --listen too"),
        (None, "127.0.0.1:8080", {}, "--listen needs --callback-base-url too"),
        ("https://example.com", "8080", {}, "--listen: must be HOST:PORT"),
        (
            "http://example.com/hooks",
            "127.0.0.1:8080",
            {},
            r"--callback-base-url: must use https.*\(pass --allow-http-callback to",
        ),
        ("example.com/hooks", "127.0.0.1:8080", {}, "--callback-base-url: must be"),
        (
            "https://example.com",
            "127.0.0.1:8080",
            {SECRET_VARIABLE: "short"},
            f"{SECRET_VARIABLE}: must be 16 to 256 URL-safe characters",
        ),
    ],
)
def test_bad_callback_options_name_the_flag(
    base_url: str | None, listen: str | None, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        callback_settings(options(base_url, listen), environ)


def test_plain_http_to_loopback_is_allowed_for_local_receivers() -> None:
    settings = callback_settings(
        options("http://127.0.0.1:9000/cb", "127.0.0.1:9000"), {SECRET_VARIABLE: SECRET}
    )

    assert settings is not None
    assert f"http://127.0.0.1:9000/cb?tavus_token={SECRET}" == settings.callback_url


def test_plain_http_to_a_remote_receiver_needs_the_opt_in_flag() -> None:
    """--allow-http-callback accepts what the error message names it for."""
    settings = callback_settings(
        options("http://example.com/cb", "127.0.0.1:9000", allow_http=True),
        {SECRET_VARIABLE: SECRET},
    )

    assert settings is not None
    assert f"http://example.com/cb?tavus_token={SECRET}" == settings.callback_url


VIDEO = "https://example.com/clip.mp4"


@pytest.mark.parametrize(
    ("own", "given", "expected"),
    [
        (None, None, None),
        (None, "https://hooks.example.com/?t=1", "https://hooks.example.com/?t=1"),
        ("https://mine.example.com/", "https://hooks.example.com/", "https://mine.example.com/"),
        ("https://mine.example.com/", None, "https://mine.example.com/"),
    ],
)  # fmt: skip
def test_a_row_keeps_its_own_callback_url(
    own: str | None, given: str | None, expected: str | None
) -> None:
    request = CreateReplicaRequest.from_video(VIDEO, callback_url=own)

    assert expected == with_callback(request, given).callback_url


def callback_flags(port: int) -> list[str]:
    """The two flags for a receiver on ``port`` of 127.0.0.1."""
    return [
        "--callback-base-url",
        f"http://127.0.0.1:{port}/tavus",
        "--listen",
        f"127.0.0.1:{port}",
    ]


async def test_callbacks_settle_a_job_long_before_the_first_repoll(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.training_time, fake.training_spread = 0.3, 0.5
    fake.mark_failing("too-short")
    manifest = write_manifest(tmp_path / "m.csv", video_rows(30, failing=[4, 17]))

    code = await train(
        fake, manifest, "--poll-interval", "600", *callback_flags(free_port())
    )

    results = results_of(manifest)
    assert 1 == code
    assert {"row-0004", "row-0017"} == {
        r["replica_name"] for r in results if r["status"] == "error"
    }
    assert 28 == sum(r["status"] == "completed" for r in results)
    assert 30 == fake.count("POST", "/v2/replicas")
    assert fake.count("GET", "/v2/replicas") <= 3
    sent = [r.json for r in fake.requests if r.method == "POST"]
    tokens = {
        parse_qs(urlsplit(body["callback_url"]).query)["tavus_token"][0]
        for body in sent
        if isinstance(body, dict)
    }
    assert 1 == len(tokens)
    assert [200] * 30 == [c.status for c in fake.callbacks]
    err = capsys.readouterr().err
    assert "callbacks: 30 received, 0 repeated, 0 refused" in err
    settled_by_callback = {
        line.split()[3] for line in err.splitlines() if " (callback)" in line
    }
    assert {f"row-{n:04d}" for n in range(1, 31)} == settled_by_callback


async def test_a_row_with_its_own_callback_url_keeps_it_and_is_polled(
    fake: FakeTavus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    fake.training_time = 0.3
    manifest = tmp_path / "m.csv"
    with manifest.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["replica_name", "train_video_url", "callback_url"])
        writer.writerow(["mine", VIDEO, "https://mine.example.com/hook"])
        writer.writerow(["ours", VIDEO, ""])
    port = free_port()

    code = await train(fake, manifest, "--poll-interval", "0.3", *callback_flags(port))

    bodies = {
        body["replica_name"]: body["callback_url"]
        for body in (r.json for r in fake.requests if r.method == "POST")
        if isinstance(body, dict)
    }
    assert 0 == code
    assert {
        "mine": "https://mine.example.com/hook",
        "ours": f"http://127.0.0.1:{port}/tavus?tavus_token={SECRET}",
    } == bodies
    assert ["completed", "completed"] == [r["status"] for r in results_of(manifest)]


async def test_a_listen_address_in_use_stops_before_anything_is_created(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write_manifest(tmp_path / "m.csv", video_rows(3))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = await train(fake, manifest, *callback_flags(port))

    assert 2 == code
    assert f"--listen 127.0.0.1:{port}: cannot listen there" in capsys.readouterr().err
    assert 0 == fake.count("POST")
    assert not manifest.with_name("m.csv.journal").exists()


async def test_one_callback_flag_alone_is_refused_before_anything_is_sent(
    fake: FakeTavus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = write_manifest(tmp_path / "m.csv", video_rows(3))

    code = await train(fake, manifest, "--listen", "127.0.0.1:8080")

    assert 2 == code
    assert "--listen needs --callback-base-url too" in capsys.readouterr().err
    assert 0 == fake.count()
