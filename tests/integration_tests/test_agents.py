"""A real LangChain v1 agent loop calling each vision tool, replayed from cassettes.

The agent model is a function-calling Gravix model; the tools call the vision
model. One cassette per test covers both kinds of calls. These tests check the
loop (tool routed, result returned to the agent model, loop ends); whether the
final answer is right is a live quality eval (tests/evals).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_gravix_vision import ChatGravixVision, GravixVisionToolkit
from tests.scripted_answers import (
    GROUND_TRUTH,
    PHOTO_BOXES,
    chart,
    description,
    json_reply,
    photo_located,
    text,
)
from tests.stand_in import Reply

pytestmark = pytest.mark.vcr

SYSTEM = (
    "You answer questions about images with your tools. Image files are under "
    "tests/data; pass their paths to the tools exactly as given."
)


def _agent() -> Any:
    agent_llm = ChatGravixVision(model="llama3.1:8b-instruct-fp16", temperature=0)
    vision_llm = ChatGravixVision(model="qwen2.5vl:7b", temperature=0)
    tools = GravixVisionToolkit(llm=vision_llm).get_tools()
    return create_agent(agent_llm, tools, system_prompt=SYSTEM)


def _run(question: str) -> list[Any]:
    state = _agent().invoke({"messages": [HumanMessage(question)]})
    return state["messages"]


def _agent_saw(vcr: Any, tool_message: ToolMessage) -> None:
    """The last request to the agent model carried the tool's result back."""
    body = json.loads(vcr.requests[-1].body)
    assert body["model"] == "llama3.1:8b-instruct-fp16"
    (returned,) = [m for m in body["messages"] if m["role"] == "tool"]
    assert returned["content"] == tool_message.content


def _tool_messages(messages: list[Any], name: str) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage) and m.name == name]


def test_agent_describes_a_photo(script: Callable[..., None], vcr: Any) -> None:
    path = "tests/data/photos/chelsea.png"
    script(
        Reply(tool_calls=[{"name": "describe_image", "arguments": {"image": path}}]),
        json_reply(description("A tabby cat looking to the side.", ["cat"])),
        Reply(content="The photo shows a tabby cat."),
    )
    messages = _run(f"What animal is in {path}?")
    (tool_message,) = _tool_messages(messages, "describe_image")
    assert tool_message.status == "success"
    assert tool_message.content == tool_message.artifact.to_content()
    _agent_saw(vcr, tool_message)
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls
    assert final.text


def test_agent_reads_a_chart(script: Callable[..., None], vcr: Any) -> None:
    path = "tests/data/charts/bar_sales.png"
    script(
        Reply(tool_calls=[{"name": "read_chart", "arguments": {"image": path}}]),
        json_reply(chart(GROUND_TRUTH["charts"]["bar_sales"])),
        Reply(content="Revenue was highest in 2022, at about 31 million USD."),
    )
    messages = _run(f"In which year was revenue highest in the chart {path}?")
    (tool_message,) = _tool_messages(messages, "read_chart")
    assert tool_message.status == "success"
    assert tool_message.artifact.series
    _agent_saw(vcr, tool_message)
    assert isinstance(messages[-1], AIMessage)
    assert not messages[-1].tool_calls


def test_agent_reads_a_document(script: Callable[..., None], vcr: Any) -> None:
    path = "tests/data/text/receipt.png"
    script(
        Reply(tool_calls=[{"name": "extract_text", "arguments": {"image": path}}]),
        json_reply(text(GROUND_TRUTH["texts"]["receipt"])),
        Reply(content="The receipt total is 9.70."),
    )
    messages = _run(f"What is the total on the receipt {path}?")
    (tool_message,) = _tool_messages(messages, "extract_text")
    assert tool_message.status == "success"
    assert tool_message.artifact.untrusted is True
    _agent_saw(vcr, tool_message)
    assert isinstance(messages[-1], AIMessage)
    assert not messages[-1].tool_calls


def test_agent_locates_objects_in_original_pixels(
    script: Callable[..., None],
) -> None:
    path = "tests/data/photos/coffee.png"
    script(
        Reply(
            tool_calls=[
                {
                    "name": "locate_objects",
                    "arguments": {"image": path, "query": "cup"},
                }
            ]
        ),
        json_reply(photo_located("coffee.png", "cup")),
        Reply(content="The cup is in the middle of the photo, on a saucer."),
    )
    messages = _run(f"Where is the cup in {path}?")
    (tool_message,) = _tool_messages(messages, "locate_objects")
    assert tool_message.status == "success"
    found = tool_message.artifact
    assert found.original_size == (600, 400)
    (cup,) = [d for d in found.objects if d.label == "cup"]
    expected = PHOTO_BOXES["coffee.png"]["cup"]
    assert cup.box == pytest.approx(expected, abs=3)  # the photo's own pixels
    # The agent is told the boxes in the photo's pixels, not the sent image's.
    assert ",".join(f"{v:.0f}" for v in cup.box) in tool_message.content
    assert isinstance(messages[-1], AIMessage)
    assert not messages[-1].tool_calls


def test_agent_sees_tool_errors_and_finishes(script: Callable[..., None]) -> None:
    script(
        Reply(
            tool_calls=[
                {"name": "describe_image", "arguments": {"image": "/etc/passwd"}}
            ]
        ),
        Reply(content="I am not allowed to read that file."),
    )
    messages = _run("Describe the image at /etc/passwd.")
    (tool_message,) = _tool_messages(messages, "describe_image")
    assert tool_message.status == "error"
    assert tool_message.content.startswith("source_not_allowed")
    assert isinstance(messages[-1], AIMessage)
    assert not messages[-1].tool_calls
