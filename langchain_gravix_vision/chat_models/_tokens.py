"""Offline prompt-token counts for a chat-completions request (no tokenizer download).

Images are exact: their cost follows from the size actually sent and the
model's image resolution (see ``profiles.image_prompt_tokens``). Text is an
estimate, documented and stable: four characters a token, plus
``MESSAGE_OVERHEAD`` tokens a message (role and template markers); tool
calls and tool schemas are counted as their JSON text.

Example:
    >>> count_payload_tokens(
    ...     {"messages": [{"role": "user", "content": "Hello there!"}]}, None
    ... )
    7
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai.chat_models.base import _convert_message_to_dict
from PIL import Image

from langchain_gravix_vision.chat_models._message_images import prepare_messages
from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.resolution import (
    DEFAULT_IMAGE_TOKENS,
    IMAGE_MARKER_TOKENS,
    ImageResolution,
    image_prompt_tokens,
)

MESSAGE_OVERHEAD = 4
"""Tokens each message costs beyond its text (role and template markers)."""
CHARS_PER_TOKEN = 4
"""The text estimate: about four characters a token (English prose)."""


def estimate_text_tokens(text: str) -> int:
    """Estimated tokens of ``text``: ``ceil(len(text) / 4)``.

    Example:
        >>> estimate_text_tokens("abcdefgh"), estimate_text_tokens("abc")
        (2, 1)
    """
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return []


def _image_size(url: str) -> tuple[int, int] | None:
    """``(width, height)`` of a data URL image, read from its header only."""
    if not url.startswith("data:") or ";base64," not in url:
        return None
    try:
        data = base64.b64decode(url.split(";base64,", 1)[1], validate=True)
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (binascii.Error, ValueError, OSError):
        return None


def _image_tokens(part: dict[str, Any], resolution: ImageResolution | None) -> int:
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, dict) else value
    size = _image_size(url) if isinstance(url, str) else None
    if size is None or resolution is None:
        # A URL the server fetches itself: its size is unknown here.
        return DEFAULT_IMAGE_TOKENS + IMAGE_MARKER_TOKENS
    return image_prompt_tokens(size[0], size[1], resolution)


def count_payload_tokens(
    payload: dict[str, Any], resolution: ImageResolution | None
) -> int:
    """Prompt tokens of a chat-completions request body (images exact, text est.)."""
    total = 0
    for message in payload.get("messages") or []:
        if not isinstance(message, dict):
            continue
        parts = _parts(message)
        text = "\n".join(
            p["text"]
            for p in parts
            if p.get("type") == "text" and isinstance(p.get("text"), str)
        )
        total += MESSAGE_OVERHEAD + estimate_text_tokens(text)
        for part in parts:
            if part.get("type") == "image_url":
                total += _image_tokens(part, resolution)
        for call in message.get("tool_calls") or []:
            total += estimate_text_tokens(json.dumps(call))
    if tools := payload.get("tools"):
        total += estimate_text_tokens(json.dumps(tools))
    return max(total, 1)


def count_message_tokens(
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] | None,
    *,
    policy: ImagePolicy | None,
    resolution: ImageResolution,
    allow_fetching_images: bool = True,
) -> int:
    """Prompt tokens of LangChain messages, their images prepared as for a request.

    Example:
        >>> from langchain_core.messages import HumanMessage
        >>> count_message_tokens([HumanMessage("Hello there!")], None,
        ...     policy=None, resolution={"strategy": "fit", "max_side": 896})
        7
    """
    if policy is not None and not allow_fetching_images:
        policy = policy.model_copy(update={"url_mode": "pass_through"})
    prepared = prepare_messages(messages, policy=policy, resolution=resolution)
    payload: dict[str, Any] = {
        "messages": [_convert_message_to_dict(m) for m in prepared]
    }
    if tools:
        payload["tools"] = [convert_to_openai_tool(t) for t in tools]
    return count_payload_tokens(payload, resolution)
