"""A bounded coverage-guided fuzz run (atheris) of each parsing surface (subprocesses).

Each target (``fuzz_callback.py``: ``parse_callback``; ``fuzz_decode.py``: the
response decoder) runs for ``TAVUS_FUZZ_SECONDS`` seconds (default 15) from a
seed corpus of documented examples written to a temporary directory. A crash
(an exception outside the target's contract, a hang past 10 s, memory past
2 GB) fails the test with the input as a Python bytes literal, ready to paste
into ``tests/property/test_regressions.py``.

A long local run: ``TAVUS_FUZZ_SECONDS=600 python -m pytest -m fuzz tests/fuzz``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz.seeds import callback_seeds, decode_seeds, write


FUZZ_DIR = Path(__file__).resolve().parent
REPO_ROOT = FUZZ_DIR.parents[1]
SECONDS = int(os.environ.get("TAVUS_FUZZ_SECONDS", "15"))
PER_INPUT_LIMIT = 10
ARTIFACT_KINDS = ("crash-", "timeout-", "oom-", "leak-")
LOG_LINES = 60

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.skipif(
        importlib.util.find_spec("atheris") is None,
        reason="atheris is not installed (a dev dependency on Linux only: "
        "\"atheris>=3.0; sys_platform == 'linux'\")",
    ),
    pytest.mark.timeout(SECONDS + 120),
]


def fuzz(target: str, seeds: list[bytes], workdir: Path) -> tuple[str, list[Path]]:
    """Run ``target`` over ``seeds`` for SECONDS; its log and any crash inputs."""
    corpus, artifacts = workdir / "corpus", workdir / "artifacts"
    write(corpus, seeds)
    artifacts.mkdir()
    command = [
        sys.executable,
        str(FUZZ_DIR / target),
        f"-max_total_time={SECONDS}",
        f"-timeout={PER_INPUT_LIMIT}",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
        f"-artifact_prefix={artifacts}{os.sep}",
        str(corpus),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(  # noqa: S603 - this interpreter, our own script
        command,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=SECONDS + 90,
        check=False,
    )
    log = done.stdout + done.stderr
    crashes = sorted(
        p for p in artifacts.iterdir() if p.name.startswith(ARTIFACT_KINDS)
    )
    if done.returncode != 0 and not crashes:
        pytest.fail(
            f"{target} exited with {done.returncode} and no input:\n{tail(log)}"
        )
    return log, crashes


def tail(log: str) -> str:
    """The end of a fuzzer log, without atheris' one line per instrumented module."""
    lines = [line for line in log.splitlines() if "Instrumenting" not in line]
    return "\n".join(lines[-LOG_LINES:])


@pytest.mark.parametrize(
    ("target", "seeds"),
    [("fuzz_callback.py", callback_seeds), ("fuzz_decode.py", decode_seeds)],
)
def test_fuzz_target_finds_no_crash(
    target: str, seeds: Callable[[], list[bytes]], tmp_path: Path
) -> None:
    """The target keeps its contract on every input the fuzzer tries."""
    log, crashes = fuzz(target, seeds(), tmp_path)

    found = "\n".join(f"{path.name}:\n    {path.read_bytes()!r}" for path in crashes)
    assert not crashes, f"{target} crashed on:\n{found}\n\n{tail(log)}"
    executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    assert executed is not None, tail(log)
    assert int(executed.group(1)) > len(seeds()), "the fuzzer ran no new input"
    print(f"{target}: {executed.group(1)} inputs in {SECONDS} s")
