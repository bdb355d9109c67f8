"""The resource families of the fake beyond replicas, conversations and voices."""

from __future__ import annotations

from collections.abc import Iterator

from tavus_async.testing._collection import Account, Family
from tavus_async.testing._dictionaries import PronunciationDictionaries
from tavus_async.testing._documents import Documents
from tavus_async.testing._guardrails import Guardrails
from tavus_async.testing._objectives import Objectives
from tavus_async.testing._personas import Personas
from tavus_async.testing._transcriptions import Transcriptions
from tavus_async.testing._videos import Videos


__all__ = ["Families"]


class Families:
    """One of each family, sharing the account's clock, ids and outbox."""

    def __init__(self, account: Account) -> None:
        self.personas = Personas(account)
        self.videos = Videos(account)
        self.documents = Documents(account)
        self.objectives = Objectives(account)
        self.guardrails = Guardrails(account)
        self.pronunciation_dictionaries = PronunciationDictionaries(account)
        self.transcriptions = Transcriptions(account)

    def __iter__(self) -> Iterator[Family]:
        return iter(vars(self).values())
