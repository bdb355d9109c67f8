"""How each resource plugs into the watch engine: what to fetch, what it means.

A :class:`Source` says how to fetch one resource (by id, through a list
filtered to ids, or page by page for a sweep) and how to read it (its id,
status, progress and failure reason); its :class:`Lifecycle` says which
statuses end a job and in which order statuses come. The engine
(``tavus_async.watch._run``) knows nothing else about a resource, so a new
resource is one more description here, not one more loop::

    replicas       by id, or filtered lists of 100 ids   (replica_ids=)
    videos         by id, or sweeps of every list page   (page=, from 0)
    documents      by id, or sweeps of every list page   (page=, from 0)
    transcriptions by id, or sweeps of every list page   (page=, from 1)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Generic, Protocol, TypeVar

import attrs
from attrs import AttrsInstance, frozen

from tavus_async.types import (
    Document,
    DocumentStatus,
    Replica,
    ReplicaStatus,
    Transcription,
    TranscriptionStatus,
    Video,
    VideoStatus,
)
from tavus_async.types._common import OpenStrEnum, Page, TrainingProgress


__all__ = [
    "Lifecycle",
    "Source",
    "document_source",
    "replica_source",
    "transcription_source",
    "video_source",
]

_T = TypeVar("_T")
_A = TypeVar("_A", bound=AttrsInstance)


@frozen(kw_only=True)
class Lifecycle:
    """The statuses of a long-running job, as the watch engine reads them.

    Attributes:
        status_type: The resource's status enum; a target (``until=``) must
            be one of its members.
        order: The statuses in the order a job goes through them, those of
            one rank grouped; a status past a target's rank reaches it.
        success: The statuses of a job done well (equivalent spellings too).
        failed: The statuses of a failed job.
        gone: Statuses that mean the resource is gone (a deleted video).
        failure: What failed, in an outcome's detail (``"training failed"``).
    """

    status_type: type[OpenStrEnum]
    order: tuple[frozenset[str], ...]
    success: frozenset[str]
    failed: frozenset[str] = frozenset({"error"})
    gone: frozenset[str] = frozenset()
    failure: str = "failed"

    def rank(self, status: str) -> int | None:
        """Where ``status`` comes in ``order``, or None if not in it."""
        for rank, statuses in enumerate(self.order):
            if status in statuses:
                return rank
        return None


@frozen(kw_only=True)
class Source(Generic[_T]):
    """How the watch engine fetches and reads one kind of resource.

    Build one with :func:`replica_source`, :func:`video_source`,
    :func:`document_source` or :func:`transcription_source`, or describe
    another resource the same way, and give it to :class:`Watcher`.

    Attributes:
        noun: The resource's name in messages, such as ``"video"``.
        lifecycle: Its statuses.
        get: Fetch one by id; raises ``UnknownIdError``/``NotFoundError``
            for an id Tavus does not know.
        id_of: Its id.
        status_of: Its status, if the answer has one.
        progress_of: How far its job is, if Tavus says.
        message_of: Tavus's reason for a failure, if any.
        with_status: Build the item a status learnt elsewhere stands for
            (``notify``), from the previous sighting if any.
        find: Fetch a list filtered to these ids (up to ``page_size``), if
            the resource's list has an id filter.
        page: Fetch page ``number`` of ``limit`` items of the whole list, if
            a sweep can read it.
        first_page: The number of the list's first page.
        page_size: The most items a list request may ask for.
        listed_lacks_message: A list answer leaves out the failure reason, so
            a failed item is fetched by id once for it.
    """

    noun: str
    lifecycle: Lifecycle
    get: Callable[[str], Awaitable[_T]]
    id_of: Callable[[_T], str]
    status_of: Callable[[_T], str | None]
    progress_of: Callable[[_T], TrainingProgress | None]
    message_of: Callable[[_T], str | None]
    with_status: Callable[[str, str, str | None, _T | None], _T]
    find: Callable[[Sequence[str]], Awaitable[Page[_T]]] | None = None
    page: Callable[[int, int], Awaitable[Page[_T]]] | None = None
    first_page: int = 1
    page_size: int = 100
    listed_lacks_message: bool = False


class _Replicas(Protocol):
    async def get(self, replica_id: str) -> Replica: ...

    async def list(
        self, *, limit: int | None = None, replica_ids: Iterable[str] | None = None
    ) -> Page[Replica]: ...


class _Pages(Protocol[_T]):
    async def get(self, resource_id: str, /) -> _T: ...

    async def list(
        self, *, limit: int | None = None, page: int | None = None
    ) -> Page[_T]: ...


def replica_source(replicas: _Replicas) -> Source[Replica]:
    """Replicas: by id, or lists filtered with ``replica_ids`` (100 per request)."""

    async def find(ids: Sequence[str]) -> Page[Replica]:
        return await replicas.list(replica_ids=ids, limit=len(ids))

    return Source(
        noun="replica",
        lifecycle=Lifecycle(
            status_type=ReplicaStatus,
            order=(
                frozenset({"started"}),
                frozenset({"training"}),
                frozenset({"completed", "ready"}),
            ),
            success=frozenset({"completed", "ready"}),
            failure="training failed",
        ),
        get=replicas.get,
        id_of=lambda r: r.replica_id,
        status_of=lambda r: r.status,
        progress_of=lambda r: r.training_progress,
        message_of=lambda r: r.error_message,
        with_status=_setter(Replica, "replica_id", ReplicaStatus, "error_message"),
        find=find,
        listed_lacks_message=True,
    )


def video_source(videos: _Pages[Video]) -> Source[Video]:
    """Generated videos: by id, or sweeps of every page of List Videos."""

    return Source(
        noun="video",
        lifecycle=Lifecycle(
            status_type=VideoStatus,
            order=(
                frozenset({"queued"}),
                frozenset({"generating"}),
                frozenset({"ready"}),
            ),
            success=frozenset({"ready"}),
            gone=frozenset({"deleted"}),
            failure="generation failed",
        ),
        get=videos.get,
        id_of=lambda video: video.video_id,
        status_of=lambda video: video.status,
        progress_of=lambda video: video.generation_progress,
        message_of=lambda video: video.error_details or video.status_details,
        with_status=_setter(Video, "video_id", VideoStatus, "error_details"),
        page=_pager(videos),
        first_page=0,
    )


def document_source(documents: _Pages[Document]) -> Source[Document]:
    """Documents: by id, or sweeps of every page of List Documents."""

    return Source(
        noun="document",
        lifecycle=Lifecycle(
            status_type=DocumentStatus,
            order=(
                frozenset({"started"}),
                frozenset({"processing", "recrawling"}),
                frozenset({"ready"}),
            ),
            success=frozenset({"ready"}),
            failure="processing failed",
        ),
        get=documents.get,
        id_of=lambda document: document.document_id,
        status_of=lambda document: document.status,
        progress_of=_percent,
        message_of=lambda document: document.error_message,
        with_status=_setter(Document, "document_id", DocumentStatus, "error_message"),
        page=_pager(documents),
        first_page=0,
    )


def transcription_source(
    transcriptions: _Pages[Transcription],
) -> Source[Transcription]:
    """Transcriptions: by id, or sweeps of every page of List Transcriptions."""

    return Source(
        noun="transcription",
        lifecycle=Lifecycle(
            status_type=TranscriptionStatus,
            order=(frozenset({"started"}), frozenset({"completed"})),
            success=frozenset({"completed"}),
            failure="transcription failed",
        ),
        get=transcriptions.get,
        id_of=lambda transcription: transcription.transcription_id,
        status_of=lambda transcription: transcription.status,
        progress_of=lambda _: None,
        message_of=lambda _: None,
        with_status=_setter(
            Transcription, "transcription_id", TranscriptionStatus, None
        ),
        page=_pager(transcriptions),
    )


def _setter(
    cls: Callable[..., _A],
    id_field: str,
    status_type: type[OpenStrEnum],
    message_field: str | None,
) -> Callable[[str, str, str | None, _A | None], _A]:
    """``with_status`` for a resource: a new item, or the last one evolved."""

    def with_status(
        resource_id: str, status: str, message: str | None, last: _A | None
    ) -> _A:
        changes: dict[str, object] = {"status": status_type(status)}
        if message_field is not None:
            kept = None if last is None else getattr(last, message_field)
            changes[message_field] = message or kept
        if last is None:
            return cls(**{id_field: resource_id}, **changes)
        return attrs.evolve(last, **changes)  # type: ignore[misc]  # mypy: protocol bound

    return with_status


def _pager(service: _Pages[_T]) -> Callable[[int, int], Awaitable[Page[_T]]]:
    async def page(number: int, limit: int) -> Page[_T]:
        return await service.list(limit=limit, page=number)

    return page


def _percent(document: Document) -> TrainingProgress | None:
    percent = document.progress
    return None if percent is None else TrainingProgress(done=percent)
