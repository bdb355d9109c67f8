"""Which classes the services decode, read from their source.

Each decoding call names the class at a known argument (``_DECODED_ARG``):
a class by its name, looked up in the module, so that the very object is
compared; or a class from a config object (``kind.set``), resolved through
the keyword arguments every such object is built with in the services
(``SetKind(set=ObjectiveSet)``). A parameter passed on (``cls``) is allowed
only inside a decoder of the table, whose own callers are read. Anything
the scanner cannot tell (a new decoding function, an expression, a local
variable) fails with what to teach it, so that a service cannot start
decoding a class the properties do not cover.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tavus_async import services


_DECODED_ARG = {
    "call": 2,  # _base.call(requester, request, cls, options)
    "create": 4,  # _base.create(requester, resource, request, Request, cls, options)
    "_http.decode": 3,  # _http.decode(converter, method, response, cls)
    "_http.decode_data": 4,  # _http.decode_data(converter, method, response, data, cls)
    "_serde.loads": 2,  # _serde.loads(converter, body, cls)
    "_serde.structure": 2,  # _serde.structure(converter, data, cls)
    "structure": 1,  # <any converter>.structure(data, cls)
}
"""Where the class to decode is among the arguments of each decoding call."""
_DECODERS = {name.rpartition(".")[2] for name in _DECODED_ARG}
"""The functions a decoding call may name: they pass their ``cls`` on."""


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "<expression>"


def _decoder(call: ast.Call) -> str | None:
    """The table's name for ``call``, None when it decodes nothing.

    Raises:
        AssertionError: The callee is named like a decoder but not in the table.
    """
    name = _dotted(call.func)
    if name in _DECODED_ARG:
        return name
    last = name.rpartition(".")[2]
    if last == "structure":
        return last
    assert not last.lstrip("_").startswith(("decode", "structure", "loads")), (
        f"{name}(...) may decode a class: add it to _DECODED_ARG"
    )
    return None


def _decoded_arg(call: ast.Call, name: str) -> ast.expr:
    position = _DECODED_ARG[name]
    if position < len(call.args):
        return call.args[position]
    (arg,) = [kw.value for kw in call.keywords if kw.arg == "cls"] or [None]
    assert arg is not None, f"{name}(...) line {call.lineno}: no class argument"
    return arg


def _configs(trees: dict[Any, ast.Module]) -> dict[str, dict[str, Any]]:
    """Keyword arguments of the config objects the services build, by keyword.

    A config class is one defined in the services (``SetKind``); each
    keyword given a name maps to the objects that name holds there.
    """
    classes = {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    found: dict[str, dict[str, Any]] = {}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in classes
            ):
                continue
            for keyword in node.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Name):
                    name = keyword.value.id
                    found.setdefault(keyword.arg, {})[name] = getattr(module, name)
    return found


def _calls(tree: ast.Module) -> Iterator[tuple[str, set[str], ast.Call]]:
    """Every call with the parameters and name of the function it is in."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = function.args
            params = {
                a.arg
                for a in (
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                )
            }
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    yield function.name, params, node


def services_decode() -> dict[str, Any]:
    """The classes the services decode a 2xx body into, by the name they use.

    Raises:
        AssertionError: A decoding call the scanner cannot read; the message
            says what to teach it.
    """
    trees = {
        importlib.import_module(f"{services.__name__}.{source.stem}"): ast.parse(
            source.read_text()
        )
        for source in Path(services.__file__).parent.glob("*.py")
    }
    configs = _configs(trees)
    decoded: dict[str, Any] = {}
    for module, tree in trees.items():
        for function, params, call in _calls(tree):
            name = _decoder(call)
            if name is None:
                continue
            arg = _decoded_arg(call, name)
            where = f"{module.__name__}.{function}, line {call.lineno}"
            if isinstance(arg, ast.Name) and arg.id in params:
                assert function in _DECODERS, (
                    f"{where} passes its parameter {arg.id} to {name}: add "
                    f"{function} to _DECODED_ARG"
                )
            elif isinstance(arg, ast.Name):
                assert hasattr(module, arg.id), f"{where}: {arg.id} is not global"
                decoded[arg.id] = getattr(module, arg.id)
            elif isinstance(arg, ast.Attribute) and arg.attr in configs:
                decoded.update(configs[arg.attr])
            else:
                raise AssertionError(f"{where}: which class is {ast.unparse(arg)}?")
    return decoded
