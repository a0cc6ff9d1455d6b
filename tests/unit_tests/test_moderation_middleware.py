"""GravixImageModerationMiddleware in create_agent: requests counted on two wires.

The moderation model and the agent's model each run over their own in-memory
wire, so a test sees exactly which requests reach the agent's model.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx2
import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from PIL import Image

from langchain_gravix_vision import (
    ChatGravixVision,
    ModerateImageTool,
    Policy,
    Taxonomy,
)
from langchain_gravix_vision.middleware import (
    GravixImageModerationMiddleware,
    ImageModerationError,
    ImageModerationUnavailable,
)
from tests.scripted_answers import moderation
from tests.unit_tests.documents import pdfs
from tests.unit_tests.wire import FAKE_KEY, Wire, completion, image_parts

NAMES = Taxonomy.openai().names()


def _png(colour: str = "red") -> str:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def _question(*blocks: dict[str, Any]) -> dict[str, Any]:
    content = [{"type": "text", "text": "What is in this picture?"}, *blocks]
    return {"messages": [HumanMessage(content)]}


IMAGE = {"type": "image", "base64": _png(), "mime_type": "image/png"}


def _scores(**given: float) -> dict[str, Any]:
    return completion(json.dumps(moderation(NAMES, **given)))


@pytest.fixture
def moderator() -> Wire:
    return Wire()


@pytest.fixture
def agent_wire() -> Wire:
    return Wire()


def _agent(
    agent_wire: Wire, moderator: Wire, tools: list[Any] | None = None, **settings: Any
) -> Any:
    model = agent_wire.model(
        model="qwen2.5vl:7b", profile_overrides={"tool_calling": True}
    )
    middleware = GravixImageModerationMiddleware(
        tool=ModerateImageTool(llm=moderator.model(), **settings.pop("tool", {})),
        **settings,
    )
    return create_agent(model, tools or [], middleware=[middleware])


def test_a_flagged_image_never_reaches_the_agents_model(
    agent_wire: Wire, moderator: Wire
) -> None:
    moderator.queue(_scores(violence=0.9))
    state = _agent(agent_wire, moderator).invoke(_question(IMAGE))
    assert len(moderator.bodies) == 1
    assert agent_wire.bodies == []  # the agent's model got no request at all
    last = state["messages"][-1]
    assert isinstance(last, AIMessage)
    assert "violence" in last.text
    human = state["messages"][0]
    assert not any(b.get("type") == "image" for b in human.content)  # gone from state


def test_replace_swaps_the_image_for_a_short_text(
    agent_wire: Wire, moderator: Wire
) -> None:
    moderator.queue(_scores(sexual=0.8))
    agent = _agent(agent_wire, moderator, exit_behavior="replace")
    agent.invoke(_question(IMAGE))
    (body,) = agent_wire.bodies
    assert image_parts(body) == 0
    sent = json.dumps(body["messages"])
    assert "image removed by moderation" in sent
    assert "sexual" in sent


def test_a_clean_image_reaches_the_model_once_screened(
    agent_wire: Wire, moderator: Wire
) -> None:
    moderator.queue(_scores())
    _agent(agent_wire, moderator).invoke(_question(IMAGE))
    assert len(moderator.bodies) == 1
    (body,) = agent_wire.bodies
    assert image_parts(body) == 1


def test_error_raises_a_typed_error(agent_wire: Wire, moderator: Wire) -> None:
    moderator.queue(_scores(violence=0.9))
    agent = _agent(agent_wire, moderator, exit_behavior="error")
    with pytest.raises(ImageModerationError) as caught:
        agent.invoke(_question(IMAGE))
    assert caught.value.stage == "input"
    assert caught.value.results[0].violated == ["violence"]
    assert caught.value.code == "image_flagged"
    assert agent_wire.bodies == []


def _failing(moderator: Wire) -> None:
    body = {"error": {"message": f"upstream down {FAKE_KEY}"}}
    moderator.queue(httpx2.Response(500, json=body))


def test_a_failed_moderation_fails_closed(agent_wire: Wire, moderator: Wire) -> None:
    _failing(moderator)
    state = _agent(agent_wire, moderator, exit_behavior="replace").invoke(
        _question(IMAGE)
    )
    (body,) = agent_wire.bodies
    assert image_parts(body) == 0
    sent = json.dumps(body["messages"])
    assert "moderation_unavailable" in sent
    assert "model_error:" in sent  # the tool's coded reason, for the agent
    assert FAKE_KEY not in json.dumps([m.content for m in state["messages"]])


def test_a_failed_moderation_raises_for_the_caller(
    agent_wire: Wire, moderator: Wire
) -> None:
    _failing(moderator)
    agent = _agent(agent_wire, moderator, exit_behavior="error")
    with pytest.raises(ImageModerationUnavailable) as caught:
        agent.invoke(_question(IMAGE))
    assert caught.value.code == "moderation_unavailable"
    assert caught.value.reason.startswith("model_error:")
    assert FAKE_KEY not in caught.value.reason
    assert agent_wire.bodies == []


def test_fail_open_lets_the_image_through(agent_wire: Wire, moderator: Wire) -> None:
    _failing(moderator)
    _agent(agent_wire, moderator, fail_closed=False).invoke(_question(IMAGE))
    (body,) = agent_wire.bodies
    assert image_parts(body) == 1


def test_thresholds_and_custom_policies_change_the_verdict(
    agent_wire: Wire, moderator: Wire
) -> None:
    taxonomy = Taxonomy.custom([Policy(name="red", description="Anything red.")])
    answer = completion(json.dumps(moderation(["red"], red=0.4)))
    moderator.queue(answer, answer)
    lenient = _agent(agent_wire, moderator, tool={"taxonomy": taxonomy})
    lenient.invoke(_question(IMAGE))
    assert len(agent_wire.bodies) == 1  # 0.4 < 0.5: passed
    strict = _agent(
        agent_wire, moderator, tool={"taxonomy": taxonomy, "thresholds": {"red": 0.3}}
    )
    state = strict.invoke(_question(IMAGE))
    assert len(agent_wire.bodies) == 1  # stopped: no second request
    assert "red" in state["messages"][-1].text


@tool(response_format="content")
def fetch_photo() -> list[dict[str, Any]]:
    """Fetch the photo of the day."""
    return [{"type": "image", "base64": _png("blue"), "mime_type": "image/png"}]


def test_images_in_tool_results_are_screened_before_the_next_call(
    agent_wire: Wire, moderator: Wire
) -> None:
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "fetch_photo", "arguments": "{}"}  # type: ignore[assignment]
    agent_wire.queue(completion("", tool_calls=[call]), completion("A photo."))
    moderator.queue(_scores(violence=0.95))
    agent = _agent(agent_wire, moderator, [fetch_photo], exit_behavior="replace")
    state = agent.invoke({"messages": [HumanMessage("Show me the photo of the day.")]})
    assert len(agent_wire.bodies) == 2
    assert image_parts(agent_wire.bodies[1]) == 0
    result = next(m for m in state["messages"] if isinstance(m, ToolMessage))
    assert "image removed by moderation" in json.dumps(result.content)


def test_a_pdf_block_is_screened_page_by_page(
    agent_wire: Wire, moderator: Wire
) -> None:
    pdf = base64.b64encode(pdfs.scanned_pdf(2)).decode()
    block = {"type": "file", "base64": pdf, "mime_type": "application/pdf"}
    moderator.queue(_scores(), _scores(violence=0.7))
    state = _agent(agent_wire, moderator).invoke(_question(block))
    assert len(moderator.bodies) == 2  # one request per page
    assert agent_wire.bodies == []
    assert "violence" in state["messages"][-1].text


async def test_async_agents_are_screened_too(agent_wire: Wire, moderator: Wire) -> None:
    moderator.queue(_scores(violence=0.9))
    state = await _agent(agent_wire, moderator).ainvoke(_question(IMAGE))
    assert agent_wire.bodies == []
    assert "violence" in state["messages"][-1].text


def test_defaults_build_openais_taxonomy() -> None:
    middleware = GravixImageModerationMiddleware(llm=ChatGravixVision(api_key="sk-x"))
    assert middleware.tool.taxonomy.names() == NAMES
    assert middleware.exit_behavior == "end"
    assert middleware.fail_closed is True
