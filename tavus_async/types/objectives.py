"""Objective types: the goals a persona works toward in a conversation.

Objectives are kept as a set under one ``objectives_id``, which a persona
names: you create the set in one request, read and patch it whole. These
classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from attrs import converters, field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model
from tavus_async.types._sets import (
    ItemRules,
    ItemSet,
    Modality,
    SetStatus,
    check_items,
)


__all__ = [
    "ConfirmationMode",
    "CreateObjectivesRequest",
    "CreatedObjectives",
    "Objective",
    "ObjectiveSet",
    "ObjectiveSetPage",
]

_RULES = ItemRules(
    noun="objective",
    name="objective_name",
    name_pattern=re.compile(r"\S+"),
    name_rule="must have no spaces; join words with '_'",
    name_example="ask_if_new_patient",
    prompt="objective_prompt",
    prompt_example="Ask the patient if they are new or have been here before",
)


class ConfirmationMode(OpenStrEnum):
    """Who decides that an objective is done."""

    AUTO = "auto"
    """The LLM decides (Tavus's default)."""
    MANUAL = "manual"
    """The participant confirms, through app messages."""


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _objectives(values: Iterable[Objective]) -> tuple[Objective, ...]:
    return tuple(values)


@frozen(kw_only=True)
class Objective(_Model):
    """One objective of a set, as sent to Create Objectives and read back.

    Only :class:`CreateObjectivesRequest` checks objectives: one read from
    Tavus is taken as it is. Objectives lead to each other by name: after
    this one, to ``next_required_objective``, or to the first of
    ``next_conditional_objectives`` whose condition holds.
    """

    objective_name: str | None = None
    """Its name, without spaces, such as ``"ask_if_new_patient"``; required."""
    objective_prompt: str | None = None
    """What it should achieve; required."""
    confirmation_mode: ConfirmationMode | None = field(
        default=None, converter=converters.optional(ConfirmationMode)
    )
    """``auto`` (Tavus's default) or ``manual``."""
    output_variables: tuple[str, ...] = field(default=(), converter=_strings)
    """Variables to collect, such as ``("patient_status",)``."""
    modality: Modality | None = field(
        default=None, converter=converters.optional(Modality)
    )
    """``verbal`` (Tavus's default) or ``visual``."""
    next_conditional_objectives: dict[str, str] | None = None
    """The objectives that may follow, by name, each with its condition."""
    next_required_objective: str | None = None
    """The objective that follows, by name, without a condition."""
    callback_url: str | None = None
    """Receives a POST when the objective is completed."""


@frozen(kw_only=True)
class CreateObjectivesRequest(_Model):
    """The body of ``POST /v2/objectives``: a set of objectives, in order.

    Checked when built; one :class:`~tavus_async.ValidationError` names
    every problem (``data[2].objective_prompt``): at least one objective;
    each with a name (no spaces, not another's) and a prompt; names that
    the ``next_*`` fields refer to must be in the set; URLs absolute.

    Raises:
        ValidationError: A problem above.
    """

    data: tuple[Objective, ...] = field(converter=_objectives)
    """The objectives: ``[Objective(objective_name=..., objective_prompt=...)]``."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        objectives = check_items(problems, self.data, Objective, _RULES)
        names = [objective.objective_name for _, objective in objectives]
        for where, objective in objectives:
            _check_links(problems, where, objective, names)
        v.raise_if(problems)


def _check_links(
    problems: v.Problems, where: str, objective: Objective, names: list[str | None]
) -> None:
    """The objective's variables, and the names it leads to (which must exist)."""
    for index, variable in enumerate(objective.output_variables):
        v.check_text(problems, f"{where}.output_variables[{index}]", variable)
    targets = [(f"{where}.next_required_objective", objective.next_required_objective)]
    for target, condition in (objective.next_conditional_objectives or {}).items():
        key = f"{where}.next_conditional_objectives[{target!r}]"
        v.check_text(problems, key, condition)
        targets.append((key, target))
    for key, name in targets:
        if name is not None and name not in names:
            known = ", ".join(repr(n) for n in dict.fromkeys(names) if n) or "none"
            problems.append((key, f"{name!r} is not an objective of this set: {known}"))


@frozen(kw_only=True)
class CreatedObjectives(_Model):
    """Tavus's answer to Create Objectives: the id of the new set."""

    objectives_id: str
    """The set's id, such as ``"o12345"``: give it to a persona."""
    objective_name: str | None = None
    """A name for the set, when Tavus sends one (its example: "New Objectives")."""
    status: SetStatus | None = field(
        default=None, converter=converters.optional(SetStatus)
    )
    """``active``."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""


@frozen(kw_only=True)
class ObjectiveSet(ItemSet):
    """A set of objectives, as Get Objective and List Objectives return them.

    Tavus documents those answers as one objective each, without ``data``;
    such an answer is read as a set of that one objective. Get's answer has
    no id: it is the one asked for. Build a changed copy with
    ``attrs.evolve`` and send ``client.objectives.diff(old, new)`` with
    ``client.objectives.patch``.
    """

    READ_ONLY: ClassVar[tuple[str, ...]] = (
        "objectives_id",
        "created_at",
        "updated_at",
    )

    objectives_id: str
    """The set's id, such as ``"o12345"``."""
    data: tuple[Objective, ...] = field(default=(), converter=_objectives)
    """Its objectives, in order."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""


ObjectiveSetPage = Page[ObjectiveSet]
"""A page of objective sets from ``client.objectives.list()``."""
