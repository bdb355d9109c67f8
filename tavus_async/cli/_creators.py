"""What a batch job makes on Tavus: one create, the list for lookups, one reading.

:class:`Creator` is the one seam between the job (:mod:`._job`) and what it
makes: :class:`ReplicaCreator` (``train``) and :class:`VideoCreator`
(``generate``). Everything else, from the journal to the results file, is
the same code for both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, TypeVar

from attrs import frozen

from tavus_async import (
    CreateReplicaRequest,
    GenerateVideoRequest,
    Replica,
    TavusClient,
    Video,
)
from tavus_async.cli._decisions import Created
from tavus_async.cli._journal import Links
from tavus_async.cli._kinds import JobKind


__all__ = ["Creator", "ReplicaCreator", "VideoCreator"]

_R_contra = TypeVar("_R_contra", contravariant=True)
_T = TypeVar("_T")


class Creator(Protocol[_R_contra, _T]):
    """How a job creates, finds and reads the resources of its kind."""

    @property
    def kind(self) -> JobKind:
        """What it creates."""

    async def create(self, request: _R_contra) -> Created:
        """Send one create (billed: the client never retries it when Tavus
        may have acted) and return what the answer says."""

    def listing(self) -> AsyncIterator[_T]:
        """Every resource of the kind in the account, to look a name up in."""

    def read(self, item: _T) -> Created:
        """What the job keeps of a resource seen in a list or a watch."""


@frozen
class ReplicaCreator:
    """Replicas, for ``train``: created by ``client.replicas.create``."""

    client: TavusClient

    @property
    def kind(self) -> JobKind:
        """:attr:`JobKind.REPLICA`."""
        return JobKind.REPLICA

    async def create(self, request: CreateReplicaRequest) -> Created:
        """Create one replica."""
        made = await self.client.replicas.create(request)
        return Created(
            resource_id=made.replica_id,
            name=request.replica_name,
            status=str(made.status),
        )

    def listing(self) -> AsyncIterator[Replica]:
        """The account's own replicas (stock ones cannot be a row's)."""
        return self.client.replicas.iter_all(replica_type="user")

    def read(self, item: Replica) -> Created:
        """Its id, name, status and creation time."""
        return Created(
            resource_id=item.replica_id,
            name=item.replica_name,
            status=str(item.status),
            created_at=item.created_at,
        )


@frozen
class VideoCreator:
    """Videos, for ``generate``: created by ``client.videos.generate``.

    Tavus's list of videos has no name filter, so a lookup reads all of it.
    URLs Tavus sends empty (as it may before a video is ready) count as
    unknown.
    """

    client: TavusClient

    @property
    def kind(self) -> JobKind:
        """:attr:`JobKind.VIDEO`."""
        return JobKind.VIDEO

    async def create(self, request: GenerateVideoRequest) -> Created:
        """Start generating one video."""
        made = await self.client.videos.generate(request)
        return Created(
            resource_id=made.video_id,
            name=request.video_name,
            status=None if made.status is None else str(made.status),
            created_at=made.created_at,
            links=Links(hosted_url=made.hosted_url or None),
        )

    def listing(self) -> AsyncIterator[Video]:
        """Every video of the account."""
        return self.client.videos.iter_all()

    def read(self, item: Video) -> Created:
        """Its id, name, status, creation time and URLs."""
        return Created(
            resource_id=item.video_id,
            name=item.video_name,
            status=None if item.status is None else str(item.status),
            created_at=item.created_at,
            links=Links(
                hosted_url=item.hosted_url or None,
                download_url=item.download_url or None,
                stream_url=item.stream_url or None,
            ),
        )
