"""compare_images' contract on real images, replayed from cassettes.

What the client controls: one request for all the images, each after its
label and in the order given, at the size ``load_image`` prepares it for the
model, within the token budget, the answer schema enforced, and one note per
image in the artifact. What a model says about the images is not asserted.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
from typing import Any, ClassVar

import pytest
from PIL import Image

from langchain_gravix_vision import CompareImagesTool, ImageComparison, load_image
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from langchain_gravix_vision.resolution import IMAGE_MARKER_TOKENS, image_prompt_tokens
from langchain_gravix_vision.tools.prompts import image_label
from tests.integration_tests._standard import StandardToolSuite
from tests.integration_tests.test_tools import VISION_MODEL, _call, _llm, _sent

pytestmark = pytest.mark.vcr

CHARTS = [
    "tests/data/charts/bar_sales.png",
    "tests/data/charts/line_temperature.png",
    "tests/data/charts/pie_share.png",
]
PHOTOS = ["tests/data/photos/chelsea.png", "tests/data/photos/rocket.jpg"]


def _images(body: dict[str, Any]) -> tuple[list[str], list[tuple[int, int]]]:
    """The labels before the images, and the images' sizes, in request order."""
    parts = body["messages"][-1]["content"]
    labels, sizes = [], []
    for before, part in itertools.pairwise(parts):
        if part["type"] == "image_url":
            labels.append(before["text"])
            data = part["image_url"]["url"].split(";base64,", 1)[1]
            sizes.append(Image.open(io.BytesIO(base64.b64decode(data))).size)
    return labels, sizes


def _check(result: Any, count: int) -> ImageComparison:
    assert isinstance(result, ImageComparison)
    assert result.image_count == count
    assert [note.image for note in result.notes] == list(range(1, count + 1))
    assert result.answer
    return result


def test_compare_images_sends_each_chart_after_its_label(vcr: Any) -> None:
    question = "Which of these charts shows a share of a whole?"
    message = _call(
        CompareImagesTool(llm=_llm()), {"images": CHARTS, "question": question}
    )
    body = _sent(vcr)
    assert body["model"] == VISION_MODEL
    assert len(vcr.requests) == 1  # one request for all the images
    labels, sizes = _images(body)
    assert labels == [image_label(n) for n in (1, 2, 3)]
    expected = [
        load_image(path, resolution=QWEN25VL_RESOLUTION).sent_size for path in CHARTS
    ]
    assert sizes == expected
    last = body["messages"][-1]["content"][-1]
    assert last["type"] == "text"
    assert question in last["text"]
    assert body["response_format"]["type"] == "json_schema"
    result = _check(message.artifact, 3)
    tokens = [image_prompt_tokens(w, h, QWEN25VL_RESOLUTION) for w, h in sizes]
    assert result.image_tokens == sum(tokens)
    assert message.content == result.to_content()


def test_compare_images_low_detail_photos_stay_small(vcr: Any) -> None:
    message = _call(CompareImagesTool(llm=_llm()), {"images": PHOTOS, "detail": "low"})
    body = _sent(vcr)
    labels, sizes = _images(body)
    assert labels == [image_label(1), image_label(2)]
    for (width, height), path in zip(sizes, PHOTOS, strict=True):
        assert image_prompt_tokens(width, height, QWEN25VL_RESOLUTION) <= (
            256 + IMAGE_MARKER_TOKENS
        )
        original = load_image(path, resolution=QWEN25VL_RESOLUTION).original_size
        # The aspect ratio is kept (within the grid's rounding).
        assert abs(width / height - original[0] / original[1]) < 0.15
    parts = body["messages"][-1]["content"]
    details = [p["image_url"].get("detail") for p in parts if p["type"] == "image_url"]
    assert details == ["low", "low"]
    _check(message.artifact, 2)
    json.dumps(message.artifact.model_dump(mode="json"))  # JSON-ready


class TestCompareImagesToolIntegration(StandardToolSuite):
    constructor = CompareImagesTool
    example: ClassVar[dict[str, Any]] = {"images": CHARTS[:2]}
