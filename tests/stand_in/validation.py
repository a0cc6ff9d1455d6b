"""Request checks, in the order the Gravix gateway + Ollama (mid-2025) apply them.

1. gateway schema check: ``model`` and a non-empty ``messages``
   (``"[] is too short - 'messages'"``);
2. Ollama's ``fromChatRequest``: message content shapes, tool-call arguments,
   image parts (only ``data:image/{jpeg,jpg,png};base64,`` is accepted, anything
   else is 400 ``invalid image input``);
3. model lookup (404 ``model "x" not found, try pulling it first``);
4. capability checks: tools on a model without tools (400 ``... does not
   support tools``), images on a model without vision (400, the message Ollama's
   runner gives).

Upstream (steps 3-4) errors are typed ``api_error`` whatever their status,
as the 2025 layer did; middleware errors are ``invalid_request_error``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.stand_in.messages import (
    ACCEPTED_IMAGE_PREFIXES,
    decode_data_url,
    image_url_of,
)
from tests.stand_in.models import ModelCatalogue, ModelInfo

INVALID_REQUEST = "invalid_request_error"
API_ERROR = "api_error"


@dataclass
class WireError(Exception):
    """A request the server refuses: status, message and Ollama error type."""

    status: int
    message: str
    type: str = INVALID_REQUEST


def validate_chat_request(body: Any, catalogue: ModelCatalogue) -> ModelInfo:
    """Return the requested model, or raise WireError as the server would."""
    if not isinstance(body, dict):
        raise WireError(400, "json: cannot unmarshal request body")
    _check_schema(body)
    for message in body["messages"]:
        _check_message(message)
    model = catalogue.get(str(body["model"]))
    if model is None:
        msg = f'model "{body["model"]}" not found, try pulling it first'
        raise WireError(404, msg, API_ERROR)
    _check_capabilities(body, model)
    return model


def _check_schema(body: dict[str, Any]) -> None:
    if "model" not in body:
        raise WireError(400, "'model' is a required property")
    if not isinstance(body["model"], str) or not body["model"].strip():
        raise WireError(400, "model is required", API_ERROR)
    if "messages" not in body:
        raise WireError(400, "'messages' is a required property")
    messages = body["messages"]
    if not isinstance(messages, list):
        raise WireError(400, f"{json.dumps(messages)} is not of type 'array'")
    if not messages:
        raise WireError(400, "[] is too short - 'messages'")


def _check_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise WireError(400, "invalid message format")
    content = message.get("content")
    tool_calls = message.get("tool_calls")
    if isinstance(content, list):
        for part in content:
            _check_part(part)
    elif not isinstance(content, str) and not tool_calls:
        # "content is only optional if tool calls are present"
        raise WireError(400, f"invalid message content type: {_go_type(content)}")
    for call in tool_calls or []:
        _check_tool_call(call)


def _check_part(part: Any) -> None:
    if not isinstance(part, dict):
        raise WireError(400, "invalid message format")
    kind = part.get("type")
    if kind == "text":
        if not isinstance(part.get("text"), str):
            raise WireError(400, "invalid message format")
    elif kind == "image_url":
        _check_image(part)
    else:
        raise WireError(400, "invalid message format")


def _check_image(part: dict[str, Any]) -> None:
    url = image_url_of(part)
    if url is None:
        raise WireError(400, "invalid message format")
    prefix = next((p for p in ACCEPTED_IMAGE_PREFIXES if url.startswith(p)), None)
    if prefix is None:
        raise WireError(400, "invalid image input")
    if decode_data_url(url) is None:
        raise WireError(400, "invalid message format")


def _check_tool_call(call: Any) -> None:
    function = call.get("function") if isinstance(call, dict) else None
    arguments = function.get("arguments") if isinstance(function, dict) else None
    if not isinstance(arguments, str):
        raise WireError(400, "invalid tool call arguments")
    try:
        json.loads(arguments)
    except ValueError:
        raise WireError(400, "invalid tool call arguments") from None


def _check_capabilities(body: dict[str, Any], model: ModelInfo) -> None:
    if body.get("tools") and not model.tools:
        msg = f"{model.qualified_name} does not support tools"
        raise WireError(400, msg, API_ERROR)
    if _has_images(body) and not model.vision:
        msg = "this model is missing data required for image input"
        raise WireError(400, msg, API_ERROR)


def _has_images(body: dict[str, Any]) -> bool:
    return any(
        isinstance(part, dict) and part.get("type") == "image_url"
        for message in body["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
    )


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
