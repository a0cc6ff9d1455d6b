"""Answers coming back: finish-reason check, provider mark, key redaction, reasoning.

Used by ``ChatGravixVision``'s response hooks; each function works on what
langchain-openai already converted.
"""

from __future__ import annotations

from typing import Any

import openai
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gravix_vision import _guards
from langchain_gravix_vision._text import redact

PROVIDER = "gravixlayer"
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def _field(item: Any, name: str, default: Any = None) -> Any:
    return (
        item.get(name, default)
        if isinstance(item, dict)
        else getattr(item, name, default)
    )


def finish_result(
    result: ChatResult, response: dict | openai.BaseModel, key: str
) -> ChatResult:
    """Check and mark a non-streamed result.

    An answer without a ``finish_reason`` raises ``IncompleteResponseError``
    (Ollama cut it); the API ``key`` echoed in the text is redacted; a
    reasoning field is kept in ``additional_kwargs["reasoning_content"]``.
    """
    choices = _field(response, "choices") or []
    for generation, choice in zip(result.generations, choices, strict=False):
        if not _field(choice, "finish_reason"):
            raise _guards.incomplete(stream=False)
        message = generation.message
        message.response_metadata["model_provider"] = PROVIDER
        if key and isinstance(message.content, str):
            # A server or model that echoes the key must not pass it on.
            message.content = redact(message.content, [key], shapes=False)
            generation.text = message.content
        raw = (
            choice.get("message", {})
            if isinstance(choice, dict)
            else (choice.message.model_extra or {})
        )
        copy_reasoning(raw, message.additional_kwargs)
    return result


def finish_chunk(generation: ChatGenerationChunk, chunk: dict) -> ChatGenerationChunk:
    """Mark a streamed chunk and keep its reasoning delta."""
    generation.message.response_metadata["model_provider"] = PROVIDER
    if (choices := chunk.get("choices")) and isinstance(
        generation.message, AIMessageChunk
    ):
        copy_reasoning(
            choices[0].get("delta") or {}, generation.message.additional_kwargs
        )
    return generation


def has_finish_reason(chunk: ChatGenerationChunk) -> bool:
    """Whether a streamed chunk carries the finish reason (the stream ended well)."""
    info = chunk.generation_info or {}
    return bool(
        info.get("finish_reason")
        or chunk.message.response_metadata.get("finish_reason")
    )


def copy_reasoning(source: dict[str, Any], target: dict[str, Any]) -> None:
    """Copy a provider reasoning field into ``additional_kwargs``.

    Ollama at HEAD sends ``reasoning``; other servers send ``reasoning_content``.
    Both land in ``additional_kwargs["reasoning_content"]``.

    Example:
        >>> target = {}
        >>> copy_reasoning({"reasoning": "think"}, target)
        >>> target
        {'reasoning_content': 'think'}
    """
    for field in _REASONING_FIELDS:
        if value := source.get(field):
            target["reasoning_content"] = value
            return


__all__ = [
    "PROVIDER",
    "copy_reasoning",
    "finish_chunk",
    "finish_result",
    "has_finish_reason",
]
