"""Agent tools: describe_image, read_chart, extract_text, locate_objects, toolkit."""

from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.chart import ReadChartTool
from langchain_gravix_vision.tools.describe import DescribeImageTool
from langchain_gravix_vision.tools.locate import LocateObjectsTool
from langchain_gravix_vision.tools.schemas import (
    ChartData,
    Detection,
    Detections,
    ExtractedText,
    ImageDescription,
)
from langchain_gravix_vision.tools.text import ExtractTextTool
from langchain_gravix_vision.tools.toolkit import GravixVisionToolkit

__all__ = [
    "ChartData",
    "DescribeImageTool",
    "Detection",
    "Detections",
    "ExtractTextTool",
    "ExtractedText",
    "GravixVisionToolkit",
    "ImageDescription",
    "LocateObjectsTool",
    "ReadChartTool",
    "VisionTool",
]
