"""What every benchmark script shares: the server process, percentiles, the machine."""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any


HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


class ServerProcess:
    """A server script in a process of its own, spoken to by JSON lines.

    The script prints one JSON line per message on stdout, reads command lines
    on stdin, and prints its final counts when stdin closes (see
    ``_fake_server.py`` and ``_raw_server.py``).

    Args:
        script: The server script's file name in ``benchmarks/``.
        args: Its command-line arguments.
    """

    def __init__(self, script: str, *args: str) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own server script
            [sys.executable, str(HERE / script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._stdin, self._stdout = self._process.stdin, self._process.stdout

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait(timeout=30)

    def read(self) -> dict[str, Any]:
        """The server's next JSON line."""
        line = self._stdout.readline()
        if not line:
            raise RuntimeError(f"the server exited ({self._process.wait()})")
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, command: str) -> None:
        """Write one command line to the server."""
        self._stdin.write(command + "\n")
        self._stdin.flush()

    def stop(self) -> dict[str, Any]:
        """Close the server's stdin and return its final counts."""
        self._stdin.close()
        return self.read()


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 to 100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "aiohttp": metadata.version("aiohttp"),
        "tavus_async": metadata.version("tavus-async"),
        "orjson": installed("orjson"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=HERE,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }


def installed(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def report_header(benchmark: str) -> dict[str, Any]:
    """The start of every JSON report: which benchmark, the command, when, where."""
    return {
        "benchmark": benchmark,
        "command": shlex.join(["python", *sys.argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Right-aligned columns, two spaces apart."""
    lines = [tuple(header), *map(tuple, rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    )


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write ``report`` as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")
