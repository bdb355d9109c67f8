"""A command group made from one table row: create, get, list, delete, ...

:class:`Family` describes a resource family's group (its service, id, create
request and list filters); :func:`declare` declares its commands on the frame
of :mod:`tavus_async.cli._commands`, so that every family shares one
implementation of them. A create reads ``--file`` (a JSON object, ``-`` for
standard input) into the family's request type, or builds the request from
flags, not both; a patch reads ``--file`` as a JSON-Patch. Problems in a file
are named by their JSON path (see :mod:`tavus_async.cli._json_files`).
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Callable
from typing import Any

from attrs import frozen

from tavus_async import TavusClient, ValidationError
from tavus_async.cli._commands import (
    PAGING,
    Items,
    Opt,
    command,
    given,
    group,
    items,
    number,
    positional,
    text,
)
from tavus_async.cli._common import UsageError
from tavus_async.cli._json_files import file_error, read_patch, read_request


__all__ = ["PAGING_FROM_0", "Create", "Family", "declare", "values"]

PAGING_FROM_0 = (
    PAGING[0],
    number("--page", "page number, from 0 as Tavus counts them (not with --all)"),
    PAGING[2],
)


@frozen(kw_only=True)
class Create:
    """A family's create: its request type, and the flags that may stand for a file.

    Attributes:
        name: The command and the service's method (``create``, ``generate``).
        help: The command's help.
        example: Its example, after ``tavus-async GROUP NAME``.
        request: The request type ``--file`` is read into.
        flags: Options of the request's common fields, by field name (no
            ``--file`` is needed then; not both). Empty: ``--file`` only.
        build: Makes the request from the flags; None: ``request(**flags)``.
    """

    name: str
    help: str
    example: str
    request: type
    flags: tuple[Opt, ...] = ()
    build: Callable[[Namespace], object] | None = None

    def file_option(self) -> Opt:
        """``--file FILE``: required unless there are flags."""
        what = f"the {self.request.__name__} as a JSON object; - for standard input"
        if not self.flags:
            return text("--file", what, "FILE", required=True)
        return text("--file", f"{what} (instead of the flags)", "FILE")


@frozen(kw_only=True)
class Family:
    """One command group on a service of the client.

    Attributes:
        group: The group's name, such as ``personas``; with ``_`` for ``-``,
            the client's attribute that holds the service.
        help: The group's help.
        noun: One item, for the commands' help: ``a persona``.
        plural: Items: ``personas``.
        id: The id's positional argument, named as the service names the id
            in its errors.
        id_field: The id's field in Tavus's answers, printed by delete,
            rename and patch; None: the positional argument's name.
        example_id: An id, for the examples.
        create: The create command.
        list_example: The list command's example.
        filters: The list's filters, by the service's keyword names.
        paging: ``PAGING``, or pages counted from 0.
        get: More options of ``get``, by keyword (``--verbose``).
        delete: More options of ``delete``, by keyword (``--hard``).
        patch_example: The patch command's example; None: no JSON-Patch.
        rename: The name's field, for a ``rename ID NAME`` command (such as
            ``video_name``); None: no rename.
    """

    group: str
    help: str
    noun: str
    plural: str
    id: Opt
    id_field: str | None = None
    example_id: str
    create: Create
    list_example: str
    filters: tuple[Opt, ...] = ()
    paging: tuple[Opt, ...] = PAGING
    get: tuple[Opt, ...] = ()
    delete: tuple[Opt, ...] = ()
    patch_example: str | None = None
    rename: str | None = None

    @property
    def key(self) -> str:
        """The id's field in what the commands print, such as ``persona_id``."""
        return self.id_field or self.id.dest

    def item_id(self, args: Namespace) -> str:
        """The id given on the command line."""
        return str(getattr(args, self.id.dest))

    def service(self, client: TavusClient) -> Any:
        """The family's service on ``client``, such as ``client.personas``."""
        return getattr(client, self.group.replace("-", "_"))


def declare(family: Family) -> None:
    """Declare ``family``'s group and its create, get, list and delete, then
    its rename and patch if it has them."""
    group(family.group, family.help)
    spec, name, noun = family.create, family.group, family.noun
    one = (family.example_id, family.id)  # the example, then the id's argument
    file = spec.file_option()

    @command(f"{name} {spec.name}", spec.help, spec.example, file, *spec.flags)
    async def create(client: TavusClient, args: Namespace) -> Items:
        request = _request(spec, args)
        yield await getattr(family.service(client), spec.name)(request)

    @command(f"{name} get", f"print {noun}", *one, *family.get)
    async def get(client: TavusClient, args: Namespace) -> Items:
        service = family.service(client)
        yield await service.get(family.item_id(args), **given(args, family.get))

    @command(
        f"{name} list",
        f"print {family.plural}, one per line",
        family.list_example,
        *family.paging,
        *family.filters,
    )
    def list_(client: TavusClient, args: Namespace) -> Items:
        service = family.service(client)
        filters = given(args, family.filters)
        return items(args, service.list, service.iter_all, **filters)

    @command(f"{name} delete", f"delete {noun}", *one, *family.delete)
    async def delete(client: TavusClient, args: Namespace) -> Items:
        item_id = family.item_id(args)
        await family.service(client).delete(item_id, **given(args, family.delete))
        yield {family.key: item_id, "deleted": True}

    if family.rename is not None:
        _declare_rename(family, family.rename)
    if family.patch_example is not None:
        _declare_patch(family)


def _declare_rename(family: Family, field: str) -> None:
    @command(
        f"{family.group} rename",
        f"rename {family.noun}; print its id and new name",
        f"{family.example_id} 'New name'",
        family.id,
        positional(field, "the new name"),
    )
    async def rename(client: TavusClient, args: Namespace) -> Items:
        item_id, name = family.item_id(args), getattr(args, field)
        await family.service(client).rename(item_id, name)
        yield {family.key: item_id, field: name}


def _declare_patch(family: Family) -> None:
    noun = family.noun

    @command(
        f"{family.group} patch",
        f"change {noun} with a JSON-Patch (RFC 6902); print whether it changed",
        f"{family.example_id} {family.patch_example}",
        family.id,
        text(
            "--file",
            "a JSON array of operations; - for standard input",
            "FILE",
            required=True,
        ),
    )
    async def patch(client: TavusClient, args: Namespace) -> Items:
        item_id = family.item_id(args)
        operations = read_patch(args.file)
        try:
            changed = await family.service(client).patch(item_id, operations)
        except ValidationError as exc:
            if all(field.startswith("patch") for field, _ in exc.problems):
                raise file_error("--file", args.file, exc) from None
            raise
        yield {family.key: item_id, "changed": changed}


def _request(spec: Create, args: Namespace) -> object:
    """The request of a create: read from ``--file``, or made from the flags."""
    if args.file is None:
        if spec.build is not None:
            return spec.build(args)
        return spec.request(**values(args, spec.flags))
    named = [opt.names[0] for opt in spec.flags if getattr(args, opt.dest) is not None]
    if named:
        raise UsageError(
            f"--file: not with {', '.join(named)}; give --file or flags, not both "
            "(put those fields in the file)"
        )
    return read_request(args.file, spec.request)


def values(args: Namespace, options: tuple[Opt, ...]) -> dict[str, Any]:
    """The values of ``options`` by ``dest``, None for those not given."""
    return {opt.dest: getattr(args, opt.dest) for opt in options}
