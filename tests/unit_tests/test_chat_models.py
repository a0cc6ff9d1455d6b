"""ChatGravixVision payloads and parsing, checked on the real wire (no sockets).

Requests go through the openai SDK into an in-memory transport, so each test
sees exactly the JSON body the server would get.
"""

from __future__ import annotations

import base64
import io
import json
import typing
from typing import Any

import httpx2
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from PIL import Image
from pydantic import BaseModel

from langchain_gravix_vision import (
    ChatGravixVision,
    ImagePolicy,
    ImageSourceNotAllowed,
    UnsupportedCapabilityError,
)
from langchain_gravix_vision.chat_models._message_images import (
    TOOL_IMAGE_NOTE,
    prepare_messages,
)
from tests.unit_tests.wire import FAKE_KEY, Wire, completion, sse


@pytest.fixture
def wire() -> Wire:
    return Wire()


def _png(size: tuple[int, int] = (64, 48), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def _image_parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        part
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]


PNG = _png()
B64 = base64.b64encode(PNG).decode()
URL = "https://images.example.com/cat.png"

IMAGE_FORMS: dict[str, dict[str, Any]] = {
    "v1_base64": {"type": "image", "base64": B64, "mime_type": "image/png"},
    "v0_base64": {
        "type": "image",
        "source_type": "base64",
        "data": B64,
        "mime_type": "image/png",
    },
    "openai_str": {"type": "image_url", "image_url": f"data:image/png;base64,{B64}"},
    "openai_dict": {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{B64}"},
    },
    "anthropic_base64": {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": B64},
    },
}


@pytest.mark.parametrize("form", sorted(IMAGE_FORMS))
def test_every_base64_image_form_reaches_wire_as_image_url(
    wire: Wire, form: str
) -> None:
    wire.model().invoke(
        [HumanMessage([{"type": "text", "text": "hi"}, IMAGE_FORMS[form]])]
    )
    (part,) = _image_parts(wire.last)
    url = part["image_url"]["url"]
    assert url.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    # qwen2.5vl: within the pixel budget, so sent at its own size (the server
    # rounds it to its grid, as it does for any upload)
    assert decoded.size == (64, 48)
    assert decoded.convert("RGB").getpixel((5, 5))[0] > 200  # still red


def test_v1_base64_without_mime_type_is_sniffed() -> None:
    # langchain-core's own tracing rejects this block inside invoke() (issue
    # langchain-ai/langchain#39799), so the conversion is checked directly.
    block = {"type": "image", "base64": B64}
    for policy in (ImagePolicy(), None):
        (msg,) = prepare_messages(
            [HumanMessage([block])], policy=policy, resolution=None
        )
        assert msg.content[0]["image_url"]["url"].startswith("data:image/png;base64,")


URL_FORMS: dict[str, dict[str, Any]] = {
    "v1_url": {"type": "image", "url": URL},
    "v0_url": {"type": "image", "source_type": "url", "url": URL},
    "openai_str": {"type": "image_url", "image_url": URL},
    "openai_dict": {"type": "image_url", "image_url": {"url": URL}},
    "anthropic_url": {"type": "image", "source": {"type": "url", "url": URL}},
}


@pytest.mark.parametrize("form", sorted(URL_FORMS))
def test_url_forms_pass_through_when_policy_says_so(wire: Wire, form: str) -> None:
    llm = wire.model(image_policy=ImagePolicy(url_mode="pass_through"))
    llm.invoke([HumanMessage([URL_FORMS[form]])])
    assert _image_parts(wire.last) == [{"type": "image_url", "image_url": {"url": URL}}]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},
        {"type": "image", "url": URL, "detail": "high"},
        {"type": "image", "url": URL, "extras": {"detail": "high"}},
    ],
    ids=["openai", "v1_top_level", "v1_extras"],
)
def test_detail_is_kept(wire: Wire, block: dict[str, Any]) -> None:
    # image_policy=None sends http URLs only to a model said to take them.
    llm = wire.model(image_policy=None, profile_overrides={"image_url_inputs": True})
    llm.invoke([HumanMessage([block])])
    (part,) = _image_parts(wire.last)
    assert part["image_url"] == {"url": URL, "detail": "high"}


def test_preprocessing_off_only_reshapes(wire: Wire) -> None:
    wire.model(image_policy=None).invoke([HumanMessage([IMAGE_FORMS["v1_base64"]])])
    (part,) = _image_parts(wire.last)
    assert part["image_url"]["url"] == f"data:image/png;base64,{B64}"


def test_images_resized_to_model_resolution(wire: Wire) -> None:
    big = base64.b64encode(_png((3000, 2000), "blue")).decode()
    block = {"type": "image", "base64": big, "mime_type": "image/png"}
    for model, check in [
        ("qwen2.5vl:7b", lambda w, h: w % 28 == 0 and h % 28 == 0 and w * h <= 2 << 20),
        ("gemma3:12b", lambda w, h: max(w, h) == 896),
    ]:
        wire.model(model=model).invoke([HumanMessage([block])])
        (part,) = _image_parts(wire.last)
        data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
        size = Image.open(io.BytesIO(data)).size
        assert check(*size), (model, size)
        assert abs(size[0] / size[1] - 1.5) < 0.03


def test_tool_message_images_move_to_following_user_message(wire: Wire) -> None:
    messages = [
        HumanMessage("get an image with the tool"),
        AIMessage("", tool_calls=[{"id": "1", "name": "snap", "args": {}}]),
        ToolMessage([IMAGE_FORMS["v1_base64"]], tool_call_id="1", name="snap"),
    ]
    wire.model(profile_overrides={"tool_calling": True}).invoke(messages)
    roles = [m["role"] for m in wire.last["messages"]]
    assert roles == ["user", "assistant", "tool", "user"]
    tool_msg = wire.last["messages"][2]
    assert all(p.get("type") != "image_url" for p in tool_msg["content"])
    assert TOOL_IMAGE_NOTE in json.dumps(tool_msg["content"])
    assert len(_image_parts({"messages": wire.last["messages"][3:]})) == 1


def test_max_tokens_and_temperature_on_the_wire(wire: Wire) -> None:
    wire.model(max_tokens=77).invoke("hi")
    assert wire.last["max_tokens"] == 77
    assert "max_completion_tokens" not in wire.last
    assert wire.last["temperature"] == 0.7
    wire.model(temperature=0).invoke("hi")
    assert wire.last["temperature"] == 0


def test_stream_sends_include_usage_and_parses_final_usage_chunk(wire: Wire) -> None:
    def stream_answer(_body: dict[str, Any]) -> httpx2.Response:
        base = {
            "id": "chatcmpl-4",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gemma3:12b",
            "system_fingerprint": "fp_ollama",
        }
        chunks = [
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "A "},
                        "finish_reason": None,
                    }
                ],
            },
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "cat"},
                        "finish_reason": "stop",
                    }
                ],
            },
            {
                **base,
                "choices": [],
                "usage": {
                    "prompt_tokens": 280,
                    "completion_tokens": 2,
                    "total_tokens": 282,
                },
            },
        ]
        return httpx2.Response(
            200, content=sse(chunks), headers={"content-type": "text/event-stream"}
        )

    wire.answer = stream_answer
    chunks = list(wire.model().stream("describe"))
    assert wire.last["stream"] is True
    assert wire.last["stream_options"] == {"include_usage": True}
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert full.content == "A cat"
    assert full.usage_metadata["input_tokens"] == 280
    assert full.response_metadata["model_provider"] == "gravixlayer"


class Caption(BaseModel):
    caption: str


def test_structured_output_vision_model_uses_json_schema(wire: Wire) -> None:
    wire.answer = lambda _b: httpx2.Response(
        200, json=completion('{"caption": "a cat"}')
    )
    result = wire.model(model="gemma3:12b").with_structured_output(Caption).invoke("x")
    assert result == Caption(caption="a cat")
    fmt = wire.last["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"]["properties"]["caption"]["type"] == "string"
    assert "tools" not in wire.last


def test_structured_output_json_mode(wire: Wire) -> None:
    wire.answer = lambda _b: httpx2.Response(200, json=completion('{"caption": "x"}'))
    llm = wire.model().with_structured_output(Caption, method="json_mode")
    assert llm.invoke("return JSON with a caption") == Caption(caption="x")
    assert wire.last["response_format"] == {"type": "json_object"}


def test_structured_output_function_calling_without_schema_support(wire: Wire) -> None:
    call = {
        "id": "call_ab12cd34",
        "type": "function",
        "index": 0,
        "function": {"name": "Caption", "arguments": '{"caption": "y"}'},
    }
    wire.answer = lambda _b: httpx2.Response(
        200, json=completion("", tool_calls=[call])
    )
    llm = wire.model(
        model="llama3.1:8b-instruct-fp16",
        profile_overrides={"structured_output": False},
    )
    assert llm.with_structured_output(Caption).invoke("x") == Caption(caption="y")
    assert wire.last["tools"][0]["function"]["name"] == "Caption"
    assert "response_format" not in wire.last


@pytest.mark.parametrize("mode", ["invoke", "stream", "batch", "ainvoke", "astream"])
async def test_bind_tools_refused_at_request_time(wire: Wire, mode: str) -> None:
    llm = wire.model(model="gemma3:12b")
    bound = llm.bind_tools([Caption])  # composing a chain never fails

    async def send() -> None:
        if mode == "invoke":
            bound.invoke("hi")
        elif mode == "stream":
            list(bound.stream("hi"))
        elif mode == "batch":
            bound.batch(["hi"])
        elif mode == "ainvoke":
            await bound.ainvoke("hi")
        else:
            [c async for c in bound.astream("hi")]

    with pytest.raises(UnsupportedCapabilityError) as info:
        await send()
    assert "gemma3:12b" in str(info.value)
    assert "profile_overrides" in str(info.value)
    assert wire.bodies == []  # no request was sent
    enabled = wire.model(model="gemma3:12b", profile_overrides={"tool_calling": True})
    enabled.bind_tools([Caption]).invoke("hi")
    assert wire.last["tools"][0]["function"]["name"] == "Caption"


def test_runtime_annotations_resolve_for_fallbacks_and_bindings(wire: Wire) -> None:
    llm = wire.model(model="llama3.1:8b-instruct-fp16")
    for method in ("bind_tools", "with_structured_output"):
        typing.get_type_hints(getattr(ChatGravixVision, method))
    fallback = llm.with_fallbacks([wire.model(model="llama3.1:8b")])
    fallback.bind_tools([Caption]).invoke("hi")
    assert wire.last["tools"][0]["function"]["name"] == "Caption"
    wire.queue(completion('{"caption": "a cat"}'))
    assert fallback.with_structured_output(Caption).invoke("hi") == Caption(
        caption="a cat"
    )
    assert wire.last["model"] == "llama3.1:8b-instruct-fp16"


def test_model_copy_re_resolves_the_profile(wire: Wire) -> None:
    qwen = wire.model(model="qwen2.5vl:7b")
    assert qwen.profile is not None
    assert qwen.profile["tool_calling"] is False
    for key in ("model_name", "model"):
        llama = qwen.model_copy(update={key: "llama3.1:8b-instruct-fp16"})
        assert llama.model_name == "llama3.1:8b-instruct-fp16"
        assert llama.profile is not None
        assert llama.profile["tool_calling"] is True
        llama.bind_tools([Caption]).invoke("hi")
        assert wire.last["tools"]
    # A hand-set profile is kept.
    custom = wire.model(model="qwen2.5vl:7b", profile={"tool_calling": True})
    copied = custom.model_copy(update={"model_name": "gemma3:12b"})
    assert copied.profile == {"tool_calling": True}


def test_unknown_model_gets_conservative_profile() -> None:
    llm = ChatGravixVision(model="qwen2-5-vl-3b-instruct-duuxg6", api_key=FAKE_KEY)
    assert llm.profile is not None
    assert llm.profile["image_inputs"] is True
    assert llm.profile["image_url_inputs"] is False


def test_hf_style_ids_share_profiles() -> None:
    a = ChatGravixVision(model="google/gemma-3-12b-it", api_key=FAKE_KEY).profile
    b = ChatGravixVision(model="gemma3:12b", api_key=FAKE_KEY).profile
    assert a == b


def test_reasoning_fields_land_in_additional_kwargs(wire: Wire) -> None:
    wire.answer = lambda _b: httpx2.Response(
        200, json=completion("4", reasoning="2+2 is 4")
    )
    msg = wire.model().invoke("2+2?")
    assert msg.additional_kwargs["reasoning_content"] == "2+2 is 4"
    assert msg.response_metadata["model_provider"] == "gravixlayer"


def test_missing_key_error_names_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAVIXLAYER_API_KEY", raising=False)
    with pytest.raises(ValueError, match="GRAVIXLAYER_API_KEY"):
        ChatGravixVision()


def test_key_never_in_repr_or_str() -> None:
    llm = ChatGravixVision(api_key=FAKE_KEY)
    assert FAKE_KEY not in repr(llm)
    assert FAKE_KEY not in str(llm)
    assert FAKE_KEY not in json.dumps(llm.model_dump(mode="json"), default=str)


def test_defaults() -> None:
    llm = ChatGravixVision(api_key=FAKE_KEY)
    assert llm.model_name == "qwen2.5vl:7b"
    assert llm.gravix_api_base == "https://api.gravixlayer.com/v1/inference"
    assert llm.stream_usage is True
    assert llm._get_ls_params()["ls_provider"] == "gravixlayer"
    assert llm._llm_type == "gravixlayer-chat"


def test_models_share_http_clients() -> None:
    a = ChatGravixVision(api_key=FAKE_KEY)
    b = ChatGravixVision(api_key="sk-other", model="gemma3:12b")
    assert a.root_client._client is b.root_client._client


async def test_async_prepares_images_off_the_event_loop(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from langchain_gravix_vision.chat_models import vision as chat_models

    threads: list[str] = []
    real = chat_models.prepare_messages

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(chat_models, "prepare_messages", spy)
    llm = wire.model()
    await llm.ainvoke([HumanMessage([IMAGE_FORMS["v1_base64"]])])
    chunks = [c async for c in llm.astream([HumanMessage([IMAGE_FORMS["v1_base64"]])])]
    assert chunks
    assert len(threads) == 2  # once per call, not again inside the payload
    assert threading.main_thread().name not in threads
    assert "_gravix_images_prepared" not in wire.last
    (part,) = _image_parts(wire.last)
    assert part["image_url"]["url"].startswith("data:image/png;base64,")


def test_pass_through_still_refuses_literal_metadata_addresses(wire: Wire) -> None:
    llm = wire.model(image_policy=ImagePolicy(url_mode="pass_through"))
    block = {"type": "image", "url": "http://169.254.169.254/latest/meta-data"}
    with pytest.raises(ImageSourceNotAllowed):
        llm.invoke([HumanMessage([block])])
    assert wire.bodies == []


@pytest.mark.parametrize("use_async", [False, True])
async def test_cache_keys_follow_image_content(
    wire: Wire, tmp_path: Any, use_async: bool
) -> None:
    from langchain_core.caches import InMemoryCache

    photo = tmp_path / "photo.png"
    photo.write_bytes(_png((64, 48), "red"))
    llm = wire.model(
        cache=InMemoryCache(), image_policy=ImagePolicy(allowed_roots=[tmp_path])
    )

    def ask(image: dict[str, Any]) -> list[HumanMessage]:
        return [HumanMessage([{"type": "text", "text": "Colour?"}, image])]

    async def call(messages: list[HumanMessage]) -> None:
        if use_async:
            await llm.ainvoke(messages)
        else:
            llm.invoke(messages)

    by_path = ask({"type": "image", "url": str(photo)})
    by_bytes = ask(
        {
            "type": "image",
            "base64": base64.b64encode(photo.read_bytes()).decode(),
            "mime_type": "image/png",
        }
    )
    await call(by_path)
    await call(by_bytes)  # the same image as bytes: a cache hit
    await call(by_path)
    assert len(wire.bodies) == 1
    photo.write_bytes(_png((64, 48), "blue"))  # changed behind the same path
    await call(by_path)
    assert len(wire.bodies) == 2
