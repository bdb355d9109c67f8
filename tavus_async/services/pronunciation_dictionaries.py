"""The pronunciation dictionaries service: ``client.pronunciation_dictionaries``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
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
    json_patch,
    model_diff,
    pages,
    require_type,
)
from tavus_async.types.patch import PatchOperation
from tavus_async.types.pronunciation_dictionaries import (
    READ_ONLY,
    CreatePronunciationDictionaryRequest,
    PronunciationDictionary,
    PronunciationDictionaryPage,
)


__all__ = ["PronunciationDictionariesService"]

_DICTIONARIES = Resource("pronunciation-dictionaries", "dictionary_id")
_SORTS = ("asc", "desc")
MAX_PAGE_SIZE = 100
"""The largest ``limit`` Tavus documents for List Pronunciation Dictionaries."""

Sort = Literal["asc", "desc"]


class PronunciationDictionariesService:
    """Create, read, patch and delete pronunciation dictionaries.

    Reach it as ``client.pronunciation_dictionaries``
    (``/v2/pronunciation-dictionaries``). A dictionary's rules tell the
    text-to-speech engine how to say words; a persona uses one through
    ``layers.tts.pronunciation_dictionary_id``. Every method validates its
    arguments before sending anything and raises
    :class:`~tavus_async.ValidationError` for bad ones; API failures raise
    :class:`~tavus_async.APIError` subclasses (an id Tavus does not know is
    a :class:`~tavus_async.NotFoundError`: Tavus answers 404 "Pronunciation
    dictionary not found").
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self,
        request: CreatePronunciationDictionaryRequest,
        **options: Unpack[RequestOptions],
    ) -> PronunciationDictionary:
        """Create a dictionary. Retried only when Tavus surely did not act.

        Args:
            request: Its name and rules; see
                :class:`CreatePronunciationDictionaryRequest`.

        Returns:
            The new dictionary, rules included.

        Raises:
            ValidationError: ``request`` is not a
                CreatePronunciationDictionaryRequest.
            BadRequestError: Tavus refused it (a repeated ``text``, say).
            APIError: Another failure. When ``may_have_succeeded`` is set,
                look for the dictionary by name before creating it again.
        """
        return await create(
            self._requester,
            _DICTIONARIES,
            request,
            CreatePronunciationDictionaryRequest,
            PronunciationDictionary,
            options,
        )

    async def get(
        self, dictionary_id: str, **options: Unpack[RequestOptions]
    ) -> PronunciationDictionary:
        """Fetch one dictionary with all its rules.

        Args:
            dictionary_id: Such as ``"pd_abc123def456gh"``.

        Raises:
            ValidationError: ``dictionary_id`` is empty or malformed.
            NotFoundError: No such dictionary (404).
        """
        req = _DICTIONARIES.one("GET", dictionary_id)
        return await call(self._requester, req, PronunciationDictionary, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        sort: Sort | None = None,
        **options: Unpack[RequestOptions],
    ) -> PronunciationDictionaryPage:
        """Fetch one page of dictionaries, without their rules (``rules_count`` only).

        Args:
            limit: Page size, 1 to 100 (Tavus default 10).
            page: Page number, **from 0** (Tavus default 0).
            sort: By creation, ``"desc"`` (Tavus default: newest first) or
                ``"asc"``.

        Returns:
            The page: ``.data``, ``.total_count``, and the ``.page`` and
            ``.limit`` Tavus echoes.

        Raises:
            ValidationError: A bad page, limit or sort.
        """
        _check_list(page, limit, sort)
        req = _DICTIONARIES.all(params={"limit": limit, "page": page, "sort": sort})
        return await call(self._requester, req, PronunciationDictionaryPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        sort: Sort | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[PronunciationDictionary, None]:
        """Every dictionary, in ``sort`` order, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        :meth:`VideosService.iter_all` is, from page 0. The dictionaries come
        without their rules, as in :meth:`list`.

        Args:
            limit: Dictionaries asked per request, 1 to 100.
            sort: As for :meth:`list`.

        Returns:
            An async generator of the dictionaries.

        Raises:
            ValidationError: A bad page size or sort, at the call.
        """
        _check_list(0, limit, sort)
        return pages(self.list, limit, options, first_page=0, sort=sort)

    async def patch(
        self,
        dictionary_id: str,
        operations: Sequence[PatchOperation],
        **options: Unpack[RequestOptions],
    ) -> bool:
        """Change a dictionary's ``name`` or ``rules`` with a JSON-Patch (RFC 6902).

        Every path is checked against :class:`PronunciationDictionary`
        first: a field that does not exist, or one Tavus sets
        (``pronunciation_dictionary_id``, ``rules_count``, ``created_at``,
        ``updated_at``), is refused before anything is sent. Tavus replaces
        the rules whole (``Replace("/rules", [...])``); :meth:`diff` builds
        such a patch.

        Args:
            dictionary_id: The dictionary.
            operations: The operations, applied in order, all or nothing.

        Returns:
            True when Tavus changed the dictionary, False when it answered
            304 (nothing to change).

        Raises:
            ValidationError: A bad id or path, naming ``patch[i].path``.
            NotFoundError: No such dictionary (404).
            UnprocessableEntityError: Tavus found the patch malformed (422).
            BadRequestError: The result breaks a rule (a repeated ``text``).
        """
        return await json_patch(
            self._requester,
            _DICTIONARIES,
            dictionary_id,
            operations,
            PronunciationDictionary,
            options,
            read_only=READ_ONLY,
        )

    @staticmethod
    def diff(
        old: PronunciationDictionary, new: PronunciationDictionary
    ) -> tuple[PatchOperation, ...]:
        """The patch that turns ``old`` into ``new``, for :meth:`patch`.

        Nothing is sent. The JSON forms are compared without the fields
        Tavus sets; changed rules are replaced whole, as Tavus requires::

            old = await client.pronunciation_dictionaries.get(dictionary_id)
            new = attrs.evolve(old, rules=(*old.rules, rule))
            ops = client.pronunciation_dictionaries.diff(old, new)
            await client.pronunciation_dictionaries.patch(dictionary_id, ops)

        Returns:
            The operations; empty when the two are equal (do not send it).

        Raises:
            ValidationError: ``old`` or ``new`` is not a PronunciationDictionary.
        """
        require_type("old", old, PronunciationDictionary)
        require_type("new", new, PronunciationDictionary)
        return model_diff(old, new, READ_ONLY)

    async def delete(
        self, dictionary_id: str, **options: Unpack[RequestOptions]
    ) -> None:
        """Delete a dictionary for good; personas using it lose it.

        A retry that hears 404 after an attempt whose answer was lost (a
        502, a dropped connection) returns normally: that attempt deleted it.

        Raises:
            ValidationError: An empty id.
            NotFoundError: No such dictionary (404).
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted it.
        """
        await delete(self._requester, _DICTIONARIES, dictionary_id, options)


def _check_list(page: object, limit: object, sort: object) -> None:
    v.require_page(page, limit, max_limit=MAX_PAGE_SIZE, first=0)
    v.require_choice("sort", sort, _SORTS)
