"""Read and validate a batch job's manifest: one row per CSV row or JSON line.

One reader serves every kind of job; a :class:`~._row_schemas.RowSchema`
says which columns a row has and makes its request (``train``: a replica,
``generate``: a video). Everything here is pure (one file read, no network).
Problems that make the file unusable raise :class:`ManifestError`; problems
of single rows are collected, all of them, into :attr:`Manifest.problems`.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from attrs import define, frozen

from tavus_async.cli._row_schemas import Pair, RowSchema, describe


__all__ = [
    "Manifest",
    "ManifestError",
    "ManifestRow",
    "RowProblem",
    "read_manifest",
]

_R = TypeVar("_R")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_SHOWN_LINES = 5


@frozen
class RowProblem:
    """One thing wrong with a manifest, and how to fix it.

    Attributes:
        line: The 1-based physical line in the file, or None when the problem
            is not on a line (a missing file, a wrong extension, no rows).
        field: The column to blame, when there is one.
        message: What is wrong and how to fix it.
    """

    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [] if self.line is None else [f"line {self.line}"]
        if self.field is not None:
            parts.append(self.field)
        return ": ".join([*parts, self.message])


@frozen
class ManifestRow(Generic[_R]):
    """A valid row: the replica or video to create.

    Attributes:
        line: The 1-based line where the row starts.
        name: Its name (``replica_name``, ``video_name``), stripped; unique
            in the manifest.
        request: The request to send, the name included.
    """

    line: int
    name: str
    request: _R


@frozen
class Manifest(Generic[_R]):
    """A manifest read and checked by :func:`read_manifest`.

    Attributes:
        path: The file read.
        rows: The valid rows, in file order.
        problems: Every problem of every row, in line order (empty when all
            rows are valid).
        invalid_lines: The lines of the rows that have problems, in order.
        invalid_names: Each invalid line's name, or None when it had none
            usable.
    """

    path: Path
    rows: tuple[ManifestRow[_R], ...]
    problems: tuple[RowProblem, ...]
    invalid_lines: tuple[int, ...]
    invalid_names: dict[int, str | None]

    def reasons(self) -> dict[int, str]:
        """Why each invalid line is invalid, in line order.

        Returns:
            Each line's problems as ``"field: message"`` (or the message
            alone), joined by ``"; "``.
        """
        texts: dict[int | None, list[str]] = {}
        for problem in self.problems:
            text = problem.message
            if problem.field is not None:
                text = f"{problem.field}: {text}"
            texts.setdefault(problem.line, []).append(text)
        return {line: "; ".join(texts.get(line, ())) for line in self.invalid_lines}


class ManifestError(Exception):
    """The manifest cannot be used at all (file-level problems).

    Attributes:
        problems: Every file-level problem found; ``str()`` gives one per line.
    """

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems: tuple[RowProblem, ...] = tuple(problems)
        super().__init__("\n".join(map(str, self.problems)))


@define
class _Row(Generic[_R]):
    line: int
    values: dict[str, Any] | None  # None: the record could not be parsed
    problems: list[Pair]
    name: str | None = None
    request: _R | None = None


def read_manifest(path: str | Path, schema: RowSchema[_R]) -> Manifest[_R]:
    """Read a ``.csv``, ``.jsonl`` or ``.ndjson`` manifest and check every row.

    Args:
        path: The manifest file (UTF-8, a BOM is fine).
        schema: What a row holds (``REPLICA_ROWS``, ``VIDEO_ROWS``).

    Returns:
        The valid rows and every row problem.

    Raises:
        ManifestError: The file cannot be used: it is missing or unreadable,
            has another extension, is not UTF-8, has no rows, or (CSV) its
            header lacks a required column, names an unknown one or one
            the schema refuses.
    """
    path = Path(path)
    problems: list[RowProblem] = []
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        message = (
            f"{str(path)!r} has the extension {path.suffix or '(none)'!r}; save "
            "the manifest as .csv, .jsonl or .ndjson"
        )
        problems.append(_file_problem(message))
    data = _read_bytes(path, problems)
    text = None if data is None else _decode(data, problems)
    if text is None or problems:
        raise ManifestError(problems)
    read = _read_csv if kind == "csv" else _read_jsonl
    problems, raws = read(text, schema)
    if problems:
        raise ManifestError(problems)
    return _build(path, raws, schema)


def _file_problem(message: str, line: int | None = None) -> RowProblem:
    return RowProblem(line, None, message)


def _read_bytes(path: Path, problems: list[RowProblem]) -> bytes | None:
    shown = repr(str(path))
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            message = f"{shown} is a directory; give the manifest file in it"
        elif not stat.S_ISREG(mode):
            message = f"{shown} is not a regular file; give a manifest file"
        else:
            return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        message = f"no such file: {shown}; check the path"
    except OSError as exc:
        message = f"cannot read {shown} ({exc.strerror}); check its permissions"
    problems.append(_file_problem(message))
    return None


def _decode(data: bytes, problems: list[RowProblem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            problems.append(_file_problem("the file is UTF-16; save it as UTF-8"))
            return None
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        message = (
            f"byte {offset} (0x{data[offset]:02x}) is not UTF-8 text; save the "
            "file as UTF-8 (in Excel: 'CSV UTF-8')"
        )
        problems.append(_file_problem(message, data.count(b"\n", 0, offset) + 1))
        return None


def _read_csv(
    text: str, schema: RowSchema[_R]
) -> tuple[list[RowProblem], list[_Row[_R]]]:
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, strict=True, skipinitialspace=True)
    columns: list[str | None] | None = None
    problems: list[RowProblem] = []
    rows: list[_Row[_R]] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = (
                f"cannot read {'this row' if columns else 'the header'} as CSV "
                f"({exc}); a quoted value must end with a quote followed by a "
                'comma or the line end, and quotes inside it are doubled ("")'
            )
            if columns is None:
                return [_file_problem(message, line)], []
            rows.append(_Row(line, None, [(None, message)]))
        else:
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns = [cell.strip() or None for cell in record]
                problems.extend(_header_problems(line, columns, schema))
            else:
                rows.append(_csv_row(line, record, columns))
    if not rows:
        after = " after the header" if columns else ""
        problems.append(_file_problem(f"{_no_rows(schema)}{after}"))
    return problems, rows


def _no_rows(schema: RowSchema[Any]) -> str:
    return f"the manifest has no rows; add one {schema.noun} per line"


def _header_problems(
    line: int, columns: list[str | None], schema: RowSchema[Any]
) -> list[RowProblem]:
    problems = [
        _file_problem(message, line)
        for needed, message in schema.header
        if not any(name in columns for name in needed)
    ]
    first: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if name is None:
            continue
        if name in first:
            message = f"is both column {first[name]} and column {number}; keep one"
            problems.append(RowProblem(line, name, message))
        first.setdefault(name, number)
        if name in schema.refused:
            problems.append(RowProblem(line, name, schema.refused[name]))
        elif name not in schema.fields:
            problems.append(RowProblem(line, name, _unknown(name, "column", schema)))
    return problems


def _unknown(name: str, what: str, schema: RowSchema[Any]) -> str:
    for separator, label in ((";", "semicolons"), ("\t", "tabs")):
        if separator in name:
            return f"is not a known {what}; separate columns with commas, not {label}"
    match = difflib.get_close_matches(name.lower(), schema.fields, n=1)
    if match:
        return f"is not a known {what}; did you mean {match[0]}?"
    return f"is not a known {what}; use only {', '.join(schema.fields)}"


def _csv_row(line: int, record: list[str], columns: list[str | None]) -> _Row[Any]:
    values: dict[str, Any] = {}
    unnamed: list[str] = []
    for number, cell in enumerate(record, start=1):
        name = columns[number - 1] if number <= len(columns) else None
        value = cell.strip()
        if name is None and value:
            unnamed.append(str(number))
        elif name is not None and value:
            values[name] = value
    problems: list[Pair] = []
    if unnamed:
        message = (
            f"has a value in column {', '.join(unnamed)}, which the header does "
            "not name; quote values that hold commas, or name the column"
        )
        problems.append((None, message))
    return _Row(line, values, problems)


def _read_jsonl(
    text: str, schema: RowSchema[_R]
) -> tuple[list[RowProblem], list[_Row[_R]]]:
    rows: list[_Row[_R]] = []
    for line, physical in enumerate(text.split("\n"), start=1):
        if physical.strip():
            rows.append(_json_row(line, physical, schema))
    return ([] if rows else [_file_problem(_no_rows(schema))]), rows


def _json_row(line: int, physical: str, schema: RowSchema[_R]) -> _Row[_R]:
    like = f"write one JSON object per line, like {schema.example}"
    try:
        value = json.loads(physical)
    except json.JSONDecodeError as exc:
        message = f"is not valid JSON ({exc.msg} at column {exc.colno}); {like}"
        return _Row(line, None, [(None, message)])
    except RecursionError:
        return _Row(line, None, [(None, f"is nested too deeply; {like}")])
    if not isinstance(value, dict):
        message = f"must be a JSON object, got {describe(value)}; {like}"
        return _Row(line, None, [(None, message)])
    return _Row(line, value, [])


def _add_duplicate_problems(rows: list[_Row[_R]], key: str) -> None:
    by_name: dict[str, list[_Row[_R]]] = {}
    for row in rows:
        if row.name is not None:
            by_name.setdefault(row.name, []).append(row)
    for name, same in by_name.items():
        if len(same) < 2:
            continue
        first = [row.line for row in same[: _SHOWN_LINES + 1]]
        for row in same:
            others = [line for line in first if line != row.line][:_SHOWN_LINES]
            where = _join_lines(others, len(same) - 1 - len(others))
            message = f"{name!r} is also on {where}; names must be unique in a manifest"
            row.problems.append((key, message))


def _join_lines(lines: list[int], more: int) -> str:
    words = [str(line) for line in lines] + ([f"{more} more"] if more else [])
    if len(words) == 1:
        return f"line {words[0]}"
    return f"lines {', '.join(words[:-1])} and {words[-1]}"


def _build(path: Path, rows: list[_Row[_R]], schema: RowSchema[_R]) -> Manifest[_R]:
    unknown = functools.partial(_unknown, what="key", schema=schema)
    for row in rows:
        if row.values is not None:
            row.name, row.request = schema.check(row.values, row.problems, unknown)
    _add_duplicate_problems(rows, schema.kind.key)
    valid: list[ManifestRow[_R]] = []
    problems: list[RowProblem] = []
    invalid_names: dict[int, str | None] = {}
    for row in rows:
        if row.problems or row.request is None or row.name is None:
            invalid_names[row.line] = row.name
            problems.extend(RowProblem(row.line, f, m) for f, m in row.problems)
        else:
            valid.append(ManifestRow(row.line, row.name, row.request))
    return Manifest(
        path=path,
        rows=tuple(valid),
        problems=tuple(problems),
        invalid_lines=tuple(invalid_names),
        invalid_names=invalid_names,
    )
