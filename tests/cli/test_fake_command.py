"""``tavus-async fake`` (and ``python -m tavus_async.testing``), and ``--version``.

The options are checked by pure functions, tested from tables. The server is
tested in-process through ``serve`` and ``run_fake`` (each hands over the
running fake), and end to end in a subprocess stopped by Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable
from importlib.metadata import version

import pytest

from tavus_async import CreateReplicaRequest, NotFoundError, TavusClient
from tavus_async.cli import build_parser, main
from tavus_async.cli._common import UsageError
from tavus_async.cli._fake_command import build_fake, run_fake, serve
from tavus_async.cli._fake_settings import (
    FakeSettings,
    Injection,
    banner,
    parse_injection,
    parse_rate,
    settings_of,
)
from tavus_async.testing import FakeTavus, Fault


def fake_args(*argv: str) -> argparse.Namespace:
    """The parsed options of ``tavus-async fake ARGV``."""
    return build_parser().parse_args(["fake", *argv])


def run_main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own exits
        return int(exc.code or 0)


# The pure parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.05", 0.05), ("5%", 0.05), (" 100 % ", 1.0), ("0", 0.0), ("1", 1.0)],
)
def test_parse_rate(text: str, expected: float) -> None:
    assert expected == pytest.approx(parse_rate(text))


@pytest.mark.parametrize("text", ["", "abc", "-0.1", "1.5", "101%", "nan", "inf%"])
def test_parse_rate_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="RATE must be from 0 to 1"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("text", "fault", "rate"),
    [
        ("503=0.05", Fault.http(503), 0.05),
        ("429:2=10%", Fault.http(429, retry_after=2), 0.1),
        ("429:0.5=1", Fault.http(429, retry_after=0.5), 1.0),
        ("drop=1%", Fault.drop(), 0.01),
        ("GARBAGE = 0.2", Fault.garbage(), 0.2),
        ("slow:3=5%", Fault.slow(3), 0.05),
        ("truncate=0", Fault.truncate(), 0.0),
        ("truncate:1=0.5", Fault.truncate(pause=1), 0.5),
    ],
)
def test_parse_injection(text: str, fault: Fault, rate: float) -> None:
    assert Injection(fault, rate, text) == parse_injection(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("503", "expected KIND[:SECONDS]=RATE"),
        ("", "expected KIND[:SECONDS]=RATE"),
        ("200=0.1", "got status 200"),
        ("600=0.1", "got status 600"),
        ("timeout=0.1", "got 'timeout'"),
        ("=0.1", "got ''"),
        ("drop:1=0.1", "drop takes no :SECONDS"),
        ("garbage:1=0.1", "garbage takes no :SECONDS"),
        ("slow=0.1", "slow needs :SECONDS"),
        ("slow:-1=0.1", "SECONDS must be a number 0 or more, got '-1'"),
        ("slow:x=0.1", "SECONDS must be a number 0 or more, got 'x'"),
        ("429:inf=0.1", "SECONDS must be a number 0 or more"),
        ("503=2", "RATE must be from 0 to 1"),
    ],
)
def test_parse_injection_refuses(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        parse_injection(text)


def test_settings_of_every_option() -> None:
    """Every option lands in the settings."""
    args = fake_args(
        *("--host", "localhost", "--port", "8080", "--api-key", "k-1"),
        *("--training-time", "0", "--training-spread", "2.5"),
        *("--fail-matching", "short", "--fail-matching", "bad", "--fail", "10%"),
        *("--inject", "503=5%", "--max-page-size", "50", "--replicas", "3"),
        *("--seed", "7", "--no-callbacks", "--pal-events"),
    )

    assert FakeSettings(
        api_key="k-1",
        host="localhost",
        port=8080,
        training_time=0.0,
        training_spread=2.5,
        failing=("short", "bad"),
        failure_rate=0.1,
        faults=(Injection(Fault.http(503), 0.05, "503=5%"),),
        max_page_size=50,
        seed=7,
        replicas=3,
        callbacks=False,
        pal_events=True,
    ) == settings_of(args)


def test_settings_of_defaults_to_a_new_key_each_run() -> None:
    """No --api-key: a fresh random key, never $TAVUS_API_KEY."""
    first, second = settings_of(fake_args()), settings_of(fake_args())

    assert FakeSettings(api_key=first.api_key) == first
    assert first.api_key.startswith("fake-")
    assert first.api_key != second.api_key


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--host", "192.0.2.7"], "--host 192.0.2.7: not a loopback address"),
        (["--host", "example.com"], "or add --allow-remote"),
        (["--port", "-1"], "--port: must be 0 (a free port) to 65535, got -1"),
        (["--port", "65536"], "--port: must be 0 (a free port) to 65535"),
        (["--api-key", ""], "--api-key: must not be empty"),
        (["--api-key", " key"], "--api-key: use printable ASCII"),
        (["--api-key", "kéy"], "--api-key: use printable ASCII"),
        (["--api-key", "k\ney"], "--api-key: use printable ASCII"),
        (["--training-time", "-1"], "--training-time: must be 0 or more seconds"),
        (["--training-time", "nan"], "--training-time: must be 0 or more seconds"),
        (["--training-spread", "inf"], "--training-spread: must be 0 or more"),
        (["--fail-matching", ""], "--fail-matching: must not be empty"),
        (["--fail", "150%"], "--fail '150%': "),
        (["--fail", "many"], "--fail 'many': "),
        (["--inject", "503"], "--inject '503': expected KIND[:SECONDS]=RATE"),
        (["--max-page-size", "0"], "--max-page-size: must be 1 or more, got 0"),
        (["--replicas", "-2"], "--replicas: must be 0 or more, got -2"),
    ],
)
def test_settings_of_refuses(argv: list[str], expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        settings_of(fake_args(*argv))

    assert expected in str(caught.value)


def test_settings_of_names_every_problem_at_once() -> None:
    with pytest.raises(UsageError) as caught:
        settings_of(fake_args("--port", "-1", "--replicas", "-1", "--inject", "x"))

    assert ["--port", "--inject 'x'", "--replicas"] == [
        problem.split(":")[0] for problem in str(caught.value).split("; ")
    ]


def test_allow_remote_accepts_any_host_and_the_banner_warns() -> None:
    settings = settings_of(fake_args("--host", "192.0.2.7", "--allow-remote"))

    assert "192.0.2.7" == settings.host
    assert "beyond loopback" in banner("http://192.0.2.7:8080", settings)


def test_banner() -> None:
    """The URL, the key, ready-to-paste lines, and what is switched on."""
    settings = FakeSettings(
        api_key="k 1",
        training_time=30,
        training_spread=2.5,
        failing=("short",),
        faults=(Injection(Fault.drop(), 0.01, "drop=1%"),),
        max_page_size=50,
        replicas=2,
        callbacks=False,
    )

    lines = banner("http://127.0.0.1:8080", settings).splitlines()

    assert "FakeTavus is serving the Tavus API at http://127.0.0.1:8080" == lines[0]
    assert "API key: k 1" == lines[1]
    assert {
        "  export TAVUS_BASE_URL=http://127.0.0.1:8080",
        "  export TAVUS_API_KEY='k 1'",
        "  tavus-async replicas list",
        "  tavus-async train manifest.csv --poll-interval 5",
        "Replicas train for 30 s plus up to 2.5 s. 2 stock replicas.",
        "Training fails for replicas matching 'short'.",
        "Faults: drop=1%.",
        "List answers hold at most 50 items.",
        "Callbacks are off: clients must poll.",
    } <= set(lines)
    assert not any("beyond loopback" in line for line in lines)


def test_the_default_banner_is_short() -> None:
    lines = banner("http://127.0.0.1:8080", FakeSettings(api_key="k")).splitlines()

    assert [
        "Replicas train for 30 s.",
        "State is in memory and lost when the fake stops. Ctrl-C stops it.",
    ] == lines[-2:]


# The command, in-process


async def bounded(
    awaitable: Awaitable[FakeTavus], task: asyncio.Task[object]
) -> FakeTavus:
    """Wait for the fake; fail at once if the serving task ends first."""
    ready = asyncio.ensure_future(awaitable)
    async with asyncio.timeout(60):
        await asyncio.wait([ready, task], return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        await task  # raises what stopped it
        raise AssertionError("the fake stopped before it was ready")
    return ready.result()


@contextlib.asynccontextmanager
async def serving(
    settings: FakeSettings, trim_every: float = 60.0
) -> AsyncIterator[tuple[FakeTavus, io.StringIO]]:
    """``serve`` in a task: the running fake and what it printed; stopped after."""
    out, stop = io.StringIO(), asyncio.Event()
    ready: asyncio.Future[FakeTavus] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(settings, stop, out=out, ready=ready, trim_every=trim_every)
    )
    try:
        yield await bounded(ready, task), out
    finally:
        stop.set()
        await task


async def test_serve_answers_a_client_with_the_printed_url_and_key() -> None:
    """The banner's URL and key work; the options shape what the fake does."""
    settings = settings_of(
        fake_args(
            *("--training-time", "0", "--replicas", "2", "--max-page-size", "2"),
            *("--fail-matching", "too-short"),
        )
    )

    async with serving(settings) as (fake, out):
        printed = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in out.getvalue().splitlines()
            if line.strip().startswith("export ")
        )
        async with TavusClient(
            api_key=printed["TAVUS_API_KEY"], base_url=printed["TAVUS_BASE_URL"]
        ) as client:
            good = await client.replicas.create(
                CreateReplicaRequest(train_video_url="https://e.com/a.mp4")
            )
            bad = await client.replicas.create(
                CreateReplicaRequest(train_video_url="https://e.com/too-short.mp4")
            )
            page = await client.replicas.list(limit=10)
            outcomes = [
                (await client.replicas.get(r.replica_id)).status for r in (good, bad)
            ]
        url = fake.url

    assert {"TAVUS_BASE_URL": url, "TAVUS_API_KEY": settings.api_key} == printed
    assert (4, 2) == (page.total_count, len(page.data))
    assert ["completed", "error"] == outcomes


async def test_serve_closes_the_fake_once_stopped() -> None:
    async with serving(FakeSettings(api_key="k")) as (fake, _):
        pass

    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.url


async def test_serve_forgets_its_request_log_as_it_goes() -> None:
    """Nobody reads the logs of a standalone fake: they are cleared, not kept."""
    settings = FakeSettings(api_key="fake-test-key")

    async with serving(settings, trim_every=0.01) as (fake, _):
        async with TavusClient(api_key=settings.api_key, base_url=fake.url) as client:
            await client.voices.list()
        async with asyncio.timeout(30):
            while fake.requests:  # noqa: ASYNC110 - a poll of the log
                await asyncio.sleep(0.01)

    assert [] == fake.requests


async def test_a_port_in_use_exits_2_naming_the_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A port another socket listens on: exit 2 with the fix, nothing served."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        code = await asyncio.to_thread(run_main, ["fake", "--port", str(port)])

    out, err = capsys.readouterr()
    assert 2 == code
    assert f"--host/--port: cannot listen on 127.0.0.1:{port}" in err
    assert "--port 0 for a free one" in err
    assert "" == out


async def test_fail_makes_that_share_of_new_replicas_fail() -> None:
    """--fail 100% fails every new replica, --fail 0 none."""
    for rate, status in (("100%", "error"), ("0", "completed")):
        settings = settings_of(fake_args("--fail", rate, "--training-time", "0"))
        async with (
            build_fake(settings) as fake,
            TavusClient(api_key=settings.api_key, base_url=fake.url) as client,
        ):
            created = [
                await client.replicas.create(
                    CreateReplicaRequest(train_video_url=f"https://e.com/{n}.mp4")
                )
                for n in range(5)
            ]
            fake.finish_training()
            statuses = {
                (await client.replicas.get(c.replica_id)).status for c in created
            }
        assert {status} == statuses


async def test_build_fake_applies_every_setting() -> None:
    """Faults, failures, page cap, callbacks, PAL events and stock replicas."""
    settings = settings_of(
        fake_args(
            *("--inject", "404=100%", "--fail-matching", "short", "--replicas", "2"),
            *("--max-page-size", "5", "--no-callbacks", "--pal-events"),
        )
    )

    async with (
        build_fake(settings) as fake,
        TavusClient(api_key=settings.api_key, base_url=fake.url) as client,
    ):
        with pytest.raises(NotFoundError):
            await client.voices.list()
        fake.clear_faults()
        stock = await client.replicas.list(replica_type="system")
        created = await client.replicas.create(
            CreateReplicaRequest(train_video_url="https://e.com/short.mp4")
        )
        fake.finish_training()
        failed = await client.replicas.get(created.replica_id)

    assert [("Stock replica 1", "completed"), ("Stock replica 2", "completed")] == [
        (r.replica_name, r.status) for r in stock.data
    ]
    assert "error" == failed.status
    assert (5, False, True) == (
        fake.max_page_size,
        fake.callbacks_enabled,
        fake.pal_events,
    )


async def test_run_fake_stops_on_sigterm_with_exit_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGTERM (like Ctrl-C) is the command's normal end; handlers are restored."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    ready: asyncio.Future[FakeTavus] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_fake(fake_args(), ready=ready))
    await bounded(ready, task)

    os.kill(os.getpid(), signal.SIGTERM)
    code = await asyncio.wait_for(task, timeout=60)

    out, err = capsys.readouterr()
    assert 0 == code
    assert "fake: stopped\n" == err
    assert "export TAVUS_API_KEY=fake-" in out
    assert before == (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--port", "70000"], "tavus-async: error: --port: must be 0"),
        (["--inject", "503=2"], "tavus-async: error: --inject '503=2': RATE"),
        (["--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    ],
)
async def test_bad_options_exit_2_before_serving(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code = await asyncio.to_thread(run_main, ["fake", *argv])

    out, err = capsys.readouterr()
    assert 2 == code
    assert expected in err
    assert "" == out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the installed distribution's version."""
    code = run_main(["--version"])

    assert 0 == code
    assert f"tavus-async {version('tavus-async')}\n" == capsys.readouterr().out


# The command, end to end


async def test_python_m_tavus_async_testing_serves_until_ctrl_c() -> None:
    """A subprocess prints URL and key, serves a client, and exits 0 on SIGINT."""
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "tavus_async.testing", "--port", "0", "--training-time", "0"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    printed: dict[str, str] = {}
    try:
        async with asyncio.timeout(60):
            while "TAVUS_API_KEY" not in printed:
                line = (await server.stdout.readline()).decode()
                if not line:
                    break
                name, _, value = line.strip().removeprefix("export ").partition("=")
                printed[name] = value
        async with TavusClient(
            api_key=printed["TAVUS_API_KEY"], base_url=printed["TAVUS_BASE_URL"]
        ) as client:
            created = await client.replicas.create(
                CreateReplicaRequest(train_video_url="https://e.com/a.mp4")
            )
            page = await client.replicas.list(replica_ids=[created.replica_id])
            replica = await client.replicas.get(created.replica_id)
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(server.communicate(), timeout=60)

    assert 0 == server.returncode, err.decode()
    assert "fake: stopped\n" == err.decode()
    assert [created.replica_id] == [r.replica_id for r in page.data]
    assert "completed" == replica.status
