"""What guardrails alone do: a named set, bare List rows, names, callbacks.

What they share with objectives (create, get, list, patch, delete, errors,
retries) is tested for both families in ``tests/test_objectives.py``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async import TavusClient, ValidationError
from tavus_async.testing import FakeTavus
from tavus_async.types.guardrails import (
    CreateGuardrailsRequest,
    Guardrail,
    GuardrailSet,
)
from tavus_async.types.patch import Replace
from tests.test_objectives import GUARDRAILS, HOOK, send


def guardrail(name: str, **fields: Any) -> Guardrail:
    return Guardrail(guardrail_name=name, guardrail_prompt=f"Never {name}", **fields)


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"data": []}, ["data"]),
        (
            {"data": [Guardrail()]},
            ["data[0].guardrail_name", "data[0].guardrail_prompt"],
        ),
        ({"name": " ", "data": [guardrail("a")]}, ["name"]),
        ({"data": [guardrail("no-advice")]}, ["data[0].guardrail_name"]),
        ({"data": [guardrail("a"), guardrail("a")]}, ["data[1].guardrail_name"]),
        ({"data": [guardrail("a", callback_url="/hook")]}, ["data[0].callback_url"]),
        ({"data": [{"guardrail_name": "a"}]}, ["data[0]"]),
    ],
)
def test_create_guardrails_request_names_every_problem(
    fields: dict[str, Any], problems: list[str]
) -> None:
    """A bad CreateGuardrailsRequest raises one ValidationError naming each field."""
    with pytest.raises(ValidationError) as info:
        CreateGuardrailsRequest(**fields)

    assert problems == [field for field, _ in info.value.problems]


def test_names_are_letters_digits_and_underscores() -> None:
    """Names of any script's letters and digits pass; the message shows the rule."""
    CreateGuardrailsRequest(data=[guardrail("pas_de_conseil_médical_2")])

    with pytest.raises(ValidationError) as info:
        CreateGuardrailsRequest(data=[guardrail("no advice")])

    assert (
        "may hold only letters, digits and '_', such as 'no_medical_advice'; "
        "got 'no advice'"
    ) == info.value.problems[0][1]


async def test_the_set_has_a_name(fake: FakeTavus, client: TavusClient) -> None:
    """The set's name is echoed by create, read by get and patched as /name."""
    request = CreateGuardrailsRequest(name="Compliance", data=[guardrail("a")])

    created = await client.guardrails.create(request)
    old = await client.guardrails.get(created.guardrails_id)
    operations = client.guardrails.diff(old, attrs.evolve(old, name="Rules"))
    changed = await client.guardrails.patch(created.guardrails_id, operations)
    now = await client.guardrails.get(created.guardrails_id)

    assert {"name": "Compliance", "data": [guardrail("a").to_dict()]} == (
        fake.requests[0].json
    )
    assert ("Compliance", "Compliance") == (created.guardrails_name, old.name)
    assert (Replace("/name", "Rules"),) == operations
    assert (True, "Rules") == (changed, now.name)


async def test_an_unnamed_set_has_no_name(
    fake: FakeTavus, http: aiohttp.ClientSession
) -> None:
    """Without a name, create's answer leaves guardrails_name out."""
    body = {"data": [{"guardrail_name": "a", "guardrail_prompt": "p"}]}

    status, created = await send(http, "POST", GUARDRAILS.path(), body)

    assert 200 == status
    assert ["created_at", "guardrails_id", "status"] == sorted(created)


async def test_list_rows_hold_only_ids_and_times(
    fake: FakeTavus, http: aiohttp.ClientSession, client: TavusClient
) -> None:
    """List Guardrails rows are the id and timestamps, as the spec documents."""
    request = CreateGuardrailsRequest(name="Named", data=[guardrail("a")])
    guardrails_id = (await client.guardrails.create(request)).guardrails_id

    status, body = await send(http, "GET", GUARDRAILS.path(), None)
    page = await client.guardrails.list()

    assert 200 == status
    assert [["created_at", "guardrails_id", "updated_at"]] == [
        sorted(row) for row in body["data"]
    ]
    (row,) = page.data
    assert (
        GuardrailSet(
            guardrails_id=guardrails_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        == row
    )


async def test_triggering_a_guardrail_calls_back(
    fake: FakeTavus, client: TavusClient
) -> None:
    """trigger() POSTs the guardrail callback to the guardrail's callback_url."""
    request = CreateGuardrailsRequest(
        data=[guardrail("a", callback_url=HOOK), guardrail("b")]
    )
    guardrails_id = (await client.guardrails.create(request)).guardrails_id

    sent = fake.guardrails.trigger(guardrails_id, "a", conversation_id="c1")
    silent = fake.guardrails.trigger(guardrails_id, "b", conversation_id="c1")
    (delivery,) = await fake.wait_callbacks(1)

    assert (True, False) == (sent, silent)
    assert HOOK == delivery.url
    assert {
        "conversation_id": "c1",
        "properties": {"guardrail": "a", "guardrail_uuid": guardrails_id},
    } == delivery.payload
    with pytest.raises(KeyError):
        fake.guardrails.trigger("g0000000000", "a", conversation_id="c1")
