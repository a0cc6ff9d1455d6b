"""Vision tools: schemas, the model-call flow, retries and every error path.

The model is a real ChatGravixVision over an in-memory wire (no sockets).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_anthropic.chat_models import convert_to_anthropic_tool
from langchain_core.messages import ToolMessage
from langchain_core.output_parsers.openai_tools import parse_tool_call
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_tests.unit_tests import ToolsUnitTests
from PIL import Image
from pydantic import BaseModel

from langchain_gravix_vision import (
    ChartData,
    DescribeImageTool,
    ExtractedText,
    ExtractTextTool,
    GravixVisionToolkit,
    ImageDescription,
    ImagePolicy,
    ReadChartTool,
)
from langchain_gravix_vision.tools.prompts import UNTRUSTED_TEXT_RULE
from langchain_gravix_vision.tools.schemas import DescribeImageArgs
from tests.unit_tests.wire import FAKE_KEY, Wire, completion

DESCRIPTION = {
    "caption": "A red square.",
    "description": "A flat red square on nothing else.",
    "objects": ["square"],
    "people": [],
    "text_present": [],
    "answer": None,
}
CHART = {
    "chart_type": "bar",
    "title": "Sales",
    "x_axis": {"label": "Year", "unit": None, "scale": "categorical"},
    "y_axis": {"label": "Revenue", "unit": "USD", "scale": "linear"},
    "series": [{"name": "value", "points": [{"x": "2020", "y": 10.0}]}],
    "table_markdown": "Year | value\n2020 | 10",
    "summary": "One bar.",
    "answer": None,
    "notes": [],
}
TEXT = {"text": "Hello world", "language": "en", "has_table": False}


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def image_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small PNG inside the working directory (the default policy root)."""
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (64, 64), "red").save(tmp_path / "red.png")
    return "red.png"


def _call(tool: Any, args: dict[str, Any]) -> ToolMessage:
    return tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )


def _answer(payload: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    body = completion(json.dumps(payload))
    body["choices"][0]["finish_reason"] = finish
    return body


# ------------------------------------------------------------------ schemas


@pytest.mark.parametrize(
    "tool_class", [DescribeImageTool, ReadChartTool, ExtractTextTool]
)
def test_schema_converts_for_openai_and_anthropic(tool_class: type) -> None:
    tool = tool_class(llm=None)
    openai_tool = convert_to_openai_tool(tool)
    params = openai_tool["function"]["parameters"]
    assert openai_tool["function"]["name"] == tool.name
    assert "image" in params["properties"]
    assert params["required"] == ["image"]
    # The aliases are accepted but not advertised.
    assert not {"image_path", "image_url"} & set(params["properties"])
    anthropic_tool = convert_to_anthropic_tool(tool)
    assert anthropic_tool["name"] == tool.name
    assert anthropic_tool["input_schema"]["required"] == ["image"]
    assert "image" in anthropic_tool["input_schema"]["properties"]


@pytest.mark.parametrize(
    ("args", "allow_path"),
    [
        ({"image": "photos/cat.jpg"}, True),
        ({"image": "https://example.com/a.png"}, True),
        ({"image_path": "photos/cat.jpg"}, True),
        ({"image_url": "https://example.com/a.png"}, False),
    ],
)
def test_image_argument_and_its_aliases(args: dict[str, str], allow_path: bool) -> None:
    tool = DescribeImageTool(llm=None)
    parsed = tool._parse_input(args, None)
    assert isinstance(parsed, dict)
    source = DescribeImageArgs.model_validate(parsed)
    assert source.reading() == (next(iter(args.values())), allow_path)


@pytest.mark.parametrize(
    "args",
    [{}, {"image": "a.png", "image_url": "https://example.com/b.png"}],
)
def test_exactly_one_image_source(args: dict[str, str]) -> None:
    message = DescribeImageTool(llm=None).invoke(
        {"args": args, "id": "1", "name": "describe_image", "type": "tool_call"}
    )
    assert message.status == "error"
    assert str(message.content).startswith("invalid_arguments:")


def test_image_url_alias_is_never_read_as_a_path(image_file: str) -> None:
    tool = DescribeImageTool(llm=None)
    message = tool.invoke(
        {"args": {"image_url": image_file}, "id": "1", "name": "x", "type": "tool_call"}
    )
    assert message.status == "error"
    assert str(message.content).startswith("source_not_allowed:")


def test_a_missing_file_is_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    message = _call(DescribeImageTool(llm=None), {"image": "missing.png"})
    assert message.status == "error"
    assert str(message.content).startswith("not_found: missing.png")


@pytest.mark.parametrize("result_class", [ImageDescription, ChartData, ExtractedText])
def test_artifacts_come_back_from_dicts(result_class: type[BaseModel]) -> None:
    """A checkpointer hands artifacts back as dicts: model_validate restores them."""
    examples = {
        ImageDescription: ImageDescription(caption="A cat.", description="A cat."),
        ChartData: ChartData(chart_type="bar", title="Sales"),
        ExtractedText: ExtractedText(text="Total 9.70"),
    }
    original = examples[result_class]
    as_dict = json.loads(json.dumps(original.model_dump(mode="json")))
    restored = result_class.model_validate(as_dict)
    assert restored == original
    assert restored.to_content() == original.to_content()  # type: ignore[attr-defined]


def test_tool_calls_from_other_llms_execute(wire: Wire, image_file: str) -> None:
    """Tool calls as OpenAI and Anthropic models emit them run unchanged."""
    tool = ReadChartTool(llm=wire.model())
    wire.queue(_answer(CHART), _answer(CHART))
    openai_call = {
        "id": "call_ab12cd34",
        "type": "function",
        "function": {
            "name": "read_chart",
            "arguments": json.dumps({"image_path": image_file}),
        },
    }
    anthropic_block = {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "read_chart",
        "input": {"image_path": image_file},
    }
    calls = [
        parse_tool_call(openai_call, return_id=True),
        {
            "name": anthropic_block["name"],
            "args": anthropic_block["input"],
            "id": anthropic_block["id"],
        },
    ]
    for call in calls:
        assert call is not None
        message = tool.invoke({**call, "type": "tool_call"})
        assert message.status == "success"
        assert isinstance(message.artifact, ChartData)
        assert message.tool_call_id == call["id"]


def test_tool_names_are_exact() -> None:
    names = [t.name for t in GravixVisionToolkit().get_tools()]
    assert names == ["describe_image", "read_chart", "extract_text", "locate_objects"]


@pytest.mark.parametrize(
    "args",
    [{}, {"image_path": "a.png", "image_url": "https://x.test/a.png"}],
    ids=["none", "both"],
)
def test_exactly_one_source_is_reported_not_raised(
    wire: Wire, args: dict[str, Any]
) -> None:
    msg = _call(DescribeImageTool(llm=wire.model()), args)
    assert msg.status == "error"
    assert "exactly one image source" in str(msg.content)
    assert wire.bodies == []


# ------------------------------------------------------------------ flow


def test_describe_image_end_to_end(wire: Wire, image_file: str) -> None:
    wire.queue(_answer(DESCRIPTION))
    msg = _call(
        DescribeImageTool(llm=wire.model()),
        {"image_path": image_file, "question": "What shape?"},
    )
    assert msg.status == "success"
    assert isinstance(msg.artifact, ImageDescription)
    assert msg.artifact.caption == "A red square."
    assert "A red square." in msg.content
    body = wire.last
    assert body["response_format"]["type"] == "json_schema"
    assert UNTRUSTED_TEXT_RULE in body["messages"][0]["content"]
    user = body["messages"][1]["content"]
    assert "What shape?" in user[0]["text"]
    assert user[1]["image_url"]["url"].startswith("data:image/")


def test_read_chart_uses_temperature_zero(wire: Wire, image_file: str) -> None:
    wire.queue(_answer(CHART))
    msg = _call(ReadChartTool(llm=wire.model()), {"image_path": image_file})
    assert isinstance(msg.artifact, ChartData)
    assert msg.artifact.series[0].points[0].y == 10.0
    assert wire.last["temperature"] == 0
    assert "Sales" in msg.content


def test_extract_text_marks_untrusted(wire: Wire, image_file: str) -> None:
    wire.queue(_answer(TEXT))
    msg = _call(
        ExtractTextTool(llm=wire.model()),
        {"image_path": image_file, "output_format": "markdown"},
    )
    assert isinstance(msg.artifact, ExtractedText)
    assert msg.artifact.untrusted is True
    assert msg.artifact.output_format == "markdown"
    assert "untrusted" in msg.content
    assert "Hello world" in msg.content
    assert wire.last["temperature"] == 0


def test_repair_retry_after_invalid_output(wire: Wire, image_file: str) -> None:
    wire.queue(completion("this is not json"), _answer(TEXT))
    msg = _call(ExtractTextTool(llm=wire.model()), {"image_path": image_file})
    assert msg.status == "success"
    assert len(wire.bodies) == 2
    repair = wire.bodies[1]["messages"][-1]
    assert repair["role"] == "user"
    assert "could not be used" in repair["content"]


def test_invalid_output_twice_is_a_tool_error(wire: Wire, image_file: str) -> None:
    wire.queue(completion("nope"), completion('{"wrong": 1}'))
    msg = _call(ReadChartTool(llm=wire.model()), {"image_path": image_file})
    assert msg.status == "error"
    assert "invalid_model_output" in msg.content
    assert len(wire.bodies) == 2


def test_truncated_answer_retried_with_more_tokens(wire: Wire, image_file: str) -> None:
    first = completion('{"text": "Hello wo')
    first["choices"][0]["finish_reason"] = "length"
    wire.queue(first, _answer(TEXT))
    msg = _call(ExtractTextTool(llm=wire.model()), {"image_path": image_file})
    assert msg.status == "success"
    assert [b["max_tokens"] for b in wire.bodies] == [2048, 4096]


def test_truncated_twice_is_reported(wire: Wire, image_file: str) -> None:
    cut = completion('{"text": "Hel')
    cut["choices"][0]["finish_reason"] = "length"
    wire.queue(cut, cut)
    msg = _call(ExtractTextTool(llm=wire.model()), {"image_path": image_file})
    assert msg.status == "error"
    assert "cut off" in msg.content


async def test_async_flow(wire: Wire, image_file: str) -> None:
    wire.queue(_answer(DESCRIPTION))
    tool = DescribeImageTool(llm=wire.model())
    msg = await tool.ainvoke(
        {
            "args": {"image_path": image_file},
            "id": "c",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    assert isinstance(msg.artifact, ImageDescription)


# ------------------------------------------------------------------ errors


def test_path_outside_root_is_refused_without_leaking_path(
    wire: Wire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "root"
    inside.mkdir()
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8)).save(secret)
    monkeypatch.chdir(inside)
    msg = _call(DescribeImageTool(llm=wire.model()), {"image_path": "../secret.png"})
    assert msg.status == "error"
    assert msg.content.startswith("source_not_allowed")
    assert str(tmp_path) not in msg.content
    assert wire.bodies == []


def test_missing_file_and_bad_image(wire: Wire, image_file: str) -> None:
    Path("notes.png").write_text("not an image")
    tool = DescribeImageTool(llm=wire.model())
    missing = _call(tool, {"image_path": "missing.png"})
    bad = _call(tool, {"image_path": "notes.png"})
    assert missing.status == bad.status == "error"
    assert bad.content.startswith("unsupported_format")
    assert os.getcwd() not in missing.content + bad.content


def test_url_denied_by_policy(wire: Wire) -> None:
    tool = DescribeImageTool(
        llm=wire.model(), image_policy=ImagePolicy(url_mode="deny")
    )
    msg = _call(tool, {"image_url": "https://images.example.com/a.png"})
    assert msg.status == "error"
    assert msg.content.startswith("source_not_allowed")


@pytest.mark.parametrize(
    ("status", "expected"),
    [(500, "HTTP 500"), (429, "rate_limited"), (401, "API key")],
)
def test_server_errors_become_tool_messages(
    wire: Wire, image_file: str, status: int, expected: str
) -> None:
    wire.answer = lambda _b: httpx2.Response(
        status, json={"error": {"message": "boom", "type": "api_error"}}
    )
    msg = _call(DescribeImageTool(llm=wire.model()), {"image_path": image_file})
    assert msg.status == "error"
    assert expected in msg.content
    assert FAKE_KEY not in msg.content


def test_missing_api_key_is_actionable(
    image_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRAVIXLAYER_API_KEY", raising=False)
    msg = _call(DescribeImageTool(), {"image_path": image_file})
    assert msg.status == "error"
    assert "GRAVIXLAYER_API_KEY" in msg.content


def test_toolkit_shares_model_and_policy(wire: Wire) -> None:
    llm = wire.model()
    policy = ImagePolicy(url_mode="deny")
    tools = GravixVisionToolkit(llm=llm, image_policy=policy).get_tools()
    assert all(t.llm is llm and t.image_policy is policy for t in tools)


def test_tool_returns_image_size_independent_of_source(
    wire: Wire, image_file: str
) -> None:
    big = Image.new("RGB", (4000, 3000), "red")
    buf = io.BytesIO()
    big.save(buf, format="JPEG")
    Path("big.jpg").write_bytes(buf.getvalue())
    wire.queue(_answer(DESCRIPTION))
    _call(DescribeImageTool(llm=wire.model()), {"image_path": "big.jpg"})
    url = wire.last["messages"][1]["content"][1]["image_url"]["url"]
    assert len(url) < len(buf.getvalue())  # right-sized before it left


# ------------------------------------------------------------------ standard


class TestDescribeImageToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[DescribeImageTool]:
        return DescribeImageTool

    @property
    def tool_constructor_params(self) -> dict:
        return {}

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/photos/chelsea.png", "question": "Animal?"}


class TestReadChartToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ReadChartTool]:
        return ReadChartTool

    @property
    def tool_constructor_params(self) -> dict:
        return {}

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/charts/bar_sales.png"}


class TestExtractTextToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ExtractTextTool]:
        return ExtractTextTool

    @property
    def tool_constructor_params(self) -> dict:
        return {}

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/text/receipt.png", "output_format": "plain"}
