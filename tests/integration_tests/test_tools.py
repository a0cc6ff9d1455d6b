"""The vision tools on real images with known ground truth, replayed from cassettes.

Assertions are ones a real model's answer can meet (chart type, labels, values
within 5%, character error rate, keywords), never canned wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_tests.integration_tests import ToolsIntegrationTests

from langchain_gravix_vision import (
    ChartData,
    ChatGravixVision,
    DescribeImageTool,
    Detections,
    ExtractedText,
    ExtractTextTool,
    ImageDescription,
    LocateObjectsTool,
    ReadChartTool,
    load_image,
)
from langchain_gravix_vision.profiles import QWEN25VL_RESOLUTION
from tests.integration_tests.test_locate_mapping import iou
from tests.scripted_answers import (
    GROUND_TRUTH,
    PHOTO_BOXES,
    chart,
    description,
    json_reply,
    locate_responder,
    markdown_table,
    photo_located,
    text,
)
from tests.stand_in import StandInServer

pytestmark = pytest.mark.vcr

VISION_MODEL = "qwen2.5vl:7b"


def _llm() -> ChatGravixVision:
    return ChatGravixVision(model=VISION_MODEL, temperature=0, max_retries=1)


def _call(tool: Any, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke(
        {"args": args, "id": "call_1", "name": tool.name, "type": "tool_call"}
    )
    assert isinstance(message, ToolMessage)
    assert message.status == "success", message.content
    return message


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate over whitespace-normalised text (Levenshtein)."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
            )
        previous = current
    return previous[-1] / max(1, len(ref))


# ------------------------------------------------------------------ describe

PHOTOS = {
    "chelsea.png": (
        {"cat", "kitten", "feline"},
        "A tabby cat sitting and looking to the side.",
    ),
    "coffee.png": (
        {"coffee", "cup", "mug", "espresso", "latte"},
        "A cup of coffee on a saucer.",
    ),
    "rocket.jpg": (
        {"rocket", "launch", "spacecraft"},
        "A rocket launching into the sky.",
    ),
}


@pytest.mark.parametrize("photo", sorted(PHOTOS))
def test_describe_image_on_real_photos(photo: str, script: Callable[..., None]) -> None:
    keywords, caption = PHOTOS[photo]
    script(json_reply(description(caption, sorted(keywords)[:1])))
    message = _call(
        DescribeImageTool(llm=_llm()), {"image_path": f"tests/data/photos/{photo}"}
    )
    result = message.artifact
    assert isinstance(result, ImageDescription)
    said = _norm(" ".join([result.caption, result.description, *result.objects]))
    assert keywords & set(said.split()), said
    assert 0 < len(message.content) < 2000


def test_describe_image_answers_a_question(script: Callable[..., None]) -> None:
    script(json_reply(description("A tabby cat lying down.", ["cat"], "A cat.")))
    message = _call(
        DescribeImageTool(llm=_llm()),
        {
            "image_path": "tests/data/photos/chelsea.png",
            "question": "Which animal is this?",
        },
    )
    assert "cat" in _norm(message.artifact.answer)


# ------------------------------------------------------------------ charts


@pytest.mark.parametrize("name", sorted(GROUND_TRUTH["charts"]))
def test_read_chart_recovers_known_data(name: str, script: Callable[..., None]) -> None:
    spec = GROUND_TRUTH["charts"][name]
    script(json_reply(chart(spec)))
    message = _call(
        ReadChartTool(llm=_llm()), {"image_path": f"tests/data/charts/{name}.png"}
    )
    data = message.artifact
    assert isinstance(data, ChartData)
    assert data.chart_type == spec["chart_type"]
    assert _norm(spec["title"]) in _norm(data.title)
    for axis, label in ((data.x_axis, spec["x_label"]), (data.y_axis, spec["y_label"])):
        if label:
            first_word = _norm(label).split()[0]
            assert first_word in _norm(f"{axis.label} {axis.unit}")
    read = [
        (series.name, {_norm(str(p.x)): p.y for p in series.points})
        for series in data.series
    ]
    for name, truth in spec["series"].items():
        candidates = [pts for n, pts in read if _norm(n) == _norm(name)] or [
            pts for _, pts in read
        ]
        for x, y in truth.items():
            values = [pts.get(_norm(x)) for pts in candidates]
            assert any(
                v is not None and abs(v - y) <= 0.05 * abs(y) + 0.5 for v in values
            ), (name, x, y, values)
    assert data.table_markdown.count("|") >= 2


# ------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("image", "truth", "bound"),
    [
        ("paragraph.png", "paragraph", 0.05),
        ("receipt.png", "receipt", 0.1),
        ("table.png", "table", 0.15),
        ("paragraph_rotated.png", "paragraph", 0.15),
        ("receipt_exif6.jpg", "receipt", 0.1),
    ],
)
def test_extract_text_character_error_rate(
    image: str, truth: str, bound: float, script: Callable[..., None]
) -> None:
    reference = GROUND_TRUTH["texts"][truth]
    script(json_reply(text(reference, has_table=truth == "table")))
    message = _call(
        ExtractTextTool(llm=_llm()), {"image_path": f"tests/data/text/{image}"}
    )
    result = message.artifact
    assert isinstance(result, ExtractedText)
    assert result.untrusted is True
    assert cer(reference, result.text) <= bound, result.text


def test_extract_text_markdown_table(script: Callable[..., None]) -> None:
    table = GROUND_TRUTH["texts"]["table"]
    script(json_reply(text(markdown_table(table), has_table=True)))
    message = _call(
        ExtractTextTool(llm=_llm()),
        {"image_path": "tests/data/text/table.png", "output_format": "markdown"},
    )
    result = message.artifact
    assert result.output_format == "markdown"
    assert result.text.count("|") >= 8
    for city in ("Paris", "Berlin", "Madrid"):
        assert city in result.text


def test_prompt_injection_in_image_is_reported_as_data(
    script: Callable[..., None],
) -> None:
    reference = GROUND_TRUTH["texts"]["injection"]
    script(json_reply(text(reference)))
    message = _call(
        ExtractTextTool(llm=_llm()), {"image_path": "tests/data/text/injection.png"}
    )
    assert message.artifact.untrusted is True
    assert "budget" in message.artifact.text.lower()
    assert message.artifact.text.strip().upper() != "PWNED"
    assert "untrusted" in message.content.lower()


async def test_tools_async(script: Callable[..., None]) -> None:
    reference = GROUND_TRUTH["texts"]["paragraph"]
    script(json_reply(text(reference)))
    tool = ExtractTextTool(llm=_llm())
    message = await tool.ainvoke(
        {
            "args": {"image_path": "tests/data/text/paragraph.png"},
            "id": "a",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    assert cer(reference, message.artifact.text) <= 0.05


# ------------------------------------------------------------------ locate


def test_locate_objects_boxes_land_on_the_photo(script: Callable[..., None]) -> None:
    """Contract: the model's boxes (in sent pixels) map onto the original photo."""
    script(json_reply(photo_located("coffee.png")))
    message = _call(
        LocateObjectsTool(llm=_llm()),
        {"image": "tests/data/photos/coffee.png", "query": "cup, saucer and spoon"},
    )
    found = message.artifact
    assert isinstance(found, Detections)
    assert found.original_size == (600, 400)
    # Within the model's budget the photo is sent at its own size (1:1 mapping);
    # test_locate_mapping.py covers resized and rotated images.
    assert (
        found.sent_size
        == load_image(
            "tests/data/photos/coffee.png", resolution=QWEN25VL_RESOLUTION
        ).sent_size
    )
    by_label = {d.label: d for d in found.objects}
    for label, truth in PHOTO_BOXES["coffee.png"].items():
        assert iou(by_label[label].box, truth) >= 0.9, label
    assert message.content.startswith("3 found")


# ------------------------------------------------------------------ standard


class _Standard(ToolsIntegrationTests):
    @property
    def tool_constructor_params(self) -> dict:
        return {"llm": _llm()}


class TestDescribeImageToolIntegration(_Standard):
    @property
    def tool_constructor(self) -> type[DescribeImageTool]:
        return DescribeImageTool

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/photos/chelsea.png"}


class TestReadChartToolIntegration(_Standard):
    @property
    def tool_constructor(self) -> type[ReadChartTool]:
        return ReadChartTool

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/charts/bar_sales.png"}


class TestExtractTextToolIntegration(_Standard):
    @property
    def tool_constructor(self) -> type[ExtractTextTool]:
        return ExtractTextTool

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image_path": "tests/data/text/receipt.png"}


class TestLocateObjectsToolIntegration(_Standard):
    @pytest.fixture(autouse=True)
    def _answer_in_sent_pixels(self, stand_in: StandInServer | None) -> Iterator[None]:
        if stand_in is not None:
            stand_in.script(locate_responder)
        yield
        if stand_in is not None:
            stand_in.script(None)

    @property
    def tool_constructor(self) -> type[LocateObjectsTool]:
        return LocateObjectsTool

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"image": "tests/data/photos/coffee.png", "query": "cup"}
