"""``parse_json``: orjson when installed, and always the same result as ``json``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest

from tavus_async import _serde


BODIES = [
    b'{"replica_id": "r1", "status": "completed"}',
    b'{"data": [], "total_count": 0}',
    b"[1, 2.5, -0.0, 1e-7, true, false, null]",
    b'{"a": 1, "a": 2}',
    b'{"big": 18446744073709551615, "small": -9223372036854775808}',
    b'{"x": NaN, "y": Infinity, "z": -Infinity}',
    b'{"huge": 1e400}',
    b'{"lone": "\\ud800"}',
    b'{"emoji": "\\ud83d\\ude00", "raw": "\xc3\xa9"}',
    '{"utf16": "é"}'.encode("utf-16"),
    b'\xef\xbb\xbf{"bom": true}',
    b'  \n{"spaced": 1}\n  ',
    b'"just a string"',
]
NOT_JSON_ERRORS = (json.JSONDecodeError, UnicodeDecodeError)
NOT_JSON = [b"", b"{", b"{'single': 1}", b"<html>", b"\xff\xfe\xfa", b'{"a": 1,}']


@pytest.fixture(params=["orjson", "json"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test with orjson installed and as if it were not."""
    if request.param == "json":
        monkeypatch.setattr(_serde, "_fast_loads", None)
    else:
        assert _serde._fast_loads is not None, "orjson is a dev dependency"
    return str(request.param)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and the types of numbers kept apart."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


@pytest.mark.parametrize("body", BODIES)
def test_parse_json_gives_what_json_gives(decoder: str, body: bytes) -> None:
    """Whatever reads the body, the value is the one ``json.loads`` returns."""
    assert same(json.loads(body), _serde.parse_json(body))


def test_integers_past_64_bits_are_the_one_difference(decoder: str) -> None:
    """orjson reads them as floats, json as exact integers; Tavus sends none."""
    value = _serde.parse_json(b"[123456789012345678901234567890]")[0]
    expected = (
        1.2345678901234568e29 if decoder == "orjson" else 123456789012345678901234567890
    )
    assert type(expected) is type(value)
    assert expected == value


@pytest.mark.parametrize("body", NOT_JSON)
def test_parse_json_refuses_what_json_refuses(decoder: str, body: bytes) -> None:
    """A body that is not JSON raises json's own errors (ValueErrors) either way."""
    with pytest.raises(NOT_JSON_ERRORS):
        json.loads(body)
    with pytest.raises(NOT_JSON_ERRORS):
        _serde.parse_json(body)


def test_without_orjson_the_standard_library_reads() -> None:
    """Installed without the extra, tavus_async imports and decodes with json."""
    script = (
        "import sys; sys.modules['orjson'] = None\n"
        "from tavus_async import _serde\n"
        "assert _serde._fast_loads is None\n"
        "print(_serde.parse_json(b'{\"a\": [1, 2.5]}'))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "{'a': [1, 2.5]}" == done.stdout.strip()
