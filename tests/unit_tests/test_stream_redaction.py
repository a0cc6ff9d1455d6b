"""A streamed answer that echoes the API key never passes it on, even split.

The answer is streamed over the in-memory wire in small pieces that cut the
key apart; what the caller, the callbacks and ``astream_events`` see must not
hold it, and an answer without the key must come through unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from langchain_core.callbacks import BaseCallbackHandler

from langchain_gravix_vision.chat_models._responses import StreamRedactor
from tests.unit_tests.wire import FAKE_KEY, Wire, sse


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _stream_of(pieces: list[str]) -> Any:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1}
    base["model"] = "qwen2.5vl:7b"

    def answer(_body: dict[str, Any]) -> httpx2.Response:
        chunks = [
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": piece},
                        "finish_reason": "stop" if last else None,
                    }
                ],
            }
            for last, piece in ((i == len(pieces) - 1, p) for i, p in enumerate(pieces))
        ]
        return httpx2.Response(
            200, content=sse(chunks), headers={"content-type": "text/event-stream"}
        )

    return answer


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


ECHO = f"Your key is {FAKE_KEY}, and {FAKE_KEY[:5]} is how it starts."


@pytest.mark.parametrize("size", [1, 3, 7, len(ECHO)])
def test_the_key_is_removed_however_the_stream_cuts_it(size: int) -> None:
    wire = Wire()
    wire.answer = _stream_of(_pieces(ECHO, size))
    tokens = Tokens()
    chunks = list(wire.model().stream("x", config={"callbacks": [tokens]}))
    text = "".join(str(c.content) for c in chunks)
    assert FAKE_KEY not in text
    assert text == ECHO.replace(FAKE_KEY, "[REDACTED]")
    assert "".join(tokens.tokens) == text


def test_astream_events_never_show_the_key() -> None:
    wire = Wire()
    wire.answer = _stream_of(_pieces(ECHO, 2))

    async def events() -> list[str]:
        seen = []
        async for event in wire.model().astream_events("x", version="v2"):
            if event["event"] == "on_chat_model_stream":
                seen.append(str(event["data"]["chunk"].content))
        return seen

    seen = asyncio.run(events())
    assert "".join(seen) == ECHO.replace(FAKE_KEY, "[REDACTED]")


def test_text_without_the_key_is_unchanged() -> None:
    story = "sk sk- sk-u s " * 5  # tails that begin like the key, then differ
    wire = Wire()
    wire.answer = _stream_of(_pieces(story, 3))
    assert "".join(str(c.content) for c in wire.model().stream("x")) == story


def test_two_streams_read_in_turn_keep_their_own_text() -> None:
    first, second = Wire(), Wire()
    first.answer = _stream_of(_pieces("aaaa sk-un", 2))
    second.answer = _stream_of(_pieces("bbbb done", 2))
    one, two = first.model().stream("x"), second.model().stream("x")
    texts = ["", ""]
    for a, b in zip(one, two, strict=False):
        texts[0] += str(a.content)
        texts[1] += str(b.content)
    texts[0] += "".join(str(c.content) for c in one)
    texts[1] += "".join(str(c.content) for c in two)
    assert texts == ["aaaa sk-un", "bbbb done"]


def test_the_redactor_holds_back_only_what_may_be_the_key() -> None:
    redactor = StreamRedactor("sk-123")
    assert redactor.feed("plain text") == "plain text"
    assert redactor.feed(" then sk-1") == " then "
    assert redactor.feed("23!") == "[REDACTED]!"
    assert redactor.feed("s") == ""
    assert redactor.flush() == "s"
