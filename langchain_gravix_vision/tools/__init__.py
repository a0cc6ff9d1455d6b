"""Agent tools: the vision tools, their base and the toolkit."""

from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.chart import ReadChartTool
from langchain_gravix_vision.tools.compare import CompareImagesTool
from langchain_gravix_vision.tools.describe import DescribeImageTool
from langchain_gravix_vision.tools.extract import (
    ExtractFieldsTool,
    UnsupportedSchemaError,
    make_extraction_tool,
)
from langchain_gravix_vision.tools.locate import LocateObjectsTool
from langchain_gravix_vision.tools.moderate import ModerateImageTool
from langchain_gravix_vision.tools.schemas import (
    ChartData,
    CitedExtraction,
    Detection,
    Detections,
    ExtractedText,
    ImageComparison,
    ImageDescription,
    ImageModeration,
    PageExtractions,
    Policy,
    Taxonomy,
    VideoDescription,
    VideoEvent,
)
from langchain_gravix_vision.tools.text import ExtractTextTool
from langchain_gravix_vision.tools.toolkit import GravixVisionToolkit
from langchain_gravix_vision.tools.video import DescribeVideoTool

__all__ = [
    "ChartData",
    "CitedExtraction",
    "CompareImagesTool",
    "DescribeImageTool",
    "DescribeVideoTool",
    "Detection",
    "Detections",
    "ExtractFieldsTool",
    "ExtractTextTool",
    "ExtractedText",
    "GravixVisionToolkit",
    "ImageComparison",
    "ImageDescription",
    "ImageModeration",
    "LocateObjectsTool",
    "ModerateImageTool",
    "PageExtractions",
    "Policy",
    "ReadChartTool",
    "Taxonomy",
    "UnsupportedSchemaError",
    "VideoDescription",
    "VideoEvent",
    "VisionTool",
    "make_extraction_tool",
]
