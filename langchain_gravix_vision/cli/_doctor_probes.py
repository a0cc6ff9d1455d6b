"""The doctor's probe requests and how each answer is judged (see doctor.py)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image, ImageDraw

from langchain_gravix_vision._text import short

HTTP_IMAGE_URL = (
    "https://raw.githubusercontent.com/langchain-ai/docs/"
    "4d11d08b6b0e210bd456943f7a22febbd168b543/src/images/agentic-rag-output.png"
)
GRID_SIDE = 1000
MAX_TOKENS = 5
TOOL = {
    "type": "function",
    "function": {
        "name": "record_colour",
        "description": "Record a colour name.",
        "parameters": {
            "type": "object",
            "properties": {"colour": {"type": "string"}},
            "required": ["colour"],
        },
    },
}
SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}},
    "required": ["count"],
    "additionalProperties": False,
}


def data_url(fmt: str, side: int = 32, grid: bool = False) -> str:
    """A red square (with a 50 px grid) as a data URL in ``fmt``."""
    image = Image.new("RGB", (side, side), (200, 40, 40))
    if grid:
        draw = ImageDraw.Draw(image)
        for i in range(0, side, 50):
            draw.line([(i, 0), (i, side)], fill=(0, 0, 0))
            draw.line([(0, i), (side, i)], fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"data:image/{fmt.lower()};base64,{encoded}"


def image_message(url: str) -> list[dict[str, Any]]:
    """One user message: a short question and the image ``url``."""
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Name the main colour in one word."},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]


def text_message(text: str = "Name the main colour in one word.") -> list[Any]:
    """One text-only user message."""
    return [{"role": "user", "content": text}]


def stream_result(text: str) -> dict[str, Any]:
    """Chunk count and the last usage of a server-sent-events body."""
    chunks = []
    for line in text.splitlines():
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            try:
                chunks.append(json.loads(line[5:]))
            except ValueError:
                continue
    usage = next((c["usage"] for c in reversed(chunks) if c.get("usage")), None)
    return {"chunks": len(chunks), "usage": usage}


def _message(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return data["choices"][0]["message"] or {}
    except (KeyError, IndexError, TypeError):
        return {}


def forced_tool(data: dict[str, Any]) -> tuple[bool, str]:
    """Did the forced ``tool_choice`` produce a call of that tool?"""
    calls = _message(data).get("tool_calls") or []
    names = [c.get("function", {}).get("name") for c in calls]
    return "record_colour" in names, f"tool calls: {names or 'none'}"


def valid_count(data: dict[str, Any]) -> tuple[bool, str]:
    """Does the content match the ``json_schema`` (``{"count": int}``)?"""
    content = _message(data).get("content") or ""
    try:
        value = json.loads(content)
    except ValueError:
        return False, f"not JSON: {short(content, 40)}"
    ok = (
        isinstance(value, dict)
        and set(value) == {"count"}
        and isinstance(value["count"], int)
    )
    return ok, short(content, 40)


def stream_usage(data: dict[str, Any]) -> tuple[bool, str]:
    """Did the stream end with a usage chunk?"""
    usage = data.get("usage")
    if not usage:
        return False, f"{data['chunks']} chunks, no usage chunk"
    tokens = f"{usage.get('prompt_tokens')} + {usage.get('completion_tokens')}"
    return True, f"{data['chunks']} chunks, usage {tokens} tokens"


def within_max_tokens(data: dict[str, Any]) -> tuple[bool | None, str]:
    """Did the answer stay within ``MAX_TOKENS`` completion tokens?"""
    used = (data.get("usage") or {}).get("completion_tokens")
    finish = (data.get("choices") or [{}])[0].get("finish_reason")
    if used is None:
        return None, f"no usage; finish_reason {finish}"
    return used <= MAX_TOKENS, f"{used} tokens for max {MAX_TOKENS}; {finish}"


def reasoning_fields(data: dict[str, Any]) -> tuple[bool, str]:
    """Does the message carry reasoning/thinking fields?"""
    fields = sorted(k for k in _message(data) if "reason" in k or "think" in k)
    return bool(fields), f"reasoning fields: {fields or 'none'}"
