"""Test helpers for code that uses tavus_async (and for tavus_async's own tests).

- :class:`FakeTavus`: an in-process Tavus API on 127.0.0.1 with real state,
  replicas that train over a configurable time or follow scripted
  :class:`TimelineStep` timelines, a virtual clock, fault injection and a
  request log. Point a :class:`~tavus_async.TavusClient` at ``fake.url``.
  It POSTs Tavus's webhooks to each ``callback_url`` and records each as a
  :class:`CallbackDelivery`.
- :func:`set_testing`: retries still happen but never wait, so a suite that
  provokes 429s and 503s stays fast. :func:`capture_retries` records the
  waits that would have been slept.

Example (pytest with pytest-asyncio)::

    @pytest.fixture
    async def tavus():
        set_testing(True)
        async with FakeTavus() as fake, TavusClient(
            api_key=fake.api_key, base_url=fake.url
        ) as client:
            yield fake, client
        set_testing(False)
"""

from tavus_async._retry import RetryEvent, capture_retries, is_testing, set_testing
from tavus_async.testing._callbacks import CallbackDelivery
from tavus_async.testing._fake import FakeTavus
from tavus_async.testing._faults import Fault, RecordedRequest
from tavus_async.testing._net import free_port
from tavus_async.testing._timeline import TimelineStep


__all__ = [
    "CallbackDelivery",
    "FakeTavus",
    "Fault",
    "RecordedRequest",
    "RetryEvent",
    "TimelineStep",
    "capture_retries",
    "free_port",
    "is_testing",
    "set_testing",
]
