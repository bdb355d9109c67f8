"""The test-facing controls of the fake Tavus server: its state and its clock.

:class:`StateControls` is the base of :class:`~tavus_async.testing.FakeTavus` that
seeds and inspects replicas, voices and conversations, drives replica training
and scripted timelines, decides what List Replicas shows, and owns the fake's
virtual clock. Nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from typing import Any

from tavus_async.testing._dictionaries import PronunciationDictionaries
from tavus_async.testing._documents import Documents
from tavus_async.testing._faults import ApiError
from tavus_async.testing._guardrails import Guardrails
from tavus_async.testing._objectives import Objectives
from tavus_async.testing._personas import Personas
from tavus_async.testing._state import DURATION_ERROR, State
from tavus_async.testing._timeline import TimelineStep
from tavus_async.testing._transcriptions import Transcriptions
from tavus_async.testing._videos import Videos


__all__ = ["StateControls"]


def _check_forward(seconds: float) -> None:
    if not seconds >= 0:
        raise ValueError(f"cannot move the clock backwards by {seconds}")


class StateControls:
    """Seeding, inspection, training, timeline, listing and clock controls.

    The base of :class:`~tavus_async.testing.FakeTavus`, whose docstring says how
    the fake's time works.
    """

    def __init__(
        self, *, training_time: float, training_spread: float, seed: int | None
    ) -> None:
        """Create the state: stock voices, no replicas, clock offset 0."""
        self._offset = 0.0
        self._state = State(self.clock, random.Random(seed))
        self.training_time = training_time
        self.training_spread = training_spread

    # Resource families beyond replicas, conversations and voices

    @property
    def personas(self) -> Personas:
        """The fake's personas and their controls."""
        return self._state.families.personas

    @property
    def videos(self) -> Videos:
        """The fake's videos and their controls (generation time, failures)."""
        return self._state.families.videos

    @property
    def documents(self) -> Documents:
        """The fake's knowledge-base documents and their controls."""
        return self._state.families.documents

    @property
    def objectives(self) -> Objectives:
        """The fake's objectives."""
        return self._state.families.objectives

    @property
    def guardrails(self) -> Guardrails:
        """The fake's guardrails."""
        return self._state.families.guardrails

    @property
    def pronunciation_dictionaries(self) -> PronunciationDictionaries:
        """The fake's pronunciation dictionaries."""
        return self._state.families.pronunciation_dictionaries

    @property
    def transcriptions(self) -> Transcriptions:
        """The fake's transcriptions and their controls."""
        return self._state.families.transcriptions

    # Clock

    def clock(self) -> float:
        """The fake's current time in seconds: loop time plus the advanced offset.

        Outside a running event loop, :func:`time.monotonic` stands in for the
        loop's time. Pass it as ``clock=fake.clock``, together with
        ``sleep=fake.sleep``, to code that accepts an injectable clock and sleep
        (such as the replica watcher), so that both share the fake's time.
        """
        try:
            base = asyncio.get_running_loop().time()
        except RuntimeError:
            base = time.monotonic()
        return base + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward by ``seconds`` (at least 0)."""
        _check_forward(seconds)
        self._offset += seconds
        self._state.outbox.notify()

    async def sleep(self, seconds: float) -> None:
        """A virtual :func:`asyncio.sleep`: yield once, then advance the clock.

        It first yields control to the event loop once (``await
        asyncio.sleep(0)``), then moves the fake's clock forward by ``seconds``
        without waiting, so hours of training pass in milliseconds. A sleep
        cancelled while yielding does not move the clock. Pass it as
        ``sleep=fake.sleep``, together with ``clock=fake.clock``, to code that
        accepts an injectable sleep and clock.

        Args:
            seconds: How far to move the clock, at least 0.

        Raises:
            ValueError: ``seconds`` is negative (raised before yielding).
        """
        _check_forward(seconds)
        await asyncio.sleep(0)
        self._offset += seconds
        self._state.outbox.notify()

    # Seeding and inspection

    def add_replica(
        self,
        *,
        replica_name: str = "Stock replica",
        replica_type: str = "system",
        status: str = "completed",
        model_name: str = "phoenix-3",
        error_message: str | None = None,
        timeline: Sequence[TimelineStep] | None = None,
    ) -> str:
        """Add a replica whose training is over, or that follows a timeline.

        Args:
            replica_name: Its name.
            replica_type: ``"system"`` (stock) or ``"user"``; any string is kept.
            status: Its status; with a ``timeline``, its status before the first
                step. Progress is ``100/100`` when ``"completed"``, else ``0/100``.
            model_name: Its Phoenix model.
            error_message: Its error message (before the first step, if any).
            timeline: Steps it follows from its creation, as with
                :meth:`set_timeline`.

        Returns:
            The new replica's id.

        Raises:
            ValueError: ``timeline`` is empty or out of order; nothing is added.
        """
        return self._state.add_replica(
            replica_name, replica_type, model_name, status, error_message, timeline
        )

    def add_voice(
        self,
        voice_name: str,
        *,
        tags: Sequence[str] = (),
        replica_id: str | None = None,
    ) -> None:
        """Add a stock voice (replacing one of the same name, case-insensitive).

        ``replica_id`` defaults to a newly generated id.
        """
        self._state.add_voice(voice_name, tags, replica_id)

    def replica(self, replica_id: str) -> dict[str, Any]:
        """The current wire JSON of a replica (verbose); ``KeyError`` if unknown."""
        try:
            return self._state.get_replica(replica_id, {"verbose": "true"})
        except ApiError:
            raise KeyError(replica_id) from None

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        """The current wire JSON of a conversation (verbose); ``KeyError`` if not."""
        try:
            return self._state.get_conversation(conversation_id, {"verbose": "true"})
        except ApiError:
            raise KeyError(conversation_id) from None

    # Training and timelines

    @property
    def training_time(self) -> float:
        """Seconds (at least 0) that replicas created from now on spend training."""
        return self._state.training_time

    @training_time.setter
    def training_time(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"training_time must be at least 0, got {seconds}")
        self._state.training_time = seconds

    @property
    def training_spread(self) -> float:
        """Up to this many extra seconds (at least 0) of training per new replica.

        Each replica created from now on trains for :attr:`training_time` plus
        a random share of this, drawn from the fake's seeded random generator,
        so a batch finishes spread over time rather than all at once.
        """
        return self._state.training_spread

    @training_spread.setter
    def training_spread(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"training_spread must be at least 0, got {seconds}")
        self._state.training_spread = seconds

    @property
    def failure_rate(self) -> float:
        """The share (0 to 1) of replicas created from now on whose training fails.

        Each new replica is drawn from the fake's seeded random generator: one
        that draws a failure ends its training in status ``"error"`` with the
        default :meth:`mark_failing` message.
        """
        return self._state.failure_rate

    @failure_rate.setter
    def failure_rate(self, share: float) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"failure_rate must be from 0 to 1, got {share}")
        self._state.failure_rate = share

    def mark_failing(
        self, substring: str, *, error_message: str = DURATION_ERROR
    ) -> None:
        """Make training fail for replicas matching ``substring``.

        A replica still training now, or created later, whose ``train_video_url``,
        ``train_image_url`` or ``replica_name`` contains ``substring`` ends in
        status ``"error"`` with ``error_message``. Replicas whose training was
        already due are settled first and keep their outcome. Replicas that follow
        a timeline are not affected.
        """
        self._state.mark_failing(substring, error_message)

    def finish_training(self, replica_id: str | None = None) -> None:
        """End the training of one replica (``KeyError`` if unknown) or of all, now.

        A training replica ends as it would have (``"completed"``, or ``"error"``
        under :meth:`mark_failing`). A replica that follows a timeline jumps to
        its last step: the remaining steps apply at once, in order, and
        ``updated_at`` becomes now. A replica created with a ``callback_url``
        that ends in ``"completed"`` or ``"error"`` this way is called back at
        once; after a timeline jump, only for the status it ends in.
        """
        self._state.finish_training(replica_id)

    def set_timeline(self, replica_id: str, steps: Sequence[TimelineStep]) -> None:
        """Make a replica follow scripted status steps, starting now.

        From the fake's current time ``start``, at ``start + step.after`` the
        replica's status becomes ``step.status``, its ``error_message`` becomes
        ``step.error_message`` and its progress becomes ``step.progress`` when
        given (otherwise it stays, except that ``"completed"`` shows 100). Before
        the first step it keeps its current state. ``updated_at`` is the time of
        the last applied step (or of a later rename). Steps take effect when
        the replica is next read: by get, list, rename, delete, or creating a
        conversation with it (which needs status ``"completed"``). For a
        replica created with a ``callback_url``, each step also takes effect
        when the clock reaches it, and each step into ``"completed"`` or
        ``"error"`` from another status is called back.

        The timeline replaces the replica's training: :attr:`training_time` and
        :meth:`mark_failing` no longer apply to it, and training in progress
        stops at its current progress. A new timeline replaces a previous one
        from the previous one's current state. Deleting the replica drops it.

        Args:
            replica_id: The replica.
            steps: At least one step, in non-decreasing order of ``after``.

        Raises:
            KeyError: The replica is unknown.
            ValueError: ``steps`` is empty or out of order; nothing changes.
        """
        self._state.set_timeline(replica_id, steps)

    # Conversations

    @property
    def pal_events(self) -> bool:
        """Whether conversations also send ``system.pal_joined`` (default ``False``).

        When ``True``, a conversation created from now on with a ``callback_url``
        announces its replica twice, as Tavus does since the Face/PAL rename:
        ``system.replica_joined`` with ``properties.replica_id``, then
        ``system.pal_joined`` with ``properties.face_id`` (same id, same
        timestamp). Clients are expected to deduplicate them.
        """
        return self._state.pal_events

    @pal_events.setter
    def pal_events(self, enabled: bool) -> None:
        self._state.pal_events = enabled

    # Lists

    @property
    def new_names(self) -> bool:
        """Whether answers use the Face/PAL names everywhere (default ``False``).

        The fake always serves ``/v2/faces`` and ``/v2/pals`` beside
        ``/v2/replicas`` and ``/v2/personas``, reading ``face_id``,
        ``face_name``, ``pal_id``, ``default_face_id`` ... in requests there
        and writing them in answers. Set this to answer with the new names on
        the old paths too, as a live API in transition may; the client reads
        both spellings into the same fields.
        """
        return self._state.new_names

    @new_names.setter
    def new_names(self, enabled: bool) -> None:
        self._state.new_names = enabled

    @property
    def max_page_size(self) -> int | None:
        """The most items one List answer holds, or ``None`` for no cap (default).

        With a cap, List Replicas, List Voices and List Conversations answer a
        ``limit`` above it as if it asked for the cap, as a server with a
        largest page size would: ``page=2&limit=100`` under a cap of 50 answers
        items 51 to 100. ``total_count`` still counts every match, List Voices
        echoes the capped ``limit``, and a ``limit`` the API refuses is still a
        400. Tavus documents no largest page size; this stands for one.

        Raises:
            TypeError: (setting) Neither an int nor ``None``; a bool is refused.
            ValueError: (setting) An int below 1.
        """
        return self._state.max_page_size

    @max_page_size.setter
    def max_page_size(self, size: int | None) -> None:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise TypeError(f"max_page_size must be an int or None, got {size!r}")
        if size is not None and size < 1:
            raise ValueError(f"max_page_size must be at least 1, got {size}")
        self._state.max_page_size = size

    # List Replicas

    @property
    def ignore_list_filter(self) -> bool:
        """Whether List Replicas ignores ``replica_ids`` (default ``False``).

        When ``True``, ``GET /v2/replicas`` answers the unfiltered page that
        ``limit`` and ``page`` ask for, as a server without that filter would;
        ``replica_type``, ``model_name`` and :meth:`hide_from_list` still apply.
        """
        return self._state.ignore_list_filter

    @ignore_list_filter.setter
    def ignore_list_filter(self, ignore: bool) -> None:
        self._state.ignore_list_filter = ignore

    def hide_from_list(self, *replica_ids: str) -> None:
        """Leave replicas out of every List Replicas answer, filtered or not.

        ``total_count`` counts only the replicas shown. ``GET /v2/replicas/{id}``
        still returns them. Undo with :meth:`show_in_list`.

        Raises:
            KeyError: An id is unknown; then nothing changes.
        """
        self._state.set_listed(replica_ids, listed=False)

    def show_in_list(self, *replica_ids: str) -> None:
        """List replicas hidden by :meth:`hide_from_list` again (no-op if shown).

        Raises:
            KeyError: An id is unknown; then nothing changes.
        """
        self._state.set_listed(replica_ids, listed=True)
