"""The per-call benchmark still runs: a few calls, one round, against its own server.

The figures come from full runs (``benchmarks/README.md``); this only keeps the
script from rotting as the library changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_overhead.py"


@pytest.mark.parametrize("extra", [[], ["--layers"]], ids=["variants", "layers"])
def test_bench_overhead_runs_and_reports(tmp_path: Path, extra: list[str]) -> None:
    """Every cell has a positive time per call and a ratio to raw aiohttp."""
    out = tmp_path / "overhead.json"
    subprocess.run(  # noqa: S603 - this interpreter, our own script
        [
            sys.executable,
            str(SCRIPT),
            *("--calls", "40", "--rounds", "1", "--concurrency", "1", "4"),
            *("--json", str(out), *extra),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    report = json.loads(out.read_text())

    assert report["server"]["requests"] > 0
    cells = [
        cell
        for row in report["results"]
        for cell in row.values()
        if isinstance(cell, dict)
    ]
    assert len(cells) >= 4
    assert all(cell["wall_us"] > 0 and cell["wall_ratio"] > 0 for cell in cells)
