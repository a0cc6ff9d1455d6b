"""Fault tests: what either Ollama version would lose silently, the client refuses.

Each case runs against both emulated versions of the stand-in (``2025`` and
``current``, tests/stand_in/ollama.py) on loopback. Where it helps, a test
also shows the loss itself with the guard switched off, so the guard is seen to
matter on that version.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from PIL import Image
from pydantic import ValidationError

from langchain_gravix_vision import (
    ChatGravixVision,
    DescribeImageTool,
    EndpointNotFoundError,
    ImagePolicy,
    IncompleteResponseError,
    ModelNotFoundError,
    UnsupportedCapabilityError,
    UnsupportedImageFormat,
)
from tests.robustness._support import (
    AGENT_MODEL,
    LEAK_KEY,
    call_tool,
    data_url,
    error_code,
    vision_model,
)
from tests.scripted_answers import description, json_reply
from tests.stand_in import VERSIONS, Reply, StandInServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.timeout(60)]


def _image(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, fmt)
    return buffer.getvalue()


PNG_URL = data_url(_image())
ASK_IMAGE = HumanMessage(
    [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": PNG_URL}},
    ]
)
HELLO = [HumanMessage("Say hello.")]


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"result for {query}"


@pytest.fixture(params=VERSIONS)
def server(request: pytest.FixtureRequest) -> Iterator[StandInServer]:
    with StandInServer(ollama=request.param) as running:
        yield running


def _text_model(server: StandInServer, **kwargs: Any) -> ChatGravixVision:
    return vision_model(server, model=AGENT_MODEL, **kwargs)


def _tool_history() -> list[Any]:
    call = {"name": "lookup", "args": {"query": "cats"}, "id": "call_abc12345"}
    return [
        HumanMessage("Look up cats."),
        AIMessage("Let me look that up.", tool_calls=[call]),
        ToolMessage("cats are mammals", tool_call_id="call_abc12345"),
    ]


def _seen_calls(server: StandInServer) -> list[Any]:
    return [
        call
        for message in server.seen[-1]["messages"]
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or []
    ]


# -- images to a model without vision ---------------------------------------


def test_image_to_text_model_is_refused_before_the_request(
    server: StandInServer,
) -> None:
    with pytest.raises(UnsupportedCapabilityError) as raised:
        _text_model(server).invoke([ASK_IMAGE])
    text = str(raised.value)
    assert AGENT_MODEL in text
    assert "profile_overrides={'image_inputs': True}" in text
    assert server.requests == []


def test_image_moved_out_of_a_tool_message_is_refused_too(
    server: StandInServer,
) -> None:
    history = _tool_history()
    history[-1] = ToolMessage(
        [{"type": "image_url", "image_url": {"url": PNG_URL}}],
        tool_call_id="call_abc12345",
    )
    with pytest.raises(UnsupportedCapabilityError, match="tool result"):
        _text_model(server).bind_tools([lookup]).invoke(history)
    assert server.requests == []


def test_without_the_guard_the_server_drops_the_image_silently(
    server: StandInServer,
) -> None:
    llm = _text_model(server, profile_overrides={"image_inputs": True})
    answer = llm.invoke([ASK_IMAGE])
    assert answer.response_metadata["finish_reason"] == "stop"  # HTTP 200
    sent = server.requests[-1]["messages"][0]["content"]
    seen = server.seen[-1]["messages"][0]["content"]
    assert [p["type"] for p in sent] == ["text", "image_url"]
    assert [p["type"] for p in seen] == ["text"]


# -- answers without a finish_reason ---------------------------------------


def test_stream_cut_by_a_runner_error_raises(server: StandInServer) -> None:
    server.script_queue([Reply(content="partial answer", runner_error="boom")])
    received: list[str] = []

    def consume() -> None:
        received.extend(chunk.text for chunk in vision_model(server).stream(HELLO))

    with pytest.raises(IncompleteResponseError) as raised:
        consume()
    assert raised.value.retryable
    assert "".join(received) == "partial answer"  # streamed, then refused


async def test_async_stream_cut_by_a_runner_error_raises(
    server: StandInServer,
) -> None:
    server.script_queue([Reply(content="partial answer", runner_error="boom")])

    async def consume() -> None:
        async for _ in vision_model(server).astream(HELLO):
            pass

    with pytest.raises(IncompleteResponseError):
        await consume()


def test_non_stream_answer_without_finish_reason_raises(
    server: StandInServer,
) -> None:
    server.script_queue([Reply(content="cut here", finish_reason="")])
    with pytest.raises(IncompleteResponseError):
        vision_model(server).invoke(HELLO)


@pytest.mark.parametrize("streaming", [True, False])
def test_with_retry_retries_an_incomplete_answer(
    server: StandInServer, streaming: bool
) -> None:
    cut = (
        Reply(content="partial", runner_error="boom")
        if streaming
        else Reply(content="partial", finish_reason="")
    )
    server.script_queue([cut, Reply(content="The whole answer.")])
    llm = vision_model(server, streaming=streaming).with_retry(
        retry_if_exception_type=(IncompleteResponseError,),
        wait_exponential_jitter=False,
        stop_after_attempt=2,
    )
    assert llm.invoke(HELLO).text == "The whole answer."
    assert len(server.requests) == 2


# Both ways of asking for JSON reach the finish-reason check: the tools send a
# JSON-schema response_format through the plain create path (tools/_answers.py),
# so a cut answer is reported as incomplete, not as invalid output.
STRUCTURED = [
    pytest.param(None, "incomplete_response", id="json_schema"),
    pytest.param({"structured_output": False}, "incomplete_response", id="json_mode"),
]


@pytest.mark.parametrize(("overrides", "code"), STRUCTURED)
def test_the_tools_retry_an_incomplete_answer(
    server: StandInServer, overrides: dict[str, Any] | None, code: str
) -> None:
    answer = description("A red square.", ["square"])
    cut = Reply(content='{"caption": "A re', finish_reason="")
    server.script_queue([cut, json_reply(answer)])
    llm = vision_model(server, profile_overrides=overrides)
    result = call_tool(DescribeImageTool(llm=llm), {"image_url": PNG_URL})
    assert result.status == "success", result.content
    assert result.artifact.caption == answer["caption"]
    assert len(server.requests) == 2


@pytest.mark.parametrize(("overrides", "code"), STRUCTURED)
def test_a_tool_reports_an_answer_that_stays_cut(
    server: StandInServer, overrides: dict[str, Any] | None, code: str
) -> None:
    server.script(lambda request: Reply(content='{"caption": "A', finish_reason=""))
    llm = vision_model(server, profile_overrides=overrides)
    result = call_tool(DescribeImageTool(llm=llm), {"image_url": PNG_URL})
    assert error_code(result) == code
    assert len(server.requests) == 2


# -- tool calls in the history -----------------------------------------------


def test_tool_calls_with_text_reach_the_model_on_both_versions(
    server: StandInServer,
) -> None:
    _text_model(server).bind_tools([lookup]).invoke(_tool_history())
    (call,) = _seen_calls(server)
    assert call["function"]["name"] == "lookup"
    sent = server.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "assistant", "tool"]
    assert sent[1] == {"role": "assistant", "content": "Let me look that up."}
    assert sent[2]["content"] is None
    assert sent[2]["tool_calls"][0]["id"] == "call_abc12345"


def test_without_the_guard_2025_drops_the_calls(server: StandInServer) -> None:
    llm = _text_model(server, tool_calls_need_null_content=False)
    llm.bind_tools([lookup]).invoke(_tool_history())
    dropped = server.ollama.name == "2025"
    assert (_seen_calls(server) == []) == dropped


# -- n ---------------------------------------------------------------------


def test_n_above_one_is_refused(server: StandInServer) -> None:
    with pytest.raises(ValidationError, match="n=2 is not supported"):
        vision_model(server, n=2)
    with pytest.raises(UnsupportedCapabilityError, match="one choice"):
        vision_model(server).invoke(HELLO, n=3)
    assert server.requests == []


# -- image_policy=None ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        pytest.param(PNG_URL, True, id="png"),
        pytest.param(data_url(_image("JPEG"), "image/jpeg"), True, id="jpeg"),
        pytest.param(data_url(_image("WEBP"), "image/webp"), False, id="webp"),
        pytest.param(data_url(_image("GIF"), "image/gif"), False, id="gif"),
    ],
)
def test_unprocessed_images_are_only_formats_every_version_takes(
    server: StandInServer, url: str, accepted: bool
) -> None:
    llm = vision_model(server, image_policy=None)
    message = HumanMessage([{"type": "image_url", "image_url": {"url": url}}])
    if accepted:
        assert llm.invoke([message]).response_metadata["finish_reason"] == "stop"
        return
    with pytest.raises(UnsupportedImageFormat, match="JPEG and PNG"):
        llm.invoke([message])
    assert server.requests == []


def test_unprocessed_http_url_needs_a_model_that_fetches(
    server: StandInServer,
) -> None:
    message = HumanMessage(
        [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    )
    with pytest.raises(UnsupportedCapabilityError, match="image_url_inputs"):
        vision_model(server, image_policy=None).invoke([message])
    assert server.requests == []


# -- error bodies: the same typed errors and tool codes on both versions --------


def test_unknown_model_is_model_not_found(server: StandInServer) -> None:
    with pytest.raises(ModelNotFoundError, match="nope:1b"):
        vision_model(server, model="nope:1b").invoke(HELLO)
    tool_result = call_tool(
        DescribeImageTool(llm=vision_model(server, model="nope:1b")),
        {"image_url": PNG_URL},
    )
    assert error_code(tool_result) == "model_not_found"
    assert LEAK_KEY not in str(tool_result.content)


def test_tools_refused_by_the_server_are_unsupported_capability(
    server: StandInServer,
) -> None:
    llm = vision_model(server, profile_overrides={"tool_calling": True})
    with pytest.raises(UnsupportedCapabilityError, match="tool calling"):
        llm.bind_tools([lookup]).invoke([HumanMessage("Look up cats.")])


def test_image_refused_by_the_server_is_unsupported_format(
    server: StandInServer,
) -> None:
    llm = vision_model(server, image_policy=ImagePolicy(url_mode="pass_through"))
    message = HumanMessage(
        [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    )
    with pytest.raises(UnsupportedImageFormat, match="HTTP 400"):
        llm.invoke([message])


@pytest.mark.parametrize("suffix", ["/v1", "", "/api"])
def test_base_url_without_inference_path_says_how_to_fix_it(
    server: StandInServer, suffix: str
) -> None:
    base_url = server.base_url.removesuffix("/v1/inference") + suffix
    llm = ChatGravixVision(
        model="qwen2.5vl:7b", base_url=base_url, api_key=LEAK_KEY, max_retries=0
    )
    with pytest.raises(EndpointNotFoundError) as raised:
        llm.invoke(HELLO)
    assert "/v1/inference" in str(raised.value)
    assert LEAK_KEY not in str(raised.value)


def test_other_statuses_stay_openai_errors(server: StandInServer) -> None:
    server.fail_next(status=404, body={"error": {"message": "gone", "type": "x"}})
    with pytest.raises(openai.NotFoundError):
        vision_model(server).invoke(HELLO)
    server.fail_next(status=400)
    with pytest.raises(openai.BadRequestError):
        vision_model(server).invoke(HELLO)


def test_stream_request_bodies_are_unchanged_json(server: StandInServer) -> None:
    """The guards add nothing to the wire for an ordinary request."""
    vision_model(server).invoke(HELLO)
    sent = server.requests[-1]
    assert sent["messages"] == [{"role": "user", "content": "Say hello."}]
    assert "n" not in sent
    json.dumps(sent)
