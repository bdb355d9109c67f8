"""A video manifest's rows (``generate``), read from files and checked, from tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavus_async import GenerateVideoRequest, VideoProperties
from tavus_async.cli._manifest import Manifest, read_manifest
from tavus_async.cli._row_schemas import VIDEO_ROWS


REPLICA = "r90bbd427f71"


def read_videos(path: Path) -> Manifest[GenerateVideoRequest]:
    return read_manifest(path, VIDEO_ROWS)


def test_csv_with_every_column(tmp_path: Path) -> None:
    """Every field of a video request, from CSV text cells."""
    path = tmp_path / "v.csv"
    path.write_text(
        ",".join(VIDEO_ROWS.fields)
        + "\n"
        + f"hello,{REPLICA},Hi!,,https://e.com/,,https://e.com/m.png,no,,"
        + '"{""background_scroll"": false, ""start_with_wave"": false}"\n'
        + f"see-through,{REPLICA},,https://e.com/a.mp3,,https://e.com/b.mp4,,1,yes,\n"
    )

    manifest = read_videos(path)

    assert () == manifest.problems
    assert [
        GenerateVideoRequest(
            video_name="hello",
            replica_id=REPLICA,
            script="Hi!",
            background_url="https://e.com/",
            watermark_image_url="https://e.com/m.png",
            fast=False,
            properties=VideoProperties(background_scroll=False, start_with_wave=False),
        ),
        GenerateVideoRequest(
            video_name="see-through",
            replica_id=REPLICA,
            audio_url="https://e.com/a.mp3",
            background_source_url="https://e.com/b.mp4",
            fast=True,
            transparent_background=True,
        ),
    ] == [row.request for row in manifest.rows]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"properties": ""}, []),
        ({"properties": None}, []),
        ({"properties": "  "}, []),
        ({"properties": [1]}, [("properties", "must be a JSON object, got an array")]),
        (
            {"properties": "7"},
            [("properties", "must be a JSON object, got the number")],
        ),
        ({"properties": "{"}, [("properties", "must be a JSON object, such as")]),
        (
            {"properties": {"start_with_wave": "maybe"}},
            [("properties.start_with_wave", "not a boolean")],
        ),
        ({"fast": "quick"}, [("fast", "must be true or false")]),
        (
            {"fast": False, "transparent_background": True},
            [("transparent_background", "needs fast=True")],
        ),
        (
            {"callback_url": "https://e.com/hook"},
            [("callback_url", "is set by the job")],
        ),
        ({"scirpt": "x"}, [("scirpt", "is not a known key; did you mean script?")]),
        ({"video_name": None}, [("video_name", "give every video a unique name")]),
        ({"video_name": 7}, [("video_name", "must be a string in double quotes")]),
    ],
)
def test_jsonl_row_problems(
    tmp_path: Path, extra: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    """Each problem of a row is named by its field; a row without one is valid."""
    row = {"video_name": "v", "replica_id": REPLICA, "script": "Hi", **extra}
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps(row) + "\n")

    manifest = read_videos(path)

    assert [field for field, _ in expected] == [p.field for p in manifest.problems]
    for (_, want), problem in zip(expected, manifest.problems, strict=True):
        assert want in problem.message
    assert (0 if expected else 1) == len(manifest.rows)
