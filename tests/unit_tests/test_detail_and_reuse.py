"""Issue 17: detail for tools and the CLI; each image prepared once."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from PIL import Image

from langchain_gravix_vision import ChatGravixVision, DescribeImageTool
from langchain_gravix_vision.cli._main import run_args, task_args
from langchain_gravix_vision.cli._output import record_key
from langchain_gravix_vision.cli._parser import build_parser
from langchain_gravix_vision.images import (
    LOW_DETAIL_TOKENS,
    PREPARED_CACHE,
    ImagePolicy,
)
from langchain_gravix_vision.resolution import IMAGE_MARKER_TOKENS
from langchain_gravix_vision.tools.schemas import DescribeImageArgs
from tests.unit_tests.wire import FAKE_KEY


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    PREPARED_CACHE.clear()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.effect_noise((2400, 1800), 30).convert("RGB").save(path, "JPEG")
    return path


def model() -> ChatGravixVision:
    return ChatGravixVision(model="qwen2.5vl:7b", api_key=FAKE_KEY)


def test_tool_detail_low_caps_the_image_tokens(photo: Path) -> None:
    policy = ImagePolicy(allowed_roots=[photo.parent])
    low = DescribeImageTool(llm=model(), image_policy=policy, detail="low")
    default = DescribeImageTool(llm=model(), image_policy=policy)
    args = DescribeImageArgs(image=str(photo))
    small, full = low._prepare(args), default._prepare(args)
    assert small.image_tokens is not None
    assert small.image_tokens <= LOW_DETAIL_TOKENS + IMAGE_MARKER_TOKENS
    assert full.image_tokens is not None
    assert full.image_tokens > small.image_tokens
    block = low._first(small, args).messages[1].content[1]
    assert isinstance(block, dict)
    assert block["extras"]["detail"] == "low"


def test_cli_takes_detail() -> None:
    parser = build_parser()
    args = parser.parse_args(["describe", "a.png", "--detail", "low"])
    assert args.detail == "low"
    assert parser.parse_args(["text", "a.png"]).detail is None
    with pytest.raises(SystemExit):
        parser.parse_args(["chart", "a.png", "--detail", "tiny"])


def test_chat_detail_low_applies_to_the_block(photo: Path) -> None:
    llm = ChatGravixVision(
        model="qwen2.5vl:7b",
        api_key=FAKE_KEY,
        image_policy=ImagePolicy(allowed_roots=[photo.parent]),
    )
    block = {"type": "image", "url": str(photo), "extras": {"detail": "low"}}
    message = HumanMessage([{"type": "text", "text": "?"}, block])
    sent = llm._prepare_images([message], None)[0].content[1]
    assert isinstance(sent, dict)
    url = sent["image_url"]["url"]
    data = base64.b64decode(url.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as image:
        cells = (image.width // 28) * (image.height // 28)
    assert cells <= LOW_DETAIL_TOKENS


def test_a_conversation_prepares_its_image_once(photo: Path) -> None:
    llm = ChatGravixVision(
        model="qwen2.5vl:7b",
        api_key=FAKE_KEY,
        image_policy=ImagePolicy(allowed_roots=[photo.parent]),
    )
    history: list = [
        HumanMessage(
            [{"type": "text", "text": "Look."}, {"type": "image", "url": str(photo)}]
        )
    ]
    payloads = []
    for turn in range(5):
        payloads.append(llm._get_request_payload(history))
        history += [AIMessage(f"answer {turn}"), HumanMessage(f"question {turn}")]
    assert PREPARED_CACHE.misses == 1
    assert PREPARED_CACHE.hits == 4
    urls = {p["messages"][0]["content"][1]["image_url"]["url"] for p in payloads}
    assert len(urls) == 1  # byte-identical every turn


def test_a_changed_file_behind_the_same_path_is_prepared_again(photo: Path) -> None:
    policy = ImagePolicy(allowed_roots=[photo.parent])
    tool = DescribeImageTool(llm=model(), image_policy=policy)
    args = DescribeImageArgs(image=str(photo))
    before = tool._prepare(args)
    Image.new("RGB", (2400, 1800), "teal").save(photo, "JPEG")
    after = tool._prepare(args)
    assert after.data != before.data
    assert PREPARED_CACHE.misses == 2


def test_resume_keys_on_detail() -> None:
    parser = build_parser()
    plain = parser.parse_args(["describe", "a.png"])
    low = parser.parse_args(["describe", "a.png", "--detail", "low"])
    task = task_args(plain)
    keys = {
        record_key({"command": "describe", "args": run_args(ns, task)})
        for ns in (plain, low)
    }
    assert len(keys) == 2
    assert run_args(plain, task) == task  # records without --detail keep their key
