"""LangChain integration for Gravix Layer's vision-language models.

Example:
    >>> from langchain_gravix_vision import ChatGravixVision, ImagePolicy
    >>> llm = ChatGravixVision(model="gemma3:12b", api_key="sk-...")
    >>> llm.profile["image_inputs"]
    True
"""

from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.documents.loader import (
    GravixVisionLoader,
    GravixVisionParser,
)
from langchain_gravix_vision.errors import (
    EncryptedDocumentError,
    EndpointNotFoundError,
    GravixVisionError,
    ImageError,
    ImageFetchError,
    ImageSourceNotAllowed,
    ImageTooLarge,
    IncompleteResponseError,
    InvalidDocumentError,
    InvalidImageData,
    InvalidPageRange,
    ModelNotFoundError,
    ModelOutputError,
    ModelResponseError,
    UnsupportedCapabilityError,
    UnsupportedImageFormat,
)
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, load_image
from langchain_gravix_vision.profiles import ImageResolution, get_model_profile
from langchain_gravix_vision.tools import (
    ChartData,
    DescribeImageTool,
    Detection,
    Detections,
    ExtractedText,
    ExtractTextTool,
    GravixVisionToolkit,
    ImageDescription,
    LocateObjectsTool,
    ReadChartTool,
)

__all__ = [
    "ChartData",
    "ChatGravixVision",
    "DescribeImageTool",
    "Detection",
    "Detections",
    "EncryptedDocumentError",
    "EndpointNotFoundError",
    "ExtractTextTool",
    "ExtractedText",
    "GravixVisionError",
    "GravixVisionLoader",
    "GravixVisionParser",
    "GravixVisionToolkit",
    "ImageDescription",
    "ImageError",
    "ImageFetchError",
    "ImagePolicy",
    "ImageResolution",
    "ImageSourceNotAllowed",
    "ImageTooLarge",
    "IncompleteResponseError",
    "InvalidDocumentError",
    "InvalidImageData",
    "InvalidPageRange",
    "LocateObjectsTool",
    "ModelNotFoundError",
    "ModelOutputError",
    "ModelResponseError",
    "PreparedImage",
    "ReadChartTool",
    "UnsupportedCapabilityError",
    "UnsupportedImageFormat",
    "__version__",
    "annotate",
    "get_model_profile",
    "load_image",
]
