"""langchain-tests' tool suite for a tool named by class attributes (replayed)."""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_tests.integration_tests import ToolsIntegrationTests

from tests.integration_tests.test_tools import _llm


class StandardToolSuite(ToolsIntegrationTests):
    """Set ``constructor``, ``example`` and (besides the model) ``settings``."""

    constructor: ClassVar[type]
    example: ClassVar[dict[str, Any]]
    settings: ClassVar[dict[str, Any]] = {}

    @property
    def tool_constructor(self) -> type:
        return self.constructor

    @property
    def tool_constructor_params(self) -> dict:
        return {"llm": _llm(), **self.settings}

    @property
    def tool_invoke_params_example(self) -> dict:
        return self.example
