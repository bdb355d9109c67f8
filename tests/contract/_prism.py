"""What the Prism contract tests share: recording exchanges and judging them."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async import APIStatusError, DecodeError, TavusClient, create_session
from tests.contract._spec import undocumented


API_KEY = "contract-test-key"


@attrs.frozen
class Exchange:
    """One HTTP exchange as aiohttp saw it."""

    method: str
    path: str
    query: Mapping[str, str]
    status: int
    violations: str | None
    body: Any = None


class Exchanges:
    """Records every exchange of a session, with Prism's ``sl-violations``."""

    def __init__(self) -> None:
        self.seen: list[Exchange] = []

    def trace_config(self) -> aiohttp.TraceConfig:
        """A trace config that records into this object."""
        config = aiohttp.TraceConfig()
        config.on_request_chunk_sent.append(self._on_chunk_sent)
        config.on_request_end.append(self._on_request_end)
        return config

    async def _on_chunk_sent(
        self,
        _session: aiohttp.ClientSession,
        context: Any,
        params: aiohttp.TraceRequestChunkSentParams,
    ) -> None:
        context.body = getattr(context, "body", b"") + params.chunk

    async def _on_request_end(
        self,
        _session: aiohttp.ClientSession,
        context: Any,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        sent = getattr(context, "body", b"")
        self.seen.append(
            Exchange(
                method=params.method,
                path=params.url.path,
                query=dict(params.url.query),
                status=params.response.status,
                violations=params.response.headers.get("sl-violations"),
                body=json.loads(sent) if sent else None,
            )
        )

    def last(self) -> Exchange:
        """The most recent exchange."""
        assert self.seen, "no request was sent"
        return self.seen[-1]


@contextlib.contextmanager
def accepted(exchanges: Exchanges) -> Iterator[None]:
    """Fail with Prism's evidence if a request here is rejected or unparsable."""
    start = len(exchanges.seen)
    try:
        yield
    except APIStatusError as exc:
        headers = {name.lower(): value for name, value in exc.headers.items()}
        pytest.fail(
            f"Prism rejected the request: {exc}\n"
            f"content-type: {headers.get('content-type')}\n"
            f"body: {json.dumps(exc.body, indent=2)}\n"
            f"sl-violations: {headers.get('sl-violations')}",
            pytrace=False,
        )
    except DecodeError as exc:
        pytest.fail(
            f"the client could not parse Prism's answer: {exc}\n"
            f"body: {exc.body.decode('utf-8', 'replace')}",
            pytrace=False,
        )
    flagged = [e for e in exchanges.seen[start:] if e.violations]
    assert [] == flagged, "Prism flagged spec violations (sl-violations header)"
    unknown = {
        f"{e.method} {e.path}": found
        for e in exchanges.seen[start:]
        if (found := undocumented(e.method, e.path, e.query, e.body))
    }
    assert {} == unknown, "sent what Tavus's OpenAPI document does not have"


@contextlib.asynccontextmanager
async def open_client(
    base_url: str, exchanges: Exchanges, headers: Mapping[str, str] | None = None
) -> AsyncIterator[TavusClient]:
    """A client on a recording session; ``headers`` go on every request."""
    session = create_session(headers=headers, trace_configs=[exchanges.trace_config()])
    try:
        async with TavusClient(
            api_key=API_KEY, base_url=base_url, max_retries=0, session=session
        ) as client:
            yield client
    finally:
        await session.close()


def assert_covered(covered: Mapping[type, Mapping[str, str]]) -> None:
    """Each public method of each service has a contract test named in ``covered``.

    ``watcher`` sends nothing itself: its requests are ``get`` and ``list``.
    """
    for service, tests in covered.items():
        public = {
            name
            for name, _ in inspect.getmembers(service, inspect.isfunction)
            if not name.startswith("_") and name != "watcher"
        }
        assert set(tests) == public, service.__name__
