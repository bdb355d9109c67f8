"""The replica and voice services: ``client.replicas`` and ``client.voices``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import Literal, Unpack

from attrs import frozen

from tavus_async import _http
from tavus_async import _validation as v
from tavus_async._options import RequestOptions
from tavus_async.services._base import (
    DEFAULT_PAGE_SIZE,
    Resource,
    call,
    create,
    delete,
    pages,
    rename,
)
from tavus_async.types import (
    CreatedReplica,
    CreateReplicaRequest,
    Replica,
    ReplicaPage,
    ReplicaType,
    Voice,
    VoicePage,
)
from tavus_async.watch import ReplicaWatcher, WatchSettings


__all__ = ["ReplicasService", "VoicesService"]

_REPLICAS = Resource("replicas", "replica_id")
_VOICES = Resource("voices", "voice_name")
_MAX_VOICE_LIMIT = 100
_REPLICA_TYPES = (ReplicaType.USER.value, ReplicaType.SYSTEM.value)


@frozen
class _Owner:
    replicas: ReplicasService


class ReplicasService:
    """Create, read, rename and delete replicas (``/v2/replicas``).

    Reach it as ``client.replicas``. Every method validates its arguments
    before sending anything and raises :class:`~tavus_async.ValidationError`
    for bad ones; API failures raise :class:`~tavus_async.APIError`
    subclasses (an id Tavus does not know is an
    :class:`~tavus_async.UnknownIdError`: a ``NotFoundError``, and a
    ``BadRequestError`` since Tavus answers 400 for it).
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self, request: CreateReplicaRequest, **options: Unpack[RequestOptions]
    ) -> CreatedReplica:
        """Start training a replica. Billed: retried only when Tavus surely did not act.

        Args:
            request: What to train from; see :class:`CreateReplicaRequest`.

        Returns:
            The new id and its first status (usually ``started``).

        Raises:
            ValidationError: ``request`` is not a CreateReplicaRequest.
            APIError: The create failed. When ``may_have_succeeded`` is set,
                look the replica up by name before creating it again.
        """
        return await create(
            self._requester,
            _REPLICAS,
            request,
            CreateReplicaRequest,
            CreatedReplica,
            options,
        )

    async def get(
        self,
        replica_id: str,
        *,
        verbose: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Replica:
        """Fetch one replica.

        Args:
            replica_id: Such as ``"r90bbd427f71"``.
            verbose: Also return ``replica_type`` and other extra data.

        Raises:
            ValidationError: ``replica_id`` is empty or malformed.
            UnknownIdError: Tavus does not know the id ("Invalid replica_id");
                a :class:`~tavus_async.NotFoundError` and a
                :class:`~tavus_async.BadRequestError`.
        """
        req = _REPLICAS.one("GET", replica_id, params={"verbose": verbose or None})
        return await call(self._requester, req, Replica, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        verbose: bool = False,
        replica_type: ReplicaType | Literal["user", "system"] | None = None,
        replica_ids: Iterable[str] | None = None,
        model_name: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> ReplicaPage:
        """Fetch one page of replicas.

        Args:
            limit: Page size (Tavus's default when None).
            page: Page number, from 1 (Tavus's default when None).
            verbose: Include ``replica_type`` and other extra data.
            replica_type: Only ``"user"`` (yours) or ``"system"`` (stock) replicas.
            replica_ids: Only these replicas.
            model_name: Only replicas of this Phoenix model.

        Returns:
            The page: ``.data`` and ``.total_count``.

        Raises:
            ValidationError: A bad page, limit, replica type or id.
        """
        v.require_page(page, limit)
        v.require_choice("replica_type", replica_type, _REPLICA_TYPES)
        ids = (
            v.require_ids("replica_ids", replica_ids)
            if replica_ids is not None
            else None
        )
        req = _REPLICAS.all(
            params={
                "limit": limit,
                "page": page,
                "verbose": verbose or None,
                "replica_type": replica_type,
                "replica_ids": ids,
                "model_name": model_name,
            }
        )
        return await call(self._requester, req, ReplicaPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        verbose: bool = False,
        replica_type: ReplicaType | Literal["user", "system"] | None = None,
        replica_ids: Iterable[str] | None = None,
        model_name: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Replica, None]:
        """Every replica matching the filters, fetching pages as they are needed.

        The arguments are checked at the call; nothing is sent until the
        generator is iterated. Pages are fetched from 1 until one is empty or
        ``total_count`` replicas came: a page shorter than ``limit`` does
        not end the listing, as Tavus may answer fewer. A server that repeats
        a page, or keeps raising ``total_count``, is stopped with a warning
        logged. Close the generator when leaving early, as with
        ``contextlib.aclosing``.

        Args:
            limit: Replicas asked per request (the page size), as for
                :meth:`list`.
            verbose: As for :meth:`list`.
            replica_type: As for :meth:`list`.
            replica_ids: As for :meth:`list`.
            model_name: As for :meth:`list`.

        Returns:
            An async generator of the replicas, in the server's order.

        Raises:
            ValidationError: A bad page size, replica type or id, at the call.
        """
        v.require_page(1, limit)
        v.require_choice("replica_type", replica_type, _REPLICA_TYPES)
        ids = (
            v.require_ids("replica_ids", replica_ids)
            if replica_ids is not None
            else None
        )
        return pages(
            self.list,
            limit,
            options,
            verbose=verbose,
            replica_type=replica_type,
            replica_ids=ids,
            model_name=model_name,
        )

    async def rename(
        self, replica_id: str, replica_name: str, **options: Unpack[RequestOptions]
    ) -> None:
        """Rename a replica.

        Raises:
            ValidationError: An empty id or name.
            UnknownIdError: Tavus does not know the id (a ``NotFoundError``).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have renamed the replica.
        """
        await rename(
            self._requester,
            _REPLICAS,
            replica_id,
            "replica_name",
            replica_name,
            options,
        )

    def watcher(self, **settings: Unpack[WatchSettings]) -> ReplicaWatcher:
        """A :class:`~tavus_async.ReplicaWatcher` polling through this service.

        It polls lists filtered to the replicas due, 100 per request (see
        :class:`~tavus_async.Watcher`). Its default targets are ``completed``
        (or ``ready``) and ``error``.

        Args:
            settings: The :class:`~tavus_async.Watcher` settings, such as
                ``poll_interval`` and ``max_poll_interval``.

        Returns:
            A new watcher; it sends nothing until a watch is iterated.

        Raises:
            ValidationError: A bad setting.
        """
        return ReplicaWatcher(_Owner(self), **settings)

    async def delete(
        self, replica_id: str, *, hard: bool = False, **options: Unpack[RequestOptions]
    ) -> None:
        """Delete a replica; it can no longer be used in conversations.

        Args:
            replica_id: The replica.
            hard: Also delete its assets (training footage) irrevocably.

        When an attempt may have deleted it but its answer was lost (a 502, a
        dropped connection), and the retry hears that Tavus does not know the
        id, this returns normally: the replica is gone either way.

        Raises:
            ValidationError: An empty id.
            UnknownIdError: Tavus does not know the id (a ``NotFoundError``).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted the replica.
        """
        await delete(self._requester, _REPLICAS, replica_id, options, hard=hard)


class VoicesService:
    """List the stock voices usable as ``voice_name`` (``/v2/voices``).

    Reach it as ``client.voices``.
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        search: str | None = None,
        sort: Literal["asc", "desc"] | None = None,
        tag: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> VoicePage:
        """Fetch one page of voices.

        Args:
            limit: Page size, 1 to 100 (Tavus default 10).
            page: Page number, from 1.
            search: Case-insensitive part of ``voice_name``.
            sort: ``"asc"`` or ``"desc"`` by name.
            tag: Only voices with this tag.

        Raises:
            ValidationError: A bad page, limit or sort.
        """
        v.require_page(page, limit, max_limit=_MAX_VOICE_LIMIT)
        v.require_choice("sort", sort, ("asc", "desc"))
        req = _VOICES.all(
            params={
                "limit": limit,
                "page": page,
                "search": search,
                "sort": sort,
                "tag": tag,
            }
        )
        return await call(self._requester, req, VoicePage, options)

    def iter_all(
        self,
        *,
        limit: int = _MAX_VOICE_LIMIT,
        search: str | None = None,
        sort: Literal["asc", "desc"] | None = None,
        tag: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Voice, None]:
        """Every voice matching ``search`` and ``tag``, by name, page by page.

        Checked at the call, sent when iterated, and paged as
        :meth:`ReplicasService.iter_all` is: until an empty page or
        ``total_count`` voices, whatever the size of each page.

        Args:
            limit: Voices asked per request, 1 to 100, as for :meth:`list`.
            search: As for :meth:`list`.
            sort: As for :meth:`list`: ``"asc"`` or ``"desc"`` by name.
            tag: As for :meth:`list`.

        Returns:
            An async generator of the voices.

        Raises:
            ValidationError: ``limit`` is not 1 to 100, or a bad ``sort``, at
                the call.
        """
        v.require_page(1, limit, max_limit=_MAX_VOICE_LIMIT)
        v.require_choice("sort", sort, ("asc", "desc"))
        return pages(self.list, limit, options, search=search, sort=sort, tag=tag)
