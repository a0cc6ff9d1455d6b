"""The tools' arguments: one image source (``ImageArgs``), then each tool's own."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from langchain_gravix_vision.documents.pages import MAX_SPEC_CHARS, parse_page_spec

MAX_QUESTION_CHARS = 2000
"""Longest question a tool takes (a question is sent to the model verbatim)."""

MAX_OBJECTS = 100
"""Most objects ``locate_objects`` reports for one call."""

ALIASES = ("image_path", "image_url")
"""Older argument names, still accepted: ``image_path`` (a path or URL, read by
the same rules as ``image``) and ``image_url`` (a URL only, never read as a
path). They are hidden from the tool schema."""


class ImageArgs(BaseModel):
    """Exactly one image source: ``image`` (required in the tool schema).

    ``image`` is a local path, an http(s) URL or a data URL; what it looks like
    decides which (``http://``, ``https://`` and ``data:`` are URLs; other
    ``scheme://`` forms are refused, never read as a path).

    Example:
        >>> ImageArgs(image_url="https://example.com/a.png").reading()
        ('https://example.com/a.png', False)
        >>> ImageArgs(image="photos/cat.jpg").reading()
        ('photos/cat.jpg', True)
    """

    model_config = ConfigDict(extra="forbid")

    image: str = Field(
        description=(
            "The image: a local file path relative to the working directory "
            "(e.g. 'photos/cat.jpg'), an http(s) URL, or a data URL "
            "('data:image/png;base64,...') if you hold the image bytes."
        ),
    )
    image_path: SkipJsonSchema[str | None] = None
    image_url: SkipJsonSchema[str | None] = None
    pages: str | None = Field(
        default=None,
        max_length=MAX_SPEC_CHARS,
        description=(
            "For a PDF: the pages to read, 1-based, e.g. '1-3,7' or '5-'"
            " (default: the first page)."
        ),
    )

    @field_validator("pages")
    @classmethod
    def _page_spec(cls, value: str | None) -> str | None:
        """Refuse a page selection that does not parse (``"0"``, ``"3-1"``)."""
        if value is not None:
            parse_page_spec(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        """Accept ``image_path`` / ``image_url`` as aliases of ``image``."""
        if not isinstance(data, dict):
            return data
        if data.get("image") and data["image"] in (data.get(a) for a in ALIASES):
            # A validated call copied its alias into ``image``: keep the alias,
            # whose name says how to read it.
            data = {k: v for k, v in data.items() if k != "image"}
        given = [k for k in ("image", *ALIASES) if data.get(k)]
        if len(given) != 1:
            msg = (
                "Give exactly one image source: image (a path, an http(s) URL "
                "or a data URL)."
            )
            raise ValueError(msg)
        if given[0] != "image":
            data = {**data, "image": data[given[0]]}
        return data

    def reading(self) -> tuple[str, bool]:
        """``(source, allow_path)``: an ``image_url`` is never read as a path."""
        return self.image, not (self.image_url and not self.image_path)


class DescribeImageArgs(ImageArgs):
    """Arguments of ``describe_image``."""

    question: str | None = Field(
        default=None,
        max_length=MAX_QUESTION_CHARS,
        description="A specific question about the image, if any.",
    )
    detail_level: Literal["brief", "detailed"] = Field(
        default="brief",
        description="'brief' for a caption and key facts, 'detailed' for more.",
    )


class ReadChartArgs(ImageArgs):
    """Arguments of ``read_chart``."""

    question: str | None = Field(
        default=None,
        max_length=MAX_QUESTION_CHARS,
        description="A question to answer from the chart's data, if any.",
    )


class ExtractTextArgs(ImageArgs):
    """Arguments of ``extract_text``."""

    output_format: Literal["plain", "markdown"] = Field(
        default="plain",
        description="'plain' text, or 'markdown' (keeps headings and tables).",
    )
    language_hint: str | None = Field(
        default=None,
        max_length=64,
        description="Expected language of the text, e.g. 'en' or 'German'.",
    )
    force_ocr: bool = Field(
        default=False,
        description=(
            "For a PDF: read every page with the vision model, even pages that"
            " carry a text layer (default: the text layer where there is one)."
        ),
    )


class LocateObjectsArgs(ImageArgs):
    """Arguments of ``locate_objects``."""

    query: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description=(
            "What to find, e.g. 'cup', 'every person' or 'the red car on the left'."
        ),
    )
    max_objects: int = Field(
        default=20,
        ge=1,
        le=MAX_OBJECTS,
        description="The most objects to report (default 20).",
    )


__all__ = [
    "ALIASES",
    "MAX_OBJECTS",
    "MAX_QUESTION_CHARS",
    "DescribeImageArgs",
    "ExtractTextArgs",
    "ImageArgs",
    "LocateObjectsArgs",
    "ReadChartArgs",
]
