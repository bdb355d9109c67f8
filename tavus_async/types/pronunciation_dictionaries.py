"""Pronunciation dictionary types: rules for how a replica speaks words.

A pronunciation dictionary holds rules (:class:`PronunciationRule`) that tell
the text-to-speech engine how to say a word: by another spelling (``alias``)
or by an IPA string (``ipa``). A persona uses one through
``layers.tts.pronunciation_dictionary_id``.

These classes describe data only; the JSON rules live in the converter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import converters, field, frozen

from tavus_async import _validation as v
from tavus_async.types._common import OpenStrEnum, Page, _Model


__all__ = [
    "CreatePronunciationDictionaryRequest",
    "PronunciationDictionary",
    "PronunciationDictionaryPage",
    "PronunciationRule",
    "RuleType",
]

READ_ONLY = ("pronunciation_dictionary_id", "rules_count", "created_at", "updated_at")
"""The fields Tavus sets: a patch may test them but never change them."""

_MAX_LENGTHS = {"name": 255, "text": 200, "pronunciation": 500}
"""The longest ``name``, rule ``text`` and ``pronunciation`` Tavus accepts."""


class RuleType(OpenStrEnum):
    """How a rule says its text: ``alias`` (another spelling) or ``ipa``.

    Values not listed here still parse (see :class:`OpenStrEnum`); a new
    rule must use a listed one.
    """

    ALIAS = "alias"
    """``pronunciation`` is the text to say instead, such as ``"TAH-vus"``."""
    IPA = "ipa"
    """``pronunciation`` is an IPA string, raw or pipe-delimited."""


@frozen(kw_only=True)
class PronunciationRule(_Model):
    """One rule of a dictionary: say ``text`` as ``pronunciation``.

    The same class serves requests and answers, so every field may be None;
    :class:`CreatePronunciationDictionaryRequest` requires ``text``,
    ``pronunciation`` and ``type``.
    """

    text: str | None = None
    """The word or phrase to match, at most 200 characters."""
    pronunciation: str | None = None
    """How to say it: the replacement text (``alias``) or an IPA string
    (``ipa``), at most 500 characters."""
    type: RuleType | None = field(default=None, converter=converters.optional(RuleType))
    """``alias`` or ``ipa``."""
    case_sensitive: bool | None = None
    """Whether matching is case-sensitive (Tavus's default: false)."""
    word_boundaries: bool | None = None
    """Whether only whole words match (Tavus's default: true)."""


def _rules(values: Iterable[PronunciationRule]) -> tuple[PronunciationRule, ...]:
    return tuple(values)


def _check_length(problems: v.Problems, where: str, key: str, value: object) -> None:
    """Append a problem unless ``value`` is a text of at most the length allowed."""
    if value is None:
        problems.append((where, "is required"))
    v.check_text(problems, where, value)
    if isinstance(value, str) and len(value) > _MAX_LENGTHS[key]:
        problems.append(
            (where, f"must be at most {_MAX_LENGTHS[key]} characters, got {len(value)}")
        )


def check_rules(problems: v.Problems, where: str, rules: Iterable[object]) -> None:
    """Append a problem for each rule Tavus would refuse, naming ``rules[i].field``.

    ``text``, ``pronunciation`` and a listed ``type`` are required, the
    lengths bounded, and no two rules may have the same ``text``.
    """
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        at = f"{where}[{index}]"
        if not isinstance(rule, PronunciationRule):
            problems.append((at, f"must be a PronunciationRule, got {rule!r}"))
            continue
        for key in ("text", "pronunciation"):
            _check_length(problems, f"{at}.{key}", key, getattr(rule, key))
        if rule.type is None or not rule.type.is_known:
            got = None if rule.type is None else str(rule.type)
            problems.append((f"{at}.type", f"must be 'alias' or 'ipa', got {got!r}"))
        if rule.text in seen:
            problems.append((f"{at}.text", f"repeats {rule.text!r}; texts must differ"))
        seen.add(rule.text or "")


@frozen(kw_only=True)
class CreatePronunciationDictionaryRequest(_Model):
    """The body of ``POST /v2/pronunciation-dictionaries``.

    Every problem is reported at once, as a
    :class:`~tavus_async.ValidationError`, when the request is built.

    Raises:
        ValidationError: ``name`` is missing, empty or over 255 characters,
            or a rule lacks ``text``, ``pronunciation`` or a listed ``type``,
            is too long, or repeats another's ``text`` (named as
            ``rules[3].pronunciation``).
    """

    name: str
    """The dictionary's name, at most 255 characters."""
    rules: tuple[PronunciationRule, ...] = field(default=(), converter=_rules)
    """Its rules; may be left empty and set later with a patch."""

    def __attrs_post_init__(self) -> None:
        problems: v.Problems = []
        _check_length(problems, "name", "name", self.name)
        check_rules(problems, "rules", self.rules)
        v.raise_if(problems)


@frozen(kw_only=True)
class PronunciationDictionary(_Model):
    """A dictionary as Tavus returns it.

    Create, Get and Update answer the ``rules``; List answers only
    ``rules_count``, so there ``rules`` is empty. Fields Tavus leaves out
    are None (or empty); unknown ones are ignored.
    """

    pronunciation_dictionary_id: str
    """The id, such as ``"pd_abc123def456gh"``."""
    name: str | None = None
    """Its name."""
    rules: tuple[PronunciationRule, ...] = field(default=(), converter=_rules)
    """Its rules (empty in a list)."""
    rules_count: int | None = None
    """How many rules it has."""
    created_at: datetime | None = None
    """When it was created (timezone-aware)."""
    updated_at: datetime | None = None
    """When it last changed (timezone-aware)."""


PronunciationDictionaryPage = Page[PronunciationDictionary]
"""A page of dictionaries; it also echoes ``page`` (from 0) and ``limit``."""
