"""Agent tools: the five vision tools, their base and the toolkit."""

from langchain_gravix_vision.tools.base import VisionTool
from langchain_gravix_vision.tools.chart import ReadChartTool
from langchain_gravix_vision.tools.describe import DescribeImageTool
from langchain_gravix_vision.tools.locate import LocateObjectsTool
from langchain_gravix_vision.tools.moderate import ModerateImageTool
from langchain_gravix_vision.tools.schemas import (
    ChartData,
    Detection,
    Detections,
    ExtractedText,
    ImageDescription,
    ImageModeration,
    Policy,
    Taxonomy,
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
    "ImageModeration",
    "LocateObjectsTool",
    "ModerateImageTool",
    "Policy",
    "ReadChartTool",
    "Taxonomy",
    "VisionTool",
]
