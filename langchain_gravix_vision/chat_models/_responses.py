"""Answers coming back: finish-reason check, provider mark, key redaction, reasoning.

Used by ``ChatGravixVision``'s response hooks; each function works on what
langchain-openai already converted.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from contextlib import aclosing, closing, contextmanager
from contextvars import ContextVar
from typing import Any, cast

import openai
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gravix_vision._text import MIN_SECRET_CHARS, redact
from langchain_gravix_vision.chat_models import _guards

PROVIDER = "gravixlayer"
_REASONING_FIELDS = ("reasoning_content", "reasoning")


class StreamRedactor:
    """Removes the API key from streamed text, also when chunks split it.

    A tail that could be the key's beginning is held back until the next
    chunk shows whether it is (or the stream ends), so only such tails wait.

    Example:
        >>> r = StreamRedactor("sk-123")
        >>> [r.feed("key: sk"), r.feed("-12"), r.feed("3 ok, s"), r.flush()]
        ['key: ', '', '[REDACTED] ok, ', 's']
    """

    def __init__(self, key: str) -> None:
        self._key = key
        self._held = ""

    def feed(self, text: str) -> str:
        """The text that is safe to pass on now."""
        text = redact(self._held + text, [self._key], shapes=False)
        longest = min(len(self._key) - 1, len(text))
        keep = next(
            (n for n in range(longest, 0, -1) if text.endswith(self._key[:n])), 0
        )
        self._held = text[len(text) - keep :]
        return text[: len(text) - keep]

    def flush(self) -> str:
        """What was held back (the stream ended: it was not the key)."""
        held, self._held = self._held, ""
        return held


_STREAM: ContextVar[StreamRedactor | None] = ContextVar(
    "gravix_vision_stream_redactor", default=None
)
"""The redactor of the stream whose next chunk is being converted.

Set only while the stream's own generator runs (never across a ``yield`` to the
consumer), so streams read in turn by one consumer keep their own state, and
callbacks that see a chunk (``on_llm_new_token``) see it redacted.
"""


@contextmanager
def _converting(redactor: StreamRedactor | None) -> Iterator[None]:
    """Let one step of a stream's generator see its redactor."""
    token = _STREAM.set(redactor)
    try:
        yield
    finally:
        _STREAM.reset(token)


def redacted(
    chunks: Iterator[ChatGenerationChunk], key: str
) -> Iterator[ChatGenerationChunk]:
    """``chunks`` with ``key`` removed from their text (see :func:`finish_chunk`)."""
    redactor = StreamRedactor(key) if len(key) >= MIN_SECRET_CHARS else None
    with closing(cast(Generator[ChatGenerationChunk, None, None], chunks)):
        while True:
            with _converting(redactor):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk


async def aredacted(
    chunks: AsyncIterator[ChatGenerationChunk], key: str
) -> AsyncIterator[ChatGenerationChunk]:
    """Async :func:`redacted`."""
    redactor = StreamRedactor(key) if len(key) >= MIN_SECRET_CHARS else None
    async with aclosing(cast(AsyncGenerator[ChatGenerationChunk, None], chunks)):
        while (chunk := await _anext(chunks, redactor)) is not None:
            yield chunk


async def _anext(
    chunks: AsyncIterator[ChatGenerationChunk], redactor: StreamRedactor | None
) -> ChatGenerationChunk | None:
    with _converting(redactor):
        return await anext(chunks, None)


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
    """Mark a streamed chunk, keep its reasoning delta and redact the key.

    Inside :func:`redacted` the key is removed from the text, even split
    across chunks; what was held back is let out with the finish reason.
    """
    message = generation.message
    message.response_metadata["model_provider"] = PROVIDER
    choices = chunk.get("choices")
    if choices and isinstance(message, AIMessageChunk):
        copy_reasoning(choices[0].get("delta") or {}, message.additional_kwargs)
    redactor = _STREAM.get()
    if redactor is not None and isinstance(message.content, str):
        text = redactor.feed(message.content)
        if choices and choices[0].get("finish_reason"):
            text += redactor.flush()
        message.content = generation.text = text
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
    "StreamRedactor",
    "aredacted",
    "copy_reasoning",
    "finish_chunk",
    "finish_result",
    "has_finish_reason",
    "redacted",
]
