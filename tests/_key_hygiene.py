"""Find an API key in anything a user or an error tracker could read.

:class:`LeakWatch` searches what it is given for a key (whole, and its first
and last 12 characters): log records (message, arguments, every field, the
formatted traceback), exceptions (``str``, ``repr``, ``args``, every attribute,
notes, along the whole ``__cause__`` and ``__context__`` chain, and the
formatted traceback), warnings, and printed text. It keeps only the hits.

Used two ways:

- ``tests/test_key_hygiene.py`` runs canary scenarios under :func:`watching`,
  which also turns every logger up to DEBUG.
- As a pytest plugin for a whole run (``-p tests._key_hygiene``, or
  ``pytest_plugins = ["tests._key_hygiene"]`` in a conftest): FakeTavus's
  default key becomes :data:`CANARY`, every log record of the run (DEBUG and
  up) is searched, and so are each test's captured output and any exception
  that escapes it. A test whose output holds the key fails, naming where.
"""

from __future__ import annotations

import logging
import traceback
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager

import pytest

from tavus_async.testing import FakeTavus


__all__ = ["CANARY", "LeakWatch", "watching"]

CANARY = "tvs-suite-canary-0c4d82e6a1"
"""FakeTavus's default key while the plugin runs; distinctive enough to search for."""

_FORMATTER = logging.Formatter()
_CONTEXT = 40


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and members of exception groups, once each."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(
            e for e in (current.__cause__, current.__context__) if e is not None
        )
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)


class LeakWatch:
    """Search text for API keys; remember where they were found.

    Args:
        keys: The keys that must never show; each is also searched for by its
            first and last 12 characters.
    """

    def __init__(self, *keys: str) -> None:
        self.needles = sorted(
            {part for key in keys for part in (key, key[:12], key[-12:])},
            key=len,
            reverse=True,
        )
        self.searched = 0
        self.found: list[str] = []

    def add(self, where: str, value: object) -> None:
        """Search ``value`` (a string, or else its ``repr``)."""
        text = value if isinstance(value, str) else repr(value)
        self.searched += 1
        for needle in self.needles:
            at = text.find(needle)
            if at >= 0:
                start, end = max(at - _CONTEXT, 0), at + len(needle) + _CONTEXT
                self.found.append(f"{where}: ...{text[start:end]!r}...")
                return

    def add_exception(self, where: str, exc: BaseException) -> None:
        """Search an exception, its whole chain and its formatted traceback."""
        self.add(f"{where}: traceback", "".join(traceback.format_exception(exc)))
        for error in _chain(exc):
            name = f"{where}: {type(error).__name__}"
            self.add(f"{name} str", str(error))
            self.add(f"{name} repr", repr(error))
            self.add(f"{name} args", error.args)
            for attribute, value in getattr(error, "__dict__", {}).items():
                self.add(f"{name}.{attribute}", value)

    def add_record(self, record: logging.LogRecord) -> None:
        """Search a log record: message, arguments (exceptions in full), traceback."""
        where = f"log {record.name} {record.levelname}"
        self.add(f"{where} message", record.getMessage())
        self.add(f"{where} args", record.args)
        self.add(f"{where} fields", vars(record))
        arguments = record.args if isinstance(record.args, tuple) else ()
        for number, argument in enumerate(arguments):
            if isinstance(argument, BaseException):
                self.add_exception(f"{where} argument {number}", argument)
        if record.exc_info and record.exc_info[1] is not None:
            self.add(f"{where} traceback", _FORMATTER.formatException(record.exc_info))
            self.add_exception(f"{where} exception", record.exc_info[1])
        if record.stack_info:
            self.add(f"{where} stack", record.stack_info)

    def add_warning(self, where: str, message: warnings.WarningMessage) -> None:
        """Search a recorded warning, formatted as Python would print it."""
        self.add(
            where,
            warnings.formatwarning(
                message.message, message.category, message.filename, message.lineno
            ),
        )

    def assert_clean(self) -> None:
        """Fail, naming every place a key was found."""
        if self.found:
            raise AssertionError(
                f"the API key appeared in {len(self.found)} place(s):\n"
                + "\n".join(self.found)
            )


class _Handler(logging.Handler):
    def __init__(self, sink: Callable[[logging.LogRecord], None]) -> None:
        super().__init__(logging.DEBUG)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self._sink(record)


@contextmanager
def _debug_logging(sink: Callable[[logging.LogRecord], None]) -> Iterator[None]:
    """Every record of every logger, from DEBUG up, goes to ``sink``."""
    root, package = logging.getLogger(), logging.getLogger("tavus_async")
    levels = root.level, package.level
    handler = _Handler(sink)
    root.setLevel(logging.DEBUG)
    package.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        package.setLevel(levels[1])


@contextmanager
def watching(watch: LeakWatch) -> Iterator[None]:
    """Feed ``watch`` every log record and every warning raised in the block.

    Warnings are recorded rather than raised, searched, then raised again as
    an error, so the suite's ``filterwarnings = error`` still holds.
    """
    with (
        _debug_logging(watch.add_record),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        yield
    for number, message in enumerate(caught):
        watch.add_warning(f"warning {number}", message)
    if caught:
        raise AssertionError(
            "warnings were raised: "
            + "; ".join(f"{w.category.__name__}: {w.message}" for w in caught)
        )


# The plugin


class _Plugin:
    """Watches a whole pytest run; see the module docstring."""

    def __init__(self) -> None:
        self.watch = LeakWatch(CANARY)
        self.tests = 0
        self.leaks = 0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        watch = self.watch
        if call.excinfo is not None:
            watch.add_exception(f"{call.when} exception", call.excinfo.value)
        for title, text in report.sections:
            if title.endswith(f" {call.when}"):
                watch.add(title, text)
        self.tests += call.when == "call"
        if watch.found:
            self.leaks += len(watch.found)
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid} ({call.when}): the API key appeared in "
                f"{len(watch.found)} place(s):\n" + "\n".join(watch.found)
            )
            watch.found = []
        return report

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> None:
        terminalreporter.write_line(
            f"key hygiene: {self.tests} tests watched, {self.watch.searched} texts "
            f"searched, {self.leaks} leaks of the API key"
        )


_STATE = pytest.StashKey[tuple[ExitStack, object]]()


def pytest_configure(config: pytest.Config) -> None:
    """Start watching: FakeTavus's default key is the canary, all logs are searched."""
    plugin = _Plugin()
    defaults = FakeTavus.__init__.__kwdefaults__
    assert defaults is not None
    stack = ExitStack()
    stack.enter_context(_debug_logging(plugin.watch.add_record))
    config.stash[_STATE] = stack, defaults["api_key"]
    defaults["api_key"] = CANARY
    config.pluginmanager.register(plugin, "key-hygiene-watch")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop watching and put FakeTavus's default key back."""
    stack, default = config.stash[_STATE]
    stack.close()
    defaults = FakeTavus.__init__.__kwdefaults__
    assert defaults is not None
    defaults["api_key"] = default
