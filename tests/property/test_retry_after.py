"""``parse_retry_after`` over arbitrary header strings: never raises, never lies.

Any ``Retry-After`` and ``retry-after-ms`` values (text, numbers, HTTP dates
with any field out of range, NaN and infinities, huge numbers, whitespace)
give None or a finite number of seconds >= 0. Integer seconds and HTTP dates
``now + n`` give exactly what they say.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tavus_async._status import parse_retry_after


SETTINGS = settings(max_examples=300, deadline=None)
NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Xyz", ""]
MONTHS = ["Jan", "Feb", "Nov", "Dec", "jan", "Foo", ""]
ZONES = ["GMT", "UTC", "-0000", "+0000", "+2359", "-9999", "EST", "Z", ""]

padding = st.text(alphabet=" \t", max_size=3)
numbers = st.one_of(
    st.integers(),
    st.floats(),
    st.integers(min_value=10**300),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "Infinity", "1e400", "-0", "1_0"]),
).map(str)
any_integer = st.one_of(st.integers(), st.integers(min_value=10**18)).map(str)
http_dates = st.builds(
    "{}, {} {} {} {}:{}:{} {}".format,
    st.sampled_from(DAYS),
    any_integer,
    st.sampled_from(MONTHS),
    any_integer,
    any_integer,
    any_integer,
    any_integer,
    st.one_of(st.sampled_from(ZONES), any_integer.map("+{}".format)),
)
"""HTTP-date shaped text with every number anywhere in range, or far out of it."""
FIRST = datetime(1971, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds
LAST = datetime(9990, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds
moments = st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.just(UTC))
"""Aware UTC datetimes whose HTTP date has a four-digit year."""
valid_dates = moments.map(lambda moment: format_datetime(moment, usegmt=True))
header_values = st.builds(
    "{}{}{}".format,
    padding,
    st.one_of(st.text(), numbers, http_dates, valid_dates),
    padding,
)
"""What a server (or a proxy) might put in either header."""
headers = st.fixed_dictionaries(
    {}, optional={"retry-after": header_values, "retry-after-ms": header_values}
)


@SETTINGS
@given(headers=headers)
def test_any_header_value_gives_none_or_a_finite_wait(headers: dict[str, str]) -> None:
    """Never raises; None or a finite float >= 0."""
    wait = parse_retry_after(headers, now=NOW)
    assert wait is None or (type(wait) is float and math.isfinite(wait) and wait >= 0)
    if not headers:
        assert wait is None


@SETTINGS
@given(seconds=st.integers(0, 10**9), before=padding, after=padding)
def test_integer_seconds_give_that_value(seconds: int, before: str, after: str) -> None:
    """``Retry-After: n`` is n seconds, surrounding whitespace or not."""
    assert float(seconds) == parse_retry_after(
        {"retry-after": f"{before}{seconds}{after}"}, now=NOW
    )


@SETTINGS
@given(millis=st.integers(0, 10**9), other=header_values)
def test_milliseconds_win_over_retry_after(millis: int, other: str) -> None:
    """A readable ``retry-after-ms`` is used, whatever ``Retry-After`` says."""
    headers = {"retry-after-ms": str(millis), "retry-after": other}
    assert millis / 1000 == parse_retry_after(headers, now=NOW)


@SETTINGS
@given(seconds=st.integers(min_value=1))
def test_negative_seconds_count_as_zero(seconds: int) -> None:
    """A wait in the past is no wait."""
    assert 0.0 == parse_retry_after({"retry-after": f"-{seconds}"}, now=NOW)


@SETTINGS
@given(now=moments, seconds=st.integers(-(10**8), 10**8))
def test_an_http_date_gives_the_seconds_until_it(now: datetime, seconds: int) -> None:
    """An HTTP date ``now + n`` gives n for a future date and 0 for a past one."""
    now = now.replace(microsecond=0)
    date = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    assert max(seconds, 0) == parse_retry_after({"retry-after": date}, now=now)
