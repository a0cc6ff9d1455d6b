"""Extraction into the user's schema, replayed from cassettes.

What the client controls: the user's schema sent as the enforced
``json_schema``, a text-layer page sent as text (no image), a scanned page as
one image, and the answer validated into the user's own model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from langchain_gravix_vision import (
    ExtractFieldsTool,
    PageExtractions,
    make_extraction_tool,
)
from tests.integration_tests._standard import StandardToolSuite
from tests.integration_tests.test_tools import VISION_MODEL, _call, _llm
from tests.scripted_answers import json_reply
from tests.unit_tests.wire import image_parts

pytestmark = pytest.mark.vcr


class Item(BaseModel):
    name: str = Field(description="The item as printed.")
    price: float = Field(description="Its price, a number.")


class Receipt(BaseModel):
    """A shop receipt: the shop, each item and the total."""

    shop: str
    items: list[Item]
    total: float | None


REPORT = {
    "title": "ReportSummary",
    "type": "object",
    "properties": {
        "subject": {"type": "string", "description": "What the page reports on."},
        "growth_percent": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    "required": ["subject", "growth_percent"],
}


def test_extract_fields_reads_a_receipt_into_the_users_model(
    script: Callable[..., None], vcr: Any
) -> None:
    script(
        json_reply(
            {
                "shop": "CORNER CAFE",
                "items": [
                    {"name": "Espresso", "price": 2.5},
                    {"name": "Croissant", "price": 3.2},
                    {"name": "Orange juice", "price": 4.0},
                ],
                "total": 9.7,
            }
        )
    )
    tool = ExtractFieldsTool(schema=Receipt, llm=_llm())
    message = _call(tool, {"image": "tests/data/text/receipt.png"})
    body = json.loads(vcr.requests[-1].body)
    assert body["model"] == VISION_MODEL
    assert image_parts(body) == 1
    schema = body["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]) == set(Receipt.model_fields)
    receipt = message.artifact
    assert isinstance(receipt, Receipt)
    assert receipt.items
    assert all(item.price >= 0 for item in receipt.items)
    assert message.content.startswith("Fields extracted from the document (untrusted")


def test_a_text_layer_page_makes_no_image_request(
    script: Callable[..., None], vcr: Any
) -> None:
    script(
        json_reply({"subject": "Quarterly report revenue", "growth_percent": 12}),
        json_reply({"subject": "A drawn box", "growth_percent": None}),
    )
    tool = make_extraction_tool(REPORT, llm=_llm(), target="page", cite=True)
    message = _call(tool, {"image": "tests/data/documents/mixed.pdf"})
    bodies = [json.loads(r.body) for r in vcr.requests[-2:]]  # this call's two
    assert [image_parts(b) for b in bodies] == [0, 1]  # page 1: its text layer
    assert "Quarterly report, page 1" in json.dumps(bodies[0]["messages"])
    result = message.artifact
    assert isinstance(result, PageExtractions)
    assert [(p.page, p.method) for p in result.pages] == [
        (1, "text_layer"),
        (2, "vision"),
    ]
    for page in result.pages:
        assert isinstance(page.data, dict)
        assert set(page.data) >= {"subject", "growth_percent"}
        assert page.sources is not None
        assert set(page.sources) == {"subject", "growth_percent"}
        assert set(page.sources.values()) <= {page.page, None}


class TestExtractFieldsToolIntegration(StandardToolSuite):
    constructor = ExtractFieldsTool
    example: ClassVar[dict[str, Any]] = {"image": "tests/data/text/receipt.png"}
    settings: ClassVar[dict[str, Any]] = {"schema": Receipt}
