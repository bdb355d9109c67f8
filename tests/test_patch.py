"""JSON-Patch: the operation types, their JSON, the check before sending, diff, apply.

``apply`` is tested on RFC 6902's Appendix A, pointers on RFC 6901's examples,
and ``diff`` against ``apply`` by hypothesis. ``check`` runs against the small
attrs classes below (shaped like a persona), since it must work for any model.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

import attrs
import pytest
from attrs import frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tavus_async._patch import (
    check,
    diff,
    from_wire,
    json_equal,
    parse_pointer,
    pointer,
    to_wire,
)
from tavus_async.errors import ValidationError
from tavus_async.testing._json_patch import PatchError, apply
from tavus_async.types.patch import (
    Add,
    Copy,
    Move,
    PatchOperation,
    Remove,
    Replace,
    Test,
)
from tests.property.strategies import json_scalars


# --- the operation types ---------------------------------------------------


def test_operations_read_positionally_and_by_name() -> None:
    """Fields go in RFC order (from before path); keywords name the same fields."""
    assert Replace(path="/persona_name", value="Ada") == Replace("/persona_name", "Ada")
    assert Move(from_="/a", path="/b") == Move("/a", "/b")
    assert ("/a", "/b") == (Copy("/a", "/b").from_, Copy("/a", "/b").path)


def test_operations_are_frozen() -> None:
    """An operation cannot be changed once built."""
    op = Remove("/a")

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        op.path = "/b"  # type: ignore[misc]


def test_patch_operation_is_the_six_ops() -> None:
    """PatchOperation lists exactly the six RFC 6902 operations, each with its op."""
    names = {cls: cls.op for cls in PatchOperation.__args__}

    expected = {
        Add: "add",
        Remove: "remove",
        Replace: "replace",
        Move: "move",
        Copy: "copy",
        Test: "test",
    }
    assert expected == names


# --- pointers (RFC 6901) ---------------------------------------------------

RFC6901_DOCUMENT = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}
RFC6901_EXAMPLES = [
    ("", RFC6901_DOCUMENT),
    ("/foo", ["bar", "baz"]),
    ("/foo/0", "bar"),
    ("/", 0),
    ("/a~1b", 1),
    ("/c%d", 2),
    ("/e^f", 3),
    ("/g|h", 4),
    ("/i\\j", 5),
    ('/k"l', 6),
    ("/ ", 7),
    ("/m~0n", 8),
]


@pytest.mark.parametrize(("text", "value"), RFC6901_EXAMPLES)
def test_rfc6901_examples_evaluate(text: str, value: Any) -> None:
    """Each RFC 6901 example pointer finds its value (a passing test op)."""
    result = apply(RFC6901_DOCUMENT, [{"op": "test", "path": text, "value": value}])

    assert RFC6901_DOCUMENT == result


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", ()),
        ("/", ("",)),
        ("/foo/0", ("foo", "0")),
        ("/a~1b", ("a/b",)),
        ("/m~0n", ("m~n",)),
        ("/~01", ("~1",)),
        ("/~10", ("/0",)),
        ("//", ("", "")),
        ("/layers/llm/model", ("layers", "llm", "model")),
    ],
)
def test_pointer_escaping_both_ways(text: str, tokens: tuple[str, ...]) -> None:
    """``~1`` is ``/``, ``~0`` is ``~``, unescaped in that order (``~01`` is ``~1``)."""
    assert tokens == parse_pointer(text)
    assert text == pointer(*tokens)


def test_pointer_takes_indexes() -> None:
    """An int token is an array index."""
    assert "/document_ids/0" == pointer("document_ids", 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("persona_name", "'persona_name' must start with '/', as in '/persona_name'"),
        ("#/a", "'#/a' must start with '/', as in '/#/a'"),
        ("/a~", "'/a~' has a '~' not followed by 0 or 1; write '~0' for '~' and"),
        ("/a~2b", "'/a~2b' has a '~' not followed by 0 or 1"),
    ],
)
def test_bad_pointers(text: str, message: str) -> None:
    """A pointer not starting with '/', or with a stray '~', is refused by name."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        parse_pointer(text)


# --- to_wire / from_wire ---------------------------------------------------

WIRE: list[tuple[PatchOperation, dict[str, Any]]] = [
    (Add("/tags/-", "x"), {"op": "add", "path": "/tags/-", "value": "x"}),
    (Add("/a", None), {"op": "add", "path": "/a", "value": None}),
    (Remove("/a"), {"op": "remove", "path": "/a"}),
    (
        Replace("/persona_name", "Ada"),
        {"op": "replace", "path": "/persona_name", "value": "Ada"},
    ),
    (Replace("/a", None), {"op": "replace", "path": "/a", "value": None}),
    (Move("/a", "/b"), {"op": "move", "from": "/a", "path": "/b"}),
    (Copy("/a", "/b"), {"op": "copy", "from": "/a", "path": "/b"}),
    (Test("/a", {"b": [1]}), {"op": "test", "path": "/a", "value": {"b": [1]}}),
]


@pytest.mark.parametrize(("op", "wire"), WIRE)
def test_to_wire(op: PatchOperation, wire: dict[str, Any]) -> None:
    """Each op's JSON, keys in RFC order; a None value is sent as null."""
    assert list(wire.items()) == list(to_wire(op).items())


@pytest.mark.parametrize(("op", "wire"), WIRE)
def test_from_wire_reads_what_to_wire_writes(
    op: PatchOperation, wire: dict[str, Any]
) -> None:
    """Reading the JSON gives the op back."""
    assert op == from_wire(wire, 0)


def test_to_wire_unstructures_the_value_only() -> None:
    """``unstructure`` (the converter's) applies to the value, not the pointers."""
    seen: list[Any] = []

    def unstructure(value: Any) -> Any:
        seen.append(value)
        return {"as": "json"}

    wires = [to_wire(op, unstructure) for op, _ in WIRE]

    assert [
        op.value for op, _ in WIRE if not isinstance(op, Remove | Move | Copy)
    ] == seen
    assert {"op": "move", "from": "/a", "path": "/b"} == wires[5]
    assert {"as": "json"} == wires[0]["value"]


@pytest.mark.parametrize(
    ("data", "op"),
    [
        ({"op": "remove", "path": "/a", "value": 1}, Remove("/a")),
        ({"op": "add", "path": "/a", "value": 1, "xyz": 123}, Add("/a", 1)),
        ({"path": "/a", "op": "copy", "from": "/b", "value": 2}, Copy("/b", "/a")),
        ({"op": "replace", "path": "", "value": []}, Replace("", [])),
    ],
)
def test_from_wire_ignores_members_the_op_does_not_use(
    data: dict[str, Any], op: PatchOperation
) -> None:
    """RFC 6902: members not defined for the operation are ignored."""
    assert op == from_wire(data, 0)


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (
            ["op", "add"],
            [
                (
                    "patch[2]",
                    'must be an object such as {"op": "replace", "path": '
                    '"/persona_name", "value": "Ada"}, got an array',
                )
            ],
        ),
        (
            {},
            [
                (
                    "patch[2].op",
                    "is required: one of add, remove, replace, move, copy or test",
                ),
                (
                    "patch[2].path",
                    "is required; give a JSON Pointer such as '/persona_name'",
                ),
            ],
        ),
        (
            {"op": "rplace", "path": "/a", "value": 1},
            [
                (
                    "patch[2].op",
                    "must be one of add, remove, replace, move, copy or test, "
                    "got 'rplace'; did you mean 'replace'?",
                )
            ],
        ),
        (
            {"op": "Replace", "path": "/a", "value": 1},
            [
                (
                    "patch[2].op",
                    "must be one of add, remove, replace, move, copy or test, "
                    "got 'Replace'; did you mean 'replace'?",
                )
            ],
        ),
        (
            {"op": 1, "path": "/a"},
            [
                (
                    "patch[2].op",
                    "must be a string, one of add, remove, replace, move, copy or "
                    "test; got a number",
                )
            ],
        ),
        (
            {"op": "add", "path": "/a"},
            [("patch[2].value", "is required for add; send null for JSON null")],
        ),
        (
            {"op": "move", "path": "/a"},
            [
                (
                    "patch[2].from",
                    "is required for move; give a JSON Pointer such as '/persona_name'",
                )
            ],
        ),
        (
            {"op": "copy", "from": 3, "path": "/a"},
            [("patch[2].from", "must be a string, got a number")],
        ),
        (
            {"op": "remove", "path": None},
            [("patch[2].path", "must be a string, got null")],
        ),
        (
            {"op": "test", "path": ["a"]},
            [
                ("patch[2].path", "must be a string, got an array"),
                ("patch[2].value", "is required for test; send null for JSON null"),
            ],
        ),
    ],
)
def test_from_wire_errors(data: object, problems: list[tuple[str, str]]) -> None:
    """Every problem of one op is named at once, with the field and the fix."""
    with pytest.raises(ValidationError) as info:
        from_wire(data, 2)

    assert problems == list(info.value.problems)


def test_from_wire_without_an_index() -> None:
    """Without a position the fields are named ``patch.op``, ``patch.path``."""
    with pytest.raises(ValidationError) as info:
        from_wire({"op": "add"})

    assert ["patch.path", "patch.value"] == [f for f, _ in info.value.problems]


# --- check -----------------------------------------------------------------


@frozen(kw_only=True)
class Llm:
    model: str | None = None
    speculative: bool | None = None


@frozen(kw_only=True)
class Layers:
    llm: Llm | None = None
    settings: dict[str, Any] | None = None


@frozen(kw_only=True)
class Rule:
    text: str
    pronunciation: str | None = None


@frozen(kw_only=True)
class Knobs:
    volume: int = 5


@frozen(kw_only=True)
class Thing:
    thing_id: str
    thing_name: str | None = None
    created_at: datetime | None = None
    layers: Layers | None = None
    knobs: Knobs = Knobs()
    document_ids: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    extra: dict[str, Any] | None = None
    anything: Any = None
    mode: Literal["a", "b"] | None = None
    score: int | str | None = None
    grid: tuple[tuple[int, ...], ...] = ()
    pair: tuple[int, str] | None = None
    either: Llm | Rule | None = None
    parent: Thing | None = None


READ_ONLY = frozenset({"thing_id", "created_at"})


@pytest.mark.parametrize(
    "op",
    [
        Replace("/thing_name", "x"),
        Replace("/thing_name", None),
        Replace("/layers/llm/model", 7),
        Remove("/layers"),
        Add("/layers/llm", {"model": "m"}),
        Replace("/layers/settings/any/depth/0", 1),
        Replace("/knobs/volume", 1),
        Add("/document_ids/-", "d"),
        Add("/document_ids/0", "d"),
        Remove("/document_ids/12"),
        Replace("/rules/2/text", "t"),
        Remove("/rules/0/pronunciation"),
        Add("/extra/a~1b/c", 1),
        Replace("/anything/x/0", 1),
        Replace("/grid/0/1", 5),
        Replace("/pair/1/whatever", 5),
        Replace("/either/model", 5),
        Replace("/parent/parent/layers/llm/model", "m"),
        Move("/document_ids/0", "/document_ids/-"),
        Move("/layers/llm", "/layers/settings/llm"),
        Copy("/thing_id", "/thing_name"),
        Copy("/rules/0", "/rules/-"),
        Test("/created_at", None),
        Test("/thing_id", "t1"),
    ],
)
def test_check_accepts(op: PatchOperation) -> None:
    """Pointers into fields, nested classes, arrays and free-form JSON pass."""
    assert (op, Remove("/mode")) == check(
        [op, Remove("/mode")], Thing, read_only=READ_ONLY
    )


@pytest.mark.parametrize(
    ("op", "problems"),
    [
        (
            Replace("/thing_nme", "x"),
            [
                (
                    "patch[0].path",
                    "'/thing_nme': Thing has no field 'thing_nme'; did you mean "
                    "'/thing_name'?",
                )
            ],
        ),
        (
            Replace("/layers/llm/modle", "x"),
            [
                (
                    "patch[0].path",
                    "'/layers/llm/modle': Llm has no field 'modle'; did you mean "
                    "'/layers/llm/model'?",
                )
            ],
        ),
        (
            Remove("/zzz"),
            [("patch[0].path", "'/zzz': Thing has no field 'zzz'")],
        ),
        (
            Replace("/thing_name/x", 1),
            [
                (
                    "patch[0].path",
                    "'/thing_name/x': '/thing_name' is a single value (str), "
                    "with nothing below",
                )
            ],
        ),
        (
            Replace("/mode/x", 1),
            [
                (
                    "patch[0].path",
                    "'/mode/x': '/mode' is a single value ('a' | 'b'), with "
                    "nothing below",
                )
            ],
        ),
        (
            Replace("/score/0", 1),
            [
                (
                    "patch[0].path",
                    "'/score/0': '/score' is a single value (int | str), with "
                    "nothing below",
                )
            ],
        ),
        (
            Replace("/rules/0/text/0", 1),
            [
                (
                    "patch[0].path",
                    "'/rules/0/text/0': '/rules/0/text' is a single value (str), "
                    "with nothing below",
                )
            ],
        ),
        (
            Replace("", {}),
            [
                (
                    "patch[0].path",
                    "'' is the whole document, which cannot be patched at once; "
                    "patch fields one by one, such as '/thing_name'",
                )
            ],
        ),
        (
            Replace("thing_name", 1),
            [
                (
                    "patch[0].path",
                    "'thing_name' must start with '/', as in '/thing_name'",
                )
            ],
        ),
        (
            Replace("/a~2", 1),
            [
                (
                    "patch[0].path",
                    "'/a~2' has a '~' not followed by 0 or 1; write '~0' for '~' "
                    "and '~1' for '/'",
                )
            ],
        ),
        (
            Replace("/thing_id", "x"),
            [("patch[0].path", "'/thing_id' is set by Tavus; it cannot be patched")],
        ),
        (
            Remove("/created_at"),
            [("patch[0].path", "'/created_at' is set by Tavus; it cannot be patched")],
        ),
        (
            Move("/thing_id", "/thing_name"),
            [("patch[0].from", "'/thing_id' is set by Tavus; it cannot be patched")],
        ),
        (
            Remove("/document_ids/-"),
            [
                (
                    "patch[0].path",
                    "'/document_ids/-': '-' is past the end of '/document_ids'; "
                    "only the target of add, move or copy may end with it, to append",
                )
            ],
        ),
        (
            Copy("/rules/-", "/rules/0"),
            [
                (
                    "patch[0].from",
                    "'/rules/-': '-' is past the end of '/rules'; only the target "
                    "of add, move or copy may end with it, to append",
                )
            ],
        ),
        (
            Add("/rules/-/text", "t"),
            [
                (
                    "patch[0].path",
                    "'/rules/-/text': '-' is past the end of '/rules'; only the "
                    "target of add, move or copy may end with it, to append",
                )
            ],
        ),
        (
            Replace("/document_ids/x", 1),
            [
                (
                    "patch[0].path",
                    "'/document_ids/x': '/document_ids' is an array; 'x' is not "
                    "an index",
                )
            ],
        ),
        (
            Replace("/document_ids/01", 1),
            [
                (
                    "patch[0].path",
                    "'/document_ids/01': '/document_ids' is an array; '01' is not "
                    "an index",
                )
            ],
        ),
        (
            Move("/layers", "/layers/llm"),
            [
                (
                    "patch[0].path",
                    "'/layers/llm' lies inside '/layers'; a value cannot be moved "
                    "into itself",
                )
            ],
        ),
        (
            Replace(5, "x"),  # type: ignore[arg-type]
            [
                (
                    "patch[0].path",
                    "must be a JSON Pointer string such as '/thing_name', got a number",
                )
            ],
        ),
    ],
)
def test_check_refuses(op: PatchOperation, problems: list[tuple[str, str]]) -> None:
    """Each bad pointer is named with the op's position and the fix."""
    with pytest.raises(ValidationError) as info:
        check([op], Thing, read_only=READ_ONLY)

    assert problems == list(info.value.problems)


def test_check_reports_every_problem_at_once() -> None:
    """One ValidationError lists each bad pointer of each op, in order."""
    patch: list[PatchOperation] = [
        Replace("/thing_nme", "x"),
        Replace("/thing_name", "ok"),
        Move("/thing_id", "/nope"),
        Remove("/rules/x"),
    ]

    with pytest.raises(ValidationError) as info:
        check(patch, Thing, read_only=READ_ONLY)

    fields = ["patch[0].path", "patch[2].path", "patch[2].from", "patch[3].path"]
    assert fields == [field for field, _ in info.value.problems]
    assert "patch[0].path" == info.value.field


def test_check_never_suggests_a_read_only_field() -> None:
    """A name close to a field Tavus sets is not pointed at that field."""
    with pytest.raises(ValidationError) as info:
        check([Replace("/thing_ix", "x")], Thing, read_only=READ_ONLY)

    assert "'/thing_id'" not in str(info.value)


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([], "patch: is empty; give at least one operation"),
        ((), "patch: is empty; give at least one operation"),
        (
            "/thing_name",
            "patch: must be a list of operations such as "
            "[Replace('/thing_name', ...)], got a string",
        ),
        (
            Replace("/thing_name", 1),
            "patch: must be a list of operations such as "
            "[Replace('/thing_name', ...)], got Replace",
        ),
        (
            {"op": "remove", "path": "/thing_name"},
            "patch: must be a list of operations such as "
            "[Replace('/thing_name', ...)], got an object",
        ),
        (
            [Remove("/layers"), {"op": "remove", "path": "/layers"}],
            "patch[1]: must be an operation such as Replace, got an object",
        ),
    ],
)
def test_check_refuses_what_is_not_a_patch(operations: Any, message: str) -> None:
    """An empty patch, a single op, or a JSON op not read by from_wire is refused."""
    with pytest.raises(ValidationError) as info:
        check(operations, Thing, read_only=READ_ONLY)

    assert message == str(info.value)


def test_check_returns_a_tuple() -> None:
    """The checked operations come back as a tuple, in order."""
    patch: list[PatchOperation] = [Replace("/thing_name", "x"), Remove("/layers")]

    assert tuple(patch) == check(patch, Thing)


def test_check_needs_an_attrs_class() -> None:
    """A model that is not an attrs class is a programming error."""
    with pytest.raises(TypeError, match="model must be an attrs class"):
        check([Remove("/a")], dict)


# --- apply: RFC 6902 Appendix A --------------------------------------------

APPENDIX_A = [
    (
        "A.1 adding an object member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2 adding an array element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    (
        "A.3 removing an object member",
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    (
        "A.4 removing an array element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5 replacing a value",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6 moving a value",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7 moving an array element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8 testing a value: success",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10 adding a nested member object",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11 ignoring unrecognized elements",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    (
        "A.14 ~ escape ordering",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    (
        "A.16 adding an array value",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
]
APPENDIX_A_ERRORS = [
    (
        "A.9 testing a value: error",
        {"baz": "qux"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        "patch[0]: test '/baz': the value there is not the one tested",
    ),
    (
        "A.12 adding to a nonexistent target",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        "patch[0]: add '/baz/bat': the document has no member 'baz'",
    ),
    (
        "A.15 comparing strings and numbers",
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": "10"}],
        "patch[0]: test '/~01': the value there is not the one tested",
    ),
]


@pytest.mark.parametrize(
    ("document", "patch", "expected"),
    [case[1:] for case in APPENDIX_A],
    ids=[case[0] for case in APPENDIX_A],
)
def test_appendix_a(
    document: dict[str, Any], patch: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    """Each successful example of RFC 6902 Appendix A gives the RFC's result."""
    before = json.dumps(document)

    result = apply(document, patch)

    assert expected == result
    assert before == json.dumps(document)


@pytest.mark.parametrize(
    ("document", "patch", "message"),
    [case[1:] for case in APPENDIX_A_ERRORS],
    ids=[case[0] for case in APPENDIX_A_ERRORS],
)
def test_appendix_a_errors(
    document: dict[str, Any], patch: list[dict[str, Any]], message: str
) -> None:
    """Each failing example of Appendix A fails, as one that does not fit."""
    with pytest.raises(PatchError) as info:
        apply(document, patch)

    assert (message, 0, False) == (
        str(info.value),
        info.value.index,
        info.value.malformed,
    )


def test_appendix_a13_duplicate_op_is_never_an_add() -> None:
    """A.13: an op holding "op" twice is never its first op (JSON keeps the last)."""
    patch = json.loads(
        '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]'
    )

    with pytest.raises(PatchError, match="remove '/baz'"):
        apply({"foo": "bar"}, patch)


# --- apply: more cases -----------------------------------------------------


@pytest.mark.parametrize(
    ("document", "patch", "expected"),
    [
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/2", "value": 3}], {"a": [1, 2, 3]}),
        ({"a": [1]}, [{"op": "add", "path": "/a/0", "value": 0}], {"a": [0, 1]}),
        ({"a": [1, 2]}, [{"op": "replace", "path": "/a/1", "value": 3}], {"a": [1, 3]}),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/0"}], {"a": [2]}),
        ({"a": 1}, [{"op": "add", "path": "/a", "value": None}], {"a": None}),
        ({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}),
        ({"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}),
        (
            {"a": {"b": 1}},
            [{"op": "move", "from": "/a/b", "path": "/b"}],
            {"a": {}, "b": 1},
        ),
        (
            {"a": {"b": 1}},
            [{"op": "move", "from": "/a", "path": "/c"}],
            {"c": {"b": 1}},
        ),
        (
            {"a": [1, 2]},
            [{"op": "copy", "from": "/a/0", "path": "/a/-"}],
            {"a": [1, 2, 1]},
        ),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}], {"a": 1}),
        (
            {"a": {"x": 1, "y": [2]}},
            [{"op": "test", "path": "/a", "value": {"y": [2], "x": 1}}],
            {"a": {"x": 1, "y": [2]}},
        ),
        ({"a": None}, [{"op": "test", "path": "/a", "value": None}], {"a": None}),
        ({"a": (1, 2)}, [{"op": "test", "path": "/a", "value": [1, 2]}], {"a": [1, 2]}),
        ({"a": 1}, [], {"a": 1}),
        (
            {"a": {"x": 1}},
            [
                {"op": "copy", "from": "/a", "path": "/b"},
                {"op": "replace", "path": "/b/x", "value": 2},
            ],
            {"a": {"x": 1}, "b": {"x": 2}},
        ),
    ],
)
def test_apply(
    document: dict[str, Any], patch: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    """Array inserts, root replace, moves, copies, and JSON equality in tests."""
    assert expected == apply(document, patch)


@pytest.mark.parametrize(
    ("document", "patch", "message"),
    [
        (
            {"a": 1},
            [{"op": "replace", "path": "/b", "value": 2}],
            "patch[0]: replace '/b': the document has no member 'b'",
        ),
        (
            {"a": 1},
            [{"op": "remove", "path": "/b"}],
            "patch[0]: remove '/b': the document has no member 'b'",
        ),
        (
            {"a": [1, 2]},
            [{"op": "add", "path": "/a/3", "value": 3}],
            "patch[0]: add '/a/3': the array '/a' (2 items) has no index '3'",
        ),
        (
            {"a": [1, 2]},
            [{"op": "add", "path": "/a/01", "value": 3}],
            "patch[0]: add '/a/01': the array '/a' (2 items) has no index '01'",
        ),
        (
            {"a": [1, 2]},
            [{"op": "remove", "path": "/a/2"}],
            "patch[0]: remove '/a/2': the array '/a' (2 items) has no index '2'",
        ),
        (
            {"a": [1, 2]},
            [{"op": "replace", "path": "/a/-", "value": 3}],
            "patch[0]: replace '/a/-': the array '/a' (2 items) has no index '-'",
        ),
        (
            {"a": 1},
            [{"op": "add", "path": "/a/b", "value": 3}],
            "patch[0]: add '/a/b': '/a' is a number, with nothing below",
        ),
        (
            {"a": "s"},
            [{"op": "test", "path": "/a/b/c", "value": 3}],
            "patch[0]: test '/a/b/c': '/a' is a string, with nothing below",
        ),
        (
            {"a": 1},
            [{"op": "test", "path": "/a", "value": True}],
            "patch[0]: test '/a': the value there is not the one tested",
        ),
        (
            {"a": [1, 2]},
            [{"op": "test", "path": "/a", "value": [2, 1]}],
            "patch[0]: test '/a': the value there is not the one tested",
        ),
        (
            {"a": 1},
            [{"op": "move", "from": "/b", "path": "/b"}],
            "patch[0]: move '/b' to '/b': the document has no member 'b'",
        ),
        (
            {"a": 1},
            [{"op": "copy", "from": "/b", "path": "/c"}],
            "patch[0]: copy '/b' to '/c': the document has no member 'b'",
        ),
        (
            {"a": 1},
            [{"op": "remove", "path": ""}],
            "patch[0]: remove '': the whole document cannot be removed",
        ),
        (
            {"a": 1},
            [{"op": "replace", "path": "", "value": [1]}],
            "the document must stay an object, not become an array",
        ),
        (
            {"a": 1},
            [
                {"op": "test", "path": "/a", "value": 1},
                {"op": "remove", "path": "/a"},
                {"op": "remove", "path": "/a"},
            ],
            "patch[2]: remove '/a': the document has no member 'a'",
        ),
    ],
)
def test_apply_fails_when_the_patch_does_not_fit(
    document: dict[str, Any], patch: list[dict[str, Any]], message: str
) -> None:
    """A missing target, a bad index or a failed test fails the whole patch."""
    with pytest.raises(PatchError) as info:
        apply(document, patch)

    assert (message, False) == (str(info.value), info.value.malformed)


@pytest.mark.parametrize(
    ("patch", "message", "index"),
    [
        (
            {"op": "remove", "path": "/a"},
            "a patch must be an array of operations, got an object",
            None,
        ),
        ("[]", "a patch must be an array of operations, got a string", None),
        (
            [{"op": "remove"}],
            "patch[0].path: is required; give a JSON Pointer such as '/persona_name'",
            0,
        ),
        ([{"op": "remove", "path": "/a"}, 7], "patch[1]: must be an object such as", 1),
        (
            [{"op": "remove", "path": "a"}],
            "patch[0]: 'a' must start with '/', as in '/a'",
            0,
        ),
        (
            [{"op": "copy", "from": "/a~", "path": "/b"}],
            "patch[0]: '/a~' has a '~' not followed by 0 or 1",
            0,
        ),
        (
            [{"op": "move", "from": "/a", "path": "/a/b"}],
            "patch[0]: '/a/b' lies inside '/a'; a value cannot be moved into itself",
            0,
        ),
        (
            [{"op": "test", "path": "/a", "value": 2}, {"op": "nope", "path": "/a"}],
            "patch[1].op: must be one of add, remove, replace, move, copy or test, "
            "got 'nope'",
            1,
        ),
    ],
)
def test_apply_refuses_a_malformed_patch(
    patch: Any, message: str, index: int | None
) -> None:
    """Malformed patches fail before any op applies, even after a failing test."""
    with pytest.raises(PatchError) as info:
        apply({"a": {"b": 1}}, patch)

    assert str(info.value).startswith(message)
    assert (index, True) == (info.value.index, info.value.malformed)


def test_apply_shares_nothing_with_its_inputs() -> None:
    """The input document and the patch's values are never changed or shared."""
    document = {"a": [1], "b": {"c": 2}}
    value = {"x": [1]}
    patch: list[dict[str, Any]] = [
        {"op": "add", "path": "/v", "value": value},
        {"op": "add", "path": "/a/-", "value": 2},
    ]

    result = apply(document, patch)
    result["v"]["x"].append(9)
    result["b"]["c"] = 3

    assert {"a": [1], "b": {"c": 2}} == document
    assert {"x": [1]} == value
    assert {"a": [1, 2], "b": {"c": 3}, "v": {"x": [1, 9]}} == result


def test_apply_is_all_or_nothing() -> None:
    """An op that fails after others have applied leaves the input as it was."""
    document = {"a": 1}

    with pytest.raises(PatchError):
        apply(
            document, [{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/b"}]
        )

    assert {"a": 1} == document


def test_apply_never_puts_a_value_in_its_message() -> None:
    """A failed test names the op and pointer, not the value (a persona holds keys)."""
    with pytest.raises(PatchError) as info:
        apply(
            {"key": "sk-secret"}, [{"op": "test", "path": "/key", "value": "sk-other"}]
        )

    assert "sk-" not in str(info.value)


def test_patch_error_is_a_value_error() -> None:
    """Callers that catch ValueError catch a bad patch."""
    with pytest.raises(ValueError, match="has no member"):
        apply({}, [{"op": "remove", "path": "/a"}])


# --- diff ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "operations"),
    [
        ({}, {}, ()),
        ({"a": 1}, {"a": 1.0}, ()),
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}, ()),
        ({"a": 1}, {"a": True}, (Replace("/a", True),)),
        ({"a": 0}, {"a": False}, (Replace("/a", False),)),
        ({"a": 1}, {}, (Remove("/a"),)),
        ({}, {"a": None}, (Add("/a", None),)),
        ({"a": 1}, {"a": None}, (Replace("/a", None),)),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}, (Replace("/a/c", 3),)),
        ({"a": {"b": {"c": 1}}}, {"a": {"b": {}}}, (Remove("/a/b/c"),)),
        ({"a": [1, 2, 3]}, {"a": [1, 3]}, (Replace("/a", [1, 3]),)),
        ({"a": [{"b": 1}]}, {"a": [{"b": 2}]}, (Replace("/a", [{"b": 2}]),)),
        ({"a": {"b": 1}}, {"a": [1]}, (Replace("/a", [1]),)),
        ({"a": [1]}, {"a": {"0": 1}}, (Replace("/a", {"0": 1}),)),
        ({"b": 1, "a": 1}, {}, (Remove("/a"), Remove("/b"))),
        (
            {"m~n": 1, "a/b": 1},
            {"": 2},
            (Add("/", 2), Remove("/a~1b"), Remove("/m~0n")),
        ),
        ({"x": "1"}, {"x": 1}, (Replace("/x", 1),)),
    ],
)
def test_diff(
    old: dict[str, Any], new: dict[str, Any], operations: tuple[PatchOperation, ...]
) -> None:
    """Objects recurse in sorted order; arrays and single values are replaced whole."""
    assert operations == diff(old, new)


def test_diff_copies_its_values() -> None:
    """Changing ``new`` afterwards does not change the operations."""
    new = {"a": {"x": [1]}}
    operations = diff({}, new)
    new["a"]["x"].append(2)

    assert (Add("/a", {"x": [1]}),) == operations


_KEYS = st.sampled_from(["a", "b", "a/b", "~", "~1", ""])


def _objects(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_KEYS, values, max_size=4)


_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=3), _objects(children)),
    max_leaves=10,
)
"""JSON values over a few keys, so that two objects often share members."""
_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_SETTINGS
@given(old=_objects(_values), new=_objects(_values))
def test_applying_the_diff_gives_the_new_object(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    """apply(old, diff(old, new)) is new, JSON-equal (so true is not 1)."""
    patch = [to_wire(op) for op in diff(old, new)]

    result = apply(old, patch)

    assert json_equal(new, result)
    assert new == result


@_SETTINGS
@given(document=_objects(_values))
def test_diff_of_equal_objects_is_empty(document: dict[str, Any]) -> None:
    """An object compared with itself (or a copy) needs no operations."""
    assert () == diff(document, json.loads(json.dumps(document)))
    assert () == diff(document, document)


@_SETTINGS
@given(old=_objects(_values), new=_objects(_values))
def test_diff_round_trips_through_the_wire(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    """Every op diff makes survives to_wire, JSON text and from_wire."""
    operations = diff(old, new)
    sent = json.loads(json.dumps([to_wire(op) for op in operations]))

    assert operations == tuple(from_wire(item, i) for i, item in enumerate(sent))
