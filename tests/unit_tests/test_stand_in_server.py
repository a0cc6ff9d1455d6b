"""Self-check of the stand-in server (tests/stand_in) through the real openai SDK.

The stand-in is a recording source, so these checks pin the wire shapes the
reference documents (gravix-api.md §4.2 and Appendix), not model quality.
"""

from __future__ import annotations

import base64
import io
import json
import re
import socket
from collections.abc import Iterator

import openai
import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from tests.stand_in import Reply, StandInServer

pytestmark = pytest.mark.enable_socket

MAGIC_TOOL = {
    "type": "function",
    "function": {
        "name": "magic_function",
        "description": "Apply a magic function to an input.",
        "parameters": {
            "type": "object",
            "properties": {
                "input": {
                    "type": "integer",
                    "exclusiveMinimum": -1000,
                    "exclusiveMaximum": 1000,
                }
            },
            "required": ["input"],
        },
    },
}
HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    # The 2025 shapes; tests/unit_tests/test_stand_in_versions.py covers both.
    with StandInServer(ollama="2025") as running:
        yield running


@pytest.fixture
def client(server: StandInServer) -> Iterator[openai.OpenAI]:
    server.reset()
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk-fake", max_retries=0, timeout=10
    ) as sdk:
        yield sdk


def test_base_url_has_the_gravix_prefix(server: StandInServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1/inference", server.base_url)


def test_non_stream_answer_has_the_ollama_shape(
    client: openai.OpenAI, server: StandInServer
) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="llama3.1:8b-instruct-fp16", messages=HELLO
    )
    completion = raw.parse()
    assert re.fullmatch(r"chatcmpl-\d{1,3}", completion.id)
    assert completion.system_fingerprint == "fp_ollama"
    assert completion.model == "llama3.1:8b-instruct-fp16"
    assert completion.choices[0].message.content.startswith("Hello")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert raw.headers["x-ratelimit-limit-requests"] == "100"
    assert raw.headers["x-request-id"].startswith("req_")
    assert server.last_request["messages"] == HELLO


def test_stream_with_include_usage_ends_with_a_usage_chunk(
    client: openai.OpenAI,
) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gemma3:12b",
            messages=[{"role": "user", "content": "Write me 2 haikus."}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    content_chunks, usage_chunk = chunks[:-1], chunks[-1]
    assert len(content_chunks) > 2
    assert all(c.choices[0].delta.role == "assistant" for c in content_chunks)
    assert all(isinstance(c.choices[0].delta.content, str) for c in content_chunks)
    assert content_chunks[-1].choices[0].finish_reason == "stop"
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens > 0


def test_stream_without_include_usage_has_no_usage(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(model="gemma3:12b", messages=HELLO, stream=True)
    )
    assert all(c.usage is None and c.choices for c in chunks)


def test_tool_call_has_ollama_ids_and_arguments_from_the_prompt(
    client: openai.OpenAI,
) -> None:
    completion = client.chat.completions.create(
        model="llama3.1:8b-instruct-fp16",
        messages=[{"role": "user", "content": "What is magic_function(3)?"}],
        tools=[MAGIC_TOOL],
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == ""
    (call,) = choice.message.tool_calls
    assert re.fullmatch(r"call_[a-z0-9]{8}", call.id)
    assert call.function.name == "magic_function"
    assert json.loads(call.function.arguments) == {"input": 3}


def test_streamed_tool_call_arrives_whole_in_one_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="llama3.1:8b",
            messages=[{"role": "user", "content": "What is magic_function(3)?"}],
            tools=[MAGIC_TOOL],
            stream=True,
        )
    )
    with_calls = [c for c in chunks if c.choices[0].delta.tool_calls]
    assert len(with_calls) == 1
    (call,) = with_calls[0].choices[0].delta.tool_calls
    assert json.loads(call.function.arguments) == {"input": 3}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tools_on_gemma3_are_rejected(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gemma3:12b", messages=HELLO, tools=[MAGIC_TOOL]
        )
    error = caught.value.body
    assert error["message"] == (
        "registry.ollama.ai/library/gemma3:12b does not support tools"
    )
    assert error["type"] == "api_error"


def test_http_image_url_is_invalid_image_input(client: openai.OpenAI) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="qwen2.5vl:7b",
            messages=[{"role": "user", "content": [image]}],
        )
    assert caught.value.body == {
        "message": "invalid image input",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_json_schema_output_validates(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "setup": {"type": "string"},
            "punchline": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "rating": {"type": "integer", "minimum": 1, "maximum": 10},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
        },
        "required": ["setup", "rating", "tags"],
        "$defs": {"Tag": {"type": "string", "enum": ["pun", "animal", "dad"]}},
    }
    completion = client.chat.completions.create(
        model="gemma3:12b",
        messages=[{"role": "user", "content": "Tell me a joke about cats, rate it 7"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "Joke", "schema": schema},
        },
    )
    value = json.loads(completion.choices[0].message.content)
    assert isinstance(value["setup"], str)
    assert value["setup"]
    assert isinstance(value["punchline"], str)
    assert value["rating"] == 7
    assert value["tags"]
    assert all(tag in {"pun", "animal", "dad"} for tag in value["tags"])


def test_non_bearer_authorization_is_401(server: StandInServer) -> None:
    with (
        openai.OpenAI(
            base_url=server.base_url,
            api_key="sk-fake",
            max_retries=0,
            default_headers={"Authorization": "Basic c2stZmFrZQ=="},
        ) as sdk,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        sdk.chat.completions.create(model="gemma3:12b", messages=HELLO)
    assert caught.value.body["message"] == "Invalid API key"


def test_scripted_replies_and_max_tokens(
    client: openai.OpenAI, server: StandInServer
) -> None:
    server.script_queue([Reply(content="one two three four five")])
    first = client.chat.completions.create(
        model="gemma3:12b", messages=HELLO, max_tokens=2
    )
    assert first.choices[0].message.content == "one two"
    assert first.choices[0].finish_reason == "length"
    server.script(lambda request: Reply(status=503, error="overloaded"))
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gemma3:12b", messages=HELLO)


def test_fail_next_reset_then_recovers(
    client: openai.OpenAI, server: StandInServer
) -> None:
    server.fail_next(reset=True)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gemma3:12b", messages=HELLO)
    assert client.chat.completions.create(model="gemma3:12b", messages=HELLO).id


def test_started_quietly_in_the_background_it_prints_nothing() -> None:
    """`python -m tests.stand_in --quiet &` (the README): no lines over the prompt."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stand_in", "--port", str(port), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until it answers HTTP (it serves)
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/v1/inference/models", timeout=5
                ):
                    break
            except urllib.error.HTTPError:  # an answer (401 without a key): serving
                break
            except OSError:
                time.sleep(0.1)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert out == ""
    assert err == ""


def test_free_answers_say_they_are_scripted_and_fit_the_request() -> None:
    """Keyless try-outs: marked as scripted, no answer without a question, no
    people the stand-in cannot see, not one sentence in every field."""
    from PIL import Image

    from langchain_gravix_vision import ChatGravixVision, DescribeImageTool

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, "PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

    def call(tool: DescribeImageTool, **args: str) -> ToolMessage:
        message = tool.invoke(
            {"args": args, "id": "1", "name": tool.name, "type": "tool_call"}
        )
        assert isinstance(message, ToolMessage)
        assert message.status == "success", message.content
        return message

    with StandInServer() as server:
        llm = ChatGravixVision(base_url=server.base_url, api_key="sk-stand-in-0123")
        tool = DescribeImageTool(llm=llm)
        plain = call(tool, image=data_url)
        asked = call(tool, image=data_url, question="Which colour is it?")
        chat = llm.invoke([HumanMessage([{"type": "image", "url": data_url}])])
    assert "[scripted]" in chat.text
    assert "[scripted]" in plain.artifact.caption
    assert plain.artifact.answer is None
    assert "Answer:" not in str(plain.content)
    assert asked.artifact.answer
    assert plain.artifact.people == []
    texts = [plain.artifact.caption, plain.artifact.description]
    assert len(set(texts)) == len(texts)
    assert len(set(plain.artifact.text_present)) == len(plain.artifact.text_present)
    assert len(set(plain.artifact.objects)) == len(plain.artifact.objects)


def test_a_comparison_gets_one_scripted_note_per_image_sent() -> None:
    """Several images: one note each, numbered as labelled, about that image."""
    from PIL import Image

    from langchain_gravix_vision import ChatGravixVision, CompareImagesTool

    def data_url(size: tuple[int, int]) -> str:
        buffer = io.BytesIO()
        Image.new("RGB", size, "red").save(buffer, "PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

    sizes = [(64, 64), (112, 56), (56, 84)]
    with StandInServer() as server:
        llm = ChatGravixVision(base_url=server.base_url, api_key="sk-stand-in-0123")
        tool = CompareImagesTool(llm=llm)
        message = tool.invoke(
            {
                "args": {"images": [data_url(s) for s in sizes]},
                "id": "1",
                "name": tool.name,
                "type": "tool_call",
            }
        )
        (body,) = server.requests
    assert message.status == "success", message.content
    result = message.artifact  # a note the stand-in did not give would be ""
    assert [note.image for note in result.notes] == [1, 2, 3]
    for note, (width, height) in zip(result.notes, sizes, strict=True):
        assert "[scripted]" in note.note
        assert f"{width}x{height}" in note.note
    assert result.differences
    assert all("[scripted]" in text for text in result.differences)
    assert "[scripted]" in result.answer
    assert sum(p["type"] == "image_url" for p in body["messages"][-1]["content"]) == 3
