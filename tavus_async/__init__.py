"""tavus_async: an asyncio-native client for the Tavus video-AI HTTP API.

Start with :class:`TavusClient`; test against :class:`tavus_async.testing.FakeTavus`.
"""

from typing import Any

from tavus_async._http import Timeout
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
    UnprocessableEntityError,
    ValidationError,
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
    Page,
    RecordingStorage,
    Replica,
    ReplicaPage,
    ReplicaProperties,
    ReplicaStatus,
    ReplicaType,
    TrainingProgress,
    Voice,
    VoicePage,
    VoiceTag,
)


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
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordingStorage",
    "Replica",
    "ReplicaPage",
    "ReplicaProperties",
    "ReplicaStatus",
    "ReplicaType",
    "ReplicasService",
    "RetryEvent",
    "RetryPolicy",
    "TavusClient",
    "TavusError",
    "Timeout",
    "TrainingProgress",
    "UnprocessableEntityError",
    "ValidationError",
    "Voice",
    "VoicePage",
    "VoiceTag",
    "VoicesService",
    "create_session",
    "make_converter",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("tavus-async")
    raise AttributeError(f"module 'tavus_async' has no attribute {name!r}")
