"""tavus_async: an asyncio-native client for the Tavus video-AI HTTP API.

Start with :class:`TavusClient`; test against :class:`tavus_async.testing.FakeTavus`.
"""

from typing import Any

from tavus_async._http import Timeout
from tavus_async._options import RequestOptions
from tavus_async._raw import RawResponse, with_raw_response
from tavus_async._retry import RetryEvent, RetryPolicy
from tavus_async._serde import make_converter
from tavus_async.client import ClientState, TavusClient
from tavus_async.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientStateError,
    ConflictError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TavusError,
    UnknownIdError,
    UnprocessableEntityError,
    ValidationError,
    WatchError,
    WatchTimeoutError,
    WebhookError,
)
from tavus_async.services import ConversationsService, ReplicasService, VoicesService
from tavus_async.session import create_session
from tavus_async.types import (
    Conversation,
    ConversationEvent,
    ConversationPage,
    ConversationProperties,
    ConversationStatus,
    CreateConversationRequest,
    CreatedReplica,
    CreateReplicaRequest,
    OpenStrEnum,
    OutcomeKind,
    Page,
    RecordingStorage,
    Replica,
    ReplicaOutcome,
    ReplicaPage,
    ReplicaProperties,
    ReplicaStatus,
    ReplicaType,
    ReplicaUpdate,
    TrainingProgress,
    Voice,
    VoicePage,
    VoiceTag,
    WatchEvent,
    WatchStats,
)
from tavus_async.watcher import ReplicaSource, ReplicaWatcher


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientState",
    "ClientStateError",
    "ConflictError",
    "Conversation",
    "ConversationEvent",
    "ConversationPage",
    "ConversationProperties",
    "ConversationStatus",
    "ConversationsService",
    "CreateConversationRequest",
    "CreateReplicaRequest",
    "CreatedReplica",
    "DecodeError",
    "InternalServerError",
    "NotFoundError",
    "OpenStrEnum",
    "OutcomeKind",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RecordingStorage",
    "Replica",
    "ReplicaOutcome",
    "ReplicaPage",
    "ReplicaProperties",
    "ReplicaSource",
    "ReplicaStatus",
    "ReplicaType",
    "ReplicaUpdate",
    "ReplicaWatcher",
    "ReplicasService",
    "RequestOptions",
    "RetryEvent",
    "RetryPolicy",
    "TavusClient",
    "TavusError",
    "Timeout",
    "TrainingProgress",
    "UnknownIdError",
    "UnprocessableEntityError",
    "ValidationError",
    "Voice",
    "VoicePage",
    "VoiceTag",
    "VoicesService",
    "WatchError",
    "WatchEvent",
    "WatchStats",
    "WatchTimeoutError",
    "WebhookError",
    "create_session",
    "make_converter",
    "with_raw_response",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from tavus_async.session import package_version

        return package_version()
    raise AttributeError(f"module 'tavus_async' has no attribute {name!r}")
