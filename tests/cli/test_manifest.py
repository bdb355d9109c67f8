"""Reading a training manifest: CSV or JSON Lines, every problem found at once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tavus_async import CreateReplicaRequest, ReplicaProperties
from tavus_async.cli._manifest import (
    Manifest,
    ManifestError,
    RowProblem,
    read_manifest,
)
from tavus_async.cli._row_schemas import REPLICA_ROWS


VIDEO = "https://cdn.example.com/rio.mp4"
IMAGE = "https://cdn.example.com/ana.png"
CONSENT = "https://cdn.example.com/consent.mp4"
HOOK = "https://hooks.example.com/tavus"
HEADER = ",".join(REPLICA_ROWS.fields)


def read_replicas(path: str | Path) -> Manifest[CreateReplicaRequest]:
    """A training manifest, as ``train`` reads it."""
    return read_manifest(path, REPLICA_ROWS)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode())
    else:
        path.write_bytes(content)
    return path


def csv_file(tmp_path: Path, *lines: str, name: str = "m.csv") -> Path:
    return write(tmp_path, name, "".join(line + "\n" for line in lines))


def jsonl_file(tmp_path: Path, *rows: object, name: str = "m.jsonl") -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    return write(tmp_path, name, "".join(line + "\n" for line in lines))


def found(manifest: Manifest) -> list[tuple[int | None, str | None]]:
    return [(problem.line, problem.field) for problem in manifest.problems]


def file_error(path: Path) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        read_replicas(path)
    return info.value


EXPECTED_VIDEO = CreateReplicaRequest(
    train_video_url=VIDEO,
    replica_name="Rio",
    consent_video_url=CONSENT,
    model_name="phoenix-4",
    callback_url=HOOK,
    properties=ReplicaProperties(background_green_screen=True),
)
EXPECTED_IMAGE = CreateReplicaRequest(
    train_image_url=IMAGE,
    voice_name="anna",
    replica_name="Ana",
    auto_fix_training_image=False,
    properties=ReplicaProperties(background_green_screen=False),
)


def test_csv_with_every_column(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        HEADER,
        f" Rio ,{VIDEO},, ,{CONSENT},phoenix-4,{HOOK},TRUE,",
        f"Ana,,{IMAGE},anna,,,,no,0",
    )
    manifest = read_replicas(str(path))
    assert manifest.path == path
    assert [(2, "Rio"), (3, "Ana")] == [(r.line, r.name) for r in manifest.rows]
    assert [EXPECTED_VIDEO, EXPECTED_IMAGE] == [r.request for r in manifest.rows]
    assert () == manifest.problems
    assert () == manifest.invalid_lines
    assert {} == manifest.invalid_names


@pytest.mark.parametrize("name", ["m.jsonl", "m.ndjson", "M.JSONL"])
def test_jsonl_with_every_column(tmp_path: Path, name: str) -> None:
    path = jsonl_file(
        tmp_path,
        {
            "replica_name": "Rio ",
            "train_video_url": VIDEO,
            "train_image_url": None,
            "consent_video_url": CONSENT,
            "model_name": "phoenix-4",
            "callback_url": HOOK,
            "background_green_screen": True,
        },
        {
            "replica_name": "Ana",
            "train_image_url": IMAGE,
            "voice_name": "anna",
            "auto_fix_training_image": False,
            "background_green_screen": "no",
        },
        name=name,
    )
    manifest = read_replicas(path)
    assert [(1, "Rio"), (2, "Ana")] == [(r.line, r.name) for r in manifest.rows]
    assert [EXPECTED_VIDEO, EXPECTED_IMAGE] == [r.request for r in manifest.rows]
    assert () == manifest.problems


def test_image_row_with_voice(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, "replica_name,train_image_url,voice_name", f"Ana,{IMAGE},anna"
    )
    (row,) = read_replicas(path).rows
    assert (
        CreateReplicaRequest(
            train_image_url=IMAGE, voice_name="anna", replica_name="Ana"
        )
        == row.request
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("true", True),
        ("True", True),
        ("1", True),
        ("YES", True),
        (" yes ", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("No", False),
        ("", None),
        ("  ", None),
    ],
)
def test_csv_booleans(tmp_path: Path, cell: str, expected: bool | None) -> None:
    path = csv_file(
        tmp_path,
        "replica_name,train_video_url,background_green_screen",
        f'a,{VIDEO},"{cell}"',
    )
    (row,) = read_replicas(path).rows
    properties = row.request.properties
    assert expected == (
        None if properties is None else properties.background_green_screen
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("Yes", True), (None, None)],
)
def test_jsonl_booleans(tmp_path: Path, value: object, expected: bool | None) -> None:
    path = jsonl_file(
        tmp_path,
        {
            "replica_name": "a",
            "train_image_url": IMAGE,
            "voice_name": "anna",
            "auto_fix_training_image": value,
        },
    )
    (row,) = read_replicas(path).rows
    assert expected is row.request.auto_fix_training_image


JSON_A = f'{{"replica_name": "a", "train_video_url": "{VIDEO}"}}'
JSON_B = f'{{"replica_name": "b", "train_video_url": "{VIDEO}"}}'


@pytest.mark.parametrize(
    ("name", "content", "lines"),
    [
        (
            "m.csv",
            f"\ufeffreplica_name,train_video_url\r\na,{VIDEO}\r\n\r\nb,{VIDEO}",
            [2, 4],
        ),
        (
            "m.csv",
            f"replica_name,train_video_url\r\na,{VIDEO}\r\n\r\nb,{VIDEO}\r\n",
            [2, 4],
        ),
        ("m.csv", f"replica_name,train_video_url\ra,{VIDEO}\r\rb,{VIDEO}\r", [2, 4]),
        ("m.jsonl", f"\ufeff{JSON_A}\r\n\r\n\r\n{JSON_B}\r\n", [1, 4]),
        ("m.jsonl", f"{JSON_A}\n\n\n{JSON_B}", [1, 4]),
    ],
)
def test_bom_and_crlf(
    tmp_path: Path, name: str, content: str, lines: list[int]
) -> None:
    manifest = read_replicas(write(tmp_path, name, content))
    assert ["a", "b"] == [row.name for row in manifest.rows]
    assert lines == [row.line for row in manifest.rows]
    assert () == manifest.problems
    assert VIDEO == manifest.rows[1].request.train_video_url


def test_quoted_multiline_field_keeps_physical_line_numbers(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "replica_name,train_video_url,model_name",
        f'a,{VIDEO},"phoenix',
        "four",
        '"',
        f"b,{VIDEO},",
        "c,ftp://x,",
        '"d',
        f'e",{VIDEO},',
        "f,,",
    )
    manifest = read_replicas(path)
    assert [(2, "a"), (5, "b"), (7, "d\ne")] == [
        (r.line, r.name) for r in manifest.rows
    ]
    assert "phoenix\nfour" == manifest.rows[0].request.model_name
    assert [(6, "train_video_url"), (9, "train_video_url")] == found(manifest)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "m.txt",
            "replica_name\n",
            ["has the extension '.txt'; save the manifest as .csv, .jsonl or .ndjson"],
        ),
        ("manifest", "x", ["has the extension '(none)'; save the manifest as"]),
        ("m.csv", b"\xff\xfer\x00e\x00", ["UTF-16; save it as UTF-8"]),
        (
            "m.csv",
            b"replica_name,train_video_url\nb\xe9,https://x/v.mp4\n",
            ["line 2: byte 30 (0xe9) is not UTF-8 text; save the file as UTF-8"],
        ),
        (
            "m.jsonl",
            b'\xef\xbb\xbf{"replica_name": "a"}\n\n{"replica_name": "\xc3"}\n',
            ["line 3: byte 44 (0xc3) is not UTF-8"],
        ),
        ("m.csv", "", ["the manifest has no rows; add one replica per line"]),
        ("m.csv", "\n  \n,,\n", ["the manifest has no rows; add one replica per line"]),
        ("m.jsonl", "", ["the manifest has no rows; add one replica per line"]),
        ("m.jsonl", "\n \r\n\n", ["the manifest has no rows"]),
        ("m.csv", "\ufeff", ["the manifest has no rows"]),
        (
            "m.csv",
            "replica_name,train_video_url\n\n",
            ["the manifest has no rows; add one replica per line after the header"],
        ),
        (
            "m.csv",
            f"train_video_url\n{VIDEO}\n",
            ["line 1: the header has no replica_name column"],
        ),
        (
            "m.csv",
            "replica_name,voice_name\na,anna\n",
            ["line 1: the header has neither a train_video_url nor a train_image_url"],
        ),
        (
            "m.csv",
            f"replica_name,train_video_ur\na,{VIDEO}\n",
            [
                "line 1: the header has neither",
                "line 1: train_video_ur: is not a known column; did you mean "
                "train_video_url?",
            ],
        ),
        (
            "m.csv",
            f"replica_name,train_video_url,Voice_Name,colour\na,{VIDEO},anna,red\n",
            [
                "line 1: Voice_Name: is not a known column; did you mean voice_name?",
                "line 1: colour: is not a known column; use only replica_name, "
                "train_video_url",
            ],
        ),
        (
            "m.csv",
            f"replica_name;train_video_url\na;{VIDEO}\n",
            [
                "line 1: the header has no replica_name column",
                "line 1: the header has neither",
                "separate columns with commas, not semicolons",
            ],
        ),
        (
            "m.csv",
            f"replica_name,train_video_url,replica_name\na,{VIDEO},b\n",
            ["line 1: replica_name: is both column 1 and column 3; keep one"],
        ),
        (
            "m.csv",
            f'\nreplica_name,"train_video_url"x\na,{VIDEO}\n',
            ["line 2: cannot read the header as CSV (',' expected after '\"')"],
        ),
    ],
)
def test_file_level_problems(
    tmp_path: Path, name: str, content: str | bytes, expected: list[str]
) -> None:
    error = file_error(write(tmp_path, name, content))
    lines = str(error).split("\n")
    assert len(expected) == len(lines) == len(error.problems)
    for want, line in zip(expected, lines, strict=True):
        assert want in line


def test_missing_file_and_bad_extension_are_both_reported(tmp_path: Path) -> None:
    error = file_error(tmp_path / "nope.xlsx")
    assert [None, None] == [problem.line for problem in error.problems]
    assert "'.xlsx'" in str(error.problems[0])
    assert f"no such file: '{tmp_path / 'nope.xlsx'}'; check the path" == str(
        error.problems[1]
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is a directory; give the manifest file in it"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
        (lambda p: p.symlink_to(p), "cannot read"),
        (lambda p: None, "no such file"),
    ],
)
def test_unusable_paths(tmp_path: Path, make: Any, expected: str) -> None:
    path = tmp_path / "m.csv"
    make(path)
    (problem,) = file_error(path).problems
    assert expected in problem.message
    assert problem.line is None


def test_file_under_a_file_is_missing(tmp_path: Path) -> None:
    parent = csv_file(tmp_path, "replica_name")
    (problem,) = file_error(parent / "m.csv").problems
    assert "no such file" in problem.message


CSV_HEAD = "replica_name,train_video_url,train_image_url,voice_name,callback_url"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (f"a,{VIDEO},{IMAGE},anna,", [("train_image_url", "not both")]),
        (
            f"a,,{IMAGE},,",
            [
                (
                    "voice_name",
                    "is required with train_image_url; pick one from "
                    "tavus-async voices list, e.g.",
                )
            ],
        ),
        ("a,,,,", [("train_video_url", "give exactly one of")]),
        ("a,ftp://x,,,", [("train_video_url", "got 'ftp://x'")]),
        (f"a,{VIDEO},,,not-a-url", [("callback_url", "absolute http(s) URL")]),
        (f",{VIDEO},,,", [("replica_name", "is required; give every replica")]),
        (f"  ,{VIDEO},,,", [("replica_name", "is required")]),
        (
            f"a,{VIDEO},,,,{IMAGE}",
            [(None, "has a value in column 6, which the header does not name")],
        ),
        (f"a,{VIDEO},,,,,  ,", []),
        (
            ",s3://b/k,,,ftp://h",
            [
                ("replica_name", "is required"),
                ("train_video_url", "got 's3://b/k'"),
                ("callback_url", "got 'ftp://h'"),
            ],
        ),
        (f'a,"{VIDEO}"x,,,', [(None, "cannot read this row as CSV")]),
        (f'a,{VIDEO},,, "https://h.example.com/a,b"', []),
    ],
)
def test_csv_row_problems(
    tmp_path: Path, row: str, expected: list[tuple[str | None, str]]
) -> None:
    manifest = read_replicas(csv_file(tmp_path, CSV_HEAD, row, f"ok,{VIDEO},,,"))
    assert [(2, field) for field, _ in expected] == found(manifest)
    for (_, want), problem in zip(expected, manifest.problems, strict=True):
        assert want in problem.message
    assert ["ok"] == [r.name for r in manifest.rows][-1:]
    assert len(manifest.rows) == (1 if expected else 2)
    assert ((2,) if expected else ()) == manifest.invalid_lines


def test_every_problem_of_one_row_is_reported(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "replica_name,train_video_url,consent_video_url,callback_url,"
        "background_green_screen,auto_fix_training_image",
        "a,ftp://v,ftp://c,ftp://h,maybe,yes",
    )
    manifest = read_replicas(path)
    assert [
        (2, "background_green_screen"),
        (2, "train_video_url"),
        (2, "consent_video_url"),
        (2, "callback_url"),
        (2, "auto_fix_training_image"),
    ] == found(manifest)
    assert "got 'maybe'" in manifest.problems[0].message
    assert {2: "a"} == manifest.invalid_names


def test_reasons_join_the_problems_of_each_invalid_line(tmp_path: Path) -> None:
    """One text per invalid line, its problems in order, fields named."""
    path = csv_file(
        tmp_path,
        CSV_HEAD,
        f"ok,{VIDEO},,,",
        ",ftp://v,,,",
        f'a,"{VIDEO}"x,,,',
    )
    reasons = read_replicas(path).reasons()

    assert [3, 4] == list(reasons)
    assert reasons[3].startswith("replica_name: is required; ")
    assert "; train_video_url: must be " in reasons[3]
    assert reasons[4].startswith("cannot read this row as CSV")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("[1, 2]", [(None, "must be a JSON object, got an array")]),
        ('"rio"', [(None, "must be a JSON object, got 'rio'")]),
        ("42", [(None, "got the number 42")]),
        ("null", [(None, "got null")]),
        ("{bad", [(None, "is not valid JSON (Expecting property name")]),
        ('{"replica_name": "a",}', [(None, "is not valid JSON")]),
        ("[" * 100_000, [(None, "is nested too deeply")]),
        (
            {"replica_name": "a", "train_video_url": 5},
            [
                (
                    "train_video_url",
                    "must be a string in double quotes, got the number 5",
                )
            ],
        ),
        (
            {"replica_name": True, "train_video_url": VIDEO},
            [("replica_name", "got true")],
        ),
        (
            {"replica_name": "a", "train_video_url": [VIDEO]},
            [("train_video_url", "got an array")],
        ),
        (
            {"replica_name": "a", "train_image_url": {"u": IMAGE}, "voice_name": "x"},
            [("train_image_url", "got an object")],
        ),
        (
            {"replica_name": "a", "train_image_url": IMAGE, "voice_name": 3},
            [("voice_name", "got the number 3")],
        ),
        (
            {
                "replica_name": "a",
                "train_video_url": VIDEO,
                "auto_fix_training_image": "maybe",
            },
            [
                (
                    "auto_fix_training_image",
                    "must be true or false (or 1/0, yes/no), got 'maybe'",
                )
            ],
        ),
        (
            {
                "replica_name": "a",
                "train_video_url": VIDEO,
                "background_green_screen": 2,
            },
            [("background_green_screen", "got the number 2")],
        ),
        (
            {"replica_name": "a", "train_vidoe_url": VIDEO},
            [
                (
                    "train_vidoe_url",
                    "is not a known key; did you mean train_video_url?",
                ),
                ("train_video_url", "give exactly one of"),
            ],
        ),
        (
            {"replica_name": None, "train_video_url": VIDEO, "model_name": ""},
            [("replica_name", "is required")],
        ),
    ],
)
def test_jsonl_row_problems(
    tmp_path: Path, row: object, expected: list[tuple[str | None, str]]
) -> None:
    ok = {"replica_name": "ok", "train_video_url": VIDEO}
    manifest = read_replicas(jsonl_file(tmp_path, ok, "", row))
    assert [(3, field) for field, _ in expected] == found(manifest)
    for (_, want), problem in zip(expected, manifest.problems, strict=True):
        assert want in problem.message
    assert [(1, "ok")] == [(r.line, r.name) for r in manifest.rows]
    assert (3,) == manifest.invalid_lines


def test_duplicate_names_name_the_other_lines(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "replica_name,train_video_url",
        f"x,{VIDEO}",
        f"y,{VIDEO}",
        f" x ,{VIDEO}",
        "x,ftp://bad",
        f"X,{VIDEO}",
    )
    manifest = read_replicas(path)
    assert ["y", "X"] == [row.name for row in manifest.rows]
    assert (2, 4, 5) == manifest.invalid_lines
    assert {2: "x", 4: "x", 5: "x"} == manifest.invalid_names
    assert [
        "line 2: replica_name: 'x' is also on lines 4 and 5; names must be unique "
        "in a manifest",
        "line 4: replica_name: 'x' is also on lines 2 and 5; names must be unique "
        "in a manifest",
        "line 5: train_video_url: must be an absolute http(s) URL such as "
        "'https://example.com/path', got 'ftp://bad'",
        "line 5: replica_name: 'x' is also on lines 2 and 4; names must be unique "
        "in a manifest",
    ] == [str(problem) for problem in manifest.problems]


def test_a_pair_of_duplicates_names_one_line(tmp_path: Path) -> None:
    ok = {"replica_name": "x", "train_video_url": VIDEO}
    manifest = read_replicas(jsonl_file(tmp_path, ok, ok))
    assert ["'x' is also on line 2", "'x' is also on line 1"] == [
        problem.message.split(";")[0] for problem in manifest.problems
    ]


def test_many_duplicates_list_a_few_lines(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "replica_name,train_video_url", *[f"x,{VIDEO}"] * 20)
    manifest = read_replicas(path)
    assert tuple(range(2, 22)) == manifest.invalid_lines
    assert (
        "'x' is also on lines 3, 4, 5, 6, 7 and 14 more" in manifest.problems[0].message
    )
    assert (
        "'x' is also on lines 2, 3, 4, 5, 6 and 14 more"
        in manifest.problems[-1].message
    )


def test_many_bad_rows_are_all_reported_in_line_order(tmp_path: Path) -> None:
    rows = [f"r{n},{VIDEO if n % 3 else 'ftp://x'}" for n in range(60)]
    manifest = read_replicas(csv_file(tmp_path, "replica_name,train_video_url", *rows))
    bad = tuple(n + 2 for n in range(60) if n % 3 == 0)
    assert bad == manifest.invalid_lines
    assert list(bad) == [problem.line for problem in manifest.problems]
    assert {line: f"r{line - 2}" for line in bad} == manifest.invalid_names
    assert 40 == len(manifest.rows)


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    csv_path = csv_file(
        tmp_path, "", "replica_name,train_video_url", "", f"a,{VIDEO}", " ", ",", "b,"
    )
    manifest = read_replicas(csv_path)
    assert [(4, "a")] == [(row.line, row.name) for row in manifest.rows]
    assert [(7, "train_video_url")] == found(manifest)


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (RowProblem(7, "train_video_url", "bad"), "line 7: train_video_url: bad"),
        (RowProblem(3, None, "is not valid JSON"), "line 3: is not valid JSON"),
        (RowProblem(None, None, "no rows"), "no rows"),
        (RowProblem(None, "x", "unknown"), "x: unknown"),
    ],
)
def test_row_problem_text(problem: RowProblem, text: str) -> None:
    assert text == str(problem)


def test_manifest_error_lists_problems_one_per_line() -> None:
    error = ManifestError([RowProblem(None, None, "a"), RowProblem(1, "f", "b")])
    assert "a\nline 1: f: b" == str(error)
    assert 2 == len(error.problems)


def test_ten_thousand_rows(tmp_path: Path) -> None:
    rows = [f"replica-{n},https://cdn.example.com/{n}.mp4,,no" for n in range(10_000)]
    header = "replica_name,train_video_url,model_name,background_green_screen"
    manifest = read_replicas(csv_file(tmp_path, header, *rows))
    assert 10_000 == len(manifest.rows)
    assert () == manifest.problems
    last = manifest.rows[-1]
    assert (10_001, "replica-9999") == (last.line, last.name)
    assert "https://cdn.example.com/9999.mp4" == last.request.train_video_url


def test_a_column_without_a_name_must_stay_empty(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, "replica_name,,train_video_url,", f"a,,{VIDEO},", f"b,x,{VIDEO},y"
    )
    manifest = read_replicas(path)
    assert ["a"] == [row.name for row in manifest.rows]
    assert [(3, None)] == found(manifest)
    assert "has a value in column 2, 4, which the header" in str(manifest.problems[0])
