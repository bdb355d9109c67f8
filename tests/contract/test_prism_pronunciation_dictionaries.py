"""Contract test: client.pronunciation_dictionaries against Prism serving the spec.

Prism checks each request against the document (the create body, the
JSON-Patch array, the 0-based ``page`` and the ``sort`` values) and answers
with its examples, which the client must parse: Create answers 201, List
echoes ``page`` and ``limit`` and leaves out the rules.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import attrs
import pytest

from tavus_async import TavusClient
from tavus_async.services.pronunciation_dictionaries import (
    PronunciationDictionariesService,
)
from tavus_async.types.patch import Replace
from tavus_async.types.pronunciation_dictionaries import (
    CreatePronunciationDictionaryRequest,
    PronunciationRule,
    RuleType,
)
from tests.contract._prism import Exchanges, accepted, assert_covered


pytestmark = pytest.mark.contract

DICTIONARY_ID = "pd_abc123def456gh"
PATH = f"/v2/pronunciation-dictionaries/{DICTIONARY_ID}"
TAVUS = PronunciationRule(
    text="Tavus",
    pronunciation="TAH-vus",
    type=RuleType.ALIAS,
    case_sensitive=False,
    word_boundaries=True,
)
CREATED = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)

COVERED: dict[type, dict[str, str]] = {
    PronunciationDictionariesService: {
        "create": "test_create_dictionary",
        "get": "test_get_dictionary",
        "list": "test_list_dictionaries",
        "iter_all": "test_iter_all_dictionaries",
        "patch": "test_patch_dictionary_built_by_diff",
        "diff": "test_patch_dictionary_built_by_diff",
        "delete": "test_delete_dictionary",
    },
}


def test_every_public_method_is_covered() -> None:
    """Each public method of the service has a contract test listed in COVERED."""
    assert_covered(COVERED)


async def test_create_dictionary(client: TavusClient, exchanges: Exchanges) -> None:
    """Create with every rule field is accepted; the 201 example is parsed."""
    ipa = PronunciationRule(text="CVI", pronunciation="si vi aj", type="ipa")
    request = CreatePronunciationDictionaryRequest(
        name="Brand Terms", rules=[TAVUS, ipa]
    )
    with accepted(exchanges):
        created = await client.pronunciation_dictionaries.create(request)
    assert ("POST", 201) == (exchanges.last().method, exchanges.last().status)
    assert (DICTIONARY_ID, "Brand Terms", 1) == (
        created.pronunciation_dictionary_id,
        created.name,
        created.rules_count,
    )
    assert ((TAVUS,), CREATED) == (created.rules, created.created_at)


async def test_get_dictionary(client: TavusClient, exchanges: Exchanges) -> None:
    """Get's example is parsed, rules and timestamps included."""
    with accepted(exchanges):
        got = await client.pronunciation_dictionaries.get(DICTIONARY_ID)
    assert ("GET", PATH) == (exchanges.last().method, exchanges.last().path)
    assert ((TAVUS,), CREATED, CREATED) == (got.rules, got.created_at, got.updated_at)


async def test_list_dictionaries(client: TavusClient, exchanges: Exchanges) -> None:
    """List with limit, a 0-based page and sort is accepted; page/limit echoed."""
    with accepted(exchanges):
        page = await client.pronunciation_dictionaries.list(
            limit=10, page=0, sort="asc"
        )
    assert {"limit": "10", "page": "0", "sort": "asc"} == exchanges.last().query
    (summary,) = page.data
    assert (2, 0, 10) == (page.total_count, page.page, page.limit)
    assert (DICTIONARY_ID, (), 3) == (
        summary.pronunciation_dictionary_id,
        summary.rules,
        summary.rules_count,
    )


async def test_iter_all_dictionaries(client: TavusClient, exchanges: Exchanges) -> None:
    """iter_all starts at page 0 and sends sort with each page."""
    seen = []
    with accepted(exchanges):
        iterator = client.pronunciation_dictionaries.iter_all(limit=100, sort="desc")
        async with contextlib.aclosing(iterator) as dictionaries:
            async for dictionary in dictionaries:
                seen.append(dictionary.pronunciation_dictionary_id)
                if len(seen) >= 5:
                    break
    assert DICTIONARY_ID == seen[0]
    assert {"limit": "100", "page": "0", "sort": "desc"} == exchanges.seen[0].query


async def test_patch_dictionary_built_by_diff(
    client: TavusClient, exchanges: Exchanges
) -> None:
    """A diff of name and rules, sent as a patch, is a valid JSON-Patch body."""
    with accepted(exchanges):
        old = await client.pronunciation_dictionaries.get(DICTIONARY_ID)
        new = attrs.evolve(old, name="Updated Brand Terms", rules=())
        operations = client.pronunciation_dictionaries.diff(old, new)
        changed = await client.pronunciation_dictionaries.patch(
            DICTIONARY_ID, [*operations, Replace("/rules", [TAVUS.to_dict()])]
        )
    assert changed
    assert ("PATCH", PATH, 200) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
    assert ["/name", "/rules", "/rules"] == [op["path"] for op in exchanges.last().body]


async def test_delete_dictionary(client: TavusClient, exchanges: Exchanges) -> None:
    """Delete is accepted and answered 204."""
    with accepted(exchanges):
        await client.pronunciation_dictionaries.delete(DICTIONARY_ID)
    assert ("DELETE", PATH, 204) == (
        exchanges.last().method,
        exchanges.last().path,
        exchanges.last().status,
    )
