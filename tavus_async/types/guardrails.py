"""Guardrail types: the rules a persona keeps to in a conversation.

Guardrails are kept as a named set under one ``guardrails_id``, which a
persona names: you create the set in one request, read and patch it whole.
These classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from attrs import converters, field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import Page, _Model
from tavus_async.types._sets import (
    ItemRules,
    ItemSet,
    Modality,
    SetStatus,
    check_items,
)


__all__ = [
    "CreateGuardrailsRequest",
    "CreatedGuardrails",
    "Guardrail",
    "GuardrailSet",
    "GuardrailSetPage",
]

_RULES = ItemRules(
    noun="guardrail",
    name="guardrail_name",
    name_pattern=re.compile(r"\w+"),
    name_rule="may hold only letters, digits and '_'",
    name_example="no_medical_advice",
    prompt="guardrail_prompt",
    prompt_example="Never give medical advice",
)


def _guardrails(values: Iterable[Guardrail]) -> tuple[Guardrail, ...]:
    return tuple(values)


@frozen(kw_only=True)
class Guardrail(_Model):
    """One guardrail of a set, as sent to Create Guardrails and read back.

    Only :class:`CreateGuardrailsRequest` checks guardrails: one read from
    Tavus is taken as it is.
    """

    guardrail_name: str | None = None
    """Its name: letters, digits and ``_``, such as ``"no_medical_advice"``;
    required."""
    guardrail_prompt: str | None = None
    """The rule the persona keeps to; required."""
    modality: Modality | None = field(
        default=None, converter=converters.optional(Modality)
    )
    """``verbal`` (Tavus's default) or ``visual``."""
    callback_url: str | None = None
    """Receives a POST when the guardrail is triggered."""


@frozen(kw_only=True)
class CreateGuardrailsRequest(_Model):
    """The body of ``POST /v2/guardrails``: a named set of guardrails.

    Checked when built; one :class:`~tavus_async.ValidationError` names
    every problem (``data[2].guardrail_prompt``): at least one guardrail;
    each with a name (letters, digits and ``_``, not another's) and a
    prompt; URLs absolute.

    Raises:
        ValidationError: A problem above.
    """

    name: str | None = None
    """A name for the set, such as ``"Healthcare Compliance Guardrails"``."""
    data: tuple[Guardrail, ...] = field(converter=_guardrails)
    """The guardrails: ``[Guardrail(guardrail_name=..., guardrail_prompt=...)]``."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        v.check_text(problems, "name", self.name)
        check_items(problems, self.data, Guardrail, _RULES)
        v.raise_if(problems)


@frozen(kw_only=True)
class CreatedGuardrails(_Model):
    """Tavus's answer to Create Guardrails: the id of the new set."""

    guardrails_id: str
    """The set's id, such as ``"g12345"``: give it to a persona."""
    guardrails_name: str | None = None
    """The set's name, as sent."""
    status: SetStatus | None = field(
        default=None, converter=converters.optional(SetStatus)
    )
    """``active``."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""


@frozen(kw_only=True)
class GuardrailSet(ItemSet):
    """A set of guardrails, as Get Guardrails and List Guardrails return them.

    Tavus documents Get's answer as one guardrail, without ``data``; such an
    answer is read as a set of that one guardrail. Get's answer has no id:
    it is the one asked for. List Guardrails sends only ids and timestamps,
    so ``data`` is empty there: get a set to read its guardrails. Build a
    changed copy with ``attrs.evolve`` and send
    ``client.guardrails.diff(old, new)`` with ``client.guardrails.patch``.
    """

    READ_ONLY: ClassVar[tuple[str, ...]] = (
        "guardrails_id",
        "created_at",
        "updated_at",
    )

    guardrails_id: str
    """The set's id, such as ``"g12345"``."""
    name: str | None = None
    """The set's name, when Tavus sends it."""
    data: tuple[Guardrail, ...] = field(default=(), converter=_guardrails)
    """Its guardrails, in order."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""


GuardrailSetPage = Page[GuardrailSet]
"""A page of guardrail sets from ``client.guardrails.list()``."""
