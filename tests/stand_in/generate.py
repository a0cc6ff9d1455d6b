"""Turn a ``Reply`` into what Ollama would send: stops, length limit, ids, usage.

Request options applied here, as the mid-2025 layer did:

- ``stop`` (a string or list) cuts the answer at the first stop string;
- ``max_tokens`` (Ollama's ``num_predict``) keeps that many words and marks the
  answer ``finish_reason: "length"``; ``max_completion_tokens`` is ignored;
- tool calls get ``call_xxxxxxxx`` ids, and the finish reason becomes
  ``tool_calls`` as the version decides (:meth:`Ollama.finish_reason`);
- reasoning goes out only where the version thinks (:meth:`Ollama.thinks`).

Usage is estimated: prompt tokens are text characters / 4 (tool schemas
included) plus each image's cost as the model's processor counts it (Qwen2.5-VL:
one token per 28 x 28 cell of the smart-resized image plus two markers;
Gemma 3: 256 plus two markers; other models 256); completion tokens are the
answer's words.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

from tests.stand_in.messages import (
    content_parts,
    decode_data_url,
    image_header,
    image_url_of,
    message_text,
    messages_of,
)
from tests.stand_in.ollama import Ollama
from tests.stand_in.responder import Reply
from tests.stand_in.wire import (
    IMAGE_PROMPT_TOKENS,
    Generation,
    count_words,
    estimate_tokens,
    split_tokens,
    tool_call_id,
    wire_tool_call,
)

_MESSAGE_OVERHEAD = 4
DEFAULT_REASONING = "Let me look at the request and answer it step by step."


def build_generation(
    reply: Reply,
    request: dict[str, Any],
    rng: random.Random,
    *,
    ollama: Ollama,
    thinks: bool = False,
) -> Generation:
    """The generation ``reply`` becomes under ``request``'s options.

    ``thinks``: the model thinks and the version sends ``reasoning``.
    """
    tool_calls = [
        wire_tool_call(
            str(call.get("name", "")),
            dict(call.get("arguments") or {}),
            index,
            str(call.get("id") or tool_call_id(rng)),
            sort_keys=ollama.sorts_argument_keys(),
        )
        for index, call in enumerate(reply.tool_calls or [])
    ]
    content = "" if tool_calls else reply.content
    finish = reply.finish_reason
    if finish is None:
        content, finish = _limit(content, request)
    if finish:
        finish = ollama.finish_reason(finish, bool(tool_calls))
    reasoning = (reply.reasoning or DEFAULT_REASONING) if thinks else ""
    return Generation(
        content=content,
        tool_calls=tool_calls,
        finish_reason=finish,
        prompt_tokens=prompt_tokens(request),
        completion_tokens=_completion_tokens(content + " " + reasoning, tool_calls),
        reasoning=reasoning,
        top_logprobs=ollama.logprobs(request),
    )


def _limit(content: str, request: dict[str, Any]) -> tuple[str, str]:
    content = _apply_stop(content, request.get("stop"))
    max_tokens = request.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > 0:
        pieces = split_tokens(content)
        words = [p for p in pieces if p.strip()]
        if len(words) > max_tokens:
            return "".join(pieces[: _index_of_word(pieces, max_tokens)]), "length"
    return content, "stop"


def _apply_stop(content: str, stop: Any) -> str:
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list):
        return content
    cuts = [content.find(s) for s in stops if isinstance(s, str) and s]
    cuts = [c for c in cuts if c >= 0]
    return content[: min(cuts)] if cuts else content


def _index_of_word(pieces: list[str], count: int) -> int:
    """Number of pieces that hold the first ``count`` words."""
    seen = 0
    for index, piece in enumerate(pieces):
        if piece.strip():
            seen += 1
            if seen == count:
                return index + 1
    return len(pieces)


def prompt_tokens(request: dict[str, Any]) -> int:
    """Estimated prompt tokens: text / 4, +256 an image, +4 a message."""
    total = 0
    for message in messages_of(request):
        total += _MESSAGE_OVERHEAD + estimate_tokens(message_text(message))
        images = [p for p in content_parts(message) if p.get("type") == "image_url"]
        total += sum(_image_tokens(str(request.get("model")), p) for p in images)
        for call in message.get("tool_calls") or []:
            total += estimate_tokens(json.dumps(call))
    tools = request.get("tools")
    if tools:
        total += estimate_tokens(json.dumps(tools))
    return max(total, 1)


def _image_tokens(model: str, part: dict[str, Any]) -> int:
    """One image's prompt tokens, as the model's image processor counts them."""
    name = model.lower()
    if "gemma" in name:
        return 256 + 2
    url = image_url_of(part)
    data = decode_data_url(url) if url else None
    header = image_header(data) if data else None
    if "qwen" not in name or header is None:
        return IMAGE_PROMPT_TOKENS
    width, height = _smart_resize(header.width, header.height)
    return (width // 28) * (height // 28) + 2


def _smart_resize(
    width: int, height: int, factor: int = 28, max_pixels: int = 2 << 20
) -> tuple[int, int]:
    """Qwen2.5-VL's ``smart_resize`` (min 56 x 56 pixels, max 2M, multiples of 28)."""
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < 56 * 56:
        beta = math.sqrt(56 * 56 / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return w_bar, h_bar


def _completion_tokens(content: str, tool_calls: list[dict[str, Any]]) -> int:
    count = count_words(content)
    for call in tool_calls:
        function = call["function"]
        count += 8 + estimate_tokens(function["name"] + function["arguments"])
    return max(count, 1)
