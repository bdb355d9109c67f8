"""Where Tavus's published OpenAPI document is wrong or incomplete, in one place.

``tests/contract/test_schemathesis.py`` runs schemathesis against FakeTavus
with the document and fails on every response that breaks it, except those an
entry here excuses. An entry names the operation (``"*"`` for every one), the
status code, and where the document is wrong: the name of a schemathesis check
(``"status_code_conformance"`` for a status the operation does not document),
or a JSON pointer into the response body, with ``*`` for any array index
(``"/data/*/replica_id"``). Its reason quotes the document.

The contract test also checks each entry against the document, so an entry
fails the suite once Tavus fixes the document: a ``status_code_conformance``
entry must name a status that its operation still leaves out.
"""

from __future__ import annotations

import attrs


__all__ = ["SPEC_ERRORS", "SpecError"]


@attrs.frozen(kw_only=True)
class SpecError:
    """One known error of the published document, and why it is one.

    Attributes:
        operation_id: The operationId it concerns, or ``"*"`` for every one.
        status: The response status code it concerns.
        where: A schemathesis check name, or a JSON pointer into the response
            body (``*`` for any array index).
        reason: What the document says, and why the fake answers otherwise.
    """

    operation_id: str
    status: int
    where: str
    reason: str

    def covers(self, operation_id: str, status: int, where: str) -> bool:
        """Whether this entry excuses a failure at ``where`` of a ``status`` answer.

        Args:
            operation_id: The operation that answered.
            status: The status it answered with.
            where: The failing check's name, or the JSON pointer of the failing
                value with array indexes written ``*``.

        Returns:
            True when the operation, the status and the place all match.
        """
        return (
            self.operation_id in ("*", operation_id)
            and self.status == status
            and self.where == where
        )


_BAD_QUERY = (
    "{responses} lists only 200 and 401, yet the fake, like every Tavus endpoint "
    '(400 {{"error": ...}} is documented for each replica and conversation '
    "operation that takes an id or a body), answers a query parameter outside "
    "its schema with 400: {examples}."
)

_NO_BODY_ON_304 = (
    '{responses} documents a JSON body ({{"message": "No changes were made '
    '..."}}), but a 304 Not Modified has no body (RFC 9110 section 15.4.5; '
    "aiohttp, like any HTTP server, refuses to send one), so the fake answers "
    "304 without a body or Content-Type."
)

_TRANSCRIPTIONS_ERRORS = (
    "paths./v2/transcriptions{path}.{method}.responses documents only its success "
    "answer; the fake answers {what}, as Tavus's other resources do (no error "
    "answer of this family is documented)."
)

SPEC_ERRORS: tuple[SpecError, ...] = (
    SpecError(
        operation_id="listPronunciationDictionaries",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/pronunciation-dictionaries.get.responses",
            examples=(
                "a limit outside its 'minimum: 1, maximum: 100', a page below 0 "
                "(it is 'Zero-based' but has no minimum), either not an integer, "
                "a sort outside [asc, desc]"
            ),
        ),
    ),
    *(
        SpecError(
            operation_id=operation_id,
            status=status,
            where="status_code_conformance",
            reason=_TRANSCRIPTIONS_ERRORS.format(path=path, method=method, what=what),
        )
        for operation_id, path, method in (
            ("createTranscription", "", "post"),
            ("listTranscriptions", "", "get"),
            ("getTranscription", "/{transcription_id}", "get"),
            ("deleteTranscription", "/{transcription_id}", "delete"),
        )
        for status, what in (
            (
                400,
                '400 {"error": ...} to a bad body or query or an unknown id '
                '("Invalid transcription_id")',
            ),
            (
                401,
                '401 {"message": "Invalid access token"} to a missing or wrong '
                "x-api-key",
            ),
        )
    ),
    SpecError(
        operation_id="listReplicas",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/replicas.get.responses",
            examples=(
                "a limit or page below 1 (the document gives them no minimum) or "
                "not an integer, a replica_type outside [user, system], a verbose "
                "that is not a boolean"
            ),
        ),
    ),
    SpecError(
        operation_id="listConversations",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/conversations.get.responses",
            examples=(
                "a limit or page below 1 (the document gives them no minimum) or "
                "not an integer, a status other than the 'Possible values: "
                "active, ended' of its description (its schema is a bare string)"
            ),
        ),
    ),
    SpecError(
        operation_id="listPersonas",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/personas.get.responses",
            examples=(
                "a limit or page below 1 (the document gives them no minimum) or "
                "not an integer, a persona_type outside [user, system]"
            ),
        ),
    ),
    SpecError(
        operation_id="patchPersona",
        status=401,
        where="status_code_conformance",
        reason=(
            "paths./v2/personas/{persona_id}.patch.responses lists 200, 304, 400 "
            "and 422 but not the 401 every other operation documents; the fake, "
            'like Tavus, answers a missing or wrong x-api-key 401 {"message": '
            '"Invalid access token"}.'
        ),
    ),
    *(
        SpecError(
            operation_id="patchPersona",
            status=304,
            where=check,
            reason=_NO_BODY_ON_304.format(
                responses="paths./v2/personas/{persona_id}.patch.responses.304"
            ),
        )
        for check in ("content_type_conformance", "response_schema_conformance")
    ),
    SpecError(
        operation_id="listVideos",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/videos.get.responses",
            examples=(
                "a limit below 1 or a page below 0 (the document gives them no "
                "minimum, and calls page 0-indexed) or not an integer"
            ),
        ),
    ),
    SpecError(
        operation_id="getObjectives",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/objectives.get.responses",
            examples=(
                "a limit or page below 1 (the document gives them no minimum) or "
                "not an integer"
            ),
        ),
    ),
    SpecError(
        operation_id="getGuardrails",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/guardrails.get.responses",
            examples=(
                "a limit or page below 1 (the document gives them no minimum) or "
                "not an integer"
            ),
        ),
    ),
    SpecError(
        operation_id="getVoices",
        status=400,
        where="status_code_conformance",
        reason=_BAD_QUERY.format(
            responses="paths./v2/voices.get.responses",
            examples=(
                "a limit outside its 'minimum: 1, maximum: 100', a page below its "
                "'minimum: 1', either not an integer, a sort outside [asc, desc]"
            ),
        ),
    ),
)
"""Every known error of the document that the fake's answers run into."""
