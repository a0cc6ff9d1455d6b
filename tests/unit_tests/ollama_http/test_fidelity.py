"""The stand-in's last gaps with Ollama's source (issue 24), pinned per version.

Each test runs against both emulated versions over raw HTTP on loopback and
names what Ollama does at ``35fda7b`` (2025) and ``fb30760`` (current); the
Ollama file and function are cited in tests/stand_in/ollama.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.stand_in import Reply, StandInServer
from tests.unit_tests.ollama_http._calls import (
    VISION_MODEL,
    chat,
    error_of,
    is_2025,
)

pytestmark = pytest.mark.enable_socket


def test_reasoning_effort_on_a_model_that_does_not_think(
    server: StandInServer, http: httpx.Client
) -> None:
    """routes.go ChatHandler (current): ``"<model>" does not support thinking``."""
    response = chat(http, reasoning_effort="high")
    if is_2025(server):  # no such request field: ignored
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert error_of(response) == {
            "message": '"gemma3:12b" does not support thinking',
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    assert chat(http, reasoning_effort="none").status_code == 200  # think: false
    assert chat(http, model="thinker", reasoning_effort="high").status_code == 200


def test_reasoning_takes_precedence_over_reasoning_effort(
    server: StandInServer, http: httpx.Client
) -> None:
    """openai.go FromChatRequest: a ``reasoning`` object wins, even empty."""
    both = chat(http, reasoning={"effort": "none"}, reasoning_effort="high")
    assert both.status_code == 200
    empty = chat(http, reasoning={}, reasoning_effort="bogus")
    assert empty.status_code == 200  # effort "" from the object; "bogus" unread
    flipped = chat(http, reasoning={"effort": "bogus"}, reasoning_effort="low")
    assert flipped.status_code == (200 if is_2025(server) else 400)
    thinker = chat(
        http, model="thinker", reasoning={"effort": "high"}, reasoning_effort="none"
    )
    message = thinker.json()["choices"][0]["message"]
    assert ("reasoning" in message) is not is_2025(server)


@pytest.mark.parametrize("name", ["bad name!", "-dash", "a/b/c/d", "x:y:"])
def test_an_invalid_model_name_is_400(
    server: StandInServer, http: httpx.Client, name: str
) -> None:
    """2025: ``!name.IsValid()`` -> "model is required"; current:
    ``parseAndValidateModelRef`` -> "invalid model name"."""
    response = chat(http, model=name)
    assert response.status_code == 400
    error = error_of(response)
    if is_2025(server):
        assert error["message"] == "model is required"
        assert error["type"] == "api_error"
    else:
        assert error["message"] == "invalid model name"
        assert error["type"] == "invalid_request_error"
    assert chat(http, model="nope:1b").status_code == 404  # valid, unknown


@pytest.mark.parametrize(
    ("parameters", "field", "go_type"),
    [
        ({"type": 1}, "parameters.type", "string"),
        ({"type": "object", "required": "x"}, "parameters.required", "[]string"),
        (
            {"type": "object", "properties": {"x": {"description": 5}}},
            "parameters.properties.description",
            "string",
        ),
        (
            {"type": "object", "properties": {"x": {"type": 5}}},
            "parameters.properties.type",
            "[]string",
        ),
        ({"type": "object", "properties": []}, "parameters.properties", "map"),
    ],
)
def test_a_tool_with_wrongly_typed_parameters_is_400(
    server: StandInServer,
    http: httpx.Client,
    parameters: dict[str, Any],
    field: str,
    go_type: str,
) -> None:
    """``api.Tool`` (api/types.go) is decoded down to its properties."""
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    response = chat(http, model="llama3.1:8b", tools=[tool])
    assert response.status_code == 400
    message = error_of(response)["message"]
    assert message.startswith("json: cannot unmarshal ")
    assert f".tools.function.{field} of type {go_type}" in message
    fine = {"type": "object", "properties": {"x": {"type": ["string", "null"]}}}
    tool["function"]["parameters"] = fine
    assert chat(http, model="llama3.1:8b", tools=[tool]).status_code == 200


@pytest.mark.parametrize("stream", [False, True])
def test_a_json_schema_that_is_not_an_object_is_a_runner_error(
    server: StandInServer, http: httpx.Client, stream: bool
) -> None:
    """llm/server.go Completion: the format must start with ``{``."""
    response_format = {"type": "json_schema", "json_schema": {"schema": [1, 2]}}
    response = chat(http, response_format=response_format, stream=stream)
    if stream and is_2025(server):  # the error line becomes one empty chunk
        assert response.status_code == 200
        assert "[DONE]" not in response.text
        return
    assert response.status_code == 500
    assert error_of(response)["message"] == (
        'invalid format: "[1, 2]"; expected "json" or a valid JSON Schema object'
    )
    for schema in ({"type": "object"}, "json", None):
        fine = {"type": "json_schema", "json_schema": {"schema": schema}}
        assert chat(http, response_format=fine).status_code == 200


def test_model_paths_are_one_segment_and_unknown_models_per_version(
    server: StandInServer, http: httpx.Client
) -> None:
    """gin ``/v1/models/:model``; routes.go ShowHandler's not-found text."""
    nested = http.get("/models/google/gemma-3-12b-it")
    assert nested.status_code == 404
    assert nested.text == "404 page not found"
    assert http.get("/models/google%2Fgemma-3-12b-it").status_code == 404
    assert http.get("/models/gemma3:12b").status_code == 200
    unknown = http.get("/models/nope")
    assert unknown.status_code == 404
    if is_2025(server):
        assert error_of(unknown)["message"] == "model 'nope' not found"
        assert error_of(unknown)["type"] == "api_error"
    else:
        assert error_of(unknown)["message"] == "model 'nope:latest' not found"
        assert error_of(unknown)["type"] == "not_found_error"


def test_other_methods_on_known_paths_are_405(http: httpx.Client) -> None:
    """routes.go: ``r.HandleMethodNotAllowed = true`` in both versions."""
    for method, path in [
        ("GET", "/chat/completions"),
        ("PUT", "/chat/completions"),
        ("POST", "/models"),
        ("DELETE", "/models/gemma3:12b"),
    ]:
        response = http.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.text == "405 method not allowed"
    assert http.get("/nowhere").status_code == 404


def test_ollamas_own_503_keeps_ollamas_error_envelope(
    server: StandInServer, http: httpx.Client
) -> None:
    """routes.go handleScheduleError: ErrMaxQueue is a 503 from Ollama itself."""
    busy = "server busy, please try again.  maximum pending requests exceeded"
    server.script_queue([Reply(status=503, error=busy)])
    response = chat(http)
    assert response.status_code == 503
    assert response.json() == {
        "error": {"message": busy, "type": "api_error", "param": None, "code": None}
    }
    server.fail_next(status=503)  # the gateway's 503 keeps Gravix's envelope
    assert "meta" in chat(http).json()


def test_current_names_a_tool_message_from_its_call_id(
    server: StandInServer, http: httpx.Client
) -> None:
    """openai.go FromChatRequest ``nameFromToolCallID`` (current); 2025 drops it."""
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "lookup", "arguments": "{}"}
    messages = [
        {"role": "user", "content": "Look it up."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    assert chat(http, model="llama3.1:8b", messages=messages).status_code == 200
    tool_message = server.seen[-1]["messages"][-1]
    if is_2025(server):
        assert "name" not in tool_message
    else:
        assert tool_message["name"] == "lookup"


# -- the client, against both versions -------------------------------------------


def _llm(server: StandInServer, **kwargs: Any) -> Any:
    from langchain_gravix_vision import ChatGravixVision

    return ChatGravixVision(
        model=kwargs.pop("model", VISION_MODEL),
        base_url=server.base_url,
        api_key="sk-fake",
        max_retries=0,
        **kwargs,
    )


@pytest.mark.parametrize(
    "settings",
    [{"reasoning_effort": "high"}, {"reasoning": {"effort": "low"}}],
    ids=["reasoning_effort", "reasoning"],
)
def test_the_client_refuses_reasoning_for_a_model_that_does_not_think(
    server: StandInServer, settings: dict[str, Any]
) -> None:
    from langchain_gravix_vision.errors import UnsupportedCapabilityError

    before = len(server.requests)
    given = next(iter(settings))
    with pytest.raises(UnsupportedCapabilityError, match=f"refuses {given}="):
        _llm(server, **settings).invoke("Hello")
    assert len(server.requests) == before  # refused before sending
    assert _llm(server, reasoning_effort="none").invoke("Hello").content


def test_a_server_refusing_thinking_is_a_typed_error(server: StandInServer) -> None:
    """A profile overridden to think: current's 400 becomes a typed error."""
    from langchain_gravix_vision.errors import UnsupportedCapabilityError

    llm = _llm(
        server, reasoning_effort="high", profile_overrides={"reasoning_output": True}
    )
    if is_2025(server):
        assert llm.invoke("Hello").content
        return
    with pytest.raises(UnsupportedCapabilityError, match="does not think"):
        llm.invoke("Hello")


def test_an_invalid_model_name_is_a_typed_error(server: StandInServer) -> None:
    from langchain_gravix_vision.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="not a valid model name"):
        _llm(server, model="bad name!").invoke("Hello")


def test_top_logprobs_answers_as_many_alternatives_as_asked(
    server: StandInServer, http: httpx.Client
) -> None:
    """openai.go ToChatCompletion: ``top_logprobs`` of the runner's top N."""
    server.script_queue([Reply(content="one two")])
    choice = chat(http, logprobs=True, top_logprobs=2).json()["choices"][0]
    if is_2025(server):
        assert "logprobs" not in choice
        return
    first = choice["logprobs"]["content"][0]
    assert len(first["top_logprobs"]) == 2
    assert first["top_logprobs"][0]["token"] == first["token"]
    assert first["top_logprobs"][0]["logprob"] >= first["top_logprobs"][1]["logprob"]
