"""GravixVisionToolkit: the vision tools sharing one model and one policy."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict, Field

from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.tools.chart import ReadChartTool
from langchain_gravix_vision.tools.compare import CompareImagesTool
from langchain_gravix_vision.tools.describe import DescribeImageTool
from langchain_gravix_vision.tools.extract import ExtractFieldsTool, Schema
from langchain_gravix_vision.tools.locate import LocateObjectsTool
from langchain_gravix_vision.tools.moderate import ModerateImageTool
from langchain_gravix_vision.tools.text import ExtractTextTool
from langchain_gravix_vision.tools.video import DescribeVideoTool


class GravixVisionToolkit(BaseToolkit):
    """The vision tools: describe, chart, text, locate, video and moderate, alike.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import ChatGravixVision, GravixVisionToolkit

            toolkit = GravixVisionToolkit(llm=ChatGravixVision(model="qwen2.5vl:7b"))
            tools = toolkit.get_tools()

    ``video=True`` adds ``describe_video``, ``moderation=True``
    ``moderate_image``, ``comparison=True`` ``compare_images`` (several images in
    one question); ``extraction_schemas=[Invoice]`` one extraction tool per
    schema (``extract_invoice``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: BaseChatModel | None = None
    """Vision model for all the tools (default: from the environment)."""

    image_policy: ImagePolicy = Field(default_factory=ImagePolicy)
    """Image policy for all the tools."""

    video: bool = False
    """Add ``describe_video`` (needs the ``[video]`` extra; default off)."""

    moderation: bool = False
    """Add ``moderate_image`` (OpenAI's image categories; default off)."""

    comparison: bool = False
    """Add ``compare_images`` (2 to 8 images, one question; default off, so the
    default tool set an agent is given stays the four one-image tools)."""

    extraction_schemas: list[Schema] = Field(default_factory=list)
    """Add one extraction tool per schema (a pydantic model or a JSON schema)."""

    def get_tools(self) -> list[BaseTool]:
        """Return the tools, configured alike."""
        classes: list[type[BaseTool]] = [
            DescribeImageTool,
            ReadChartTool,
            ExtractTextTool,
            LocateObjectsTool,
        ]
        if self.video:
            classes.append(DescribeVideoTool)
        if self.moderation:
            classes.append(ModerateImageTool)
        if self.comparison:
            classes.append(CompareImagesTool)
        shared = {"llm": self.llm, "image_policy": self.image_policy}
        tools = [tool_class(**shared) for tool_class in classes]
        tools += [ExtractFieldsTool(s, **shared) for s in self.extraction_schemas]
        return tools
