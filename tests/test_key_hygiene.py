"""The API key never shows, plain http never carries it, callback tokens compare flat.

Canary scenarios run every public surface with a distinctive key under a
:class:`~tests._key_hygiene.LeakWatch` (every log record at DEBUG, every
exception in full, warnings, stdout and stderr, files the CLI writes, the
fake's request log) and fail if the key, or its first or last 12 characters,
shows anywhere. Self-tests prove the watch, and the suite-wide plugin, can fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import subprocess
import sys
import types
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from tavus_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientStateError,
    ConflictError,
    CreateConversationRequest,
    CreateReplicaRequest,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReplicaWatcher,
    TavusClient,
    UnprocessableEntityError,
    ValidationError,
    WatchError,
    WatchTimeoutError,
    WebhookError,
)
from tavus_async.cli import main
from tavus_async.testing import (
    FakeTavus,
    Fault,
    TimelineStep,
    capture_retries,
    free_port,
)
from tavus_async.webhooks import (
    CallbackEvent,
    CallbackReceiver,
    CallbackServer,
    _token,
    callback_url_for,
    parse_callback,
)
from tests._key_hygiene import LeakWatch, watching
from tests.test_client import serve


KEY = "tvs-canary-7f3a9c1e5b"
WRONG_KEY = "tvs-wrong-key-5d8e2b9a4c"
SECRETS = ("first-secret-9a8b7c6d5e4f", "second-secret-1a2b3c4d5e6f", "t" * 256)
VIDEO = "https://cdn.example.com/rio.mp4"
REPO = Path(__file__).resolve().parents[1]

E = TypeVar("E", bound=BaseException)


@pytest.fixture
def watch(capsys: pytest.CaptureFixture[str]) -> Iterator[LeakWatch]:
    """A LeakWatch fed every log record, warning and printed line of the test."""
    leaks = LeakWatch(KEY, WRONG_KEY)
    with watching(leaks):
        yield leaks
    out, err = capsys.readouterr()
    leaks.add("stdout", out)
    leaks.add("stderr", err)
    leaks.assert_clean()


@pytest.fixture
async def canary(watch: LeakWatch) -> AsyncIterator[FakeTavus]:
    """A FakeTavus that accepts only KEY; its request log is searched at the end."""
    async with FakeTavus(api_key=KEY, training_time=0.2, seed=1234) as fake:
        yield fake
    watch.add("fake.requests", fake.requests)
    watch.add("fake.callbacks", fake.callbacks)
    assert all("<redacted>" == r.headers["x-api-key"] for r in fake.requests)


@pytest.fixture
async def tavus(canary: FakeTavus, watch: LeakWatch) -> AsyncIterator[TavusClient]:
    """A client with KEY on the canary fake; its repr is searched too."""
    async with TavusClient(api_key=KEY, base_url=canary.url) as client:
        watch.add("repr(client)", client)
        yield client
    watch.add("repr(closed client)", client)


@contextlib.contextmanager
def caught(watch: LeakWatch, cls: type[E]) -> Iterator[pytest.ExceptionInfo[E]]:
    """``pytest.raises(cls)``, then the exception goes to ``watch`` in full."""
    with pytest.raises(cls) as info:
        yield info
    watch.add_exception(cls.__name__, info.value)


@contextlib.asynccontextmanager
async def malformed_http() -> AsyncIterator[str]:
    """A loopback server that answers every request with a broken HTTP header."""

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def files_in(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` by name, its bytes read as latin-1 text."""
    return {p.name: p.read_bytes().decode("latin-1") for p in folder.iterdir()}


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


async def cli(
    capsys: pytest.CaptureFixture[str], watch: LeakWatch, *argv: str
) -> tuple[int, str, str]:
    """Run one ``tavus-async`` command in a worker thread; search its output."""
    code = await asyncio.to_thread(_main, list(argv))
    out, err = capsys.readouterr()
    watch.add(f"stdout of {argv[:2]}", out)
    watch.add(f"stderr of {argv[:2]}", err)
    return code, out, err


# The detector can fail


@pytest.mark.parametrize("shown", [KEY, KEY[:12], KEY[-12:]])
def test_the_watch_finds_a_key_in_a_log_record(shown: str) -> None:
    """A DEBUG record holding the key, or its first or last 12 characters, is found."""
    leaks = LeakWatch(KEY)
    with watching(leaks):
        logging.getLogger("tavus_async.planted").debug("sending header %s", shown)
        logging.getLogger("tavus_async.planted").debug("nothing secret here")

    assert [
        "log tavus_async.planted DEBUG message",
        "log tavus_async.planted DEBUG args",
        "log tavus_async.planted DEBUG fields",
    ] == [found.split(": ...")[0] for found in leaks.found]
    with pytest.raises(AssertionError, match="appeared in 3 place"):
        leaks.assert_clean()


def test_the_watch_finds_a_key_deep_in_an_exception_chain() -> None:
    """A key in an attribute of an exception's cause's context is found and named."""
    leaks = LeakWatch(KEY)
    inner = ValueError("harmless")
    inner.request = {"x-api-key": KEY[:12]}  # type: ignore[attr-defined]
    middle = OSError("reset")
    middle.__context__ = inner
    outer = APIConnectionError("failed", method="GET", url="u", request_sent=True)
    outer.__cause__ = middle

    leaks.add_exception("planted", outer)

    assert ["planted: ValueError.request"] == [f.split(": ...")[0] for f in leaks.found]


def test_the_watch_finds_a_key_in_a_logged_exception_and_its_arguments() -> None:
    """``log.exception`` and exceptions passed as log arguments are searched in full."""
    leaks = LeakWatch(KEY)
    hidden = ValueError("fine")
    hidden.add_note(f"note with {KEY}")
    with watching(leaks):
        try:
            raise hidden
        except ValueError as exc:
            logging.getLogger("tavus_async").exception("failed")
            logging.getLogger("tavus_async").warning("failed: %s", type(exc).__name__)
            logging.getLogger("tavus_async").warning("failed with %s", exc)

    places = "\n".join(leaks.found)
    assert "log tavus_async ERROR traceback" in places
    assert "log tavus_async WARNING argument 0" in places


def test_the_watch_finds_a_key_in_a_warning_and_fails_on_any_warning() -> None:
    """A warning is searched, then still fails the block (filterwarnings = error)."""
    leaks = LeakWatch(KEY)
    with pytest.raises(AssertionError, match="warnings were raised"), watching(leaks):
        warnings.warn(f"key {KEY}", UserWarning, stacklevel=1)

    assert ["warning 0"] == [f.split(": ...")[0] for f in leaks.found]


def test_the_watch_finds_a_key_in_printed_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Text printed to stdout holding the key's tail is found."""
    leaks = LeakWatch(KEY)
    print(f"debug: key ends {KEY[-12:]}")
    leaks.add("stdout", capsys.readouterr().out)

    assert 1 == len(leaks.found)


def test_the_plugin_fails_a_test_that_logs_the_key(tmp_path: Path) -> None:
    """Run as a plugin, the watch fails a test that logs FakeTavus's default key."""
    planted = tmp_path / "test_planted.py"
    planted.write_text(
        "import logging\n"
        "from tavus_async.testing import FakeTavus\n\n\n"
        "def test_leaks() -> None:\n"
        '    log = logging.getLogger("tavus_async")\n'
        '    log.debug("key %s", FakeTavus().api_key)\n\n\n'
        "def test_clean() -> None:\n"
        '    logging.getLogger("tavus_async").debug("nothing secret")\n'
    )

    result = _pytest_with_plugin(
        str(planted), "--rootdir", str(tmp_path), "-p", "no:asyncio"
    )

    assert 1 == result.returncode, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert "test_leaks (call): the API key appeared in 4 place(s)" in result.stdout
    assert "log tavus_async DEBUG message" in result.stdout
    assert "2 tests watched" in result.stdout


def test_the_plugin_passes_the_clients_own_suites(
    request: pytest.FixtureRequest,
) -> None:
    """Under the plugin, the client, CLI, watcher and webhook suites leak nothing."""
    if request.config.pluginmanager.has_plugin("key-hygiene-watch"):
        pytest.skip("the plugin already watches this whole run")
    files = [
        "tests/test_client.py",
        "tests/test_resilience.py",
        "tests/cli/test_api_commands.py",
        "tests/webhooks/test_receiver.py",
        "tests/test_watcher.py",
        "tests/webhooks/test_end_to_end.py",
    ]

    result = _pytest_with_plugin(*files)

    assert 0 == result.returncode, result.stdout[-3000:]
    assert " 0 leaks of the API key" in result.stdout


def _pytest_with_plugin(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "tests._key_hygiene"]
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [*command, "-p", "no:cacheprovider", "-q", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


# Canary scenarios: every call, every failure


async def test_every_call_succeeds_without_showing_the_key(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """Every service method succeeds with KEY; nothing it returns or logs shows it."""
    created = await tavus.replicas.create(CreateReplicaRequest(train_video_url=VIDEO))
    replica_id = created.replica_id
    await tavus.replicas.rename(replica_id, "Renamed")
    canary.finish_training(replica_id)
    conversation = await tavus.conversations.create(
        CreateConversationRequest(replica_id=replica_id)
    )
    conversation_id = conversation.conversation_id
    results: list[object] = [
        created,
        await tavus.replicas.get(replica_id, verbose=True),
        await tavus.replicas.list(limit=10),
        [r async for r in tavus.replicas.iter_all()],
        await tavus.voices.list(),
        [v async for v in tavus.voices.iter_all()],
        conversation,
        await tavus.conversations.get(conversation_id, verbose=True),
        await tavus.conversations.list(),
        [c async for c in tavus.conversations.iter_all()],
        tavus.with_options(max_retries=0, timeout=5),
    ]
    await tavus.conversations.end(conversation_id)
    await tavus.conversations.delete(conversation_id)
    await tavus.replicas.delete(replica_id)
    for number, result in enumerate(results):
        watch.add(f"result {number}", result)

    assert 14 <= canary.count()
    assert watch.searched > 50


@pytest.mark.parametrize(
    ("fault", "cls", "retries"),
    [
        (Fault.http(400), BadRequestError, 0),
        (Fault.http(401), AuthenticationError, 0),
        (Fault.http(403), PermissionDeniedError, 0),
        (Fault.http(404), NotFoundError, 0),
        (Fault.http(409), ConflictError, 0),
        (Fault.http(422), UnprocessableEntityError, 0),
        (Fault.http(429, retry_after=1), RateLimitError, 2),
        (Fault.http(500), InternalServerError, 2),
        (Fault.http(503, retry_after="0"), InternalServerError, 2),
        (Fault.drop(), APIConnectionError, 2),
        (Fault.garbage(), DecodeError, 0),
        (Fault.garbage(status=502), InternalServerError, 2),
    ],
)
async def test_each_failure_hides_the_key(
    watch: LeakWatch,
    canary: FakeTavus,
    tavus: TavusClient,
    fault: Fault,
    cls: type[APIError],
    retries: int,
) -> None:
    """Status errors, retries given up, drops and bad bodies all keep the key out."""
    canary.inject(fault, times=10)
    with capture_retries() as events, caught(watch, cls) as info:
        await tavus.replicas.get("r-missing")

    assert retries == len(events)
    watch.add("retry events", events)
    watch.add("error headers", getattr(info.value, "headers", None))


async def test_a_create_that_may_have_succeeded_hides_the_key(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """A 500 after a create carries the may-have-succeeded note, without the key."""
    canary.inject(Fault.http(500, after=True), method="POST")
    with caught(watch, InternalServerError) as info:
        await tavus.replicas.create(CreateReplicaRequest(train_video_url=VIDEO))

    assert info.value.may_have_succeeded
    assert info.value.__notes__


async def test_timeouts_refusals_and_closed_clients_hide_the_key(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """A read timeout, a refused connection and a closed client keep the key out."""
    canary.inject(Fault.slow(5))
    with caught(watch, APITimeoutError):
        await tavus.with_options(timeout=0.2, max_retries=0).voices.list()

    nowhere = f"http://127.0.0.1:{free_port()}"
    async with TavusClient(api_key=KEY, base_url=nowhere, max_retries=1) as client:
        with caught(watch, APIConnectionError):
            await client.replicas.get("r1")

    with caught(watch, ClientStateError):
        await client.replicas.get("r1")
    async with aiohttp.ClientSession() as session:
        shared = TavusClient(api_key=KEY, base_url=canary.url, session=session)
    with caught(watch, ClientStateError):
        await shared.voices.list()


async def test_bad_input_hides_the_key(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """ValidationErrors from every layer, raised before any request, keep it out."""
    with caught(watch, ValidationError):
        await tavus.replicas.get("")
    with caught(watch, ValidationError):
        await tavus.replicas.list(limit=0)
    with caught(watch, ValidationError):
        await tavus.voices.list(sort="up")  # type: ignore[arg-type]
    with caught(watch, ValidationError):
        CreateReplicaRequest(train_video_url="not a url")
    with caught(watch, ValidationError):
        TavusClient(api_key=KEY, base_url=canary.url, timeout=-1)
    with caught(watch, ValidationError):
        TavusClient(api_key=KEY, base_url="ftp://example.com")
    with caught(watch, ValidationError):
        ReplicaWatcher(tavus, poll_interval=-1)
    with caught(watch, ValidationError):
        tavus.with_options(max_retries=-1)
    with caught(watch, ValidationError):
        CallbackReceiver(secret="short", verify_with=tavus)

    assert 0 == canary.count()


async def test_a_malformed_answer_keeps_the_key_out_of_the_aiohttp_cause(
    watch: LeakWatch,
) -> None:
    """aiohttp's error for a broken HTTP answer lists the request headers: redacted."""
    async with (
        malformed_http() as url,
        TavusClient(api_key=KEY, base_url=url, max_retries=0) as client,
    ):
        with caught(watch, APIConnectionError) as info:
            await client.voices.list()

    cause = info.value.__cause__
    assert isinstance(cause, aiohttp.ClientResponseError)
    assert "<redacted>" == cause.request_info.headers["x-api-key"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("shared_session", [False, True])
async def test_a_redirect_never_carries_the_key_elsewhere(
    watch: LeakWatch, status: int, shared_session: bool
) -> None:
    """A 3xx to another loopback server is an error; that server never gets the key."""
    arrived: list[str | None] = []

    async def elsewhere(request: web.Request) -> web.Response:
        arrived.append(request.headers.get("x-api-key"))
        return web.json_response({"replica_id": "r1", "status": "completed"})

    async with serve(web.route("*", "/{tail:.*}", elsewhere)) as other:

        async def redirect(request: web.Request) -> web.Response:
            location = f"{other}{request.path}"
            return web.Response(status=status, headers={"Location": location})

        async with (
            serve(web.route("*", "/{tail:.*}", redirect)) as origin,
            aiohttp.ClientSession() as session,
            TavusClient(
                api_key=KEY,
                base_url=origin,
                session=session if shared_session else None,
            ) as client,
        ):
            with caught(watch, APIStatusError) as info:
                await client.replicas.get("r1")
            with caught(watch, APIStatusError):
                await client.replicas.create(
                    CreateReplicaRequest(train_video_url=VIDEO)
                )

    assert status == info.value.status_code
    assert [] == arrived


async def test_a_refused_key_is_not_echoed(watch: LeakWatch, canary: FakeTavus) -> None:
    """A wrong key gets a 401 whose error, logs and repr hold neither key."""
    async with TavusClient(api_key=WRONG_KEY, base_url=canary.url) as client:
        watch.add("repr(client)", client)
        with caught(watch, AuthenticationError) as info:
            await client.replicas.get("r1")
        watcher = ReplicaWatcher(client, sleep=canary.sleep, clock=canary.clock)
        with caught(watch, AuthenticationError):
            await watcher.wait(["r1"])

    assert "Invalid access token" == info.value.message


@pytest.mark.parametrize(
    "key",
    [
        f"{KEY[:10]}\n{KEY[10:]}",
        f"{KEY[:10]}\r\n{KEY[10:]}",
        f"{KEY[:10]}\x00{KEY[10:]}",
        f"{KEY[:10]}\t{KEY[10:]}",
        f"{KEY[:10]}\x7f{KEY[10:]}",
        f"{KEY[:10]}\u00e9{KEY[10:]}",
    ],
    ids=["newline", "crlf", "nul", "tab", "del", "non-ascii"],
)
def test_a_key_with_a_bad_character_is_refused_without_echo(key: str) -> None:
    """A control or non-ASCII character inside the key: ValidationError, key unshown."""
    leaks = LeakWatch(KEY, KEY[:10], KEY[10:])
    with watching(leaks), pytest.raises(ValidationError) as info:
        TavusClient(api_key=key, base_url="http://127.0.0.1:9")
    leaks.add_exception("ValidationError", info.value)

    assert "api_key" == info.value.field
    assert "control character" in str(info.value)
    leaks.assert_clean()


async def test_whitespace_around_the_key_is_stripped(
    watch: LeakWatch, canary: FakeTavus
) -> None:
    """A key read from a file with its newline (``$(cat key)``) still authenticates."""
    async with TavusClient(api_key=f" {KEY}\n", base_url=canary.url) as client:
        voices = await client.voices.list()

    assert 5 == len(voices.data)


# The watcher, the webhooks, the CLI


async def test_the_watcher_hides_the_key_through_faults_and_failures(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """Faulty polls, a failed and a timed-out replica: errors and logs keep it out."""
    good = canary.add_replica()
    bad = canary.add_replica(status="error", error_message="video too short")
    slow = canary.add_replica(
        status="started", timeline=[TimelineStep(after=3600, status="completed")]
    )
    for fault in (Fault.http(503), Fault.drop(), Fault.garbage(), Fault.http(429)):
        canary.inject(fault, times=3, method="GET", path="/v2/replicas*")
    watcher = ReplicaWatcher(
        tavus, poll_interval=1.0, sleep=canary.sleep, clock=canary.clock
    )

    with caught(watch, WatchError) as failed:
        await watcher.wait([good, bad], raise_on_error=True)
    stats = watcher.stats
    with caught(watch, WatchTimeoutError) as timed_out:
        await watcher.wait([good, slow], timeout=60, raise_on_error=True)

    assert [bad] == list(failed.value.failures)
    assert [slow] == list(timed_out.value.failures)
    assert stats.transient_failures >= 4


async def test_webhooks_hide_the_key_and_the_token(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """Refused callbacks, parse errors, forged and failing events: no key, no token."""
    leaks = LeakWatch(*SECRETS)
    handled: list[CallbackEvent] = []

    async def handler(event: CallbackEvent) -> None:
        handled.append(event)
        raise RuntimeError("the user's handler failed")

    real = canary.add_replica()
    receiver = CallbackReceiver(handler, secret=SECRETS, verify_with=tavus)
    body = b'{"replica_id": "%s", "status": "ready"}'
    json_type = "application/json"
    with watching(leaks):
        for query, content_type, payload in [
            ({}, json_type, body % real.encode()),
            ({"tavus_token": "wrong-token-0000000000"}, json_type, body % b"r1"),
            ({"tavus_token": SECRETS[0]}, "text/plain", body % b"r1"),
            ({"tavus_token": SECRETS[0]}, json_type, b"{not json"),
            ({"tavus_token": SECRETS[1]}, json_type, b'{"replica_id": 5}'),
            ({"tavus_token": SECRETS[1]}, json_type, body % b"r-forged"),
            ({"tavus_token": SECRETS[2]}, json_type, body % real.encode()),
        ]:
            answer = await receiver.receive(
                payload, content_type=content_type, query=query
            )
            leaks.add("answer", answer)
            watch.add("answer", answer)
        canary.inject(Fault.http(500), times=3, path="/v2/conversations/*")
        await receiver.receive(
            b'{"conversation_id": "c1", "event_type": "system.shutdown"}',
            content_type=json_type,
            query={"tavus_token": SECRETS[0]},
        )
        await receiver.aclose(grace=5)
        for bad in (b"", b"[]", b'{"replica_id": ""}', "\ud800"):
            with caught(watch, WebhookError) as info:
                parse_callback(bad)
            leaks.add_exception("parse_callback", info.value)

    stats = receiver.stats
    assert (3, 5, 1, 2) == (stats.accepted, stats.rejected, stats.forged, stats.failed)
    assert 2 == len(handled)
    leaks.assert_clean()


async def test_callbacks_from_the_fake_hide_the_key(
    watch: LeakWatch, canary: FakeTavus, tavus: TavusClient
) -> None:
    """Training callbacks posted by the fake settle a watch; nothing shows the key."""
    canary.mark_failing("short")
    watcher = ReplicaWatcher(tavus, poll_interval=600)
    receiver = CallbackReceiver(secret=SECRETS[0], watcher=watcher, verify_with=tavus)
    async with receiver, CallbackServer(receiver) as server:
        url = callback_url_for(server.url, secret=SECRETS[0])
        ids = [
            (
                await tavus.replicas.create(
                    CreateReplicaRequest.from_video(video, callback_url=url)
                )
            ).replica_id
            for video in (VIDEO, "https://cdn.example.com/short.mp4")
        ]
        async with asyncio.timeout(10):
            outcomes = await watcher.wait(ids)

    assert [True, False] == [outcomes[i].ok for i in ids]
    watch.add("outcomes", outcomes)


async def test_the_cli_hides_the_key(
    watch: LeakWatch,
    canary: FakeTavus,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Commands that succeed and fail, with --api-key or TAVUS_API_KEY: no key shown."""
    real = canary.add_replica()
    failed = canary.add_replica(status="error", error_message="video too short")
    at = ("--base-url", canary.url)
    flag = (*at, "--api-key", KEY)
    canary.inject(Fault.http(500, after=True), method="POST", path="/v2/replicas")
    canary.inject(Fault.http(429, retry_after=1), times=3, path="/v2/voices")
    runs = [
        (0, ("replicas", "get", real, *flag)),
        (1, ("replicas", "get", "r-missing", *flag)),
        (1, ("replicas", "create", "--train-video-url", VIDEO, *flag)),
        (1, ("voices", "list", *flag)),
        (2, ("replicas", "get", real, *at, "--api-key", WRONG_KEY)),
        (2, ("replicas", "get", real, *at, "--api-key", f"{KEY}\nmore")),
        (2, ("replicas", "list", "--base-url", "http://example.com", "--api-key", KEY)),
        (
            1,
            (
                "watch",
                real,
                failed,
                "--poll-interval",
                "0.1",
                "--progress",
                "log",
                *flag,
            ),
        ),
    ]
    for expected, argv in runs:
        code, _, err = await cli(capsys, watch, *argv)
        assert expected == code, (argv, err)

    monkeypatch.setenv("TAVUS_API_KEY", KEY)
    assert (0, 1) == (
        (await cli(capsys, watch, "replicas", "get", real, *at))[0],
        (await cli(capsys, watch, "conversations", "get", "c-missing", *at))[0],
    )
    monkeypatch.setenv("TAVUS_API_KEY", WRONG_KEY)
    code, _, err = await cli(capsys, watch, "voices", "list", *at)
    assert 2 == code
    assert "Tavus refused the API key" in err

    manifest = tmp_path / "batch.csv"
    manifest.write_text(
        "replica_name,train_video_url\n"
        f"ok,{VIDEO}\nbad,https://cdn.example.com/short.mp4\n"
    )
    canary.mark_failing("short")
    monkeypatch.setenv("TAVUS_API_KEY", KEY)
    code, _, _ = await cli(
        capsys,
        watch,
        "train",
        str(manifest),
        *at,
        "--poll-interval",
        "0.1",
        "--progress",
        "log",
    )
    assert 1 == code
    written = files_in(tmp_path)
    assert 3 <= len(written)
    for name, text in written.items():
        watch.add(f"file {name}", text)


# Plain http to a remote host is refused


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://tavusapi.com/",
        "HTTP://example.com:8080/v2",
        "http://10.0.0.1",
        "http://0.0.0.0:8080",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://[::ffff:8.8.8.8]",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(url: str) -> None:
    """Built outside any event loop, so before any socket: ValidationError, the fix."""
    with pytest.raises(ValidationError) as info:
        TavusClient(api_key=KEY, base_url=url)

    assert "base_url" == info.value.field
    assert "clear text" in str(info.value)
    assert "use https" in str(info.value)
    assert "allow_insecure_http=True" in str(info.value)
    assert KEY not in repr(info.value) + str(info.value)


def test_plain_http_from_the_environment_is_refused_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TAVUS_BASE_URL gets the same check as the argument."""
    monkeypatch.setenv("TAVUS_BASE_URL", "http://example.com")
    with pytest.raises(ValidationError, match="clear text"):
        TavusClient(api_key=KEY)


def test_the_opt_in_accepts_a_remote_plain_http_host() -> None:
    """``allow_insecure_http=True`` is the one way to send the key in clear text."""
    client = TavusClient(
        api_key=KEY, base_url="http://example.com:8080", allow_insecure_http=True
    )

    assert "http://example.com:8080/" == client.base_url


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("127.0.0.1", "http://127.0.0.1:{port}"),
        ("127.0.0.1", "http://localhost:{port}"),
        ("::1", "http://[::1]:{port}"),
    ],
)
async def test_plain_http_to_loopback_works_end_to_end(host: str, base: str) -> None:
    """127.0.0.1, localhost and [::1] are accepted and reach a fake on that address."""
    async with FakeTavus(api_key=KEY, host=host) as fake:
        port = fake.url.rsplit(":", 1)[1]
        async with TavusClient(api_key=KEY, base_url=base.format(port=port)) as client:
            voices = await client.voices.list()

    assert 5 == len(voices.data)


async def test_the_cli_refuses_plain_http_to_a_remote_host(
    capsys: pytest.CaptureFixture[str], watch: LeakWatch
) -> None:
    """``--base-url http://example.com`` exits 2 naming the flag and the danger."""
    code, out, err = await cli(
        capsys,
        watch,
        "voices",
        "list",
        "--base-url",
        "http://example.com",
        "--api-key",
        KEY,
    )

    assert (2, "") == (code, out)
    assert "--base-url: plain http to 'example.com'" in err
    assert "clear text; use https" in err


@pytest.mark.parametrize(
    ("url", "code"),
    [("http://example.com/tavus", 2), ("http://127.0.0.1:{port}/tavus", 1)],
)
async def test_the_callback_base_url_refuses_plain_http_to_a_remote_host(
    capsys: pytest.CaptureFixture[str],
    watch: LeakWatch,
    canary: FakeTavus,
    tmp_path: Path,
    url: str,
    code: int,
) -> None:
    """``train --callback-base-url http://remote`` exits 2; loopback http is used."""
    manifest = tmp_path / "one.csv"
    manifest.write_text(
        "replica_name,train_video_url\nbad,https://x.example/short.mp4\n"
    )
    canary.mark_failing("short")
    port = free_port()
    result = await cli(
        capsys,
        watch,
        "train",
        str(manifest),
        "--base-url",
        canary.url,
        "--api-key",
        KEY,
        "--poll-interval",
        "0.1",
        "--progress",
        "log",
        "--callback-base-url",
        url.format(port=port),
        "--listen",
        f"127.0.0.1:{port}",
    )

    assert code == result[0], result[2]
    if code == 2:
        assert "--callback-base-url: must use https" in result[2]


# Callback tokens are compared in constant time


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Every ``hmac.compare_digest`` call made by the token module, in order."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(given: bytes, expected: bytes) -> bool:
        calls.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(_token, "hmac", types.SimpleNamespace(compare_digest=counting))
    return calls


def _near_misses() -> list[Any]:
    """Wrong tokens as close to each secret as can be, with readable ids."""
    return [
        pytest.param(token, id=f"secret{number}-{kind}")
        for number, secret in enumerate(SECRETS)
        for kind, token in [
            ("first", "X" + secret[1:]),
            ("last", secret[:-1] + "X"),
            ("prefix", secret[:-1]),
            ("longer", secret + "x"),
            ("upper", secret.upper()),
            ("space", f" {secret}"),
            ("non-ascii", secret[:-1] + "\u00e9"),
        ]
    ]


async def test_every_secret_is_compared_with_compare_digest_for_every_token(
    comparisons: list[tuple[bytes, bytes]],
) -> None:
    """Right or wrong, each token meets every secret through compare_digest."""
    receiver = CallbackReceiver(lambda event: None, secret=SECRETS)
    expected = [s.encode() for s in SECRETS]
    body = b'{"replica_id": "r1", "status": "ready"}'
    wrong = ["x" * length for length in range(301)]
    wrong += [param.values[0] for param in _near_misses()]

    for token in [*wrong, *SECRETS]:
        comparisons.clear()
        answer = await receiver.receive(
            body, content_type="application/json", query={"tavus_token": token}
        )
        assert (200 if token in SECRETS else 401) == answer.status, token
        assert expected == [secret for _, secret in comparisons]
        assert {token.encode()} == {given for given, _ in comparisons}
    await receiver.aclose()


@pytest.mark.parametrize("token", _near_misses())
def test_a_near_miss_is_refused(
    comparisons: list[tuple[bytes, bytes]], token: str
) -> None:
    """Off by the first or last character, a prefix, longer: refused like any token."""
    assert not _token.token_matches({"tavus_token": token}, SECRETS)
    assert len(SECRETS) == len(comparisons)


def test_a_missing_token_is_refused_without_comparing(
    comparisons: list[tuple[bytes, bytes]],
) -> None:
    """No token at all says nothing about the secrets: refused, nothing compared."""
    assert not _token.token_matches(None, SECRETS)
    assert not _token.token_matches({"other": SECRETS[0]}, SECRETS)
    assert [] == comparisons
