"""locate_objects: the model's grounding answer and the result in original pixels."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from langchain_gravix_vision.tools.schemas.results import VisionResult


class GroundedItem(BaseModel):
    """One object the model found: a box, a point, or both, with a label."""

    label: str = Field(default="", description="What the object is.")
    bbox_2d: list[float] | None = Field(
        default=None, description="Box [x1, y1, x2, y2] (left, top, right, bottom)."
    )
    point_2d: list[float] | None = Field(
        default=None, description="A point [x, y] on the object."
    )
    confidence: float | None = Field(
        default=None, description="Confidence from 0 to 1, if known."
    )


class GroundingAnswer(BaseModel):
    """Every object found in the image, with its box in image pixels."""

    objects: list[GroundedItem] = Field(
        default_factory=list, description="The objects found (empty if none)."
    )


Box = tuple[float, float, float, float]
Point = tuple[float, float]


class Detection(BaseModel):
    """One located object, in the original image's pixels and in the sent image's."""

    label: str
    box: Box | None = None
    """``(x1, y1, x2, y2)`` in the original image (after EXIF orientation)."""
    point: Point | None = None
    """``(x, y)`` in the original image (after EXIF orientation)."""
    sent_box: Box | None = None
    """The box in the pixels of the image the model was sent."""
    sent_point: Point | None = None
    """The point in the pixels of the image the model was sent."""
    confidence: float | None = None
    """The confidence the model stated, if it stated one."""
    clipped: bool = False
    """The model's box or point reached outside the image and was clipped."""


class Detections(VisionResult):
    """Where the objects asked for are, in the user's original pixels."""

    query: str
    objects: list[Detection] = Field(default_factory=list)
    original_size: tuple[int, int]
    """``(width, height)`` of the original image, after EXIF orientation."""
    sent_size: tuple[int, int]
    """``(width, height)`` of the image the model was sent."""
    orientation: int = 1
    """The EXIF orientation applied to the source pixels (1: none)."""
    notes: list[str] = Field(default_factory=list)
    """What was repaired in the model's answer (clipped, swapped, dropped)."""

    def to_content(self) -> str:
        """Concise text for the calling LLM: a count and one line per object."""
        width, height = self.original_size
        if not self.objects:
            return f"No '{self.query}' found in the image ({width}x{height} px)."
        lines = [
            f"{len(self.objects)} found for '{self.query}' in the image "
            f"({width}x{height} px, original pixels, x1,y1,x2,y2):"
        ]
        for item in self.objects:
            where = []
            if item.box is not None:
                where.append("[" + ",".join(f"{v:.0f}" for v in item.box) + "]")
            if item.point is not None:
                where.append("point (" + ",".join(f"{v:.0f}" for v in item.point) + ")")
            conf = f" {item.confidence:.2f}" if item.confidence is not None else ""
            lines.append(f"- {item.label}: {' '.join(where)}{conf}")
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_supervision(self) -> Any:
        """The boxes as ``supervision.Detections`` (needs the ``supervision`` package).

        Objects with only a point are left out; ``data["class_name"]`` holds
        the labels.
        """
        try:
            import numpy as np
            import supervision as sv
        except ImportError:
            msg = "to_supervision() needs supervision: pip install supervision"
            raise ImportError(msg) from None
        boxed = [d for d in self.objects if d.box is not None]
        labels = sorted({d.label for d in boxed})
        return sv.Detections(
            xyxy=np.array([d.box for d in boxed], dtype=float).reshape(-1, 4),
            confidence=np.array(
                [1.0 if d.confidence is None else d.confidence for d in boxed]
            ),
            class_id=np.array([labels.index(d.label) for d in boxed], dtype=int),
            data={"class_name": np.array([d.label for d in boxed])},
        )


__all__ = [
    "Box",
    "Detection",
    "Detections",
    "GroundedItem",
    "GroundingAnswer",
    "Point",
]
