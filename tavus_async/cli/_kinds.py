"""The kinds of batch job, and the words each uses.

A batch job creates one Tavus resource per manifest row and watches each to
its end: ``train`` makes replicas, ``generate`` makes videos. Both run on the
same journal, job and results file; this enum is what tells them apart where
they differ: the journal records it, and the manifest's and the results
file's column names come from it.
"""

from __future__ import annotations

import enum


__all__ = ["JobKind"]

_COMMANDS = {"replica": "train", "video": "generate"}


class JobKind(enum.StrEnum):
    """What a batch job creates; the value is what the journal records."""

    REPLICA = "replica"
    """``tavus-async train``: one replica per row."""
    VIDEO = "video"
    """``tavus-async generate``: one video per row."""

    @property
    def command(self) -> str:
        """The command that runs this kind of job: ``train`` or ``generate``."""
        return _COMMANDS[self.value]

    @property
    def key(self) -> str:
        """The manifest column that names each row uniquely: ``replica_name``..."""
        return f"{self.value}_name"

    @property
    def id_field(self) -> str:
        """The name of Tavus's id of what is created: ``replica_id``, ``video_id``."""
        return f"{self.value}_id"
