"""Turn a callback body into a typed event; pure, no I/O."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import cattrs
from cattrs.preconf.json import JsonConverter

from tavus_async._serde import default_converter
from tavus_async.errors import WebhookError
from tavus_async.types.webhooks import CallbackEvent


__all__ = ["drop_trailing_commas", "parse_callback"]

_log = logging.getLogger("tavus_async.webhooks")
_WHITESPACE = frozenset(" \t\r\n")

Body = bytes | bytearray | memoryview | str | Mapping[str, Any]
"""What :func:`parse_callback` accepts."""


def parse_callback(
    body: Body, *, converter: JsonConverter | None = None
) -> CallbackEvent:
    """Parse what Tavus POSTed to a ``callback_url`` into its typed event.

    A replica training callback becomes a
    :class:`~tavus_async.types.webhooks.ReplicaTrainingCallback`; a video
    generation callback (the whole video, with a ``video_id``) a
    :class:`~tavus_async.types.webhooks.VideoCallback`; a conversation
    callback the :class:`~tavus_async.types.webhooks.ConversationCallback`
    subclass of its ``event_type``, or that class itself for event types this
    version does not know. A trailing comma before ``}`` or ``]`` (as in a
    Tavus documentation example) is forgiven.

    Args:
        body: The raw body (bytes or text, UTF-8) or an already decoded object.
        converter: A converter from :func:`tavus_async.make_converter`; the
            default one when None.

    Returns:
        The event, with the object as received in its ``raw`` attribute.

    Raises:
        WebhookError: The body is not UTF-8 JSON, not a JSON object, not a
            Tavus callback (a document's or a transcription's, whose bodies
            Tavus does not document, included), or a field has the wrong
            type or is missing; the message and ``field`` say which.
    """
    data = body if isinstance(body, Mapping) else _decode(body)
    try:
        return (converter or default_converter()).structure(data, CallbackEvent)  # type: ignore[arg-type]
    except WebhookError:
        raise
    except cattrs.BaseValidationError as exc:
        problems = cattrs.transform_error(exc)
        first = problems[0] if problems else str(exc)
        message, _, path = first.partition(" @ $")
        field = path.lstrip(".") or None
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WebhookError(message + more, field=field) from exc
    except (TypeError, ValueError) as exc:
        raise WebhookError(str(exc)) from exc


def _decode(body: bytes | bytearray | memoryview | str) -> Any:
    if isinstance(body, str):
        text = body.removeprefix("\ufeff")
    else:
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise WebhookError(
                f"the body is not UTF-8 text (byte {exc.start} is invalid)"
            ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise WebhookError("the body nests too deeply to be a callback") from None
    except ValueError as exc:
        error = exc
    repaired = drop_trailing_commas(text)
    if repaired != text:
        with contextlib.suppress(ValueError, RecursionError):
            data = json.loads(repaired)
            _log.debug("a callback body with trailing commas was accepted")
            return data
    raise WebhookError(f"the body is not JSON ({error})") from None


def drop_trailing_commas(text: str) -> str:
    """Remove each comma that is followed (after whitespace) by ``}`` or ``]``.

    Commas inside JSON strings are kept; the result is only tried when the
    strict parse failed.
    """
    out: list[str] = []
    in_string = escaped = False
    comma: int | None = None
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char in "}]":
            if comma is not None:
                out[comma] = ""
            comma = None
        elif char == ",":
            comma = len(out)
        elif char not in _WHITESPACE:
            comma = None
            in_string = char == '"'
        out.append(char)
    return "".join(out)
