"""The benchmarks still run: a few calls or ids, against their own servers.

The figures come from full runs (``benchmarks/README.md``); this only keeps the
scripts from rotting as the library changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPT = BENCHMARKS / "bench_overhead.py"


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


def test_bench_watcher_videos_sweeps_and_looks_up(tmp_path: Path) -> None:
    """The engine sweeps the list, by-id looks each video up; both end as scripted.

    Every outcome is checked against the fake's script inside the run (a
    wrong one fails it); here the report must say which way each polled.
    """
    out = tmp_path / "videos.json"
    n = 20
    subprocess.run(  # noqa: S603 - this interpreter, our own script
        [
            sys.executable,
            str(BENCHMARKS / "bench_watcher.py"),
            *("--resource", "videos", "--n", str(n), "--interval", "0.1"),
            *("--duration", "0.2", "0.5", "--deadline", "30"),
            *("--variants", "watcher", "watcher-by-id", "--json", str(out)),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    rows = {row["variant"]: row for row in json.loads(out.read_text())["results"]}
    engine, by_id = rows["watcher"], rows["watcher-by-id"]

    assert engine["watcher_sweeps"] >= 1
    assert engine["server_list_requests"] == engine["watcher_sweep_requests"]
    assert 0 == by_id["server_list_requests"]
    assert by_id["server_get_requests"] == by_id["watcher_get_requests"]
    assert "by_id" == by_id["watcher_mode"]
    for row in (engine, by_id):
        assert n == sum(row["endings"].values())
        assert n == row["status_changes_seen"]
        assert row["bytes_per_video"] > 0


def test_bench_watcher_job_runs(tmp_path: Path) -> None:
    """``--resource job`` runs ``_whole_job.py``: both cadences, each with requests."""
    out = tmp_path / "job.json"
    subprocess.run(  # noqa: S603 - this interpreter, our own script
        [
            sys.executable,
            str(BENCHMARKS / "bench_watcher.py"),
            *("--resource", "job", "--n", "50", "--hours", "0.1"),
            *("--json", str(out)),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    rows = json.loads(out.read_text())["results"]

    assert 2 == len(rows)
    assert all(row["requests"] > 0 for row in rows)
