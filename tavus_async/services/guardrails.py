"""The guardrails service: ``client.guardrails``."""

from __future__ import annotations

from tavus_async import _http
from tavus_async.services._base import Resource
from tavus_async.services._sets import SetKind, SetService
from tavus_async.types.guardrails import (
    CreatedGuardrails,
    CreateGuardrailsRequest,
    Guardrail,
    GuardrailSet,
    GuardrailSetPage,
)


__all__ = ["GuardrailsService"]

_GUARDRAILS = SetKind(
    resource=Resource("guardrails", "guardrails_id"),
    noun="guardrail",
    item=Guardrail,
    set=GuardrailSet,
    page=GuardrailSetPage,
    request=CreateGuardrailsRequest,
    created=CreatedGuardrails,
)


class GuardrailsService(
    SetService[GuardrailSet, CreateGuardrailsRequest, CreatedGuardrails]
):
    """Create, read, patch and delete sets of guardrails (``/v2/guardrails``).

    Reach it as ``client.guardrails``. Guardrails are the rules a persona
    keeps to in a conversation. Tavus keeps them as a named set:
    ``create()`` sends them all and answers one ``guardrails_id``, which
    a persona names (``CreatePersonaRequest(guardrails_id=...)``); ``get()``
    reads the whole set, ``patch()`` changes it. ``list()`` gives only
    the sets' ids and timestamps. An id Tavus does not know is answered 404
    "Guardrails not found" (:class:`~tavus_async.NotFoundError`).
    """

    def __init__(self, requester: _http.Requester) -> None:
        super().__init__(requester, _GUARDRAILS)
