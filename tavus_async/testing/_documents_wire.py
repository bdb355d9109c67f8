"""Request checks and error answers of the fake's documents, as the spec has them.

Pure code but for :func:`optional_body`: each check returns what it read or
raises the :class:`ApiError` Tavus documents for it (400 ``{"error":
"Invalid request: ..."}``; 409 and 429 ``{"error": ...}`` for a recrawl and
the crawl limits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tavus_async.testing._collection import json_body
from tavus_async.testing._faults import ApiError, bad_request


__all__ = [
    "cooling_down",
    "crawl_config",
    "crawled_urls",
    "found",
    "invalid",
    "new_fields",
    "not_ready",
    "optional_body",
    "tags",
    "text",
    "too_many_crawling",
    "too_many_crawls",
]

_BOUNDS = {"depth": (1, 10), "max_pages": (1, 100)}
_SHOWN_PAGES = 10


def invalid(message: str) -> ApiError:
    """A 400 ``{"error": "Invalid request: <message>"}``."""
    return bad_request(f"Invalid request: {message}")


def text(body: Mapping[str, Any], key: str) -> str | None:
    """``body[key]``: None when absent; 400 unless a non-empty string."""
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise invalid(f"{key} must be a non-empty string")
    return value


def tags(body: Mapping[str, Any]) -> list[str] | None:
    """``body["tags"]``: None when absent; 400 unless an array of strings."""
    value = body.get("tags")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise invalid("tags must be an array of strings")
    return value


def crawl_config(value: Any) -> dict[str, int] | None:
    """A ``crawl`` object's ``depth`` (1-10) and ``max_pages`` (1-100), as given."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("crawl must be an object")
    crawl = {}
    for key, (low, high) in _BOUNDS.items():
        number = value.get(key)
        if number is None:
            continue
        if type(number) is not int or not low <= number <= high:
            raise invalid(f"crawl.{key} must be an integer from {low} to {high}")
        crawl[key] = number
    return crawl


def new_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The stored fields of a Create Document body; 400 naming what is wrong.

    A document without a name is named after the last part of its URL's path,
    or its host.
    """
    url = body.get("document_url")
    if url is None:
        raise invalid("document_url is required")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("document_url must be a valid http(s) URL")
    name = text(body, "document_name")
    if name is None:
        name = parts.path.rstrip("/").rpartition("/")[2] or parts.netloc
    return {
        "document_name": name,
        "document_url": url,
        "callback_url": text(body, "callback_url"),
        "tags": tags(body) or [],
        "crawl_config": crawl_config(body.get("crawl")),
    }


def found(search: str, document_id: str, fields: Mapping[str, Any]) -> bool:
    """Whether ``name_or_uuid`` finds a document: its id, or part of its name.

    The name is matched ignoring case.
    """
    name = fields["document_name"]
    return search == document_id or search.casefold() in name.casefold()


def crawled_urls(url: str, crawl: Mapping[str, int]) -> list[str]:
    """The pages a crawl from ``url`` read: the URL, then made-up ones under it."""
    count = min(crawl.get("max_pages", _SHOWN_PAGES), _SHOWN_PAGES)
    base = url.rstrip("/")
    return [url, *(f"{base}/page-{n}" for n in range(1, count))]


async def optional_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or ``{}`` when it has no body."""
    raw = await request.read()
    return await json_body(request) if raw.strip() else {}


def not_ready(status: str) -> ApiError:
    """The 409 of a recrawl of a document that is not ``ready`` or ``error``."""
    return ApiError(
        409,
        {
            "error": "Document must be in 'ready' or 'error' state to recrawl, "
            f"current status: {status}"
        },
    )


def cooling_down(minutes: int) -> ApiError:
    """The 429 of a recrawl within the cooldown of the previous one."""
    return ApiError(
        429,
        {
            "error": f"Recrawl cooldown: please wait {minutes} minutes before "
            "recrawling this document."
        },
    )


def too_many_crawls(limit: int) -> ApiError:
    """The 429 of a crawl create when the account holds ``limit`` crawl documents."""
    return ApiError(
        429,
        {
            "error": f"Crawl document limit reached ({limit}). Contact "
            "support@tavus.io to increase your limit."
        },
    )


def too_many_crawling(limit: int) -> ApiError:
    """The 429 of a crawl while ``limit`` crawls run (wording not documented)."""
    return ApiError(
        429,
        {
            "error": f"Concurrent crawl limit reached ({limit}). Please wait "
            "for a running crawl to finish."
        },
    )
