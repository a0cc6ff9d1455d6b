"""Wire shapes: the JSON bodies and SSE chunks the stand-in sends.

Everything here copies Ollama's OpenAI layer as of mid-2025 (``openai/openai.go``
@35fda7b, see gravix-api.md §4.2 and its Appendix): ``chatcmpl-<0..998>`` ids,
``system_fingerprint: "fp_ollama"``, tool calls with ``call_`` + 8 characters,
every stream chunk repeating ``delta.role`` and carrying ``delta.content``, and
usage only in a trailing ``choices: []`` chunk when asked for. Errors come in
two envelopes: Ollama's (``{"error":{"message","type","param","code"}}``) for
anything the backend rejects, and Gravix's documented gateway envelope
(``{"error":{"code","message","details"},"meta":{...}}``) for what the gateway
itself answers (auth, rate limits, bad gateway).
"""

from __future__ import annotations

import json
import math
import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

FINGERPRINT = "fp_ollama"
_ID_ALPHABET = string.ascii_lowercase + string.digits
_GATEWAY_STATUSES = {401, 403, 429, 502, 503, 504}
_GATEWAY_CODES = {
    401: "authentication_error",
    403: "permission_denied",
    429: "rate_limit_exceeded",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
_GATEWAY_MESSAGES = {
    401: "Invalid API key",
    403: "Forbidden",
    429: "Rate limit exceeded",
}
IMAGE_PROMPT_TOKENS = 256


@dataclass
class Generation:
    """What the "model" produced for one request, already in wire form."""

    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    prompt_tokens: int = 1
    completion_tokens: int = 1

    @property
    def usage(self) -> dict[str, int]:
        """The ``usage`` object: only the three counts, no ``*_details``."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def go_json(value: Any) -> str:
    """Serialise like Go's ``encoding/json``: compact, UTF-8, HTML-escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def completion_id(rng: random.Random) -> str:
    """``chatcmpl-%d`` with ``rand.Intn(999)``, as Ollama's ChatMiddleware does."""
    return f"chatcmpl-{rng.randrange(999)}"


def tool_call_id(rng: random.Random) -> str:
    """``call_`` plus 8 random ``[a-z0-9]``, as Ollama's ``toolCallId``."""
    return "call_" + "".join(rng.choice(_ID_ALPHABET) for _ in range(8))


def request_id(rng: random.Random) -> str:
    """A gateway request id in the documented ``req_<digits>`` form."""
    return f"req_{rng.randrange(10**11, 10**12)}"


def wire_tool_call(
    name: str, arguments: dict[str, Any], index: int, call_id: str
) -> dict[str, Any]:
    """One tool call as ``toToolCalls`` writes it (arguments as a JSON string)."""
    return {
        "id": call_id,
        "type": "function",
        "index": index,
        "function": {"name": name, "arguments": go_json(arguments)},
    }


def completion_body(
    gen: Generation, *, cid: str, model: str, created: int
) -> dict[str, Any]:
    """A non-stream ``chat.completion`` (``toChatCompletion``)."""
    message: dict[str, Any] = {"role": "assistant", "content": gen.content}
    if gen.tool_calls:
        message["tool_calls"] = gen.tool_calls
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {"index": 0, "message": message, "finish_reason": gen.finish_reason}
        ],
        "usage": gen.usage,
    }


def split_tokens(content: str) -> list[str]:
    """Split text into word-sized pieces whose concatenation is the text."""
    return re.findall(r"\s*\S+|\s+", content)


def stream_chunks(
    gen: Generation,
    *,
    cid: str,
    model: str,
    created: int,
    include_usage: bool,
) -> list[dict[str, Any]]:
    """The chunks ``ChatWriter`` would write for ``gen``, in order.

    Content goes out a word at a time; tool calls go out whole in one chunk;
    the last chunk has empty content and the finish reason; with
    ``include_usage`` a ``choices: []`` chunk carrying usage follows.
    """
    deltas: list[dict[str, Any]] = [
        {"role": "assistant", "content": piece} for piece in split_tokens(gen.content)
    ]
    if gen.tool_calls:
        deltas.append(
            {"role": "assistant", "content": "", "tool_calls": gen.tool_calls}
        )
    chunks = [_chunk(cid, model, created, [_choice(delta, None)]) for delta in deltas]
    final = {"role": "assistant", "content": ""}
    chunks.append(_chunk(cid, model, created, [_choice(final, gen.finish_reason)]))
    if include_usage:
        usage_chunk = _chunk(cid, model, created, [])
        usage_chunk["usage"] = gen.usage
        chunks.append(usage_chunk)
    return chunks


def _choice(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def _chunk(
    cid: str, model: str, created: int, choices: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": choices,
    }


def sse_event(payload: dict[str, Any] | str) -> bytes:
    """One ``data: ...`` event; a str payload (``[DONE]``) goes out verbatim."""
    data = payload if isinstance(payload, str) else go_json(payload)
    return f"data: {data}\n\n".encode()


def ollama_error(message: str, error_type: str = "api_error") -> dict[str, Any]:
    """Ollama's ``NewError`` envelope."""
    return {
        "error": {"message": message, "type": error_type, "param": None, "code": None}
    }


def gateway_error(
    status: int, message: str | None, req_id: str, details: dict[str, Any] | None
) -> dict[str, Any]:
    """Gravix's documented error envelope, used for gateway-level answers."""
    code = _GATEWAY_CODES.get(status, "error")
    text = message or _GATEWAY_MESSAGES.get(status) or _phrase(status)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "error": {"code": code, "message": text, "details": details or {}},
        "meta": {"request_id": req_id, "timestamp": stamp},
    }


def error_body(status: int, message: str | None, req_id: str) -> dict[str, Any]:
    """The body a failure with ``status`` gets when nobody supplied one.

    Gateway statuses (401, 403, 429, 502-504) use the Gravix envelope; the rest
    come from Ollama: 400s typed ``invalid_request_error``, everything else
    ``api_error`` (the 2025 layer typed every upstream error that way).
    """
    if status in _GATEWAY_STATUSES:
        return gateway_error(status, message, req_id, None)
    error_type = "invalid_request_error" if status == 400 else "api_error"
    return ollama_error(message or _phrase(status).lower(), error_type)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def estimate_tokens(text: str) -> int:
    """About four characters a token."""
    return math.ceil(len(text) / 4)


def count_words(text: str) -> int:
    """Completion tokens are counted as words (one word ~ one token here)."""
    return len(text.split())
