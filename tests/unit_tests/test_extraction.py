"""Extraction into the user's schema: names, schemas, PDFs, citations and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_anthropic.chat_models import convert_to_anthropic_tool
from langchain_core.messages import ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from PIL import Image
from pydantic import AnyUrl, BaseModel

from langchain_gravix_vision import (
    CitedExtraction,
    ExtractFieldsTool,
    PageExtractions,
    UnsupportedSchemaError,
    make_extraction_tool,
)
from tests.unit_tests import test_tools
from tests.unit_tests.documents import pdfs
from tests.unit_tests.wire import FAKE_KEY, Wire, completion, image_parts

wire = test_tools.wire  # the same fixture


class LineItem(BaseModel):
    description: str
    amount: float | None


class Invoice(BaseModel):
    """An invoice's number, total and line items."""

    number: str
    total: float | None
    lines: list[LineItem]


INVOICE = {
    "number": "INV-7",
    "total": 9.7,
    "lines": [{"description": "Tea", "amount": 9.7}],
}
RECEIPT_SCHEMA = {
    "title": "Receipt",
    "description": "A shop receipt.",
    "type": "object",
    "properties": {
        "shop": {"type": "string"},
        "total": {"type": "number", "minimum": 0},
        "date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
    },
    "required": ["shop", "total", "date"],
    "additionalProperties": False,
}
RECEIPT = {"shop": "Corner Shop", "total": 4.5, "date": "2025-07-09"}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (64, 64), "white").save(tmp_path / "invoice.png")
    (tmp_path / "report.pdf").write_bytes(pdfs.text_pdf(2))
    (tmp_path / "mixed.pdf").write_bytes(pdfs.mixed_pdf())
    return tmp_path


def _call(tool: ExtractFieldsTool, args: dict[str, Any]) -> ToolMessage:
    return tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )


def _answer(payload: Any) -> dict[str, Any]:
    return completion(json.dumps(payload))


def test_name_and_description_come_from_the_schema() -> None:
    invoice = ExtractFieldsTool(schema=Invoice, llm=None)
    receipt = make_extraction_tool(RECEIPT_SCHEMA, llm=None)
    assert invoice.name == "extract_invoice"
    assert "line items" in invoice.description
    assert receipt.name == "extract_receipt"
    assert "shop receipt" in receipt.description
    named = ExtractFieldsTool(schema=Invoice, llm=None, name="read_bill")
    assert named.name == "read_bill"


def test_tool_schema_converts_for_openai_and_anthropic() -> None:
    tool = ExtractFieldsTool(schema=Invoice, llm=None)
    function = convert_to_openai_tool(tool)["function"]
    assert function["name"] == "extract_invoice"
    assert set(function["parameters"]["properties"]) == {"image", "pages"}
    assert function["parameters"]["required"] == ["image"]
    anthropic = convert_to_anthropic_tool(tool)
    assert anthropic["name"] == "extract_invoice"
    assert anthropic["input_schema"]["required"] == ["image"]


@pytest.mark.parametrize("schema", [Invoice, RECEIPT_SCHEMA], ids=["model", "json"])
def test_the_asked_schema_converts_for_openai_and_anthropic(schema: Any) -> None:
    asked = ExtractFieldsTool(schema=schema, llm=None).asked_schema
    expected = set(
        (schema.model_json_schema() if isinstance(schema, type) else schema)[
            "properties"
        ]
    )
    openai_tool = convert_to_openai_tool(asked)["function"]
    assert set(openai_tool["parameters"]["properties"]) == expected
    anthropic = convert_to_anthropic_tool(asked)
    assert set(anthropic["input_schema"]["properties"]) == expected


def test_a_pydantic_schema_gives_an_instance(wire: Wire, folder: Path) -> None:
    wire.queue(_answer(INVOICE))
    message = _call(
        ExtractFieldsTool(schema=Invoice, llm=wire.model()), {"image": "invoice.png"}
    )
    assert message.status == "success", message.content
    assert isinstance(message.artifact, Invoice)
    assert message.artifact.lines[0].description == "Tea"
    body = wire.last
    assert image_parts(body) == 1
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert set(fmt["json_schema"]["schema"]["properties"]) == {
        "number",
        "total",
        "lines",
    }
    assert "untrusted" in message.content


def test_a_json_schema_gives_a_dict_and_is_sent_as_given(
    wire: Wire, folder: Path
) -> None:
    wire.queue(_answer(RECEIPT))
    message = _call(
        make_extraction_tool(RECEIPT_SCHEMA, llm=wire.model()), {"image": "invoice.png"}
    )
    assert message.artifact == RECEIPT
    sent = wire.last["response_format"]["json_schema"]["schema"]
    assert sent["properties"] == RECEIPT_SCHEMA["properties"]
    assert sent["additionalProperties"] is False


@pytest.mark.parametrize(
    "bad",
    [
        {"shop": "x", "total": -1, "date": None},
        {"shop": "x", "total": 1, "date": "yesterday"},
        {"shop": "x", "total": 1},
        {"shop": "x", "total": 1, "date": None, "extra": 1},
    ],
    ids=["minimum", "format", "required", "additional"],
)
def test_an_invalid_answer_gets_one_repair_retry(
    wire: Wire, folder: Path, bad: dict[str, Any]
) -> None:
    wire.queue(_answer(bad), _answer(RECEIPT))
    message = _call(
        make_extraction_tool(RECEIPT_SCHEMA, llm=wire.model()), {"image": "invoice.png"}
    )
    assert message.status == "success", message.content
    assert len(wire.bodies) == 2
    assert "could not be used" in json.dumps(wire.last["messages"][-1])


def test_invalid_twice_is_a_coded_secret_free_error(wire: Wire, folder: Path) -> None:
    wire.queue(_answer({"number": FAKE_KEY}), _answer({"number": 7}))
    message = _call(
        ExtractFieldsTool(schema=Invoice, llm=wire.model()), {"image": "invoice.png"}
    )
    assert message.status == "error"
    assert str(message.content).startswith("invalid_model_output:")
    assert FAKE_KEY not in str(message.content)


class Node(BaseModel):
    name: str
    children: list[Node]


class Contact(BaseModel):
    website: AnyUrl


class Tags(BaseModel):
    tags: set[str]


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        (Node, "recursive"),
        (Contact, "format 'uri'"),
        (Tags, "uniqueItems"),
        (
            {"type": "object", "properties": {"a": {"$ref": "https://x.test/s"}}},
            "local",
        ),
        ({"type": "object", "properties": {"a": {"not": {"type": "null"}}}}, "not"),
        ({"type": "array", "items": {"type": "string"}}, "object with properties"),
        (
            {
                "type": "object",
                "properties": {
                    f"f{i}": {"type": "string", "description": "x" * 200}
                    for i in range(120)
                },
            },
            "limit",
        ),
    ],
    ids=["recursive", "uri", "set", "external-ref", "not", "not-object", "large"],
)
def test_unenforceable_schemas_are_refused_at_construction(
    wire: Wire, schema: Any, reason: str
) -> None:
    with pytest.raises(UnsupportedSchemaError, match=reason) as caught:
        ExtractFieldsTool(schema=schema, llm=wire.model())
    assert caught.value.code == "unsupported_schema"
    assert wire.bodies == []


def test_text_layer_pages_are_sent_as_text_notimage_parts(
    wire: Wire, folder: Path
) -> None:
    wire.queue(_answer(INVOICE))
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model())
    message = _call(tool, {"image": "report.pdf"})
    assert message.status == "success", message.content
    assert len(wire.bodies) == 1  # one document, one request
    assert image_parts(wire.last) == 0
    sent = json.dumps(wire.last["messages"])
    assert pdfs.PAGE_TEXT.format(n=1) in sent
    assert pdfs.PAGE_TEXT.format(n=2) in sent


def test_force_ocr_sends_every_page_as_an_image(wire: Wire, folder: Path) -> None:
    wire.queue(_answer(INVOICE))
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model(), force_ocr=True)
    _call(tool, {"image": "report.pdf"})
    assert image_parts(wire.last) == 2


def test_target_page_gives_one_answer_per_page(wire: Wire, folder: Path) -> None:
    wire.queue(_answer(INVOICE), _answer({**INVOICE, "total": None}))
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model(), target="page", cite=True)
    message = _call(tool, {"image": "mixed.pdf"})
    assert message.status == "success", message.content
    result = message.artifact
    assert isinstance(result, PageExtractions)
    assert [(p.page, p.method) for p in result.pages] == [
        (1, "text_layer"),
        (2, "vision"),
    ]
    assert [image_parts(b) for b in wire.bodies] == [0, 1]
    assert all(isinstance(p.data, Invoice) for p in result.pages)
    assert result.pages[1].sources == {"number": 2, "total": None, "lines": 2}


def test_a_failed_page_keeps_the_others(wire: Wire, folder: Path) -> None:
    wire.queue(_answer(INVOICE), _answer({"x": 1}), _answer({"x": 1}))
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model(), target="page")
    result = _call(tool, {"image": "mixed.pdf"}).artifact
    assert result.pages[0].error is None
    assert str(result.pages[1].error).startswith("invalid_model_output:")


def test_cite_asks_for_the_page_of_each_field(wire: Wire, folder: Path) -> None:
    wire.queue(
        _answer({"data": INVOICE, "sources": {"number": 1, "total": 2, "lines": None}})
    )
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model(), cite=True)
    message = _call(tool, {"image": "mixed.pdf", "pages": "1-2"})
    result = message.artifact
    assert isinstance(result, CitedExtraction)
    assert isinstance(result.data, Invoice)
    assert result.sources == {"number": 1, "total": 2, "lines": None}
    schema = wire.last["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]) == {"data", "sources"}
    assert schema["properties"]["sources"]["required"] == ["number", "total", "lines"]
    assert "$defs" in schema  # the model's definitions stay resolvable
    assert "total: page 2" in message.content


async def test_async_matches_sync(wire: Wire, folder: Path) -> None:
    wire.queue(_answer(RECEIPT))
    tool = make_extraction_tool(RECEIPT_SCHEMA, llm=wire.model())
    message = await tool.ainvoke(
        {
            "args": {"image": "invoice.png"},
            "id": "a",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    assert message.artifact == RECEIPT


def test_bad_input_is_coded_and_path_free(wire: Wire, folder: Path) -> None:
    tool = ExtractFieldsTool(schema=Invoice, llm=wire.model())
    missing = _call(tool, {"image": "nope.pdf"})
    assert str(missing.content).startswith("not_found:")
    assert str(folder) not in str(missing.content)
    pages = _call(tool, {"image": "report.pdf", "pages": "9"})
    assert str(pages.content).startswith("invalid_pages:")
    assert wire.bodies == []


def test_several_extraction_tools_sit_in_one_toolkit() -> None:
    from langchain_gravix_vision import GravixVisionToolkit

    tools = GravixVisionToolkit(
        extraction_schemas=[Invoice, RECEIPT_SCHEMA]
    ).get_tools()
    names = [t.name for t in tools]
    assert names[-2:] == ["extract_invoice", "extract_receipt"]
    assert len(set(names)) == len(names)
