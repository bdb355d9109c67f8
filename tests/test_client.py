"""TavusClient configuration and lifecycle, over real loopback sockets."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

import tavus_async
from tavus_async import (
    APIStatusError,
    AuthenticationError,
    ClientState,
    ClientStateError,
    RateLimitError,
    TavusClient,
    Timeout,
    ValidationError,
    create_session,
)
from tavus_async.session import _client_timeout
from tavus_async.testing import FakeTavus, Fault, free_port


def test_no_api_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a key argument or TAVUS_API_KEY the client refuses to build."""
    monkeypatch.delenv("TAVUS_API_KEY", raising=False)

    with pytest.raises(ValidationError, match="TAVUS_API_KEY") as info:
        TavusClient()

    assert "api_key" == info.value.field


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """TAVUS_API_KEY and TAVUS_BASE_URL are read when no argument is given."""
    monkeypatch.setenv("TAVUS_API_KEY", "env-key")
    monkeypatch.setenv("TAVUS_BASE_URL", "http://127.0.0.1:9")

    client = TavusClient()

    assert "http://127.0.0.1:9/" == client.base_url


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default base URL is Tavus's."""
    monkeypatch.delenv("TAVUS_BASE_URL", raising=False)

    assert "https://tavusapi.com/" == TavusClient(api_key="k").base_url


def test_plain_http_to_a_remote_host_is_refused() -> None:
    """The key never travels in clear text unless the caller opts in."""
    with pytest.raises(ValidationError, match="clear text"):
        TavusClient(api_key="k", base_url="http://tavus.example.com")

    opted_in = TavusClient(
        api_key="k", base_url="http://tavus.example.com", allow_insecure_http=True
    )
    assert "http://tavus.example.com/" == opted_in.base_url


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"connection_limit": 0}, "connection_limit"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, object], field: str) -> None:
    """Settings are checked at construction."""
    with pytest.raises(ValidationError) as info:
        TavusClient(api_key="k", **kwargs)  # type: ignore[arg-type]

    assert field == info.value.field


def test_timeout_limits_are_checked() -> None:
    """Each limit of a Timeout must be positive."""
    with pytest.raises(ValidationError) as info:
        Timeout(total=-1)

    assert "timeout.total" == info.value.field


def test_repr_never_shows_the_key() -> None:
    """The key is not in the client's repr or its vars' reprs."""
    client = TavusClient(api_key="sk-very-secret", base_url="http://127.0.0.1:1")

    assert "sk-very-secret" not in repr(client)
    assert "TavusClient(base_url='http://127.0.0.1:1/', state=unopened)" == repr(client)


def test_construction_needs_no_event_loop() -> None:
    """A client may be built at import time; the session comes later, in the loop."""
    client = TavusClient(api_key="k")

    assert ClientState.UNOPENED is client.state


def test_create_session_outside_a_loop_is_refused() -> None:
    """The session factory refuses to run without a running event loop."""
    with pytest.raises(ClientStateError, match="running event loop"):
        create_session()


async def test_lifecycle(fake: FakeTavus) -> None:
    """unopened -> opened -> closed; a closed client refuses further use."""
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)
    assert ClientState.UNOPENED is client.state

    async with client:
        assert ClientState.OPENED is client.state
        await client.voices.list()

    assert client.is_closed
    with pytest.raises(ClientStateError, match="closed"):
        await client.voices.list()
    with pytest.raises(ClientStateError):
        async with client:
            pass
    await client.aclose()


async def test_opening_twice_is_refused(fake: FakeTavus) -> None:
    """A second `async with` on the same client is an error, not a silent reuse."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        with pytest.raises(ClientStateError, match="opened once"):
            await client.__aenter__()


async def test_first_request_opens_without_async_with(fake: FakeTavus) -> None:
    """A client used without `async with` opens lazily and closes with aclose()."""
    client = TavusClient(api_key=fake.api_key, base_url=fake.url)
    try:
        await client.voices.list()
        assert ClientState.OPENED is client.state
    finally:
        await client.aclose()

    assert client.is_closed


async def test_shared_session_is_never_closed(fake: FakeTavus) -> None:
    """A caller's session stays open after the client closes."""
    async with aiohttp.ClientSession() as session:
        async with TavusClient(
            api_key=fake.api_key, base_url=fake.url, session=session
        ) as client:
            await client.voices.list()

        assert not session.closed
        assert client.is_closed
        async with session.get(f"{fake.url}/v2/voices") as answer:
            assert 401 == answer.status


async def test_shared_session_closed_by_its_owner(fake: FakeTavus) -> None:
    """Using a client whose borrowed session was closed is a clear error."""
    session = create_session()
    client = TavusClient(api_key=fake.api_key, base_url=fake.url, session=session)
    await session.close()

    with pytest.raises(ClientStateError, match="session"):
        await client.voices.list()
    await client.aclose()


async def test_owned_session_is_closed(fake: FakeTavus) -> None:
    """The session the client made is closed with it: no unclosed-session warning."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        await client.voices.list()
    del client
    gc.collect()


async def test_headers_sent(fake: FakeTavus, client: TavusClient) -> None:
    """Every request carries the key, the User-Agent and Accept; bodies are JSON."""
    await client.voices.list()
    await client.replicas.create(
        tavus_async.CreateReplicaRequest(
            train_video_url="https://cdn.example.com/v.mp4"
        )
    )

    get, post = fake.requests
    assert f"tavus-async/{tavus_async.__version__}" == get.headers["user-agent"]
    assert "application/json" == get.headers["accept"]
    assert "<redacted>" == get.headers["x-api-key"]
    assert "content-type" not in get.headers
    assert "application/json" == post.headers["content-type"]


async def test_wrong_key_is_an_authentication_error(fake: FakeTavus) -> None:
    """A 401 raises AuthenticationError at once, with Tavus's message, never the key."""
    async with TavusClient(api_key="sk-wrong-secret", base_url=fake.url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.replicas.get("r1")

    assert "Invalid access token" == info.value.message
    assert 1 == fake.count()
    assert "sk-wrong-secret" not in repr(info.value) + str(info.value)


async def test_with_options_shares_the_session(fake: FakeTavus) -> None:
    """A with_options view uses the parent's connection and lifecycle."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        view = client.with_options(max_retries=0, timeout=5)
        await view.voices.list()

        assert view.state is client.state
        assert view._core is client._core

    assert view.is_closed


async def test_closing_a_view_leaves_the_client_open(fake: FakeTavus) -> None:
    """A view owns nothing: its aclose() and `async with` leave the session open."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        async with client.with_options(timeout=5) as view:
            await view.voices.list()
        await client.with_options(max_retries=0).aclose()

        assert not view.is_closed
        await client.voices.list()
        assert 2 == fake.count()

    assert view.is_closed
    with pytest.raises(ClientStateError):
        await view.voices.list()


async def test_timeouts_per_call_leave_nothing_behind(fake: FakeTavus) -> None:
    """A backend passing the time left of a deadline: what is kept is bounded."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        await client.voices.list()
        gc.collect()
        before = sum(isinstance(o, aiohttp.ClientTimeout) for o in gc.get_objects())
        for i in range(200):
            await client.with_options(timeout=Timeout(total=30 - i / 100)).voices.list()
        gc.collect()
        after = sum(isinstance(o, aiohttp.ClientTimeout) for o in gc.get_objects())

    assert after - before <= _client_timeout.cache_info().maxsize < 200


async def test_key_never_logged(
    fake: FakeTavus, caplog: pytest.LogCaptureFixture
) -> None:
    """Debug logs name method, URL, status, attempt and time, never the key."""
    caplog.set_level(logging.DEBUG, logger="tavus_async")
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        await client.voices.list()
        with pytest.raises(tavus_async.BadRequestError):
            await client.replicas.get("r-missing")

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert fake.api_key not in text
    assert "GET " in text
    assert "-> 200" in text
    assert "-> 400" in text
    assert "(attempt 1)" in text


async def test_connection_failures_are_logged_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed attempt gets its debug line too: method, URL, time, attempt."""
    caplog.set_level(logging.DEBUG, logger="tavus_async")
    url = f"http://127.0.0.1:{free_port()}"
    async with TavusClient(api_key="k-secret", base_url=url, max_retries=0) as client:
        with pytest.raises(tavus_async.APIConnectionError):
            await client.voices.list()

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"GET {url}/v2/voices" in text
    assert "failed after" in text
    assert "(attempt 1)" in text
    assert "k-secret" not in text


async def test_nothing_is_logged_below_debug(
    fake: FakeTavus, caplog: pytest.LogCaptureFixture
) -> None:
    """At INFO a call that succeeds writes no line (the debug lines cost nothing)."""
    caplog.set_level(logging.INFO, logger="tavus_async")
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
        await client.voices.list()

    assert [] == caplog.records


async def test_redirects_are_not_followed() -> None:
    """A redirect is an error, never followed: the key must not reach another host."""
    seen: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(request.headers.get("x-api-key", ""))
        return web.json_response({"replica_id": "r1", "status": "started"})

    async with serve(web.get("/{tail:.*}", elsewhere)) as other:

        async def redirect(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"{other}/v2/replicas/r1")

        async with (
            serve(web.get("/{tail:.*}", redirect)) as origin,
            TavusClient(api_key="sk-secret", base_url=origin) as client,
        ):
            with pytest.raises(APIStatusError) as info:
                await client.replicas.get("r1")

    assert 302 == info.value.status_code
    assert [] == seen


async def test_error_headers_are_lower_case(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Response headers on a status error are looked up by lower-case name."""
    fake.inject(Fault.http(429, retry_after=1), path="/v2/voices")

    with pytest.raises(RateLimitError) as info:
        await client.with_options(max_retries=0).voices.list()

    assert "1" == info.value.headers["retry-after"]


@contextlib.asynccontextmanager
async def serve(*routes: web.RouteDef) -> AsyncIterator[str]:
    """A bare aiohttp app on an ephemeral loopback port."""
    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
