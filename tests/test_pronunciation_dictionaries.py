"""client.pronunciation_dictionaries against FakeTavus, and the dictionary types."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async import (
    BadRequestError,
    InternalServerError,
    NotFoundError,
    TavusClient,
    UnknownIdError,
    ValidationError,
    with_raw_response,
)
from tavus_async.services.pronunciation_dictionaries import (
    PronunciationDictionariesService,
)
from tavus_async.testing import FakeTavus, Fault
from tavus_async.types.patch import Add, Remove, Replace
from tavus_async.types.pronunciation_dictionaries import (
    CreatePronunciationDictionaryRequest,
    PronunciationDictionary,
    PronunciationRule,
    RuleType,
)


PATH = "/v2/pronunciation-dictionaries"
TAVUS = PronunciationRule(text="Tavus", pronunciation="TAH-vus", type="alias")
CVI = PronunciationRule(
    text="CVI",
    pronunciation="\u02c8si\u02d0 vi\u02d0 a\u026a",  # IPA
    type=RuleType.IPA,
    case_sensitive=True,
    word_boundaries=False,
)
NOT_FOUND = "Pronunciation dictionary not found"


def rule(text: str, **fields: Any) -> PronunciationRule:
    return PronunciationRule(
        **{"text": text, "pronunciation": text.upper(), "type": "alias", **fields}
    )


async def create(client: TavusClient, name: str = "Brand Terms", *rules: Any) -> str:
    request = CreatePronunciationDictionaryRequest(name=name, rules=rules)
    return (
        await client.pronunciation_dictionaries.create(request)
    ).pronunciation_dictionary_id


async def send(
    http: aiohttp.ClientSession, method: str, path: str, body: Any
) -> tuple[int, Any]:
    async with http.request(method, path, json=body) as answer:
        text = await answer.text()
        return answer.status, json.loads(text) if text else None


# Types


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"name": ""}, ["name"]),
        ({"name": None}, ["name"]),
        ({"name": "x" * 256}, ["name"]),
        (
            {
                "name": "Terms",
                "rules": [
                    TAVUS,
                    rule("a", pronunciation=None),
                    rule("b", type="phoneme"),
                    rule("c", pronunciation="x" * 501),
                ],
            },
            ["rules[1].pronunciation", "rules[2].type", "rules[3].pronunciation"],
        ),
        (
            {"name": "Terms", "rules": [PronunciationRule(), rule("x" * 201)]},
            [
                "rules[0].text",
                "rules[0].pronunciation",
                "rules[0].type",
                "rules[1].text",
            ],
        ),
        ({"name": "Terms", "rules": [TAVUS, rule("Tavus")]}, ["rules[1].text"]),
        ({"name": "Terms", "rules": [{"text": "Tavus"}]}, ["rules[0]"]),
    ],
)
def test_create_request_names_every_problem(
    fields: dict[str, Any], problems: list[str]
) -> None:
    """A bad request raises one ValidationError naming every field at fault."""
    with pytest.raises(ValidationError) as info:
        CreatePronunciationDictionaryRequest(**fields)

    assert problems == [field for field, _ in info.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({}, {}, ()),
        ({"name": "A"}, {"name": "B"}, (Replace("/name", "B"),)),
        (
            {"rules": (TAVUS,)},
            {"rules": (TAVUS, CVI)},
            (Replace("/rules", [TAVUS.to_dict(), CVI.to_dict()]),),
        ),
        ({}, {"rules": (TAVUS,)}, (Add("/rules", [TAVUS.to_dict()]),)),
        ({"rules_count": 1}, {"rules_count": 2}, ()),
    ],
)
def test_diff(old: dict[str, Any], new: dict[str, Any], expected: tuple[Any]) -> None:
    """diff compares name and rules, replacing rules whole; Tavus's fields not."""
    before = PronunciationDictionary(pronunciation_dictionary_id="pd_1", **old)
    after = PronunciationDictionary(pronunciation_dictionary_id="pd_2", **new)

    assert expected == PronunciationDictionariesService.diff(before, after)


def test_diff_takes_dictionaries_only() -> None:
    """diff names the argument that is not a PronunciationDictionary."""
    with pytest.raises(ValidationError) as info:
        PronunciationDictionariesService.diff({}, TAVUS)  # type: ignore[arg-type]

    assert "old" == info.value.field


# Create, get, list


async def test_create_and_get(fake: FakeTavus, client: TavusClient) -> None:
    """Create answers 201 with the whole dictionary, defaults filled, as get does."""
    request = CreatePronunciationDictionaryRequest(
        name="Brand Terms", rules=[TAVUS, CVI]
    )

    created = await client.pronunciation_dictionaries.create(request)
    sent, status = fake.requests[-1].json, fake.requests[-1].status
    got = await client.pronunciation_dictionaries.get(
        created.pronunciation_dictionary_id
    )

    assert (request.to_dict(), 201) == (sent, status)
    assert created == got
    assert ("Brand Terms", 2) == (got.name, got.rules_count)
    assert (attrs.evolve(TAVUS, case_sensitive=False, word_boundaries=True), CVI) == (
        got.rules
    )
    assert got.created_at is not None
    assert got.created_at == got.updated_at


async def test_list_sorts_pages_from_zero_and_omits_rules(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Newest first unless asc; pages count from 0 and are echoed; no rules."""
    ids = [await create(client, f"D{i}", rule(f"w{i}")) for i in range(5)]
    fake.advance(1)

    newest = await client.pronunciation_dictionaries.list()
    second = await client.pronunciation_dictionaries.list(limit=2, page=1, sort="asc")

    assert ids[::-1] == [d.pronunciation_dictionary_id for d in newest.data]
    assert (ids[2:4], 5, 1, 2) == (
        [d.pronunciation_dictionary_id for d in second.data],
        second.total_count,
        second.page,
        second.limit,
    )
    assert {"limit": "2", "page": "1", "sort": "asc"} == fake.requests[-1].query
    assert {((), 1)} == {(d.rules, d.rules_count) for d in newest.data}


async def test_iter_all_reads_every_page(fake: FakeTavus, client: TavusClient) -> None:
    """iter_all starts at page 0 and goes past a server cap on page size."""
    ids = [await create(client, f"D{i}") for i in range(12)]
    fake.max_page_size = 5
    fake.reset_log()

    seen = [
        d.pronunciation_dictionary_id
        async for d in client.pronunciation_dictionaries.iter_all(sort="asc")
    ]

    assert ids == seen
    assert ["0", "1", "2"] == [r.query["page"] for r in fake.requests]


# Patch


async def test_patch_built_by_diff(fake: FakeTavus, client: TavusClient) -> None:
    """A diff sent as a patch answers 200; get then shows the new rules."""
    dictionary_id = await create(client, "Terms", TAVUS)
    old = await client.pronunciation_dictionaries.get(dictionary_id)
    fake.advance(60)
    new = attrs.evolve(old, name="Renamed", rules=(*old.rules, CVI))

    ops = client.pronunciation_dictionaries.diff(old, new)
    changed = await client.pronunciation_dictionaries.patch(dictionary_id, ops)
    now = await client.pronunciation_dictionaries.get(dictionary_id)

    assert (True, 200) == (changed, fake.requests[-2].status)
    assert ["/name", "/rules"] == [op["path"] for op in fake.requests[-2].json]
    assert attrs.evolve(new, rules_count=2, updated_at=now.updated_at) == now
    assert old.updated_at is not None
    assert now.updated_at is not None
    assert 60 == round((now.updated_at - old.updated_at).total_seconds())


async def test_patch_that_changes_nothing_is_304(
    fake: FakeTavus, client: TavusClient, http: aiohttp.ClientSession
) -> None:
    """No change, or only read-only fields (silently dropped): 304, no body."""
    dictionary_id = await create(client, "Same")
    read_only = [{"op": "replace", "path": "/created_at", "value": "2020-01-01"}]

    changed = await client.pronunciation_dictionaries.patch(
        dictionary_id, [Replace("/name", "Same")]
    )
    raw = await send(http, "PATCH", f"{PATH}/{dictionary_id}", read_only)

    assert (False, 304) == (changed, fake.requests[-2].status)
    assert (304, None) == raw


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            [{"op": "replace", "path": "/rules", "value": [TAVUS.to_dict()] * 2}],
            400,
            {"error": "Invalid request: duplicate text values in rules"},
        ),
        ([{"op": "remove", "path": "/name"}], 400, {"error": "Invalid request: name"}),
        ([{"op": "jump", "path": "/name"}], 422, {"message": "Invalid JSON patch"}),
        ({"op": "remove"}, 422, {"message": "Invalid JSON patch"}),
    ],
)
async def test_patch_refused_by_the_fake_changes_nothing(
    fake: FakeTavus,
    http: aiohttp.ClientSession,
    body: Any,
    status: int,
    message: dict[str, str],
) -> None:
    """A result Tavus would refuse is 400, a malformed patch 422; nothing changes."""
    dictionary_id = fake.pronunciation_dictionaries.add(rules=[TAVUS.to_dict()])
    before = fake.pronunciation_dictionaries.dictionary(dictionary_id)

    answer = await send(http, "PATCH", f"{PATH}/{dictionary_id}", body)

    ((key, words),) = message.items()
    assert (status, True) == (answer[0], answer[1][key].startswith(words))
    assert before == fake.pronunciation_dictionaries.dictionary(dictionary_id)


async def test_patch_with_repeated_rules_is_a_bad_request(client: TavusClient) -> None:
    """Rule values are not checked before sending; Tavus's 400 is BadRequestError."""
    dictionary_id = await create(client, "Terms")

    with pytest.raises(BadRequestError, match="duplicate text values"):
        await client.pronunciation_dictionaries.patch(
            dictionary_id, [Replace("/rules", [TAVUS.to_dict(), TAVUS.to_dict()])]
        )


@pytest.mark.parametrize(
    ("operations", "words"),
    [
        ([Replace("/nmae", "x")], "'/name'"),
        ([Replace("/rules_count", 3)], "set by Tavus"),
        ([Remove("/pronunciation_dictionary_id")], "set by Tavus"),
    ],
)
async def test_bad_patch_is_refused_before_sending(
    fake: FakeTavus, client: TavusClient, operations: Any, words: str
) -> None:
    """A path the dictionary lacks, or one Tavus sets, is refused; nothing sent."""
    with pytest.raises(ValidationError) as info:
        await client.pronunciation_dictionaries.patch("pd_1", operations)

    assert ("patch[0].path", True) == (info.value.field, words in str(info.value))
    assert [] == fake.requests


# Unknown ids and deletes


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.pronunciation_dictionaries.get("pd_0"),
        lambda c: c.pronunciation_dictionaries.patch("pd_0", [Remove("/name")]),
        lambda c: c.pronunciation_dictionaries.delete("pd_0"),
    ],
)
async def test_unknown_id_is_404(client: TavusClient, call: Any) -> None:
    """Tavus answers 404 {"message": ...}: a NotFoundError, not an UnknownIdError."""
    with pytest.raises(NotFoundError) as info:
        await call(client)

    assert NotFoundError is type(info.value)
    assert (404, NOT_FOUND) == (info.value.status_code, info.value.message)
    assert not isinstance(info.value, UnknownIdError)


async def test_delete_whose_answer_was_lost(
    fake: FakeTavus, client: TavusClient
) -> None:
    """A delete met by a 502 after acting, retried to a 404, is done; 204 first."""
    dictionary_id = await create(client)
    fake.inject(Fault.http(502, after=True), method="DELETE")

    await client.pronunciation_dictionaries.delete(dictionary_id)
    await client.pronunciation_dictionaries.delete(await create(client))

    assert [502, 404, 201, 204] == [r.status for r in fake.requests[-4:]]
    assert 0 == len(fake.pronunciation_dictionaries.ids())
    with pytest.raises(KeyError):
        fake.pronunciation_dictionaries.dictionary(dictionary_id)


# The fake's checks


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "name is required"),
        ({"name": "x" * 256}, "name must be at most 255 characters"),
        ({"name": "T", "rules": {}}, "rules must be an array"),
        ({"name": "T", "rules": ["Tavus"]}, "rules[0] must be an object"),
        ({"name": "T", "rules": [{"text": "a"}]}, "rules[0].pronunciation is required"),
        (
            {"name": "T", "rules": [{"text": "a", "pronunciation": "b"}]},
            "rules[0].type must be one of: alias, ipa",
        ),
        (
            {"name": "T", "rules": [{**TAVUS.to_dict(), "case_sensitive": "no"}]},
            "rules[0].case_sensitive must be a boolean",
        ),
    ],
)
async def test_fake_refuses_what_tavus_would(
    fake: FakeTavus, http: aiohttp.ClientSession, body: dict[str, Any], error: str
) -> None:
    """Create bodies are checked: 400 {"error": "Invalid request: ..."}."""
    assert (400, {"error": f"Invalid request: {error}"}) == await send(
        http, "POST", PATH, body
    )
    assert [] == fake.pronunciation_dictionaries.ids()


# Arguments, retries, concurrency, unknown values


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.pronunciation_dictionaries.get(""), "dictionary_id"),
        (lambda c: c.pronunciation_dictionaries.delete("pd 1,"), "dictionary_id"),
        (lambda c: c.pronunciation_dictionaries.list(page=-1), "page"),
        (lambda c: c.pronunciation_dictionaries.list(limit=101), "limit"),
        (lambda c: c.pronunciation_dictionaries.list(sort="newest"), "sort"),
        (lambda c: c.pronunciation_dictionaries.iter_all(limit=0), "limit"),
        (lambda c: c.pronunciation_dictionaries.create({"name": "T"}), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, call: Any, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; no request is made."""
    with pytest.raises(ValidationError) as info:
        await call(client)

    assert field == info.value.field
    assert [] == fake.requests


async def test_retries_only_what_is_safe(fake: FakeTavus, client: TavusClient) -> None:
    """A 503 on list is retried; a create met by a 502 is not, and says so."""
    fake.inject(Fault.http(503), method="GET")
    fake.inject(Fault.http(502, after=True), method="POST")

    page = await client.pronunciation_dictionaries.list()
    with pytest.raises(InternalServerError) as info:
        await create(client, "Once")

    assert ((), [503, 200, 502]) == (page.data, [r.status for r in fake.requests])
    assert info.value.may_have_succeeded
    assert 1 == len(fake.pronunciation_dictionaries.ids())


async def test_many_at_once_and_raw(fake: FakeTavus, client: TavusClient) -> None:
    """Fifty creates at once all land; with_raw_response gives get's answer."""
    names = [f"D{i}" for i in range(50)]

    ids = await asyncio.gather(*(create(client, name, TAVUS) for name in names))
    raw = await with_raw_response(client.pronunciation_dictionaries.get, ids[7])

    assert 50 == len(set(ids)) == len(fake.pronunciation_dictionaries.ids())
    assert ("D7", 200, "GET") == (raw.parsed.name, raw.status_code, raw.method)


async def test_unknown_fields_and_values_parse(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Fields and rule types Tavus adds later parse; the type says it is unknown."""
    dictionary_id = fake.pronunciation_dictionaries.add(
        rules=[{"text": "Tavus", "pronunciation": "x", "type": "ssml", "lang": "en"}],
        locale="en-US",
    )

    got = await client.pronunciation_dictionaries.get(dictionary_id)
    (found,) = got.rules

    assert ("ssml", False) == (found.type, getattr(found.type, "is_known", None))
    assert RuleType.IPA.is_known
