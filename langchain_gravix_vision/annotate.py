"""Draw located objects on the user's picture: boxes, points and labels.

Example:
    >>> from PIL import Image
    >>> from langchain_gravix_vision.annotate import annotate
    >>> from langchain_gravix_vision.tools.schemas import Detection, Detections
    >>> found = Detections(query="cup", original_size=(64, 48), sent_size=(64, 48),
    ...                    objects=[Detection(label="cup", box=(8, 8, 40, 30))])
    >>> annotate(Image.new("RGB", (64, 48), "white"), found).size
    (64, 48)
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from langchain_gravix_vision.tools.schemas import Detections

PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (0, 128, 128),
    (170, 110, 40),
)
"""Label colours (one per label, stable across runs)."""


def label_colour(label: str) -> tuple[int, int, int]:
    """The colour for ``label``: the same label always gets the same colour."""
    digest = hashlib.sha256(label.strip().lower().encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def _upright(
    image: Image.Image | str | os.PathLike[str], size: tuple[int, int]
) -> Image.Image:
    """The picture as viewers show it (EXIF orientation applied), in RGB."""
    if not isinstance(image, Image.Image):
        with Image.open(image) as opened:
            image = ImageOps.exif_transpose(opened)
    else:
        image = ImageOps.exif_transpose(image)
    if image.size != size:  # e.g. the image as sent: draw at its scale
        return image.convert("RGB").resize(size)
    return image.convert("RGB")


def annotate(
    image: Image.Image | str | os.PathLike[str],
    detections: Detections | dict[str, Any],
    *,
    width: int | None = None,
) -> Image.Image:
    """Return a copy of ``image`` with every detection drawn on it.

    ``image`` is the original picture (a PIL image or a path); its EXIF
    orientation is applied, so the boxes (in original pixels) land where a
    viewer shows the objects. Each label has its own colour; ``width`` is the
    line width (default: about 0.4% of the longer side).
    """
    if isinstance(detections, dict):
        detections = Detections.model_validate(detections)
    picture = _upright(image, detections.original_size)
    draw = ImageDraw.Draw(picture)
    line = width or max(2, round(max(picture.size) / 250))
    font = ImageFont.load_default(size=max(12, line * 6))
    for item in detections.objects:
        colour = label_colour(item.label)
        anchor: tuple[float, float] | None = None
        if item.box is not None:
            draw.rectangle(item.box, outline=colour, width=line)
            anchor = (item.box[0], item.box[1])
        if item.point is not None:
            x, y = item.point
            r = line * 2
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline="white")
            anchor = anchor or (x + r, y + r)
        if anchor is not None:
            text = item.label + (
                f" {item.confidence:.2f}" if item.confidence is not None else ""
            )
            left, top, right, bottom = draw.textbbox(anchor, text, font=font)
            shift = min(bottom - top + 2 * line, anchor[1])
            box = (left, top - shift, right + 2 * line, bottom - shift + line)
            draw.rectangle(box, fill=colour)
            ink = "black" if sum(colour) > 450 else "white"  # legible on light
            origin = (anchor[0] + line, anchor[1] - shift)
            draw.text(origin, text, fill=ink, font=font)
    return picture


__all__ = ["PALETTE", "annotate", "label_colour"]
