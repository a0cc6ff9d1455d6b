"""The stand-in's scripted answers for the vision tools, built from ground truth.

A perfect reader's answer for each test image: the recording source for the
tool tests, the agent tests and the cookbook. Tests never assert against these
words; they assert what any good model's answer would meet.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from langchain_gravix_vision.images import ImagePolicy
from langchain_gravix_vision.inputs import load_image
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from tests.stand_in import Reply
from tests.stand_in.messages import decode_data_url, last_user_text, request_images
from tests.stand_in.responder import SCRIPTED

DATA = Path(__file__).resolve().parent / "data"
GROUND_TRUTH: dict[str, Any] = json.loads((DATA / "ground_truth.json").read_text())
PHOTO_BOXES: dict[str, dict[str, list[int]]] = json.loads(
    (DATA / "photo_boxes.json").read_text()
)
"""Hand-measured boxes (x1, y1, x2, y2 in original pixels) in shipped photos."""


def scripted(prose: str) -> str:
    """Prose the stand-in answers, marked as scripted (data fields stay as they are)."""
    return prose if prose.startswith(SCRIPTED) else f"{SCRIPTED} {prose}"


def json_reply(payload: dict[str, Any]) -> Reply:
    """A stand-in answer whose content is a JSON object."""
    return Reply(content=json.dumps(payload))


def description(
    caption: str, objects: list[str], answer: str | None = None
) -> dict[str, Any]:
    """An ``ImageDescription`` answer."""
    return {
        "caption": scripted(caption),
        "description": scripted(caption),
        "objects": objects,
        "people": [],
        "text_present": [],
        "answer": scripted(answer) if answer else None,
    }


def chart(spec: dict[str, Any]) -> dict[str, Any]:
    """A ``ChartData`` answer that reads ``spec`` (a ground-truth chart) exactly."""
    series = [
        {"name": name, "points": [{"x": x, "y": y} for x, y in points.items()]}
        for name, points in spec["series"].items()
    ]
    xs = list(next(iter(spec["series"].values())))
    rows = [" | ".join(["x", *spec["series"]])] + [
        " | ".join([x, *(f"{s[x]:g}" for s in spec["series"].values())]) for x in xs
    ]
    return {
        "chart_type": spec["chart_type"],
        "title": spec["title"],
        "x_axis": {"label": spec["x_label"], "unit": None, "scale": None},
        "y_axis": {"label": spec["y_label"], "unit": None, "scale": None},
        "series": series,
        "table_markdown": "\n".join(rows),
        "summary": scripted(f"{spec['title']}."),
        "answer": None,
        "notes": [],
    }


def text(content: str, has_table: bool = False) -> dict[str, Any]:
    """A ``TextReading`` answer."""
    return {"text": content, "language": "en", "has_table": has_table}


def markdown_table(pipe_text: str) -> str:
    """The ground-truth ``a | b`` table as a markdown table."""
    rows = [
        f"| {' | '.join(c.strip() for c in row.split('|'))} |"
        for row in pipe_text.split("\n")
    ]
    return "\n".join([rows[0], "|" + "---|" * rows[0].count(" | ") + "---|", *rows[1:]])


# ------------------------------------------------------------------ grounding

SHAPE_COLOURS: dict[str, tuple[int, int, int]] = {
    "red square": (230, 30, 30),
    "green circle": (30, 200, 60),
    "blue bar": (30, 60, 230),
}
"""Synthetic scenes' shapes: each a flat colour the stand-in can find."""


def find_shapes(image: Image.Image, tolerance: int = 60) -> list[dict[str, Any]]:
    """Boxes of the coloured shapes in ``image``, in its own pixels.

    What a perfect grounding model answers: ``bbox_2d`` in absolute pixels of
    the image it was sent (exclusive right/bottom edges, like Qwen2.5-VL).
    """
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    found = []
    for label, colour in SHAPE_COLOURS.items():
        mask = (np.abs(pixels - np.array(colour)).sum(axis=2)) < tolerance
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            continue
        box = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
        found.append({"bbox_2d": box, "label": label})
    return found


def locate_responder(request: dict[str, Any]) -> Reply | None:
    """Answer a ``locate_objects`` request from the sent image's own pixels.

    Other requests fall through (``None``) to the stand-in's default answer.
    """
    if "bbox coordinates" not in last_user_text(request):
        return None
    urls = request_images(request)
    data = decode_data_url(urls[-1]) if urls else None
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as image:
        objects = find_shapes(image)
    return json_reply({"objects": objects})


def photo_located(photo: str, *labels: str) -> dict[str, Any]:
    """A perfect ``locate_objects`` answer for a shipped photo, as Qwen2.5-VL gives it.

    The hand-measured boxes (of ``labels``, default all), in pixels of the image
    the tool sends (the photo resized for qwen2.5vl:7b), rounded as the model
    writes them.
    """
    prepared = load_image(
        str(DATA / "photos" / photo),
        policy=ImagePolicy(allowed_roots=(DATA,)),
        resolution=QWEN25VL_RESOLUTION,
    )
    (width, height), (sent_w, sent_h) = prepared.original_size, prepared.sent_size
    scale = (sent_w / width, sent_h / height)
    objects = [
        {
            "bbox_2d": [round(v * scale[i % 2]) for i, v in enumerate(box)],
            "label": label,
        }
        for label, box in PHOTO_BOXES[photo].items()
        if not labels or label in labels
    ]
    return {"objects": objects}


def moderation(names: list[str], **scores: float) -> dict[str, Any]:
    """A ``moderate_image`` answer: ``scores`` by name (``-`` and ``/`` as ``_``)."""
    return {
        "category_scores": {
            name: scores.get(name.replace("-", "_").replace("/", "_"), 0.02)
            for name in names
        },
        "rationale": "Scored from what the image shows.",
    }
