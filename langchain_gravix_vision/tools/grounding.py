r"""Grounding: read a model's boxes and points, and map them to the user's pixels.

A grounding model answers in the coordinates of the image it was *sent* (the
resized, upright image): ``"absolute"`` pixels (Qwen2.5-VL) or
``"normalized_1000"`` (later Qwen-VL generations). :func:`parse_grounding`
reads what models really write (fenced JSON, a bare list, one object, keys
repeated); :func:`to_detections` repairs the boxes (corners swapped, clipped to
the image) and maps them back to the original image as viewers show it, using
the sizes a :class:`~langchain_gravix_vision.images.PreparedImage` records.

Example:
    >>> from langchain_gravix_vision.tools.grounding import (
    ...     parse_grounding, to_detections)
    >>> answer = parse_grounding('```json\\n[{"bbox_2d": [10, 20, 50, 60], '
    ...                          '"label": "cup"}]\\n```')
    >>> found = to_detections(answer, query="cup", convention="absolute",
    ...                       sent_size=(100, 100), original_size=(400, 200))
    >>> found.objects[0].box
    (40.0, 40.0, 200.0, 120.0)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from langchain_gravix_vision._text import printable
from langchain_gravix_vision.profiles import GroundingConvention
from langchain_gravix_vision.tools.schemas import (
    Box,
    Detection,
    Detections,
    GroundedItem,
    GroundingAnswer,
    Point,
)

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_BOX_KEYS = ("bbox_2d", "bbox", "box", "box_2d")
_POINT_KEYS = ("point_2d", "point")
_LABEL_KEYS = ("label", "name", "class", "category", "text_content")
_CONFIDENCE_KEYS = ("confidence", "score")
_LIST_KEYS = ("objects", "detections", "items", "results")


def _first_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object keeping the first value of a repeated key."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        result.setdefault(key, value)
    return result


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_first_pairs)


def _decode(text: str) -> Any:
    """The JSON value in ``text``: whole, fenced, or the outermost list/object."""
    candidates = [text.strip(), *(m.strip() for m in _FENCE.findall(text))]
    for opening, closing in (("[", "]"), ("{", "}")):
        start, end = text.find(opening), text.rfind(closing)
        if 0 <= start < end:
            candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return _loads(candidate)
        except json.JSONDecodeError:
            continue
    raise ValueError("no JSON list or object of boxes in the answer")


def _pick(item: dict[str, Any], keys: Sequence[str]) -> Any:
    return next((item[k] for k in keys if item.get(k) is not None), None)


def _item(raw: Any) -> GroundedItem | None:
    """One object in the model's words, or ``None`` if it holds no coordinates."""
    if not isinstance(raw, dict):
        return None
    label = _pick(raw, _LABEL_KEYS)
    try:
        return GroundedItem(
            label=str(label) if label is not None else "",
            bbox_2d=_pick(raw, _BOX_KEYS),
            point_2d=_pick(raw, _POINT_KEYS),
            confidence=_pick(raw, _CONFIDENCE_KEYS),
        )
    except ValidationError:
        return None


def parse_grounding(answer: str | dict[str, Any] | list[Any]) -> GroundingAnswer:
    """Read a grounding answer: the model's text or its decoded JSON.

    Accepts ``{"objects": [...]}``, a bare list, a single object, fenced JSON
    and JSON inside prose; a repeated key keeps its first value; other key
    spellings (``bbox``, ``point``, ``name``, ``score``) are understood.
    Entries without coordinates are skipped.

    Raises:
        ValueError: No JSON, or JSON that holds no list of objects.

    Example:
        >>> parse_grounding('{"bbox_2d": [1, 2, 3, 4], "label": "a", "label": "b"}')
        GroundingAnswer(objects=[GroundedItem(label='a', bbox_2d=[1.0, 2.0, 3.0, 4.0], point_2d=None, confidence=None)])
    """  # noqa: E501
    value = _decode(answer) if isinstance(answer, str) else answer
    if isinstance(value, dict):
        listed = _pick(value, _LIST_KEYS)
        value = listed if isinstance(listed, list) else [value]
    if not isinstance(value, list):
        raise ValueError("the answer is not a list of objects")
    items = [_item(raw) for raw in value]
    found = [
        i for i in items if i and (i.bbox_2d is not None or i.point_2d is not None)
    ]
    if value and not found:
        raise ValueError("no object in the answer has bbox_2d or point_2d")
    return GroundingAnswer(objects=found)


def _to_sent(
    values: list[float], convention: GroundingConvention, size: Point
) -> list[float]:
    """Coordinates in the sent image's pixels, from the model's convention."""
    if convention == "normalized_1000":
        return [v * size[i % 2] / 1000 for i, v in enumerate(values)]
    return list(values)


def _clip(value: float, limit: float) -> float:
    return min(max(value, 0.0), limit)


def _box(values: list[float], size: Point) -> tuple[Box | None, bool, bool]:
    """``(box, swapped, clipped)``: corners ordered and clipped to the image."""
    x1, y1, x2, y2 = values
    swapped = x2 < x1 or y2 < y1
    x1, x2 = sorted((x1, x2))
    y1, y2 = sorted((y1, y2))
    box = (
        _clip(x1, size[0]),
        _clip(y1, size[1]),
        _clip(x2, size[0]),
        _clip(y2, size[1]),
    )
    clipped = box != (x1, y1, x2, y2)
    if box[2] <= box[0] or box[3] <= box[1]:
        return None, swapped, clipped
    return box, swapped, clipped


def _scale(values: Sequence[float], sent: Point, original: Point) -> tuple[float, ...]:
    return tuple(
        round(v * original[i % 2] / sent[i % 2], 1) for i, v in enumerate(values)
    )


def _detection(
    item: GroundedItem,
    convention: GroundingConvention,
    sent: Point,
    original: Point,
    notes: list[str],
) -> Detection | None:
    label = printable(item.label.strip(), 80) or "object"  # one line, short
    box = point = None
    clipped = False
    if item.bbox_2d is not None and len(item.bbox_2d) == 4:
        box, swapped, clipped = _box(_to_sent(item.bbox_2d, convention, sent), sent)
        if swapped:
            notes.append(f"'{label}': box corners were swapped; reordered")
        if box is None:
            notes.append(f"'{label}': box lies outside the image; dropped")
    if item.point_2d is not None and len(item.point_2d) == 2:
        x, y = _to_sent(item.point_2d, convention, sent)
        point = (_clip(x, sent[0]), _clip(y, sent[1]))
        clipped = clipped or point != (x, y)
    if box is None and point is None:
        return None
    if clipped:
        notes.append(f"'{label}': reached outside the image; clipped")
    confidence = item.confidence
    if confidence is not None and not 0 <= confidence <= 1:
        confidence = None
    return Detection(
        label=label,
        box=_scale(box, sent, original) if box else None,  # type: ignore[arg-type]
        point=_scale(point, sent, original) if point else None,  # type: ignore[arg-type]
        sent_box=box,
        sent_point=point,
        confidence=confidence,
        clipped=clipped,
    )


def to_detections(
    answer: GroundingAnswer,
    *,
    query: str,
    convention: GroundingConvention,
    sent_size: tuple[int, int],
    original_size: tuple[int, int],
    orientation: int = 1,
    max_objects: int | None = None,
) -> Detections:
    """Map a grounding answer to the original image's pixels.

    Boxes with swapped corners are reordered; boxes and points outside the sent
    image are clipped to it (and flagged); boxes with no area left are dropped.
    Each repair is recorded in ``notes``.
    """
    sent = (float(sent_size[0]), float(sent_size[1]))
    original = (float(original_size[0]), float(original_size[1]))
    notes: list[str] = []
    objects = [
        d
        for item in answer.objects
        if (d := _detection(item, convention, sent, original, notes)) is not None
    ]
    if max_objects is not None and len(objects) > max_objects:
        notes.append(f"{len(objects) - max_objects} more objects left out")
        objects = objects[:max_objects]
    return Detections(
        query=query,
        objects=objects,
        original_size=original_size,
        sent_size=sent_size,
        orientation=orientation,
        notes=notes,
    )


__all__ = ["parse_grounding", "to_detections"]
