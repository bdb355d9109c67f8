"""The README's and the docs' Python code blocks type-check as pasted.

Every ```python block of README.md and docs/**/*.md is written to a module of
its own, and all of them go through one ``mypy --strict`` run with the
project's mypy settings, then ``ruff check`` and ``ruff format --check``. A
block must therefore be a complete program: its imports included, and
``async with`` inside ``async def main()`` run by ``asyncio.run(main())``.
A fragment that cannot be one is preceded by ``<!-- no-check -->``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest
from mypy import api as mypy_api


REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = REPO_ROOT / "pyproject.toml"
NO_CHECK = "<!-- no-check -->"
# Snippets are applications, as examples/ is: aiohttp, banned outside the
# library's boundary modules, is theirs to import (TID251). Their tests assert
# `expected == actual`, as tests/ does (SIM300).
RUFF_IGNORE = "TID251,SIM300"
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)")
_MYPY_LINE = re.compile(r"^(?P<path>[^:]+\.py):(?P<line>\d+): (?P<kind>\w+): ")

# Two blocks that test the checker itself: a good one, and one that passes a
# str where TavusClient.replicas.get() takes only keyword arguments after the id.
SELF_TEST_MARKDOWN = """\
```python
import asyncio

from tavus_async import TavusClient


async def main() -> None:
    async with TavusClient() as client:
        print((await client.replicas.get("r1")).status)


asyncio.run(main())
```

```python
import asyncio

from tavus_async import TavusClient


async def main() -> None:
    async with TavusClient() as client:
        await client.replicas.get("r1", "yes")


asyncio.run(main())
```
"""


@attrs.frozen
class Snippet:
    """One ```python block of a Markdown file.

    Attributes:
        source: The Markdown file's name, relative to the repository.
        line: The line of the block's first code line in that file (1-based).
        code: The code, as pasted.
    """

    source: str
    line: int
    code: str

    @property
    def module(self) -> str:
        """A module name unique to this block, readable in mypy's output."""
        stem = re.sub(r"\W", "_", self.source.removesuffix(".md")).lower()
        return f"{stem}_line{self.line}"


def extract_snippets(source: str, text: str) -> list[Snippet]:
    """The ```python blocks of ``text``, less those after a no-check marker.

    Args:
        source: The file's name, for the snippets' ``source``.
        text: The Markdown.

    Returns:
        The blocks in order.

    Raises:
        ValueError: A block is not closed.
    """
    snippets: list[Snippet] = []
    lines = text.splitlines()
    previous = ""
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        fence, language = match.groups()
        end = next(
            (
                i
                for i in range(index + 1, len(lines))
                if lines[i].strip() == fence[0] * len(fence)
            ),
            None,
        )
        if end is None:
            raise ValueError(f"{source}:{index + 1}: the code block is not closed")
        if language == "python" and previous != NO_CHECK:
            code = "\n".join(lines[index + 1 : end]) + "\n"
            snippets.append(Snippet(source=source, line=index + 2, code=code))
        previous = lines[end].strip()
        index = end + 1
    return snippets


def markdown_files() -> list[Path]:
    """README.md and every page of docs/, in a stable order."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def all_snippets() -> list[Snippet]:
    """Every checked block of the README and the docs."""
    return [
        snippet
        for path in markdown_files()
        for snippet in extract_snippets(
            path.relative_to(REPO_ROOT).as_posix(), path.read_text("utf-8")
        )
    ]


def self_test_snippets() -> list[Snippet]:
    """The good and the broken block of SELF_TEST_MARKDOWN."""
    return extract_snippets("self-test.md", SELF_TEST_MARKDOWN)


def write_modules(snippets: Sequence[Snippet], folder: Path) -> list[Path]:
    """Write each snippet to ``folder`` as a module; remove any other module there.

    Returns:
        The modules' paths, in the snippets' order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.py"):
        stale.unlink()
    paths = [(folder / f"{snippet.module}.py").resolve() for snippet in snippets]
    for snippet, path in zip(snippets, paths, strict=True):
        path.write_text(snippet.code, "utf-8")
    return paths


def run_mypy(snippets: Sequence[Snippet], folder: Path, cache: Path) -> dict[str, str]:
    """Type-check every snippet in one mypy run; return each one's errors.

    mypy's cache keeps a module's errors under the path it was first checked
    at, so ``folder`` must be the same from run to run (or ``cache`` new).

    Args:
        snippets: The blocks to check.
        folder: Where to write them, one module each.
        cache: mypy's cache directory, kept between runs for speed.

    Returns:
        mypy's error lines (with their notes) by snippet module; empty text
        for a snippet without errors.

    Raises:
        AssertionError: mypy failed to run, or reported on another file (an
            error in tavus_async itself: ``mypy --strict tavus_async`` shows it).
    """
    paths = write_modules(snippets, folder)
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(PYPROJECT),
            "--strict",
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            "--show-error-codes",
            *map(str, paths),
        ]
    )
    found: dict[Path, list[str]] = {path: [] for path in paths}
    for line in stdout.splitlines():
        match = _MYPY_LINE.match(line)
        path = Path(match["path"]).resolve() if match else None
        if path not in found:
            raise AssertionError(f"mypy said, not of a snippet: {line}\n{stdout}")
        found[path].append(line)
    if status not in (0, 1) or (status == 1) != any(found.values()):
        raise AssertionError(f"mypy exited with {status}:\n{stdout}\n{stderr}")
    return {path.stem: "\n".join(lines) for path, lines in found.items()}


def run_ruff(paths: Sequence[Path]) -> str:
    """``ruff check`` and ``ruff format --check`` with the project's settings.

    Returns:
        Ruff's complaints; empty text when there are none.
    """
    ruff = [sys.executable, "-m", "ruff"]
    settings = ["--config", str(PYPROJECT), "--no-cache"]
    commands = [
        [*ruff, "check", *settings, "--extend-ignore", RUFF_IGNORE, "-q"],
        [*ruff, "format", *settings, "--diff", "-q"],
    ]
    problems = []
    for command in commands:
        done = subprocess.run(  # noqa: S603 - a fixed command, no shell
            [*command, *map(str, paths)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            problems.append(done.stdout + done.stderr)
    return "\n".join(problems)


@attrs.frozen
class Results:
    """What mypy and ruff said of the snippets, from one run of each."""

    mypy: dict[str, str]
    ruff: str
    folder: Path


@pytest.fixture(scope="module")
def results(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Results:
    """One mypy run over the docs' and the self-test's snippets, one ruff run."""
    cache: pytest.Cache | None = getattr(request.config, "cache", None)
    if cache is not None:
        root = cache.mkdir("docs-snippets")
    else:  # -p no:cacheprovider
        root = tmp_path_factory.mktemp("docs-snippets")
    folder = root / "modules"
    docs = all_snippets()
    mypy = run_mypy([*docs, *self_test_snippets()], folder, root / "mypy-cache")
    ruff = run_ruff([folder / f"{snippet.module}.py" for snippet in docs])
    return Results(mypy=mypy, ruff=ruff, folder=folder)


SNIPPETS = all_snippets()


def test_the_docs_have_snippets() -> None:
    """The README and the docs pages hold Python blocks to check."""
    sources = {s.source for s in SNIPPETS}

    assert "README.md" in sources
    assert any(s.startswith("docs/") for s in sources)


@pytest.mark.parametrize(
    "snippet", SNIPPETS, ids=[f"{s.source}:{s.line}" for s in SNIPPETS]
)
def test_snippet_type_checks(snippet: Snippet, results: Results) -> None:
    """A block of the README or the docs passes mypy --strict as pasted."""
    errors = results.mypy[snippet.module]

    assert "" == errors, (
        f"{snippet.source}, the block at line {snippet.line} "
        f"(mypy's line N is the file's line {snippet.line} + N - 1):\n{errors}"
    )


def test_snippets_pass_ruff(results: Results) -> None:
    """The blocks pass ruff check and ruff format, with the project's settings."""
    assert "" == results.ruff, f"snippets written to {results.folder}"


def test_a_type_error_fails(results: Results) -> None:
    """The checker passes a good block and reports the broken one's error."""
    good, broken = self_test_snippets()

    assert "" == results.mypy[good.module]
    assert '"get" of "ReplicasService"' in results.mypy[broken.module]


def test_extract_reads_only_python_blocks_and_honours_no_check() -> None:
    """Only ```python blocks are taken, with their line, and a no-check skips one."""
    text = "\n".join(
        [
            "# Title",  # 1
            "```sh",  # 2
            "pip install x",  # 3
            "```",  # 4
            "```python",  # 5
            "a = 1",  # 6
            "```",  # 7
            NO_CHECK,  # 8
            "",  # 9
            "```python",  # 10
            "b = ",  # 11
            "```",  # 12
            "````python",  # 13
            "c = '```'",  # 14
            "```",  # 15
            "````",  # 16
        ]
    )

    assert [
        Snippet(source="x.md", line=6, code="a = 1\n"),
        Snippet(source="x.md", line=14, code="c = '```'\n```\n"),
    ] == extract_snippets("x.md", text)


def test_extract_refuses_an_unclosed_block() -> None:
    """A block without its closing fence is an error, not a silent skip."""
    with pytest.raises(ValueError, match=r"x\.md:2: the code block is not closed"):
        extract_snippets("x.md", "text\n```python\na = 1\n")
