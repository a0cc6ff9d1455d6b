"""Request checks in the order Ollama's OpenAI layer applies them; the model's view.

1. ``ChatMiddleware`` (``openai.go`` @35fda7b, ``middleware/openai.go``
   @fb30760): the body is decoded Go-style (:mod:`tests.stand_in.go_decode`),
   an empty ``messages`` is ``"[] is too short - 'messages'"``, then
   ``fromChatRequest`` checks content shapes, tool-call arguments and image
   parts (:meth:`Ollama.decode_image`). All 400 ``invalid_request_error``.
2. ``routes.go`` ChatHandler: an empty model is 400 ``model is required``; a
   name ``model.ParseName`` cannot qualify 400 (:meth:`Ollama.invalid_model_name`);
   an unknown one 404 (:meth:`Ollama.model_not_found`); thinking asked of a
   model that cannot think 400 (current, :meth:`Ollama.thinking_error`); tools
   on a model without tools 400 ``<qualified name> does not support tools``.
   These go through the writer's ``writeError``, whose ``type`` differs by version
   (:meth:`Ollama.handler_error_type`).

Neither version checks images against the model: an image sent to a text-only
model is answered 200 and the model never sees it (:func:`model_view` drops it).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from tests.stand_in.go_decode import REQUEST_TYPES
from tests.stand_in.messages import image_url_of
from tests.stand_in.models import ModelCatalogue, ModelInfo
from tests.stand_in.ollama import INVALID_REQUEST, ImageRefused, Ollama

MIDDLEWARE = "middleware"
HANDLER = "handler"


@dataclass
class WireError(Exception):
    """A request the server refuses: status, message and Ollama error type.

    ``stage`` says who refused it: the middleware (``AbortWithStatusJSON``) or
    the chat handler (through the writer's ``writeError``).
    """

    status: int
    message: str
    type: str = INVALID_REQUEST
    stage: str = MIDDLEWARE


def validate_chat_request(
    body: dict[str, Any], catalogue: ModelCatalogue, ollama: Ollama
) -> ModelInfo:
    """Return the requested model, or raise WireError as the server would."""
    messages = body.get("messages") or []
    if not messages:
        raise WireError(400, "[] is too short - 'messages'")
    for message in messages:
        _check_message(message, ollama)
    effort_error = ollama.reasoning_effort_error(body)
    if effort_error:
        raise WireError(400, effort_error)
    return _check_handler(body, catalogue, ollama)


def _check_handler(
    body: dict[str, Any], catalogue: ModelCatalogue, ollama: Ollama
) -> ModelInfo:
    def refuse(status: int, message: str) -> WireError:
        return WireError(status, message, ollama.handler_error_type(status), HANDLER)

    top = body.get("top_logprobs")
    if not ollama.is_2025 and isinstance(top, int) and not 0 <= top <= 20:
        raise refuse(400, "top_logprobs must be between 0 and 20")
    name = body.get("model") or ""
    if not name.strip():
        raise refuse(400, "model is required")
    invalid = ollama.invalid_model_name(name)
    if invalid:
        raise refuse(400, invalid)
    model = catalogue.get(name)
    if model is None:
        raise refuse(404, ollama.model_not_found(name))
    no_thinking = ollama.thinking_error(body, model.thinking)
    if no_thinking:
        raise refuse(400, no_thinking)
    if body.get("tools") and not model.tools:
        raise refuse(400, f"{model.qualified_name} does not support tools")
    return model


def _check_message(message: Any, ollama: Ollama) -> None:
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    tool_calls = message.get("tool_calls")
    if isinstance(content, list):
        for part in content:
            _check_part(part, ollama)
    elif not isinstance(content, str) and tool_calls is None:
        # "content is only optional if tool calls are present"
        raise WireError(400, f"invalid message content type: {_go_type(content)}")
    if ollama.keeps_tool_calls(message):
        for call in tool_calls or []:
            _check_tool_call(call)


def _check_part(part: Any, ollama: Ollama) -> None:
    if not isinstance(part, dict):
        raise WireError(400, "invalid message format")
    kind = part.get("type")
    if kind == "text":
        if not isinstance(part.get("text"), str):
            raise WireError(400, "invalid message format")
    elif kind == "image_url":
        url = image_url_of(part)
        if url is None:
            raise WireError(400, "invalid message format")
        try:
            ollama.decode_image(url)
        except ImageRefused as err:
            raise WireError(400, str(err)) from None
    elif kind == "input_audio" and not ollama.is_2025:
        _check_audio(part)
    else:
        raise WireError(400, "invalid message format")


def _check_audio(part: dict[str, Any]) -> None:
    """Current ``FromChatRequest``: ``input_audio.data`` must be base64."""
    audio = part.get("input_audio")
    if not isinstance(audio, dict):
        raise WireError(400, "invalid input_audio format")
    data = audio.get("data")
    if not isinstance(data, str):
        raise WireError(400, "invalid input_audio format: missing data")
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as err:
        raise WireError(400, f"invalid input_audio base64 data: {err}") from None


def _check_tool_call(call: Any) -> None:
    """``json.Unmarshal(arguments, &map)``: a JSON object (or null) in a string."""
    function = call.get("function") if isinstance(call, dict) else None
    arguments = function.get("arguments") if isinstance(function, dict) else None
    try:
        value = json.loads(arguments if isinstance(arguments, str) else "")
    except ValueError:
        raise WireError(400, "invalid tool call arguments") from None
    if value is not None and not isinstance(value, dict):
        raise WireError(400, "invalid tool call arguments")


def model_view(
    body: dict[str, Any], model: ModelInfo, ollama: Ollama
) -> dict[str, Any]:
    """The request as the model gets it, after Ollama's translation.

    Only the fields of the version's ``ChatCompletionRequest`` survive (so
    ``tool_choice``, ``n``, ``user``... are gone); ``response_format.type`` is
    lower-cased and trimmed (``fromChatRequest``); tool calls the version drops
    (:meth:`Ollama.keeps_tool_calls`) and fields it lacks are removed; images
    are removed for a model without vision (no check anywhere: HTTP 200 and the
    runner never sees them).
    """
    fields = REQUEST_TYPES[ollama.request_fields()].fields
    view = {key: value for key, value in body.items() if key in fields}
    response_format = view.get("response_format")
    if isinstance(response_format, dict) and isinstance(
        response_format.get("type"), str
    ):
        kind = response_format["type"].strip().lower()
        view["response_format"] = {**response_format, "type": kind}
    messages = body["messages"]
    view["messages"] = [
        _message_view(m, model, ollama, messages)
        for m in messages
        if isinstance(m, dict)
    ]
    return view


def _message_view(
    message: dict[str, Any], model: ModelInfo, ollama: Ollama, messages: list[Any]
) -> dict[str, Any]:
    view = dict(message)
    if ollama.keeps_tool_message_fields() and str(view.get("role")).lower() == "tool":
        name = ollama.tool_name(view, messages)
        if name:
            view["name"] = name
    if not ollama.keeps_tool_calls(view) or not view.get("tool_calls"):
        view.pop("tool_calls", None)
    if not ollama.keeps_tool_message_fields():
        view.pop("name", None)
        view.pop("tool_call_id", None)
        if "tool_calls" in view:
            view["tool_calls"] = [
                {k: v for k, v in call.items() if k != "id"}
                for call in view["tool_calls"]
                if isinstance(call, dict)
            ]
    content = view.get("content")
    if isinstance(content, list) and not model.vision:
        view["content"] = [
            part
            for part in content
            if not (isinstance(part, dict) and part.get("type") == "image_url")
        ]
    return view


def _go_type(value: Any) -> str:
    """The ``%T`` Go prints for a decoded JSON value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "string"
