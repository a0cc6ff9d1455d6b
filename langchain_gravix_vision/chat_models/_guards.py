"""Client-side guards: stop what Gravix's Ollama backend would lose without a word.

Gravix's chat endpoint is Ollama's OpenAI layer, in a version nobody outside
knows (see docs/compatibility.md). Each guard here covers a case
where one of the two versions covered (mid-2025 ``v0.9.7`` and ``v0.33``)
answers HTTP 200 but drops data, or answers with a version-specific error:

- an image sent to a model without vision is ignored by the server;
- a stream whose runner fails ends with an empty chunk and no
  ``finish_reason`` (the text so far looks like a whole answer);
- the 2025 layer drops the ``tool_calls`` of an assistant message whose
  ``content`` is not null;
- ``n`` is ignored (one choice, always);
- only JPEG/PNG base64 data URLs are taken by both versions;
- error texts and ``type``s differ by version: known ones become the same
  typed errors (:func:`translate_status_error`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from langchain_gravix_vision._text import short
from langchain_gravix_vision.errors import (
    EndpointNotFoundError,
    IncompleteResponseError,
    InvalidImageData,
    ModelNotFoundError,
    UnsupportedCapabilityError,
    UnsupportedImageFormat,
    server_message,
)
from langchain_gravix_vision.images._blocks import is_image_block

SAFE_IMAGE_PREFIXES = (
    "data:image/jpeg;base64,",
    "data:image/jpg;base64,",
    "data:image/png;base64,",
)
"""Image URLs every covered Ollama version accepts (2025: exactly these)."""

INFERENCE_PATH = "/v1/inference"
_MODEL_NOT_FOUND = re.compile(r"^model [\"'].*[\"'] not found")
_IMAGE_REFUSALS = ("invalid image input", "image URLs are not currently supported")


# -- before the request -------------------------------------------------------


def refuse_images_without_vision(
    messages: Sequence[BaseMessage], model: str, profile: dict[str, Any]
) -> None:
    """Raise if a message (tool results included) holds an image for a text model.

    A model whose profile has ``image_inputs=False`` gets no image: the server
    would answer 200 and the model would never see it.
    """
    if profile.get("image_inputs", True):
        return
    for message in messages:
        content = message.content
        if isinstance(content, list) and any(is_image_block(b) for b in content):
            where = "a tool result" if message.type == "tool" else "the messages"
            msg = (
                f"Model {model!r} does not take images (its profile has "
                f"image_inputs=False), but {where} contain an image: the server "
                "would ignore it without an error. Use a vision model such as "
                "'qwen2.5vl:7b' or 'gemma3:12b', or, if this deployment does take "
                "images, pass profile_overrides={'image_inputs': True}."
            )
            raise UnsupportedCapabilityError(msg)


def refuse_tools(model: str, profile: dict[str, Any]) -> None:
    """Refuse tools for a model whose profile has none (the server answers 400).

    Example:
        >>> refuse_tools("llama3.1:8b", {"tool_calling": True})  # fine
    """
    if not profile.get("tool_calling"):
        msg = (
            f"Model {model!r} does not support tool calling on Gravix Layer "
            "(its profile has tool_calling=False). Use a function-calling "
            "model such as 'llama3.1:8b-instruct-fp16', or override with "
            "profile_overrides={'tool_calling': True}."
        )
        raise UnsupportedCapabilityError(msg)


def refuse_reasoning(model: str, profile: dict[str, Any], payload: dict) -> None:
    """Refuse a reasoning effort for a model whose profile says it cannot think.

    Current Ollama answers 400 ``"<model>" does not support thinking`` for any
    effort but ``"none"``; a ``reasoning`` object wins over ``reasoning_effort``
    there, so it is read first here too. Profiles without ``reasoning_output``
    (unknown models) are left to the server.

    Example:
        >>> refuse_reasoning("qwen2.5vl:7b", {}, {"reasoning_effort": "high"})
    """
    if profile.get("reasoning_output") is not False:
        return
    reasoning = payload.get("reasoning")
    if isinstance(reasoning, dict):
        given, effort = "reasoning", reasoning.get("effort")
    else:
        given, effort = "reasoning_effort", payload.get("reasoning_effort")
    if effort in (None, "", "none"):
        return
    msg = (
        f"Model {model!r} does not think (its profile has reasoning_output=False),"
        f" so the server refuses {given}={short(str(effort), 20)!r} with HTTP 400."
        f" Leave {given} unset or 'none', or override with"
        " profile_overrides={'reasoning_output': True}."
    )
    raise UnsupportedCapabilityError(msg)


def require_api_key(key: SecretStr | None, env: str) -> str:
    """The key's value; a ``ValueError`` naming ``env`` if it is missing or empty."""
    if key is None or not key.get_secret_value():
        msg = (
            f"Gravix Layer API key is not set. Set the {env} "
            "environment variable or pass api_key=... to ChatGravixVision."
        )
        raise ValueError(msg)
    return key.get_secret_value()


def check_n(n: int | None) -> None:
    """A ``ValueError`` for ``n < 1``; :func:`refuse_n` for ``n > 1``."""
    if n is not None and n < 1:
        msg = "n must be at least 1."
        raise ValueError(msg)
    refuse_n(n)


def refuse_n(n: Any) -> None:
    """Raise for ``n > 1``: the server ignores ``n`` and returns one choice."""
    if isinstance(n, int) and n > 1:
        msg = (
            f"n={n} is not supported: Gravix's Ollama backend ignores n and "
            "always returns one choice. Call the model n times instead (e.g. "
            "llm.batch([messages] * n))."
        )
        raise UnsupportedCapabilityError(msg)


def check_sent_images(
    payload_messages: list[dict[str, Any]], model: str, profile: dict[str, Any]
) -> None:
    """With ``image_policy=None``: only image URLs every version accepts.

    JPEG and PNG base64 data URLs pass; http(s) URLs only where the profile
    says ``image_url_inputs=True``; anything else (WebP, GIF, a blank MIME
    type, broken base64) raises before the request.
    """
    for message in payload_messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image_url":
                _check_sent_image(_url_of(part), model, profile)


def _url_of(part: dict[str, Any]) -> str:
    value = part.get("image_url")
    if isinstance(value, dict):
        value = value.get("url")
    return value if isinstance(value, str) else ""


def _check_sent_image(url: str, model: str, profile: dict[str, Any]) -> None:
    if url.startswith(("http://", "https://")):
        if profile.get("image_url_inputs"):
            return
        msg = (
            f"Model {model!r} cannot take image URLs (its profile has "
            "image_url_inputs=False; Ollama refuses http(s) images). Keep an "
            "image_policy (the default downloads the image and sends its bytes), "
            "or pass profile_overrides={'image_url_inputs': True} if the server "
            "fetches URLs itself."
        )
        raise UnsupportedCapabilityError(msg)
    prefix = next((p for p in SAFE_IMAGE_PREFIXES if url.startswith(p)), None)
    if prefix is None:
        kind = url.split(";", 1)[0].removeprefix("data:") or "no MIME type"
        msg = (
            f"image_policy=None sends images as they are, and this one is {kind!r}: "
            "Gravix's Ollama backend takes only JPEG and PNG base64 data URLs "
            "(newer Ollama also takes WebP; the version Gravix runs is unknown). "
            "Keep the default image_policy to convert it, or convert it yourself."
        )
        raise UnsupportedImageFormat(msg)
    payload = url[len(prefix) :].replace("\r", "").replace("\n", "")
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        msg = "an image data URL holds invalid base64; the server would refuse it"
        raise InvalidImageData(msg) from None


def keep_tool_calls(payload_messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send assistant tool calls with ``content: null``, their text just before.

    Ollama before v0.11.4 keeps an assistant message's ``tool_calls`` only when
    its ``content`` is null (``openai.go`` fromChatRequest): with any text the
    calls vanish, and the following tool results answer nothing. So a message
    with both goes out as two assistant messages: the text alone, then the
    calls with ``content: null``. Ollama itself turns each content part into
    its own message, so the model reads the same turn.
    """
    out: list[dict[str, Any]] = []
    for message in payload_messages:
        content = message.get("content")
        if (
            message.get("role") == "assistant"
            and message.get("tool_calls")
            and content is not None
        ):
            text = {k: v for k, v in message.items() if k != "tool_calls"}
            if content != "" and content != []:
                out.append(text)
            out.append({**message, "content": None})
        else:
            out.append(message)
    return out


# -- after the request --------------------------------------------------------


def incomplete(stream: bool) -> IncompleteResponseError:
    """The error for an answer without a ``finish_reason``."""
    what = "stream ended" if stream else "answer came back"
    msg = (
        f"The {what} without a finish_reason: the model server stopped before "
        "the answer was complete (Ollama reports a failure mid-answer this "
        "way), so the text so far is not returned. Retrying is safe."
    )
    return IncompleteResponseError(msg)


@contextmanager
def typed_errors(model: str, base_url: str) -> Iterator[None]:
    """Known server refusals (both Ollama versions) become typed errors."""
    try:
        yield
    except openai.APIStatusError as exc:
        typed = translate_status_error(exc, model, base_url)
        if typed is not None:
            raise typed from exc
        raise


def translate_status_error(
    exc: openai.APIStatusError, model: str, base_url: str
) -> Exception | None:
    """A typed error for a known server refusal, the same for both versions.

    None leaves ``exc`` as it is (the openai SDK's own typed errors).
    """
    text = server_message(exc)
    status = exc.status_code
    if status == 404:
        if _MODEL_NOT_FOUND.match(text):
            msg = (
                f"Model {model!r} is not served here (HTTP 404: {short(text, 200)}). "
                "Check the model name; GET <base_url>/models lists the models."
            )
            return ModelNotFoundError(msg)
        if not isinstance(exc.body, dict) or not _path_ok(base_url):
            return EndpointNotFoundError(_endpoint_message(base_url))
    if status == 400:
        if "does not support thinking" in text:
            msg = (
                f"Model {model!r} does not think on this server (HTTP 400:"
                f" {short(text, 200)}). Leave reasoning_effort unset or 'none'."
            )
            return UnsupportedCapabilityError(msg)
        if text in ("invalid model name", "model is required") and model:
            msg = (
                f"Model {model!r} is not a valid model name here (HTTP 400: {text})."
                " GET <base_url>/models lists the models."
            )
            return ModelNotFoundError(msg)
        if "does not support tools" in text:
            msg = (
                f"Model {model!r} does not support tool calling on this server "
                f"(HTTP 400: {short(text, 200)}). Use a function-calling model such "
                "as 'llama3.1:8b-instruct-fp16'."
            )
            return UnsupportedCapabilityError(msg)
        if text.startswith(_IMAGE_REFUSALS):
            msg = (
                f"The server refused an image (HTTP 400: {short(text, 200)}). It takes "
                "only JPEG/PNG base64 data URLs; keep the default image_policy."
            )
            return UnsupportedImageFormat(msg)
    return None


def _path_ok(base_url: str) -> bool:
    path = urlsplit(base_url).path.rstrip("/")
    return path.endswith(INFERENCE_PATH)


def _endpoint_message(base_url: str) -> str:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return (
        f"HTTP 404 for {shown!r} + '/chat/completions': there is no chat endpoint "
        "at this base URL. For Gravix Layer it must end with /v1/inference, e.g. "
        "base_url='https://api.gravixlayer.com/v1/inference' (or set "
        "GRAVIXLAYER_BASE_URL); for a local Ollama, 'http://localhost:11434/v1'."
    )
