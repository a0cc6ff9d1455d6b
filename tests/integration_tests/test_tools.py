"""The vision tools' contract on real images, replayed from cassettes.

What the client controls: the request each tool sends (the image as a data URL,
the answer schema as ``json_schema``), schema validation of the answer, and how
the artifact is rendered for the calling LLM. The answers in the cassettes are
scripted, so what a model reads (chart values, character error rate, keywords)
is scored by the live quality evals in tests/evals, not here.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_tests.integration_tests import ToolsIntegrationTests
from PIL import Image

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


def _sent(vcr: Any) -> dict[str, Any]:
    """The body of the tool's request (as matched on replay, or as recorded)."""
    return json.loads(vcr.requests[-1].body)


def _assert_vision_request(body: dict[str, Any], answer_schema: type) -> None:
    """One data-URL image, the vision model, the answer schema enforced."""
    assert body["model"] == VISION_MODEL
    parts = [
        part
        for message in body["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
    ]
    images = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(images) == 1
    assert images[0].startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert set(schema["required"]) <= set(answer_schema.model_fields)


# ------------------------------------------------------------------ describe

PHOTOS = {
    "chelsea.png": "A tabby cat sitting and looking to the side.",
    "coffee.png": "A cup of coffee on a saucer.",
    "rocket.jpg": "A rocket launching into the sky.",
}


@pytest.mark.parametrize("photo", sorted(PHOTOS))
def test_describe_image_sends_the_photo_and_validates_the_answer(
    photo: str, script: Callable[..., None], vcr: Any
) -> None:
    script(json_reply(description(PHOTOS[photo], ["subject"])))
    message = _call(
        DescribeImageTool(llm=_llm()), {"image_path": f"tests/data/photos/{photo}"}
    )
    _assert_vision_request(_sent(vcr), ImageDescription)
    result = message.artifact
    assert isinstance(result, ImageDescription)
    assert result.caption
    assert message.content == result.to_content()


def test_describe_image_passes_the_question_and_returns_an_answer(
    script: Callable[..., None], vcr: Any
) -> None:
    script(json_reply(description("A tabby cat lying down.", ["cat"], "A cat.")))
    question = "Which animal is this?"
    message = _call(
        DescribeImageTool(llm=_llm()),
        {"image_path": "tests/data/photos/chelsea.png", "question": question},
    )
    body = _sent(vcr)
    _assert_vision_request(body, ImageDescription)
    assert question in json.dumps(body["messages"])
    assert message.artifact.answer
    assert message.content.startswith(f"Answer: {message.artifact.answer}")


# ------------------------------------------------------------------ charts


@pytest.mark.parametrize("name", sorted(GROUND_TRUTH["charts"]))
def test_read_chart_sends_the_chart_and_validates_the_data(
    name: str, script: Callable[..., None], vcr: Any
) -> None:
    script(json_reply(chart(GROUND_TRUTH["charts"][name])))
    message = _call(
        ReadChartTool(llm=_llm()), {"image_path": f"tests/data/charts/{name}.png"}
    )
    _assert_vision_request(_sent(vcr), ChartData)
    data = message.artifact
    assert isinstance(data, ChartData)
    assert data.series
    assert all(isinstance(p.y, float | int) for s in data.series for p in s.points)
    assert message.content == data.to_content()
    assert message.content.startswith(f"{data.chart_type} chart")


# ------------------------------------------------------------------ text

TEXT_IMAGES = [
    ("paragraph.png", "paragraph"),
    ("receipt.png", "receipt"),
    ("table.png", "table"),
    ("paragraph_rotated.png", "paragraph"),
    ("receipt_exif6.jpg", "receipt"),
]


@pytest.mark.parametrize(("image", "truth"), TEXT_IMAGES)
def test_extract_text_sends_the_upright_page_and_fences_the_text(
    image: str, truth: str, script: Callable[..., None], vcr: Any
) -> None:
    script(json_reply(text(GROUND_TRUTH["texts"][truth], has_table=truth == "table")))
    message = _call(
        ExtractTextTool(llm=_llm()), {"image_path": f"tests/data/text/{image}"}
    )
    body = _sent(vcr)
    _assert_vision_request(body, ExtractedText)
    if image == "receipt_exif6.jpg":  # EXIF orientation 6: sent rotated upright
        (url,) = [
            p["image_url"]["url"]
            for m in body["messages"]
            if isinstance(m["content"], list)
            for p in m["content"]
            if p["type"] == "image_url"
        ]
        sent = _decoded_size(url)
        with Image.open("tests/data/text/receipt.png") as upright:
            assert (sent[0] > sent[1]) == (upright.width > upright.height)
    result = message.artifact
    assert isinstance(result, ExtractedText)
    assert result.untrusted is True
    assert message.content == result.to_content()
    assert "untrusted" in message.content


def _decoded_size(url: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2]))) as image:
        return image.size


def test_extract_text_asks_for_markdown(script: Callable[..., None], vcr: Any) -> None:
    table = GROUND_TRUTH["texts"]["table"]
    script(json_reply(text(markdown_table(table), has_table=True)))
    message = _call(
        ExtractTextTool(llm=_llm()),
        {"image_path": "tests/data/text/table.png", "output_format": "markdown"},
    )
    body = _sent(vcr)
    _assert_vision_request(body, ExtractedText)
    assert "markdown" in json.dumps(body["messages"]).lower()
    assert message.artifact.output_format == "markdown"


def test_text_in_an_image_is_returned_as_untrusted_data(
    script: Callable[..., None],
) -> None:
    script(json_reply(text(GROUND_TRUTH["texts"]["injection"])))
    message = _call(
        ExtractTextTool(llm=_llm()), {"image_path": "tests/data/text/injection.png"}
    )
    assert message.artifact.untrusted is True
    assert message.content.startswith("Text extracted from the image (untrusted")
    assert message.artifact.text in message.content


async def test_tools_async(script: Callable[..., None], vcr: Any) -> None:
    script(json_reply(text(GROUND_TRUTH["texts"]["paragraph"])))
    tool = ExtractTextTool(llm=_llm())
    message = await tool.ainvoke(
        {
            "args": {"image_path": "tests/data/text/paragraph.png"},
            "id": "a",
            "name": tool.name,
            "type": "tool_call",
        }
    )
    _assert_vision_request(_sent(vcr), ExtractedText)
    assert isinstance(message.artifact, ExtractedText)
    assert message.artifact.untrusted is True


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
