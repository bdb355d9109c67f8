"""Tavus's own examples of video generation callbacks (its API Callbacks page)."""

from __future__ import annotations

from typing import Any


VIDEO_READY: dict[str, Any] = {
    "created_at": "2024-08-28 15:27:40.824457",
    "data": {"script": "Hello this is a test to give examples of callbacks"},
    "download_url": "https://stream.mux.com/H5H029h02tY7XDpNj9JFDbLleTyUpsJr5npddO8g"
    "RsKqY/high.mp4?download=1e30440cf9",
    "generation_progress": "100/100",
    "hosted_url": "https://videos.tavus.io/video/1e30440cf9",
    "replica_id": "r79e1c033f",
    "status": "ready",
    "status_details": "Your request has processed successfully!",
    "stream_url": "https://stream.mux.com/H5H029h02tY7XDpNj9JFDbLleTyUpsJr5npddO8gRsK"
    "qY.m3u8",
    "updated_at": "2024-08-28 15:29:19.802670",
    "video_id": "1e30440cf9",
    "video_name": "replica_id: r79e1c033f - August 28, 2024 - video: 1e30440cf9",
}
"""Tavus's example of a video generation callback, ready (API Callbacks page)."""
VIDEO_FAILED = (
    "An error occurred while generating this request. Please check your inputs or "
    "try your request again."
)
VIDEO_ERROR: dict[str, Any] = {
    "created_at": "2024-08-28 15:32:53.058894",
    "data": {"script": "This is a test script to show how videos error"},
    "download_url": None,
    "error_details": None,
    "generation_progress": "0/100",
    "hosted_url": "https://videos.tavus.io/video/c9b85a6d36",
    "replica_id": "ra5ed77426",
    "status": "error",
    "status_details": VIDEO_FAILED,
    "stream_url": None,
    "updated_at": "2024-08-28 15:35:03.762392",
    "video_id": "c9b85a6d36",
    "video_name": "replica_id: ra5ed77426 - August 28, 2024 - video: c9b85a6d36",
}
"""Tavus's example of a video generation callback, failed (API Callbacks page)."""
