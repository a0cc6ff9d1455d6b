"""Wire shapes: the JSON bodies and SSE chunks the stand-in sends.

Everything here copies Ollama's OpenAI layer (``openai/openai.go`` @35fda7b for
2025, plus ``middleware/openai.go`` @fb30760 for current; the differences are
decided in :mod:`tests.stand_in.ollama`): ``chatcmpl-<0..998>`` ids,
``system_fingerprint: "fp_ollama"``, tool calls with ``call_`` + 8 characters,
usage only in a trailing ``choices: []`` chunk when asked for. Errors come in
two envelopes: Ollama's (``{"error":{"message","type","param","code"}}``) for
anything the backend rejects, and Gravix's documented gateway envelope
(``{"error":{"code","message","details"},"meta":{...}}``) for what the gateway
itself answers (auth, rate limits, bad gateway). The gateway envelope, its
statuses and the request ids are an assumption: they are not in Ollama's source
and come from Gravix's documentation only.
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

from tests.stand_in.ollama import error_type_for

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
    reasoning: str = ""
    top_logprobs: int | None = None
    """None: no logprobs; else how many alternatives per token (current only)."""

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
    name: str,
    arguments: dict[str, Any],
    index: int,
    call_id: str,
    *,
    sort_keys: bool = True,
) -> dict[str, Any]:
    """One tool call as ``toToolCalls`` writes it (arguments as a JSON string).

    Nested objects are Go maps, so their keys come out sorted; the top level is
    sorted too unless ``sort_keys`` is False (current Ollama's ordered map).
    """
    ordered = {k: _sorted(v) for k, v in arguments.items()}
    if sort_keys:
        ordered = dict(sorted(ordered.items()))
    return {
        "id": call_id,
        "index": index,
        "type": "function",
        "function": {"name": name, "arguments": go_json(ordered)},
    }


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def completion_body(
    gen: Generation, *, cid: str, model: str, created: int
) -> dict[str, Any]:
    """A non-stream ``chat.completion`` (``toChatCompletion``).

    ``reasoning`` (current only, ``Message.Reasoning`` omitempty) sits between
    content and tool calls, as Go writes the struct's fields in order. An empty
    ``finish_reason`` is written as null (``DoneReason`` empty).
    """
    message: dict[str, Any] = {"role": "assistant", "content": gen.content}
    if gen.reasoning:
        message["reasoning"] = gen.reasoning
    if gen.tool_calls:
        message["tool_calls"] = gen.tool_calls
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": gen.finish_reason or None,
    }
    if gen.top_logprobs is not None and gen.content:
        choice["logprobs"] = {"content": logprobs_for(gen.content, gen.top_logprobs)}
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [choice],
        "usage": gen.usage,
    }


def logprobs_for(text: str, top: int) -> list[dict[str, Any]]:
    """``api.Logprob`` entries, one per word of ``text`` (a fixed -0.1 each),
    each with ``top`` alternatives when asked (``top_logprobs``)."""
    entries = []
    for piece in split_tokens(text):
        entry: dict[str, Any] = {
            "token": piece,
            "logprob": -0.1,
            "bytes": list(piece.encode()),
        }
        if top:  # ``top`` alternatives, best first: the token itself, then others
            others = [f"{piece.strip() or piece}~{rank}" for rank in range(1, top)]
            entry["top_logprobs"] = [
                {"token": token, "logprob": -0.1 - rank, "bytes": list(token.encode())}
                for rank, token in enumerate([piece, *others])
            ]
        entries.append(entry)
    return entries


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
    role_on_every_chunk: bool = True,
    separate_finish_chunk: bool = False,
) -> list[dict[str, Any]]:
    """The chunks Ollama's ``ChatWriter`` would write for ``gen``, in order.

    Reasoning (if any) then content go out a word at a time; tool calls go out
    whole in one chunk. 2025 (``role_on_every_chunk``): every delta has the
    role and the done response is a last ``{"role","content":""}`` chunk with
    the finish reason. Current (``separate_finish_chunk``): the role is on the
    first delta only and a ``delta: {}`` chunk carries the finish reason. With
    ``include_usage`` a ``choices: []`` chunk carrying usage follows.
    """
    deltas: list[dict[str, Any]] = [
        {"content": "", "reasoning": piece} for piece in split_tokens(gen.reasoning)
    ]
    deltas += [{"content": piece} for piece in split_tokens(gen.content)]
    if gen.tool_calls:
        deltas.append({"content": "", "tool_calls": gen.tool_calls})
    if not separate_finish_chunk or not deltas:
        deltas.append({"content": ""})  # the done response itself
    for index, delta in enumerate(deltas):
        if role_on_every_chunk or index == 0:
            deltas[index] = {"role": "assistant", **delta}
    chunks = [_chunk(cid, model, created, [_choice(d, None)]) for d in deltas]
    if gen.top_logprobs is not None:
        for chunk in chunks:
            choice = chunk["choices"][0]
            piece = choice["delta"].get("content")
            if piece and not choice["delta"].get("reasoning"):
                content = logprobs_for(piece, gen.top_logprobs)
                choice["logprobs"] = {"content": content}
    finish = gen.finish_reason or None
    if separate_finish_chunk:
        chunks.append(_chunk(cid, model, created, [_choice({}, finish or "stop")]))
    else:
        chunks[-1]["choices"][0]["finish_reason"] = finish
    if include_usage:
        usage_chunk = _chunk(cid, model, created, [])
        usage_chunk["usage"] = gen.usage
        chunks.append(usage_chunk)
    return chunks


def error_chunk(cid: str, created: int, *, role: bool) -> dict[str, Any]:
    """The chunk a runner error becomes once the stream is open.

    ``streamResponse`` writes ``{"error": "..."}`` through ``ChatWriter``, which
    decodes it as an empty ``ChatResponse``: no model, empty content, no
    finish reason (and no ``[DONE]`` after it). 2025 puts the role in the
    delta; current only on a first chunk, which this never is.
    """
    delta: dict[str, Any] = (
        {"role": "assistant", "content": ""} if role else {"content": ""}
    )
    return _chunk(cid, "", created, [_choice(delta, None)])


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


def error_body(
    status: int, message: str | None, req_id: str, error_type: str | None = None
) -> dict[str, Any]:
    """The body a failure with ``status`` gets when nobody supplied one.

    Gateway statuses (401, 403, 429, 502-504) use the Gravix envelope (an
    assumption, see the module docstring); the rest come from Ollama, typed
    ``error_type`` (default: ``openai.go`` NewError for the status).
    """
    if status in _GATEWAY_STATUSES:
        return gateway_error(status, message, req_id, None)
    if error_type is None:
        error_type = error_type_for(status)
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
