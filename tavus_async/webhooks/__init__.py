"""Tavus callbacks: typed payloads, a token that authenticates them, receivers.

Tavus POSTs to the ``callback_url`` of a replica (training finished), of a
video (generated, or failed) and of a conversation (joined, shutdown,
transcript, recording, perception). It signs nothing, so give it a URL that
carries a secret token::

    secret = new_callback_secret()          # keep it, e.g. in your settings
    url = callback_url_for("https://example.com/tavus/callbacks", secret=secret)
    request = CreateReplicaRequest.from_video(video, callback_url=url)

and receive with :class:`CallbackReceiver` (aiohttp: :func:`aiohttp_handler`
or :class:`CallbackServer`; FastAPI and Starlette: :meth:`CallbackReceiver.receive`).
Given watchers (``watcher=``), the receiver settles watched replicas and videos
from their callbacks. :func:`parse_callback` alone turns a body into its typed
event.
"""

from tavus_async.errors import WebhookError
from tavus_async.types.webhooks import (
    CallbackEvent,
    ConversationCallback,
    ConversationShutdown,
    JoinedProperties,
    PerceptionAnalysis,
    PerceptionProperties,
    RecordingCopyFailed,
    RecordingCopyFailedProperties,
    RecordingProperties,
    RecordingReady,
    ReplicaJoined,
    ReplicaTrainingCallback,
    ShutdownProperties,
    ShutdownReason,
    TranscriptionProperties,
    TranscriptionReady,
    TranscriptTurn,
    VideoCallback,
)
from tavus_async.webhooks._aiohttp import CallbackServer, aiohttp_handler
from tavus_async.webhooks._parse import parse_callback
from tavus_async.webhooks._receiver import (
    CallbackHandler,
    CallbackReceiver,
    CallbackResponse,
    ReceiverStats,
)
from tavus_async.webhooks._token import callback_url_for, new_callback_secret


__all__ = [
    "CallbackEvent",
    "CallbackHandler",
    "CallbackReceiver",
    "CallbackResponse",
    "CallbackServer",
    "ConversationCallback",
    "ConversationShutdown",
    "JoinedProperties",
    "PerceptionAnalysis",
    "PerceptionProperties",
    "ReceiverStats",
    "RecordingCopyFailed",
    "RecordingCopyFailedProperties",
    "RecordingProperties",
    "RecordingReady",
    "ReplicaJoined",
    "ReplicaTrainingCallback",
    "ShutdownProperties",
    "ShutdownReason",
    "TranscriptTurn",
    "TranscriptionProperties",
    "TranscriptionReady",
    "VideoCallback",
    "WebhookError",
    "aiohttp_handler",
    "callback_url_for",
    "new_callback_secret",
    "parse_callback",
]
