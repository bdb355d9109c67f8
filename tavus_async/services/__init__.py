"""The API services a client exposes: replicas, voices and conversations."""

from tavus_async.services.conversations import ConversationsService
from tavus_async.services.replicas import ReplicasService, VoicesService


__all__ = ["ConversationsService", "ReplicasService", "VoicesService"]
