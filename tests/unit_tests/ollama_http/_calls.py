"""Requests and answers the per-version stand-in tests share."""

from __future__ import annotations

from typing import Any

import httpx

from tests.stand_in import StandInServer

VISION_MODEL = "gemma3:12b"
HELLO = [{"role": "user", "content": "Hello"}]


def is_2025(server: StandInServer) -> bool:
    """Whether ``server`` emulates Ollama 2025 (else current)."""
    return server.ollama.name == "2025"


def chat(http: httpx.Client, **body: Any) -> httpx.Response:
    """POST a chat completion (the vision model and "Hello" unless given)."""
    body.setdefault("model", VISION_MODEL)
    body.setdefault("messages", HELLO)
    return http.post("/chat/completions", json=body)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an OpenAI-shaped error answer."""
    return response.json()["error"]
