"""Request and response types: frozen, keyword-only attrs classes.

They describe data only; :func:`tavus_async.make_converter` holds every JSON
rule. New fields and statuses from Tavus never break parsing.
"""

from tavus_async.types._common import OpenStrEnum, Page, TrainingProgress
from tavus_async.types.conversations import (
    Conversation,
    ConversationEvent,
    ConversationPage,
    ConversationProperties,
    ConversationStatus,
    CreateConversationRequest,
    RecordingStorage,
)
from tavus_async.types.replicas import (
    CreatedReplica,
    CreateReplicaRequest,
    Replica,
    ReplicaPage,
    ReplicaProperties,
    ReplicaStatus,
    ReplicaType,
    Voice,
    VoicePage,
    VoiceTag,
)
from tavus_async.types.watch import (
    OutcomeKind,
    ReplicaOutcome,
    ReplicaUpdate,
    WatchEvent,
    WatchStats,
)


__all__ = [
    "Conversation",
    "ConversationEvent",
    "ConversationPage",
    "ConversationProperties",
    "ConversationStatus",
    "CreateConversationRequest",
    "CreateReplicaRequest",
    "CreatedReplica",
    "OpenStrEnum",
    "OutcomeKind",
    "Page",
    "RecordingStorage",
    "Replica",
    "ReplicaOutcome",
    "ReplicaPage",
    "ReplicaProperties",
    "ReplicaStatus",
    "ReplicaType",
    "ReplicaUpdate",
    "TrainingProgress",
    "Voice",
    "VoicePage",
    "VoiceTag",
    "WatchEvent",
    "WatchStats",
]
