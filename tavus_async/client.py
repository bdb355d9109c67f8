"""``TavusClient``: configuration, lifecycle, and the services it exposes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn

import attrs
from cattrs.preconf.json import JsonConverter

from tavus_async import _http, _serde
from tavus_async._gate import Gate
from tavus_async._requester import ClientState, Requester, Shared
from tavus_async._retry import RetryPolicy
from tavus_async.errors import ClientStateError, ValidationError
from tavus_async.services import (
    ConversationsService,
    DocumentsService,
    GuardrailsService,
    ObjectivesService,
    PersonasService,
    PronunciationDictionariesService,
    ReplicasService,
    TranscriptionsService,
    VideosService,
    VoicesService,
)
from tavus_async.session import ClientSession, TraceConfig


__all__ = ["ClientState", "TavusClient"]

_NEW_NAMES = {
    "faces": "Faces are what this client calls replicas (the API's first name, "
    "which it still accepts): use client.replicas; a face_id is a replica_id",
    "pals": "PALs are what this client calls personas (the API's first name, "
    "which it still accepts): use client.personas; a pal_id is a persona_id",
}
"""Tavus's new names for two services, and what to use instead."""


class TavusClient:
    """An asyncio client for the Tavus API.

    Use it as an async context manager, or call :meth:`aclose` yourself::

        async with TavusClient() as client:          # key from TAVUS_API_KEY
            replica = await client.replicas.get("r90bbd427f71")

    The client makes its aiohttp session inside the running loop on first use
    and closes it in :meth:`aclose`. Pass ``session=`` to share a session your
    application owns (a web backend): the client then never closes it.

    A 429, or a ``Retry-After`` on another error such as a 503, pauses every
    request of the client and of its ``with_options`` views, not only the one
    that got it: for the ``Retry-After``, or without one for a backoff that
    doubles with each consecutive pause (one burst of 429s is one step;
    ``initial_delay`` up to ``max_delay`` of the retry policy, never longer
    than ``max_retry_after``); the requests it held leave spread out. A
    ``Retry-After`` longer than ``max_retry_after`` makes every call fail at
    once, unsent, while more than that is left (see docs/retries.md).

    Args:
        api_key: Your Tavus API key; defaults to ``$TAVUS_API_KEY``. It is sent
            as ``x-api-key`` and never appears in a repr, a log line or an
            error message.
        base_url: Defaults to ``$TAVUS_BASE_URL``, else
            ``https://tavusapi.com``. Plain ``http://`` is refused except to
            loopback hosts, unless ``allow_insecure_http`` is True.
        timeout: Seconds for the whole request, or a :class:`Timeout` with
            ``total``, ``connect`` and ``read`` limits.
        max_retries: Retries after the first attempt; defaults to the
            policy's (2). See :class:`RetryPolicy` for the retry rules.
        session: An ``aiohttp.ClientSession`` to send through (not closed by
            the client).
        allow_insecure_http: Accept a plain-http base URL to a remote host.
        connection_limit: Connection pool size of the session the client makes.
        retry_policy: Delays and limits of retrying.
        converter: A converter from :func:`make_converter` with hooks of your own.
        requests_per_second: A budget shared by the client and its
            ``with_options`` views: requests (retries included) leave at least
            ``1 / requests_per_second`` seconds apart, without bursts. None
            (the default) sets no budget.
        trace_configs: ``aiohttp.TraceConfig`` hooks for the session the
            client makes, such as OpenTelemetry's (one span per HTTP request,
            so each retry is a span of its own). With ``session=``, give them
            to your session instead.

    Raises:
        ValidationError: No API key (or one holding a control or non-ASCII
            character), a bad base URL, timeout, retry setting or
            ``requests_per_second``, or ``trace_configs`` with ``session``.

    Attributes:
        replicas: :class:`ReplicasService`, ``/v2/replicas``.
        voices: :class:`VoicesService`, ``/v2/voices``.
        conversations: :class:`ConversationsService`, ``/v2/conversations``.
        personas: :class:`PersonasService`, ``/v2/personas``.
        videos: :class:`VideosService`, ``/v2/videos``.
        documents: :class:`DocumentsService`, ``/v2/documents``.
        objectives: :class:`ObjectivesService`, ``/v2/objectives``.
        guardrails: :class:`GuardrailsService`, ``/v2/guardrails``.
        pronunciation_dictionaries: :class:`PronunciationDictionariesService`,
            ``/v2/pronunciation-dictionaries``.
        transcriptions: :class:`TranscriptionsService`, ``/v2/transcriptions``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | _http.Timeout = _http.Timeout(),  # noqa: B008 - frozen value
        max_retries: int | None = None,
        session: ClientSession | None = None,
        allow_insecure_http: bool = False,
        connection_limit: int = 100,
        retry_policy: RetryPolicy | None = None,
        converter: JsonConverter | None = None,
        requests_per_second: float | None = None,
        trace_configs: Sequence[TraceConfig] = (),
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("TAVUS_API_KEY")
        if not key or not key.strip():
            raise ValidationError.single(
                "api_key",
                "no API key: pass TavusClient(api_key=...) or set TAVUS_API_KEY",
            )
        key = key.strip()
        if not (key.isascii() and key.isprintable()):
            raise ValidationError.single(
                "api_key",
                "holds a control character (such as a line break) or a non-ASCII "
                "one, which cannot be sent in a header; check how the key was "
                "copied (it is not shown here)",
            )
        url = base_url or os.environ.get("TAVUS_BASE_URL") or _http.DEFAULT_BASE_URL
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        if type(connection_limit) is not int or connection_limit < 1:
            raise ValidationError.single(
                "connection_limit", f"must be an integer >= 1, got {connection_limit!r}"
            )
        if isinstance(trace_configs, TraceConfig) or not all(
            isinstance(config, TraceConfig) for config in trace_configs
        ):
            raise ValidationError.single(
                "trace_configs",
                "must be a sequence of aiohttp.TraceConfig, such as "
                f"[create_trace_config()], got {trace_configs!r}",
            )
        if session is not None and trace_configs:
            raise ValidationError.single(
                "trace_configs",
                "applies to the session the client makes; with session=, pass "
                "them to your own session (create_session(trace_configs=...))",
            )
        timeout_ = _http.Timeout.of(timeout)
        gate = Gate(requests_per_second)
        shared = Shared(
            api_key=key,
            base_url=_http.normalize_base_url(
                url, allow_insecure_http=allow_insecure_http
            ),
            session=session,
            connection_limit=connection_limit,
            timeout=timeout_,
            gate=gate,
            trace_configs=trace_configs,
        )
        self._bind(
            Requester(
                shared, converter or _serde.default_converter(), timeout_, policy
            ),
            view=False,
        )

    def _bind(self, requester: Requester, *, view: bool) -> None:
        self._requester = requester
        self._core = requester.shared
        self._view = view
        self.replicas: ReplicasService = ReplicasService(requester)
        self.voices: VoicesService = VoicesService(requester)
        self.conversations: ConversationsService = ConversationsService(requester)
        self.personas: PersonasService = PersonasService(requester)
        self.videos: VideosService = VideosService(requester)
        self.documents: DocumentsService = DocumentsService(requester)
        self.objectives: ObjectivesService = ObjectivesService(requester)
        self.guardrails: GuardrailsService = GuardrailsService(requester)
        self.pronunciation_dictionaries: PronunciationDictionariesService = (
            PronunciationDictionariesService(requester)
        )
        self.transcriptions: TranscriptionsService = TranscriptionsService(requester)

    def with_options(
        self,
        *,
        timeout: float | _http.Timeout | None = None,
        max_retries: int | None = None,
    ) -> TavusClient:
        """A view of this client with other per-call settings.

        The view shares this client's session, lifecycle, pauses after a 429
        and request budget. It owns none of them: its :meth:`aclose` (and
        leaving ``async with view``) does nothing, and it is closed when this
        client is. Use it for one call, such as
        ``client.with_options(max_retries=0).replicas.create(...)``.

        Args:
            timeout: Replaces the timeout (as for the constructor).
            max_retries: Replaces the number of retries.

        Raises:
            ValidationError: A bad value.
        """
        current = self._requester
        policy = current.policy
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        timeout_ = current.timeout if timeout is None else _http.Timeout.of(timeout)
        view = object.__new__(TavusClient)
        view._bind(
            Requester(current.shared, current.converter, timeout_, policy), view=True
        )
        return view

    @property
    def state(self) -> ClientState:
        """The lifecycle state, shared with ``with_options`` views."""
        return self._core.state

    @property
    def is_closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._core.is_closed()

    @property
    def base_url(self) -> str:
        """The base URL requests go to, ending with ``/``."""
        return self._core.base_url

    @property
    def converter(self) -> JsonConverter:
        """The converter that reads and writes the wire format."""
        return self._requester.converter

    async def __aenter__(self) -> TavusClient:
        if self._view:
            self._core.open()
            return self
        if self._core.entered or self._core.state is ClientState.CLOSED:
            raise ClientStateError(
                "a TavusClient can be opened once; create a new one for another "
                "`async with` block"
            )
        self._core.entered = True
        self._core.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client, and its session if the client made it. Idempotent.

        Calls still in progress end at once: one waiting to retry or paused
        after a 429 raises :class:`ClientStateError`, as does one whose
        request the closing cut off, unless it was a create that may have
        reached Tavus (:class:`APIConnectionError`, ``may_have_succeeded``).
        On a :meth:`with_options` view this does nothing: close the client.
        """
        if not self._view:
            await self._core.aclose()

    if not TYPE_CHECKING:  # checkers keep flagging unknown attributes

        def __getattr__(self, name: str) -> NoReturn:
            hint = _NEW_NAMES.get(name)
            message = f"'TavusClient' object has no attribute {name!r}"
            raise AttributeError(
                message if hint is None else f"{message}: {hint}", name=name
            )

    def __repr__(self) -> str:
        return (
            f"TavusClient(base_url={self._core.base_url!r}, state={self.state.value})"
        )
