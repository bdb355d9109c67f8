"""The fake's objectives: ``/v2/objectives``, sets answered as the spec shapes them.

See :mod:`tavus_async.testing._sets` for the answers. A List row is the
whole set (id, ``data``, timestamps). Create checks each objective's name
(required, no spaces), prompt (required) and the documented values and
JSON types of the other fields; it does not check that the names the
``next_*`` fields give exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tavus_async.testing._collection import Account
from tavus_async.testing._sets import SetFamily, SetRules


__all__ = ["Objectives"]

_RULES = SetRules(
    path="objectives",
    id_field="objectives_id",
    prefix="o",
    title="Objective",
    top={},
    items={
        "objective_name": str,
        "objective_prompt": str,
        "confirmation_mode": ("auto", "manual"),
        "output_variables": list,
        "modality": ("verbal", "visual"),
        "next_conditional_objectives": dict,
        "next_required_objective": str,
        "callback_url": str,
    },
    name_pattern=re.compile(r"\S+"),
    name_rule="must be a string without spaces",
)


class Objectives(SetFamily):
    """The objective sets of the fake, reached in tests as ``fake.objectives``."""

    def __init__(self, account: Account) -> None:
        """Start with no sets."""
        super().__init__(account, _RULES)

    def complete(
        self,
        objectives_id: str,
        objective_name: str,
        *,
        conversation_id: str,
        output_variables: Mapping[str, Any] | None = None,
    ) -> bool:
        """Say that a conversation completed an objective, as Tavus would.

        Its ``callback_url``, if any, gets ``{"conversation_id",
        "objective_name", "output_variables"}``.

        Args:
            objectives_id: The set.
            objective_name: The objective in it.
            conversation_id: The conversation that completed it.
            output_variables: What was collected, such as
                ``{"patient_status": "new"}``.

        Returns:
            Whether a callback was queued (False: the objective has no
            ``callback_url``).

        Raises:
            KeyError: No such set, or no objective of that name in it.
        """
        payload = {
            "conversation_id": conversation_id,
            "objective_name": objective_name,
            "output_variables": dict(output_variables or {}),
        }
        return self._post(objectives_id, objective_name, payload)
