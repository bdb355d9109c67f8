"""atheris target: ``parse_callback`` returns an event or raises WebhookError.

Anything else (any other exception, RecursionError and MemoryError included)
is a crash. On success the event is one of the callback classes, its ``raw``
is a mapping, and parsing that mapping again gives an equal event of the same
class whose ``raw`` is that very object.

Run by ``tests/fuzz/test_fuzz.py``; by hand, from the repository root::

    PYTHONPATH=. python tests/fuzz/fuzz_callback.py -max_total_time=600 CORPUS_DIR
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import atheris


with atheris.instrument_imports(include=["tavus_async", "cattrs"]):
    from tavus_async.errors import WebhookError
    from tavus_async.types.webhooks import (
        ConversationCallback,
        ReplicaTrainingCallback,
        VideoCallback,
    )
    from tavus_async.webhooks import parse_callback


def test_one_input(data: bytes) -> None:
    """Check the contract on one input."""
    try:
        event = parse_callback(data)
    except WebhookError:
        return
    assert isinstance(
        event, ReplicaTrainingCallback | VideoCallback | ConversationCallback
    ), event
    assert isinstance(event.raw, Mapping), event.raw
    again = parse_callback(event.raw)
    assert again.raw is event.raw
    assert type(again) is type(event)
    assert again == event


def main() -> None:
    """Fuzz with libFuzzer's command line (``-max_total_time=N CORPUS_DIR``)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
