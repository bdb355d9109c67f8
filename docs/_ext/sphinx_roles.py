"""A griffe extension for the docs build: the docstrings' Sphinx markup as Markdown.

The docstrings are Google style with reStructuredText inline markup, which
reads well in ``help()`` and editors. For mkdocstrings, each role
(``:class:`~tavus_async.TavusClient```, ``:meth:`aclose```, ...) becomes a
cross-reference, resolved from the docstring's own scope (the handler's
``scoped_crossrefs``) so that a reference to nothing fails
``mkdocs build --strict``. A role naming the standard library
(``:func:`asyncio.sleep```) becomes code: the build is offline, without
Python's inventory to link to. A ``::`` that opens a literal block becomes
``:``.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import griffe


_ROLE = re.compile(
    r":(?:class|func|meth|attr|exc|mod|data|obj|const):`(?P<tilde>~?)(?P<target>[\w.]+)`"
)
_LITERAL_BLOCK = re.compile(r"(?<=\S)::$", re.MULTILINE)


def to_markdown(text: str) -> str:
    """The docstring ``text`` with its roles as cross-references.

    Args:
        text: A docstring.

    Returns:
        ``:meth:`~a.B.c``` as ``[`c`][a.B.c]``, ``:class:`B``` as
        ``[`B`][B]``, ``:func:`asyncio.sleep``` as ``asyncio.sleep`` in
        code, and a ``::`` ending a line as ``:``.
    """

    def link(match: re.Match[str]) -> str:
        target = match["target"]
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        if target.split(".", 1)[0] in sys.stdlib_module_names:
            return f"`{shown}`"
        return f"[`{shown}`][{target}]"

    return _LITERAL_BLOCK.sub(":", _ROLE.sub(link, text))


class SphinxRoles(griffe.Extension):
    """Rewrites each loaded docstring with :func:`to_markdown`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, when it has one."""
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
