"""MCP: compare_images is served like the other tools, on an in-memory wire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from langchain_gravix_vision import CompareImagesTool, ImageComparison, ImagePolicy
from langchain_gravix_vision.mcp.server import (
    VisionMCPServer,
    input_schema,
    output_schema,
    tool_names,
)
from langchain_gravix_vision.tools.schemas import MAX_COMPARE_IMAGES
from tests.unit_tests.wire import Wire, completion, image_parts


@pytest.fixture
def images(tmp_path: Path) -> list[str]:
    paths = []
    for colour in ("red", "blue"):
        Image.new("RGB", (40, 30), colour).save(tmp_path / f"{colour}.png")
        paths.append(str(tmp_path / f"{colour}.png"))
    return paths


def _server(wire: Wire, tmp_path: Path) -> tuple[VisionMCPServer, CompareImagesTool]:
    policy = ImagePolicy(allowed_roots=(tmp_path,))
    tool = CompareImagesTool(llm=wire.model(), image_policy=policy)
    return VisionMCPServer([tool], policy), tool


def test_the_server_serves_compare_images_with_its_schemas() -> None:
    assert "compare_images" in tool_names()
    tool = CompareImagesTool(llm=None)
    schema = input_schema(tool)
    images = schema["properties"]["images"]
    assert images["type"] == "array"
    assert images["maxItems"] == MAX_COMPARE_IMAGES
    assert schema["required"] == ["images"]
    result = output_schema(tool)
    assert result is not None
    assert {"answer", "notes", "differences"} <= set(result["properties"])


async def test_a_call_returns_the_comparison_as_structured_content(
    tmp_path: Path, images: list[str]
) -> None:
    from mcp.server.lowlevel import Server

    wire = Wire()
    notes = [{"image": 1, "note": "a"}, {"image": 2, "note": "b"}]
    answer = {"answer": "scripted", "notes": notes, "differences": ["c"]}
    wire.queue(completion(json.dumps(answer)))
    server, tool = _server(wire, tmp_path)
    result: Any = await server.call(Server("t"), tool.name, {"images": images})
    content, structured = result
    jsonschema.validate(structured, output_schema(tool))
    comparison = ImageComparison.model_validate(structured)
    assert [n.image for n in comparison.notes] == [1, 2]
    assert content[0].text == comparison.to_content()
    assert image_parts(wire.last) == 2


async def test_a_bad_image_is_an_error_result_naming_it(
    tmp_path: Path, images: list[str]
) -> None:
    from mcp.server.lowlevel import Server

    wire = Wire()
    server, tool = _server(wire, tmp_path)
    args = {"images": [images[0], "/etc/passwd"]}
    result: Any = await server.call(Server("t"), tool.name, args)
    assert result.isError
    text = result.content[0].text
    assert text.startswith("source_not_allowed: images[1] (image 2): ")
    assert str(tmp_path) not in text
    assert wire.bodies == []
