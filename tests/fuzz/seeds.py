"""Seed inputs for the fuzz targets, built from documented examples at run time.

Callbacks come from the documented payloads in ``tests/webhooks/test_parse.py``
(plus the forms ``parse_callback`` forgives). Response bodies are the examples
of the Tavus API digest (``tavus-api.md``), one per class the services decode;
a decode input is one byte choosing the class (see :data:`DECODE_CLASSES`),
then the body.
"""

from __future__ import annotations

import json
from pathlib import Path


DECODE_CLASSES = (
    "CreatedReplica",
    "Replica",
    "ReplicaPage",
    "VoicePage",
    "Conversation",
    "ConversationPage",
)
"""The classes ``fuzz_decode`` decodes into, by the first byte of an input."""

_REPLICA = {
    "replica_id": "r90bbd427f71",
    "replica_name": "My Replica",
    "thumbnail_video_url": "https://cdn.example/thumb.mp4",
    "training_progress": "100/100",
    "status": "completed",
    "created_at": "2024-01-24T07:14:03.327Z",
    "updated_at": "2024-01-24T07:14:03.327Z",
    "error_message": None,
    "replica_type": "user'",
    "model_name": "phoenix-3",
}
_CONVERSATION = {
    "conversation_id": "c123456",
    "conversation_name": "A Meeting with Hassaan",
    "conversation_url": "https://tavus.daily.co/c123456",
    "status": "active",
    "callback_url": "https://yourwebsite.com/webhook",
    "created_at": "2025-05-13T06:42:58.291561Z",
    "meeting_token": "eyJ.example",
}
_VERBOSE_CONVERSATION = {
    "conversation_id": "conv_123",
    "status": "ended",
    "pal_id": "persona_xyz",
    "face_id": "replica_abc",
    "created_at": "2026-04-29T03:45:49Z",
    "updated_at": "2026-04-29T03:47:01Z",
    "events": [
        {"event_type": "system.replica_joined", "timestamp": "2026-04-29T03:45:53Z"},
        {
            "event_type": "application.transcription_ready",
            "timestamp": "2026-04-29T03:47:00Z",
            "properties": {
                "transcript": [
                    {
                        "role": "assistant",
                        "content": "Hi, welcome.",
                        "timestamp": 1779475657.84,
                        "seconds_from_start": 0.0,
                        "duration": 2.15,
                        "inference_id": "inf_abc123",
                    }
                ]
            },
        },
        {
            "event_type": "system.shutdown",
            "timestamp": "2026-04-29T03:47:01Z",
            "properties": {"reason": "participant_left_timeout"},
        },
    ],
}
_VOICE = {
    "voice_name": "anna",
    "replica_id": "r90bbd427f71",
    "audio_url": None,
    "tags": [{"tag_name": "english"}],
}
DECODE_EXAMPLES: dict[str, list[object]] = {
    "CreatedReplica": [
        {"replica_id": "r90bbd427f71", "status": "started"},
        {"replica_id": "r783537ef5", "status": "training"},
    ],
    "Replica": [
        _REPLICA,
        {
            "face_id": "r1",
            "face_name": "Face",
            "face_type": "system",
            "status": "ready",
        },
    ],
    "ReplicaPage": [{"data": [_REPLICA], "total_count": 42}],
    "VoicePage": [{"data": [_VOICE], "total_count": 1, "page": 1, "limit": 10}],
    "Conversation": [_CONVERSATION, _VERBOSE_CONVERSATION],
    "ConversationPage": [{"data": [_CONVERSATION], "total_count": 1}],
}
"""Documented response bodies, by the class they decode into."""


def decode_seeds() -> list[bytes]:
    """Inputs for ``fuzz_decode``: the class byte, then a documented body."""
    return [
        bytes([DECODE_CLASSES.index(name)]) + json.dumps(body).encode()
        for name, bodies in DECODE_EXAMPLES.items()
        for body in bodies
    ]


def callback_seeds() -> list[bytes]:
    """Inputs for ``fuzz_callback``: every documented callback, as sent."""
    from tests.webhooks.test_parse import DOCUMENTED

    seeds = [json.dumps(param.values[0]).encode() for param in DOCUMENTED]
    seeds.append(b'{\n  "replica_id": "rxxxxxxxxx",\n  "status": "ready",\n}\n')
    seeds.append(b'\xef\xbb\xbf{"replica_id": "r1", "status": "error"}')
    return seeds


def write(corpus: Path, seeds: list[bytes]) -> None:
    """Write each seed into ``corpus`` as a file of its own."""
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds):
        (corpus / f"seed-{number:03d}").write_bytes(seed)
