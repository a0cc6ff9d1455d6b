"""get_num_tokens_from_messages: offline, images exact, checked against usage."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    trim_messages,
)
from PIL import Image
from pydantic import BaseModel

from langchain_gravix_vision import ChatGravixVision
from langchain_gravix_vision.chat_models._tokens import MESSAGE_OVERHEAD
from tests.stand_in import StandInServer


def _image_block(size: tuple[int, int]) -> dict[str, str]:
    buf = io.BytesIO()
    Image.new("RGB", size, "teal").save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode()
    return {"type": "image", "base64": data, "mime_type": "image/png"}


def _conversation(size: tuple[int, int] = (700, 420)) -> list[BaseMessage]:
    return [
        SystemMessage("You describe images briefly."),
        HumanMessage([{"type": "text", "text": "What colour?"}, _image_block(size)]),
    ]


class Weather(BaseModel):
    """Get the weather for a city."""

    city: str


def test_image_tokens_follow_the_model_resolution() -> None:
    text_only = [SystemMessage("You describe images briefly."), HumanMessage("x")]
    qwen = ChatGravixVision(model="qwen2.5vl:7b")
    gemma = ChatGravixVision(model="gemma3:12b")
    text_difference = 3 - 1  # "What colour?" (3 tokens) replaced "x" (1 token)
    # 700 x 420 is sent as is to Qwen2.5-VL: 25 x 15 cells of 28 px + 2 markers.
    qwen_image = qwen.get_num_tokens_from_messages(
        _conversation()
    ) - qwen.get_num_tokens_from_messages(text_only)
    assert qwen_image == 25 * 15 + 2 + text_difference
    # Gemma 3: a fixed 256 whatever the size, plus its 2 markers.
    for size in [(700, 420), (3000, 2000)]:
        cost = gemma.get_num_tokens_from_messages(
            _conversation(size)
        ) - gemma.get_num_tokens_from_messages(text_only)
        assert cost == 256 + 2 + text_difference


def test_text_estimate_needs_no_download() -> None:
    llm = ChatGravixVision()
    assert llm.get_num_tokens("a" * 40) == 10
    assert llm.get_num_tokens_from_messages([HumanMessage("a" * 40)]) == (
        10 + MESSAGE_OVERHEAD
    )


def test_trim_messages_uses_the_model_as_counter() -> None:
    llm = ChatGravixVision()
    history = [HumanMessage("q " * 50), AIMessage("a " * 50), HumanMessage("last?")]
    kept = trim_messages(history, max_tokens=20, token_counter=llm, strategy="last")
    assert kept == [history[-1]]


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


@pytest.mark.enable_socket
@pytest.mark.parametrize("model", ["qwen2.5vl:7b", "gemma3:12b"])
@pytest.mark.parametrize("size", [(700, 420), (4000, 3000), (30, 500)])
def test_count_matches_the_servers_usage(
    server: StandInServer, model: str, size: tuple[int, int]
) -> None:
    llm = ChatGravixVision(model=model, base_url=server.base_url, max_retries=0)
    messages = _conversation(size)
    answer = llm.invoke(messages)
    assert answer.usage_metadata is not None
    assert (
        llm.get_num_tokens_from_messages(messages)
        == (answer.usage_metadata["input_tokens"])
    )


@pytest.mark.enable_socket
def test_count_with_tools_matches_the_servers_usage(server: StandInServer) -> None:
    llm = ChatGravixVision(
        model="llama3.1:8b-instruct-fp16", base_url=server.base_url, max_retries=0
    )
    messages: list[BaseMessage] = [HumanMessage("Weather in Paris?")]
    answer = llm.bind_tools([Weather]).invoke(messages)
    assert answer.usage_metadata is not None
    assert (
        llm.get_num_tokens_from_messages(messages, tools=[Weather])
        == (answer.usage_metadata["input_tokens"])
    )
