"""The public names of each public package, pinned (as httpx pins its own).

A name added or removed here is an API change: update the list on purpose.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

import langchain_gravix_vision
from langchain_gravix_vision import errors

EXPORTED = {
    "langchain_gravix_vision": {
        "CitedExtraction",
        "ExtractFieldsTool",
        "ImageModeration",
        "ModerateImageTool",
        "PageExtractions",
        "Policy",
        "Taxonomy",
        "UnsupportedSchemaError",
        "make_extraction_tool",
        "ChartData",
        "CompareImagesTool",
        "ImageComparison",
        "ChatGravixVision",
        "DescribeImageTool",
        "Detection",
        "Detections",
        "ExtractTextTool",
        "ExtractedText",
        "GravixVisionLoader",
        "GravixVisionParser",
        "GravixVisionToolkit",
        "ImageDescription",
        "ImagePolicy",
        "ImageResolution",
        "LocateObjectsTool",
        "PreparedImage",
        "ReadChartTool",
        "VisionTool",
        "__version__",
        "annotate",
        "get_model_profile",
        "load_image",
        # issue 27: videos
        "DescribeVideoTool",
        "PreparedVideo",
        "VideoDescription",
        "VideoEvent",
        "VideoPolicy",
        "prepare_video",
        *errors.__all__,
    },
    "langchain_gravix_vision.chat_models": {
        "API_KEY_ENV",
        "BASE_URL_ENV",
        "DEFAULT_API_BASE",
        "ChatGravixVision",
        "ChatGravixVisionBase",
    },
    "langchain_gravix_vision.images": {
        "LOW_DETAIL_TOKENS",
        "PREPARED_CACHE",
        "ImagePolicy",
        "ImageSource",
        "PreparedImage",
        "RawImage",
        "prepare_image",
        "read_source",
        "target_size",
        "to_thread_cancellable",
        "VideoPolicy",
    },
    "langchain_gravix_vision.video": {
        "VIDEO_SUFFIXES",
        "PreparedVideo",
        "VideoFrame",
        "VideoPolicy",
        "VideoSource",
        "frame_label",
        "is_video_block",
        "parse_video_block",
        "prepare_video",
        "read_video",
    },
    "langchain_gravix_vision.documents": {
        "PDF_MIME",
        "PdfFile",
        "has_real_text",
        "is_pdf",
        "parse_page_spec",
        "select_pages",
    },
    "langchain_gravix_vision.document_loaders": {
        "GravixVisionLoader",
        "GravixVisionParser",
    },
    "langchain_gravix_vision.tools": {
        "CitedExtraction",
        "ExtractFieldsTool",
        "ImageModeration",
        "ModerateImageTool",
        "PageExtractions",
        "Policy",
        "Taxonomy",
        "UnsupportedSchemaError",
        "make_extraction_tool",
        "ChartData",
        "CompareImagesTool",
        "ImageComparison",
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
        "DescribeVideoTool",
        "VideoDescription",
        "VideoEvent",
    },
    "langchain_gravix_vision.profiles": {
        "CONSERVATIVE_PROFILE",
        "DEFAULT_MODEL",
        "DEFAULT_RESOLUTION",
        "GEMMA3_RESOLUTION",
        "QWEN25VL_RESOLUTION",
        "GroundingConvention",
        "ImageResolution",
        "SupportsImageResolution",
        "get_grounding",
        "get_image_resolution",
        "get_model_profile",
        "model_name",
        "structured_output_method",
    },
    "langchain_gravix_vision.middleware": {
        "GravixImageModerationMiddleware",
        "ImageModerationError",
        "ImageModerationUnavailable",
    },
    "langchain_gravix_vision.cli": {"main"},
    "langchain_gravix_vision.mcp": {"VisionMCPServer", "main"},
    "langchain_gravix_vision.ray": {  # the ray extra (CI installs it)
        "COLUMNS",
        "TOOLS",
        "TokenBucket",
        "VisionStage",
        "create_rate_limiter",
        "done_keys",
        "limiter_stats",
        "output_schema",
        "read_inputs",
        "read_output",
        "read_results",
        "run_job",
        "vision_map",
    },
}


@pytest.mark.parametrize("module_name", sorted(EXPORTED))
def test_exported_names_are_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == EXPORTED[module_name]
    assert len(module.__all__) == len(set(module.__all__)), "a name listed twice"


@pytest.mark.parametrize("module_name", sorted(EXPORTED))
def test_every_exported_name_exists_and_is_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        member = getattr(module, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert (member.__doc__ or "").strip(), (
                f"{module_name}.{name} lacks a docstring"
            )


def test_the_exception_classes_are_exported_once() -> None:
    assert set(errors.__all__) <= set(langchain_gravix_vision.__all__)
