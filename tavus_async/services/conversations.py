"""The conversation service: ``client.conversations``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Literal, Unpack

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
    send,
)
from tavus_async.types import (
    Conversation,
    ConversationPage,
    ConversationStatus,
    CreateConversationRequest,
)


__all__ = ["ConversationsService"]

_CONVERSATIONS = Resource("conversations", "conversation_id")
_STATUSES = (ConversationStatus.ACTIVE.value, ConversationStatus.ENDED.value)

StatusFilter = ConversationStatus | Literal["active", "ended"] | None


class ConversationsService:
    """Create, read, end and delete conversations (``/v2/conversations``).

    Reach it as ``client.conversations``. Arguments are validated before
    anything is sent (:class:`~tavus_async.ValidationError`); API failures
    raise :class:`~tavus_async.APIError` subclasses.
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self, request: CreateConversationRequest, **options: Unpack[RequestOptions]
    ) -> Conversation:
        """Start a conversation. Billing and a concurrency slot start at once.

        Retried only when Tavus surely did not act (a refused connection, 429
        or 503). A 400 "maximum concurrent conversations" is not retried: a
        conversation has to end first.

        Raises:
            ValidationError: ``request`` is not a CreateConversationRequest.
            APIError: The create failed; see ``may_have_succeeded``.
        """
        return await create(
            self._requester,
            _CONVERSATIONS,
            request,
            CreateConversationRequest,
            Conversation,
            options,
        )

    async def get(
        self,
        conversation_id: str,
        *,
        verbose: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Conversation:
        """Fetch one conversation.

        Args:
            conversation_id: Such as ``"c123456"``.
            verbose: Also return ``events`` (joins, shutdown, transcript).

        Raises:
            ValidationError: An empty or malformed id.
            UnknownIdError: Tavus does not know the id (a ``NotFoundError``).
        """
        params = {"verbose": verbose or None}
        req = _CONVERSATIONS.one("GET", conversation_id, params=params)
        return await call(self._requester, req, Conversation, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        status: StatusFilter = None,
        **options: Unpack[RequestOptions],
    ) -> ConversationPage:
        """Fetch one page of conversations.

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, from 1 (Tavus default 1).
            status: Only ``"active"`` or only ``"ended"`` conversations.

        Raises:
            ValidationError: A bad page or limit.
        """
        v.require_page(page, limit)
        v.require_choice("status", status, _STATUSES)
        params = {"limit": limit, "page": page, "status": status}
        req = _CONVERSATIONS.all(params=params)
        return await call(self._requester, req, ConversationPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        status: StatusFilter = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Conversation, None]:
        """Every conversation (optionally of one status), page by page.

        Checked at the call, sent when iterated, and paged as
        :meth:`ReplicasService.iter_all` is: until an empty page or
        ``total_count`` conversations, whatever the size of each page.

        Args:
            limit: Conversations asked per request (the page size), as for
                :meth:`list`.
            status: As for :meth:`list`.

        Returns:
            An async generator of the conversations.

        Raises:
            ValidationError: A bad page size or status, at the call.
        """
        v.require_page(1, limit)
        v.require_choice("status", status, _STATUSES)
        return pages(self.list, limit, options, status=status)

    async def end(
        self, conversation_id: str, **options: Unpack[RequestOptions]
    ) -> None:
        """End a conversation: the replica leaves and the concurrency slot frees.

        Retried like a read: ending twice is harmless and ending late is billed.
        When an attempt may have ended it but its answer was lost, and the
        retry hears that Tavus does not know the id, this returns normally.

        Raises:
            ValidationError: An empty id.
            UnknownIdError: Tavus does not know the id (a ``NotFoundError``).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have ended the conversation.
        """
        req = _CONVERSATIONS.one("POST", conversation_id, "end", done_if_gone=True)
        await send(self._requester, req, options)

    async def delete(
        self,
        conversation_id: str,
        *,
        hard: bool = False,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete a conversation.

        Args:
            conversation_id: The conversation.
            hard: Also delete its assets irrevocably.

        When an attempt may have deleted it but its answer was lost (a 502, a
        dropped connection), and the retry hears that Tavus does not know the
        id, this returns normally: the conversation is gone either way.

        Raises:
            ValidationError: An empty id.
            UnknownIdError: Tavus does not know the id (a ``NotFoundError``).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted the conversation.
        """
        await delete(
            self._requester, _CONVERSATIONS, conversation_id, options, hard=hard
        )
