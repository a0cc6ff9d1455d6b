"""Fault injection through the stand-in server: statuses, resets, timeouts, garbage.

Retries belong to the openai SDK and are configured with LangChain's
``max_retries``: a retryable status (429, 5xx, connection errors) is sent
``1 + max_retries`` times, anything else once. The tools turn every fault
into an error ToolMessage, and an agent loop over all of them finishes.

Each test gets its own stand-in (started in milliseconds), so a slow
answer still sleeping in a server thread can never serve the next test.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from PIL import Image

from langchain_gravix_vision import (
    DescribeImageTool,
    ExtractTextTool,
    GravixVisionToolkit,
    ImagePolicy,
    ReadChartTool,
)
from tests.robustness._support import (
    AGENT_MODEL,
    LEAK_KEY,
    acall_tool,
    call_tool,
    data_url,
    error_code,
    vision_model,
)
from tests.stand_in import Reply, StandInServer

pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "PNG")
    return buffer.getvalue()


IMAGE = data_url(_png())
HELLO = [HumanMessage("Say hello.")]


@pytest.fixture
def server() -> Iterator[StandInServer]:
    with StandInServer() as running:
        yield running


# --------------------------------------------------------------------------
# Retries: 1 + max_retries for retryable statuses, 1 for the rest

RETRYABLE = [
    pytest.param(429, {}, openai.RateLimitError, id="429-no-retry-after"),
    pytest.param(
        429, {"Retry-After": "1"}, openai.RateLimitError, id="429-retry-after"
    ),
    pytest.param(500, {}, openai.InternalServerError, id="500"),
    pytest.param(502, {}, openai.APIStatusError, id="502"),
    pytest.param(503, {}, openai.APIStatusError, id="503"),
]


@pytest.mark.parametrize("max_retries", [0, 1])
@pytest.mark.parametrize(("status", "headers", "error"), RETRYABLE)
def test_retryable_status_is_sent_one_plus_max_retries_times(
    server: StandInServer,
    status: int,
    headers: dict[str, str],
    error: type[openai.APIStatusError],
    max_retries: int,
) -> None:
    server.fail_next(status=status, headers=headers, times=1 + max_retries)
    llm = vision_model(server, max_retries=max_retries)
    with pytest.raises(error) as raised:
        llm.invoke(HELLO)
    assert raised.value.status_code == status
    assert len(server.requests) == 1 + max_retries


def test_a_fault_that_clears_is_retried_into_success(server: StandInServer) -> None:
    server.fail_next(status=503, times=2)
    server.script_queue([Reply(content="Recovered.")])
    answer = vision_model(server, max_retries=2).invoke(HELLO)
    assert answer.text == "Recovered."
    assert len(server.requests) == 3


async def test_async_retries_follow_the_same_rule(server: StandInServer) -> None:
    server.fail_next(status=502, times=3)
    with pytest.raises(openai.APIStatusError):
        await vision_model(server, max_retries=2).ainvoke(HELLO)
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (422, openai.UnprocessableEntityError),
    ],
)
def test_client_errors_are_never_retried(
    server: StandInServer, status: int, error: type[openai.APIStatusError]
) -> None:
    server.fail_next(status=status, times=5)
    with pytest.raises(error):
        vision_model(server, max_retries=3).invoke(HELLO)
    assert len(server.requests) == 1


def test_retry_after_beyond_the_sdk_cap_fails_fast(server: StandInServer) -> None:
    """An hour-long Retry-After is not waited for: one request, no hang."""
    server.fail_next(status=429, headers={"Retry-After": "3600"}, times=3)
    started = time.monotonic()
    with pytest.raises(openai.RateLimitError):
        vision_model(server, max_retries=2).invoke(HELLO)
    assert time.monotonic() - started < 10
    assert len(server.requests) == 1


# --------------------------------------------------------------------------
# Transport faults


def test_connection_reset_is_retried_then_a_connection_error(
    server: StandInServer,
) -> None:
    server.fail_next(reset=True, times=2)
    with pytest.raises(openai.APIConnectionError):
        vision_model(server, max_retries=1).invoke(HELLO)
    assert len(server.requests) == 2


def test_read_timeout_gives_up_after_retries(server: StandInServer) -> None:
    # The answer would come after 5 s; the client waits 0.5 s per attempt.
    server.fail_next(status=503, delay_s=5.0, times=2)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        vision_model(server, max_retries=1, timeout=0.5).invoke(HELLO)
    assert time.monotonic() - started < 8  # two 0.5 s waits plus back-off
    assert len(server.requests) == 2


@pytest.mark.parametrize("events", [1, 3])
def test_stream_cut_midway_raises_a_connection_error(
    server: StandInServer, events: int
) -> None:
    server.fail_next(cut_stream_after=events)
    llm = vision_model(server, max_retries=2)
    received: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        received.extend(llm.stream("Tell me a story about a cat."))
    assert len(server.requests) == 1  # a started stream is not replayed
    assert len(received) <= events


async def test_async_stream_cut_midway_raises_a_connection_error(
    server: StandInServer,
) -> None:
    server.fail_next(cut_stream_after=2)
    with pytest.raises(openai.APIConnectionError):
        async for _chunk in vision_model(server).astream("Tell me a story."):
            pass
    assert len(server.requests) == 1


def test_body_cut_midway_is_retried_like_a_reset(server: StandInServer) -> None:
    server.fail_next(cut_stream_after=40, times=2)
    with pytest.raises(openai.APIConnectionError):
        vision_model(server, max_retries=1).invoke(HELLO)
    assert len(server.requests) == 2


# --------------------------------------------------------------------------
# The tools: every fault becomes an error ToolMessage

TOOL_FAULTS = [
    pytest.param({"status": 429}, "rate_limited", id="429"),
    pytest.param({"status": 500}, "model_error", id="500"),
    pytest.param({"status": 502}, "model_error", id="502"),
    pytest.param({"status": 503}, "model_error", id="503"),
    pytest.param({"reset": True}, "model_error", id="reset"),
    pytest.param({"cut_stream_after": 40}, "model_error", id="cut-body"),
]


@pytest.mark.parametrize(("fault", "code"), TOOL_FAULTS)
def test_tool_reports_faults_after_the_sdk_retries(
    server: StandInServer, fault: dict[str, Any], code: str
) -> None:
    server.fail_next(**fault, times=2)
    tool = DescribeImageTool(llm=vision_model(server, max_retries=1))
    message = call_tool(tool, {"image_url": IMAGE})
    assert error_code(message) == code
    assert len(server.requests) == 2


def test_tool_reports_a_bad_request_after_one_request(server: StandInServer) -> None:
    server.fail_next(status=400, times=3)
    message = call_tool(
        ReadChartTool(llm=vision_model(server, max_retries=2)), {"image_url": IMAGE}
    )
    assert error_code(message) == "model_error"
    assert "HTTP 400" in message.content
    assert len(server.requests) == 1


async def test_tool_reports_a_read_timeout(server: StandInServer) -> None:
    server.fail_next(status=503, delay_s=5.0)
    tool = ExtractTextTool(llm=vision_model(server, timeout=0.5))
    message = await acall_tool(tool, {"image_url": IMAGE})
    assert error_code(message) == "model_error"
    assert "timed out" in message.content


def test_read_chart_invalid_output_gets_exactly_one_repair_retry(
    server: StandInServer,
) -> None:
    server.script_queue(
        [
            Reply(content="Here is the chart data: bars go up."),
            Reply(content=json.dumps({"chart_type": "pie-ish", "series": "many"})),
        ]
    )
    message = call_tool(ReadChartTool(llm=vision_model(server)), {"image_url": IMAGE})
    assert error_code(message) == "invalid_model_output"
    assert len(server.requests) == 2
    repair = server.requests[1]["messages"][-1]
    assert repair["role"] == "user"
    assert "could not be used" in repair["content"]


def test_garbled_json_body_counts_as_unusable_model_output(
    server: StandInServer,
) -> None:
    garbled = {"status": 200, "body": b'{"id": "chatcmpl-1", "choi'}
    server.fail_next(**garbled, headers={"Content-Type": "application/json"}, times=2)
    message = call_tool(ReadChartTool(llm=vision_model(server)), {"image_url": IMAGE})
    assert error_code(message) == "invalid_model_output"
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "body", ["<html>502 Bad Gateway</html>", {"unexpected": "shape"}]
)
def test_non_json_answer_is_reported_as_a_model_error(
    server: StandInServer, body: Any
) -> None:
    server.fail_next(status=200, body=body)
    message = call_tool(
        DescribeImageTool(llm=vision_model(server)), {"image_url": IMAGE}
    )
    assert error_code(message) == "model_error"


# --------------------------------------------------------------------------
# Tool calls with wrong argument types: invalid_arguments, no request

BAD_ARGUMENTS = [
    pytest.param(DescribeImageTool, {"image_path": 123}, id="path-int"),
    pytest.param(DescribeImageTool, {"image_path": ["a.png"]}, id="path-list"),
    pytest.param(DescribeImageTool, {"image_url": {"url": IMAGE}}, id="url-dict"),
    pytest.param(DescribeImageTool, {"image_url": True}, id="url-bool"),
    pytest.param(DescribeImageTool, {}, id="no-source"),
    pytest.param(
        DescribeImageTool, {"image_path": "a.png", "image_url": IMAGE}, id="both"
    ),
    pytest.param(
        DescribeImageTool, {"image_url": IMAGE, "detail_level": "max"}, id="enum"
    ),
    pytest.param(DescribeImageTool, {"image_url": IMAGE, "model": "gpt-x"}, id="extra"),
    pytest.param(
        ReadChartTool, {"image_url": IMAGE, "question": 42}, id="question-int"
    ),
    pytest.param(
        ExtractTextTool, {"image_url": IMAGE, "output_format": 1}, id="format"
    ),
]


@pytest.mark.parametrize(("tool_class", "args"), BAD_ARGUMENTS)
def test_wrong_argument_types_are_reported_not_raised(
    server: StandInServer, tool_class: type, args: dict[str, Any]
) -> None:
    message = call_tool(tool_class(llm=vision_model(server)), args)
    assert error_code(message) == "invalid_arguments"
    assert server.requests == []


# --------------------------------------------------------------------------
# An agent loop over all of it


def _call(name: str, **arguments: Any) -> Reply:
    return Reply(tool_calls=[{"name": name, "arguments": arguments}])


# (tool call the agent makes, a pattern its ToolMessage must start with)
AGENT_STEPS: list[tuple[Reply, str]] = [
    (_call("describe_image", image_path="../secret.png"), "source_not_allowed: "),
    (_call("describe_image", image_path="tiny.png"), "model_error: .*HTTP 500"),
    (_call("read_chart", image_url="http://169.254.169.254/"), "source_not_allowed: "),
    (_call("extract_text", image_path="tiny.png"), "rate_limited: "),
    (_call("describe_image", image_path=123), "invalid_arguments: "),
    (_call("describe_image", image_path="tiny.png"), "model_error: could not reach"),
    (_call("shred_files", path="/"), "Error: shred_files is not a valid tool"),
    (_call("describe_image", image_path="tiny.png"), "model_error: .*timed out"),
    # A non-JSON 200 body (see test_non_json_answer_is_reported_as_a_model_error).
    (_call("describe_image", image_path="tiny.png"), "model_error: "),
    (_call("read_chart", image_path="tiny.png"), "invalid_model_output: "),
    (_call("describe_image", image_path="tiny.png"), r"(?![a-z_]+: )"),  # recovered
]
VISION_REQUESTS = 8  # 5 faults, 2 unusable answers, 1 success


def _arm_vision_faults(vision: StandInServer) -> None:
    """Faults for the vision requests, in the order the steps make them."""
    vision.fail_next(status=500)
    vision.fail_next(status=429)
    vision.fail_next(reset=True)
    vision.fail_next(status=503, delay_s=6.0)  # the client gives up after 2 s
    vision.fail_next(status=200, body="<html>upstream hiccup</html>")
    vision.script_queue([Reply(content="not json"), Reply(content="still not json")])


@pytest.fixture
def agent_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, StandInServer, StandInServer]]:
    """An agent on one stand-in, its vision tools on another, faults armed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.png").write_bytes(_png())
    with StandInServer() as agent_server, StandInServer() as vision:
        toolkit = GravixVisionToolkit(
            llm=vision_model(vision, timeout=2.0),
            image_policy=ImagePolicy(allowed_roots=(tmp_path,)),
        )
        agent_llm = vision_model(agent_server, model=AGENT_MODEL)
        agent = create_agent(agent_llm, toolkit.get_tools())
        agent_server.script_queue([step for step, _ in AGENT_STEPS])
        agent_server.script_queue([Reply(content="Done, with errors reported.")])
        _arm_vision_faults(vision)
        yield agent, agent_server, vision


QUESTION = {"messages": [HumanMessage("Inspect the images, whatever happens.")]}


def _assert_every_fault_reached_the_agent(
    state: dict[str, Any], agent_server: StandInServer, vision: StandInServer
) -> None:
    messages = state["messages"]
    results = [m for m in messages if isinstance(m, ToolMessage)]
    assert len(results) == len(AGENT_STEPS)
    for result, (_step, expected) in zip(results, AGENT_STEPS, strict=True):
        assert re.match(expected, str(result.content)), result.content
        assert LEAK_KEY not in str(result.content)
    statuses = [result.status for result in results]
    assert statuses == ["error"] * (len(AGENT_STEPS) - 1) + ["success"]
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert final.text == "Done, with errors reported."
    assert len(agent_server.requests) == len(AGENT_STEPS) + 1
    assert len(vision.requests) == VISION_REQUESTS
    assert agent_server.script_errors == vision.script_errors == []


def test_agent_loop_survives_every_fault(
    agent_setup: tuple[Any, StandInServer, StandInServer],
) -> None:
    agent, agent_server, vision = agent_setup
    state = agent.invoke(QUESTION)
    _assert_every_fault_reached_the_agent(state, agent_server, vision)


async def test_async_agent_loop_survives_every_fault(
    agent_setup: tuple[Any, StandInServer, StandInServer],
) -> None:
    agent, agent_server, vision = agent_setup
    state = await agent.ainvoke(QUESTION)
    _assert_every_fault_reached_the_agent(state, agent_server, vision)
