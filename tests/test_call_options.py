"""Per-call options (timeout=, extra_headers=, extra_query=) and with_raw_response."""

from __future__ import annotations

import asyncio
import inspect
import typing
from typing import Any, cast

import pytest

from tavus_async import (
    APITimeoutError,
    CreateReplicaRequest,
    RawResponse,
    RequestOptions,
    TavusClient,
    UnknownIdError,
    ValidationError,
    with_raw_response,
)
from tavus_async._http import Request
from tavus_async._options import apply, merge_headers
from tavus_async.testing import FakeTavus, Fault
from tavus_async.watch import WatchSettings


VIDEO = "https://cdn.example.com/train.mp4"


def _services(client: TavusClient) -> dict[str, object]:
    return {
        name: service
        for name, service in vars(client).items()
        if not name.startswith("_")
    }


def test_every_service_method_takes_the_per_call_options(fake: FakeTavus) -> None:
    """Each public method of each service ends with ``**options: RequestOptions``."""
    client = TavusClient(api_key="k", base_url=fake.url)
    checked = 0
    for name, service in _services(client).items():
        for method_name, method in inspect.getmembers(service, inspect.ismethod):
            if method_name.startswith("_"):
                continue
            parameters = list(inspect.signature(method).parameters.values())
            last = parameters[-1]
            hints = typing.get_type_hints(method, include_extras=True)
            assert inspect.Parameter.VAR_KEYWORD == last.kind, f"{name}.{method_name}"
            expected = WatchSettings if method_name == "watcher" else RequestOptions
            assert typing.Unpack[expected] == hints[last.name], method_name
            checked += 1
    assert checked >= 14


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"timout": 1}, "timout", "not a per-call option"),
        ({"timeout": 0}, "timeout", "positive"),
        ({"timeout": "5"}, "timeout", "seconds or a Timeout"),
        ({"timeout": True}, "timeout", "seconds or a Timeout"),
        ({"extra_headers": ["a"]}, "extra_headers", "mapping"),
        ({"extra_headers": {"bad name": "x"}}, "extra_headers", "valid header name"),
        (
            {"extra_headers": {"X-Api-Key": "k2"}},
            "extra_headers",
            "a TavusClient per key",
        ),
        ({"extra_headers": {"X-A": "a\nb"}}, "extra_headers['X-A']", "no line break"),
        ({"extra_headers": {"X-A": 1}}, "extra_headers['X-A']", "string"),
        ({"extra_query": {"a": {"b": 1}}}, "extra_query['a']", "sequence of strings"),
        ({"extra_query": {"": "x"}}, "extra_query", "empty name"),
        ({"extra_query": "a=b"}, "extra_query", "mapping"),
    ],
)
def test_bad_options_are_named(options: dict[str, Any], field: str, words: str) -> None:
    """Each bad option is refused, naming it, before anything is built further."""
    with pytest.raises(ValidationError) as caught:
        apply(Request(method="GET", path="v2/replicas"), options)
    assert field == caught.value.field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("params", "extra", "expected"),
    [
        ((), {"a": "1"}, (("a", "1"),)),
        (
            (("limit", "5"), ("page", "2")),
            {"limit": 7},
            (("page", "2"), ("limit", "7")),
        ),
        ((("a", "1"),), {"b": True, "c": None}, (("a", "1"), ("b", "true"))),
        ((), {"ids": ["r1", "r2"]}, (("ids", "r1,r2"),)),
    ],
)
def test_extra_query_adds_and_replaces(
    params: tuple[tuple[str, str], ...],
    extra: dict[str, Any],
    expected: tuple[tuple[str, str], ...],
) -> None:
    """extra_query replaces the method's own parameter of the same name."""
    request = Request(method="GET", path="v2/replicas", params=params)
    assert expected == apply(request, {"extra_query": extra}).params


def test_no_options_keeps_the_request() -> None:
    """Without options the very same request goes out (no copy on the hot path)."""
    request = Request(method="GET", path="v2/replicas")
    assert request is apply(request, {})


@pytest.mark.parametrize(
    ("base", "extra", "expected"),
    [
        ({"User-Agent": "a"}, (("user-agent", "b"),), {"user-agent": "b"}),
        ({"Accept": "x"}, (("X-Trace", "t"),), {"Accept": "x", "X-Trace": "t"}),
        ({}, (("X-T", "t"),), {"X-T": "t"}),
    ],
)
def test_merge_headers_ignores_case(
    base: dict[str, str], extra: tuple[tuple[str, str], ...], expected: dict[str, str]
) -> None:
    """An extra header replaces the client's of the same name, whatever its case."""
    assert expected == merge_headers(base, extra)


async def test_extra_headers_and_query_reach_tavus(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Headers and query parameters of one call go out with that call only."""
    await client.replicas.list(
        limit=5,
        extra_headers={"X-Trace": "t-1", "user-agent": "mine/1"},
        extra_query={"limit": 7, "future_filter": "x"},
    )
    await client.replicas.list(limit=5)

    first, second = fake.requests[-2:]
    assert {"limit": "7", "future_filter": "x"} == first.query
    assert "t-1" == first.headers["x-trace"]
    assert "mine/1" == first.headers["user-agent"]
    assert {"limit": "5"} == second.query
    assert "x-trace" not in second.headers
    assert second.headers["user-agent"].startswith("tavus-async/")


async def test_options_go_with_every_page_of_iter_all(
    fake: FakeTavus, client: TavusClient
) -> None:
    """iter_all sends the per-call options with each page it fetches."""
    for number in range(5):
        fake.add_replica(replica_name=f"r{number}")
    listed = [
        r async for r in client.replicas.iter_all(limit=2, extra_headers={"X-T": "1"})
    ]
    assert 5 == len(listed)
    pages = [r for r in fake.requests if r.path == "/v2/replicas"]
    assert 3 == len(pages)
    assert all("1" == r.headers["x-t"] for r in pages)


async def test_bad_options_send_nothing(fake: FakeTavus, client: TavusClient) -> None:
    """A bad option fails the call (iter_all: at the call) before any request."""
    loose = cast(Any, client.replicas)
    with pytest.raises(ValidationError, match="timout"):
        await loose.get("r1234567890", timout=3)
    with pytest.raises(ValidationError, match="x-api-key"):
        client.replicas.iter_all(extra_headers={"x-api-key": "other"})
    assert 0 == len(fake.requests)


async def test_a_per_call_timeout_replaces_the_clients(fake: FakeTavus) -> None:
    """timeout= bounds this call, not the client's other calls."""
    fake.inject(Fault.slow(600), times=1)
    async with TavusClient(
        api_key=fake.api_key, base_url=fake.url, timeout=600, max_retries=0
    ) as client:
        with pytest.raises(APITimeoutError):
            await client.voices.list(timeout=0.2)
        page = await client.voices.list()
    assert 5 == page.total_count


async def test_raw_response_of_a_get(fake: FakeTavus, client: TavusClient) -> None:
    """with_raw_response gives the parsed model with the answer's status and headers."""
    replica_id = fake.add_replica(replica_name="Rio")
    raw = await with_raw_response(client.replicas.get, replica_id, verbose=True)

    assert isinstance(raw, RawResponse)
    assert replica_id == raw.parsed.replica_id
    assert (200, "GET", 1) == (raw.status_code, raw.method, raw.attempts)
    assert raw.url.endswith(f"/v2/replicas/{replica_id}?verbose=true")
    assert "application/json" in raw.headers["Content-Type"]
    assert raw.request_id is None


async def test_raw_response_reads_the_request_id_and_counts_retries(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A retried call reports its attempts and the answer that succeeded."""
    fake.inject(Fault.http(503), times=1)
    fake.inject(
        Fault(
            kind="status",
            status=200,
            body=b'{"data": [], "total_count": 0}',
            headers={"x-request-id": "req-42", "Content-Type": "application/json"},
        ),
        times=1,
    )
    raw = await with_raw_response(client.conversations.list)
    assert (0, 2, "req-42") == (raw.parsed.total_count, raw.attempts, raw.request_id)


async def test_raw_response_of_a_delete(fake: FakeTavus, client: TavusClient) -> None:
    """A method returning None still shows its answer."""
    replica_id = fake.add_replica()
    raw = await with_raw_response(client.replicas.delete, replica_id, hard=True)
    assert (None, 200, "DELETE") == (raw.parsed, raw.status_code, raw.method)


async def test_raw_response_raises_as_the_method_does(client: TavusClient) -> None:
    """Errors are not wrapped: they carry their own status and headers."""
    with pytest.raises(UnknownIdError):
        await with_raw_response(client.replicas.get, "r0000000000")


async def test_concurrent_raw_responses_keep_their_own_answer(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Many wrapped calls in flight at once each see the answer to their request."""
    ids = [fake.add_replica(replica_name=f"r{n}") for n in range(40)]
    fake.inject(Fault.http(503), times=10)
    wrapped, plain = await asyncio.gather(
        asyncio.gather(*(with_raw_response(client.replicas.get, i) for i in ids)),
        asyncio.gather(*(client.replicas.get(i) for i in ids)),
    )
    assert ids == [raw.parsed.replica_id for raw in wrapped]
    assert ids == [replica.replica_id for replica in plain]
    assert all(raw.url.endswith(i) for raw, i in zip(wrapped, ids, strict=True))


async def test_raw_response_of_a_create(fake: FakeTavus, client: TavusClient) -> None:
    """A create's answer is there too (Tavus answers 200 for it)."""
    request = CreateReplicaRequest(train_video_url=VIDEO)
    raw = await with_raw_response(client.replicas.create, request, timeout=30)
    assert (200, "POST") == (raw.status_code, raw.method)
    assert VIDEO == fake.requests[-1].json["train_video_url"]
    assert "started" == (await client.replicas.get(raw.parsed.replica_id)).status


async def test_a_call_without_a_request_is_refused() -> None:
    """Wrapping something that sends nothing is a TypeError, not a made-up answer."""

    async def nothing() -> int:
        return 1

    with pytest.raises(TypeError, match="without a request"):
        await with_raw_response(nothing)
