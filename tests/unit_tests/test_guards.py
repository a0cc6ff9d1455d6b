"""Unit checks of the client guards (the fault tests are in tests/robustness)."""

from __future__ import annotations

import httpx
import openai

from langchain_gravix_vision import EndpointNotFoundError, ModelNotFoundError
from langchain_gravix_vision.chat_models._guards import (
    keep_tool_calls,
    translate_status_error,
)

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def _status_error(status: int, body: object) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://h/v1/chat/completions")
    response = httpx.Response(status, request=request)
    return openai.APIStatusError("error", response=response, body=body)


def test_text_and_calls_become_two_assistant_messages() -> None:
    messages = [
        {"role": "assistant", "content": "Looking.", "tool_calls": [CALL]},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "assistant", "content": [{"type": "text", "text": "x"}]},
    ]
    assert keep_tool_calls(messages) == [
        {"role": "assistant", "content": "Looking."},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "assistant", "content": [{"type": "text", "text": "x"}]},
    ]


def test_both_versions_model_not_found_texts_map_to_one_error() -> None:
    for text in (
        'model "x:1b" not found, try pulling it first',
        "model 'x:1b' not found",
    ):
        for error_type in ("api_error", "not_found_error"):
            body = {"message": text, "type": error_type}
            typed = translate_status_error(
                _status_error(404, body), "x:1b", "https://h/v1/inference"
            )
            assert isinstance(typed, ModelNotFoundError)


def test_endpoint_message_hides_credentials_in_the_base_url() -> None:
    typed = translate_status_error(
        _status_error(404, "404 page not found"), "m", "https://user:pw@h:8443/v1"
    )
    assert isinstance(typed, EndpointNotFoundError)
    assert "pw" not in str(typed)
    assert "https://h:8443/v1" in str(typed)
    assert "/v1/inference" in str(typed)


def test_a_connection_failure_names_the_host_and_what_to_check() -> None:
    import httpx2
    import openai

    from langchain_gravix_vision.errors import failure_message

    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat?api_key=sk-secret")
    message = failure_message(openai.APIConnectionError(request=request)) or ""
    assert message.startswith("model_error: could not reach the vision API at ")
    assert "127.0.0.1:9" in message
    assert "GRAVIXLAYER_BASE_URL" in message
    assert "stand-in" in message
    assert "sk-secret" not in message
    assert "/v1/chat" not in message
