"""LangChain integration for Gravix Layer's vision-language models.

Example:
    >>> from langchain_gravix_vision import ChatGravixVision, ImagePolicy
    >>> llm = ChatGravixVision(model="gemma3:12b", api_key="sk-...")
    >>> llm.profile["image_inputs"]
    True
"""

from langchain_gravix_vision import errors, tools
from langchain_gravix_vision._version import __version__
from langchain_gravix_vision.annotate import annotate
from langchain_gravix_vision.chat_models import ChatGravixVision
from langchain_gravix_vision.document_loaders import (
    GravixVisionLoader,
    GravixVisionParser,
)
from langchain_gravix_vision.errors import *  # noqa: F403 (the exception classes)
from langchain_gravix_vision.images import ImagePolicy, PreparedImage, VideoPolicy
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import ImageResolution, get_model_profile
from langchain_gravix_vision.tools import *  # noqa: F403 (the tools and their results)
from langchain_gravix_vision.video import PreparedVideo, prepare_video

__all__ = [
    "ChatGravixVision",
    "GravixVisionLoader",
    "GravixVisionParser",
    "ImagePolicy",
    "ImageResolution",
    "PreparedImage",
    "PreparedVideo",
    "VideoPolicy",
    "__version__",
    "annotate",
    "get_model_profile",
    "load_image",
    "prepare_video",
]
__all__ += tools.__all__  # the tools and their results, listed once in tools/
__all__ += errors.__all__  # the exception classes, listed once in errors.py
