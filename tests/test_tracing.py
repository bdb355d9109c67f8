"""Tracing: OpenTelemetry sees one span per Tavus request, retries included.

The spans come from ``opentelemetry-instrumentation-aiohttp-client`` and are
read back with the SDK's in-memory exporter; the requests go to FakeTavus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import (
    AioHttpClientInstrumentor,
    create_trace_config,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from tavus_async import TavusClient, ValidationError, create_session
from tavus_async.testing import FakeTavus, Fault


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
async def traced(
    fake: FakeTavus, provider: TracerProvider
) -> AsyncIterator[TavusClient]:
    async with TavusClient(
        api_key=fake.api_key,
        base_url=fake.url,
        trace_configs=[create_trace_config(tracer_provider=provider)],
    ) as client:
        yield client


def _http_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind is trace.SpanKind.CLIENT]


def _status(span: ReadableSpan) -> object:
    attributes = span.attributes or {}
    # the attribute's name depends on the semantic conventions in force
    return attributes.get(
        "http.response.status_code", attributes.get("http.status_code")
    )


async def test_one_span_per_request_and_retries_are_spans(
    fake: FakeTavus,
    traced: TavusClient,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    replica_id = fake.add_replica(status="completed")
    fake.inject(Fault.http(503), times=1, path=f"/v2/replicas/{replica_id}")
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("handler") as handler:
        await traced.replicas.get(replica_id)
        await traced.replicas.list()

    spans = _http_spans(exporter)
    assert [503, 200, 200] == [_status(s) for s in spans]
    parent = handler.get_span_context().span_id
    assert [parent] * 3 == [s.parent.span_id if s.parent else None for s in spans]
    assert 3 == len(fake.requests)


async def test_spans_hold_no_api_key(
    fake: FakeTavus, traced: TavusClient, exporter: InMemorySpanExporter
) -> None:
    await traced.replicas.list()
    (span,) = _http_spans(exporter)
    texts = [span.name, *map(str, (span.attributes or {}).values())]
    assert not [t for t in texts if fake.api_key in t]


async def test_the_global_instrumentor_traces_the_clients_own_session(
    fake: FakeTavus, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    instrumentor = AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        async with TavusClient(api_key=fake.api_key, base_url=fake.url) as client:
            await client.replicas.list()
    finally:
        instrumentor.uninstrument()
    assert [200] == [_status(s) for s in _http_spans(exporter)]


async def test_a_shared_session_takes_its_own_trace_configs(
    fake: FakeTavus, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    config = create_trace_config(tracer_provider=provider)
    async with create_session(trace_configs=[config]) as session:
        client = TavusClient(api_key=fake.api_key, base_url=fake.url, session=session)
        async with client:
            await client.voices.list()
    assert [200] == [_status(s) for s in _http_spans(exporter)]


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"trace_configs": "config"}, "must be a sequence of aiohttp.TraceConfig"),
        ({"trace_configs": [object()]}, "must be a sequence of aiohttp.TraceConfig"),
        ({"trace_configs": aiohttp.TraceConfig()}, "must be a sequence"),
    ],
)
def test_bad_trace_configs_are_refused(kwargs: dict[str, object], fix: str) -> None:
    with pytest.raises(ValidationError, match=fix) as caught:
        TavusClient(api_key="k", **kwargs)  # type: ignore[arg-type]
    assert "trace_configs" == caught.value.field


async def test_trace_configs_with_a_session_of_your_own_are_refused() -> None:
    async with create_session() as session:
        with pytest.raises(ValidationError, match=r"create_session\(trace_configs"):
            TavusClient(
                api_key="k", session=session, trace_configs=[aiohttp.TraceConfig()]
            )
