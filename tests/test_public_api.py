"""The public surface: sorted, complete __all__s and the installed version."""

from __future__ import annotations

import importlib
import importlib.resources
import types
from importlib.metadata import version

import pytest

import tavus_async


MODULES = [
    "tavus_async",
    "tavus_async.errors",
    "tavus_async.types",
    "tavus_async.services",
    "tavus_async.session",
    "tavus_async.client",
    "tavus_async.watch",
    "tavus_async.watch.events",
    "tavus_async.watch.sources",
    "tavus_async.watch.watcher",
    "tavus_async.watch.replicas",
    "tavus_async.types.webhooks",
    "tavus_async.webhooks",
    "tavus_async.testing",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_complete(name: str) -> None:
    """__all__ is sorted, names only what exists, and lists every public name.

    A package's public names are what it re-exports from tavus_async; a
    module's are what it defines itself.
    """
    module = importlib.import_module(name)
    is_package = hasattr(module, "__path__")
    public = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and not isinstance(value, types.ModuleType)
        and isinstance(getattr(value, "__module__", None), str)
        and (
            value.__module__.startswith("tavus_async")
            if is_package
            else value.__module__ == name
        )
    }

    assert sorted(module.__all__) == module.__all__
    assert set() == public - set(module.__all__)
    assert all(hasattr(module, n) for n in module.__all__)


def test_version_matches_installed_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert version("tavus-async") == tavus_async.__version__


def test_unknown_attribute_raises() -> None:
    """The lazy module attribute hook only knows __version__."""
    with pytest.raises(AttributeError):
        tavus_async.nope  # type: ignore[attr-defined]  # noqa: B018


def test_py_typed_is_shipped() -> None:
    """The package declares its annotations to type checkers."""
    assert (importlib.resources.files("tavus_async") / "py.typed").is_file()
