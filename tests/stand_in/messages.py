"""Reading chat requests: message text, image parts and image headers.

Small helpers shared by the validator and the default responder. They never
raise on odd input; validation decides what is an error.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImageHeader:
    """What the stand-in can tell about an image without decoding pixels."""

    format: str
    width: int
    height: int


def messages_of(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's messages that are dicts (anything else is skipped)."""
    messages = request.get("messages")
    if not isinstance(messages, list):
        return []
    return [m for m in messages if isinstance(m, dict)]


def content_parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The content as a list of parts (a plain string becomes one text part)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return []


def message_text(message: dict[str, Any]) -> str:
    """All text in a message, parts joined by newlines."""
    texts = [
        part["text"]
        for part in content_parts(message)
        if part.get("type") == "text" and isinstance(part.get("text"), str)
    ]
    return "\n".join(texts)


def image_url_of(part: dict[str, Any]) -> str | None:
    """The URL of an ``image_url`` part (object or bare-string form)."""
    value = part.get("image_url")
    if isinstance(value, dict):
        value = value.get("url")
    return value if isinstance(value, str) else None


def message_images(message: dict[str, Any]) -> list[str]:
    """The image URLs in one message."""
    urls = []
    for part in content_parts(message):
        if part.get("type") == "image_url":
            url = image_url_of(part)
            if url is not None:
                urls.append(url)
    return urls


def request_images(request: dict[str, Any]) -> list[str]:
    """Every image URL in the request, in order."""
    return [url for m in messages_of(request) for url in message_images(m)]


def last_message(request: dict[str, Any]) -> dict[str, Any]:
    """The final message, or an empty dict."""
    messages = messages_of(request)
    return messages[-1] if messages else {}


def last_user_text(request: dict[str, Any]) -> str:
    """Text of the latest user message (the question being answered)."""
    for message in reversed(messages_of(request)):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def decode_data_url(url: str) -> bytes | None:
    """The bytes of a ``data:...;base64,`` URL (``\r\n`` skipped, as Go does).

    Which URLs a server accepts is decided by :meth:`Ollama.decode_image`; this
    only reads what was accepted.
    """
    if not url.startswith("data:") or ";base64," not in url:
        return None
    payload = url.split(";base64,", 1)[1].replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def image_header(data: bytes) -> ImageHeader | None:
    """Format and size of a PNG or JPEG, read from its header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageHeader("PNG", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_header(data)
    return None


def _jpeg_header(data: bytes) -> ImageHeader | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageHeader("JPEG", width, height)
        pos += 2 + length
    return None
