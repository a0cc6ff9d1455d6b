"""MCP: moderate_image and an extraction tool per --schema, served like the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_gravix_vision import ImagePolicy, ModerateImageTool, make_extraction_tool
from langchain_gravix_vision.cli._parser import build_parser
from langchain_gravix_vision.mcp.server import (
    VisionMCPServer,
    input_schema,
    output_schema,
)
from tests.unit_tests.wire import Wire, completion

SCHEMA = {
    "title": "Receipt",
    "type": "object",
    "properties": {"shop": {"type": "string"}, "total": {"type": "number"}},
    "required": ["shop", "total"],
}


def test_the_parser_takes_moderation_and_schemas(tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(SCHEMA))
    args = build_parser().parse_args(["mcp", "--moderation", "--schema", str(path)])
    assert args.moderation is True
    assert args.schema == [SCHEMA]
    plain = build_parser().parse_args(["mcp"])
    assert plain.moderation is False
    assert plain.schema is None


def test_an_extraction_tool_advertises_the_users_schema() -> None:
    tool = make_extraction_tool(SCHEMA, llm=None)
    assert output_schema(tool) == SCHEMA
    assert set(input_schema(tool)["properties"]) == {"image", "pages"}
    moderation = output_schema(ModerateImageTool(llm=None))
    assert moderation is not None
    assert {"flagged", "categories", "category_scores"} <= set(moderation["properties"])


@pytest.fixture
def image(tmp_path: Path) -> str:
    Image.new("RGB", (32, 32), "white").save(tmp_path / "r.png")
    return str(tmp_path / "r.png")


async def test_a_dict_artifact_is_structured_content(
    tmp_path: Path, image: str
) -> None:
    from mcp.server.lowlevel import Server

    wire = Wire()
    wire.queue(completion(json.dumps({"shop": "Cafe", "total": 9.7})))
    policy = ImagePolicy(allowed_roots=(tmp_path,))
    tool = make_extraction_tool(SCHEMA, llm=wire.model(), image_policy=policy)
    server = VisionMCPServer([tool], policy)
    result: Any = await server.call(Server("t"), tool.name, {"image": image})
    content, structured = result
    assert structured == {"shop": "Cafe", "total": 9.7}
    assert "untrusted" in content[0].text
