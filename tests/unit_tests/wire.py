"""An in-memory wire for unit tests: the real openai SDK, no sockets.

Requests go through the SDK into an httpx2 ``MockTransport``, so a test sees
exactly the JSON body the server would get and scripts the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from langchain_gravix_vision import ChatGravixVision

FAKE_KEY = "sk-unit-test-secret-key-1234"


def completion(content: str = "ok", **message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-7",
        "object": "chat.completion",
        "created": 1752093069,
        "model": "qwen2.5vl:7b",
        "system_fingerprint": "fp_ollama",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13},
    }


def sse(chunks: list[dict[str, Any]]) -> bytes:
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def default_answer(body: dict[str, Any]) -> httpx2.Response:
    """``ok``, as a completion or, for stream requests, as server-sent events."""
    if not body.get("stream"):
        return httpx2.Response(200, json=completion())
    chunk = {
        "id": "chatcmpl-5",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": body["model"],
        "system_fingerprint": "fp_ollama",
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": "ok"},
                "finish_reason": "stop",
            }
        ],
    }
    return httpx2.Response(
        200, content=sse([chunk]), headers={"content-type": "text/event-stream"}
    )


class Wire:
    """Captures request bodies and answers with a scripted response."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], httpx2.Response] = default_answer

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        return self.answer(body)

    def model(self, **kwargs: Any) -> ChatGravixVision:
        kwargs.setdefault("max_retries", 0)
        return ChatGravixVision(
            api_key=FAKE_KEY,
            http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)),
            http_async_client=httpx2.AsyncClient(
                transport=httpx2.MockTransport(self.handler)
            ),
            **kwargs,
        )

    def queue(self, *answers: dict[str, Any] | httpx2.Response) -> None:
        """Answer the next requests in order (dicts are JSON completions)."""
        pending = list(answers)

        def answer(_body: dict[str, Any]) -> httpx2.Response:
            item = pending.pop(0)
            return (
                item
                if isinstance(item, httpx2.Response)
                else httpx2.Response(200, json=item)
            )

        self.answer = answer

    @property
    def last(self) -> dict[str, Any]:
        return self.bodies[-1]


def image_parts(body: dict[str, Any]) -> int:
    """How many ``image_url`` parts a request body's messages carry."""
    return sum(
        part.get("type") == "image_url"
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
    )
