"""The videos service: ``client.videos`` (``/v2/videos``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Unpack

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
from tavus_async.types.videos import (
    CreatedVideo,
    GenerateVideoRequest,
    Video,
    VideoPage,
)
from tavus_async.watch import Watcher, WatchSettings, video_source


__all__ = ["VideosService"]

_VIDEOS = Resource("videos", "video_id")


class VideosService:
    """Generate, read, rename and delete videos of a replica (``/v2/videos``).

    Reach it as ``client.videos``. Every method validates its arguments
    before sending anything and raises :class:`~tavus_async.ValidationError`
    for bad ones; API failures raise :class:`~tavus_async.APIError`
    subclasses (an id Tavus does not know is an
    :class:`~tavus_async.UnknownIdError`: a ``NotFoundError``, and a
    ``BadRequestError`` since Tavus answers 400 "Invalid video_id").
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def generate(
        self, request: GenerateVideoRequest, **options: Unpack[RequestOptions]
    ) -> CreatedVideo:
        """Start generating a video. Billed: retried only when Tavus surely did not act.

        Poll :meth:`get` until its status :attr:`~VideoStatus.is_terminal`, or
        give ``callback_url`` to be sent the video when it is ready or failed.

        Args:
            request: The replica and its script or audio; see
                :class:`GenerateVideoRequest`.

        Returns:
            The new id, its first status (usually ``queued``) and its
            ``hosted_url``.

        Raises:
            ValidationError: ``request`` is not a GenerateVideoRequest.
            BadRequestError: Tavus refused it, such as "Invalid replica_id"
                (an :class:`~tavus_async.UnknownIdError`) or a replica still
                training.
            APIError: Another failure. When ``may_have_succeeded`` is set,
                look the video up by name in :meth:`list` before generating
                it again.
        """
        return await create(
            self._requester,
            _VIDEOS,
            request,
            GenerateVideoRequest,
            CreatedVideo,
            options,
        )

    async def get(
        self,
        video_id: str,
        *,
        verbose: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Video:
        """Fetch one video, with its status and, once ready, its URLs.

        Args:
            video_id: Such as ``"783537ef5"``.
            verbose: Also return the thumbnail URLs.

        Raises:
            ValidationError: ``video_id`` is empty or malformed; nothing is sent.
            UnknownIdError: No such video ("Invalid video_id"), hard-deleted
                or never made; caught by ``except NotFoundError`` too.
        """
        req = _VIDEOS.one("GET", video_id, params={"verbose": verbose or None})
        return await call(self._requester, req, Video, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> VideoPage:
        """Fetch one page of the account's videos.

        Pages count from 0, as Tavus's OpenAPI document says of this list
        (an older page of its docs says "Default is 1").

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, **from 0** (Tavus's default when None).

        Returns:
            The page: ``.data`` and ``.total_count``.

        Raises:
            ValidationError: A bad page or limit.
        """
        v.require_page(page, limit, first=0)
        req = _VIDEOS.all(params={"limit": limit, "page": page})
        return await call(self._requester, req, VideoPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Video, None]:
        """Every video of the account, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        :meth:`ReplicasService.iter_all` is: until an empty page or
        ``total_count`` videos, whatever the size of each page, from page 0;
        should Tavus count this list from 1 after all, page 1 repeats page 0
        and is skipped, so no video is lost. Close the generator when leaving
        early, as with ``contextlib.aclosing``.

        Args:
            limit: Videos asked per request (the page size).

        Returns:
            An async generator of the videos, in the server's order.

        Raises:
            ValidationError: A bad page size, at the call.
        """
        v.require_page(0, limit, first=0)
        return pages(self.list, limit, options, first_page=0)

    async def rename(
        self, video_id: str, video_name: str, **options: Unpack[RequestOptions]
    ) -> None:
        """Give a video a new ``video_name``.

        Args:
            video_id: The video.
            video_name: Its new name, not empty.

        Raises:
            ValidationError: An empty id or name; nothing is sent.
            UnknownIdError: No such video ("Invalid video_id").
            APIError: Another failure; ``may_have_succeeded`` is set when the
                name may have changed all the same.
        """
        await rename(
            self._requester, _VIDEOS, video_id, "video_name", video_name, options
        )

    def watcher(self, **settings: Unpack[WatchSettings]) -> Watcher[Video]:
        """A watcher of this account's generated videos, polling through this service.

        It polls each cycle by id, or by a sweep of every page of the list
        when that costs fewer requests (see :class:`~tavus_async.Watcher`).
        Its default targets are ``ready`` and ``error``.

        Args:
            settings: The :class:`~tavus_async.Watcher` settings, such as
                ``poll_interval`` and ``max_poll_interval``.

        Returns:
            A new watcher; it sends nothing until a watch is iterated.

        Raises:
            ValidationError: A bad setting.
        """
        return Watcher(video_source(self), **settings)

    async def delete(
        self, video_id: str, *, hard: bool = False, **options: Unpack[RequestOptions]
    ) -> None:
        """Delete a video.

        Args:
            video_id: The video.
            hard: Also delete its assets (the file, thumbnails) irrevocably.
                Without it the video may still be read, with status
                ``deleted``.

        A retry that hears "Invalid video_id" after an attempt whose answer
        was lost (a 502, a dropped connection) returns normally: that attempt
        deleted it.

        Raises:
            ValidationError: An empty id; nothing is sent.
            UnknownIdError: No such video ("Invalid video_id").
            APIError: Another failure; ``may_have_succeeded`` is set when the
                video may be deleted all the same.
        """
        await delete(self._requester, _VIDEOS, video_id, options, hard=hard)
