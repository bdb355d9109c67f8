"""In-memory state of the fake Tavus server: replicas, conversations and voices.

Pure Python, no I/O. Every method takes and returns wire-shaped dicts and raises
:class:`ApiError` for what the real API answers with a 400. Replica training and
scripted timelines are computed lazily from the injected clock when a replica is
read, so no background work runs however many replicas exist. Webhooks are only
queued in :attr:`State.outbox`: a replica with a ``callback_url`` is also watched
there at each moment it may change, and :meth:`State.catch_up` brings those
replicas up to the clock's time, in order, as a read would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from typing import Any

from tavus_async.testing._aliases import with_old_names
from tavus_async.testing._callbacks import Outbox
from tavus_async.testing._families import Families
from tavus_async.testing._faults import bad_request
from tavus_async.testing._timeline import Timeline, TimelineStep
from tavus_async.testing._wire import (
    STOCK_VOICES,
    Conversation,
    Query,
    Replica,
    check_conversation_options,
    check_replica_body,
    choice,
    conversation_callbacks,
    conversation_wire,
    created_conversation_wire,
    flag,
    iso_time,
    optional,
    paginate,
    replica_callback,
    replica_wire,
    training_percent,
    voice_wire,
)


__all__ = ["DURATION_ERROR", "State"]

DURATION_ERROR = (
    "There was an issue processing your training video. The video provided does "
    "not meet the minimum duration requirement for training"
)
"""The training error message of the Tavus documentation's own example."""

_FINAL = ("completed", "error")


class State:
    """Replicas, conversations and voices of one fake Tavus account.

    Attributes:
        training_time: Seconds that replicas created from now on spend training.
        training_spread: Extra seconds, drawn per replica from 0 to this, added
            to ``training_time``.
        ignore_list_filter: Whether List Replicas ignores ``replica_ids``.
        max_page_size: The most items one List answer holds; ``None``: no cap.
        pal_events: Whether conversations created from now on also announce
            ``system.pal_joined``.
        new_names: Whether answers on the old paths use the Face/PAL names.
        outbox: The webhooks to send, and when watched replicas may change.
    """

    def __init__(self, clock: Callable[[], float], rng: random.Random) -> None:
        """Create the state with the stock voices; ``clock`` gives monotonic seconds."""
        self._clock = clock
        self._rng = rng
        self._epoch = time.time() - clock()
        self._issued: set[str] = set()
        self._seq = 0
        self._replicas: dict[str, Replica] = {}
        self._training: set[str] = set()
        self._timelines: dict[str, Timeline] = {}
        self._hidden: set[str] = set()
        self._failing: list[tuple[str, str]] = []
        self._doomed: set[str] = set()
        self._voices: dict[str, dict[str, Any]] = {}
        self._conversations: dict[str, Conversation] = {}
        self.training_time = 1.0
        self.training_spread = 0.0
        self.failure_rate = 0.0
        self.ignore_list_filter = False
        self.max_page_size: int | None = None
        self.pal_events = False
        self.new_names = False
        self.outbox = Outbox()
        for name, tags in STOCK_VOICES:
            self.add_voice(name, tags)
        self.families = Families(self)

    # What every family shares (the Account of testing._collection)

    @property
    def rng(self) -> random.Random:
        """The seeded draws of the fake (ids, failures)."""
        return self._rng

    def now(self) -> float:
        """The fake's clock, in seconds."""
        return self._clock()

    def new_id(self, prefix: str, digits: int) -> str:
        """A fresh id: ``prefix`` and ``digits`` hex digits, never issued before."""
        return self._new_id(prefix, digits)

    def iso(self, moment: float) -> str:
        """Clock time ``moment`` as Tavus writes a timestamp."""
        return iso_time(self._epoch, moment)

    def replica_status(self, replica_id: str) -> str | None:
        """A stored replica's status now (``"completed"``...), None if unknown."""
        if replica_id not in self._replicas:
            return None
        return self._replica(replica_id).status

    def _new_id(self, prefix: str, digits: int) -> str:
        while True:
            new = f"{prefix}{self._rng.getrandbits(4 * digits):0{digits}x}"
            if new not in self._issued:
                self._issued.add(new)
                return new

    # Replicas

    def add_replica(
        self,
        name: str,
        kind: str,
        model: str,
        status: str,
        error: str | None,
        steps: Sequence[TimelineStep] | None,
    ) -> str:
        """Store a settled replica that then follows ``steps`` if any; return its id."""
        timeline = None if steps is None else Timeline(steps, self._clock())
        replica = self._store_replica(name, kind, model, 0.0, {})
        replica.status, replica.error_message = status, error
        replica.progress = 100 if status == "completed" else 0
        if timeline is not None:
            self._timelines[replica.replica_id] = timeline
        return replica.replica_id

    def _store_replica(
        self,
        name: str | None,
        kind: str,
        model: str,
        span: float,
        request: dict[str, Any],
    ) -> Replica:
        new_id, now = self._new_id("r", 10), self._clock()
        self._seq += 1
        name = name or f"Replica {new_id}"
        replica = Replica(new_id, self._seq, name, kind, model, now, now, span, request)
        self._replicas[new_id] = replica
        return replica

    def create_replica(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate a Create Replica body, start training, return the 200 body."""
        model_name = check_replica_body(body, self._voices)
        span = self.training_time
        if self.training_spread > 0:
            span += self._rng.uniform(0.0, self.training_spread)
        replica = self._store_replica(
            body.get("replica_name"), "user", model_name, span, dict(body)
        )
        self._training.add(replica.replica_id)
        if self.failure_rate and self._rng.random() < self.failure_rate:
            self._doomed.add(replica.replica_id)
        if body.get("callback_url"):
            self.outbox.watch(replica.created + span, self._watched(replica.replica_id))
        return {"replica_id": replica.replica_id, "status": "started"}

    def _replica(self, replica_id: str) -> Replica:
        replica = self._replicas.get(replica_id)
        if replica is None:
            raise bad_request("Invalid replica_id")
        self.catch_up()
        self._bring(replica, self._clock())
        return replica

    def catch_up(self) -> None:
        """Apply what is due by now to watched things, in order, as reads would."""
        for at, bring in self.outbox.due(self._clock()):
            bring(at)

    def _watched(self, replica_id: str) -> Callable[[float], None]:
        def bring(at: float) -> None:
            replica = self._replicas.get(replica_id)
            if replica is not None:
                self._bring(replica, at)

        return bring

    def _bring(self, replica: Replica, now: float) -> None:
        before, replica_id = replica.status, replica.replica_id
        if replica_id in self._training:
            due = replica.created + replica.training_time
            if now >= due:
                self._settle(replica, due)
        timeline = self._timelines.get(replica_id)
        if timeline is not None and timeline.apply(replica, now):
            del self._timelines[replica_id]
        self._report(replica, before)

    def _report(self, replica: Replica, before: str) -> None:
        url = replica.request.get("callback_url")
        if url and replica.status != before and replica.status in _FINAL:
            self.outbox.put(url, replica_callback(replica))

    def _settle(self, replica: Replica, at: float) -> None:
        self._training.discard(replica.replica_id)
        message = self._failure(replica)
        if message is None:
            replica.status, replica.progress = "completed", 100
        else:
            replica.status, replica.error_message = "error", message
            replica.progress = training_percent(replica, at)
        replica.updated = max(replica.updated, at)

    def _failure(self, replica: Replica) -> str | None:
        if replica.replica_id in self._doomed:
            return DURATION_ERROR
        haystacks = (
            replica.request.get("train_video_url") or "",
            replica.request.get("train_image_url") or "",
            replica.replica_name,
        )
        for substring, message in self._failing:
            if any(substring in text for text in haystacks):
                return message
        return None

    def _replica_wire(
        self, replica: Replica, *, verbose: bool, full: bool
    ) -> dict[str, Any]:
        progress = replica.progress
        if replica.replica_id in self._training:
            progress = training_percent(replica, self._clock())
        return replica_wire(replica, progress, self._epoch, verbose=verbose, full=full)

    def get_replica(self, replica_id: str, query: Query) -> dict[str, Any]:
        """The Get Replica body; 400 ``Invalid replica_id`` when unknown or deleted."""
        replica = self._replica(replica_id)
        return self._replica_wire(replica, verbose=flag(query, "verbose"), full=True)

    def list_replicas(self, query: Query) -> dict[str, Any]:
        """The List Replicas body: one page of matches in creation order."""
        verbose = flag(query, "verbose")
        kind = choice(query, "replica_type", ("user", "system"))
        model_name, ids = query.get("model_name"), query.get("replica_ids")
        if ids is None or self.ignore_list_filter:
            pool: Iterable[Replica] = self._replicas.values()
        else:
            found = (self._replicas.get(i) for i in dict.fromkeys(ids.split(",")))
            pool = sorted((r for r in found if r is not None), key=lambda r: r.seq)
        matches = [
            r
            for r in pool
            if r.replica_id not in self._hidden
            and (kind is None or r.replica_type == kind)
            and (model_name is None or r.model_name == model_name)
        ]
        page = paginate(matches, query, cap=self.max_page_size)[0]
        data = [
            self._replica_wire(self._replica(r.replica_id), verbose=verbose, full=False)
            for r in page
        ]
        return {"data": data, "total_count": len(matches)}

    def rename_replica(self, replica_id: str, body: Mapping[str, Any]) -> None:
        """Rename a replica; 400 when ``replica_name`` is missing or empty."""
        replica = self._replica(replica_id)
        name = optional(body, "replica_name", str)
        if not name:
            raise bad_request("replica_name is required")
        replica.replica_name, replica.updated = name, self._clock()

    def delete_replica(self, replica_id: str, query: Query) -> None:
        """Delete a replica (``hard`` is validated); it vanishes from get and list."""
        flag(query, "hard")
        self._replica(replica_id)
        del self._replicas[replica_id]
        self._training.discard(replica_id)
        self._timelines.pop(replica_id, None)
        self._hidden.discard(replica_id)

    def check_replica(self, replica_id: str) -> None:
        """Raise the 400 ``Invalid replica_id`` when the replica is unknown."""
        self._replica(replica_id)

    def mark_failing(self, substring: str, message: str) -> None:
        """Fail replicas still training, or created later, that contain ``substring``.

        Training that was already due ends before the rule is added, so the rule
        never rewrites a finished outcome.
        """
        for replica_id in list(self._training):
            self._replica(replica_id)
        self._failing.append((substring, message))

    def finish_training(self, replica_id: str | None) -> None:
        """Settle one replica (``KeyError`` if unknown) or all now; timelines jump."""
        if replica_id is not None and replica_id not in self._replicas:
            raise KeyError(replica_id)
        ids = (
            [*self._training, *self._timelines] if replica_id is None else [replica_id]
        )
        now = self._clock()
        for one in ids:
            replica = self._replica(one)
            before = replica.status
            if one in self._training:
                self._settle(replica, now)
            timeline = self._timelines.pop(one, None)
            if timeline is not None:
                timeline.finish(replica, now)
            self._report(replica, before)

    def set_timeline(self, replica_id: str, steps: Sequence[TimelineStep]) -> None:
        """Make a replica follow ``steps`` from now, from its current state.

        Training in progress stops where it is, and a previous timeline stops at
        its last due step. ``KeyError`` if unknown, ``ValueError`` for bad steps.
        """
        if replica_id not in self._replicas:
            raise KeyError(replica_id)
        now = self._clock()
        timeline = Timeline(steps, now)
        replica = self._replica(replica_id)
        if replica_id in self._training:
            self._training.discard(replica_id)
            replica.progress = training_percent(replica, now)
        self._timelines[replica_id] = timeline
        if replica.request.get("callback_url"):
            for step in steps:
                self.outbox.watch(now + step.after, self._watched(replica_id))

    def set_listed(self, replica_ids: Sequence[str], listed: bool) -> None:
        """Show (``listed``) or hide replicas in lists; ``KeyError`` if any unknown."""
        for replica_id in replica_ids:
            if replica_id not in self._replicas:
                raise KeyError(replica_id)
        if listed:
            self._hidden.difference_update(replica_ids)
        else:
            self._hidden.update(replica_ids)

    # Voices

    def add_voice(
        self, voice_name: str, tags: Sequence[str], replica_id: str | None = None
    ) -> None:
        """Add (or replace) a stock voice; a missing ``replica_id`` gets a new one."""
        self._voices[voice_name.lower()] = voice_wire(
            voice_name, tags, replica_id or self._new_id("r", 10)
        )

    def list_voices(self, query: Query) -> dict[str, Any]:
        """The List Voices body, filtered, sorted by name and paginated."""
        needle, tag = query.get("search", "").lower(), query.get("tag", "").lower()
        descending = choice(query, "sort", ("asc", "desc")) == "desc"
        matches = [
            voice
            for key, voice in sorted(self._voices.items(), reverse=descending)
            if needle in key
            and (not tag or tag in {t["tag_name"].lower() for t in voice["tags"]})
        ]
        page, limit, number = paginate(matches, query, 100, self.max_page_size)
        return {
            "data": deepcopy(page),
            "total_count": len(matches),
            "page": number,
            "limit": limit,
        }

    # Conversations

    def create_conversation(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate a Create Conversation body, store it, return the 200 body."""
        body = with_old_names(body)
        replica_id = optional(body, "replica_id", str)
        persona_id = optional(body, "persona_id", str)
        if not replica_id and not persona_id:
            raise bad_request("Either replica_id or persona_id must be provided.")
        if replica_id:
            status = self._replica(replica_id).status
            if status != "completed":
                raise bad_request(
                    f"Replica {replica_id} is not ready (status: {status})."
                )
        test_mode, require_auth = check_conversation_options(body)
        conversation_id, now = self._new_id("c", 12), self._clock()
        name = body.get("conversation_name") or f"Conversation {conversation_id}"
        token = f"eyJfake.{self._new_id('', 32)}" if require_auth else None
        status = "ended" if test_mode else "active"
        conversation = Conversation(
            conversation_id, name, status, now, now, token, body
        )
        self._conversations[conversation_id] = conversation
        self._announce(conversation)
        return created_conversation_wire(conversation, self._epoch)

    def _conversation(self, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            raise bad_request("Invalid conversation_id")
        return conversation

    def get_conversation(self, conversation_id: str, query: Query) -> dict[str, Any]:
        """The Get Conversation body; 400 ``Invalid conversation_id`` when unknown."""
        conversation = self._conversation(conversation_id)
        return conversation_wire(
            conversation, self._epoch, verbose=flag(query, "verbose")
        )

    def list_conversations(self, query: Query) -> dict[str, Any]:
        """The List Conversations body: one page of matches in creation order."""
        status = choice(query, "status", ("active", "ended"))
        matches = [
            c for c in self._conversations.values() if status in (None, c.status)
        ]
        page = paginate(matches, query, cap=self.max_page_size)[0]
        data = [conversation_wire(c, self._epoch, verbose=False) for c in page]
        return {"data": data, "total_count": len(matches)}

    def end_conversation(self, conversation_id: str) -> None:
        """End a conversation (no-op when already ended); 400 when unknown."""
        conversation = self._conversation(conversation_id)
        if conversation.status != "ended":
            conversation.status = "ended"
            conversation.ended = conversation.updated = self._clock()
            self._announce(conversation)

    def _announce(self, c: Conversation) -> None:
        url = c.request.get("callback_url")
        if url:
            for body in conversation_callbacks(c, self._epoch, pal=self.pal_events):
                self.outbox.put(url, body)

    def delete_conversation(self, conversation_id: str, query: Query) -> None:
        """Delete a conversation (``hard`` is validated); it vanishes from get/list."""
        flag(query, "hard")
        self._conversation(conversation_id)
        del self._conversations[conversation_id]
