"""Contract test: client.objectives against Prism serving Tavus's spec.

As in ``test_prism.py``: Prism checks each request against the document and
answers with its examples. Get Objective's example is the documented
envelope around one flat objective without its id, and List Objectives'
rows are flat objectives: each is read as a set of that one objective.
What guardrails do alike (iter_all, delete) is tested here for both.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import attrs
import pytest

from tavus_async import TavusClient
from tavus_async.services.objectives import ObjectivesService
from tavus_async.types._sets import Modality, SetStatus
from tavus_async.types.objectives import (
    ConfirmationMode,
    CreateObjectivesRequest,
    Objective,
    ObjectiveSet,
)
from tavus_async.types.patch import Add, Remove, Replace, Test
from tests.contract._prism import Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

OBJECTIVES_ID = "o12345"
SETS = [("objectives", OBJECTIVES_ID), ("guardrails", "g12345")]
"""Each family of sets and the id of its examples, for the tests they share."""
STAMP = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
ITER_BOUND = 5
EXAMPLE = Objective(
    objective_name="ask_if_new_patient",
    objective_prompt="Ask the patient if they are new or have been here before",
    confirmation_mode=ConfirmationMode.AUTO,
    output_variables=("patient_status",),
    modality=Modality.VERBAL,
    next_conditional_objectives={
        "new_patient_intake_process": (
            "If the patient has never been to the practice before"
        ),
        "existing_patient_intake_process": (
            "If the patient has been to the practice before"
        ),
    },
    next_required_objective="get_patient_name",
    callback_url="https://your-server.com/webhook",
)
"""The objective of the spec's examples."""

COVERED = {
    ObjectivesService: {
        "create": "test_create_objectives_with_every_field",
        "get": "test_get_objective",
        "list": "test_list_objectives",
        "iter_all": "test_iter_all_sets",
        "patch": "test_patch_objective_built_by_diff/_every_op",
        "diff": "test_patch_objective_built_by_diff",
        "delete": "test_delete_set",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of ObjectivesService has a contract test in COVERED."""
    assert_covered(COVERED)


async def test_create_objectives_with_every_field(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """Create Objectives with every field of each objective is accepted."""
    request = CreateObjectivesRequest(
        data=[
            EXAMPLE,
            Objective(
                objective_name="new_patient_intake_process",
                objective_prompt="Take the new patient's details",
                confirmation_mode=ConfirmationMode.MANUAL,
                modality=Modality.VISUAL,
            ),
            Objective(
                objective_name="existing_patient_intake_process",
                objective_prompt="Confirm the patient's details",
                next_required_objective="get_patient_name",
            ),
            Objective(objective_name="get_patient_name", objective_prompt="Ask"),
        ]
    )
    with accepted(exchanges):
        created = await client.objectives.create(request)
    assert (OBJECTIVES_ID, "New Objectives") == (
        created.objectives_id,
        created.objective_name,
    )
    assert (SetStatus.ACTIVE, STAMP) == (created.status, created.created_at)
    assert ("POST", "/v2/objectives", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


async def test_get_objective(client: TavusClient, exchanges: Exchanges) -> None:
    """Get Objective's flat example is a set of that objective, id as asked."""
    with accepted(exchanges):
        got = await client.objectives.get(OBJECTIVES_ID)
    assert (
        ObjectiveSet(
            objectives_id=OBJECTIVES_ID,
            data=(EXAMPLE,),
            created_at=STAMP,
            updated_at=STAMP,
        )
        == got
    )


async def test_list_objectives(client: TavusClient, exchanges: Exchanges) -> None:
    """List Objectives with limit and page is accepted; its flat row parsed."""
    with accepted(exchanges):
        page = await client.objectives.list(limit=20, page=2)
    assert {"limit": "20", "page": "2"} == exchanges.last().query
    assert 25 == page.total_count
    (row,) = page.data
    assert (OBJECTIVES_ID, (EXAMPLE,), STAMP) == (
        row.objectives_id,
        row.data,
        row.updated_at,
    )


@pytest.mark.parametrize(("family", "set_id"), SETS)
async def test_iter_all_sets(
    client: TavusClient, exchanges: Exchanges, family: str, set_id: str
) -> None:
    """iter_all sends the page size with each page (objectives and guardrails)."""
    seen = []
    with accepted(exchanges):
        iterator = getattr(client, family).iter_all(limit=50)
        async with contextlib.aclosing(iterator) as sets:
            async for found in sets:
                seen.append(getattr(found, f"{family}_id"))
                if len(seen) >= ITER_BOUND:
                    break
    assert set_id == seen[0]
    assert {"limit": "50", "page": "1"} == exchanges.seen[0].query


async def test_patch_objective_built_by_diff(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """The patch diff builds from a read set (data replaced whole) is accepted."""
    with accepted(exchanges):
        old = await client.objectives.get(OBJECTIVES_ID)
    first = attrs.evolve(old.data[0], objective_prompt="Ask kindly")
    operations = client.objectives.diff(old, attrs.evolve(old, data=(first,)))
    with accepted(exchanges):
        changed = await client.objectives.patch(OBJECTIVES_ID, operations)
    assert changed
    assert (Replace("/data", [first.to_dict()]),) == operations
    assert ("PATCH", f"/v2/objectives/{OBJECTIVES_ID}", 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )


async def test_patch_objective_every_op(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """The spec's example ops, at the set's paths, plus test, are accepted."""
    with accepted(exchanges):
        changed = await client.objectives.patch(
            OBJECTIVES_ID,
            [
                Test("/data/0/objective_name", "ask_if_new_patient"),
                Replace("/data/0/objective_name", "updated_objective_name"),
                Replace("/data/0/confirmation_mode", ConfirmationMode.MANUAL),
                Add("/data/0/output_variables", ["new_variable"]),
                Replace("/data/0/modality", "visual"),
                Remove("/data/0/callback_url"),
            ],
        )
    assert changed
    assert "manual" == exchanges.last().body[2]["value"]


@pytest.mark.parametrize(("family", "set_id"), SETS)
async def test_delete_set(
    client: TavusClient, exchanges: Exchanges, family: str, set_id: str
) -> None:
    """Delete is accepted with its 204 (objectives and guardrails)."""
    with accepted(exchanges):
        await getattr(client, family).delete(set_id)
    assert ("DELETE", f"/v2/{family}/{set_id}", 204) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
