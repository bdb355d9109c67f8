"""Shared fixtures: testing mode for retries, and a fake Tavus with a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from tavus_async import TavusClient
from tavus_async.testing import FakeTavus, set_testing


pytest_plugins = ["tests._key_hygiene"]
"""Every test runs watched for the API key (see ``tests/_key_hygiene.py``)."""


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Every test runs in retry testing mode: retries happen, waits are skipped."""
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTavus]:
    """A running FakeTavus on an ephemeral loopback port."""
    async with FakeTavus(training_time=5.0, seed=1234) as server:
        yield server


@pytest.fixture
async def client(fake: FakeTavus) -> AsyncIterator[TavusClient]:
    """A TavusClient bound to the fake."""
    async with TavusClient(api_key=fake.api_key, base_url=fake.url) as tavus:
        yield tavus


@pytest.fixture
async def http(fake: FakeTavus) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session pointed at the fake with the right API key."""
    headers = {"x-api-key": fake.api_key}
    async with aiohttp.ClientSession(fake.url, headers=headers) as session:
        yield session
