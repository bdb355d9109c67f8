"""The persona service: ``client.personas``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Literal, Unpack

from cattrs.preconf.json import JsonConverter

from tavus_async import _http, _options, _serde
from tavus_async import _validation as v
from tavus_async._options import RequestOptions
from tavus_async.errors import DecodeError
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
from tavus_async.types.personas import (
    READ_ONLY,
    CreatedPersona,
    CreatePersonaRequest,
    Persona,
    PersonaPage,
    PersonaType,
    _PersonaAnswer,
)


__all__ = ["PersonasService"]

_PERSONAS = Resource("personas", "persona_id")
_PERSONA_TYPES = (PersonaType.USER.value, PersonaType.SYSTEM.value)


class PersonasService:
    """Create, read, patch and delete personas (``/v2/personas``).

    Reach it as ``client.personas``. A persona sets how a replica behaves and
    sounds in a conversation. Every method validates its arguments before
    sending anything and raises :class:`~tavus_async.ValidationError` for bad
    ones; API failures raise :class:`~tavus_async.APIError` subclasses (an id
    Tavus does not know is an :class:`~tavus_async.UnknownIdError`: Tavus
    answers 400 "Invalid persona_id").
    """

    def __init__(self, requester: _http.Requester) -> None:
        self._requester = requester

    async def create(
        self, request: CreatePersonaRequest, **options: Unpack[RequestOptions]
    ) -> CreatedPersona:
        """Create a persona. Retried only when Tavus surely did not act.

        Args:
            request: The persona; see :class:`CreatePersonaRequest`.

        Returns:
            The new id, its name and when it was created.

        Raises:
            ValidationError: ``request`` is not a CreatePersonaRequest.
            APIError: The create failed. When ``may_have_succeeded`` is set,
                look for the persona by name before creating it again.
        """
        return await create(
            self._requester,
            _PERSONAS,
            request,
            CreatePersonaRequest,
            CreatedPersona,
            options,
        )

    async def get(self, persona_id: str, **options: Unpack[RequestOptions]) -> Persona:
        """Fetch one persona.

        Tavus documents the answer as ``{"data": [persona]}``, an array; the
        persona with the id asked for is taken from it. A bare persona
        object is read as well.

        Args:
            persona_id: Such as ``"pcb7a34da5fe"``.

        Returns:
            The persona.

        Raises:
            ValidationError: ``persona_id`` is empty or malformed.
            UnknownIdError: Tavus does not know the id ("Invalid persona_id");
                a :class:`~tavus_async.NotFoundError` and a
                :class:`~tavus_async.BadRequestError`.
            DecodeError: The answer holds no persona with that id (an empty
                ``data``, say), or is not a persona at all.
        """
        req = _PERSONAS.one("GET", persona_id)
        response = await self._requester.send(_options.apply(req, options))
        return _persona(self._requester.converter, response, persona_id)

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        persona_type: PersonaType | Literal["user", "system"] | None = None,
        **options: Unpack[RequestOptions],
    ) -> PersonaPage:
        """Fetch one page of personas.

        Args:
            limit: Page size (Tavus default 10).
            page: Page number, from 1 (Tavus default 1).
            persona_type: Only ``"user"`` (yours) or ``"system"`` (stock)
                personas.

        Returns:
            The page: ``.data`` and ``.total_count``.

        Raises:
            ValidationError: A bad page, limit or persona type.
        """
        _check_list(page, limit, persona_type)
        req = _PERSONAS.all(
            params={"limit": limit, "page": page, "persona_type": persona_type}
        )
        return await call(self._requester, req, PersonaPage, options)

    def iter_all(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        persona_type: PersonaType | Literal["user", "system"] | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncGenerator[Persona, None]:
        """Every persona of the type asked for, fetching pages as they are needed.

        Checked at the call, sent when iterated, and paged as
        :meth:`ReplicasService.iter_all` is: until an empty page or
        ``total_count`` personas, whatever the size of each page.

        Args:
            limit: Personas asked per request (the page size).
            persona_type: As for :meth:`list`.

        Returns:
            An async generator of the personas, in the server's order.

        Raises:
            ValidationError: A bad page size or persona type, at the call.
        """
        _check_list(1, limit, persona_type)
        return pages(self.list, limit, options, persona_type=persona_type)

    async def patch(
        self,
        persona_id: str,
        operations: Sequence[PatchOperation],
        **options: Unpack[RequestOptions],
    ) -> bool:
        """Change a persona with a JSON-Patch (RFC 6902).

        Every path is checked against :class:`Persona` first: a field that
        does not exist, or one Tavus sets (``persona_id``, ``persona_type``,
        ``created_at``, ``updated_at``), is refused before anything is sent.
        Build the operations by hand (``Replace("/layers/llm/model", ...)``)
        or with :meth:`diff`.

        Args:
            persona_id: The persona.
            operations: The operations, applied in order, all or nothing.

        Returns:
            True when Tavus changed the persona, False when it answered 304
            (the patch left it as it was).

        Raises:
            ValidationError: A bad id or path, naming ``patch[i].path``.
            UnknownIdError: Tavus does not know the id.
            UnprocessableEntityError: Tavus found the patch malformed (422).
            BadRequestError: The patch does not fit the persona (a missing
                path, a failed ``test``).
        """
        return await json_patch(
            self._requester,
            _PERSONAS,
            persona_id,
            operations,
            Persona,
            options,
            read_only=READ_ONLY,
        )

    @staticmethod
    def diff(old: Persona, new: Persona) -> tuple[PatchOperation, ...]:
        """The patch that turns ``old`` into ``new``, for :meth:`patch`.

        Nothing is sent. Both are compared in their JSON form; the fields
        Tavus sets (``persona_id``, ``persona_type``, ``created_at``,
        ``updated_at``) are left out, so two reads of one persona at
        different times differ only where it was changed. A changed array
        or value is replaced whole; an object is compared member by member::

            old = await client.personas.get(persona_id)
            new = attrs.evolve(old, persona_name="Ada")
            await client.personas.patch(persona_id, client.personas.diff(old, new))

        Args:
            old: The persona as read.
            new: The persona as it should be.

        Returns:
            The operations; empty when the two are equal (do not send it).

        Raises:
            ValidationError: ``old`` or ``new`` is not a Persona.
        """
        require_type("old", old, Persona)
        require_type("new", new, Persona)
        return model_diff(old, new, READ_ONLY)

    async def delete(self, persona_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a persona.

        When an attempt may have deleted it but its answer was lost (a 502, a
        dropped connection), and the retry hears that Tavus does not know the
        id, this returns normally: the persona is gone either way.

        Raises:
            ValidationError: An empty id.
            UnknownIdError: Tavus does not know the id.
            APIError: Another failure; ``may_have_succeeded`` is set when an
                attempt may have deleted the persona.
        """
        await delete(self._requester, _PERSONAS, persona_id, options)


def _check_list(page: object, limit: object, persona_type: object) -> None:
    v.require_page(page, limit)
    v.require_choice("persona_type", persona_type, _PERSONA_TYPES)


def _persona(
    converter: JsonConverter, response: _http.Response, persona_id: str
) -> Persona:
    """The persona in Get Persona's answer, enveloped as documented or bare."""
    if not _enveloped(response.body):
        return _http.decode(converter, "GET", response, Persona)
    answer = _http.decode(converter, "GET", response, _PersonaAnswer)
    persona = answer.pick(persona_id)
    if persona is None:
        found = [p.persona_id for p in answer.data]
        raise DecodeError(
            f"unreadable {response.status} answer: its data holds no persona "
            f"{persona_id!r} (found {found})",
            method="GET",
            url=response.url,
            status_code=response.status,
            body=response.body,
        )
    return persona


def _enveloped(body: bytes) -> bool:
    """Whether a body is a JSON object with ``data``, as documented."""
    try:
        data = _serde.parse_json(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "data" in data
