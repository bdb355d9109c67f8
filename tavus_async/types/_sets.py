"""What objectives and guardrails share: items kept as a set under one id.

Tavus stores both as sets. Create takes ``{"data": [item, ...]}`` and answers
one id for the whole set (``objectives_id``, ``guardrails_id``), which a
persona then names. The set's document is ``{"data": [item, ...]}`` (a
guardrail set also has a ``name``); JSON-Patch paths address it, as in
``/data/0/objective_prompt``.

Tavus documents Get (and List Objectives) otherwise: one flat item, without
``data``, which cannot hold a set of several. Both shapes are read: a flat
answer is a set of that one item (:func:`set_json`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from attrs import frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = ["Modality", "SetStatus"]


class Modality(OpenStrEnum):
    """What an objective or a guardrail is judged on."""

    VERBAL = "verbal"
    """What the participant says (Tavus's default)."""
    VISUAL = "visual"
    """What Raven, the perception model, sees."""


class SetStatus(OpenStrEnum):
    """The status Create Objectives and Create Guardrails report: ``active``."""

    ACTIVE = "active"


class ItemSet(_Model):
    """The base of :class:`ObjectiveSet` and :class:`GuardrailSet`.

    Attributes:
        READ_ONLY: The fields Tavus sets: a patch may test them but never
            change them.
    """

    __slots__ = ()

    READ_ONLY: ClassVar[tuple[str, ...]]


@frozen(kw_only=True)
class ItemRules:
    """How a request checks the items of its set.

    Attributes:
        noun: The item, for messages: ``"objective"``.
        name: The name field: ``"objective_name"``.
        name_pattern: What a name must match in full.
        name_rule: What the pattern says, for messages.
        name_example: A good name.
        prompt: The prompt field: ``"objective_prompt"``.
        prompt_example: A good prompt.
    """

    noun: str
    name: str
    name_pattern: re.Pattern[str]
    name_rule: str
    name_example: str
    prompt: str
    prompt_example: str


class _Item(Protocol):
    @property
    def callback_url(self) -> str | None: ...


ItemT = TypeVar("ItemT", bound=_Item)


def check_items(
    problems: v.Problems, data: Sequence[object], cls: type[ItemT], rules: ItemRules
) -> list[tuple[str, ItemT]]:
    """Append every problem of a create body's ``data``, naming ``data[i].field``.

    ``data`` must hold at least one ``cls``; each needs a name that matches
    ``rules`` and differs from the others' (items refer to each other by
    name), a prompt, and an absolute ``callback_url`` if any.

    Returns:
        Each item that is a ``cls``, with where it is (``"data[2]"``), for
        the family's own checks.
    """
    example = (
        f"{cls.__name__}({rules.name}={rules.name_example!r}, "
        f"{rules.prompt}={rules.prompt_example!r})"
    )
    if not data:
        problems.append(
            ("data", f"must hold at least one {rules.noun}, e.g. {example}")
        )
    first: dict[str, int] = {}
    items: list[tuple[str, ItemT]] = []
    for index, item in enumerate(data):
        where = f"data[{index}]"
        if not isinstance(item, cls):
            got = type(item).__name__
            problems.append((where, f"must be an item like {example}, got {got}"))
            continue
        _check_required(problems, f"{where}.{rules.name}", item, example)
        name = getattr(item, rules.name)
        if isinstance(name, str) and name.strip():
            _check_name(problems, f"{where}.{rules.name}", name, first, rules)
            first.setdefault(name, index)
        _check_required(problems, f"{where}.{rules.prompt}", item, example)
        v.check_url(problems, f"{where}.callback_url", item.callback_url)
        items.append((where, item))
    return items


def _check_required(
    problems: v.Problems, where: str, item: object, example: str
) -> None:
    value = getattr(item, where.rpartition(".")[2])
    if value is None:
        problems.append((where, f"is required, as in {example}"))
    v.check_text(problems, where, value)


def _check_name(
    problems: v.Problems, where: str, name: str, first: dict[str, int], rules: ItemRules
) -> None:
    if not rules.name_pattern.fullmatch(name):
        problems.append(
            (where, f"{rules.name_rule}, such as {rules.name_example!r}; got {name!r}")
        )
    elif name in first:
        problems.append(
            (
                where,
                f"{name!r} is data[{first[name]}]'s name already; "
                f"each {rules.noun} of a set needs its own",
            )
        )


@frozen(kw_only=True)
class _Answer:
    """Get's documented answer: ``{"data": {...}}``, the set without its id."""

    data: dict[str, Any]


_Rows = Page[dict[str, Any]]
"""A List answer, each row read as it came, for :func:`set_json`."""


def set_json(
    raw: Mapping[str, Any], items: Collection[str], **ids: str
) -> dict[str, Any]:
    """A set as Tavus sent it, in the form of the set classes.

    A set (an object with ``data``) is kept as it is. An object without
    ``data`` that has item fields (what Tavus documents for Get and List
    Objectives: one objective, flat) becomes a set of that one item; without
    item fields, a set of none (List Guardrails: only ids and timestamps).
    Item fields beside ``data`` are dropped; other members are kept.

    Args:
        raw: The object, such as Get's ``data``.
        items: The names of the item fields, such as ``objective_name``.
        **ids: The id to set, when the object has none (Get's answer).

    Returns:
        A new dict, with ``data``.
    """
    fixed = {key: value for key, value in raw.items() if key not in items}
    if "data" not in raw:
        flat = {key: value for key, value in raw.items() if key in items}
        fixed["data"] = [flat] if flat else []
    fixed.update(ids)
    return fixed
