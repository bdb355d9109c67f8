"""The transcriptions service: ``client.transcriptions`` (``/v2/transcriptions``)."""

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
)
from tavus_async.types.transcriptions import (
    CreateTranscriptionRequest,
    Transcription,
    TranscriptionPage,
)
from tavus_async.watch import Watcher, WatchSettings, transcription_source


__all__ = ["TranscriptionsService"]

_TRANSCRIPTIONS = Resource("transcriptions", "transcription_id")


class TranscriptionsService:
    """Transcribe the speech of video files (``/v2/transcriptions``).

    Reach it as ``client.transcriptions``. A transcription is ``started``,
    then ``completed`` with its ``text`` or ``error``; Tavus POSTs it to the
    ``callback_url`` then. Every method validates its arguments before
    sending anything and raises :class:`~tavus_async.ValidationError` for bad
    ones; API failures raise :class:`~tavus_async.APIError` subclasses.
    Tavus documents no error answers for this family; an unknown id is
    expected as 400 "Invalid transcription_id", an
    :class:`~tavus_async.UnknownIdError` (caught by ``except NotFoundError``).
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self, request: CreateTranscriptionRequest, **options: Unpack[RequestOptions]
    ) -> Transcription:
        """Start transcribing a video. Retried only when Tavus surely did not act.

        Args:
            request: The file and the callback URL; see
                :class:`CreateTranscriptionRequest`.

        Returns:
            The new id, its first status and the ``callback_url``.

        Raises:
            ValidationError: ``request`` is not a CreateTranscriptionRequest.
            APIError: The create failed. When ``may_have_succeeded`` is set,
                look for the file in :meth:`list` before creating it again.
        """
        return await create(
            self._requester,
            _TRANSCRIPTIONS,
            request,
            CreateTranscriptionRequest,
            Transcription,
            options,
        )

    async def get(
        self, transcription_id: str, **options: Unpack[RequestOptions]
    ) -> Transcription:
        """Fetch one transcription: its status and, once completed, its text.

        Args:
            transcription_id: Such as ``"t0108f2d24k2a"``.

        Raises:
            ValidationError: ``transcription_id`` is empty or malformed.
            UnknownIdError: No such transcription.
        """
        req = _TRANSCRIPTIONS.one("GET", transcription_id)
        return await call(self._requester, req, Transcription, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> TranscriptionPage:
        """Fetch one page of the account's transcriptions.

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, from 1 (Tavus default 1).

        Returns:
            The page: ``.data`` and ``.total_count``.

        Raises:
            ValidationError: A bad page or limit.
        """
        v.require_page(page, limit)
        req = _TRANSCRIPTIONS.all(params={"limit": limit, "page": page})
        return await call(self._requester, req, TranscriptionPage, options)

    def iter_all(
        self, *, limit: int = DEFAULT_PAGE_SIZE, **options: Unpack[RequestOptions]
    ) -> AsyncGenerator[Transcription, None]:
        """Every transcription, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        :meth:`ReplicasService.iter_all` is.

        Args:
            limit: Transcriptions asked per request (the page size).

        Returns:
            An async generator of the transcriptions, in the server's order.

        Raises:
            ValidationError: A bad page size, at the call.
        """
        v.require_page(1, limit)
        return pages(self.list, limit, options)

    def watcher(self, **settings: Unpack[WatchSettings]) -> Watcher[Transcription]:
        """A watcher of this account's transcriptions, polling through this service.

        It polls each cycle by id, or by a sweep of every page of the list
        when that costs fewer requests (see :class:`~tavus_async.Watcher`).
        Its default targets are ``completed`` and ``error``.

        Args:
            settings: The :class:`~tavus_async.Watcher` settings, such as
                ``poll_interval`` and ``max_poll_interval``.

        Returns:
            A new watcher; it sends nothing until a watch is iterated.

        Raises:
            ValidationError: A bad setting.
        """
        return Watcher(transcription_source(self), **settings)

    async def delete(
        self, transcription_id: str, **options: Unpack[RequestOptions]
    ) -> None:
        """Delete a transcription.

        A retry that hears the id is unknown after an attempt whose answer
        was lost (a 502, a dropped connection) returns normally.

        Raises:
            ValidationError: An empty id.
            UnknownIdError: No such transcription.
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted it.
        """
        await delete(self._requester, _TRANSCRIPTIONS, transcription_id, options)
