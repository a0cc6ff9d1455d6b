"""GravixVisionToolkit: the four vision tools sharing one model and one policy."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict, Field

from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.tools.chart import ReadChartTool
from langchain_gravix_vision.tools.describe import DescribeImageTool
from langchain_gravix_vision.tools.locate import LocateObjectsTool
from langchain_gravix_vision.tools.text import ExtractTextTool


class GravixVisionToolkit(BaseToolkit):
    """``describe_image``, ``read_chart``, ``extract_text`` and ``locate_objects``.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import ChatGravixVision, GravixVisionToolkit

            toolkit = GravixVisionToolkit(llm=ChatGravixVision(model="qwen2.5vl:7b"))
            tools = toolkit.get_tools()
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: BaseChatModel | None = None
    """Vision model for all four tools (default: from the environment)."""

    image_policy: ImagePolicy = Field(default_factory=ImagePolicy)
    """Image policy for all four tools."""

    def get_tools(self) -> list[BaseTool]:
        """Return the four tools, configured alike."""
        return [
            tool_class(llm=self.llm, image_policy=self.image_policy)
            for tool_class in (
                DescribeImageTool,
                ReadChartTool,
                ExtractTextTool,
                LocateObjectsTool,
            )
        ]
