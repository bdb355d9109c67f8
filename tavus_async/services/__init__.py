"""The API services a client exposes, one module per resource family."""

from tavus_async.services.conversations import ConversationsService
from tavus_async.services.documents import DocumentsService
from tavus_async.services.guardrails import GuardrailsService
from tavus_async.services.objectives import ObjectivesService
from tavus_async.services.personas import PersonasService
from tavus_async.services.pronunciation_dictionaries import (
    PronunciationDictionariesService,
)
from tavus_async.services.replicas import ReplicasService, VoicesService
from tavus_async.services.transcriptions import TranscriptionsService
from tavus_async.services.videos import VideosService


__all__ = [
    "ConversationsService",
    "DocumentsService",
    "GuardrailsService",
    "ObjectivesService",
    "PersonasService",
    "PronunciationDictionariesService",
    "ReplicasService",
    "TranscriptionsService",
    "VideosService",
    "VoicesService",
]
