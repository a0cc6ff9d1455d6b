"""langchain-tests' unit suite for moderate_image, extraction and compare_images."""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_tests.unit_tests import ToolsUnitTests
from pydantic import BaseModel

from langchain_gravix_vision import (
    CompareImagesTool,
    ExtractFieldsTool,
    ModerateImageTool,
)


class Receipt(BaseModel):
    """A receipt's shop and total."""

    shop: str
    total: float | None


class _Suite(ToolsUnitTests):
    constructor: ClassVar[type]
    settings: ClassVar[dict[str, Any]] = {}
    example: ClassVar[dict[str, Any]] = {"image": "tests/data/text/receipt.png"}

    @property
    def tool_constructor(self) -> type:
        return self.constructor

    @property
    def tool_constructor_params(self) -> dict:
        return self.settings

    @property
    def tool_invoke_params_example(self) -> dict:
        return self.example


class TestModerateImageToolUnit(_Suite):
    constructor = ModerateImageTool
    example: ClassVar[dict[str, Any]] = {"image": "tests/data/photos/chelsea.png"}


class TestExtractFieldsToolUnit(_Suite):
    constructor = ExtractFieldsTool
    settings: ClassVar[dict[str, Any]] = {"schema": Receipt}


class TestCompareImagesToolUnit(_Suite):
    constructor = CompareImagesTool
    example: ClassVar[dict[str, Any]] = {
        "images": [
            "tests/data/charts/bar_sales.png",
            "tests/data/charts/pie_share.png",
        ],
        "question": "Which chart shows shares?",
    }
