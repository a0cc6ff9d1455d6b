"""compare_images: its arguments (several image sources), its answer and its result.

The model answers a ``ComparisonAnswer``; the tool keeps one note per image
it sent, in order, and returns an ``ImageComparison``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from langchain_gravix_vision.tools.schemas.args import MAX_QUESTION_CHARS
from langchain_gravix_vision.tools.schemas.results import VisionResult

MIN_COMPARE_IMAGES = 2
"""Fewest images ``compare_images`` takes (one image: use ``describe_image``)."""
MAX_COMPARE_IMAGES = 8
"""Most images one ``compare_images`` call takes (one request carries them all)."""


class CompareImagesArgs(BaseModel):
    """Arguments of ``compare_images``: 2 to 8 image sources and a question.

    Example:
        >>> CompareImagesArgs(images=["a.png", "b.png"]).question is None
        True
    """

    model_config = ConfigDict(extra="forbid")

    images: list[str] = Field(
        min_length=MIN_COMPARE_IMAGES,
        max_length=MAX_COMPARE_IMAGES,
        description=(
            f"The images to compare, {MIN_COMPARE_IMAGES} to {MAX_COMPARE_IMAGES},"
            " in order: each a local file path relative to the working directory"
            " (e.g. 'photos/before.jpg'), an http(s) URL or a data URL. They are"
            " labelled 'Image 1', 'Image 2', ... in this order."
        ),
    )
    question: str | None = Field(
        default=None,
        max_length=MAX_QUESTION_CHARS,
        description=(
            "What to compare or decide, e.g. 'Which photo is sharper?'"
            " (default: how the images differ)."
        ),
    )
    detail: Literal["low", "high", "auto"] | None = Field(
        default=None,
        description=(
            "'low' caps each image at 256 image tokens (faster, cheaper);"
            " default: the most the total budget allows."
        ),
    )


class ImageNote(BaseModel):
    """What one image shows, as it bears on the question."""

    image: int = Field(ge=1, description="The image's number: 1 for 'Image 1'.")
    note: str = Field(description="What this image shows that matters here.")


class ComparisonAnswer(BaseModel):
    """The model's comparison of several labelled images."""

    answer: str = Field(
        description="The answer to the question, naming images by number."
    )
    notes: list[ImageNote] = Field(
        description="One note per image, in order: Image 1 first."
    )
    differences: list[str] = Field(
        default_factory=list,
        description="Each difference between the images, naming the images.",
    )


class ImageComparison(ComparisonAnswer, VisionResult):
    """Several images compared: an answer, one note per image, the differences.

    ``notes`` holds exactly one note per image sent, in order (a note the
    model did not give has an empty ``note``).
    """

    image_count: int = Field(ge=MIN_COMPARE_IMAGES, description="Images compared.")
    image_tokens: int = Field(
        default=0, ge=0, description="Image tokens the request's images cost."
    )

    def to_content(self) -> str:
        """Concise text for the calling LLM."""
        parts = [f"Answer: {self.answer}"]
        parts += [f"Image {n.image}: {n.note}" for n in self.notes if n.note]
        if self.differences:
            parts.append("Differences: " + " | ".join(self.differences))
        return "\n".join(parts)


__all__ = [
    "MAX_COMPARE_IMAGES",
    "MIN_COMPARE_IMAGES",
    "CompareImagesArgs",
    "ComparisonAnswer",
    "ImageComparison",
    "ImageNote",
]
