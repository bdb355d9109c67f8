"""client.objectives and client.guardrails against FakeTavus, and their types.

The two families keep items as a set under one id and behave alike: what
they share is tested here for both (the ``kind`` fixture); what objectives
alone do comes last. ``tests/test_guardrails.py`` has the guardrails' own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import attrs
import pytest

from tavus_async import (
    BadRequestError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    TavusClient,
    UnknownIdError,
    ValidationError,
    with_raw_response,
)
from tavus_async._serde import default_converter
from tavus_async.services.guardrails import GuardrailsService
from tavus_async.services.objectives import ObjectivesService
from tavus_async.testing import FakeTavus, Fault
from tavus_async.types._sets import Modality, SetStatus, set_json
from tavus_async.types.guardrails import (
    CreateGuardrailsRequest,
    Guardrail,
    GuardrailSet,
)
from tavus_async.types.objectives import (
    ConfirmationMode,
    CreatedObjectives,
    CreateObjectivesRequest,
    Objective,
    ObjectiveSet,
)
from tavus_async.types.patch import Add, Remove, Replace, Test


HOOK = "http://127.0.0.1:1/hook"
"""A callback URL nothing listens on: the delivery is recorded as refused."""
STAMP = "2024-01-15T10:30:00Z"


@attrs.frozen
class Kind:
    """One family of sets, as the shared tests drive it.

    Its wire names follow Tavus's pattern: ``objectives``, ``objectives_id``,
    ``objective_name``, ``objective_prompt``.
    """

    name: str
    item: type
    request: type
    not_found: str

    @property
    def id_field(self) -> str:
        """Such as ``objectives_id``."""
        return f"{self.name}_id"

    @property
    def name_field(self) -> str:
        """Such as ``objective_name``."""
        return f"{self.name[:-1]}_name"

    @property
    def prompt_field(self) -> str:
        """Such as ``objective_prompt``."""
        return f"{self.name[:-1]}_prompt"

    def items(self, *names: str, **fields: Any) -> list[Any]:
        """Items with these names, a prompt each, and ``fields``."""
        return [
            self.item(
                **{self.name_field: n, self.prompt_field: f"Prompt {n}"}, **fields
            )
            for n in names
        ]

    def create_request(self, *names: str) -> Any:
        """A create body with one item per name."""
        return self.request(data=self.items(*names))

    def service(self, client: TavusClient) -> Any:
        """``client.objectives`` or ``client.guardrails``."""
        return getattr(client, self.name)

    def family(self, fake: FakeTavus) -> Any:
        """``fake.objectives`` or ``fake.guardrails``."""
        return getattr(fake, self.name)

    def path(self, *rest: str) -> str:
        """The family's path, such as ``/v2/objectives/o1``."""
        return "/".join((f"/v2/{self.name}", *rest))


OBJECTIVES = Kind(
    "objectives", Objective, CreateObjectivesRequest, "Objective not found"
)
GUARDRAILS = Kind(
    "guardrails", Guardrail, CreateGuardrailsRequest, "Guardrails not found"
)


@pytest.fixture(params=[OBJECTIVES, GUARDRAILS], ids=lambda k: k.name)
def kind(request: pytest.FixtureRequest) -> Kind:
    """Each family of sets in turn."""
    family: Kind = request.param
    return family


async def create(client: TavusClient, kind: Kind, *names: str) -> str:
    created = await kind.service(client).create(kind.create_request(*names))
    return str(getattr(created, kind.id_field))


async def send(
    http: aiohttp.ClientSession, method: str, path: str, body: Any
) -> tuple[int, Any]:
    async with http.request(method, path, json=body) as answer:
        return answer.status, await answer.json(content_type=None)


# The shapes Tavus answers


@pytest.mark.parametrize(
    ("raw", "ids", "expected"),
    [
        ({"data": [{"a": 1}], "x": 2}, {}, {"data": [{"a": 1}], "x": 2}),
        ({"a": 1, "b": 2, "x": 3}, {}, {"data": [{"a": 1, "b": 2}], "x": 3}),
        ({"x": 3}, {}, {"data": [], "x": 3}),
        ({"a": 1, "data": []}, {}, {"data": []}),
        ({"data": None}, {"id": "o1"}, {"data": None, "id": "o1"}),
        ({"a": 1, "id": "o2"}, {"id": "o1"}, {"data": [{"a": 1}], "id": "o1"}),
    ],
)
def test_set_json(
    raw: dict[str, Any], ids: dict[str, str], expected: dict[str, Any]
) -> None:
    """A set stays one; flat item fields become a set of one; ids are set."""
    assert expected == set_json(raw, {"a", "b"}, **ids)


def test_unknown_statuses_and_values_parse() -> None:
    """Values Tavus adds later parse; open enums say they are unknown."""
    converter = default_converter()
    created = converter.structure(
        {"objectives_id": "o1", "status": "paused"}, CreatedObjectives
    )
    objective = converter.structure(
        {"modality": "smell", "confirmation_mode": "vote", "mood": 1}, Objective
    )

    assert ("paused", "smell", "vote") == (
        created.status,
        objective.modality,
        objective.confirmation_mode,
    )
    assert [False, False, False] == [
        value.is_known
        for value in (created.status, objective.modality, objective.confirmation_mode)
        if value is not None
    ]
    assert SetStatus.ACTIVE.is_known


# Create and get


async def test_create_then_get(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """What create sends comes back from get, in order, under the id created."""
    request = kind.create_request("first", "second", "third")

    created = await kind.service(client).create(request)
    sent = fake.requests[-1].json
    got = await kind.service(client).get(getattr(created, kind.id_field))

    assert request.to_dict() == sent
    assert tuple(request.data) == got.data
    assert getattr(created, kind.id_field) == getattr(got, kind.id_field)
    assert SetStatus.ACTIVE is created.status
    assert got.created_at is not None
    assert (UTC, created.created_at) == (got.created_at.tzinfo, got.created_at)


async def test_get_answers_the_documented_envelope(
    fake: FakeTavus, http: aiohttp.ClientSession, kind: Kind
) -> None:
    """The fake answers Get as {"data": {...}}: the set, without its id."""
    set_id = kind.family(fake).add(data=[{kind.name_field: "a"}])

    status, body = await send(http, "GET", kind.path(set_id), None)

    assert 200 == status
    assert ["created_at", "data", "updated_at"] == sorted(body["data"])
    assert [{kind.name_field: "a"}] == body["data"]["data"]


async def test_get_reads_one_flat_item(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """The shape Tavus documents, one item's fields in data, is a set of one."""
    flat = {kind.name_field: "only", "modality": "visual", "created_at": STAMP}
    fake.inject(Fault.http(200, body=json.dumps({"data": flat}).encode()))

    got = await kind.service(client).get("x1")

    assert "x1" == getattr(got, kind.id_field)
    assert (kind.item(**{kind.name_field: "only", "modality": "visual"}),) == got.data
    assert datetime(2024, 1, 15, 10, 30, tzinfo=UTC) == got.created_at


@pytest.mark.parametrize(
    "body",
    [{}, {"data": []}, {"data": {"data": "x"}}, {"data": {"data": [1]}}, []],
)
async def test_get_of_something_else_is_a_decode_error(
    fake: FakeTavus, client: TavusClient, kind: Kind, body: Any
) -> None:
    """A 200 that holds no set raises DecodeError with the body as received."""
    raw = json.dumps(body).encode()
    fake.inject(Fault.http(200, body=raw))

    with pytest.raises(DecodeError) as info:
        await kind.service(client).get("x1")

    assert (200, raw) == (info.value.status_code, info.value.body)
    assert 1 == fake.count("GET")


@pytest.mark.parametrize(
    ("call", "args"),
    [("get", ()), ("delete", ()), ("patch", ([Remove("/data/0")],))],
)
@pytest.mark.parametrize("shape", ["known", "bad"])
async def test_unknown_ids(
    client: TavusClient, kind: Kind, call: str, args: tuple[Any, ...], shape: str
) -> None:
    """An id of the family's shape is 404; another is 400 "Invalid ..._id"."""
    set_id = f"{kind.name[0]}0000000000" if shape == "known" else "x-1"
    method: Callable[..., Any] = getattr(kind.service(client), call)

    with pytest.raises(NotFoundError) as info:
        await method(set_id, *args)

    if shape == "known":
        assert (NotFoundError, 404) == (type(info.value), info.value.status_code)
        assert kind.not_found == info.value.message
    else:
        assert UnknownIdError is type(info.value)
        assert (f"Invalid {kind.id_field}", kind.id_field) == (
            info.value.message,
            getattr(info.value, "id_field", None),
        )


# List


async def test_list_and_iter_all(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """Pages count every set; iter_all goes past a cap on the page size."""
    ids = [await create(client, kind, f"n{i}") for i in range(12)]
    service = kind.service(client)

    page = await service.list(limit=2, page=3)
    query = fake.requests[-1].query
    fake.max_page_size = 5
    fake.reset_log()
    seen = [getattr(s, kind.id_field) async for s in service.iter_all(limit=50)]

    assert ids[4:6] == [getattr(s, kind.id_field) for s in page.data]
    assert 12 == page.total_count
    assert {"limit": "2", "page": "3"} == query
    assert ids == seen
    assert ["1", "2", "3"] == [r.query["page"] for r in fake.requests]


async def test_list_reads_flat_rows(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """List rows of one flat item (as for objectives) are sets of one."""
    row = {kind.id_field: "x1", kind.name_field: "a", "updated_at": STAMP}
    body = {"data": [row], "total_count": 7}
    fake.inject(Fault.http(200, body=json.dumps(body).encode()))

    page = await kind.service(client).list()

    assert 7 == page.total_count
    assert ("x1", (kind.item(**{kind.name_field: "a"}),)) == (
        getattr(page.data[0], kind.id_field),
        page.data[0].data,
    )


@pytest.mark.parametrize(
    "rows", [[{"created_at": STAMP}], [[]], "x", [{"data": {"a": 1}, "x_id": "1"}]]
)
async def test_list_rows_that_are_not_sets(
    fake: FakeTavus, client: TavusClient, kind: Kind, rows: Any
) -> None:
    """A row without an id, or not a set, is a DecodeError with the body."""
    raw = json.dumps({"data": rows, "total_count": 1}).encode()
    fake.inject(Fault.http(200, body=raw))

    with pytest.raises(DecodeError) as info:
        await kind.service(client).list()

    assert raw == info.value.body


# Patch


async def test_patch_built_by_diff(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A diff replaces data whole; after the patch, get shows the new set."""
    set_id = await create(client, kind, "a", "b")
    service = kind.service(client)
    old = await service.get(set_id)
    fake.advance(60)
    changed = attrs.evolve(old.data[0], **{kind.prompt_field: "Changed"})
    new = attrs.evolve(old, data=(changed, old.data[1], *kind.items("c")))

    operations = service.diff(old, new)
    done = await service.patch(set_id, operations)
    now = await service.get(set_id)

    assert done
    assert (Replace("/data", [i.to_dict() for i in new.data]),) == operations
    assert attrs.evolve(new, updated_at=now.updated_at) == now
    assert old.updated_at is not None
    assert now.updated_at is not None
    assert 60 == round((now.updated_at - old.updated_at).total_seconds())


async def test_patch_answers(
    fake: FakeTavus, http: aiohttp.ClientSession, kind: Kind
) -> None:
    """200 says the family's message; a patch changing nothing is 304."""
    item = {kind.name_field: "a", kind.prompt_field: "p"}
    set_id = kind.family(fake).add(data=[item])
    patch = [{"op": "replace", "path": f"/data/0/{kind.prompt_field}", "value": "q"}]

    changed = await send(http, "PATCH", kind.path(set_id), patch)
    async with http.patch(kind.path(set_id), json=patch) as again:
        unchanged = (again.status, await again.read())

    title = kind.not_found.removesuffix(" not found")
    assert (200, {"message": f"{title} updated successfully"}) == changed
    assert (304, b"") == unchanged


async def test_patch_that_changes_nothing_is_false(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A tested, same-value replace leaves the set: patch returns False."""
    set_id = await create(client, kind, "same")
    path = f"/data/0/{kind.name_field}"

    changed = await kind.service(client).patch(
        set_id, [Test(path, "same"), Replace(path, "same")]
    )

    assert not changed
    assert 304 == fake.requests[-1].status


async def test_patch_appends_an_item(client: TavusClient, kind: Kind) -> None:
    """Add to /data/- appends an item: a model value is sent as its JSON."""
    set_id = await create(client, kind, "a")

    changed = await kind.service(client).patch(
        set_id, [Add("/data/-", kind.items("b")[0])]
    )
    got = await kind.service(client).get(set_id)

    assert changed
    assert tuple(kind.items("a", "b")) == got.data


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/{name}", "'/data/0/{name}' is the first"),
        ("/data/0/{name}x", "did you mean '/data/0/{name}'"),
        ("/{id}", "set by Tavus"),
        ("/created_at", "set by Tavus"),
        ("/data/first/{name}", "not an index"),
    ],
)
async def test_bad_patch_paths_are_refused_before_sending(
    fake: FakeTavus, client: TavusClient, kind: Kind, path: str, words: str
) -> None:
    """Item fields at the top (as in Tavus's examples), typos, read-only fields."""
    names = {"name": kind.name_field, "id": kind.id_field}

    with pytest.raises(ValidationError) as info:
        await kind.service(client).patch("x1", [Replace(path.format(**names), "v")])

    assert "patch[0].path" == info.value.field
    assert words.format(**names) in str(info.value)
    assert [] == fake.requests


@pytest.mark.parametrize(
    ("operations", "error"),
    [
        ([Remove("/data/0/{prompt}")], "data[0].{prompt} is required"),
        ([Remove("/data")], "data must be a non-empty array"),
        ([Add("/data/0/modality", "loud")], "data[0].modality must be one of"),
        ([Remove("/data/3")], "has no index '3'"),
    ],
)
async def test_patch_that_does_not_fit_is_a_bad_request(
    fake: FakeTavus,
    client: TavusClient,
    kind: Kind,
    operations: list[Any],
    error: str,
) -> None:
    """A patch Tavus would refuse is 400, and the set stays as it was."""
    set_id = await create(client, kind, "a")
    stored = kind.family(fake).stored
    before = stored(set_id)
    fields = {"prompt": kind.prompt_field}
    ops = [attrs.evolve(op, path=op.path.format(**fields)) for op in operations]

    with pytest.raises(BadRequestError) as info:
        await kind.service(client).patch(set_id, ops)

    assert error.format(**fields) in info.value.message
    assert before == stored(set_id)


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "replace", "path": "/{id}", "value": "x"}],
        [{"op": "jump", "path": "/data"}],
        {"op": "remove", "path": "/data/0"},
    ],
)
async def test_malformed_patch_sent_raw_is_400(
    fake: FakeTavus, http: aiohttp.ClientSession, kind: Kind, patch: Any
) -> None:
    """A malformed patch (or one of the id) sent around the client is 400."""
    set_id = await create_raw(http, kind)
    body = json.loads(json.dumps(patch).replace("{id}", kind.id_field))

    answer = await send(http, "PATCH", kind.path(set_id), body)

    assert (400, {"error": "Invalid patch operation"}) == answer


async def create_raw(http: aiohttp.ClientSession, kind: Kind) -> str:
    body = {"data": [{kind.name_field: "a", kind.prompt_field: "p"}]}
    status, created = await send(http, "POST", kind.path(), body)
    assert 200 == status
    return str(created[kind.id_field])


def test_diff_of_equal_sets_is_empty(kind: Kind) -> None:
    """Two reads of one set at different times differ in nothing patchable."""
    old = _set(kind)(
        **{kind.id_field: "x1"}, data=kind.items("a"), created_at=datetime.now(UTC)
    )
    later = attrs.evolve(old, **{kind.id_field: "x2"}, updated_at=datetime.now(UTC))
    service = ObjectivesService if kind is OBJECTIVES else GuardrailsService

    assert () == service.diff(old, later)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ({"objectives_id": "o1"}, ObjectiveSet(objectives_id="o1"), "old"),
        (ObjectiveSet(objectives_id="o1"), GuardrailSet(guardrails_id="g1"), "new"),
    ],
)
def test_diff_takes_two_sets_of_one_class(old: Any, new: Any, field: str) -> None:
    """diff names the argument that is not a set, or not of the other's class."""
    with pytest.raises(ValidationError) as info:
        ObjectivesService.diff(old, new)

    assert field == info.value.field


def _set(kind: Kind) -> type:
    return ObjectiveSet if kind is OBJECTIVES else GuardrailSet


# Delete


async def test_delete(fake: FakeTavus, client: TavusClient, kind: Kind) -> None:
    """A deleted set is gone: get and a second delete are 404."""
    set_id = await create(client, kind, "a")

    await kind.service(client).delete(set_id)

    assert ("DELETE", 204) == (fake.requests[-1].method, fake.requests[-1].status)
    with pytest.raises(NotFoundError):
        await kind.service(client).get(set_id)
    with pytest.raises(NotFoundError):
        await kind.service(client).delete(set_id)


async def test_delete_whose_answer_was_lost(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A delete met by a 502 after acting, retried to a 404, is done."""
    set_id = await create(client, kind, "a")
    fake.inject(Fault.http(502, after=True), method="DELETE")

    await kind.service(client).delete(set_id)

    assert [502, 404] == [r.status for r in fake.requests[-2:]]


# Arguments, retries, concurrency


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.get(""), "{id}"),
        (lambda s: s.get("o1,o2"), "{id}"),
        (lambda s: s.delete(" o1"), "{id}"),
        (lambda s: s.patch("", [Remove("/data/0")]), "{id}"),
        (lambda s: s.patch("o1", []), "patch"),
        (lambda s: s.patch("o1", "/data"), "patch"),
        (lambda s: s.list(page=0), "page"),
        (lambda s: s.list(limit=0), "limit"),
        (lambda s: s.iter_all(limit=0), "limit"),
        (lambda s: s.create({"data": []}), "request"),
    ],
)
async def test_bad_arguments_send_nothing(
    fake: FakeTavus, client: TavusClient, kind: Kind, call: Any, field: str
) -> None:
    """Bad arguments raise ValidationError naming the field; nothing is sent."""
    with pytest.raises(ValidationError) as info:
        await call(kind.service(client))

    assert field.format(id=kind.id_field) == info.value.field
    assert [] == fake.requests


async def test_a_read_is_retried(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A 503 on get is retried, and the retry's answer is used."""
    set_id = await create(client, kind, "a")
    fake.reset_log()
    fake.inject(Fault.http(503), method="GET")

    got = await kind.service(client).get(set_id)

    assert set_id == getattr(got, kind.id_field)
    assert [503, 200] == [r.status for r in fake.requests]


async def test_a_create_answered_502_is_not_retried(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A create met by a 502 may have happened: it is not repeated, and says so."""
    fake.inject(Fault.http(502, after=True), method="POST")

    with pytest.raises(InternalServerError) as info:
        await create(client, kind, "once")

    assert info.value.may_have_succeeded
    assert 1 == fake.count("POST")
    assert 1 == (await kind.service(client).list()).total_count


async def test_many_at_once(client: TavusClient, kind: Kind) -> None:
    """Fifty creates in flight at once, then fifty gets, all land."""
    names = [f"n{i}" for i in range(50)]

    ids = await asyncio.gather(*(create(client, kind, name) for name in names))
    got = await asyncio.gather(*(kind.service(client).get(i) for i in ids))

    assert names == [getattr(s.data[0], kind.name_field) for s in got]
    assert 50 == len(set(ids))


async def test_with_raw_response(client: TavusClient, kind: Kind) -> None:
    """with_raw_response gives get's set and its HTTP answer."""
    set_id = await create(client, kind, "a")

    raw = await with_raw_response(kind.service(client).get, set_id)

    assert (set_id, 200, "GET") == (
        getattr(raw.parsed, kind.id_field),
        raw.status_code,
        raw.method,
    )
    assert raw.url.endswith(kind.path(set_id))


async def test_unknown_fields_and_values_from_the_fake(
    fake: FakeTavus, client: TavusClient, kind: Kind
) -> None:
    """A stored set with fields and values Tavus may add later reads."""
    item = {kind.name_field: "a", "modality": "smell", "mood": "calm"}
    set_id = kind.family(fake).add(data=[item], owner_id=7)

    got = await kind.service(client).get(set_id)

    assert ("smell", False) == (got.data[0].modality, got.data[0].modality.is_known)
    assert Modality.VISUAL.is_known


# The fake's checks


def one(kind: Kind, **fields: Any) -> dict[str, Any]:
    """A create body of one item, named ``a`` with a prompt, and ``fields``."""
    return {"data": [{kind.name_field: "a", kind.prompt_field: "p", **fields}]}


@pytest.mark.parametrize(
    ("kind", "body", "error"),
    [
        (OBJECTIVES, {}, "data must be a non-empty array"),
        (OBJECTIVES, {"data": "a"}, "data must be a non-empty array"),
        (OBJECTIVES, {"data": ["a"]}, "data[0] must be an object"),
        (
            OBJECTIVES,
            {"data": [{"objective_prompt": "p"}]},
            "data[0].objective_name is required",
        ),
        (
            OBJECTIVES,
            one(OBJECTIVES, objective_name="a b"),
            "data[0].objective_name must be a string without spaces",
        ),
        (
            OBJECTIVES,
            one(OBJECTIVES, objective_name=1),
            "data[0].objective_name must be a string",
        ),
        (
            OBJECTIVES,
            one(OBJECTIVES, confirmation_mode="vote"),
            "data[0].confirmation_mode must be one of: auto, manual",
        ),
        (
            OBJECTIVES,
            one(OBJECTIVES, output_variables=[1]),
            "data[0].output_variables must be an array of strings",
        ),
        (
            OBJECTIVES,
            one(OBJECTIVES, next_conditional_objectives={"b": 1}),
            "data[0].next_conditional_objectives must be an object of strings",
        ),
        (GUARDRAILS, {"name": 3, "data": []}, "name must be a string"),
        (
            GUARDRAILS,
            {"data": [{"guardrail_name": "a"}]},
            "data[0].guardrail_prompt is required",
        ),
        (
            GUARDRAILS,
            one(GUARDRAILS, guardrail_name="no-advice"),
            "data[0].guardrail_name must hold only letters, digits and underscores",
        ),
        (
            GUARDRAILS,
            one(GUARDRAILS, modality="x"),
            "data[0].modality must be one of: verbal, visual",
        ),
        (
            GUARDRAILS,
            one(GUARDRAILS, callback_url=1),
            "data[0].callback_url must be a string",
        ),
    ],
)
async def test_fake_refuses_what_tavus_would(
    fake: FakeTavus, http: aiohttp.ClientSession, kind: Kind, body: Any, error: str
) -> None:
    """Create bodies are checked as documented: 400 {"message": ...} naming it."""
    answer = await send(http, "POST", kind.path(), body)

    assert (400, {"message": error}) == answer
    assert [] == kind.family(fake).ids()


# Objectives alone


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ([], ["data"]),
        ([Objective()], ["data[0].objective_name", "data[0].objective_prompt"]),
        (
            [Objective(objective_name="ask name", objective_prompt=" ")],
            ["data[0].objective_name", "data[0].objective_prompt"],
        ),
        (
            [*OBJECTIVES.items("a"), "b", *OBJECTIVES.items("a")],
            ["data[1]", "data[2].objective_name"],
        ),
        (
            OBJECTIVES.items("a", callback_url="example.com/hook"),
            ["data[0].callback_url"],
        ),
        (
            OBJECTIVES.items(
                "a",
                output_variables=["ok", ""],
                next_required_objective="b",
                next_conditional_objectives={"a": "", "c": "If so"},
            ),
            [
                "data[0].output_variables[1]",
                "data[0].next_conditional_objectives['a']",
                "data[0].next_required_objective",
                "data[0].next_conditional_objectives['c']",
            ],
        ),
    ],
)
def test_create_objectives_request_names_every_problem(
    data: list[Any], problems: list[str]
) -> None:
    """A bad CreateObjectivesRequest raises one ValidationError naming each field."""
    with pytest.raises(ValidationError) as info:
        CreateObjectivesRequest(data=data)

    assert problems == [field for field, _ in info.value.problems]


def test_objectives_lead_only_to_objectives_of_the_set() -> None:
    """A name the next_* fields give must be one of the set's; it is named."""
    with pytest.raises(ValidationError) as info:
        CreateObjectivesRequest(
            data=OBJECTIVES.items("get_name", next_required_objective="get_nam")
        )

    assert (
        "'get_nam' is not an objective of this set: 'get_name'"
        == (info.value.problems[0][1])
    )


async def test_every_objective_field_round_trips(
    fake: FakeTavus, client: TavusClient
) -> None:
    """Every field of an objective is sent as the spec spells it and read back."""
    first = Objective(
        objective_name="ask_if_new_patient",
        objective_prompt="Ask the patient if they are new",
        confirmation_mode=ConfirmationMode.MANUAL,
        output_variables=iter(["patient_status"]),
        modality="visual",
        next_conditional_objectives={"new_intake": "If new", "old_intake": "If not"},
        callback_url="https://example.com/objectives",
    )
    rest = OBJECTIVES.items("new_intake", next_required_objective="old_intake")
    request = CreateObjectivesRequest(
        data=[first, *rest, *OBJECTIVES.items("old_intake")]
    )

    created = await client.objectives.create(request)
    got = await client.objectives.get(created.objectives_id)

    assert request.data == got.data
    assert ("patient_status",) == got.data[0].output_variables
    assert (ConfirmationMode.MANUAL, Modality.VISUAL) == (
        got.data[0].confirmation_mode,
        got.data[0].modality,
    )
    assert request.to_dict() == fake.requests[0].json


async def test_objective_list_rows_hold_the_set(
    fake: FakeTavus, http: aiohttp.ClientSession, client: TavusClient
) -> None:
    """A List Objectives row is the whole set: its id, items and timestamps."""
    set_id = await create(client, OBJECTIVES, "a", "b")

    status, body = await send(http, "GET", OBJECTIVES.path(), None)

    assert 200 == status
    assert [fake.objectives.stored(set_id)] == body["data"]
    assert ["a", "b"] == [o["objective_name"] for o in body["data"][0]["data"]]


async def test_completing_an_objective_calls_back(
    fake: FakeTavus, client: TavusClient
) -> None:
    """complete() POSTs the objective callback to the objective's callback_url."""
    hooked = OBJECTIVES.items("a", callback_url=HOOK)
    request = CreateObjectivesRequest(data=[*hooked, *OBJECTIVES.items("b")])
    set_id = (await client.objectives.create(request)).objectives_id

    sent = fake.objectives.complete(
        set_id, "a", conversation_id="c1", output_variables={"status": "new"}
    )
    silent = fake.objectives.complete(set_id, "b", conversation_id="c1")
    (delivery,) = await fake.wait_callbacks(1)

    assert (True, False) == (sent, silent)
    assert HOOK == delivery.url
    assert {
        "conversation_id": "c1",
        "objective_name": "a",
        "output_variables": {"status": "new"},
    } == delivery.payload
    with pytest.raises(KeyError):
        fake.objectives.complete(set_id, "c", conversation_id="c1")
