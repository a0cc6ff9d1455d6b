"""describe_image: what an image shows, with an optional question answered."""

from __future__ import annotations

from pydantic import BaseModel

from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.prompts import DESCRIBE_SYSTEM, describe_prompt
from langchain_gravix_vision.tools.schemas import DescribeImageArgs, ImageDescription


class DescribeImageTool(VisionTool[DescribeImageArgs, ImageDescription]):
    """Describe an image (caption, objects, people, visible text) or answer a question.

    Example:
        .. code-block:: python

            from langchain_gravix_vision import DescribeImageTool

            tool = DescribeImageTool()
            tool.invoke({"image": "photos/cat.jpg", "question": "What animal?"})
    """

    name: str = "describe_image"
    description: str = (
        "Look at one image and describe it: a caption, a description, the main "
        "objects, people and any visible text; optionally answer a question about "
        "it. Use for photos, screenshots and scenes. For charts use read_chart; "
        "to transcribe documents use extract_text."
    )
    args_schema: type[BaseModel] = DescribeImageArgs
    result_schema = ImageDescription
    system_prompt = DESCRIBE_SYSTEM

    def user_prompt(self, args: DescribeImageArgs) -> str:
        """Prompt from ``question`` and ``detail_level``."""
        return describe_prompt(args)
