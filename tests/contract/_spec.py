"""Tavus's OpenAPI document, read once: its operations and what each one takes.

The contract tests use it to refuse a request that sends a query parameter or
a body field the document does not have (Prism validates values, not unknown
names), and the coverage test to list the operations.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml


DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "shared" / "tavus-openapi.yaml"
_METHODS = ("get", "post", "put", "patch", "delete")


def spec_path() -> Path:
    """The document: ``$TAVUS_OPENAPI_SPEC``, else ``../shared/tavus-openapi.yaml``."""
    override = os.environ.get("TAVUS_OPENAPI_SPEC")
    return Path(override).expanduser().resolve() if override else DEFAULT_SPEC


@attrs.frozen
class Operation:
    """One operation of the document."""

    operation_id: str
    method: str
    path: str
    deprecated: bool
    parameters: frozenset[str]
    body: Mapping[str, Any] | None

    def matches(self, method: str, path: str) -> bool:
        """Whether a request ``method path`` is this operation."""
        pattern = re.sub(r"\{[^/}]+\}", "[^/]+", self.path)
        return method.lower() == self.method and re.fullmatch(pattern, path) is not None


@functools.cache
def document() -> Mapping[str, Any]:
    """The parsed document."""
    loaded: Mapping[str, Any] = yaml.safe_load(spec_path().read_text())
    return loaded


def operations() -> Iterator[Operation]:
    """Every operation, in the document's order."""
    for path, item in document()["paths"].items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [_resolve(p) for p in [*shared, *op.get("parameters", [])]]
            content = _resolve(op.get("requestBody", {})).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            yield Operation(
                operation_id=op["operationId"],
                method=method,
                path=path,
                deprecated=bool(op.get("deprecated")),
                parameters=frozenset(p["name"] for p in params if p["in"] == "query"),
                body=None if schema is None else _resolve(schema),
            )


def operation_for(method: str, path: str) -> Operation:
    """The operation a request is.

    Raises:
        LookupError: The document has no such operation.
    """
    for op in operations():
        if op.matches(method, path):
            return op
    raise LookupError(f"the document has no operation {method} {path}")


def undocumented(
    method: str, path: str, query: Mapping[str, str], body: Any
) -> list[str]:
    """What a request sends that its operation does not document.

    Returns:
        One line per query parameter or body field (``body.layers.llm.x``)
        the document does not have; empty when everything is documented.
    """
    op = operation_for(method, path)
    found = [f"query {name!r}" for name in query if name not in op.parameters]
    if body is not None:
        if op.body is None:
            found.append("a body, which the operation does not take")
        else:
            found += _unknown_keys(body, op.body, "body")
    return found


def _resolve(node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = document()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _properties(schema: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The properties a schema allows, and whether it allows others as well."""
    props: dict[str, Any] = {}
    open_ = bool(schema.get("additionalProperties"))
    parts = [
        schema,
        *(
            _resolve(s)
            for key in ("allOf", "oneOf", "anyOf")
            for s in schema.get(key, [])
        ),
    ]
    for part in parts:
        props.update(part.get("properties", {}))
        open_ = open_ or bool(part.get("additionalProperties"))
    if not props:
        open_ = True
    return props, open_


def _unknown_keys(value: Any, schema: Any, where: str) -> list[str]:
    schema = _resolve(schema)
    if isinstance(value, list):
        items = schema.get("items")
        if items is None:
            return []
        return [
            line
            for index, item in enumerate(value)
            for line in _unknown_keys(item, items, f"{where}[{index}]")
        ]
    if not isinstance(value, Mapping):
        return []
    props, open_ = _properties(schema)
    found = []
    for key, item in value.items():
        if key in props:
            found += _unknown_keys(item, props[key], f"{where}.{key}")
        elif not open_:
            found.append(f"{where}.{key}")
    return found
