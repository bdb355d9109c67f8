"""The objectives service: ``client.objectives``."""

from __future__ import annotations

from tavus_async import _http
from tavus_async.services._base import Resource
from tavus_async.services._sets import SetKind, SetService
from tavus_async.types.objectives import (
    CreatedObjectives,
    CreateObjectivesRequest,
    Objective,
    ObjectiveSet,
    ObjectiveSetPage,
)


__all__ = ["ObjectivesService"]

_OBJECTIVES = SetKind(
    resource=Resource("objectives", "objectives_id"),
    noun="objective",
    item=Objective,
    set=ObjectiveSet,
    page=ObjectiveSetPage,
    request=CreateObjectivesRequest,
    created=CreatedObjectives,
)


class ObjectivesService(
    SetService[ObjectiveSet, CreateObjectivesRequest, CreatedObjectives]
):
    """Create, read, patch and delete sets of objectives (``/v2/objectives``).

    Reach it as ``client.objectives``. Objectives are the goals a persona
    works toward in a conversation, one after another. Tavus keeps them as
    a set: ``create()`` sends them all and answers one ``objectives_id``,
    which a persona names (``CreatePersonaRequest(objectives_id=...)``);
    ``get()`` reads the whole set, ``patch()`` changes it. An id Tavus
    does not know is answered 404 "Objective not found"
    (:class:`~tavus_async.NotFoundError`).
    """

    def __init__(self, requester: _http.Requester) -> None:
        super().__init__(requester, _OBJECTIVES)
