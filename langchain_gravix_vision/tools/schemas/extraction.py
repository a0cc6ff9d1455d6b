"""Extraction into the user's schema: the arguments, and the wrappers of the answer.

The artifact of an extraction tool is the user's own model (a dict for a JSON
schema); ``cite=True`` wraps it in :class:`CitedExtraction`, ``target="page"``
gives :class:`PageExtractions`, one entry per page.

Example:
    >>> CitedExtraction(data={"total": 9.7}, sources={"total": 2}).sources
    {'total': 2}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from langchain_gravix_vision.documents.pages import MAX_SPEC_CHARS
from langchain_gravix_vision.tools.schemas.args import ImageArgs


class ExtractFieldsArgs(ImageArgs):
    """Arguments of an extraction tool: the image or PDF, and its pages."""

    pages: str | None = Field(
        default=None,
        max_length=MAX_SPEC_CHARS,
        description=(
            "For a PDF: the pages to read, 1-based, e.g. '1-3,7' or '5-'"
            " (default: every page, up to the policy's cap)."
        ),
    )


class CitedExtraction(BaseModel):
    """The fields read (``data``) and, per top-level field, the page it came from."""

    data: Any
    sources: dict[str, int | None] = Field(default_factory=dict)


class PageExtraction(BaseModel):
    """One page's fields (``target="page"``), or why the page failed."""

    page: int
    method: Literal["text_layer", "vision"]
    data: Any = None
    sources: dict[str, int | None] | None = None
    error: str | None = None


class PageExtractions(BaseModel):
    """One extraction per page (``target="page"``)."""

    pages: list[PageExtraction] = Field(default_factory=list)


__all__ = ["CitedExtraction", "ExtractFieldsArgs", "PageExtraction", "PageExtractions"]
