"""The stand-in per Ollama version: each behaviour of the fidelity table, pinned.

Every test runs against both emulated versions (``2025`` = Ollama ``35fda7b``,
``current`` = ``fb30760``) over raw HTTP on loopback, and states what each
version does; tests/stand_in/ollama.py names the Ollama source for each.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.stand_in import Reply, StandInServer
from tests.unit_tests.ollama_http._calls import (
    HELLO,
    VISION_MODEL,
    chat,
    error_of,
    is_2025,
)

pytestmark = pytest.mark.enable_socket

TEXT_MODEL = "llama3.1:8b"


def _tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "object", "properties": {}},
        },
    }


def _png_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


PNG = _png_b64()


def _events(response: httpx.Response) -> list[Any]:
    """SSE payloads in order: dicts, and the string ``[DONE]``."""
    events = []
    for line in response.text.splitlines():
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


# -- images ---------------------------------------------------------------------


def test_image_to_a_text_only_model_is_answered_200_and_never_seen(
    server: StandInServer, http: httpx.Client
) -> None:
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    content = [{"type": "text", "text": "What is this?"}, image]
    response = chat(
        http, model=TEXT_MODEL, messages=[{"role": "user", "content": content}]
    )
    assert response.status_code == 200
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    seen = server.seen[-1]["messages"][0]["content"]
    assert [part["type"] for part in seen] == ["text"]


IMAGE_URLS = [
    # (url, 2025 answer, current answer): None is accepted
    pytest.param(f"data:image/png;base64,{PNG}", None, None, id="png"),
    pytest.param(f"data:image/jpg;base64,{PNG}", None, None, id="jpg-prefix"),
    pytest.param(
        f"data:image/png;base64,{PNG[:8]}\r\n{PNG[8:]}", None, None, id="crlf-base64"
    ),
    pytest.param(
        f"data:image/webp;base64,{PNG}", "invalid image input", None, id="webp"
    ),
    pytest.param(f"data:;base64,{PNG}", "invalid image input", None, id="blank-mime"),
    pytest.param(
        "data:image/gif;base64,R0lGOD",
        "invalid image input",
        "invalid image input",
        id="gif",
    ),
    pytest.param(
        "https://example.com/a.png",
        "invalid image input",
        "image URLs are not currently supported, please use base64 encoded data "
        "instead",
        id="https-url",
    ),
    pytest.param(
        "data:image/png;base64,!!notbase64",
        "invalid message format",
        "invalid image input",
        id="bad-base64",
    ),
]


@pytest.mark.parametrize(("url", "error_2025", "error_current"), IMAGE_URLS)
def test_image_url_forms(
    server: StandInServer,
    http: httpx.Client,
    url: str,
    error_2025: str | None,
    error_current: str | None,
) -> None:
    image = {"type": "image_url", "image_url": {"url": url}}
    response = chat(http, messages=[{"role": "user", "content": [image]}])
    expected = error_2025 if is_2025(server) else error_current
    if expected is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert error_of(response) == {
            "message": expected,
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }


# -- streams --------------------------------------------------------------------


def test_stream_shape(server: StandInServer, http: httpx.Client) -> None:
    server.script_queue([Reply(content="one two three")])
    response = chat(http, stream=True, stream_options={"include_usage": True})
    events = _events(response)
    assert events[-1] == "[DONE]"
    usage = events[-2]
    assert usage["choices"] == []
    assert usage["usage"]["total_tokens"] > 0
    chunks = events[:-2]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks]
    assert "".join(d.get("content", "") for d in deltas) == "one two three"
    assert finishes[:-1] == [None] * (len(finishes) - 1)
    assert finishes[-1] == "stop"
    if is_2025(server):
        assert all(d["role"] == "assistant" for d in deltas)
        assert deltas[-1] == {"role": "assistant", "content": ""}
    else:
        assert deltas[0]["role"] == "assistant"
        assert all("role" not in d for d in deltas[1:])
        assert deltas[-1] == {}
        assert len({c["created"] for c in events[:-1]}) == 1


def test_runner_error_after_output_ends_the_stream_without_finish_or_done(
    server: StandInServer, http: httpx.Client
) -> None:
    server.script_queue([Reply(content="partial answer", runner_error="boom")])
    response = chat(http, stream=True, stream_options={"include_usage": True})
    assert response.status_code == 200
    events = _events(response)
    assert "[DONE]" not in events
    assert all(e["choices"][0]["finish_reason"] is None for e in events)
    last = events[-1]
    assert last["model"] == ""
    role = {"role": "assistant"} if is_2025(server) else {}
    assert last["choices"][0]["delta"] == {**role, "content": ""}
    text = "".join(e["choices"][0]["delta"]["content"] for e in events)
    assert text == "partial answer"


def test_runner_error_before_output(server: StandInServer, http: httpx.Client) -> None:
    """2025: still 200 and one empty chunk; current: a real HTTP 500."""
    server.script_queue([Reply(runner_error="model runner crashed")])
    response = chat(http, stream=True)
    if is_2025(server):
        assert response.status_code == 200
        (event,) = _events(response)
        assert event["choices"][0]["finish_reason"] is None
    else:
        assert response.status_code == 500
        assert error_of(response)["message"] == "model runner crashed"


def test_runner_error_without_stream_is_a_500(
    server: StandInServer, http: httpx.Client
) -> None:
    server.script_queue([Reply(content="partial", runner_error="boom")])
    response = chat(http)
    assert response.status_code == 500
    assert error_of(response)["type"] == "api_error"


def test_empty_done_reason_is_a_null_finish_reason(
    server: StandInServer, http: httpx.Client
) -> None:
    server.script_queue([Reply(content="cut", finish_reason="")])
    assert chat(http).json()["choices"][0]["finish_reason"] is None


# -- tools ----------------------------------------------------------------------


def test_tool_choice_is_not_a_request_field(
    server: StandInServer, http: httpx.Client
) -> None:
    forced = {"type": "function", "function": {"name": "beta"}}
    response = chat(
        http,
        model=TEXT_MODEL,
        messages=[{"role": "user", "content": "Please call alpha now."}],
        tools=[_tool("alpha"), _tool("beta")],
        tool_choice=forced,
    )
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "alpha"
    assert "tool_choice" not in server.seen[-1]


@pytest.mark.parametrize(
    "content", ["I will look it up.", "", None, [{"type": "text", "text": "x"}]]
)
def test_assistant_tool_calls_survive_only_with_null_content_in_2025(
    server: StandInServer, http: httpx.Client, content: Any
) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "alpha", "arguments": "{}"},
    }
    messages = [
        {"role": "user", "content": "Call alpha."},
        {"role": "assistant", "content": content, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    response = chat(http, model=TEXT_MODEL, messages=messages, tools=[_tool("alpha")])
    assert response.status_code == 200
    assistant = server.seen[-1]["messages"][1]
    kept = "tool_calls" in assistant
    assert kept == (content is None or not is_2025(server))


def test_unparsable_arguments_are_refused_only_where_parsed(
    server: StandInServer, http: httpx.Client
) -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{"}}
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "text", "tool_calls": [call]},
    ]
    response = chat(http, model=TEXT_MODEL, messages=messages)
    if is_2025(server):
        assert response.status_code == 200  # dropped unparsed
    else:
        assert response.status_code == 400
        assert error_of(response)["message"] == "invalid tool call arguments"


def test_tool_call_argument_keys(server: StandInServer, http: httpx.Client) -> None:
    args = {"zeta": {"b": 1, "a": 2}, "alpha": 1}
    server.script_queue([Reply(tool_calls=[{"name": "alpha", "arguments": args}])])
    response = chat(http, model=TEXT_MODEL, tools=[_tool("alpha")])
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    expected = (
        '{"alpha":1,"zeta":{"a":2,"b":1}}'
        if is_2025(server)
        else '{"zeta":{"a":2,"b":1},"alpha":1}'
    )
    assert call["function"]["arguments"] == expected
    assert list(call) == ["id", "index", "type", "function"]
    assert call["id"].startswith("call_")
    assert len(call["id"]) == 13


def test_finish_reason_with_tool_calls(
    server: StandInServer, http: httpx.Client
) -> None:
    calls = [{"name": "alpha", "arguments": {}}]
    server.script_queue([Reply(tool_calls=calls, finish_reason="length")])
    response = chat(http, model=TEXT_MODEL, tools=[_tool("alpha")])
    finish = response.json()["choices"][0]["finish_reason"]
    assert finish == ("tool_calls" if is_2025(server) else "length")


# -- errors -------------------------------------------------------------------


def test_tools_on_a_model_without_tools(
    server: StandInServer, http: httpx.Client
) -> None:
    response = chat(http, tools=[_tool("alpha")])
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"] == (
        "registry.ollama.ai/library/gemma3:12b does not support tools"
    )
    assert error["type"] == (
        "api_error" if is_2025(server) else "invalid_request_error"
    )


def test_unknown_model(server: StandInServer, http: httpx.Client) -> None:
    response = chat(http, model="nope:1b")
    assert response.status_code == 404
    error = error_of(response)
    if is_2025(server):
        assert error == {
            "message": 'model "nope:1b" not found, try pulling it first',
            "type": "api_error",
            "param": None,
            "code": None,
        }
    else:
        assert error["message"] == "model 'nope:1b' not found"
        assert error["type"] == "not_found_error"


def test_missing_model(server: StandInServer, http: httpx.Client) -> None:
    response = http.post("/chat/completions", json={"messages": HELLO})
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"] == "model is required"
    assert error["type"] == (
        "api_error" if is_2025(server) else "invalid_request_error"
    )


DECODE_ERRORS = [
    pytest.param(b"", "EOF", id="empty-body"),
    pytest.param(b"  \n", "EOF", id="blank-body"),
    pytest.param(b'{"model": "x"', "unexpected EOF", id="truncated"),
    pytest.param(
        b"hello", "invalid character 'h' looking for beginning of value", id="garbage"
    ),
    pytest.param(
        b'{"model" "x"}', "invalid character '\"' after object key", id="no-colon"
    ),
    pytest.param(
        b"[]",
        "json: cannot unmarshal array into Go value of type "
        "openai.ChatCompletionRequest",
        id="array-body",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": [], "stream": "yes"}',
        "json: cannot unmarshal string into Go struct field "
        "ChatCompletionRequest.stream of type bool",
        id="stream-string",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": [], "max_tokens": 1.5}',
        "json: cannot unmarshal number 1.5 into Go struct field "
        "ChatCompletionRequest.max_tokens of type int",
        id="max-tokens-float",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": [], "temperature": "hot"}',
        "json: cannot unmarshal string into Go struct field "
        "ChatCompletionRequest.temperature of type float64",
        id="temperature-string",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": [{"role": 5, "content": "x"}]}',
        "json: cannot unmarshal number into Go struct field "
        "Message.messages.role of type string",
        id="role-number",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": "hi"}',
        "json: cannot unmarshal string into Go struct field "
        "ChatCompletionRequest.messages of type []openai.Message",
        id="messages-string",
    ),
    pytest.param(
        b'{"model": "gemma3:12b", "messages": []}',
        "[] is too short - 'messages'",
        id="no-messages",
    ),
]


@pytest.mark.parametrize(("raw", "message"), DECODE_ERRORS)
def test_go_decode_errors(http: httpx.Client, raw: bytes, message: str) -> None:
    response = http.post(
        "/chat/completions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert error_of(response) == {
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_trailing_data_after_the_body_is_ignored(http: httpx.Client) -> None:
    raw = json.dumps({"model": VISION_MODEL, "messages": HELLO}).encode() + b" junk"
    response = http.post(
        "/chat/completions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


def test_fields_only_current_decodes(server: StandInServer, http: httpx.Client) -> None:
    response = chat(http, logprobs=5)
    if is_2025(server):
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert error_of(response)["message"] == (
            "json: cannot unmarshal number into Go struct field "
            "ChatCompletionRequest.logprobs of type bool"
        )


# -- options and extras -------------------------------------------------------


def test_response_format_type_is_lower_cased_and_trimmed(
    http: httpx.Client,
) -> None:
    schema = {
        "type": "object",
        "properties": {"caption": {"type": "string"}},
        "required": ["caption"],
    }
    response = chat(
        http,
        response_format={"type": " JSON_Schema ", "json_schema": {"schema": schema}},
    )
    content = response.json()["choices"][0]["message"]["content"]
    assert isinstance(json.loads(content)["caption"], str)


def test_reasoning_only_from_current(server: StandInServer, http: httpx.Client) -> None:
    message = chat(http, model="thinker").json()["choices"][0]["message"]
    stream = _events(chat(http, model="thinker", stream=True))
    streamed = [e["choices"][0]["delta"].get("reasoning") for e in stream[:-1]]
    if is_2025(server):
        assert "reasoning" not in message
        assert not any(streamed)
    else:
        assert message["reasoning"]
        assert any(streamed)
        off = chat(http, model="thinker", reasoning_effort="none").json()
        assert "reasoning" not in off["choices"][0]["message"]


def test_content_types(http: httpx.Client) -> None:
    answer = chat(http)
    assert answer.headers["content-type"] == "application/json"
    assert answer.content.endswith(b"}\n")
    stream = chat(http, stream=True)
    assert stream.headers["content-type"] == "text/event-stream"


def test_gateway_behaviour_is_the_same_for_both_versions(
    http: httpx.Client,
) -> None:
    """An assumption (not in Ollama's source): 401 text and rate-limit headers."""
    response = http.post(
        "/chat/completions",
        json={"model": VISION_MODEL, "messages": HELLO},
        headers={"Authorization": "Basic eA=="},
    )
    assert response.status_code == 401
    assert error_of(response)["message"] == "Invalid API key"
    assert response.headers["x-request-id"].startswith("req_")
    assert chat(http).headers["x-ratelimit-limit-requests"] == "100"


def test_logprobs_only_from_current(server: StandInServer, http: httpx.Client) -> None:
    server.script_queue([Reply(content="one two")] * 2)
    choice = chat(http, logprobs=True).json()["choices"][0]
    stream = _events(chat(http, logprobs=True, stream=True))
    streamed = [e["choices"][0].get("logprobs") for e in stream if e != "[DONE]"]
    if is_2025(server):
        assert "logprobs" not in choice
        assert not any(streamed)
    else:
        tokens = [entry["token"] for entry in choice["logprobs"]["content"]]
        assert "".join(tokens) == "one two"
        assert any(streamed)
