"""atheris target: ``_http.decode`` gives an instance of the class or DecodeError.

The first byte of an input picks the class (:data:`seeds.DECODE_CLASSES`) and,
from 128 up, reads as if orjson were not installed (the ``json`` fallback);
the rest is the body of a 200 answer. Anything but an instance of the class
or DecodeError (any other exception, RecursionError and MemoryError included)
is a crash. On success, a page's items are instances of its item class.

Run by ``tests/fuzz/test_fuzz.py``; by hand, from the repository root::

    PYTHONPATH=. python tests/fuzz/fuzz_decode.py -max_total_time=600 CORPUS_DIR
"""

from __future__ import annotations

import sys
import typing
from typing import Any

import atheris

from tests.fuzz.seeds import DECODE_CLASSES


with atheris.instrument_imports(include=["tavus_async", "cattrs"]):
    from tavus_async import _http, _serde, types
    from tavus_async.errors import DecodeError

CONVERTER = _serde.make_converter()
CLASSES: list[Any] = [getattr(types, name) for name in DECODE_CLASSES]
ORJSON = _serde._fast_loads
URL = "http://127.0.0.1/v2/fuzz"


def test_one_input(data: bytes) -> None:
    """Check the contract on one input."""
    if not data:
        return
    cls = CLASSES[data[0] % len(CLASSES)]
    body = data[1:]
    response = _http.Response(status=200, headers={}, body=body, url=URL)
    _serde._fast_loads = ORJSON if data[0] < 128 else None
    try:
        result = _http.decode(CONVERTER, "GET", response, cls)
    except DecodeError as error:
        refused = error
    else:
        check(result, cls)
        return
    assert refused.body == body[:2000]


def check(result: Any, cls: Any) -> None:
    """``result`` is an instance of ``cls``; a page's items, of its item class."""
    origin = typing.get_origin(cls) or cls
    assert isinstance(result, origin), result
    if origin is types.Page:
        (item,) = typing.get_args(cls)
        assert all(isinstance(entry, item) for entry in result.data), result


def main() -> None:
    """Fuzz with libFuzzer's command line (``-max_total_time=N CORPUS_DIR``)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
