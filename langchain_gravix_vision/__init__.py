"""LangChain integration for Gravix Layer's vision-language models.

Example:
    >>> from langchain_gravix_vision import ChatGravixVision, ImagePolicy
    >>> llm = ChatGravixVision(model="gemma3:12b", api_key="sk-...")
    >>> llm.profile["image_inputs"]
    True
"""

from langchain_gravix_vision import errors
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.documents.loader import (
    GravixVisionLoader,
    GravixVisionParser,
)
from langchain_gravix_vision.errors import *  # noqa: F403 (the exception classes)
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, load_image
from langchain_gravix_vision.profiles import ImageResolution, get_model_profile
from langchain_gravix_vision.tools import (
    ChartData,
    CitedExtraction,
    DescribeImageTool,
    Detection,
    Detections,
    ExtractedText,
    ExtractFieldsTool,
    ExtractTextTool,
    GravixVisionToolkit,
    ImageDescription,
    ImageModeration,
    LocateObjectsTool,
    ModerateImageTool,
    PageExtractions,
    Policy,
    ReadChartTool,
    Taxonomy,
    UnsupportedSchemaError,
    make_extraction_tool,
)

__all__ = [
    "ChartData",
    "ChatGravixVision",
    "CitedExtraction",
    "DescribeImageTool",
    "Detection",
    "Detections",
    "ExtractFieldsTool",
    "ExtractTextTool",
    "ExtractedText",
    "GravixVisionLoader",
    "GravixVisionParser",
    "GravixVisionToolkit",
    "ImageDescription",
    "ImageModeration",
    "ImagePolicy",
    "ImageResolution",
    "LocateObjectsTool",
    "ModerateImageTool",
    "PageExtractions",
    "Policy",
    "PreparedImage",
    "ReadChartTool",
    "Taxonomy",
    "UnsupportedSchemaError",
    "__version__",
    "annotate",
    "get_model_profile",
    "load_image",
    "make_extraction_tool",
]
__all__ += errors.__all__  # the exception classes, listed once in errors.py
