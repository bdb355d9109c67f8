"""Read and validate a training manifest: one replica per CSV row or JSON line.

Everything here is pure (one file read, no network). Problems that make the
file unusable raise :class:`ManifestError`; problems of single rows are
collected, all of them, into :attr:`Manifest.problems`.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attrs import define, frozen

from tavus_async import CreateReplicaRequest, ReplicaProperties, ValidationError
from tavus_async.cli._common import command_words


__all__ = [
    "FIELDS",
    "Manifest",
    "ManifestError",
    "ManifestRow",
    "RowProblem",
    "read_manifest",
]

_TEXT_FIELDS = (
    "replica_name",
    "train_video_url",
    "train_image_url",
    "voice_name",
    "consent_video_url",
    "model_name",
    "callback_url",
)
_BOOL_FIELDS = ("background_green_screen", "auto_fix_training_image")
FIELDS = _TEXT_FIELDS + _BOOL_FIELDS
"""Every column a manifest may have; the booleans take true/false, 1/0, yes/no."""
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_SHOWN_LINES = 5
_EXAMPLE_JSON = '{"replica_name": "rio", "train_video_url": "https://…/rio.mp4"}'

_NO_ROWS = "the manifest has no rows; add one replica per line"
_NAME_REQUIRED = (
    "is required; give every replica a unique name (it is how the job finds "
    "the replica again)"
)

_Pair = tuple[str | None, str]


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
class ManifestRow:
    """A valid row: the replica to create.

    Attributes:
        line: The 1-based line where the row starts.
        name: Its ``replica_name``, stripped; unique in the manifest.
        request: The request to send, ``replica_name`` included.
    """

    line: int
    name: str
    request: CreateReplicaRequest


@frozen
class Manifest:
    """A manifest read and checked by :func:`read_manifest`.

    Attributes:
        path: The file read.
        rows: The valid rows, in file order.
        problems: Every problem of every row, in line order (empty when all
            rows are valid).
        invalid_lines: The lines of the rows that have problems, in order.
        invalid_names: Each invalid line's ``replica_name``, or None when it
            had none usable.
    """

    path: Path
    rows: tuple[ManifestRow, ...]
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
class _Row:
    line: int
    values: dict[str, Any] | None  # None: the record could not be parsed
    problems: list[_Pair]
    name: str | None = None
    request: CreateReplicaRequest | None = None


def read_manifest(path: str | Path) -> Manifest:
    """Read a ``.csv``, ``.jsonl`` or ``.ndjson`` manifest and check every row.

    Args:
        path: The manifest file (UTF-8, a BOM is fine).

    Returns:
        The valid rows and every row problem.

    Raises:
        ManifestError: The file cannot be used: it is missing or unreadable,
            has another extension, is not UTF-8, has no rows, or (CSV) its
            header lacks a required column or names an unknown one.
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
    problems, raws = _read_csv(text) if kind == "csv" else _read_jsonl(text)
    if problems:
        raise ManifestError(problems)
    return _build(path, raws)


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


def _read_csv(text: str) -> tuple[list[RowProblem], list[_Row]]:
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, strict=True, skipinitialspace=True)
    columns: list[str | None] | None = None
    problems: list[RowProblem] = []
    rows: list[_Row] = []
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
                problems.extend(_header_problems(line, columns))
            else:
                rows.append(_csv_row(line, record, columns))
    if not rows:
        after = " after the header" if columns else ""
        problems.append(_file_problem(f"{_NO_ROWS}{after}"))
    return problems, rows


def _header_problems(line: int, columns: list[str | None]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    if "replica_name" not in columns:
        message = (
            "the header has no replica_name column; the first line must name "
            "the columns, e.g. replica_name,train_video_url"
        )
        problems.append(_file_problem(message, line))
    if "train_video_url" not in columns and "train_image_url" not in columns:
        message = (
            "the header has neither a train_video_url nor a train_image_url "
            "column; add one of them"
        )
        problems.append(_file_problem(message, line))
    first: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if name is None:
            continue
        if name in first:
            message = f"is both column {first[name]} and column {number}; keep one"
            problems.append(RowProblem(line, name, message))
        first.setdefault(name, number)
        if name not in FIELDS:
            problems.append(RowProblem(line, name, _unknown(name, "column")))
    return problems


def _unknown(name: str, what: str) -> str:
    for separator, label in ((";", "semicolons"), ("\t", "tabs")):
        if separator in name:
            return f"is not a known {what}; separate columns with commas, not {label}"
    match = difflib.get_close_matches(name.lower(), FIELDS, n=1)
    if match:
        return f"is not a known {what}; did you mean {match[0]}?"
    return f"is not a known {what}; use only {', '.join(FIELDS)}"


def _csv_row(line: int, record: list[str], columns: list[str | None]) -> _Row:
    values: dict[str, Any] = {}
    unnamed: list[str] = []
    for number, cell in enumerate(record, start=1):
        name = columns[number - 1] if number <= len(columns) else None
        value = cell.strip()
        if name is None and value:
            unnamed.append(str(number))
        elif name is not None and value:
            values[name] = value
    problems: list[_Pair] = []
    if unnamed:
        message = (
            f"has a value in column {', '.join(unnamed)}, which the header does "
            "not name; quote values that hold commas, or name the column"
        )
        problems.append((None, message))
    return _Row(line, values, problems)


def _read_jsonl(text: str) -> tuple[list[RowProblem], list[_Row]]:
    rows: list[_Row] = []
    for line, physical in enumerate(text.split("\n"), start=1):
        if physical.strip():
            rows.append(_json_row(line, physical))
    return ([] if rows else [_file_problem(_NO_ROWS)]), rows


def _json_row(line: int, physical: str) -> _Row:
    like = f"write one JSON object per line, like {_EXAMPLE_JSON}"
    try:
        value = json.loads(physical)
    except json.JSONDecodeError as exc:
        message = f"is not valid JSON ({exc.msg} at column {exc.colno}); {like}"
        return _Row(line, None, [(None, message)])
    except RecursionError:
        return _Row(line, None, [(None, f"is nested too deeply; {like}")])
    if not isinstance(value, dict):
        message = f"must be a JSON object, got {_describe(value)}; {like}"
        return _Row(line, None, [(None, message)])
    return _Row(line, value, [])


def _describe(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return "an array" if isinstance(value, list) else "an object"


def _parse_bool(value: object) -> tuple[object, str | None]:
    if value is None or isinstance(value, bool):
        return value, None
    if type(value) is int and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        text = value.strip().lower()
        if not text or text in _TRUE or text in _FALSE:
            return (text in _TRUE if text else None), None
    return value, (
        f"must be true or false (or 1/0, yes/no), got {_describe(value)}; "
        "leave it empty to let Tavus decide"
    )


def _check_row(row: _Row) -> None:
    if row.values is None:
        return
    problems = row.problems
    problems.extend((k, _unknown(k, "key")) for k in row.values if k not in FIELDS)
    blamed: set[str] = set()
    args: dict[str, Any] = {}
    for field in _TEXT_FIELDS:
        value = row.values.get(field)
        if isinstance(value, str):
            value = value.strip() or None
        elif value is not None:
            blamed.add(field)
            message = f"must be a string in double quotes, got {_describe(value)}"
            problems.append((field, message))
        args[field] = value
    for field in _BOOL_FIELDS:
        args[field], error = _parse_bool(row.values.get(field))
        if error is not None:
            blamed.add(field)
            problems.append((field, error))
    if args["replica_name"] is None:
        problems.append(("replica_name", _NAME_REQUIRED))
    elif isinstance(args["replica_name"], str):
        row.name = args["replica_name"]
    green = args.pop("background_green_screen")
    if green is not None:
        args["properties"] = ReplicaProperties(background_green_screen=green)
    try:
        request = CreateReplicaRequest(**args)
    except ValidationError as exc:
        problems.extend(
            (field, command_words(message))
            for field, message in exc.problems
            if field not in blamed
        )
    else:
        row.request = request


def _add_duplicate_problems(rows: list[_Row]) -> None:
    by_name: dict[str, list[_Row]] = {}
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
            row.problems.append(("replica_name", message))


def _join_lines(lines: list[int], more: int) -> str:
    words = [str(line) for line in lines] + ([f"{more} more"] if more else [])
    if len(words) == 1:
        return f"line {words[0]}"
    return f"lines {', '.join(words[:-1])} and {words[-1]}"


def _build(path: Path, rows: list[_Row]) -> Manifest:
    for row in rows:
        _check_row(row)
    _add_duplicate_problems(rows)
    valid: list[ManifestRow] = []
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
