"""The fake's guardrails: ``/v2/guardrails``, sets answered as the spec shapes them.

See :mod:`tavus_async.testing._sets` for the answers. A guardrail set has a
``name``, which Create echoes as ``guardrails_name``. A List row holds only
the id and the timestamps, as the spec documents. Create checks each
guardrail's name (required; letters, digits and ``_``), prompt (required),
``modality`` and the JSON types of the other fields.
"""

from __future__ import annotations

import re
from typing import Any

from tavus_async.testing._collection import Account, Item
from tavus_async.testing._sets import SetFamily, SetRules


__all__ = ["Guardrails"]

_RULES = SetRules(
    path="guardrails",
    id_field="guardrails_id",
    prefix="g",
    title="Guardrails",
    top={"name": str},
    items={
        "guardrail_name": str,
        "guardrail_prompt": str,
        "modality": ("verbal", "visual"),
        "callback_url": str,
    },
    name_pattern=re.compile(r"\w+"),
    name_rule="must hold only letters, digits and underscores",
)


class Guardrails(SetFamily):
    """The guardrail sets of the fake, reached in tests as ``fake.guardrails``."""

    def __init__(self, account: Account) -> None:
        """Start with no sets."""
        super().__init__(account, _RULES)

    def trigger(
        self, guardrails_id: str, guardrail_name: str, *, conversation_id: str
    ) -> bool:
        """Say that a conversation broke a guardrail, as Tavus would.

        Its ``callback_url``, if any, gets ``{"conversation_id",
        "properties": {"guardrail", "guardrail_uuid"}}``; the fake gives the
        set's id as ``guardrail_uuid``.

        Args:
            guardrails_id: The set.
            guardrail_name: The guardrail in it.
            conversation_id: The conversation where it was triggered.

        Returns:
            Whether a callback was queued (False: the guardrail has no
            ``callback_url``).

        Raises:
            KeyError: No such set, or no guardrail of that name in it.
        """
        payload = {
            "conversation_id": conversation_id,
            "properties": {
                "guardrail": guardrail_name,
                "guardrail_uuid": guardrails_id,
            },
        }
        return self._post(guardrails_id, guardrail_name, payload)

    def _created(self, item: Item) -> dict[str, Any]:
        """Create's answer, with the set's name as ``guardrails_name``."""
        answer = super()._created(item)
        if item.fields.get("name") is not None:
            answer["guardrails_name"] = item.fields["name"]
        return answer

    def _row(self, item: Item) -> dict[str, Any]:
        """A List row: the id and the timestamps only."""
        return {
            key: value
            for key, value in self._items.stamped(item).items()
            if key in self._read_only
        }
