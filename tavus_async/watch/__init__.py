"""Watch long-running Tavus jobs (replicas, videos, documents, transcriptions).

One engine serves every resource; a resource plugs in by describing how to
fetch and read it. The modules, from what a user sees down to pure
decisions::

    watcher.py     Watcher[T]: watch / wait / add / notify / observe / stats
    replicas.py    ReplicaWatcher: Watcher[Replica] under its replica names
    events.py      Update[T], Outcome[T], OutcomeKind, PollMode, WatchStats
    sources.py     Source[T] + Lifecycle: how each resource is fetched and read
    _run.py        the asyncio loop: sends what the schedule plans, turns answers
                   into events
    _fetch.py      one request (lookup, filtered list, sweep page) and its answer
    _schedule.py   which ids are due, in which requests          (pure)
    _modes.py      by id, filtered lists or a sweep: the cheapest (pure)
    _cadence.py    the gap to an id's next poll, from its progress (pure)
    _outcomes.py   targets, outcomes and their wording              (pure)

``client.replicas.watcher()``, ``client.videos.watcher()``,
``client.documents.watcher()`` and ``client.transcriptions.watcher()`` make a
watcher for their resource.
"""

from tavus_async.watch.events import (
    Outcome,
    OutcomeKind,
    PollMode,
    ReplicaOutcome,
    ReplicaUpdate,
    Update,
    WatchEvent,
    WatchStats,
)
from tavus_async.watch.replicas import ReplicaSource, ReplicaWatcher
from tavus_async.watch.sources import (
    Lifecycle,
    Source,
    document_source,
    replica_source,
    transcription_source,
    video_source,
)
from tavus_async.watch.watcher import Watcher, WatchSettings


__all__ = [
    "Lifecycle",
    "Outcome",
    "OutcomeKind",
    "PollMode",
    "ReplicaOutcome",
    "ReplicaSource",
    "ReplicaUpdate",
    "ReplicaWatcher",
    "Source",
    "Update",
    "WatchEvent",
    "WatchSettings",
    "WatchStats",
    "Watcher",
    "document_source",
    "replica_source",
    "transcription_source",
    "video_source",
]
